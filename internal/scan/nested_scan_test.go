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
	"github.com/rampart-sec/rampart/internal/scan/config"
)

const nestedSpec = `openapi: 3.0.3
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
    delete:
      parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: deleted}, "404": {description: not found}}
  /users/{userId}/orders:
    post:
      parameters: [{name: userId, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [item], additionalProperties: false, properties: {item: {type: string, maxLength: 20}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "400": {description: bad request}
        "404": {description: not found}
  /users/{uid}/orders/{orderId}:
    parameters:
      - {name: uid, in: path, required: true, schema: {type: string}}
      - {name: orderId, in: path, required: true, schema: {type: string}}
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "404": {description: not found}
    delete:
      responses: {"204": {description: deleted}, "404": {description: not found}}
`

// orderStore numbers orders per user (every user's first order is "o1"),
// so an order id means something only with its user's id. Deleting a user
// leaves its orders in place: what the scan fails to delete stays visible.
type orderStore struct {
	mu     sync.Mutex
	nUsers int
	users  map[string]bool
	orders map[string]map[string]bool // user -> order ids
	// mismatched counts requests naming an order under a user it was not
	// created under.
	mismatched []string
}

func (s *orderStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "application/json")
	segs := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/users" && r.Method == http.MethodPost:
		// Lax on purpose: the conformance mutations it accepts create
		// more users after the happy paths ran.
		s.nUsers++
		id := fmt.Sprintf("u%d", s.nUsers)
		s.users[id] = true
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	case len(segs) == 2 && segs[0] == "users" && r.Method == http.MethodDelete && s.users[segs[1]]:
		delete(s.users, segs[1])
		w.WriteHeader(http.StatusNoContent)
	case len(segs) == 3 && segs[0] == "users" && segs[2] == "orders" && r.Method == http.MethodPost && s.users[segs[1]]:
		var in map[string]any
		if json.NewDecoder(r.Body).Decode(&in) != nil || len(in) != 1 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if item, ok := in["item"].(string); !ok || len(item) > 20 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if s.orders[segs[1]] == nil {
			s.orders[segs[1]] = map[string]bool{}
		}
		id := fmt.Sprintf("o%d", len(s.orders[segs[1]])+1)
		s.orders[segs[1]][id] = true
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	case len(segs) == 4 && segs[0] == "users" && segs[2] == "orders" && (r.Method == http.MethodGet || r.Method == http.MethodDelete):
		user, order := segs[1], segs[3]
		if !s.users[user] || !s.orders[user][order] {
			for u, os := range s.orders {
				if u != user && os[order] && !s.orders[user][order] {
					s.mismatched = append(s.mismatched, r.Method+" "+r.URL.Path+" (created under "+u+")")
					break
				}
			}
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if r.Method == http.MethodDelete {
			delete(s.orders[user], order)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": order})
	case len(segs) >= 2 && segs[0] == "users" && r.Method != http.MethodGet && r.Method != http.MethodDelete && r.Method != http.MethodPost:
		w.WriteHeader(http.StatusMethodNotAllowed)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// A nested resource is named by its parent's id and its own together:
// the order POST /users/{userId}/orders created under one user is read,
// deleted and cleaned up under that user, never paired with a user that
// a later create (here the conformance mutations the API accepts) made.
func TestNestedResourceKeepsItsParent(t *testing.T) {
	doc, _ := loadInline(t, nestedSpec)
	store := &orderStore{users: map[string]bool{}, orders: map[string]map[string]bool{}}
	srv := httptest.NewServer(store)
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v", res.HappyFailures)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if store.nUsers < 2 {
		t.Fatalf("only %d user created: the test needs creates after the happy paths", store.nUsers)
	}
	if len(store.mismatched) > 0 {
		t.Errorf("orders asked for under another user: %v", store.mismatched)
	}
	for u, os := range store.orders {
		if len(os) > 0 {
			t.Errorf("orders of %s left behind: %v (not cleaned: %v)", u, os, res.NotCleaned)
		}
	}
	if len(store.users) > 0 {
		t.Errorf("users left behind: %v (not cleaned: %v)", store.users, res.NotCleaned)
	}
}

// Orders numbered per user are different resources under different users,
// even with the same id: each is recorded with its user, and what cannot
// be deleted is reported at its full path.
func TestNestedResourcesWithTheSameIDUnderTwoParents(t *testing.T) {
	doc, _ := loadInline(t, strings.Replace(nestedSpec, `    delete:
      responses: {"204": {description: deleted}, "404": {description: not found}}
`, "", 1))
	store := &orderStore{users: map[string]bool{}, orders: map[string]map[string]bool{}}
	srv := httptest.NewServer(store)
	defer srv.Close()
	// A scenario creates an order under each of two users: both are "o1".
	cfg, err := config.Parse([]byte(`
scenarios:
  - name: two users, one order each
    steps:
      - {request: "POST /users", body: {name: a}, capture: {a: "$.id"}}
      - {request: "POST /users", body: {name: b}, capture: {b: "$.id"}}
      - {request: "POST /users/{{a}}/orders", body: {item: x}}
      - {request: "POST /users/{{b}}/orders", body: {item: y}}
`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	var left []string
	for u, os := range store.orders {
		for o := range os {
			left = append(left, "/users/"+u+"/orders/"+o)
		}
	}
	if len(left) < 2 {
		t.Fatalf("the API holds %v: the test needs orders with one id under two users", left)
	}
	var missing []string
	for _, p := range left {
		found := false
		for _, n := range res.NotCleaned {
			found = found || strings.HasPrefix(n, p+" ")
		}
		if !found {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		t.Errorf("on the API but not reported as left behind: %v\nreported: %v", missing, res.NotCleaned)
	}
}
