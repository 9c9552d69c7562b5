package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// An operation whose contract declares only a redirect (an OAuth
// authorize or logout endpoint) succeeds with that redirect: its happy
// path used to fail on the 302, and the operation got no other test. A
// redirect the contract does not declare still fails it.
func TestRedirectOnlyHappyPath(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/go", "/elsewhere":
			w.Header().Set("Location", "/done")
			w.WriteHeader(http.StatusFound)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer ts.Close()
	const api = `openapi: 3.0.3
info: {title: redirects, version: '1'}
paths:
  /go:
    get:
      responses: {'302': {description: to the login page}}
  /elsewhere:
    get:
      responses: {'301': {description: moved}}
`
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, api), scan.Options{Target: ts.URL, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if why, failed := res.HappyFailures["GET /go"]; failed {
		t.Errorf("GET /go (declares 302, answers 302): happy path failed: %s", why)
	}
	if _, failed := res.HappyFailures["GET /elsewhere"]; !failed {
		t.Error("GET /elsewhere (declares 301, answers 302): happy path passed")
	}
}
