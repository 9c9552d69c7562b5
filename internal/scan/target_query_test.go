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
)

// The target URL's own query (an api-version an API wants on every call)
// goes with every request, except where the operation declares that name
// as a parameter: there the scan sets, omits and mutates it itself.
func TestTargetQueryGoesWithEveryRequest(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
  /versioned:
    get:
      parameters:
        - {name: api-version, in: query, required: true, schema: {type: string, enum: ["2020-01-01"]}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
        "400": {description: bad}
`)
	var mu sync.Mutex
	seen := map[string][]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = append(seen[r.URL.Path], r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Path == "/versioned" && r.URL.Query().Get("api-version") != "2020-01-01" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL + "/?api-version=2024-05-01&tenant=a%20b", Rate: 1000, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen["/things"]) == 0 || len(seen["/versioned"]) == 0 {
		t.Fatalf("operations not requested: %v", seen)
	}
	for _, q := range seen["/things"] {
		if !strings.HasPrefix(q, "api-version=2024-05-01&tenant=a%20b") {
			t.Errorf("/things requested with query %q", q)
		}
	}
	for _, q := range seen["/versioned"] {
		if strings.Contains(q, "2024-05-01") {
			t.Errorf("/versioned got the target's value for its own parameter: %q", q)
		}
		if !strings.Contains(q, "tenant=a%20b") {
			t.Errorf("/versioned requested without the target's other pair: %q", q)
		}
	}
}
