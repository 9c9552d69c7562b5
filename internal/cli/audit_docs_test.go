package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/audit"
	"github.com/rampart-sec/rampart/internal/scan"
)

// matrixRows names the coverage-matrix row of docs/audit.md that lists
// each rule family.
var matrixRows = map[string]string{
	"authentication":  "Authentication",
	"transport":       "Transport",
	"data-validation": "Data validation",
	"responses":       "Responses",
	"exposure":        "Exposure",
	"structure":       "Structure",
	"profile":         "Profile",
	"suppressions":    "Suppressions",
}

// readDoc returns a file of docs/.
func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var backticked = regexp.MustCompile("`([a-z0-9-]+)`")

// TestAuditDocsCoverageMatrix: the coverage matrix of docs/audit.md lists
// every rule `rampart rules list` prints, in the row of its family, and
// nothing else in the Rampart column.
func TestAuditDocsCoverageMatrix(t *testing.T) {
	doc := readDoc(t, "audit.md")
	_, matrix, ok := strings.Cut(doc, "### Coverage matrix\n")
	if !ok {
		t.Fatal("docs/audit.md has no coverage matrix")
	}
	listed := map[string]string{} // rule id -> row
	for _, line := range strings.Split(matrix, "\n") {
		if !strings.HasPrefix(line, "|") {
			if len(listed) > 0 {
				break // the end of the table
			}
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		row := strings.TrimSpace(cells[1])
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			if !strings.HasPrefix(m[1], "x-") { // an extension the rule reads
				listed[m[1]] = row
			}
		}
	}
	for _, r := range audit.Rules() {
		want, ok := matrixRows[r.Family]
		if !ok {
			t.Errorf("rule %s: family %q has no row in this test's table", r.ID, r.Family)
			continue
		}
		switch got, ok := listed[r.ID]; {
		case !ok:
			t.Errorf("rule %s (%s) is missing from the coverage matrix", r.ID, r.Family)
		case got != want:
			t.Errorf("rule %s is in the matrix row %q, want %q", r.ID, got, want)
		}
	}
	for id := range listed {
		if _, ok := audit.RuleByID(id); !ok {
			t.Errorf("the coverage matrix lists %q, which is no rule", id)
		}
	}
}

// TestAuditDocsRuleIDsExist: every rule id the audit and report docs show,
// in prose, tables and example output, is a rule of the audit or the scan.
func TestAuditDocsRuleIDsExist(t *testing.T) {
	known := map[string]bool{}
	prefixes := map[string]bool{}
	for _, r := range audit.Rules() {
		known[r.ID] = true
	}
	for _, r := range scan.Rules() {
		known[r.ID] = true
	}
	for id := range known {
		p, _, _ := strings.Cut(id, "-")
		prefixes[p] = true
	}
	// Where an id stands in example output: `"rule": "x"`, a JUnit test
	// case, a text finding's first line. Any id is checked there; in
	// backticks and quotes, words with a rule prefix are.
	examples := []*regexp.Regexp{
		regexp.MustCompile(`"rule": *"([^"]+)"`),
		regexp.MustCompile(`<testcase [^>]*name="([^"]+)"`),
		regexp.MustCompile(`(?m)^(?:CRITICAL|HIGH|MEDIUM|LOW|INFO) +([a-z0-9-]+) `),
		regexp.MustCompile(`Rule: *"([^"]+)"`),
	}
	// A definition without findings is one passing JUnit test case named
	// "rampart" (docs/report-format.md), not a rule.
	known["rampart"] = true
	mentions := regexp.MustCompile("[`\"]([a-z]+(?:-[a-z0-9]+)+)[`\"]")
	for _, name := range []string{"audit.md", "report-format.md"} {
		doc := readDoc(t, name)
		var ids []string
		for _, re := range examples {
			for _, m := range re.FindAllStringSubmatch(doc, -1) {
				ids = append(ids, m[1])
			}
		}
		for _, m := range mentions.FindAllStringSubmatch(doc, -1) {
			if p, _, _ := strings.Cut(m[1], "-"); prefixes[p] {
				ids = append(ids, m[1])
			}
		}
		slices.Sort(ids)
		for _, id := range slices.Compact(ids) {
			if !known[id] {
				t.Errorf("docs/%s names rule %q, which `rampart rules list` does not have", name, id)
			}
		}
	}
}
