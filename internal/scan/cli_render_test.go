package scan_test

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/rampart-sec/rampart/internal/cli"
	"github.com/rampart-sec/rampart/internal/scan/fixture"
	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// scanCLI scans the flawed fixture through the command line in one format
// and returns standard output and standard error.
func scanCLI(t *testing.T, format string, extra ...string) (stdout, stderr string) {
	t.Helper()
	dir := t.TempDir()
	specPath := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(specPath, fixture.Spec, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := filepath.Abs("testdata/fixture.yaml")
	api, err := fixture.New(true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	t.Setenv("FIXTURE_JWT_KEY", string(api.SigningKey()))
	var out, errb bytes.Buffer
	args := append([]string{"scan", specPath, "--target", srv.URL, "--config", cfg, "--rate", "1000", "--format", format, "--no-probes"}, extra...)
	if code := cli.Execute(args, nil, &out, &errb); code != cli.ExitFailed {
		t.Fatalf("exit %d, want %d (findings at high)\n%s", code, cli.ExitFailed, errb.String())
	}
	return out.String(), errb.String()
}

// noSecrets fails when a credential of the fixture's identities shows.
func noSecrets(t *testing.T, what, s string) {
	t.Helper()
	for _, u := range fixture.Users {
		for _, secret := range []string{u.Password, u.APIKey} {
			if strings.Contains(s, secret) {
				t.Errorf("%s shows the credential %q", what, secret)
			}
		}
	}
	if regexp.MustCompile(`Bearer eyJ[A-Za-z0-9_-]{10,}`).MatchString(s) {
		t.Errorf("%s shows a bearer token", what)
	}
}

func TestScanSARIFOutput(t *testing.T) {
	out, stderr := scanCLI(t, "sarif")
	noSecrets(t, "SARIF", out)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Level     string `json:"level"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Properties struct {
					Operation string   `json:"operation"`
					Curl      []string `json:"curl"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 {
		t.Fatalf("not a SARIF log with one run (%v)", err)
	}
	run := log.Runs[0]
	rules := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		rules[r.ID] = true
	}
	seen := map[string]bool{}
	for _, r := range run.Results {
		seen[r.RuleID+" "+r.Properties.Operation] = true
		if !rules[r.RuleID] {
			t.Errorf("result %s has no rule in the driver", r.RuleID)
		}
		if len(r.Locations) == 0 || !strings.HasSuffix(r.Locations[0].PhysicalLocation.ArtifactLocation.URI, "openapi.yaml") || r.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("result %s %s is not located in the definition: %+v", r.RuleID, r.Properties.Operation, r.Locations)
		}
	}
	// The seeded flaws of the phases that ran are all there, each with a
	// curl command that reproduces it.
	for _, f := range fixture.Manifest {
		if !strings.HasPrefix(f.Rule, "scan-bola") && !strings.HasPrefix(f.Rule, "scan-auth-missing") && f.Rule != "scan-jwt-alg-none" {
			continue
		}
		if !seen[f.Rule+" "+f.Operation] {
			t.Errorf("SARIF lacks %s on %s", f.Rule, f.Operation)
		}
	}
	for _, r := range run.Results {
		if r.RuleID == "scan-bola" && (len(r.Properties.Curl) == 0 || !strings.HasPrefix(r.Properties.Curl[0], "curl ")) {
			t.Errorf("BOLA result without a curl command: %v", r.Properties.Curl)
		}
	}
	// The summary on standard error counts the same findings.
	if !strings.Contains(stderr, "findings") || !strings.Contains(stderr, " "+strconv.Itoa(len(run.Results))+": ") {
		t.Errorf("summary does not count %d findings:\n%s", len(run.Results), stderr)
	}
	path := sharedtest.Path(t, "schemas", "sarif-schema-2.1.0.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatalf("compiling %s: %v", path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(inst); err != nil {
		t.Errorf("scan SARIF does not validate against SARIF 2.1.0: %v", err)
	}
}

func TestScanTextAndHTMLOutput(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   []string
	}{
		{"text", []string{"scan-bola", "GET /orders/{orderId}", "Operation", "Expected", "Reproduce", "curl -i", "Bearer <redacted>"}},
		// html/template escapes the curl command's quotes, and the
		// exchange bodies the API returned are text, never markup.
		{"html", []string{"<html", "scan-bola", "GET /orders/{orderId}", "curl -i", "&#39;Authorization: Bearer &lt;redacted&gt;&#39;"}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			out, _ := scanCLI(t, tc.format)
			noSecrets(t, tc.format, out)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s report lacks %q", tc.format, w)
				}
			}
			if tc.format == "html" {
				// Every exchange body is escaped: no tag of a response body
				// reaches the page as markup.
				if strings.Contains(out, `<redacted>`) {
					t.Error("an unescaped <redacted> marker: exchange text is not escaped")
				}
				if !strings.Contains(html.UnescapeString(out), "<redacted>") {
					t.Error("no redaction marker in the HTML report")
				}
			}
		})
	}
}

// The summary table on standard error shows every phase's counters.
func TestScanSummaryTable(t *testing.T) {
	_, stderr := scanCLI(t, "json", "-o", filepath.Join(t.TempDir(), "r.json"))
	t.Log(stderr)
	for _, row := range []string{"operations", "requests", "happy paths", "conformance", "auth probes", "stateful checks", "attack probes", "findings"} {
		if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(row) + `\s{2,}\S`).MatchString(stderr) {
			t.Errorf("summary lacks the %q row:\n%s", row, stderr)
		}
	}
	m := regexp.MustCompile(`happy paths\s+(\d+) passed, (\d+) failed`).FindStringSubmatch(stderr)
	if m == nil || m[1] == "0" {
		t.Errorf("happy paths row: %v\n%s", m, stderr)
	}
	if m := regexp.MustCompile(`conformance\s+(\d+) mutations`).FindStringSubmatch(stderr); m == nil || m[1] == "0" {
		t.Errorf("no mutations counted:\n%s", stderr)
	}
	if m := regexp.MustCompile(`findings\s+(\d+): (\d+) critical, (\d+) high`).FindStringSubmatch(stderr); m == nil || m[2] == "0" {
		t.Errorf("findings row does not count the critical BOLA/authentication flaws:\n%s", stderr)
	}
}
