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

// deleteBOLAServer keeps items per owner and reads them correctly, but
// lets any caller delete any item (BOLA on DELETE only). It logs who
// created and who deleted each item.
type deleteBOLAServer struct {
	mu      sync.Mutex
	next    int
	owner   map[string]string // item id -> owner
	names   map[string]string
	created map[string]string // item id -> creator, never removed
	deleted map[string]string // item id -> who deleted it
}

func newDeleteBOLAServer() *deleteBOLAServer {
	return &deleteBOLAServer{owner: map[string]string{}, names: map[string]string{}, created: map[string]string{}, deleted: map[string]string{}}
}

func (s *deleteBOLAServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	user, ok := bearerUser(r)
	if !ok || (user != "alice" && user != "bob" && user != "carol") {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	id, item := strings.CutPrefix(r.URL.Path, "/items/")
	switch {
	case r.Method == "POST" && r.URL.Path == "/items":
		name, ok := readNewItem(w, r)
		if !ok {
			return
		}
		s.next++
		id := fmt.Sprint(s.next)
		s.owner[id], s.names[id], s.created[id] = user, name, user
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": name})
	case item && !validID.MatchString(id):
		w.WriteHeader(http.StatusBadRequest)
	case r.Method == "GET" && item:
		if s.owner[id] != user {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id, "name": s.names[id]})
	case r.Method == "DELETE" && item:
		if _, ok := s.owner[id]; !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		// The flaw: no owner check.
		delete(s.owner, id)
		delete(s.names, id)
		s.deleted[id] = user
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// A BOLA probe of a DELETE operation deletes the object for real. It must
// delete an object of its own, created for it by the owner, so that every
// other identity is tested on a live object and the DELETE happy path
// still has one; the finding shows the creation of the object it deleted.
func TestBOLAOnDeleteConsumesItsOwnObject(t *testing.T) {
	srv := newDeleteBOLAServer()
	ts := httptest.NewServer(srv)
	defer ts.Close()
	cfg := bearerIdentities("alice", "bob", "carol")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, ownedItemsAPI), scan.Options{Target: ts.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true, ShowSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	if why, failed := res.HappyFailures["DELETE /items/{id}"]; failed {
		t.Errorf("DELETE happy path failed after the BOLA probe: %s", why)
	}
	var bola []string
	for _, f := range res.Spec.Findings {
		switch {
		case f.Rule == scan.RuleHappyPathFailed:
			t.Errorf("happy path failed: %s: %s", f.Operation, f.Message)
		case f.Rule != scan.RuleBOLA || f.Operation != "DELETE /items/{id}":
			t.Errorf("unexpected finding %s on %s: %s", f.Rule, f.Operation, f.Message)
		default:
			bola = append(bola, f.Message)
			// Every DELETE the finding shows deletes an object whose
			// creation it shows first, as alice, and that bob or carol
			// deleted: running the requests in order reproduces it.
			createdAt := map[string]int{}
			dels := 0
			for i, x := range f.Exchanges {
				switch x.Method {
				case http.MethodPost:
					var out struct{ ID string }
					if json.Unmarshal([]byte(x.RespBody), &out) != nil || out.ID == "" {
						t.Errorf("creation exchange without an id: %q", x.RespBody)
						continue
					}
					createdAt[out.ID] = i
				case http.MethodDelete:
					dels++
					id := x.URL[strings.LastIndex(x.URL, "/")+1:]
					if _, ok := createdAt[id]; !ok {
						t.Errorf("the finding deletes item %s without showing its creation first: %+v", id, f.Exchanges)
					}
					srv.mu.Lock()
					creator, deleter := srv.created[id], srv.deleted[id]
					srv.mu.Unlock()
					if creator != "alice" || (deleter != "bob" && deleter != "carol") || x.Status != http.StatusNoContent {
						t.Errorf("item %s: created by %q, deleted by %q (status %d); want alice's item deleted by bob or carol", id, creator, deleter, x.Status)
					}
				}
			}
			if dels == 0 {
				t.Errorf("BOLA finding without the DELETE request: %+v", f.Exchanges)
			}
		}
	}
	if len(bola) != 1 {
		t.Fatalf("want one scan-bola finding on DELETE /items/{id}, got %d: %q", len(bola), bola)
	}
	// Both other identities could delete alice's item: carol must not be
	// tested on the item bob already deleted (a 404 that hides her flaw).
	for _, who := range []string{"bob", "carol"} {
		if !strings.Contains(bola[0], "as "+who) && !strings.Contains(bola[0], " "+who+" ") {
			t.Errorf("BOLA finding does not name %s: %s", who, bola[0])
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
	// The happy path of DELETE ran as alice on an item of hers.
	happy := false
	for id, who := range srv.deleted {
		happy = happy || (who == "alice" && srv.created[id] == "alice")
	}
	if !happy {
		t.Errorf("no DELETE by alice of her own item; deletions: %v", srv.deleted)
	}
}

// When the owner cannot create an object for the BOLA probes of a DELETE
// (the API refuses the creation), the creation is asked for once, not
// once per identity: the first identity is probed on the happy path's
// object, and the others are not probed on an object already gone.
func TestBOLAOnDeleteAsksForACreationOnce(t *testing.T) {
	srv := newDeleteBOLAServer()
	var posts, postsAfterDelete int
	var mu sync.Mutex
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		if r.Method == http.MethodDelete && postsAfterDelete < 0 {
			postsAfterDelete = 0
		}
		mu.Unlock()
		if r.Method == http.MethodPost {
			mu.Lock()
			posts++
			n := posts
			if postsAfterDelete >= 0 {
				postsAfterDelete++
			}
			mu.Unlock()
			if n > 1 {
				// Only the first creation (the happy path) is allowed.
				w.WriteHeader(http.StatusBadRequest)
				return
			}
		}
		srv.ServeHTTP(w, r)
	}))
	defer ts.Close()
	postsAfterDelete = -1 // counting starts at the first DELETE
	cfg := bearerIdentities("alice", "bob", "carol")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, ownedItemsAPI), scan.Options{Target: ts.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	bola := 0
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleBOLA && f.Operation == "DELETE /items/{id}" {
			bola++
		}
	}
	if bola != 1 {
		t.Errorf("%d scan-bola findings on DELETE /items/{id}, want 1", bola)
	}
	srv.mu.Lock()
	deleted := len(srv.deleted)
	srv.mu.Unlock()
	if deleted != 1 {
		t.Errorf("%d items deleted, want the happy path's one, by the first other identity", deleted)
	}
	// Every POST after the first DELETE (the DELETE tests run after all
	// the others) asks for an object for the BOLA probes.
	mu.Lock()
	defer mu.Unlock()
	if postsAfterDelete != 1 {
		t.Errorf("%d creations asked for the BOLA probes of DELETE, want 1 (%d POSTs in all)", postsAfterDelete, posts)
	}
}
