package scan_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/fixture"
)

// scanFixture starts the fixture on 127.0.0.1 and scans it.
func scanFixture(t *testing.T, flawed bool, opts scan.Options) (*scan.Result, *fixture.API) {
	t.Helper()
	api, err := fixture.New(flawed)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	t.Setenv("FIXTURE_JWT_KEY", string(api.SigningKey()))
	cfg, err := config.Load("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	opts.Target = srv.URL
	opts.Config = cfg
	if opts.Rate == 0 {
		opts.Rate = 1000
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := scan.Run(ctx, api.Doc(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res, api
}

func TestFixtureFlawedFindsEachSeededFlawExactly(t *testing.T) {
	res, api := scanFixture(t, true, scan.Options{Aggressive: true})
	checkManifest(t, res, fixture.Manifest)
	if items, orders := api.Counts(); items != 0 || orders != 0 {
		t.Errorf("cleanup left %d items and %d orders; report says: %v", items, orders, res.NotCleaned)
	}
	t.Logf("requests %d in %s", res.Requests, res.Elapsed)
}

// Without --aggressive, the timing probes are not sent, so the flaws only
// they find stay hidden, and the rest is found as before.
func TestFixtureFlawedWithoutAggressive(t *testing.T) {
	res, _ := scanFixture(t, true, scan.Options{})
	var manifest []fixture.Flaw
	for _, f := range fixture.Manifest {
		if !fixture.Aggressive[f.Rule] {
			manifest = append(manifest, f)
		}
	}
	checkManifest(t, res, manifest)
}

// checkManifest asserts each flaw of the manifest is reported exactly
// once and nothing else is.
func checkManifest(t *testing.T, res *scan.Result, manifest []fixture.Flaw) {
	t.Helper()
	want := map[string]bool{}
	for _, f := range manifest {
		want[f.Rule+" "+f.Operation] = true
	}
	got := map[string][]report.Finding{}
	for _, f := range res.Spec.Findings {
		got[f.Rule+" "+f.Operation] = append(got[f.Rule+" "+f.Operation], f)
	}
	for _, f := range manifest {
		k := f.Rule + " " + f.Operation
		if len(got[k]) == 0 {
			t.Errorf("seeded flaw not found: %s (%s)", k, f.What)
		} else if len(got[k]) > 1 {
			t.Errorf("seeded flaw %s reported %d times", k, len(got[k]))
		}
	}
	for k, fs := range got {
		if !want[k] {
			t.Errorf("unexpected finding %s: %s (actual: %s)", k, fs[0].Message, fs[0].Actual)
		}
	}
}

func TestFixtureCorrectHasNoFinding(t *testing.T) {
	res, api := scanFixture(t, false, scan.Options{Aggressive: true})
	for _, f := range res.Spec.Findings {
		t.Errorf("finding on the correct fixture: %s %s: %s (actual: %s)", f.Rule, f.Operation, f.Message, f.Actual)
	}
	if items, orders := api.Counts(); items != 0 || orders != 0 {
		t.Errorf("cleanup left %d items and %d orders", items, orders)
	}
	if res.Spec.Summary["operations_tested"] != len(api.Doc().Operations) {
		t.Errorf("operations tested = %d, want %d", res.Spec.Summary["operations_tested"], len(api.Doc().Operations))
	}
}

// BenchmarkFixtureScan is a full scan of the flawed fixture (36
// operations, every phase including the probes, the scenario and the
// rate-limit burst, without --aggressive) at 50 requests/s, the rate the
// 30-second goal is set at.
func BenchmarkFixtureScan(b *testing.B) {
	for i := 0; i < b.N; i++ {
		api, err := fixture.New(true)
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(api)
		b.Setenv("FIXTURE_JWT_KEY", string(api.SigningKey()))
		cfg, err := config.Load("testdata/fixture.yaml")
		if err != nil {
			b.Fatal(err)
		}
		res, err := scan.Run(context.Background(), api.Doc(), scan.Options{Target: srv.URL, Config: cfg, Rate: 50})
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Requests), "requests/scan")
		b.ReportMetric(res.Elapsed.Seconds(), "s/scan")
	}
}
