package scan_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A target given without a path takes the base path of the definition's
// first server, whichever way the server URL is written: the scan then
// reaches the operations on the target, not the host the server names.
func TestServerBasePathAppliedToTarget(t *testing.T) {
	for _, tc := range []struct{ name, servers string }{
		{"relative", "servers: [{url: /v1}]"},
		{"host in a variable", "servers: [{url: '{baseUrl}/v1', variables: {baseUrl: {default: 'https://api.example.com'}}}]"},
		{"scheme-relative", "servers: [{url: '//api.example.com/v1'}]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
`+tc.servers+`
paths:
  /items:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
`)
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Content-Type-Options", "nosniff")
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/v1/items" && r.Method == http.MethodGet {
					hits.Add(1)
					_, _ = w.Write([]byte(`{"n":1}`))
					return
				}
				w.WriteHeader(http.StatusNotFound)
			}))
			defer srv.Close()
			res := scanConformance(t, doc, srv.URL)
			if hits.Load() == 0 {
				t.Errorf("GET /v1/items never reached; happy path failures: %v", res.HappyFailures)
			}
			for _, f := range res.Spec.Findings {
				if f.Rule == scan.RuleHappyPathFailed || strings.Contains(f.Actual, "outside the scan scope") {
					t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Actual)
				}
			}
		})
	}
}
