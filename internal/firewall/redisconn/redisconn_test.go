package redisconn

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/redistest"
)

var keys = Keys{PasswordEnv: "s.password_env", DB: "s.db", Timeout: "s.timeout"}

// TestNewBoundsEveryWait: whatever the retry policy, one dial attempt and
// socket timeouts of the section's timeout, and the context deadline of
// each call is honoured; only RetryOnce sends a failed command again.
func TestNewBoundsEveryWait(t *testing.T) {
	for _, tc := range []struct {
		retry      Retry
		maxRetries int
	}{{NeverRetry, 0}, {RetryOnce, 1}} { // the client reads MaxRetries -1 as 0 retries
		c, err := New(Options{Addr: "127.0.0.1:1", Timeout: 75 * time.Millisecond, Keys: keys}, tc.retry)
		if err != nil {
			t.Fatal(err)
		}
		o := c.Options()
		_ = c.Close()
		if o.MaxRetries != tc.maxRetries || o.DialerRetries != 1 || !o.ContextTimeoutEnabled ||
			o.DialTimeout != 75*time.Millisecond || o.ReadTimeout != 75*time.Millisecond || o.WriteTimeout != 75*time.Millisecond {
			t.Fatalf("retry %d: options %+v", tc.retry, o)
		}
		if o.TLSConfig != nil {
			t.Fatal("TLS without tls: true")
		}
	}
	if _, err := New(Options{Addr: "127.0.0.1:1", Keys: keys}, NeverRetry); err == nil {
		t.Fatal("no error for a zero timeout")
	}
}

// TestPasswordEnv: an unset variable is an error naming the key and the
// variable; a variable set to the empty string is an empty password.
func TestPasswordEnv(t *testing.T) {
	const name = "RAMPART_TEST_REDISCONN_PASSWORD"
	if _, ok := os.LookupEnv(name); ok {
		t.Skipf("%s is set", name)
	}
	o := Options{Addr: "127.0.0.1:1", PasswordEnv: name, Timeout: time.Second, Keys: keys}
	if _, err := New(o, NeverRetry); err == nil || err.Error() != "s.password_env: environment variable "+name+" is not set" {
		t.Fatalf("err = %v", err)
	}
	t.Setenv(name, "")
	c, err := New(o, NeverRetry)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
}

// TestValidate names the keys of negative values.
func TestValidate(t *testing.T) {
	errs := Options{DB: -1, Timeout: -time.Second, Keys: keys}.Validate()
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = e.Error()
	}
	if want := "s.db: must not be negative|s.timeout: must not be negative"; strings.Join(got, "|") != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if errs := (Options{Keys: keys}).Validate(); len(errs) != 0 {
		t.Fatalf("zero options: %v", errs)
	}
}

// TestRealRedis: a client made by New talks to a real redis-server.
func TestRealRedis(t *testing.T) {
	addr, _ := redistest.Start(t)
	c, err := New(Options{Addr: addr, DB: 3, Timeout: time.Second, Keys: keys}, NeverRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}
