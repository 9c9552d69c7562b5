package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

// Any JSON object decoded into an empty baseline, so a SARIF file given
// to --baseline made every finding new without a word: only a rampart
// JSON report is a baseline.
func TestBaselineRefusesOtherJSON(t *testing.T) {
	dir := t.TempDir()
	res := auditText(t, transferAPI, Options{})
	write := func(name, format string, rep *report.Report) string {
		var b strings.Builder
		if err := report.Write(&b, format, rep, report.Options{}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full := &report.Report{Tool: "rampart", Version: "1", Kind: "audit", Results: []report.SpecResult{*res}, Rules: ReportRules()}
	for name, text := range map[string]string{
		"sarif.json": "",
		"empty.json": `{}`,
		"other.json": `{"tool": "spectral", "kind": "audit", "results": []}`,
		"bare.json":  `{"results": []}`,
	} {
		p := filepath.Join(dir, name)
		if text == "" {
			p = write(name, "sarif", full)
		} else if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadBaseline(p); err == nil || !strings.Contains(err.Error(), "not a rampart JSON report") {
			t.Errorf("%s: %v, want \"not a rampart JSON report\"", name, err)
		}
	}
	// Rampart's own reports, with or without the tool's name.
	for name, rep := range map[string]*report.Report{
		"full.json":   full,
		"notool.json": {Kind: "audit", Results: []report.SpecResult{*res}},
	} {
		b, err := LoadBaseline(write(name, "json", rep))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if n := b.New(res); len(n) != 0 {
			t.Errorf("%s: %d findings new against their own report", name, len(n))
		}
	}
	if _, err := LoadBaseline(write("scan.json", "json", &report.Report{Tool: "rampart", Kind: "scan", Results: []report.SpecResult{}})); err == nil || !strings.Contains(err.Error(), "not an audit report") {
		t.Errorf("scan report: %v", err)
	}
}
