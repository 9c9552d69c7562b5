package scan_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

const usersSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  schemas:
    UserIn:
      type: object
      required: [name]
      properties:
        name: {type: string, maxLength: 50}
        active: {type: boolean, readOnly: true}
    User:
      type: object
      properties:
        id: {type: integer}
        name: {type: string}
        active: {type: boolean}
        verified: {type: boolean}
paths:
  /users:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/UserIn'}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}}
        "400": {description: bad request}
  /users/{id}:
    parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/User'}}}}
        "404": {description: not found}
    delete:
      responses:
        "204": {description: deleted}
        "404": {description: not found}
`

// userStore binds only name from a request; every account it creates is
// active and verified, whatever the client sends, unless bindActive makes
// it take active from the request (the flaw).
type userStore struct {
	mu         sync.Mutex
	next       int
	names      map[int]string
	inactive   map[int]bool
	bindActive bool
}

func (s *userStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	reply := func(status, id int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "name": s.names[id], "active": !s.inactive[id], "verified": true})
	}
	if r.URL.Path == "/users" {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var in map[string]any
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		name, ok := in["name"].(string)
		if !ok || len(name) > 50 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.next++
		s.names[s.next] = name
		if active, ok := in["active"].(bool); ok && s.bindActive {
			s.inactive[s.next] = !active
		}
		reply(http.StatusCreated, s.next)
		return
	}
	id, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/users/"))
	if _, ok := s.names[id]; err != nil || !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet:
		reply(http.StatusOK, id)
	case http.MethodDelete:
		delete(s.names, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// A field the API sets by itself (every account is active and verified)
// reads back with the value the probe sent only because that is the
// API's own value: it was not bound from the request. The happy path's
// answer shows it, and the probe is not fooled; the same API binding the
// field from the request is found.
func TestMassAssignmentIgnoresTheAPIsOwnValues(t *testing.T) {
	for _, flawed := range []bool{false, true} {
		t.Run("binds active="+strconv.FormatBool(flawed), func(t *testing.T) {
			doc, _ := loadInline(t, usersSpec)
			srv := httptest.NewServer(&userStore{names: map[int]string{}, inactive: map[int]bool{}, bindActive: flawed})
			defer srv.Close()
			res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.HappyFailures) > 0 {
				t.Fatalf("happy paths failed: %v", res.HappyFailures)
			}
			if res.Spec.Summary["attack_probes"] == 0 {
				t.Fatal("no attack probe sent")
			}
			found := false
			for _, f := range res.Spec.Findings {
				if flawed && f.Rule == scan.RuleMassAssignment && strings.Contains(f.Message, "active") {
					found = true
					continue
				}
				if f.Rule == scan.RuleDuplicateKey {
					continue // encoding/json's reading of duplicate keys, true of this API but not the subject here
				}
				t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Message)
			}
			if flawed && !found {
				t.Error("the bound read-only property active is not reported")
			}
		})
	}
}
