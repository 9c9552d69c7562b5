package scan_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/fixture"
)

// obeyOverrides is the middleware of frameworks that let header fields
// replace the request line: Express's method-override, Symfony's
// X-Original-URL.
func obeyOverrides(method, path bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m := r.Header.Get("X-HTTP-Method-Override"); method && m != "" && r.Method == http.MethodPost {
			r.Method = m
		}
		if p := r.Header.Get("X-Original-URL"); path && p != "" {
			if u, err := url.ParseRequestURI(p); err == nil {
				r.URL.Path, r.URL.RawPath, r.URL.RawQuery = u.Path, u.RawPath, u.RawQuery
			}
		}
		next.ServeHTTP(w, r)
	})
}

func TestRequestLineOverrides(t *testing.T) {
	tests := []struct {
		name                 string
		method, path, safe   bool
		wantMethod, wantPath bool
	}{
		{"API ignores the fields", false, false, false, false, false},
		{"API obeys the method override", true, false, false, true, false},
		{"API obeys the path override", false, true, false, false, true},
		{"both", true, true, false, true, true},
		{"--safe sends no POST", true, true, true, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, err := fixture.New(false)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(obeyOverrides(tc.method, tc.path, api))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := scan.Run(ctx, api.Doc(), scan.Options{Target: srv.URL, Rate: 1000, Safe: tc.safe})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, f := range res.Spec.Findings {
				got[f.Rule] = true
				if f.Rule == scan.RuleMethodOverride || f.Rule == scan.RulePathOverride {
					if len(f.Exchanges) == 0 || !strings.Contains(f.Exchanges[0].Curl, "X-") {
						t.Errorf("%s has no reproducible request carrying the field: %+v", f.Rule, f.Exchanges)
					}
				}
			}
			if got[scan.RuleMethodOverride] != tc.wantMethod || got[scan.RulePathOverride] != tc.wantPath {
				t.Fatalf("method override found %v (want %v), path override found %v (want %v)",
					got[scan.RuleMethodOverride], tc.wantMethod, got[scan.RulePathOverride], tc.wantPath)
			}
		})
	}
}

// cgiHeaders reads header fields as CGI-style servers do: X_API_Key and
// X-API-Key are one HTTP_X_API_KEY variable.
func cgiHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, vs := range r.Header {
			if strings.Contains(name, "_") {
				r.Header[http.CanonicalHeaderKey(strings.ReplaceAll(name, "_", "-"))] = vs
			}
		}
		next.ServeHTTP(w, r)
	})
}

func TestHeaderLookalike(t *testing.T) {
	for _, cgi := range []bool{false, true} {
		t.Run(map[bool]string{false: "API reads the declared field only", true: "API reads both spellings"}[cgi], func(t *testing.T) {
			api, err := fixture.New(false)
			if err != nil {
				t.Fatal(err)
			}
			var h http.Handler = api
			if cgi {
				h = cgiHeaders(api)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			t.Setenv("FIXTURE_JWT_KEY", string(api.SigningKey()))
			cfg, err := config.Load("testdata/fixture.yaml") // the identities, with their API keys
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := scan.Run(ctx, api.Doc(), scan.Options{Target: srv.URL, Config: cfg, Rate: 1000})
			if err != nil {
				t.Fatal(err)
			}
			var ops []string
			for _, f := range res.Spec.Findings {
				if f.Rule == scan.RuleHeaderLookalike {
					ops = append(ops, f.Operation)
					if len(f.Exchanges) == 0 || !strings.Contains(f.Exchanges[0].Curl, "X_API_Key") {
						t.Errorf("finding without the lookalike request: %+v", f.Exchanges)
					}
					// The key travels under a name the redactor does not
					// know as a credential header; it is still redacted.
					for _, x := range f.Exchanges {
						if strings.Contains(x.Curl+fmt.Sprint(x.Headers), "-key-000") {
							t.Errorf("the API key is not redacted: %s", x.Curl)
						}
					}
				}
			}
			if cgi != (len(ops) > 0) {
				t.Fatalf("lookalike findings on %v, want some: %v", ops, cgi)
			}
		})
	}
}
