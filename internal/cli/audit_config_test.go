package cli

import (
	"regexp"
	"strings"
	"testing"
)

// TestAuditConfigErrorLines: a bad setting in the configuration file is
// refused (exit 2) with the one line of the file it is on, wherever it
// sits: at the top level, under `audit:`, nested in a rule's setting, after
// comments and blank lines.
func TestAuditConfigErrorLines(t *testing.T) {
	cases := []struct {
		name, config string
		line         string // the line number the message must name
		about        string // and a word of what is wrong
	}{
		{"top-level unknown key", "profile: default\nfail-on: high\nbogus: 1\n", "3", "bogus"},
		{"top-level bad severity", "profile: default\nfail-on: urgent\n", "2", "urgent"},
		{"top-level bad profile", "\n\nprofile: paranoid\n", "3", "paranoid"},
		{"min-score out of range", "# threshold\nmin-score: 101\n", "2", "101"},
		{"decimal min-score after a comment block", "# a\n# b\n\n# c\naudit:\n  # d\n  min-score: 81.9\n", "7", "81.9"},
		{"unknown key in the audit section", "# settings\naudit:\n  profile: default\n  fail-on: high\n  colour: red\n", "5", "colour"},
		{"unknown rule", "audit:\n  fail-on: high\n  rules:\n    sec-apikey-query: off\n    no-such-rule: off\n", "5", "no-such-rule"},
		{"bad short rule setting", "audit:\n  profile: default\n  rules:\n    sec-apikey-query: bogus\n", "4", "bogus"},
		{"bad long rule severity", "audit:\n  profile: default\n  rules:\n    sec-apikey-query:\n      enabled: true\n      severity: bogus\n", "6", "bogus"},
		{"unknown key in a rule setting", "# c\naudit:\n  rules:\n    sec-apikey-query:\n      enabled: true\n      colour: red\n", "6", "colour"},
		{"unknown key in a flow rule setting", "# c\naudit:\n  rules:\n    sec-apikey-query: {enabled: true, colour: red}\n", "4", "colour"},
		{"bad exclude glob", "audit:\n  exclude:\n    - /ok/**\n    - ''\n", "4", "empty glob"},
		{"rule set twice", "rules:\n  sec-apikey-query: off\n  sec-apikey-query: high\n", "3", "already set on line 2"},
	}
	lineRef := regexp.MustCompile(`line \d+`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
			cfg := auditWriteFile(t, dir, "rampart.yaml", tc.config)
			code, _, stderr := auditRunCLI(t, "audit", spec, "--config", cfg)
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, ExitUsage, stderr)
			}
			refs := lineRef.FindAllString(stderr, -1)
			if len(refs) == 0 || refs[0] != "line "+tc.line {
				t.Errorf("message names %v, want line %s first:\n%s", refs, tc.line, stderr)
			}
			if len(refs) > 1 && !strings.Contains(tc.about, "line") {
				t.Errorf("message names several lines %v:\n%s", refs, stderr)
			}
			if !strings.Contains(stderr, tc.about) {
				t.Errorf("message does not mention %q:\n%s", tc.about, stderr)
			}
		})
	}
}

// TestAuditConfigAccepted: settings read from the nodes of the file keep
// the YAML a configuration may use: flow and block forms, aliases and merge
// keys, empty values, other sections beside `audit:`.
func TestAuditConfigAccepted(t *testing.T) {
	cases := []struct {
		name, config string
		code         int // cliSpec has a high finding (API key in the query)
	}{
		{"empty file", "", ExitOK},
		{"empty audit section", "# x\naudit:\nscan: {rate: 5}\n", ExitOK},
		{"fail-on at the top level", "fail-on: high\n", ExitFailed},
		{"fail-on via a merge key", "defaults: &d\n  fail-on: high\naudit:\n  <<: *d\n", ExitFailed},
		{"own key beats the merged one", "defaults: &d\n  fail-on: high\naudit:\n  <<: *d\n  fail-on: critical\n", ExitOK},
		{"rule off through an alias", "off-rules: &r\n  sec-apikey-query: off\naudit:\n  fail-on: high\n  rules: *r\n", ExitOK},
		{"long form", "rules:\n  sec-apikey-query: {enabled: false}\nfail-on: high\n", ExitOK},
		{"severity lowered", "rules:\n  sec-apikey-query:\n    severity: low\nfail-on: high\n", ExitOK},
		{"empty values", "profile:\nfail-on:\nrules:\nexclude:\n", ExitOK},
		{"excluded operation", "exclude: ['/things']\nfail-on: high\n", ExitOK},
		{"min-score", "min-score: 100\n", ExitFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
			cfg := auditWriteFile(t, dir, "rampart.yaml", tc.config)
			if code, _, stderr := auditRunCLI(t, "audit", spec, "--config", cfg); code != tc.code {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, tc.code, stderr)
			}
		})
	}
}
