// Package report holds the finding model shared by every engine (audit, scan)
// and the writers that turn a Report into text, JSON, SARIF, HTML or JUnit.
package report

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Severity orders findings; higher is worse.
type Severity int

const (
	SeverityInfo Severity = iota
	SeverityLow
	SeverityMedium
	SeverityHigh
	SeverityCritical
)

var severityNames = [...]string{"info", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return "unknown"
	}
	return severityNames[s]
}

// ParseSeverity accepts the lower-case names used on the command line and in
// config files.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if strings.EqualFold(s, n) {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames[:], ", "))
}

// MarshalText makes severities appear by name in JSON.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a severity name.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Location points into the definition: the file, an RFC 6901 JSON pointer
// inside it, and the 1-based line and column where that node starts.
type Location struct {
	File    string `json:"file"`
	Pointer string `json:"pointer"`
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
}

func (l Location) String() string {
	if l.Line > 0 {
		return fmt.Sprintf("%s:%d:%d", l.File, l.Line, l.Column)
	}
	return l.File + "#" + l.Pointer
}

// PatchOp is one RFC 6902 JSON Patch operation suggested as a fix.
type PatchOp struct {
	Op   string `json:"op"`
	From string `json:"from,omitempty"` // for move and copy
	Path string `json:"path"`
	// Value is the new value for add, replace and test. A remove carries
	// none.
	Value any `json:"value,omitempty"`
}

// Exchange records one HTTP request and response a scan finding is based on.
// Secrets are redacted before an Exchange is stored in a finding.
type Exchange struct {
	Label    string              `json:"label,omitempty"`
	Method   string              `json:"method"`
	URL      string              `json:"url"`
	Headers  map[string][]string `json:"headers,omitempty"`
	Body     string              `json:"body,omitempty"`
	Status   int                 `json:"status,omitempty"`
	RespHead map[string][]string `json:"response_headers,omitempty"`
	RespBody string              `json:"response_body,omitempty"`
	Curl     string              `json:"curl,omitempty"`
}

// Finding is one weakness, in the same shape for every engine.
type Finding struct {
	Rule     string    `json:"rule"`
	Severity Severity  `json:"severity"`
	Title    string    `json:"title,omitempty"`
	Message  string    `json:"message"`
	Location Location  `json:"location"`
	OWASP    string    `json:"owasp,omitempty"`
	CWE      string    `json:"cwe,omitempty"`
	FixHint  string    `json:"fix_hint,omitempty"`
	Patch    []PatchOp `json:"patch,omitempty"`
	// Operations lists the operations ("GET /pets/{id}") a finding affects,
	// so a weakness in a shared schema is reported once, where it is defined.
	Operations []string `json:"operations,omitempty"`
	// OperationCount is how many operations the finding affects when that
	// is more than Operations lists (the audit lists the first 100 of a
	// component every operation uses); zero when Operations is complete.
	// Writers count the operations not shown from it, not from the list.
	OperationCount int `json:"operation_count,omitempty"`
	// Scan-only details.
	Operation string     `json:"operation,omitempty"`
	Test      string     `json:"test,omitempty"`
	Expected  string     `json:"expected,omitempty"`
	Actual    string     `json:"actual,omitempty"`
	Exchanges []Exchange `json:"exchanges,omitempty"`
	// Fingerprint is stable across runs and across unrelated edits of the
	// definition; baselines match findings by it.
	Fingerprint string `json:"fingerprint"`
	// Suppressed carries the reason from an inline x-rampart-ignore.
	Suppressed string `json:"suppressed,omitempty"`
}

// ComputeFingerprint fills Fingerprint from the rule, file, pointer and the
// operation/test identity. Line numbers are left out on purpose: inserting a
// line above a finding must not make it "new" against a baseline.
func (f *Finding) ComputeFingerprint() {
	f.Fingerprint = fingerprint(f, filepath.ToSlash(filepath.Clean(f.Location.File)))
}

// ComputeFingerprintIn sets the fingerprint with the location's file named
// relative to the directory of the root definition (rootFile, as the
// command was given it), so a finding keeps its fingerprint however that
// path was spelled (examples/a.yaml, ./examples/a.yaml, an absolute path)
// and wherever the command ran: baselines stay valid.
func (f *Finding) ComputeFingerprintIn(rootFile string) {
	f.Fingerprint = fingerprint(f, relativeFile(rootFile, f.Location.File))
}

func fingerprint(f *Finding, file string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s\x00%s", f.Rule, file, f.Location.Pointer, f.Operation, f.Test)
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// relativeFile names file relative to rootFile's directory; remote
// locations and anything that cannot be made relative stay as they are.
func relativeFile(rootFile, file string) string {
	if file == "" || strings.Contains(file, "://") {
		return file
	}
	dir, err1 := filepath.Abs(filepath.Dir(rootFile))
	abs, err2 := filepath.Abs(file)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(filepath.Clean(file))
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil {
		return filepath.ToSlash(filepath.Clean(file))
	}
	return filepath.ToSlash(rel)
}

// Rule is the metadata of a rule or scan test, used by SARIF and the docs.
type Rule struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Why         string   `json:"why,omitempty"`
	Fix         string   `json:"fix,omitempty"`
	Severity    Severity `json:"severity"`
	OWASP       string   `json:"owasp,omitempty"`
	CWE         string   `json:"cwe,omitempty"`
	Family      string   `json:"family,omitempty"`
}

// Score is the 0-100 score of an audit, split as security (0-30) and data
// validation (0-70).
type Score struct {
	Total    int `json:"total"`
	Security int `json:"security"`
	Data     int `json:"data"`
	// Charges are deductions counted beside the findings, so that a
	// reader can reproduce the score from the report: what an operation
	// anyone can call would be reported missing if it were secured, an
	// operation whose security requirement is broken charged as an
	// anonymous one, and admin operations charged while an ordinary
	// operation is anonymous (docs/audit.md, Score).
	Charges []ScoreCharge `json:"charges,omitempty"`
	// Cap is the cap that holds the total below the sum of the two parts
	// (40 while a critical finding counts, 60 while a high one does;
	// docs/audit.md, Score), so that a reader seeing 15/30 and 70/70 is
	// not left to wonder why the total reads 40; 0 when the total is the
	// sum. An integer, as every other member of the score is.
	Cap int `json:"cap,omitempty"`
	// CappedBy is the severity that set Cap, for the text of the reports
	// (not serialised: Cap says it).
	CappedBy *Severity `json:"-"`
}

// ScoreCharge is one deduction of the score that is not a finding: it
// counts against Rule, at Severity, like a finding of that rule.
type ScoreCharge struct {
	Rule      string   `json:"rule"`
	Severity  Severity `json:"severity"`
	Operation string   `json:"operation"`
}

// SpecResult is the result for one definition.
type SpecResult struct {
	Spec         string    `json:"spec"`
	OpenAPI      string    `json:"openapi"`
	Title        string    `json:"title,omitempty"`
	Valid        bool      `json:"valid"`
	Score        *Score    `json:"score,omitempty"`
	Profile      string    `json:"profile,omitempty"`
	Findings     []Finding `json:"findings"`
	Suppressed   []Finding `json:"suppressed,omitempty"`
	ManualChecks []string  `json:"manual_checks,omitempty"`
	// Summary holds engine-specific counters (operations tested, requests sent).
	Summary map[string]int `json:"summary,omitempty"`
	// Source holds the text of the definition's files, keyed by file, so the
	// HTML writer can show excerpts. Not serialised.
	Source map[string][]byte `json:"-"`
	lines  map[string][]string
	shown  map[string]*excerptFile   // the files as reports quote them
	runes  map[string]map[int][]rune // quoted lines as runes, by file and line
}

// Report is what a command produces: one or more SpecResults and the rules
// that can appear in them.
type Report struct {
	Tool    string       `json:"tool"`
	Version string       `json:"version"`
	Kind    string       `json:"kind"` // "audit" or "scan"
	Results []SpecResult `json:"results"`
	Rules   []Rule       `json:"-"`
}

// Sort puts findings in a deterministic order: severity (worst first), then
// file, line, rule, pointer, operation.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Location.File != b.Location.File {
			return a.Location.File < b.Location.File
		}
		if a.Location.Line != b.Location.Line {
			return a.Location.Line < b.Location.Line
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		if a.Location.Pointer != b.Location.Pointer {
			return a.Location.Pointer < b.Location.Pointer
		}
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Test < b.Test
	})
}

// RuleByID finds rule metadata in a report.
func (r *Report) RuleByID(id string) (Rule, bool) {
	for _, x := range r.Rules {
		if x.ID == id {
			return x, true
		}
	}
	return Rule{}, false
}
