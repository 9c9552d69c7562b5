package scan_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const petsSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  schemas:
    Pet:
      type: object
      additionalProperties: false
      required: [name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, maxLength: 20}
paths:
  /pets:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
        "400": {description: bad request}
  /pets/{petId}:
    parameters: [{name: petId, in: path, required: true, schema: {type: integer}}]
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
        "404": {description: not found}
    post:
      summary: update the pet in place
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
      responses:
        "200": {description: updated, content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}}
        "400": {description: bad request}
        "404": {description: not found}
    delete:
      responses:
        "204": {description: deleted}
        "404": {description: not found}
`

// petStore honours petsSpec: creates under /pets, updates in place with a
// POST to the pet, deletes.
type petStore struct {
	mu   sync.Mutex
	next int
	pets map[int]string
}

func (s *petStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	reply := func(status, id int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]any{"id": id, "name": s.pets[id]})
	}
	readPet := func() (string, bool) {
		var in map[string]any
		d := json.NewDecoder(r.Body)
		d.UseNumber()
		if r.Header.Get("Content-Type") != "application/json" || d.Decode(&in) != nil {
			return "", false
		}
		name, ok := in["name"].(string)
		if !ok || len(name) > 20 {
			return "", false
		}
		for k := range in {
			if k != "name" {
				return "", false
			}
		}
		return name, true
	}
	if r.URL.Path == "/pets" && r.Method == http.MethodPost {
		name, ok := readPet()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.next++
		s.pets[s.next] = name
		reply(http.StatusCreated, s.next)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/pets/")
	id, err := strconv.Atoi(rest)
	if !ok || err != nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	if _, exists := s.pets[id]; !exists {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet:
		reply(http.StatusOK, id)
	case http.MethodPost:
		name, ok := readPet()
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		s.pets[id] = name
		reply(http.StatusOK, id)
	case http.MethodDelete:
		delete(s.pets, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// A POST to an existing resource (an update in place) answers with that
// resource's id: it created nothing, so there is nothing to clean up and
// nothing is reported as left behind.
func TestPostToAResourceCreatesNothing(t *testing.T) {
	doc, _ := loadInline(t, petsSpec)
	store := &petStore{pets: map[int]string{}}
	srv := httptest.NewServer(store)
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	if len(res.NotCleaned) > 0 {
		t.Errorf("reported as not cleaned up: %v", res.NotCleaned)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if len(store.pets) > 0 {
		t.Errorf("left on the API: %v", store.pets)
	}
	if got := res.Spec.Summary["resources_created"]; got != store.next {
		t.Errorf("resources_created = %d, the API created %d", got, store.next)
	}
}

// An API that answers every accepted create with the same id (an
// idempotent create, keyed by a natural key) holds one resource, however
// many requests the scan sent: it is counted, cleaned up and reported once
// (the contract reads things by id, so the id names a resource).
func TestSameIDIsOneResource(t *testing.T) {
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
        "201": {description: the thing, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`{"id":"the-one"}`))
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if res.Spec.Summary["mutations_sent"] == 0 {
		t.Fatal("no mutation accepted: the test sends nothing twice")
	}
	if got := res.Spec.Summary["resources_created"]; got != 1 {
		t.Errorf("resources_created = %d, want 1", got)
	}
	if len(res.NotCleaned) != 1 {
		t.Errorf("not cleaned up: %v, want the one resource", res.NotCleaned)
	}
}
