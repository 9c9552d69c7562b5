package scan_test

import (
	"context"
	"mime"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/fixture"
)

// The fixture's multipart operation gets a happy path and conformance
// mutations, each sent as multipart/form-data and refused by the correct
// implementation.
func TestMultipartOperationIsScanned(t *testing.T) {
	api, err := fixture.New(false)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	statuses := map[int]int{}
	types := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/uploads" {
			api.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		api.ServeHTTP(rec, r)
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mu.Lock()
		statuses[rec.Code]++
		types[ct]++
		mu.Unlock()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()
	t.Setenv("FIXTURE_JWT_KEY", string(api.SigningKey()))
	cfg, err := config.Load("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := scan.Run(ctx, api.Doc(), scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if why, failed := res.HappyFailures["POST /uploads"]; failed {
		t.Fatalf("multipart happy path failed: %s", why)
	}
	mu.Lock()
	defer mu.Unlock()
	if statuses[201] == 0 {
		t.Errorf("no upload accepted: %v", statuses)
	}
	if statuses[400] < 5 {
		t.Errorf("%d out-of-contract uploads refused with 400, want at least 5 (one per property constraint): %v", statuses[400], statuses)
	}
	if types["multipart/form-data"] < 6 || types["text/plain"] != 1 {
		t.Errorf("content types sent: %v; want multipart bodies and one wrong-content-type mutation", types)
	}
	for _, f := range res.Spec.Findings {
		t.Errorf("finding on the correct fixture: %s %s: %s", f.Rule, f.Operation, f.Message)
	}
}
