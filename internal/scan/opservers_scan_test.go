package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// An operation or path item with its own servers is requested under that
// server's path, on the target's origin: OpenAPI 3 lets them override the
// document's servers, and an upload endpoint often lives elsewhere.
func TestOperationServersOverrideBasePath(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /api/v1}]
paths:
  /things:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /files:
    servers: [{url: /upload/v2}]
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /blobs:
    get:
      servers: [{url: "https://uploads.example.com/blob/v3"}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
`)
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.URL.Path] = true
		mu.Unlock()
		switch r.URL.Path {
		case "/api/v1/things", "/upload/v2/files", "/blob/v3/blobs":
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	for _, target := range []string{srv.URL, srv.URL + "/api/v1"} {
		res, err := scan.Run(context.Background(), doc, scan.Options{Target: target, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.HappyFailures) > 0 {
			t.Errorf("target %s: happy paths failed: %v", target, res.HappyFailures)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"GET /api/v1/things", "GET /upload/v2/files", "GET /blob/v3/blobs"} {
		if !seen[want] {
			t.Errorf("%s never requested; requests: %v", want, seen)
		}
	}
	for _, wrong := range []string{"GET /api/v1/files", "GET /api/v1/blobs"} {
		if seen[wrong] {
			t.Errorf("%s requested under the document's base path", wrong)
		}
	}
}

// A target whose path puts the API under a prefix keeps that prefix for
// an operation with its own server path.
func TestOperationServersKeepTargetPrefix(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: /api/v1}]
paths:
  /files:
    servers: [{url: /upload/v2}]
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
`)
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = true
		mu.Unlock()
		if r.URL.Path != "/gw/upload/v2/files" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL + "/gw/api/v1", Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v (requested %v)", res.HappyFailures, seen)
	}
}
