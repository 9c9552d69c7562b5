package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/audit"
)

func auditRunCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Execute(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func auditWriteFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const cliSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
components:
  securitySchemes:
    key: {type: apiKey, in: query, name: key}
security: [{key: []}]
paths:
  /things:
    get:
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        "200": {description: ok}
`

func TestAuditExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := auditWriteFile(t, dir, "api.yaml", cliSpec)
	invalid := auditWriteFile(t, dir, "invalid.yaml", "openapi: 3.0.3\ninfo: {title: t}\npaths: {}\n")
	notOpenAPI := auditWriteFile(t, dir, "nope.yaml", "hello: world\n")
	broken := auditWriteFile(t, dir, "broken.yaml", "openapi: 3.0.3\ninfo: [\n")
	cfgBad := auditWriteFile(t, dir, "bad.yaml", "rules: {no-such-rule: off}\n")
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"passes without thresholds", []string{"audit", good}, ExitOK},
		{"score below minimum", []string{"audit", good, "--min-score", "99"}, ExitFailed},
		{"score above minimum", []string{"audit", good, "--min-score", "1"}, ExitOK},
		{"finding at fail-on", []string{"audit", good, "--fail-on", "high"}, ExitFailed},
		{"nothing at critical", []string{"audit", good, "--fail-on", "critical"}, ExitOK},
		{"invalid structure is audited", []string{"audit", invalid}, ExitOK},
		{"not OpenAPI", []string{"audit", notOpenAPI}, ExitUsage},
		{"not parseable", []string{"audit", broken}, ExitUsage},
		{"missing file", []string{"audit", filepath.Join(dir, "missing.yaml")}, ExitUsage},
		{"bad format", []string{"audit", good, "--format", "pdf"}, ExitUsage},
		{"bad severity", []string{"audit", good, "--fail-on", "urgent"}, ExitUsage},
		{"bad profile", []string{"audit", good, "--profile", "paranoid"}, ExitUsage},
		{"bad min-score", []string{"audit", good, "--min-score", "101"}, ExitUsage},
		{"bad config", []string{"audit", good, "--config", cfgBad}, ExitUsage},
		{"no spec", []string{"audit"}, ExitUsage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := auditRunCLI(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, tc.code, stderr)
			}
		})
	}
}

func TestAuditJSONAndBaseline(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
	out := filepath.Join(dir, "report.json")
	if code, _, stderr := auditRunCLI(t, "audit", spec, "--format", "json", "-o", out); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	var rep struct {
		Kind    string `json:"kind"`
		Results []struct {
			Spec     string         `json:"spec"`
			OpenAPI  string         `json:"openapi"`
			Valid    *bool          `json:"valid"`
			Score    map[string]int `json:"score"`
			Findings []struct {
				Rule     string         `json:"rule"`
				Severity string         `json:"severity"`
				Location map[string]any `json:"location"`
				OWASP    string         `json:"owasp"`
			} `json:"findings"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if rep.Kind != "audit" || r.OpenAPI != "3.0.3" || r.Valid == nil || !*r.Valid || len(r.Findings) == 0 {
		t.Fatalf("unexpected report: %+v", rep)
	}
	for _, k := range []string{"total", "security", "data"} {
		if _, ok := r.Score[k]; !ok {
			t.Errorf("score lacks %s", k)
		}
	}
	// Against its own baseline nothing is new, so --fail-on passes.
	if code, _, stderr := auditRunCLI(t, "audit", spec, "--baseline", out, "--fail-on", "low"); code != ExitOK {
		t.Fatalf("baseline run exit %d: %s", code, stderr)
	}
	// A new weakness fails.
	auditWriteFile(t, dir, "api.yaml", strings.Replace(cliSpec, "https://api", "http://api", 1))
	code, _, stderr := auditRunCLI(t, "audit", spec, "--baseline", out, "--fail-on", "high")
	if code != ExitFailed || !strings.Contains(stderr, "new finding") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

func TestRulesCommand(t *testing.T) {
	code, out, _ := auditRunCLI(t, "rules", "list", "--format", "markdown")
	if code != ExitOK || out != audit.RulesMarkdown() {
		t.Fatalf("rules list markdown: exit %d", code)
	}
	code, out, _ = auditRunCLI(t, "rules", "explain", "sec-apikey-query")
	if code != ExitOK || !strings.Contains(out, "API2:2023 Broken Authentication") {
		t.Fatalf("explain: exit %d: %s", code, out)
	}
	if code, _, _ := auditRunCLI(t, "rules", "explain", "nope"); code != ExitUsage {
		t.Fatalf("unknown rule exit %d", code)
	}
	code, out, _ = auditRunCLI(t, "rules", "list", "--format", "json")
	var rules []map[string]any
	if code != ExitOK || json.Unmarshal([]byte(out), &rules) != nil || len(rules) != len(audit.Rules()) {
		t.Fatalf("rules list json: exit %d", code)
	}
}
