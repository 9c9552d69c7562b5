package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

// A parameter declared where the operation's apiKey credential goes (a
// contract declaring its x-access-token header as a required parameter
// with a pattern, as well as the security scheme) carries the credential:
// the happy path sends the credential there once, the parameter is not
// mutated (the credential, placed last, replaced every mutation, which
// the API then accepted: reported as out-of-contract input), and the
// authentication test without credentials sends none, not the
// parameter's generated value.
func TestParameterCarryingTheCredential(t *testing.T) {
	const key = "k3y.for.the.test"
	for _, tc := range []struct {
		name, in, schemeName, paramName string
		// read is the credential as the server reads it; n is how many
		// values it got.
		read func(r *http.Request) (v string, n int)
	}{
		{"header, names differing in case", "header", "X-Access-Token", "x-access-token", func(r *http.Request) (string, int) {
			vs := r.Header.Values("X-Access-Token")
			return strings.Join(vs, ","), len(vs)
		}},
		{"query", "query", "api_key", "api_key", func(r *http.Request) (string, int) {
			vs := r.URL.Query()["api_key"]
			return strings.Join(vs, ","), len(vs)
		}},
		{"cookie", "cookie", "sid", "sid", func(r *http.Request) (string, int) {
			var vs []string
			for _, c := range r.Cookies() {
				if c.Name == "sid" {
					vs = append(vs, c.Value)
				}
			}
			return strings.Join(vs, ","), len(vs)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := loadSpec(t, `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: `+tc.in+`, name: `+tc.schemeName+`}
security: [{key: []}]
paths:
  /me:
    get:
      parameters:
        - {name: `+tc.paramName+`, in: `+tc.in+`, required: true, schema: {type: string, pattern: '^[a-z0-9]+\.[a-z]+\.[a-z]+\.[a-z]+$', maxLength: 40}}
      responses:
        "200": {description: ok}
        "401": {description: no credential}
`)
			// others are the values other than the key the server got in
			// the credential's place: the malformed credential of the
			// authentication tests, never the parameter's generated value
			// (it matches the parameter's pattern, as the key does).
			var mu sync.Mutex
			others := map[string]bool{}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				v, n := tc.read(r)
				mu.Lock()
				if n > 0 && v != key {
					others[v] = true
				}
				mu.Unlock()
				switch {
				case r.Method != http.MethodGet:
					w.WriteHeader(http.StatusMethodNotAllowed)
				case v != key || n != 1:
					w.WriteHeader(http.StatusUnauthorized)
				}
			}))
			defer srv.Close()
			cfg := &config.Config{Identities: []config.Identity{{Name: "u", Credentials: map[string]config.Credential{"key": {Value: key}}}}}
			res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
			if err != nil {
				t.Fatal(err)
			}
			if why, failed := res.HappyFailures["GET /me"]; failed {
				t.Fatalf("happy path failed: %s", why)
			}
			for _, f := range res.Spec.Findings {
				t.Errorf("%s: %s", f.Rule, f.Message)
			}
			mu.Lock()
			defer mu.Unlock()
			for v := range others {
				if v != "rampart-invalid-key" {
					t.Errorf("the credential's place carried %q", v)
				}
			}
		})
	}
}
