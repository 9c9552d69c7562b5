package audit

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/fuzzseed"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// FuzzAudit feeds arbitrary bytes to the loader and, when they load, runs
// the whole audit under every profile (profiles switch rules on and off,
// so no single one runs them all) and renders the report in every output
// format. A hostile definition must give findings or an error: never a
// panic, a hang or a report that cannot be written.
// Seeds: the bundled examples and the hostile definitions of
// internal/fuzzseed
// (inputs that failed are kept in testdata/fuzz/FuzzAudit). Run:
// scripts/fuzz.sh 60 Audit.
func FuzzAudit(f *testing.F) {
	fuzzseed.Fuzz(f, "audit", func(t *testing.T, d *spec.Document) {
		rep := &report.Report{Tool: "rampart", Version: "0.0.0-fuzz", Kind: "audit", Rules: ReportRules()}
		for _, prof := range Profiles() {
			actx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			res, err := Audit(actx, d, Options{Profile: prof.Name})
			cancel()
			if errors.Is(err, context.DeadlineExceeded) {
				buf := make([]byte, 1<<20)
				t.Fatalf("audit (%s) did not finish in 20 s:\n%s", prof.Name, buf[:runtime.Stack(buf, true)])
			}
			if err != nil {
				// The audit has no error of its own to give for a loaded
				// definition: the loader's problems become findings.
				t.Fatalf("audit (%s): %v", prof.Name, err)
			}
			if res.Score == nil || res.Score.Total < 0 || res.Score.Total > 100 || res.Score.Security < 0 || res.Score.Security > 30 || res.Score.Data < 0 || res.Score.Data > 70 {
				t.Fatalf("audit (%s): score out of range: %+v", prof.Name, res.Score)
			}
			for _, fd := range res.Findings {
				if fd.Rule == "" || fd.Fingerprint == "" || fd.Location.File == "" {
					t.Fatalf("audit (%s): finding without rule, fingerprint or file: %+v", prof.Name, fd)
				}
			}
			rep.Results = append(rep.Results, *res)
		}
		// One report holding every profile's result: the writers group
		// and number findings per result, so several results are the
		// harder case.
		for _, format := range report.Formats() {
			for _, color := range []bool{false, true} {
				if color && format != "text" {
					continue
				}
				if err := report.Write(io.Discard, format, rep, report.Options{Color: color, BaseDir: filepath.Dir(d.Path)}); err != nil {
					t.Fatalf("writing %s: %v", format, err)
				}
			}
		}
	})
}
