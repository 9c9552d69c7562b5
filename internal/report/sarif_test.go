package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart-sec/rampart/internal/sharedtest"
)

func compileSARIFSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := sharedtest.Path(t, "schemas", "sarif-schema-2.1.0.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	return sch
}

// sarifDoc is the part of a SARIF log the structural checks read.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name  string `json:"name"`
				Rules []struct {
					ID         string `json:"id"`
					Name       string `json:"name"`
					Properties struct {
						Tags             []string `json:"tags"`
						SecuritySeverity string   `json:"security-severity"`
					} `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		OriginalURIBaseIDs map[string]struct {
			URI string `json:"uri"`
		} `json:"originalUriBaseIds"`
		Artifacts []struct {
			Location sarifArtifactLocation `json:"location"`
		} `json:"artifacts"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Locations []struct {
				PhysicalLocation *struct {
					ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
					Region           *sarifRegion          `json:"region"`
				} `json:"physicalLocation"`
				LogicalLocations []sarifLogicalLocation `json:"logicalLocations"`
			} `json:"locations"`
			PartialFingerprints map[string]string  `json:"partialFingerprints"`
			Fixes               []json.RawMessage  `json:"fixes"`
			Suppressions        []sarifSuppression `json:"suppressions"`
			Properties          struct {
				Patch []PatchOp `json:"patch"`
			} `json:"properties"`
		} `json:"results"`
	} `json:"runs"`
}

// allFindings lists the findings of r in the order the SARIF writer emits
// results: per definition, findings then suppressed ones.
func allFindings(r *Report) []Finding {
	var out []Finding
	for _, res := range r.Results {
		out = append(out, res.Findings...)
		out = append(out, res.Suppressed...)
	}
	return out
}

func TestSARIFSchemaAndStructure(t *testing.T) {
	sch := compileSARIFSchema(t)
	cases := []struct {
		name   string
		report *Report
		opts   Options
	}{
		{"audit", auditReport(), Options{}},
		{"scan", scanReport(), Options{}},
		{"audit with base dir", auditReport(), Options{BaseDir: "api"}},
		{"empty", &Report{Tool: "rampart", Version: "0.9.0", Kind: "audit"}, Options{}},
		{"clean result without rules", &Report{Kind: "audit", Results: []SpecResult{{Spec: "a.yaml", Valid: true}}}, Options{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := render(t, "sarif", tc.report, tc.opts)
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("output does not match the SARIF 2.1.0 schema: %v\n%s", err, out)
			}

			var doc sarifDoc
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Version != "2.1.0" || doc.Schema != sarifSchemaURI || len(doc.Runs) != 1 {
				t.Fatalf("version %q, $schema %q, %d runs", doc.Version, doc.Schema, len(doc.Runs))
			}
			run := doc.Runs[0]
			if run.Tool.Driver.Name != "rampart" {
				t.Errorf("driver name %q", run.Tool.Driver.Name)
			}
			root := run.OriginalURIBaseIDs[sarifSrcRoot].URI
			if !strings.HasPrefix(root, "file:///") || !strings.HasSuffix(root, "/") {
				t.Errorf("%%SRCROOT%% is %q, want a file:/// URI ending in /", root)
			}

			ruleIDs := map[string]bool{}
			for _, rule := range run.Tool.Driver.Rules {
				if ruleIDs[rule.ID] {
					t.Errorf("rule %s listed twice", rule.ID)
				}
				ruleIDs[rule.ID] = true
				if rule.Name != pascalCase(rule.ID) || rule.Properties.SecuritySeverity == "" {
					t.Errorf("rule %s: name %q, security-severity %q", rule.ID, rule.Name, rule.Properties.SecuritySeverity)
				}
			}
			for _, x := range tc.report.Rules {
				used := false
				for _, f := range allFindings(tc.report) {
					used = used || f.Rule == x.ID
				}
				if used != ruleIDs[x.ID] {
					t.Errorf("rule %s: used %v but listed %v", x.ID, used, ruleIDs[x.ID])
				}
			}

			fs := allFindings(tc.report)
			if len(run.Results) != len(fs) {
				t.Fatalf("%d results, want %d", len(run.Results), len(fs))
			}
			for i, res := range run.Results {
				f := fs[i]
				if res.RuleID != f.Rule {
					t.Fatalf("result %d: ruleId %q, want %q", i, res.RuleID, f.Rule)
				}
				if !ruleIDs[res.RuleID] {
					t.Errorf("result %d: ruleId %q missing from rules", i, res.RuleID)
				}
				if got := run.Tool.Driver.Rules[res.RuleIndex].ID; got != res.RuleID {
					t.Errorf("result %d: ruleIndex %d points at %q, want %q", i, res.RuleIndex, got, res.RuleID)
				}
				if res.Level != sarifLevel(f.Severity) {
					t.Errorf("result %d: level %q for %s", i, res.Level, f.Severity)
				}
				if res.PartialFingerprints[sarifFingerprintID] != f.Fingerprint || f.Fingerprint == "" {
					t.Errorf("result %d: fingerprint %q, want %q", i, res.PartialFingerprints[sarifFingerprintID], f.Fingerprint)
				}
				pl := res.Locations[0].PhysicalLocation
				if pl == nil {
					t.Fatalf("result %d has no physical location", i)
				}
				switch {
				case f.Location.Line == 0 && pl.Region != nil:
					t.Errorf("result %d: region present for a finding without a line", i)
				case f.Location.Line > 0 && (pl.Region == nil || pl.Region.StartLine != f.Location.Line || pl.Region.StartColumn != f.Location.Column):
					t.Errorf("result %d: region %+v, want line %d column %d", i, pl.Region, f.Location.Line, f.Location.Column)
				}
				if idx := pl.ArtifactLocation.Index; idx == nil || run.Artifacts[*idx].Location.URI != pl.ArtifactLocation.URI {
					t.Errorf("result %d: artifact index does not match uri %q", i, pl.ArtifactLocation.URI)
				}
				if f.Location.Pointer != "" && (len(res.Locations[0].LogicalLocations) != 1 || res.Locations[0].LogicalLocations[0].FullyQualifiedName != f.Location.Pointer) {
					t.Errorf("result %d: logical locations %+v, want %q", i, res.Locations[0].LogicalLocations, f.Location.Pointer)
				}
				// No SARIF fixes: insertedContent would have to be literal
				// file text, and a JSON Patch is not. The patch is in
				// properties.patch.
				if len(res.Fixes) != 0 {
					t.Errorf("result %d: %d fixes, want none", i, len(res.Fixes))
				}
				if len(res.Properties.Patch) != len(f.Patch) {
					t.Errorf("result %d: properties.patch has %d operations, want %d", i, len(res.Properties.Patch), len(f.Patch))
				}
				for k := range f.Patch {
					if k < len(res.Properties.Patch) && (res.Properties.Patch[k].Op != f.Patch[k].Op || res.Properties.Patch[k].Path != f.Patch[k].Path) {
						t.Errorf("result %d: properties.patch[%d] = %+v, want %+v", i, k, res.Properties.Patch[k], f.Patch[k])
					}
				}
				if got := len(res.Suppressions) == 1 && res.Suppressions[0].Kind == "inSource" && res.Suppressions[0].Justification == f.Suppressed; got != (f.Suppressed != "") {
					t.Errorf("result %d: suppressions %+v for reason %q", i, res.Suppressions, f.Suppressed)
				}
			}
		})
	}
}

// TestSARIFSchemaRejects makes sure the schema check has teeth: outputs
// broken in ways the writer must avoid fail validation.
func TestSARIFSchemaRejects(t *testing.T) {
	sch := compileSARIFSchema(t)
	good := string(render(t, "sarif", auditReport(), Options{}))
	cases := []struct{ name, old, new string }{
		{"bad level", `"level": "error"`, `"level": "critical"`},
		{"duplicate tags", `"tags": [`, `"tags": ["security", `},
		{"zero start line", `"startLine": 1,`, `"startLine": 0,`},
		{"unknown suppression kind", `"kind": "inSource"`, `"kind": "inline"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(good, tc.old) {
				t.Fatalf("output has no %s", tc.old)
			}
			bad := strings.Replace(good, tc.old, tc.new, 1)
			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
			if err != nil {
				t.Fatal(err)
			}
			if sch.Validate(inst) == nil {
				t.Errorf("schema accepted output with %s", tc.new)
			}
		})
	}
}

func TestSARIFLocations(t *testing.T) {
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, base, file string
		want             sarifArtifactLocation
	}{
		{"relative in cwd", "", "api/petstore.yaml", sarifArtifactLocation{URI: "api/petstore.yaml", URIBaseID: sarifSrcRoot}},
		{"relative to base dir", "api", "api/v1/petstore.yaml", sarifArtifactLocation{URI: "v1/petstore.yaml", URIBaseID: sarifSrcRoot}},
		{"absolute inside base", cwd, filepath.Join(cwd, "specs", "a b.yaml"), sarifArtifactLocation{URI: "specs/a%20b.yaml", URIBaseID: sarifSrcRoot}},
		{"outside base", "api", "other/x.yaml", sarifArtifactLocation{URI: fileURI(filepath.Join(cwd, "other", "x.yaml"))}},
		{"url", "", "https://example.com/openapi.yaml", sarifArtifactLocation{URI: "https://example.com/openapi.yaml"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := newSARIFURIs(tc.base).location(tc.file)
			if got != tc.want {
				t.Errorf("location(%q) with base %q = %+v, want %+v", tc.file, tc.base, got, tc.want)
			}
		})
	}
	if got, want := newSARIFURIs("").baseURI, fileURI(cwd)+"/"; got != want {
		t.Errorf("base URI %q, want %q", got, want)
	}
}

func TestPascalCase(t *testing.T) {
	for in, want := range map[string]string{
		"sec-no-security":         "SecNoSecurity",
		"data_string.max":         "DataStringMax",
		"resp-429-no-retry-after": "Resp429NoRetryAfter",
		"already":                 "Already",
		"--":                      "Rule",
		"scan-bola-SWAP":          "ScanBolaSWAP",
		"tls-no-servers ":         "TlsNoServers",
	} {
		if got := pascalCase(in); got != want {
			t.Errorf("pascalCase(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSARIFMultitool validates the output with Microsoft's SARIF
// Multitool when RAMPART_SARIF_MULTITOOL names the folder it was installed
// in with `npm install @microsoft/sarif-multitool@5.7.0`.
func TestSARIFMultitool(t *testing.T) {
	dir := os.Getenv("RAMPART_SARIF_MULTITOOL")
	if dir == "" {
		t.Skip("set RAMPART_SARIF_MULTITOOL to a folder with @microsoft/sarif-multitool installed to run the Multitool validator")
	}
	bin := filepath.Join(dir, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("RAMPART_SARIF_MULTITOOL=%s: %v", dir, err)
	}
	for name, r := range map[string]*Report{"audit": auditReport(), "scan": scanReport()} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name+".sarif")
			if err := WriteFile(path, "sarif", r, Options{}); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "validate", path).CombinedOutput()
			t.Logf("Multitool output:\n%s", out)
			if err != nil {
				t.Fatalf("Multitool failed: %v", err)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, ": error ") {
					t.Errorf("Multitool error: %s", line)
				}
				// SARIF2017 flags the region we leave out on purpose for
				// findings whose line is unknown; any other warning is a bug.
				if strings.Contains(line, ": warning ") && !strings.Contains(line, "SARIF2017") {
					t.Errorf("Multitool warning: %s", line)
				}
			}
		})
	}
}
