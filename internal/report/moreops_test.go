package report

import (
	"fmt"
	"strings"
	"testing"
)

// TestMoreOperationsCountsEveryOperation: "and N more" after the first five
// operations counts every operation the finding affects, including those a
// capped list (the audit lists the first 100) leaves out, in each format
// that shortens the list.
func TestMoreOperationsCountsEveryOperation(t *testing.T) {
	ops := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("GET /r%03d", i)
		}
		return out
	}
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
