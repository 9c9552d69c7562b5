package scan_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// An interrupted scan still deletes what it created (docs/cli.md: the
// first Ctrl-C asks the scan to stop, and it deletes what it created) and
// returns its partial result beside the error, for the report.
func TestInterruptedScanCleansUpAndReports(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
  /things/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "404": {description: gone}
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "204": {description: deleted}
        "404": {description: gone}
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	live := map[string]bool{}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.Method == "POST" && r.URL.Path == "/things":
			n++
			id := "t" + string(rune('a'+n%26)) + strings.Repeat("x", n/26)
			live[id] = true
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"id":"` + id + `"}`))
		case r.Method == "DELETE" && strings.HasPrefix(r.URL.Path, "/things/"):
			id := strings.TrimPrefix(r.URL.Path, "/things/")
			if !live[id] {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			delete(live, id)
			w.WriteHeader(http.StatusNoContent)
		case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/things/"):
			// The user presses Ctrl-C once a resource exists and the
			// scan reads it back.
			cancel()
			id := strings.TrimPrefix(r.URL.Path, "/things/")
			if !live[id] {
				w.WriteHeader(http.StatusNotFound)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"id":"` + id + `"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	res, err := scan.Run(ctx, doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res == nil {
		t.Fatal("no partial result with the interruption")
	}
	if res.Stopped != "interrupted" {
		t.Errorf("Stopped = %q, want interrupted", res.Stopped)
	}
	mu.Lock()
	defer mu.Unlock()
	if n == 0 {
		t.Fatal("nothing was created")
	}
	if len(live) > 0 {
		t.Errorf("left on the API after the interruption: %v", live)
	}
}
