package ratelimit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is a settable time source for the memory store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func memLimiter(t testing.TB, cfg Config) (*Limiter, *clock, *MemoryStore) {
	t.Helper()
	ck := &clock{t: time.Unix(1_700_000_000, 0)}
	st := NewMemoryStore(cfg.Memory.MaxKeys, cfg.Memory.Shards)
	st.now = ck.now
	l, err := NewWithStore(cfg, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return l, ck, st
}

var ip1 = netip.MustParseAddr("198.51.100.1")
var ip2 = netip.MustParseAddr("198.51.100.2")

// TestGCRASequence drives one rule (5 per second, burst 2, so one request
// is worth 200ms) through a timed sequence of requests.
func TestGCRASequence(t *testing.T) {
	cfg := Config{Rules: []Rule{{Name: "per-ip", Key: KeyIP, Rate: 5, Period: time.Second, Burst: 2}}}
	steps := []struct {
		wait      time.Duration
		allowed   bool
		remaining int64
		retry     time.Duration
	}{
		{0, true, 1, 0},
		{0, true, 0, 0},
		{0, false, 0, 200 * time.Millisecond}, // burst spent
		{100 * time.Millisecond, false, 0, 100 * time.Millisecond},
		{100 * time.Millisecond, true, 0, 0}, // one interval later: one more
		{0, false, 0, 200 * time.Millisecond},
		{time.Second, true, 1, 0}, // idle: full burst back
	}
	l, ck, _ := memLimiter(t, cfg)
	for i, s := range steps {
		ck.add(s.wait)
		res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1})
		if res.Allowed != s.allowed || res.Remaining != s.remaining || res.RetryAfter != s.retry {
			t.Fatalf("step %d: allowed=%v remaining=%d retry=%v, want %v %d %v", i, res.Allowed, res.Remaining, res.RetryAfter, s.allowed, s.remaining, s.retry)
		}
		if !s.allowed && (res.Status != 429 || res.Reason != ReasonLimited || res.Rule != "per-ip") {
			t.Fatalf("step %d: refusal %+v", i, res)
		}
	}
	// Another client has its own counter.
	if res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip2}); !res.Allowed {
		t.Fatal("second client limited by the first one's traffic")
	}
}

func TestRulePhase(t *testing.T) {
	for _, tc := range []struct {
		rule Rule
		want Phase
	}{
		{Rule{Key: KeyIP}, PhaseIP},
		{Rule{Key: KeyIP, Scope: ScopeAPI}, PhaseIP},
		{Rule{Key: KeyIP, Operations: []string{"login"}}, PhaseOperationIP},
		{Rule{Key: KeyIP, Scope: ScopeOperation}, PhaseOperationIP},
		{Rule{Key: KeyAPIKey}, PhaseIdentity},
		{Rule{Key: KeyAPIKey, Operations: []string{"login"}}, PhaseIdentity},
		{Rule{Key: "claim:sub", Scope: ScopeOperation}, PhaseIdentity},
	} {
		r := tc.rule
		if r.Scope == "" {
			r.Scope = ScopeAPI // as NewWithStore fills it in
		}
		if got := ruleRunsIn(r, len(r.Operations) > 0); got != tc.want {
			t.Errorf("%+v runs in phase %d, want %d", tc.rule, got, tc.want)
		}
	}
}

func TestRuleSelection(t *testing.T) {
	cfg := Config{Rules: []Rule{
		{Name: "ip", Key: KeyIP, Rate: 1, Period: time.Hour},
		{Name: "key", Key: KeyAPIKey, Rate: 1, Period: time.Hour},
		{Name: "sub", Key: "claim:sub", Rate: 1, Period: time.Hour, Scope: ScopeOperation},
		{Name: "ip-op", Key: KeyIP, Rate: 1, Period: time.Hour, Operations: []string{"createOrder"}},
	}}
	type call struct {
		in   Input
		want bool
		rule string
	}
	tests := []struct {
		name  string
		calls []call
	}{
		{"ip phase charges only the per-ip api rule", []call{
			{Input{Phase: PhaseIP, IP: ip1}, true, "ip"},
			{Input{Phase: PhaseIP, IP: ip1}, false, "ip"},
		}},
		{"identity phase without identity applies nothing", []call{
			{Input{Phase: PhaseIdentity, IP: ip1, Operation: "listOrders"}, true, ""},
			{Input{Phase: PhaseIdentity, IP: ip1, Operation: "listOrders"}, true, ""},
		}},
		{"api key counted across operations", []call{
			{Input{Phase: PhaseIdentity, APIKey: "k1", Operation: "a"}, true, "key"},
			{Input{Phase: PhaseIdentity, APIKey: "k1", Operation: "b"}, false, "key"},
			{Input{Phase: PhaseIdentity, APIKey: "k2", Operation: "b"}, true, "key"},
		}},
		{"claim counted per operation", []call{
			{Input{Phase: PhaseIdentity, Claims: map[string]any{"sub": "alice"}, Operation: "a"}, true, "sub"},
			{Input{Phase: PhaseIdentity, Claims: map[string]any{"sub": "alice"}, Operation: "b"}, true, "sub"},
			{Input{Phase: PhaseIdentity, Claims: map[string]any{"sub": "alice"}, Operation: "a"}, false, "sub"},
			{Input{Phase: PhaseIdentity, Claims: map[string]any{"sub": "bob"}, Operation: "a"}, true, "sub"},
		}},
		// One IPv6 subscriber holds a /64 and can send from any of its
		// addresses: counting single addresses would let it rotate past
		// any limit.
		{"ipv6 counted by /64", []call{
			{Input{Phase: PhaseIP, IP: netip.MustParseAddr("2001:db8:1:2::1")}, true, "ip"},
			{Input{Phase: PhaseIP, IP: netip.MustParseAddr("2001:db8:1:2:ffff::9")}, false, "ip"},
			{Input{Phase: PhaseIP, IP: netip.MustParseAddr("2001:db8:1:3::1")}, true, "ip"},
		}},
		{"ipv4-mapped counted as ipv4", []call{
			{Input{Phase: PhaseIP, IP: netip.MustParseAddr("::ffff:198.51.100.1")}, true, "ip"},
			{Input{Phase: PhaseIP, IP: ip1}, false, "ip"},
			{Input{Phase: PhaseIP, IP: ip2}, true, "ip"},
		}},
		// Rules keyed by ip that need the operation run after routing
		// and before authentication, never in the identity phase.
		{"operation filter", []call{
			{Input{Phase: PhaseOperationIP, IP: ip1, Operation: "createOrder"}, true, "ip-op"},
			{Input{Phase: PhaseOperationIP, IP: ip1, Operation: "listOrders"}, true, ""},
			{Input{Phase: PhaseIdentity, IP: ip1, Operation: "createOrder"}, true, ""},
			{Input{Phase: PhaseOperationIP, IP: ip1, Operation: "createOrder"}, false, "ip-op"},
		}},
		{"operation ip phase charges no identity rule", []call{
			{Input{Phase: PhaseOperationIP, APIKey: "k1", Claims: map[string]any{"sub": "alice"}, Operation: "a"}, true, ""},
			{Input{Phase: PhaseOperationIP, APIKey: "k1", Claims: map[string]any{"sub": "alice"}, Operation: "a"}, true, ""},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, _, _ := memLimiter(t, cfg)
			for i, c := range tc.calls {
				res := l.Check(context.Background(), c.in)
				if res.Allowed != c.want || res.Rule != c.rule {
					t.Fatalf("call %d: allowed=%v rule=%q, want %v %q", i, res.Allowed, res.Rule, c.want, c.rule)
				}
			}
		})
	}
}

func TestHeaders(t *testing.T) {
	cfg := Config{Rules: []Rule{
		{Name: "ip", Key: KeyIP, Rate: 100, Period: time.Minute},
		{Name: "burst", Key: KeyAPIKey, Rate: 10, Period: time.Second, Burst: 2},
	}}
	l, _, _ := memLimiter(t, cfg)
	h := http.Header{}
	l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1}).SetHeaders(h)
	l.Check(context.Background(), Input{Phase: PhaseIdentity, APIKey: "k"}).SetHeaders(h)
	if got, want := h.Get("RateLimit-Policy"), `"ip";q=100;w=60, "burst";q=2;w=1`; got != want {
		t.Errorf("RateLimit-Policy = %q, want %q", got, want)
	}
	if got, want := h.Get("RateLimit"), `"ip";r=99;t=1, "burst";r=1;t=1`; got != want {
		t.Errorf("RateLimit = %q, want %q", got, want)
	}
	if h.Get("Retry-After") != "" {
		t.Error("Retry-After on an allowed request")
	}
	l.Check(context.Background(), Input{Phase: PhaseIdentity, APIKey: "k"})
	res := l.Check(context.Background(), Input{Phase: PhaseIdentity, APIKey: "k"})
	h = http.Header{}
	res.SetHeaders(h)
	if res.Allowed || h.Get("Retry-After") != "1" || h.Get("RateLimit") != `"burst";r=0;t=1` {
		t.Errorf("refusal headers: allowed=%v %v", res.Allowed, h)
	}
	// A long wait is rounded up, never down to 0.
	l2, _, _ := memLimiter(t, Config{Rules: []Rule{{Name: "slow", Key: KeyIP, Rate: 1, Period: 90 * time.Second}}})
	l2.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1})
	h = http.Header{}
	l2.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1}).SetHeaders(h)
	if h.Get("Retry-After") != "90" {
		t.Errorf("Retry-After = %q, want 90", h.Get("Retry-After"))
	}
}

// failingStore always errors, like a Redis that is down.
type failingStore struct{ calls int }

func (f *failingStore) Take(context.Context, string, Params) (Outcome, error) {
	f.calls++
	return Outcome{}, errors.New("connection refused")
}
func (f *failingStore) Close() error { return nil }

func TestStoreFailurePolicy(t *testing.T) {
	rules := []Rule{{Name: "ip", Key: KeyIP, Rate: 1, Period: time.Hour}}
	for _, tc := range []struct {
		policy  string
		allowed bool
		status  int
	}{
		{"", true, 0},
		{"open", true, 0},
		{"closed", false, 503},
	} {
		t.Run("on_store_error="+tc.policy, func(t *testing.T) {
			var logs strings.Builder
			l, err := NewWithStore(Config{OnStoreError: tc.policy, Rules: rules}, &failingStore{}, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1})
				if res.Allowed != tc.allowed || res.Status != tc.status || !res.StoreError {
					t.Fatalf("call %d: %+v", i, res)
				}
				if !tc.allowed && res.Reason != ReasonUnavailable {
					t.Fatalf("reason %q", res.Reason)
				}
			}
			if l.StoreErrors() != 3 {
				t.Errorf("counted %d store errors, want 3", l.StoreErrors())
			}
			if n := strings.Count(logs.String(), "rate-limit store unavailable"); n != 1 {
				t.Errorf("logged %d times, want once (throttled):\n%s", n, logs.String())
			}
		})
	}
}

func TestMemoryStoreBounded(t *testing.T) {
	l, ck, st := memLimiter(t, Config{Memory: MemoryConfig{MaxKeys: 64, Shards: 1}, Rules: []Rule{{Name: "ip", Key: KeyIP, Rate: 1, Period: time.Minute}}})
	for i := 0; i < 1000; i++ {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		if !l.Check(context.Background(), Input{Phase: PhaseIP, IP: a}).Allowed {
			t.Fatalf("fresh client %v refused", a)
		}
	}
	if n := st.Len(); n > 64 {
		t.Fatalf("store holds %d keys, bound is 64", n)
	}
	if st.Evicted() == 0 {
		t.Fatal("no eviction counted")
	}
	// Once the old entries have expired, new clients take their places
	// instead of evicting live entries.
	ck.add(time.Hour)
	before := st.Evicted()
	for i := 0; i < 64; i++ {
		l.Check(context.Background(), Input{Phase: PhaseIP, IP: netip.AddrFrom4([4]byte{10, 9, 0, byte(i)})})
	}
	if st.Evicted() != before {
		t.Fatalf("%d live entries evicted while expired ones were available", st.Evicted()-before)
	}
	if n := st.Len(); n > 64 {
		t.Fatalf("store holds %d keys, bound is 64", n)
	}
}

func TestSecretsNotInKeys(t *testing.T) {
	rec := &recordingStore{}
	l, err := NewWithStore(Config{Rules: []Rule{{Name: "k", Key: KeyAPIKey, Rate: 5, Period: time.Second}, {Name: "c", Key: "claim:client_id", Rate: 5, Period: time.Second}}}, rec, quiet)
	if err != nil {
		t.Fatal(err)
	}
	l.Check(context.Background(), Input{Phase: PhaseIdentity, APIKey: "sk_live_SECRET", Claims: map[string]any{"client_id": "confidential-client"}})
	if len(rec.keys) != 2 {
		t.Fatalf("keys %v", rec.keys)
	}
	for _, k := range rec.keys {
		if strings.Contains(k, "SECRET") || strings.Contains(k, "confidential") {
			t.Errorf("store key %q carries the raw identity", k)
		}
	}
}

type recordingStore struct{ keys []string }

func (r *recordingStore) Take(_ context.Context, key string, _ Params) (Outcome, error) {
	r.keys = append(r.keys, key)
	return Outcome{Allowed: true, Reset: time.Millisecond}, nil
}
func (r *recordingStore) Close() error { return nil }

func TestValidate(t *testing.T) {
	ok := Rule{Name: "r", Key: KeyIP, Rate: 10, Period: time.Second}
	tests := []struct {
		name string
		cfg  Config
		want []string
	}{
		{"valid", Config{Rules: []Rule{ok, {Name: "s", Key: "claim:sub", Rate: 1, Period: time.Minute, Scope: "operation"}}}, nil},
		{"bad store", Config{Store: "etcd"}, []string{"store", "etcd"}},
		{"redis without addr", Config{Store: "redis"}, []string{"redis.addr"}},
		{"bad failure policy", Config{OnStoreError: "maybe"}, []string{"on_store_error"}},
		{"bad key", Config{Rules: []Rule{{Name: "r", Key: "header:x", Rate: 1, Period: time.Second}}}, []string{"rules[0] (r).key", "header:x"}},
		{"empty claim", Config{Rules: []Rule{{Name: "r", Key: "claim:", Rate: 1, Period: time.Second}}}, []string{"key"}},
		{"no rate or period", Config{Rules: []Rule{{Name: "r", Key: KeyIP}}}, []string{"rate", "period"}},
		{"too fast", Config{Rules: []Rule{{Name: "r", Key: KeyIP, Rate: 10_000_000, Period: time.Second}}}, []string{"microsecond"}},
		{"duplicate names", Config{Rules: []Rule{ok, ok}}, []string{"rules[1] (r).name", "another rule"}},
		{"bad name", Config{Rules: []Rule{{Name: `a"b`, Key: KeyIP, Rate: 1, Period: time.Second}}}, []string{"name"}},
		{"bad scope", Config{Rules: []Rule{{Name: "r", Key: KeyIP, Rate: 1, Period: time.Second, Scope: "path"}}}, []string{"scope", "path"}},
		{"credential endpoints", Config{CredentialEndpoints: CredentialLimit{Enabled: new(false), Rate: new(int64(3)), Period: new(time.Second), Burst: 1}}, nil},
		{"credential rate 0", Config{CredentialEndpoints: CredentialLimit{Rate: new(int64(0))}}, []string{"credential_endpoints.rate: must be at least 1"}},
		{"credential negative rate", Config{CredentialEndpoints: CredentialLimit{Rate: new(int64(-5))}}, []string{"credential_endpoints.rate: must be at least 1"}},
		{"credential period 0", Config{CredentialEndpoints: CredentialLimit{Period: new(time.Duration(0))}}, []string{"credential_endpoints.period: must be a positive duration"}},
		{"credential negative period", Config{CredentialEndpoints: CredentialLimit{Period: new(-time.Minute)}}, []string{"credential_endpoints.period"}},
		{"credential negative burst", Config{CredentialEndpoints: CredentialLimit{Burst: -1}}, []string{"credential_endpoints.burst: must not be negative"}},
		{"credential too fast", Config{CredentialEndpoints: CredentialLimit{Rate: new(int64(10_000_000)), Period: new(time.Second)}}, []string{"credential_endpoints:", "microsecond"}},
		{"credential checked when off", Config{CredentialEndpoints: CredentialLimit{Enabled: new(false), Rate: new(int64(0))}}, []string{"credential_endpoints.rate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestCredentialLimitRule checks the defaults of the credential limit and
// that its rule is charged after routing and before authentication.
func TestCredentialLimitRule(t *testing.T) {
	tests := []struct {
		name string
		c    CredentialLimit
		want Rule
		on   bool
	}{
		{"defaults", CredentialLimit{}, Rule{Rate: 10, Period: time.Minute, Burst: 10}, true},
		{"rate alone: burst follows", CredentialLimit{Rate: new(int64(3))}, Rule{Rate: 3, Period: time.Minute, Burst: 3}, true},
		{"all set", CredentialLimit{Enabled: new(true), Rate: new(int64(5)), Period: new(time.Hour), Burst: 2}, Rule{Rate: 5, Period: time.Hour, Burst: 2}, true},
		{"off", CredentialLimit{Enabled: new(false)}, Rule{Rate: 10, Period: time.Minute, Burst: 10}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.c.On() != tc.on {
				t.Errorf("On() = %v, want %v", tc.c.On(), tc.on)
			}
			r := tc.c.Rule("credential.login", "login")
			if r.Rate != tc.want.Rate || r.Period != tc.want.Period || r.Burst != tc.want.Burst {
				t.Errorf("rule %d per %s, burst %d; want %d per %s, burst %d", r.Rate, r.Period, r.Burst, tc.want.Rate, tc.want.Period, tc.want.Burst)
			}
			if r.Name != "credential.login" || r.Key != KeyIP || r.Scope != ScopeOperation || len(r.Operations) != 1 || r.Operations[0] != "login" {
				t.Errorf("rule %+v", r)
			}
			if p := ruleRunsIn(r, true); p != PhaseOperationIP {
				t.Errorf("charged in phase %d, want PhaseOperationIP", p)
			}
		})
	}
}

func TestConcurrentMemory(t *testing.T) {
	// 4 goroutines share one key with a burst of 100 and no refill within
	// the test: exactly 100 requests may pass, whatever the interleaving.
	l, _, _ := memLimiter(t, Config{Rules: []Rule{{Name: "ip", Key: KeyIP, Rate: 100, Period: time.Hour}}})
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1}).Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 100 {
		t.Fatalf("%d allowed, want exactly 100", allowed)
	}
}

func BenchmarkMemory(b *testing.B) {
	l, err := New(Config{Rules: []Rule{{Name: "ip", Key: KeyIP, Rate: 1 << 30, Period: time.Hour}}}, quiet)
	if err != nil {
		b.Fatal(err)
	}
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		addrs[i] = netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if !l.Check(context.Background(), Input{Phase: PhaseIP, IP: addrs[i&1023]}).Allowed {
			b.Fatal("refused")
		}
		i++
	}
}

func BenchmarkMemoryParallel(b *testing.B) {
	l, _ := New(Config{Rules: []Rule{{Name: "ip", Key: KeyIP, Rate: 1 << 30, Period: time.Hour}}}, quiet)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			a := netip.AddrFrom4([4]byte{10, 2, byte(i >> 8), byte(i)})
			l.Check(context.Background(), Input{Phase: PhaseIP, IP: a})
			i = (i + 1) & 1023
		}
	})
}

// A store that fails (a Redis that times out) is asked once per request,
// not once per rule and stage: each ask may wait redis.timeout, and with
// four rules and three stages a stalled Redis added twelve timeouts to
// every request. Failing open, the rules after the failure are not
// applied, as they would not be after waiting.
func TestStoreFailureAskedOncePerRequest(t *testing.T) {
	rules := []Rule{
		{Name: "a", Key: KeyIP, Rate: 5, Period: time.Hour},
		{Name: "b", Key: KeyIP, Rate: 5, Period: time.Hour},
		{Name: "c", Key: KeyIP, Rate: 5, Period: time.Hour, Scope: ScopeOperation},
		{Name: "d", Key: "claim:sub", Rate: 5, Period: time.Hour},
	}
	st := &failingStore{}
	l, err := NewWithStore(Config{OnStoreError: "open", Rules: rules}, st, quiet)
	if err != nil {
		t.Fatal(err)
	}
	res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1})
	if !res.Allowed || !res.StoreError || st.calls != 1 {
		t.Fatalf("one check: %+v, %d store calls, want 1", res, st.calls)
	}
	// One request's three stages share the mark.
	st.calls = 0
	var down bool
	for _, in := range []Input{
		{Phase: PhaseIP, IP: ip1, StoreDown: &down},
		{Phase: PhaseOperationIP, Operation: "op", IP: ip1, StoreDown: &down},
		{Phase: PhaseIdentity, Operation: "op", IP: ip1, Claims: map[string]any{"sub": "alice"}, StoreDown: &down},
	} {
		if res := l.Check(context.Background(), in); !res.Allowed || !res.StoreError {
			t.Fatalf("%v: %+v", in.Phase, res)
		}
	}
	if st.calls != 1 {
		t.Fatalf("%d store calls for one request, want 1", st.calls)
	}
	// The next request asks again.
	if l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1}); st.calls != 2 {
		t.Fatalf("%d store calls after the next request, want 2", st.calls)
	}
}
