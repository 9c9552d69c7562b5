package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// ops returns n distinct operation keys, GET /r000 onwards.
func ops(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("GET /r%03d", i)
	}
	return out
}

// TestMoreOperationsCountsEveryOperation: "and N more" after the first five
// operations counts every operation the finding affects, including those a
// capped list (the audit lists the first 100) leaves out, in each format
// that shortens the list.
func TestMoreOperationsCountsEveryOperation(t *testing.T) {
	cases := []struct {
		name  string
		list  []string
		count int
		want  string // in text and JUnit; "" when nothing is cut
		html  string
	}{
		{"complete short list", ops(3), 0, "", ""},
		{"complete list of five", ops(5), 0, "", ""},
		{"complete long list", ops(7), 0, "and 2 more", "and 2 more</summary>"},
		{"list capped at 100 of 873", ops(100), 873, "and 868 more", "and 868 more (the first 95 listed)</summary>"},
		{"count equal to the list", ops(8), 8, "and 3 more", "and 3 more</summary>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := &Report{Tool: "rampart", Kind: "audit", Results: []SpecResult{{
				Spec: "api.yaml",
				Findings: []Finding{{
					Rule: "sec-no-security", Severity: SeverityCritical, Message: "m",
					Location:   Location{File: "api.yaml", Line: 1, Column: 1},
					Operations: tc.list, OperationCount: tc.count,
				}},
			}}}
			for _, format := range []string{"text", "junit", "html"} {
				out := string(render(t, format, r, Options{}))
				want := tc.want
				if format == "html" {
					want = tc.html
				}
				if want == "" {
					if strings.Contains(out, " more") {
						t.Errorf("%s: a complete list of %d says more:\n%s", format, len(tc.list), out)
					}
					continue
				}
				if !strings.Contains(out, want) {
					t.Errorf("%s: output lacks %q", format, want)
				}
			}
		})
	}
}

// TestSARIFOperationCount: a SARIF result carries the finding's
// operation_count in its properties, as the JSON report does, when the
// operations list is cut, so a SARIF consumer learns the whole reach of a
// finding whose properties.operations holds only the first of them; a
// complete list has no operation_count.
func TestSARIFOperationCount(t *testing.T) {
	cases := []struct {
		name  string
		list  []string
		count int
		want  *int // properties.operation_count; nil when absent
	}{
		{"no operations", nil, 0, nil},
		{"complete list", ops(7), 0, nil},
		{"list capped at 100 of 873", ops(100), 873, ptr(873)},
		{"list of 3 of 4", ops(3), 4, ptr(4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := Finding{
				Rule: "sec-no-security", Severity: SeverityCritical, Message: "m",
				Location:   Location{File: "api.yaml", Line: 1, Column: 1},
				Operations: tc.list, OperationCount: tc.count,
			}
			r := &Report{Tool: "rampart", Kind: "audit", Results: []SpecResult{{Spec: "api.yaml", Findings: []Finding{f}}}}
			var log struct {
				Runs []struct {
					Results []struct {
						Properties struct {
							Operations     []string `json:"operations"`
							OperationCount *int     `json:"operation_count"`
						} `json:"properties"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal(render(t, "sarif", r, Options{}), &log); err != nil {
				t.Fatal(err)
			}
			if len(log.Runs) != 1 || len(log.Runs[0].Results) != 1 {
				t.Fatalf("want one result, got %+v", log)
			}
			p := log.Runs[0].Results[0].Properties
			if len(p.Operations) != len(tc.list) {
				t.Errorf("properties.operations has %d, want %d", len(p.Operations), len(tc.list))
			}
			switch {
			case tc.want == nil && p.OperationCount != nil:
				t.Errorf("properties.operation_count = %d, want none", *p.OperationCount)
			case tc.want != nil && p.OperationCount == nil:
				t.Errorf("properties.operation_count missing, want %d", *tc.want)
			case tc.want != nil && *p.OperationCount != *tc.want:
				t.Errorf("properties.operation_count = %d, want %d", *p.OperationCount, *tc.want)
			}

			// The JSON report says the same.
			var rep struct {
				Results []struct {
					Findings []struct {
						OperationCount *int `json:"operation_count"`
					} `json:"findings"`
				} `json:"results"`
			}
			if err := json.Unmarshal(render(t, "json", r, Options{}), &rep); err != nil {
				t.Fatal(err)
			}
			if got := rep.Results[0].Findings[0].OperationCount; (got == nil) != (tc.want == nil) || (got != nil && *got != *tc.want) {
				t.Errorf("JSON operation_count = %v, SARIF should match it (want %v)", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
