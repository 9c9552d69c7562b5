package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandFormatCaseInsensitive: the --format of spec inspect, rules
// list, config validate and log verify takes its names in any case, as the
// report formats of audit and scan do, and gives the same output as the
// lower-case spelling; an unknown name is still a usage error.
func TestCommandFormatCaseInsensitive(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
	cfg := auditWriteFile(t, dir, "protect.yaml", "spec: api.yaml\nupstream: http://127.0.0.1:8000\n")

	priv, pub := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
	if code, _, stderr := run(t, "", "log", "keygen", "--private", priv, "--public", pub); code != ExitOK {
		t.Fatalf("keygen: exit %d: %s", code, stderr)
	}
	logPath := filepath.Join(dir, "audit.log")
	writeSignedLog(t, priv, logPath, 3)

	isJSON := func(t *testing.T, out string) {
		t.Helper()
		if !json.Valid([]byte(out)) {
			t.Errorf("not JSON:\n%.300s", out)
		}
	}
	contains := func(s string) func(t *testing.T, out string) {
		return func(t *testing.T, out string) {
			t.Helper()
			if !strings.Contains(out, s) {
				t.Errorf("output does not contain %q:\n%.300s", s, out)
			}
		}
	}
	cases := []struct {
		name  string
		args  []string
		lower []string // the same command with the lower-case name; nil: no comparison
		code  int
		check func(t *testing.T, out string)
	}{
		{"spec inspect JSON", []string{"spec", "inspect", "--format", "JSON", spec}, []string{"spec", "inspect", "--format", "json", spec}, ExitOK, isJSON},
		{"spec inspect Text", []string{"spec", "inspect", "--format", "Text", spec}, []string{"spec", "inspect", "--format", "text", spec}, ExitOK, nil},
		{"rules list JSON", []string{"rules", "list", "--format", "JSON"}, []string{"rules", "list", "--format", "json"}, ExitOK, isJSON},
		{"rules list Markdown", []string{"rules", "list", "--format", "Markdown"}, []string{"rules", "list", "--format", "markdown"}, ExitOK, nil},
		{"rules list TEXT", []string{"rules", "list", "--format", "TEXT"}, []string{"rules", "list", "--format", "text"}, ExitOK, contains("RULE")},
		{"config validate Json", []string{"config", "validate", "--format", "Json", cfg}, []string{"config", "validate", "--format", "json", cfg}, ExitOK, contains(`"valid": true`)},
		{"config validate TEXT", []string{"config", "validate", "--format", "TEXT", cfg}, []string{"config", "validate", "--format", "text", cfg}, ExitOK, contains("valid")},
		{"log verify JSON", []string{"log", "verify", logPath, "--key", pub, "--format", "JSON"}, []string{"log", "verify", logPath, "--key", pub, "--format", "json"}, ExitOK, isJSON},
		{"log verify Text", []string{"log", "verify", logPath, "--key", pub, "--format", "Text"}, []string{"log", "verify", logPath, "--key", pub, "--format", "text"}, ExitOK, contains("intact")},
		{"spec inspect unknown format refused", []string{"spec", "inspect", "--format", "YAML", spec}, nil, ExitUsage, nil},
		{"rules list unknown format refused", []string{"rules", "list", "--format", "HTML"}, nil, ExitUsage, nil},
		{"config validate unknown format refused", []string{"config", "validate", "--format", "Sarif", cfg}, nil, ExitUsage, nil},
		{"log verify unknown format refused", []string{"log", "verify", logPath, "--key", pub, "--format", "XML"}, nil, ExitUsage, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, tc.code, stderr)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
			if tc.lower != nil {
				if _, want, _ := run(t, "", tc.lower...); out != want {
					t.Errorf("output differs from the lower-case spelling's:\n%.300s\nwant:\n%.300s", out, want)
				}
			}
		})
	}
}
