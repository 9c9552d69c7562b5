package audit

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden renders the audit of testdata/golden/api.yaml in every format
// and compares it with the files beside it (go test -run Golden -update
// rewrites them).
func TestGolden(t *testing.T) {
	res := auditFile(t, filepath.Join("testdata", "golden", "api.yaml"), Options{})
	rep := &report.Report{Tool: "rampart", Version: "0.0.0-test", Kind: "audit", Results: []report.SpecResult{*res}, Rules: ReportRules()}
	// Artifact URIs are relative to the working directory, and its
	// absolute location is replaced, so the golden files do not depend on
	// where the repository is checked out.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			var out bytes.Buffer
			if err := report.Write(&out, format, rep, report.Options{BaseDir: wd}); err != nil {
				t.Fatal(err)
			}
			buf := bytes.NewBuffer(bytes.ReplaceAll(out.Bytes(), []byte("file://"+filepath.ToSlash(wd)+"/"), []byte("file:///src/")))
			path := filepath.Join("testdata", "golden", "report."+format)
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(want, buf.Bytes()) {
				t.Fatalf("%s output differs from %s (run with -update after checking the change)", format, path)
			}
		})
	}
	// The audit's own contract on this file.
	for rule, ptr := range map[string]string{
		"sec-apikey-query":         "/components/securitySchemes/key/in",
		"tls-http-server":          "/servers/0",
		"data-mass-assignment":     "/components/schemas/Account/properties/balance",
		"data-pattern-unanchored":  "/components/schemas/Account/properties/name/pattern",
		"data-number-unbounded":    "/paths/~1accounts~1{id}/parameters/0/schema",
		"exp-sensitive-data":       "/components/schemas/Account/properties/password",
		"data-string-no-maxlength": "/components/schemas/Account/properties/name",
	} {
		if !hasFindingAt(res, rule, ptr) {
			t.Errorf("want %s at %s", rule, ptr)
		}
	}
	if len(res.Suppressed) != 1 || res.Suppressed[0].Rule != "data-string-no-pattern" {
		t.Errorf("suppressed %v", res.Suppressed)
	}
}

// TestSARIFMultitool validates the SARIF output with Microsoft's
// sarif-multitool when it is installed (SARIF_MULTITOOL=path).
func TestSARIFMultitool(t *testing.T) {
	tool := os.Getenv("SARIF_MULTITOOL")
	if tool == "" {
		t.Skip("SARIF_MULTITOOL not set")
	}
	path, err := filepath.Abs(filepath.Join("testdata", "golden", "report.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "validate", path).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte(": error ")) {
		t.Fatalf("sarif-multitool: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
