package authn

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// redisStores builds the denylist and the DPoP replay store of one
// Redis section and returns a lookup of each.
func redisStores(t *testing.T, b RedisBackend) map[string]func(context.Context) error {
	t.Helper()
	deny, closeDeny, err := (&DenylistConfig{RedisBackend: b}).NewStore()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = closeDeny() })
	c := &Config{
		Schemes:    map[string]*SchemeConfig{"oauth": {DPoP: &dpop.Config{}}},
		DPoPReplay: &DPoPReplayConfig{RedisBackend: b},
	}
	replay, err := c.NewDPoPReplay(nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = replay.Close() })
	return map[string]func(context.Context) error{
		"denylist": func(ctx context.Context) error {
			_, err := deny.Denied(ctx, "jti-1", denylist.TokenHash("tok"))
			return err
		},
		"dpop_replay": func(ctx context.Context) error {
			_, err := replay.store.Claim(ctx, "jkt-1", "jti-1", time.Minute)
			return err
		},
	}
}

// TestRedisStoresBoundedWaits: whatever keeps Redis from answering, a
// lookup of the denylist or the DPoP replay store fails within a small
// multiple of the section's timeout (the default one when unset) instead
// of waiting out the client's defaults and retries. The bound is loose on
// purpose: the point is that nothing waits seconds.
func TestRedisStoresBoundedWaits(t *testing.T) {
	for _, tc := range []struct {
		name    string
		addr    func(testing.TB) string
		timeout time.Duration
	}{
		{"connection refused", redistest.Refused, 50 * time.Millisecond},
		{"hung: accepts and never answers", redistest.Hung, 50 * time.Millisecond},
		{"hung, default timeout", redistest.Hung, 0},
		{"blackholed: packets dropped", redistest.Blackhole, 50 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bound := 10 * tc.timeout
			if tc.timeout == 0 {
				bound = 10 * DefaultRedisTimeout
			}
			lookups := redisStores(t, RedisBackend{Backend: "redis", RedisAddr: tc.addr(t), Timeout: tc.timeout})
			for _, store := range []string{"denylist", "dpop_replay"} {
				// Twice: the second lookup finds the client's state after
				// a failure (a broken connection, failed dials).
				for i := range 2 {
					start := time.Now()
					err := lookups[store](context.Background())
					took := time.Since(start)
					if err == nil {
						t.Fatalf("%s, lookup %d: no error from a Redis that cannot answer", store, i+1)
					}
					if took > bound {
						t.Fatalf("%s, lookup %d: failed after %v, want under %v: %v", store, i+1, took, bound, err)
					}
					// One dial attempt: a refused connection is reported
					// as such, not as the deadline that dial retries
					// would have run into.
					if tc.name == "connection refused" && !errors.Is(err, syscall.ECONNREFUSED) {
						t.Fatalf("%s, lookup %d: %v, want connection refused", store, i+1, err)
					}
				}
			}
		})
	}
}

// TestRedisStoresWork: with the bounded client settings a real Redis
// still answers both stores.
func TestRedisStoresWork(t *testing.T) {
	addr, _ := redistest.Start(t)
	lookups := redisStores(t, RedisBackend{Backend: "redis", RedisAddr: addr, Timeout: time.Second})
	for _, store := range []string{"denylist", "dpop_replay"} {
		if err := lookups[store](context.Background()); err != nil {
			t.Fatalf("%s: %v", store, err)
		}
	}
}

// TestRedisStoresACLUser: both stores authenticate as the Redis ACL user
// redis_username names, with the password of redis_password_env; a user
// Redis does not know fails.
func TestRedisStoresACLUser(t *testing.T) {
	addr, _ := redistest.Start(t)
	admin := redis.NewClient(&redis.Options{Addr: addr})
	defer admin.Close()
	if err := admin.Do(context.Background(), "ACL", "SETUSER", "firewall", "on", ">s3cret", "~*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	t.Setenv("RAMPART_TEST_REDIS_ACL", "s3cret")
	for _, tc := range []struct {
		user string
		ok   bool
	}{{"firewall", true}, {"nobody", false}} {
		lookups := redisStores(t, RedisBackend{Backend: "redis", RedisAddr: addr, RedisUsername: tc.user, RedisPasswordEnv: "RAMPART_TEST_REDIS_ACL", Timeout: time.Second})
		for _, store := range []string{"denylist", "dpop_replay"} {
			err := lookups[store](context.Background())
			if tc.ok != (err == nil) {
				t.Fatalf("user %s, %s: err = %v", tc.user, store, err)
			}
		}
	}
}

// TestRedisPasswordEnvUnset: both sections stop start-up, naming the
// key and the variable, when redis_password_env names an unset variable.
func TestRedisPasswordEnvUnset(t *testing.T) {
	const name = "RAMPART_TEST_UNSET_REDIS_PASSWORD"
	if _, ok := os.LookupEnv(name); ok {
		t.Skipf("%s is set", name)
	}
	b := RedisBackend{Backend: "redis", RedisAddr: redistest.Refused(t), RedisPasswordEnv: name}
	_, _, err := (&DenylistConfig{RedisBackend: b}).NewStore()
	if err == nil || !strings.Contains(err.Error(), "authentication.denylist.redis_password_env: environment variable "+name+" is not set") {
		t.Fatalf("denylist: err = %v", err)
	}
	c := &Config{
		Schemes:    map[string]*SchemeConfig{"oauth": {DPoP: &dpop.Config{}}},
		DPoPReplay: &DPoPReplayConfig{RedisBackend: b},
	}
	if _, err := c.NewDPoPReplay(nil); err == nil || !strings.Contains(err.Error(), "authentication.dpop_replay.redis_password_env: environment variable "+name+" is not set") {
		t.Fatalf("dpop_replay: err = %v", err)
	}
	// A variable set to the empty string is a password: no error.
	t.Setenv(name, "")
	_, closeDeny, err := (&DenylistConfig{RedisBackend: b}).NewStore()
	if err != nil {
		t.Fatalf("denylist, variable set but empty: %v", err)
	}
	_ = closeDeny()
}

// TestRedisStoresTLS: both stores work with a Redis that speaks TLS only
// when redis_tls is on and redis_ca_file holds its CA; a CA that did not
// sign the server's certificate, or plain TCP to the TLS port, fails each
// lookup within a small multiple of the timeout.
func TestRedisStoresTLS(t *testing.T) {
	srv := redistest.StartTLS(t)
	for _, c := range srv.Clients {
		timeout := c.Timeout(100 * time.Millisecond)
		t.Run(c.Name, func(t *testing.T) {
			lookups := redisStores(t, RedisBackend{Backend: "redis", RedisAddr: srv.Addr, RedisTLS: c.TLS, RedisCAFile: c.CAFile, Timeout: timeout})
			for _, store := range []string{"denylist", "dpop_replay"} {
				start := time.Now()
				err := lookups[store](context.Background())
				if took := time.Since(start); took > 10*timeout {
					t.Fatalf("%s: took %v, want under %v (err %v)", store, took, 10*timeout, err)
				}
				if (err == nil) != c.Works {
					t.Fatalf("%s: err = %v, want success %v", store, err, c.Works)
				}
			}
		})
	}
}
