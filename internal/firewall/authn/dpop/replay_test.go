package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/redistest"
)

// testReplayStore runs the same steps against any store; advance moves
// the store's clock (a fake one, or the real one for Redis).
func testReplayStore(t *testing.T, s ReplayStore, advance func(time.Duration)) {
	ctx := context.Background()
	steps := []struct {
		name     string
		wait     time.Duration // before the step
		jkt, jti string
		ttl      time.Duration
		first    bool
	}{
		{"first use is accepted", 0, "key-a", "p1", time.Minute, true},
		{"the same proof again is a replay", 0, "key-a", "p1", time.Minute, false},
		{"the same jti with another key is another proof", 0, "key-b", "p1", time.Minute, true},
		{"which is remembered on its own", 0, "key-b", "p1", time.Minute, false},
		{"another jti with the same key", 0, "key-a", "p2", time.Minute, true},
		{"a jti the client made long", 0, "key-a", strings.Repeat("j", 256), time.Minute, true},
		{"and its replay", 0, "key-a", strings.Repeat("j", 256), time.Minute, false},
		{"a jti with separators in it", 0, "key-a", "p1\x00key-a", time.Minute, true},
		{"a short-lived proof", 0, "key-a", "short", 200 * time.Millisecond, true},
		{"replayed within its ttl", 0, "key-a", "short", 200 * time.Millisecond, false},
		{"forgotten after its ttl", 400 * time.Millisecond, "key-a", "short", 200 * time.Millisecond, true},
		{"while a longer-lived proof is still remembered", 0, "key-a", "p1", time.Minute, false},
	}
	for _, st := range steps {
		if st.wait > 0 {
			advance(st.wait)
		}
		first, err := s.Claim(ctx, st.jkt, st.jti, st.ttl)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if first != st.first {
			t.Errorf("%s: Claim(%q, %.20q) first = %v, want %v", st.name, st.jkt, st.jti, first, st.first)
		}
	}
}

func TestReplayStores(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		m := NewMemory(0)
		now := time.Now()
		m.Now = func() time.Time { return now }
		testReplayStore(t, m, func(d time.Duration) { now = now.Add(d) })
	})
	t.Run("redis", func(t *testing.T) {
		addr, _ := redistest.Start(t)
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		// Redis expires keys on its own clock, so the test waits for real.
		testReplayStore(t, NewRedis(c, "test:dpop:", "oauth"), time.Sleep)
	})
}

func TestMemoryBounded(t *testing.T) {
	m := NewMemory(2)
	ctx := context.Background()
	for _, jti := range []string{"a", "b", "c"} {
		if first, _ := m.Claim(ctx, "k", jti, time.Minute); !first {
			t.Fatalf("%s: not a first use", jti)
		}
	}
	if first, _ := m.Claim(ctx, "k", "c", time.Minute); first {
		t.Fatal("the latest proof was forgotten")
	}
	if n := m.c.Len(); n != 2 {
		t.Fatalf("%d entries, want at most 2", n)
	}
}

// TestRedisStore checks what only the Redis store has: keys of one short
// length under the prefix whatever the client sends, the TTL Redis keeps,
// scopes kept apart, several firewalls sharing the keys, and errors when
// Redis cannot answer.
func TestRedisStore(t *testing.T) {
	addr, _ := redistest.Start(t)
	ctx := context.Background()
	newClient := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	c := newClient()
	s := NewRedis(c, "", "oauth")
	long := strings.Repeat("x", 256)
	for _, jti := range []string{"a", long, "*?[]\\ \x00\n"} {
		if first, err := s.Claim(ctx, "jkt-1", jti, time.Minute); err != nil || !first {
			t.Fatalf("Claim(%.20q) = %v, %v", jti, first, err)
		}
	}
	keys, err := c.Keys(ctx, "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Fatalf("keys %q, want 3", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, DefaultRedisPrefix) || len(k) != len(DefaultRedisPrefix)+43 || strings.Contains(k, "xxxx") {
			t.Errorf("key %q: want %s and 43 base64url characters", k, DefaultRedisPrefix)
		}
		ttl, err := c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 50*time.Second || ttl > time.Minute {
			t.Errorf("key %q: PTTL %v %v, want just under 1m", k, ttl, err)
		}
	}

	tests := []struct {
		name  string
		store *Redis
		first bool
	}{
		{"another firewall of the fleet sees the proof", NewRedis(newClient(), "", "oauth"), false},
		{"another scheme keeps its own proofs", NewRedis(c, "", "partner"), true},
		{"another prefix keeps its own proofs", NewRedis(c, "other:", "oauth"), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first, err := tc.store.Claim(ctx, "jkt-1", "a", time.Minute)
			if err != nil || first != tc.first {
				t.Fatalf("first = %v, %v; want %v", first, err, tc.first)
			}
		})
	}

	t.Run("redis down", func(t *testing.T) {
		dead := redis.NewClient(&redis.Options{Addr: redistest.Refused(t), DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = dead.Close() })
		if first, err := NewRedis(dead, "", "oauth").Claim(ctx, "jkt-1", "a", time.Minute); err == nil || first {
			t.Fatalf("an unreachable Redis gave first = %v, err = %v; want an error", first, err)
		}
	})
}

// prover makes DPoP proofs with one key for one access token.
type prover struct {
	t      *testing.T
	priv   *ecdsa.PrivateKey
	jkt    string
	access string
}

func newProver(t *testing.T) *prover {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := jwk.PublicKeyOf(priv)
	tp, _ := pub.Thumbprint(crypto.SHA256)
	return &prover{t: t, priv: priv, jkt: base64.RawURLEncoding.EncodeToString(tp), access: "eyJ.access.token"}
}

// request carries a proof with jti for GET https://api.example/orders.
func (p *prover) request(jti string) *http.Request {
	ath := sha256.Sum256([]byte(p.access))
	payload, _ := json.Marshal(map[string]any{"jti": jti, "htm": "GET", "htu": "https://api.example/orders", "iat": time.Now().Unix(), "ath": base64.RawURLEncoding.EncodeToString(ath[:])})
	pk, _ := jwk.PublicKeyOf(p.priv)
	h := jws.NewHeaders()
	_ = h.Set(jws.TypeKey, "dpop+jwt")
	_ = h.Set(jws.JWKKey, pk)
	out, err := jws.Sign(payload, jws.WithKey(jwa.ES256(), p.priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		p.t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "https://api.example/orders", nil)
	r.Header.Set(Header, string(out))
	return r
}

// TestVerifierReplayStore: verifiers of two firewalls sharing a Redis
// store refuse each other's proofs, with the TTL of the acceptance
// window; a store that cannot answer fails closed (ErrUnavailable, the
// proof not recorded) or, when failing open, falls back to the
// verifier's own memory.
func TestVerifierReplayStore(t *testing.T) {
	addr, _ := redistest.Start(t)
	ctx := context.Background()
	p := newProver(t)
	verifier := func(s ReplayStore, failOpen bool) *Verifier {
		v, err := New(Config{MaxAge: 30 * time.Second, Leeway: 2 * time.Second, ExternalOrigin: "https://api.example"})
		if err != nil {
			t.Fatal(err)
		}
		if s != nil {
			var fallback *Memory
			if failOpen {
				fallback = NewMemory(0)
			}
			v.UseReplayStore(s, fallback)
		}
		return v
	}
	shared := func() *Redis {
		c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		return NewRedis(c, "test:", "oauth")
	}
	down := func() *Redis {
		c := redis.NewClient(&redis.Options{Addr: redistest.Refused(t), DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		return NewRedis(c, "test:", "oauth")
	}
	a, b := verifier(shared(), false), verifier(shared(), false)
	closed, open := verifier(down(), false), verifier(down(), true)
	same := p.request("same")
	tests := []struct {
		name string
		v    *Verifier
		r    *http.Request
		want error
	}{
		{"firewall A accepts a proof", a, same, nil},
		{"firewall B refuses it as a replay", b, same, ErrReplay},
		{"and so does A", a, same, ErrReplay},
		{"B accepts a proof of its own", b, p.request("b-1"), nil},
		{"which A refuses", a, p.request("b-1"), ErrReplay},
		{"Redis down: refused as unavailable", closed, p.request("down-1"), ErrUnavailable},
		{"Redis down: the same proof again is still unavailable, not a replay", closed, p.request("down-1"), ErrUnavailable},
		{"Redis down, failing open: accepted", open, p.request("down-2"), nil},
		{"Redis down, failing open: a replay to the same firewall is caught", open, p.request("down-2"), ErrReplay},
		{"an invalid proof is refused before the store is asked", closed, httptest.NewRequest("GET", "https://api.example/orders", nil), ErrMissing},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Verify(ctx, tc.r, p.access, p.jkt)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rc.Close() })
	ttl, err := rc.PTTL(ctx, shared().Key(p.jkt, "same")).Result()
	if want := a.ReplayTTL(); err != nil || ttl <= want-5*time.Second || ttl > want {
		t.Fatalf("PTTL %v %v, want just under %v (max_age + 2 leeway)", ttl, err, want)
	}
}

// TestVerifierFallbackRemembers: a verifier failing open to its fallback
// memory refuses a replay of every proof it accepted, whether the shared
// store answers or not: one accepted through the store, replayed while it
// is down, and one accepted while it was down, replayed once it answers
// again (the store never saw it).
func TestVerifierFallbackRemembers(t *testing.T) {
	addr, _ := redistest.Start(t)
	ctx := context.Background()
	p := newProver(t)
	client := func(addr string) *Redis {
		c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { _ = c.Close() })
		return NewRedis(c, "test:fallback:", "")
	}
	live, dead := client(addr), client(redistest.Refused(t))
	v, err := New(Config{ExternalOrigin: "https://api.example"})
	if err != nil {
		t.Fatal(err)
	}
	fallback := NewMemory(0)
	steps := []struct {
		name  string
		store ReplayStore
		jti   string
		want  error
	}{
		{"store up: accepted", live, "before", nil},
		{"store down: that proof again", dead, "before", ErrReplay},
		{"store down: a new proof", dead, "during", nil},
		{"store up again: the proof accepted while it was down", live, "during", ErrReplay},
		{"store up: a new proof", live, "after", nil},
	}
	for _, st := range steps {
		v.UseReplayStore(st.store, fallback)
		if err := v.Verify(ctx, p.request(st.jti), p.access, p.jkt); !errors.Is(err, st.want) || (st.want == nil && err != nil) {
			t.Fatalf("%s: err = %v, want %v", st.name, err, st.want)
		}
	}
}

// TestVerifierOneUsePerRequest: within one request (WithRequest), a
// proof accepted by one verifier is accepted by another sharing its store
// (a second scheme for the same token); in any other request it is a
// replay to both.
func TestVerifierOneUsePerRequest(t *testing.T) {
	p := newProver(t)
	shared := NewMemory(0)
	var vs [2]*Verifier
	for i := range vs {
		v, err := New(Config{ExternalOrigin: "https://api.example"})
		if err != nil {
			t.Fatal(err)
		}
		v.UseReplayStore(shared, nil)
		vs[i] = v
	}
	r := p.request("once")
	req := WithRequest(context.Background())
	for i, v := range vs {
		if err := v.Verify(req, r, p.access, p.jkt); err != nil {
			t.Fatalf("verifier %d in the request that sent the proof: %v", i, err)
		}
	}
	for i, v := range vs {
		if err := v.Verify(WithRequest(context.Background()), r, p.access, p.jkt); !errors.Is(err, ErrReplay) {
			t.Fatalf("verifier %d, another request with that proof: %v, want ErrReplay", i, err)
		}
	}
}
