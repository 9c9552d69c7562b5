package report_test

import (
	"testing"

	"github.com/rampart-sec/rampart/internal/audit"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
)

// TestFixtureRuleIDsAreReal: the fixture reports the writers are tested
// (and their golden files made) with use only rule ids a rule has, the
// audit's for the audit report and the scan's for the scan report, so the
// outputs under test look like the ones users get and a renamed rule is
// not hidden behind an id of the fixture's own.
func TestFixtureRuleIDsAreReal(t *testing.T) {
	auditIDs := map[string]bool{}
	for _, r := range audit.Rules() {
		auditIDs[r.ID] = true
	}
	scanIDs := map[string]bool{}
	for _, r := range scan.Rules() {
		scanIDs[r.ID] = true
	}
	cases := []struct {
		name   string
		report *report.Report
		ids    map[string]bool
	}{
		{"audit", report.AuditReportFixture(), auditIDs},
		{"scan", report.ScanReportFixture(), scanIDs},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if len(tc.ids) == 0 {
				t.Fatal("empty rule catalogue")
			}
			for _, res := range tc.report.Results {
				for _, f := range append(append([]report.Finding(nil), res.Findings...), res.Suppressed...) {
					if !tc.ids[f.Rule] {
						t.Errorf("%s: finding at %s uses %q, which no %s rule has", res.Spec, f.Location.Pointer, f.Rule, tc.name)
					}
				}
			}
			for _, r := range tc.report.Rules {
				if !tc.ids[r.ID] {
					t.Errorf("the report's rule catalogue describes %q, which no %s rule has", r.ID, tc.name)
				}
			}
		})
	}
}
