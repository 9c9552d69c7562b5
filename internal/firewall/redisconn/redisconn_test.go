package redisconn

import (
	"context"
	cryptotls "crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/redistest"
)

var keys = Keys{PasswordEnv: "s.password_env", DB: "s.db", TLS: "s.tls", CAFile: "s.ca_file", Timeout: "s.timeout"}

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

// TestACLUser: a section's username and password (from its environment
// variable) authenticate as a Redis ACL user; a wrong password does not.
func TestACLUser(t *testing.T) {
	addr, _ := redistest.Start(t)
	admin, err := New(Options{Addr: addr, Timeout: time.Second, Keys: keys}, NeverRetry)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ctx := context.Background()
	if err := admin.Do(ctx, "ACL", "SETUSER", "rampart", "on", ">s3cret", "~rampart:*", "+@all").Err(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		password string
		ok       bool
	}{{"s3cret", true}, {"wrong", false}} {
		t.Setenv("RAMPART_TEST_REDIS_ACL", tc.password)
		c, err := New(Options{Addr: addr, Username: "rampart", PasswordEnv: "RAMPART_TEST_REDIS_ACL", Timeout: time.Second, Keys: keys}, NeverRetry)
		if err != nil {
			t.Fatal(err)
		}
		// The user may touch its own keys only: the ACL user is the one in use.
		err = c.Set(ctx, "rampart:x", "1", time.Minute).Err()
		other := c.Set(ctx, "elsewhere:x", "1", time.Minute).Err()
		c.Close()
		if tc.ok && (err != nil || other == nil) {
			t.Fatalf("password %q: own key: %v, other key: %v (want ok, refused)", tc.password, err, other)
		}
		if !tc.ok && err == nil {
			t.Fatalf("password %q accepted", tc.password)
		}
	}
}

// TestTLS runs clients made by New against a redis-server that speaks TLS
// only, and one that speaks plain TCP only. The server's certificate is
// checked, its name included; whatever fails, it fails within a small
// multiple of the timeout.
func TestTLS(t *testing.T) {
	srv := redistest.StartTLS(t)
	plain, _ := redistest.Start(t)
	_, port, _ := net.SplitHostPort(srv.Addr)
	const timeout = 100 * time.Millisecond // of the clients that fail
	type tlsCase struct {
		name string
		o    Options
		// errHas is what the error says; ok: PING must succeed.
		errHas string
		ok     bool
	}
	var cases []tlsCase
	for _, c := range srv.Clients {
		tc := tlsCase{c.Name, Options{Addr: srv.Addr, TLS: c.TLS, CAFile: c.CAFile, Timeout: c.Timeout(timeout)}, "", c.Works}
		if c.TLS && !c.Works {
			tc.errHas = "certificate signed by unknown authority"
		}
		cases = append(cases, tc)
	}
	cases = append(cases,
		tlsCase{"the system roots, which do not hold the test's CA", Options{Addr: srv.Addr, TLS: true}, "certificate signed by unknown authority", false},
		tlsCase{"a name the certificate does not hold", Options{Addr: net.JoinHostPort("localhost", port), TLS: true, CAFile: srv.CAFile}, "certificate is not valid for", false},
		tlsCase{"TLS to a plain TCP port", Options{Addr: plain, TLS: true, CAFile: srv.CAFile}, "", false},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.o.Timeout == 0 {
				tc.o.Timeout = timeout
			}
			tc.o.Keys = keys
			c, err := New(tc.o, RetryOnce)
			if err != nil && tc.o.TLS && tc.o.CAFile == "" && strings.Contains(err.Error(), "no CA certificates") {
				t.Skipf("this system has no CA certificates: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if tls := c.Options().TLSConfig; tc.o.TLS && (tls == nil || tls.MinVersion != cryptotls.VersionTLS12 || tls.InsecureSkipVerify || (tls.RootCAs != nil) != (tc.o.CAFile != "")) {
				t.Fatalf("TLS configuration %+v", tls)
			}
			// Twice: the second call meets the client after a failure.
			for i := range 2 {
				start := time.Now()
				err := c.Ping(context.Background()).Err()
				took := time.Since(start)
				t.Logf("ping %d: %v after %v", i+1, err, took)
				switch {
				case tc.ok && err != nil:
					t.Fatalf("ping %d: %v", i+1, err)
				case !tc.ok && err == nil:
					t.Fatalf("ping %d: no error", i+1)
				case err != nil && !strings.Contains(err.Error(), tc.errHas):
					t.Fatalf("ping %d: %v, want it to say %q", i+1, err, tc.errHas)
				case took > 10*tc.o.Timeout:
					t.Fatalf("ping %d: took %v, want under %v (err %v)", i+1, took, 10*tc.o.Timeout, err)
				}
			}
		})
	}
}

// TestCAFileErrors: a CA bundle that cannot be read or holds no PEM
// certificate stops New, naming the key and the file.
func TestCAFileErrors(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "not-a-bundle.pem")
	if err := os.WriteFile(notPEM, []byte("-----BEGIN NOTHING-----\nabc\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for file, want := range map[string]string{
		missing: "s.ca_file: open " + missing + ": no such file or directory",
		notPEM:  "s.ca_file: " + notPEM + " holds no PEM certificate",
	} {
		_, err := New(Options{Addr: "127.0.0.1:1", TLS: true, CAFile: file, Timeout: time.Second, Keys: keys}, NeverRetry)
		if err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", file, err, want)
		}
	}
}

// TestSystemRootsMissing: TLS without a CA file on a system without CA
// certificates stops New, pointing at the CA file key.
// The system's roots are loaded once a process, so a child process runs
// the check with the certificate locations pointed elsewhere.
func TestSystemRootsMissing(t *testing.T) {
	if os.Getenv("REDISCONN_TEST_CHILD") == "1" {
		_, err := New(Options{Addr: "127.0.0.1:1", TLS: true, Timeout: time.Second, Keys: keys}, NeverRetry)
		fmt.Printf("error: %v\n", err)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSystemRootsMissing$", "-test.v")
	cmd.Env = append(os.Environ(), "REDISCONN_TEST_CHILD=1", "SSL_CERT_FILE="+filepath.Join(dir, "none.pem"), "SSL_CERT_DIR="+filepath.Join(dir, "none"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if want := "error: s.tls: the system has no CA certificates; give the server's CA in s.ca_file\n"; !strings.Contains(string(out), want) {
		t.Fatalf("child output:\n%s\nwant %q", out, want)
	}
}
