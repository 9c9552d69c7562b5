package scan

import (
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

// A DELETE the API accepted removes the item it names and the ids
// listings showed for it or under it; the resources created in its
// sub-collections are orphaned (no test picks them; cleanup still tries
// them, as an API may keep them). Items of other parents and other ids
// stay as they were.
func TestMarkDeletedTakesChildren(t *testing.T) {
	del := &spec.Operation{Method: "DELETE", Path: "/users/{userId}/items/{itemId}"}
	r := &request{params: map[string]any{"path:userId": "u1", "path:itemId": "7"}}
	for _, tc := range []struct {
		name              string
		res               resource
		deleted, orphaned bool
	}{
		{"the item", resource{collection: "/users/{uid}/items", parents: []string{"u1"}, id: "7"}, true, false},
		{"a note of the item", resource{collection: "/users/{uid}/items/{iid}/notes", parents: []string{"u1", "7"}, id: "2"}, false, true},
		{"a tag of a note of the item", resource{collection: "/users/{uid}/items/{iid}/notes/{nid}/tags", parents: []string{"u1", "7", "2"}, id: "x"}, false, true},
		{"another item", resource{collection: "/users/{uid}/items", parents: []string{"u1"}, id: "8"}, false, false},
		{"the same id under another user", resource{collection: "/users/{uid}/items", parents: []string{"u2"}, id: "7"}, false, false},
		{"a note of another item", resource{collection: "/users/{uid}/items/{iid}/notes", parents: []string{"u1", "8"}, id: "2"}, false, false},
		{"the user", resource{collection: "/users", id: "u1"}, false, false},
		{"a sibling collection of the user", resource{collection: "/users/{uid}/itemsets", parents: []string{"u1"}, id: "7"}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := tc.res
			e := &engine{resources: []*resource{&res}, seen: map[string]seenID{}}
			e.markDeleted(del, r)
			if res.deleted != tc.deleted || res.orphaned != tc.orphaned {
				t.Errorf("deleted, orphaned = %v, %v; want %v, %v", res.deleted, res.orphaned, tc.deleted, tc.orphaned)
			}
		})
	}
	e := &engine{seen: map[string]seenID{
		"/users/{}/items":          {id: "7", parents: []string{"u1"}},
		"/users/{}/items/{}/notes": {id: "2", parents: []string{"u1", "7"}},
		"/users/{}/itemsets":       {id: "7", parents: []string{"u1"}},
		"/users":                   {id: "u1"},
	}}
	e.markDeleted(del, r)
	for k, want := range map[string]bool{"/users/{}/items": false, "/users/{}/items/{}/notes": false, "/users/{}/itemsets": true, "/users": true} {
		if _, kept := e.seen[k]; kept != want {
			t.Errorf("seen[%s] kept = %v, want %v", k, kept, want)
		}
	}
	// A listed id other than the deleted one stays.
	e.seen = map[string]seenID{"/users/{}/items": {id: "8", parents: []string{"u1"}}}
	e.markDeleted(del, r)
	if _, kept := e.seen["/users/{}/items"]; !kept {
		t.Errorf("the listed item 8 was dropped when item 7 was deleted")
	}
}
