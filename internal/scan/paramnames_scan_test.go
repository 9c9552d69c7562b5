package scan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A create and its item operations pair up whatever each names its path
// parameters: the task POST /projects/{projectId}/tasks creates is the one
// GET /projects/{id}/tasks/{taskId} reads, so the hierarchy test runs on it
// and cleanup deletes it.
func TestCreatesPairWithItemsWhateverTheParameterNames(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /projects:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string, maxLength: 20}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "400": {description: bad request}
  /projects/{projectId}:
    delete:
      parameters: [{name: projectId, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: deleted}, "404": {description: not found}}
  /projects/{projectId}/tasks:
    post:
      parameters: [{name: projectId, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [title], properties: {title: {type: string, maxLength: 20}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "400": {description: bad request}
        "404": {description: not found}
  /projects/{id}/tasks/{taskId}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: taskId, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "404": {description: not found}
  /projects/{pid}/tasks/{tid}:
    delete:
      parameters:
        - {name: pid, in: path, required: true, schema: {type: string}}
        - {name: tid, in: path, required: true, schema: {type: string}}
      responses: {"204": {description: deleted}, "404": {description: not found}}
`)
	var mu sync.Mutex
	projects := map[string]bool{}
	tasks := map[string]string{} // task id -> project id
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		created := func(field string) {
			var in map[string]any
			if json.NewDecoder(r.Body).Decode(&in) != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			if s, ok := in[field].(string); !ok || len(s) > 20 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			n++
			id := fmt.Sprintf("r%d", n)
			if len(segs) == 1 {
				projects[id] = true
			} else {
				tasks[id] = segs[1]
			}
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
		}
		switch {
		case len(segs) == 1 && segs[0] == "projects" && r.Method == http.MethodPost:
			created("name")
		case len(segs) == 2 && segs[0] == "projects" && r.Method == http.MethodDelete && projects[segs[1]]:
			delete(projects, segs[1])
			w.WriteHeader(http.StatusNoContent)
		case len(segs) == 3 && segs[0] == "projects" && segs[2] == "tasks" && r.Method == http.MethodPost && projects[segs[1]]:
			created("title")
		case len(segs) == 4 && segs[0] == "projects" && segs[2] == "tasks" && r.Method == http.MethodGet &&
			projects[segs[1]] && tasks[segs[3]] != "":
			// The seeded flaw: the task is found under any project.
			_ = json.NewEncoder(w).Encode(map[string]string{"id": segs[3]})
		case len(segs) == 4 && segs[0] == "projects" && segs[2] == "tasks" && r.Method == http.MethodDelete &&
			tasks[segs[3]] == segs[1]:
			// Only under its own project: the scan names the task with
			// the project it created it in.
			delete(tasks, segs[3])
			w.WriteHeader(http.StatusNoContent)
		case len(segs) >= 2 && segs[0] == "projects" && r.Method != http.MethodGet && r.Method != http.MethodDelete && r.Method != http.MethodPost:
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
		t.Errorf("happy paths failed: %v", res.HappyFailures)
	}
	found := false
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleHierarchy && f.Operation == "GET /projects/{id}/tasks/{taskId}" {
			found = true
		}
	}
	if !found {
		t.Errorf("the task reachable under another project was not found")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(tasks) > 0 {
		t.Errorf("tasks left behind: %v (not cleaned: %v)", tasks, res.NotCleaned)
	}
}
