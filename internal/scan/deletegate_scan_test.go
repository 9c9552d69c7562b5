package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A DELETE whose resource cannot be read (every route 404: a wrong base
// path, say) is not tested: its tests would run on an object that is not
// there, and the scan reported "answered 404 instead of 401" for a route
// that does not exist beside "happy path failed" for the same operation.
func TestDeleteSkippedWhenItsResourceCannotBeRead(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotFound)
	}))
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := scan.Run(ctx, loadSpec(t, ownedItemsAPI), scan.Options{Target: ts.URL, Config: bearerIdentities("alice", "bob"), Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, failed := res.HappyFailures["DELETE /items/{id}"]; !failed {
		t.Error("DELETE /items/{id}: no happy-path failure recorded")
	}
	for _, f := range res.Spec.Findings {
		if f.Operation == "DELETE /items/{id}" && f.Rule != scan.RuleHappyPathFailed {
			t.Errorf("finding %s on the untestable DELETE: %s", f.Rule, f.Message)
		}
	}
}
