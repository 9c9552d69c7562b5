package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAuditEnumFlagsCaseInsensitive: format, severity and profile names are
// accepted in any case, on the command line and in the configuration file,
// and give the same report as the lower-case spelling.
func TestAuditEnumFlagsCaseInsensitive(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
	cfg := auditWriteFile(t, dir, "cfg.yaml", "profile: Financial-RW\nfail-on: CRITICAL\n")
	cases := []struct {
		name string
		args []string
		code int
		// check inspects standard output.
		check func(t *testing.T, out string)
	}{
		{"format JSON", []string{"--format", "JSON"}, ExitOK, isJSONReport("default")},
		{"format Sarif", []string{"--format", "Sarif"}, ExitOK, func(t *testing.T, out string) {
			if !strings.Contains(out, `"version": "2.1.0"`) {
				t.Errorf("not a SARIF log:\n%.300s", out)
			}
		}},
		{"format TEXT", []string{"--format", "TEXT"}, ExitOK, func(t *testing.T, out string) {
			if !strings.Contains(out, "Summary") {
				t.Errorf("not a text report:\n%.300s", out)
			}
		}},
		{"profile upper case", []string{"--format", "json", "--profile", "SENSITIVE"}, ExitOK, isJSONReport("sensitive")},
		{"fail-on upper case", []string{"--fail-on", "HIGH"}, ExitFailed, nil},
		// Under financial-rw the API key in the query is critical.
		{"profile and fail-on in the config file", []string{"--format", "json", "--config", cfg}, ExitFailed, isJSONReport("financial-rw")},
		{"unknown format still refused", []string{"--format", "PDF"}, ExitUsage, nil},
		{"unknown profile still refused", []string{"--profile", "Paranoid"}, ExitUsage, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"audit", spec}, tc.args...)
			code, out, stderr := auditRunCLI(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, tc.code, stderr)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}

	// -o with an upper-case format writes that format too.
	out := filepath.Join(dir, "r.json")
	if code, _, stderr := auditRunCLI(t, "audit", spec, "--format", "Json", "-o", out); code != ExitOK {
		t.Fatalf("-o: exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	isJSONReport("default")(t, string(data))
}

// isJSONReport checks that out is a JSON audit report of one definition
// audited under profile.
func isJSONReport(profile string) func(t *testing.T, out string) {
	return func(t *testing.T, out string) {
		t.Helper()
		var rep struct {
			Kind    string `json:"kind"`
			Results []struct {
				Profile string `json:"profile"`
			} `json:"results"`
		}
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("not JSON: %v\n%.300s", err, out)
		}
		if rep.Kind != "audit" || len(rep.Results) != 1 || rep.Results[0].Profile != profile {
			t.Errorf("report %+v, want one audit result under profile %q", rep, profile)
		}
	}
}
