package scan_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// A path parameter whose schema admits the empty string (AWS writes
// {pattern: '^[a-zA-Z_0-9-]*$', minLength: 0}) still gets a non-empty
// value in-contract: an empty segment ("/workflows/") is another path to
// every router, and the happy path would test the collection instead.
func TestPathParameterNeverEmpty(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /workflows/{name}:
    get:
      parameters:
        - {name: name, in: path, required: true, schema: {type: string, pattern: '^[a-zA-Z_0-9-]*$', minLength: 0, maxLength: 255}}
      responses:
        "200": {description: ok}
  /labels/{label}:
    get:
      parameters:
        - {name: label, in: path, required: true, schema: {type: string, enum: ["", "x"]}}
      responses:
        "200": {description: ok}
`)
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.EscapedPath())
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/") {
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v (paths sent: %v)", res.HappyFailures, paths)
	}
}
