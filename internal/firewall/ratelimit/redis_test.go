package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/redistest"
)

func redisCfg(addr string, rules ...Rule) Config {
	return Config{Store: "redis", Redis: RedisConfig{Addr: addr, Timeout: 500 * time.Millisecond}, Rules: rules}
}

// TestRedisFleetSharesLimit runs two limiters, as two firewalls of a
// fleet would, each in front of its own real HTTP listener, against one
// redis-server: together they let exactly the burst through.
func TestRedisFleetSharesLimit(t *testing.T) {
	addr, _ := redistest.Start(t)
	rule := Rule{Name: "shared", Key: KeyIP, Rate: 10, Period: time.Hour}
	var servers []*httptest.Server
	for i := 0; i < 2; i++ {
		l, err := New(redisCfg(addr, rule), quiet)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// The client address is given by the test in a header here;
			// resolving it is the clientip package's job.
			res := l.Check(r.Context(), Input{Phase: PhaseIP, IP: netip.MustParseAddr(r.Header.Get("X-Test-Client"))})
			res.SetHeaders(w.Header())
			if !res.Allowed {
				w.WriteHeader(res.Status)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		servers = append(servers, srv)
	}
	get := func(srv *httptest.Server, client string) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		req.Header.Set("X-Test-Client", client)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	allowed := 0
	for i := 0; i < 20; i++ {
		resp := get(servers[i%2], "198.51.100.1")
		switch resp.StatusCode {
		case http.StatusNoContent:
			allowed++
		case http.StatusTooManyRequests:
			ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			if ra < 300 || ra > 360 {
				t.Errorf("Retry-After %q, want about 360s (one interval)", resp.Header.Get("Retry-After"))
			}
			if !strings.Contains(resp.Header.Get("RateLimit"), `"shared";r=0`) {
				t.Errorf("RateLimit %q", resp.Header.Get("RateLimit"))
			}
		default:
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if allowed != 10 {
		t.Fatalf("the fleet let %d requests through, want exactly 10 (the shared burst)", allowed)
	}
	// Another client is unaffected, on either firewall.
	if resp := get(servers[1], "198.51.100.2"); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("other client got %d", resp.StatusCode)
	}
}

func TestRedisConcurrentExact(t *testing.T) {
	addr, _ := redistest.Start(t)
	l1, _ := New(redisCfg(addr, Rule{Name: "c", Key: KeyAPIKey, Rate: 50, Period: time.Hour}), quiet)
	l2, _ := New(redisCfg(addr, Rule{Name: "c", Key: KeyAPIKey, Rate: 50, Period: time.Hour}), quiet)
	defer l1.Close()
	defer l2.Close()
	var mu sync.Mutex
	allowed := 0
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		l := l1
		if g%2 == 1 {
			l = l2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				res := l.Check(context.Background(), Input{Phase: PhaseIdentity, APIKey: "key-1"})
				if res.StoreError {
					t.Error("store error")
					return
				}
				if res.Allowed {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d allowed across two limiters, want exactly 50", allowed)
	}
}

func TestRedisRefill(t *testing.T) {
	addr, _ := redistest.Start(t)
	l, _ := New(redisCfg(addr, Rule{Name: "fast", Key: KeyIP, Rate: 20, Period: time.Second, Burst: 1}), quiet)
	defer l.Close()
	in := Input{Phase: PhaseIP, IP: ip1}
	if !l.Check(context.Background(), in).Allowed {
		t.Fatal("first refused")
	}
	res := l.Check(context.Background(), in)
	if res.Allowed || res.RetryAfter <= 0 || res.RetryAfter > 50*time.Millisecond {
		t.Fatalf("second: %+v", res)
	}
	time.Sleep(res.RetryAfter + 5*time.Millisecond)
	if !l.Check(context.Background(), in).Allowed {
		t.Fatal("refused after the retry delay")
	}
}

// TestRedisDown stops the server mid-way: the limiter then fails open or
// closed as configured, and counts the failures.
func TestRedisDown(t *testing.T) {
	for _, tc := range []struct {
		policy  string
		allowed bool
		status  int
	}{
		{"open", true, 0},
		{"closed", false, http.StatusServiceUnavailable},
	} {
		t.Run(tc.policy, func(t *testing.T) {
			addr, stop := redistest.Start(t)
			cfg := redisCfg(addr, Rule{Name: "ip", Key: KeyIP, Rate: 100, Period: time.Minute})
			cfg.OnStoreError = tc.policy
			cfg.Redis.Timeout = 100 * time.Millisecond
			l, err := New(cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1}); !res.Allowed || res.StoreError {
				t.Fatalf("with redis up: %+v", res)
			}
			stop()
			start := time.Now()
			res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1})
			if res.Allowed != tc.allowed || res.Status != tc.status || !res.StoreError {
				t.Fatalf("with redis down: %+v", res)
			}
			if el := time.Since(start); el > time.Second {
				t.Errorf("decision took %v with redis down; the timeout is 100ms", el)
			}
			if l.StoreErrors() == 0 {
				t.Error("failure not counted")
			}
		})
	}
}

// TestRedisStoreBoundedWaits: whatever keeps Redis from answering, a
// decision fails within a small multiple of redis.timeout (the default
// one when unset), on the first call as on the next, and a refused
// connection is reported as such (one dial attempt, no retries into the
// deadline). The bound is loose on purpose: nothing waits seconds.
func TestRedisStoreBoundedWaits(t *testing.T) {
	run := func(t *testing.T, u redistest.Unreachable, timeout time.Duration) {
		s, err := NewRedisStore(RedisConfig{Addr: u.Addr(t), Timeout: timeout})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := range 2 {
			start := time.Now()
			_, err := s.Take(context.Background(), "k", Params{Interval: time.Second, Tolerance: time.Second})
			took := time.Since(start)
			if err == nil {
				t.Fatalf("decision %d: no error from a Redis that cannot answer", i+1)
			}
			if took > 10*s.timeout {
				t.Fatalf("decision %d: failed after %v, want under %v: %v", i+1, took, 10*s.timeout, err)
			}
			if u.Refuses && !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("decision %d: %v, want connection refused", i+1, err)
			}
		}
	}
	for _, u := range redistest.Unreachables {
		t.Run(u.Name, func(t *testing.T) { run(t, u, 50*time.Millisecond) })
	}
	t.Run("hung, default timeout", func(t *testing.T) { run(t, redistest.Unreachable{Addr: redistest.Hung}, 0) })
}

// TestRedisTLS runs a limiter against a Redis that speaks TLS only: with
// tls and the server's CA in ca_file the limit is kept in Redis (one
// request of a client, burst 1, then 429); with another CA, or plain TCP
// to the TLS port, each decision is a store error, answered by
// on_store_error, within a small multiple of the timeout.
func TestRedisTLS(t *testing.T) {
	srv := redistest.StartTLS(t)
	for _, c := range srv.Clients {
		timeout := c.Timeout(100 * time.Millisecond)
		for _, policy := range []string{"closed", "open"} {
			if c.Works && policy == "open" {
				continue // the policy does not apply
			}
			t.Run(c.Name+"/on_store_error="+policy, func(t *testing.T) {
				cfg := redisCfg(srv.Addr, Rule{Name: "tls", Key: KeyIP, Rate: 1, Period: time.Hour, Burst: 1})
				cfg.Redis.TLS, cfg.Redis.CAFile, cfg.Redis.Timeout, cfg.OnStoreError = c.TLS, c.CAFile, timeout, policy
				l, err := New(cfg, quiet)
				if err != nil {
					t.Fatal(err)
				}
				defer l.Close()
				type decision struct {
					allowed bool
					status  int
				}
				want := [2]decision{{false, 503}, {false, 503}}
				switch {
				case c.Works:
					want = [2]decision{{true, 0}, {false, http.StatusTooManyRequests}}
				case policy == "open":
					want = [2]decision{{true, 0}, {true, 0}}
				}
				for i := range 2 {
					start := time.Now()
					res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: ip1})
					if took := time.Since(start); took > 10*timeout {
						t.Fatalf("decision %d took %v, want under %v", i+1, took, 10*timeout)
					}
					if got := (decision{res.Allowed, res.Status}); got != want[i] || res.StoreError == c.Works {
						t.Fatalf("decision %d: %+v, want %+v (store error: %v)", i+1, res, want[i], !c.Works)
					}
				}
			})
		}
	}
}

func BenchmarkRedis(b *testing.B) {
	addr, _ := redistest.Start(b)
	l, err := New(redisCfg(addr, Rule{Name: "ip", Key: KeyIP, Rate: 1 << 30, Period: time.Hour}), quiet)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		a := netip.AddrFrom4([4]byte{10, 3, byte(i >> 8), byte(i)})
		if res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: a}); !res.Allowed {
			b.Fatalf("refused: %+v", res)
		}
		i = (i + 1) & 1023
	}
}

func BenchmarkRedisParallel(b *testing.B) {
	addr, _ := redistest.Start(b)
	l, _ := New(redisCfg(addr, Rule{Name: "ip", Key: KeyIP, Rate: 1 << 30, Period: time.Hour}), quiet)
	defer l.Close()
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			a := netip.AddrFrom4([4]byte{10, 4, byte(i >> 8), byte(i)})
			if res := l.Check(context.Background(), Input{Phase: PhaseIP, IP: a}); !res.Allowed {
				b.Errorf("refused: %+v", res)
				return
			}
			i = (i + 1) & 1023
		}
	})
}
