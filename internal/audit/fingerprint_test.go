package audit

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

// A finding's fingerprint does not depend on how the definition's path
// was spelled or where the command ran, so a baseline made in one CI step
// still matches in another.
func TestFingerprintsIgnorePathSpelling(t *testing.T) {
	abs, err := filepath.Abs("../../examples/petstore-3.1.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := fingerprints(auditFile(t, "../../examples/petstore-3.1.yaml", Options{}))
	if len(want) == 0 {
		t.Fatal("no findings to compare")
	}
	for _, p := range []string{"../../examples/./petstore-3.1.yaml", "./../../examples/petstore-3.1.yaml", abs} {
		if got := fingerprints(auditFile(t, p, Options{})); !equalSets(got, want) {
			t.Errorf("%s: fingerprints differ", p)
		}
	}
	// From another working directory.
	wd, _ := os.Getwd()
	t.Cleanup(func() { _ = os.Chdir(wd) })
	if err := os.Chdir(filepath.Dir(abs)); err != nil {
		t.Fatal(err)
	}
	if got := fingerprints(auditFile(t, "petstore-3.1.yaml", Options{})); !equalSets(got, want) {
		t.Error("from the definition's own directory: fingerprints differ")
	}
}

func fingerprints(res *report.SpecResult) map[string]bool {
	out := map[string]bool{}
	for _, f := range res.Findings {
		out[f.Fingerprint] = true
	}
	return out
}

func equalSets(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
