package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/fixture"
)

// The weak TLS listener shows every transport flaw of TLSManifest exactly
// once; the strong one none, and no finding at all.
func TestTransportWeakAndStrong(t *testing.T) {
	for _, weak := range []bool{true, false} {
		name := map[bool]string{true: "weak", false: "strong"}[weak]
		t.Run(name, func(t *testing.T) {
			tt, err := fixture.NewTLS(weak)
			if err != nil {
				t.Fatal(err)
			}
			defer tt.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			res, err := scan.Run(ctx, tt.Doc, scan.Options{Target: tt.Server.URL, Rate: 1000, RootCAs: tt.CA,
				Insecure: weak, HTTPURL: tt.Plain.URL + "/api"})
			if err != nil {
				t.Fatal(err)
			}
			var manifest []fixture.Flaw
			if weak {
				manifest = fixture.TLSManifest
			}
			checkManifest(t, res, manifest)
			if res.Spec.Summary["operations_tested"] != 1 {
				t.Errorf("operations tested = %d, want 1 (the scan goes on past transport findings)", res.Spec.Summary["operations_tested"])
			}
		})
	}
}

// Without --insecure, a certificate that does not verify stops the scan
// before any credential is sent over it.
func TestTransportBadCertificateStops(t *testing.T) {
	tt, err := fixture.NewTLS(true)
	if err != nil {
		t.Fatal(err)
	}
	defer tt.Close()
	res, err := scan.Run(context.Background(), tt.Doc, scan.Options{Target: tt.Server.URL, Rate: 1000, HTTPURL: tt.Plain.URL})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped == "" || res.Spec.Summary["operations_tested"] != 0 {
		t.Errorf("stopped = %q, operations tested = %d; want a stop before any operation", res.Stopped, res.Spec.Summary["operations_tested"])
	}
}

// A target that stops answering is reported and the scan ends, instead of
// waiting out every remaining request.
func TestUnresponsiveTargetIsReported(t *testing.T) {
	api, err := fixture.New(false)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 5 {
			select { // hang until the test ends
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	res, err := scan.Run(context.Background(), api.Doc(), scan.Options{Target: srv.URL, Rate: 1000, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("scan took %s against a hung target", d)
	}
	found := false
	for _, f := range res.Spec.Findings {
		found = found || f.Rule == scan.RuleTargetUnreachable
	}
	if !found || res.Stopped == "" {
		t.Errorf("unresponsive target not reported (stopped %q, %d findings)", res.Stopped, len(res.Spec.Findings))
	}
}
