package scan_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/cli"
	"github.com/rampart-sec/rampart/internal/scan"
)

const pingAPI = `openapi: 3.0.3
info: {title: ping, version: '1'}
paths:
  /ping:
    get:
      responses: {'200': {description: ok}}
`

// A target URL no request could rightly go to is a usage error (exit 2)
// saying why, before the definition is scanned and before any request:
// the live server below, which each URL names in some way, must not be
// reached, and a password in the URL must not be echoed.
func TestInvalidTargetURLIsUsageError(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	hostPort := srv.Listener.Addr().String()
	dir := t.TempDir()
	specPath := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(specPath, []byte(pingAPI), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "scan.yaml")
	if err := os.WriteFile(cfgPath, []byte("target: http://127.0.0.1:99999\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string // in the error
	}{
		{"port above 65535", []string{"--target", "http://127.0.0.1:99999"}, "port 99999 is out of range"},
		{"port 65536 with a path", []string{"--target", "http://127.0.0.1:65536/api"}, "port 65536 is out of range"},
		{"port 0", []string{"--target", "http://127.0.0.1:0"}, "port 0 is out of range"},
		{"port not a number", []string{"--target", "http://127.0.0.1:80x"}, "invalid port"},
		{"no host, a port Go would dial locally", []string{"--target", "http://:" + strconv.Itoa(port)}, "no host"},
		{"no host at all", []string{"--target", "http://"}, "no host"},
		{"opaque", []string{"--target", "http:127.0.0.1"}, "no host"},
		{"host and port without a scheme", []string{"--target", hostPort}, "has no scheme: write http://" + hostPort + " or https://" + hostPort},
		{"host name and port without a scheme", []string{"--target", "localhost:" + strconv.Itoa(port)}, "has no scheme: write http://localhost:"},
		{"unsupported scheme", []string{"--target", "ftp://" + hostPort}, "want an http or https URL"},
		{"websocket scheme", []string{"--target", "ws://" + hostPort}, "want an http or https URL"},
		{"user and password", []string{"--target", "http://alice:s3cretpw@" + hostPort}, "credentials in the URL are not supported"},
		{"password and a bad port", []string{"--target", "http://alice:s3cretpw@127.0.0.1:8x"}, "invalid port"},
		{"user only", []string{"--target", "http://alice@" + hostPort}, "credentials in the URL are not supported"},
		{"config file target", []string{"--config", cfgPath}, "port 99999 is out of range"},
		{"http-url port", []string{"--target", srv.URL, "--http-url", "http://127.0.0.1:99999"}, "--http-url"},
		{"callback-url scheme", []string{"--target", srv.URL, "--callback-url", "gopher://127.0.0.1/"}, "--callback-url"},
		{"http-url with no-plain-http", []string{"--target", srv.URL, "--http-url", srv.URL, "--no-plain-http"}, "give one or the other"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hits.Store(0)
			var out, errb bytes.Buffer
			args := append([]string{"scan", specPath, "-q", "--rate", "1000", "--timeout", "2s"}, tc.args...)
			code := cli.Execute(args, nil, &out, &errb)
			if code != cli.ExitUsage {
				t.Errorf("exit %d, want %d (usage)\n%s", code, cli.ExitUsage, errb.String())
			}
			if !strings.Contains(errb.String(), tc.want) {
				t.Errorf("error %q does not say %q", errb.String(), tc.want)
			}
			if strings.Contains(errb.String(), "s3cretpw") {
				t.Errorf("the password is echoed: %s", errb.String())
			}
			if n := hits.Load(); n > 0 {
				t.Errorf("%d requests reached the server", n)
			}
		})
	}
	// The controls: valid targets are scanned.
	for _, target := range []string{srv.URL, srv.URL + "/", "HTTP://" + hostPort + "/", "http://" + hostPort[:strings.LastIndex(hostPort, ":")] + ":" + strconv.Itoa(port) + "/?k=1"} {
		hits.Store(0)
		var out, errb bytes.Buffer
		code := cli.Execute([]string{"scan", specPath, "-q", "--rate", "1000", "--target", target}, nil, &out, &errb)
		if code != cli.ExitOK || hits.Load() == 0 {
			t.Errorf("%s: exit %d after %d requests, want 0 after some\n%s", target, code, hits.Load(), errb.String())
		}
	}
}

// The library refuses the same targets, whoever calls it.
func TestRunRefusesInvalidTarget(t *testing.T) {
	for _, target := range []string{"http://127.0.0.1:99999", "http://:8080", "ftp://127.0.0.1", "http://a:b@127.0.0.1:1"} {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := scan.Run(ctx, loadSpec(t, pingAPI), scan.Options{Target: target, Rate: 1000})
		cancel()
		if err == nil || res != nil {
			t.Errorf("%s: scanned (result %v), want an error", target, res != nil)
		} else if strings.Contains(err.Error(), ":b@") {
			t.Errorf("%s: error echoes the password: %v", target, err)
		}
	}
}

// A scan whose every happy path failed tested nothing beyond them (a
// mistyped base path: every route 404). It exits 3 saying so, as a target
// that never answered does, instead of passing a CI job; the report is
// still written.
func TestNothingTestedExitsWithError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	dir := t.TempDir()
	specPath := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(specPath, []byte(pingAPI), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.json")
	var stdout, errb bytes.Buffer
	code := cli.Execute([]string{"scan", specPath, "-q", "--rate", "1000", "--timeout", "2s", "--target", srv.URL + "/v2", "--format", "json", "-o", out}, nil, &stdout, &errb)
	if code != cli.ExitInternal {
		t.Fatalf("exit %d, want %d\n%s", code, cli.ExitInternal, errb.String())
	}
	if !strings.Contains(errb.String(), "no operation passed its happy path") {
		t.Errorf("stderr does not say why: %s", errb.String())
	}
	if _, err := os.Stat(out); err != nil {
		t.Errorf("no report written: %v", err)
	}
}
