package scan_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// The hierarchy check asks for a child the scan created under a second
// parent. A path whose last parameter is not a child resource (an avatar
// size every user has) answers under any parent, rightly: no finding.
func TestHierarchyNeedsAChildResource(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [name], additionalProperties: false, properties: {name: {type: string, maxLength: 20}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "400": {description: bad request}
  /users/{userId}:
    parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
    delete:
      responses: {"204": {description: deleted}, "404": {description: not found}}
  /users/{userId}/avatars/{size}:
    parameters:
      - {name: userId, in: path, required: true, schema: {type: string}}
      - {name: size, in: path, required: true, schema: {type: string, enum: [small, large]}}
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {url: {type: string}}}}}}
        "404": {description: not found}
`)
	var mu sync.Mutex
	users := map[string]bool{}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		switch {
		case r.URL.Path == "/users" && r.Method == http.MethodPost:
			var in map[string]any
			if json.NewDecoder(r.Body).Decode(&in) != nil || len(in) != 1 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			if name, ok := in["name"].(string); !ok || len(name) > 20 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			n++
			id := "u" + strings.Repeat("x", n)
			users[id] = true
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
		case len(segs) == 2 && segs[0] == "users" && r.Method == http.MethodDelete && users[segs[1]]:
			delete(users, segs[1])
			w.WriteHeader(http.StatusNoContent)
		case len(segs) == 4 && segs[0] == "users" && segs[2] == "avatars" && r.Method == http.MethodGet &&
			users[segs[1]] && (segs[3] == "small" || segs[3] == "large"):
			_ = json.NewEncoder(w).Encode(map[string]string{"url": "https://cdn.example/" + segs[1] + "/" + segs[3]})
		case len(segs) >= 2 && segs[0] == "users" && r.Method != http.MethodGet && r.Method != http.MethodDelete:
			w.WriteHeader(http.StatusMethodNotAllowed)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleHierarchy {
			t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Message)
		}
	}
}
