package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// OpenAPI: header parameters named Accept, Content-Type or Authorization
// are ignored (those headers are described elsewhere). A definition that
// declares one (crAPI's required Accept on GET /workshop/api/shop/return_qr_code)
// gets no mutation of it: the scan sends its own Accept anyway, so a
// "missing Accept" test would send the same request as the happy path and
// report its 200 as out-of-contract input accepted.
func TestIgnoredHeaderParametersAreNotTested(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /qr:
    get:
      parameters:
        - {name: Accept, in: header, required: true, schema: {type: string, enum: [image/png]}}
        - {name: Content-Type, in: header, required: true, schema: {type: string, maxLength: 3}}
        - {name: authorization, in: header, required: true, schema: {type: string, pattern: '^x$'}}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/qr" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"n":1}`))
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy path failed: %v", res.HappyFailures)
	}
	for _, f := range res.Spec.Findings {
		t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Message)
	}
}
