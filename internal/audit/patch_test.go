package audit

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
	"gopkg.in/yaml.v3"
)

// TestPatchesFixTheirFindings applies each suggested JSON Patch on its own
// to the definition, audits the patched definition, and checks that the
// finding is gone and that the patched definition is still valid. A
// suggested fix that does not fix, or breaks the definition, fails here.
func TestPatchesFixTheirFindings(t *testing.T) {
	files := []string{"testdata/patches/weak-3.0.yaml", "testdata/patches/weak-3.1.yaml", "testdata/patches/weak-3.0-nosec.yaml", "testdata/patches/no-security.yaml", "testdata/patches/no-responses-3.1.yaml", "testdata/patches/wildcard-2.0.yaml", "testdata/patches/no-schemes-2.0.yaml", "testdata/patches/login-2.0.yaml", "testdata/golden/api.yaml", "../../examples/petstore-3.1.yaml", "../../examples/inventory-2.0.yaml"}
	rulesPatched := map[string]bool{}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var tree any
		if err := yaml.Unmarshal(raw, &tree); err != nil {
			t.Fatal(err)
		}
		doc, err := json.Marshal(tree)
		if err != nil {
			t.Fatal(err)
		}
		before := auditFile(t, file, Options{})
		for _, f := range before.Findings {
			if len(f.Patch) == 0 {
				continue
			}
			t.Run(filepath.Base(file)+"/"+f.Rule+f.Location.Pointer, func(t *testing.T) {
				ops, _ := json.Marshal(f.Patch)
				p, err := jsonpatch.DecodePatch(ops)
				if err != nil {
					t.Fatalf("patch does not decode: %v", err)
				}
				patched, err := p.Apply(doc)
				if err != nil {
					t.Fatalf("patch %s does not apply: %v", ops, err)
				}
				after := auditBytes(t, patched)
				if before.Valid && !after.Valid {
					t.Fatalf("patch made the definition invalid: %s", ops)
				}
				for _, g := range after.Findings {
					if g.Rule == f.Rule && g.Location.Pointer == f.Location.Pointer {
						t.Fatalf("finding still there after %s: %s", ops, g.Message)
					}
				}
				rulesPatched[f.Rule] = true
			})
		}
	}
	// The suggested fixes cover the common findings.
	t.Logf("rules with a verified patch: %d %v", len(rulesPatched), rulesPatched)
	if len(rulesPatched) < 30 {
		t.Errorf("only %d rules have a verified patch in these fixtures, want at least 30", len(rulesPatched))
	}
}

func auditBytes(t *testing.T, data []byte) *report.SpecResult {
	t.Helper()
	path := filepath.Join(t.TempDir(), "patched.json")
	d, err := spec.LoadBytes(context.Background(), data, path, path, spec.Options{})
	if err != nil {
		t.Fatalf("patched definition does not load: %v", err)
	}
	res, err := Audit(context.Background(), d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
