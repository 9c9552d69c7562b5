package scan_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A value learned from an earlier answer (a top-level field whose name
// matches a parameter) is reused only when the parameter's schema accepts
// it: a session's string id is not an item's integer id.
func TestLearnedValueOutsideTheParameterSchemaIsNotUsed(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /session:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}
  /items/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
        "400": {description: bad id}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method != http.MethodGet:
			w.WriteHeader(http.StatusMethodNotAllowed)
		case r.URL.Path == "/session":
			_, _ = w.Write([]byte(`{"id":"sess-abc"}`))
		case strings.HasPrefix(r.URL.Path, "/items/"):
			if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/items/")); err != nil || n < 1 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			_, _ = w.Write([]byte(`{"n":1}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v", res.HappyFailures)
	}
}

// A parameter described by content rather than schema (a JSON-encoded
// query value) gets a value from its media type's schema, sent as JSON.
func TestContentParameterIsSentAsJSON(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /tickets:
    get:
      parameters:
        - name: filter
          in: query
          required: true
          content:
            application/json:
              schema:
                type: object
                required: [status]
                properties: {status: {type: string, enum: [open, closed]}}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
        "400": {description: bad filter}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		var f struct {
			Status string `json:"status"`
		}
		if r.Method != http.MethodGet || r.URL.Path != "/tickets" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if json.Unmarshal([]byte(r.URL.Query().Get("filter")), &f) != nil || (f.Status != "open" && f.Status != "closed") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"n":1}`))
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	for _, f := range res.Spec.Findings {
		t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Message)
	}
}

// The summary counts every operation as tested or skipped: DELETE
// operations whose request cannot be prepared (no identity for their
// scheme), or whose happy path is held back to keep resources, are
// tested operations too.
func TestEveryOperationIsCountedOnce(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /things:
    get:
      responses: {"200": {description: ok}}
  /things/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    delete:
      security: [{key: []}]
      responses: {"204": {description: deleted}}
  /other/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    delete:
      responses: {"204": {description: deleted}}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, keep := range []bool{false, true} {
		res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true, KeepResources: keep})
		if err != nil {
			t.Fatal(err)
		}
		s := res.Spec.Summary
		if got := s["operations_tested"] + s["operations_skipped"]; got != len(doc.Operations) {
			t.Errorf("keep=%v: %d tested + %d skipped, the definition has %d operations", keep, s["operations_tested"], s["operations_skipped"], len(doc.Operations))
		}
	}
}
