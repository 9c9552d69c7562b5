package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// auditText audits a definition given as text (YAML or JSON).
func auditText(t testing.TB, text string, opts Options) *report.SpecResult {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return auditFile(t, path, opts)
}

func auditFile(t testing.TB, path string, opts Options) *report.SpecResult {
	t.Helper()
	// ../shared is in no repository, so a definition's reference root is
	// its own directory: the multi-file example's spec/swagger.json refers
	// to ../common/Error.json, inside the example's folder, the root a
	// user passes with --ref-root.
	var lo spec.Options
	if dir := filepath.Dir(path); filepath.Base(filepath.Dir(dir)) == "oai-v2.0-petstore-separate" {
		lo.RefRoot = filepath.Dir(dir)
	}
	doc, err := spec.Load(context.Background(), path, lo)
	if err != nil {
		t.Fatalf("load %s: %v", path, err)
	}
	res, err := Audit(context.Background(), doc, opts)
	if err != nil {
		t.Fatalf("audit %s: %v", path, err)
	}
	return res
}

// findingsOf returns the findings of one rule.
func findingsOf(res *report.SpecResult, rule string) []report.Finding {
	var out []report.Finding
	for _, f := range res.Findings {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func hasFindingAt(res *report.SpecResult, rule, pointerSuffix string) bool {
	for _, f := range findingsOf(res, rule) {
		if strings.HasSuffix(f.Location.Pointer, pointerSuffix) {
			return true
		}
	}
	return false
}
