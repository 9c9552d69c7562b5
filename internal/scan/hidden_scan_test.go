package scan_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"html"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A single-page app serves its shell for every unknown path, with a fresh
// nonce in each copy, or a soft 404 page that names the path it was asked
// for: the hidden-endpoint probe must see that /admin and /debug are that
// page too, while a real /.env beside it is still found.
func TestHiddenEndpointsBehindADynamicCatchAll(t *testing.T) {
	for _, tc := range []struct {
		echo, exposed bool
	}{{false, false}, {false, true}, {true, false}, {true, true}} {
		echo, exposed := tc.echo, tc.exposed
		t.Run("echo="+strconv.FormatBool(echo)+" env exposed="+strconv.FormatBool(exposed), func(t *testing.T) {
			doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
`)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Content-Type-Options", "nosniff")
				switch {
				case r.URL.Path == "/items" && r.Method == http.MethodGet:
					w.Header().Set("Content-Type", "application/json")
					_, _ = w.Write([]byte(`{"n":1}`))
				case r.URL.Path == "/items":
					w.WriteHeader(http.StatusMethodNotAllowed)
				case r.URL.Path == "/.env" && exposed:
					w.Header().Set("Content-Type", "text/plain")
					_, _ = w.Write([]byte("DB_PASSWORD=hunter2\nSECRET_KEY=abc\n"))
				case echo:
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					_, _ = w.Write([]byte(`<!doctype html><html><head><title>Not found</title></head><body><h1>Page not found</h1><p>Sorry, ` +
						html.EscapeString(r.URL.Path) + ` does not exist.</p></body></html>`))
				default:
					b := make([]byte, 16)
					_, _ = rand.Read(b)
					w.Header().Set("Content-Type", "text/html; charset=utf-8")
					_, _ = w.Write([]byte(`<!doctype html><html><head><script nonce="` + hex.EncodeToString(b) +
						`" src="/app.js"></script></head><body><div id="root"></div></body></html>`))
				}
			}))
			defer srv.Close()
			res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			found := map[string]bool{}
			for _, f := range res.Spec.Findings {
				if f.Rule == scan.RuleHiddenEndpoint {
					found[f.Operation] = true
				}
			}
			if exposed && !found["GET /.env"] {
				t.Errorf("the exposed /.env is not reported (found %v)", found)
			}
			delete(found, "GET /.env")
			if len(found) > 0 {
				t.Errorf("the app shell is reported as hidden endpoints: %v", found)
			}
		})
	}
}
