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

// carelessDeleteServer checks credentials and ownership on POST and GET
// but its DELETE checks nothing: not the required reason, not who asks.
// Every accepted DELETE removes the item for real.
type carelessDeleteServer struct {
	mu       sync.Mutex
	next     int
	owner    map[string]string
	names    map[string]string
	deleteOK map[string]int // by whether the request carried a token: "token"/"none"
}

func (s *carelessDeleteServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	user, ok := bearerUser(r)
	known := ok && (user == "alice" || user == "bob")
	w.Header().Set("Content-Type", "application/json")
	id, item := strings.CutPrefix(r.URL.Path, "/items/")
	switch {
	case item && !validID.MatchString(id):
		w.WriteHeader(http.StatusBadRequest)
	case r.Method == "DELETE" && item:
		if _, ok := s.owner[id]; !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		delete(s.owner, id)
		delete(s.names, id)
		s.deleteOK[map[bool]string{true: "token", false: "none"}[known]]++
		w.WriteHeader(http.StatusNoContent)
	case !known:
		w.WriteHeader(http.StatusUnauthorized)
	case r.Method == "POST" && r.URL.Path == "/items":
		name, ok := readNewItem(w, r)
		if !ok {
			return
		}
		s.next++
		id := fmt.Sprint(s.next)
		s.owner[id], s.names[id] = user, name
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": name})
	case r.Method == "GET" && item:
		if s.owner[id] != user {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": s.names[id]})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// A DELETE that a conformance test gets accepted (the required reason
// left out, or not one of the enum) deletes the object for real. The
// tests after it must not be sent for that object, answered 404 whatever
// the API checks: each gets an object of its own, created by the owner,
// so the missing authentication of the same DELETE is still found, and
// the DELETE happy path still runs on a live object.
func TestAcceptedDeleteTestsDoNotHideLaterFlaws(t *testing.T) {
	srv := &carelessDeleteServer{owner: map[string]string{}, names: map[string]string{}, deleteOK: map[string]int{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cfg := bearerIdentities("alice", "bob")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, reasonedDeleteAPI), scan.Options{Target: ts.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if why, failed := res.HappyFailures["DELETE /items/{id}"]; failed {
		t.Errorf("DELETE happy path failed: %s", why)
	}
	got := map[string]bool{}
	for _, f := range res.Spec.Findings {
		if f.Operation == "DELETE /items/{id}" {
			got[f.Rule] = true
		}
	}
	for _, rule := range []string{scan.RuleNegativeAccepted, scan.RuleAuthMissing, scan.RuleBOLA} {
		if !got[rule] {
			t.Errorf("no %s finding on DELETE /items/{id}; found %v", rule, got)
		}
	}
	if len(res.NotCleaned) > 0 {
		t.Errorf("left behind: %v", res.NotCleaned)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.owner) != 0 {
		t.Errorf("items left on the target: %v", srv.owner)
	}
	if srv.deleteOK["none"] == 0 {
		t.Errorf("no DELETE without credentials reached a live item: %v", srv.deleteOK)
	}
}

const nestedNotesAPI = `openapi: 3.0.3
info: {title: nested notes, version: '1'}
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, additionalProperties: false, required: [name], properties: {name: {type: string, pattern: '^[a-z]{1,16}$', maxLength: 16}}}
      responses:
        '201': {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        '400': {description: bad}
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[0-9]{1,8}$', maxLength: 8}}
    delete:
      responses:
        '204': {description: deleted}
        '400': {description: bad}
        '404': {description: none}
  /items/{id}/notes:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[0-9]{1,8}$', maxLength: 8}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, additionalProperties: false, required: [name], properties: {name: {type: string, pattern: '^[a-z]{1,16}$', maxLength: 16}}}
      responses:
        '201': {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        '400': {description: bad}
        '404': {description: none}
  /items/{id}/notes/{noteId}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, pattern: '^[0-9]{1,8}$', maxLength: 8}}
      - {name: noteId, in: path, required: true, schema: {type: string, pattern: '^[0-9]{1,8}$', maxLength: 8}}
    delete:
      responses:
        '204': {description: deleted}
        '400': {description: bad}
        '404': {description: none}
`

// notesServer keeps notes under items; deleting an item deletes its
// notes with it, as most APIs do.
type notesServer struct {
	mu    sync.Mutex
	next  int
	items map[string]map[string]bool // item id -> its note ids
}

func (s *notesServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	for _, v := range seg[1:] {
		if v != "notes" && !validID.MatchString(v) {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	create := func() {
		if _, ok := readNewItem(w, r); !ok {
			return
		}
		s.next++
		id := fmt.Sprint(s.next)
		if len(seg) == 1 {
			s.items[id] = map[string]bool{}
		} else {
			s.items[seg[1]][id] = true
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	}
	notes, itemOK := map[string]bool(nil), false
	if len(seg) > 1 {
		notes, itemOK = s.items[seg[1]]
	}
	switch {
	case seg[0] != "items":
		w.WriteHeader(http.StatusNotFound)
	case r.Method == "POST" && len(seg) == 1:
		create()
	case len(seg) > 1 && !itemOK:
		w.WriteHeader(http.StatusNotFound)
	case r.Method == "POST" && len(seg) == 3 && seg[2] == "notes":
		create()
	case r.Method == "DELETE" && len(seg) == 2:
		delete(s.items, seg[1])
		w.WriteHeader(http.StatusNoContent)
	case r.Method == "DELETE" && len(seg) == 4 && notes[seg[3]]:
		delete(notes, seg[3])
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// Deleting an item takes its notes with it. The DELETE happy path of a
// note must not be sent for a note whose item is gone (a 404 reported as
// a failed happy path), nor cleanup count such a note as left behind.
func TestDeletedParentTakesItsChildren(t *testing.T) {
	srv := &notesServer{items: map[string]map[string]bool{}}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, nestedNotesAPI), scan.Options{Target: ts.URL, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Spec.Findings {
		t.Errorf("unexpected finding %s on %s: %s", f.Rule, f.Operation, f.Message)
	}
	for op, why := range res.HappyFailures {
		t.Errorf("happy path of %s failed: %s", op, why)
	}
	if len(res.NotCleaned) > 0 {
		t.Errorf("reported as left behind: %v", res.NotCleaned)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.items) != 0 {
		t.Errorf("items left on the target: %v", srv.items)
	}
}

// An undeclared DELETE that the API answers as the GET (200 with the
// item) deleted nothing: the item it names is still there, and the
// report must still list it as left behind (the contract gives no DELETE
// to clean it up with).
func TestUndeclaredDeleteServedAsGetDeletesNothing(t *testing.T) {
	// The item's path declares every method the probe tries before
	// DELETE, so DELETE is the undeclared one; the server answers each
	// of them, DELETE too, as the GET.
	spec := itemsAPI
	for _, m := range []string{"put", "patch", "post"} {
		spec += "    " + m + ":\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Item'}}}}\n        '401': {description: no}\n        '404': {description: none}\n"
	}
	items := &bolaServer{items: map[string]string{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/items" {
			r.Method = http.MethodGet
		}
		items.ServeHTTP(w, r)
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, spec), scan.Options{Target: ts.URL, Config: bearerIdentities("alice"), Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	undeclared := false
	for _, f := range res.Spec.Findings {
		undeclared = undeclared || (f.Rule == scan.RuleUndeclaredMethod && strings.Contains(f.Message, "DELETE"))
	}
	if !undeclared {
		t.Fatalf("the undeclared DELETE was not reported; the test needs it: %+v", res.Spec.Findings)
	}
	items.mu.Lock()
	defer items.mu.Unlock()
	for id := range items.items {
		listed := false
		for _, n := range res.NotCleaned {
			listed = listed || strings.HasPrefix(n, "/items/"+id+" ")
		}
		if !listed {
			t.Errorf("item %s is still on the API but not reported as left behind: %v", id, res.NotCleaned)
		}
	}
	if len(items.items) == 0 {
		t.Fatal("no item created: the test needs one")
	}
}
