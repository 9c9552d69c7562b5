package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/rampart-sec/rampart/internal/report"
)

// Baseline is the set of finding fingerprints of a previous JSON report.
type Baseline struct {
	bySpec map[string]map[string]bool
	all    map[string]bool
}

// LoadBaseline reads a JSON report written by `rampart audit --format json`.
func LoadBaseline(path string) (*Baseline, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var rep report.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("baseline %s: not a rampart JSON report: %w", path, err)
	}
	// Any JSON object decodes into a Report, with nothing in it: a SARIF
	// file (or the report of another tool) was taken for an empty baseline
	// and made every finding new. A rampart report names its kind or its
	// tool, and lists its results.
	var shape struct {
		Tool    *string          `json:"tool"`
		Kind    *string          `json:"kind"`
		Results *json.RawMessage `json:"results"`
	}
	err = json.Unmarshal(data, &shape)
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	tool, kind := str(shape.Tool), str(shape.Kind)
	if err != nil || shape.Results == nil || (tool != "" && tool != "rampart") || (tool == "" && kind == "") {
		what := "it has no rampart `tool`/`kind` and `results`"
		if shape.Results == nil && bytes.Contains(data, []byte(`"runs"`)) {
			what = "it looks like SARIF; write the baseline with --format json"
		}
		return nil, fmt.Errorf("baseline %s: not a rampart JSON report (%s)", path, what)
	}
	if rep.Kind != "" && rep.Kind != "audit" {
		return nil, fmt.Errorf("baseline %s: a %q report, not an audit report", path, rep.Kind)
	}
	b := &Baseline{bySpec: map[string]map[string]bool{}, all: map[string]bool{}}
	for _, res := range rep.Results {
		set := map[string]bool{}
		for _, fs := range [][]report.Finding{res.Findings, res.Suppressed} {
			for _, f := range fs {
				fp := f.Fingerprint
				if fp == "" {
					f.ComputeFingerprintIn(res.Spec)
					fp = f.Fingerprint
				}
				set[fp] = true
				b.all[fp] = true
			}
		}
		b.bySpec[res.Spec] = set
	}
	return b, nil
}

// New returns the findings of res that the baseline does not have. A spec
// the baseline does not name is matched against all its fingerprints, so
// renaming the file does not make every finding new.
func (b *Baseline) New(res *report.SpecResult) []report.Finding {
	set, ok := b.bySpec[res.Spec]
	if !ok {
		set = b.all
	}
	var out []report.Finding
	for _, f := range res.Findings {
		if !set[f.Fingerprint] {
			out = append(out, f)
		}
	}
	return out
}
