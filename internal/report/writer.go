package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// Options tune the writers.
type Options struct {
	// Color enables ANSI colours in the text format.
	Color bool
	// BaseDir is the source root SARIF artifact URIs are made relative to
	// (uriBaseId %SRCROOT%). Empty means the current directory.
	BaseDir string
}

type writerFunc func(w io.Writer, r *Report, opts Options) error

// writers lists the formats in the order Formats reports them.
var writers = []struct {
	name  string
	write writerFunc
}{
	{"text", writeText},
	{"json", writeJSON},
	{"sarif", writeSARIF},
	{"html", writeHTML},
	{"junit", writeJUnit},
}

// Formats returns the names of the output formats Write accepts.
func Formats() []string {
	names := make([]string, len(writers))
	for i, x := range writers {
		names[i] = x.name
	}
	return names
}

// Write renders r in the named format. The output is produced in memory
// first, so nothing is written to w when rendering fails.
func Write(w io.Writer, format string, r *Report, opts Options) error {
	if r == nil {
		return errors.New("report: nil report")
	}
	name := strings.ToLower(strings.TrimSpace(format))
	for _, x := range writers {
		if x.name != name {
			continue
		}
		var buf bytes.Buffer
		if err := x.write(&buf, r, opts); err != nil {
			return fmt.Errorf("report: writing %s: %w", name, err)
		}
		_, err := w.Write(buf.Bytes())
		return err
	}
	return fmt.Errorf("report: unknown format %q (valid formats: %s)", format, strings.Join(Formats(), ", "))
}

// FileError is WriteFile's error when the file cannot be written: Path is
// the path WriteFile was given and Err the cause (no space left on device,
// not a directory, permission denied). The cause carries no path of its
// own: which file failed (the temporary file beside Path, a parent
// directory) is a detail, and the message names Path once.
type FileError struct {
	Path string
	Err  error
}

func (e *FileError) Error() string { return "report: writing " + e.Path + ": " + e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// fileError wraps err, an error of the os package, as the FileError of
// writing path, keeping its cause without the path the os error names.
func fileError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return &FileError{Path: path, Err: err}
}

// WriteFile renders r to path. "" and "-" mean standard output. Parent
// directories are created, and a regular file is replaced atomically: the
// report is written to a temporary file in the same directory, which is
// then renamed over path, so readers never see a half-written report. A
// symbolic link is followed (the file it points to is replaced, the link
// kept), and anything that is not a regular file (/dev/null, a pipe) is
// written to as it is, never replaced. A file that cannot be written is a
// *FileError naming path.
func WriteFile(path string, format string, r *Report, opts Options) (err error) {
	if path == "" || path == "-" {
		return Write(os.Stdout, format, r, opts)
	}
	var buf bytes.Buffer
	if err := Write(&buf, format, r, opts); err != nil {
		return err
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	if fi, err := os.Stat(target); err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return &FileError{Path: path, Err: syscall.EISDIR}
		}
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return fileError(path, err)
		}
		if _, err := f.Write(buf.Bytes()); err != nil {
			f.Close()
			return fileError(path, err)
		}
		if err := f.Close(); err != nil {
			return fileError(path, err)
		}
		return nil
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fileError(path, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return fileError(path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(buf.Bytes()); err != nil {
		return fileError(path, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return fileError(path, err)
	}
	if err = tmp.Close(); err != nil {
		return fileError(path, err)
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return fileError(path, err)
	}
	return nil
}

// severitiesDesc lists severities worst first, the order every writer
// groups findings in.
var severitiesDesc = []Severity{SeverityCritical, SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

// SeverityCounts counts findings per severity, indexed by Severity.
type SeverityCounts [SeverityCritical + 1]int

// CountBySeverity counts fs per severity; out-of-range severities are
// ignored.
func CountBySeverity(fs []Finding) SeverityCounts {
	var c SeverityCounts
	for _, f := range fs {
		if f.Severity >= 0 && int(f.Severity) < len(c) {
			c[f.Severity]++
		}
	}
	return c
}

// String renders the counts worst first: "1 critical, 2 high, 0 medium, 0 low, 0 info".
func (c SeverityCounts) String() string {
	parts := make([]string, 0, len(c))
	for _, s := range severitiesDesc {
		parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
	}
	return strings.Join(parts, ", ")
}

// String renders a score as "Score 72/100 (security 20/30, data 52/70)".
func (s Score) String() string {
	return fmt.Sprintf("Score %d/100 (security %d/30, data %d/70)", s.Total, s.Security, s.Data)
}

// ruleFor returns the metadata of f's rule, or a rule synthesised from the
// finding when the report does not carry one.
func (r *Report) ruleFor(f Finding) Rule {
	if x, ok := r.RuleByID(f.Rule); ok {
		return x
	}
	return synthRule(f)
}

func synthRule(f Finding) Rule {
	title := f.Title
	if title == "" {
		title = humanize(f.Rule)
	}
	return Rule{
		ID:          f.Rule,
		Title:       title,
		Description: title + ".",
		Fix:         f.FixHint,
		Severity:    f.Severity,
		OWASP:       f.OWASP,
		CWE:         f.CWE,
	}
}

// humanize turns a rule id such as "data-string-no-maxlength" into
// "Data string no maxlength".
func humanize(id string) string {
	s := strings.TrimSpace(strings.NewReplacer("-", " ", "_", " ", ".", " ").Replace(id))
	if s == "" {
		return "Rule"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// title is the heading shown for a finding: its own title, the rule's, or
// one made from the rule id.
func (r *Report) title(f Finding) string {
	if f.Title != "" {
		return f.Title
	}
	if t := r.ruleFor(f).Title; t != "" {
		return t
	}
	return f.Rule
}

// maxOperations is how many affected operations text output lists before
// "and N more".
const maxOperations = 5

// operationTotal is how many operations f affects: Operations may hold only
// the first of them, with the whole count in OperationCount.
func (f Finding) operationTotal() int {
	return max(len(f.Operations), f.OperationCount)
}

// truncateOps splits f's operations into the first maxOperations and the
// number of the others, counted from the finding's total: the list itself
// may already be cut short, and "and 95 more" under a list of 100 of 873
// operations understated the reach by 773.
func truncateOps(f Finding) (shown []string, more int) {
	shown = f.Operations
	if len(shown) > maxOperations {
		shown = shown[:maxOperations]
	}
	return shown, f.operationTotal() - len(shown)
}

func joinOps(f Finding) string {
	shown, more := truncateOps(f)
	s := strings.Join(shown, ", ")
	if more > 0 {
		s += fmt.Sprintf(" and %d more", more)
	}
	return s
}

// isScan reports whether f carries the details of a scan test.
func (f Finding) isScan() bool {
	return f.Operation != "" || f.Test != "" || len(f.Exchanges) > 0
}

// RenderPatch renders a JSON Patch for people, one operation a line:
//
//	add /paths/~1pets/get/security = [{"bearerAuth":[]}]
//	remove /servers/1
func RenderPatch(ops []PatchOp) string {
	var b strings.Builder
	for i, op := range ops {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(op.Op)
		b.WriteByte(' ')
		if op.From != "" {
			b.WriteString(op.From)
			b.WriteString(" -> ")
		}
		b.WriteString(op.Path)
		if op.Value != nil {
			b.WriteString(" = ")
			b.WriteString(compactJSON(op.Value))
		}
	}
	return b.String()
}

// compactJSON renders v as one line of JSON, leaving <, > and & alone.
func compactJSON(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// owaspNames are the OWASP API Security Top 10 (2023) categories, used to
// spell out a bare "API1:2023" code.
var owaspNames = map[string]string{
	"API1:2023":  "Broken Object Level Authorization",
	"API2:2023":  "Broken Authentication",
	"API3:2023":  "Broken Object Property Level Authorization",
	"API4:2023":  "Unrestricted Resource Consumption",
	"API5:2023":  "Broken Function Level Authorization",
	"API6:2023":  "Unrestricted Access to Sensitive Business Flows",
	"API7:2023":  "Server Side Request Forgery",
	"API8:2023":  "Security Misconfiguration",
	"API9:2023":  "Improper Inventory Management",
	"API10:2023": "Unsafe Consumption of APIs",
}

// OWASPLabel returns the category with its name: "API2:2023" becomes
// "API2:2023 Broken Authentication"; anything else is returned unchanged.
func OWASPLabel(code string) string {
	if name, ok := owaspNames[strings.TrimSpace(code)]; ok {
		return strings.TrimSpace(code) + " " + name
	}
	return code
}

// sourceLines returns the lines of file from res.Source, or nil. The split
// is cached: a large definition can have thousands of findings, and
// splitting a 3 MB file for each one made writing quadratic.
func (res *SpecResult) sourceLines(file string) []string {
	if lines, ok := res.lines[file]; ok {
		return lines
	}
	src, ok := res.Source[file]
	if !ok {
		return nil
	}
	s := strings.ReplaceAll(string(src), "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	lines := strings.Split(s, "\n")
	if res.lines == nil {
		res.lines = map[string][]string{}
	}
	res.lines[file] = lines
	return lines
}

// maxExcerptRunes is the most of one source line a report quotes. A
// minified JSON definition is one line: quoting it whole for each finding
// made SARIF and HTML reports grow with findings times file size.
const maxExcerptRunes = 240

// lineRunes returns line n (1-based) of file as runes, converted once.
func (res *SpecResult) lineRunes(file string, n int) []rune {
	lines := res.sourceLines(file)
	if n < 1 || n > len(lines) {
		return nil
	}
	if res.runes == nil {
		res.runes = map[string]map[int][]rune{}
	}
	byLine := res.runes[file]
	if byLine == nil {
		byLine = map[int][]rune{}
		res.runes[file] = byLine
	}
	r, ok := byLine[n]
	if !ok {
		r = []rune(lines[n-1])
		byLine[n] = r
	}
	return r
}

// clipLine returns at most maxExcerptRunes of line starting at rune from,
// with an ellipsis when the rest of the line was cut.
func clipLine(line []rune, from int) string {
	from = max(0, min(from, len(line)))
	to := min(len(line), from+maxExcerptRunes)
	s := string(line[from:to])
	if to < len(line) {
		s += "…"
	}
	return s
}

// clipText shortens a line given as a string the same way, from its start.
func clipText(line string) string {
	if len(line) <= maxExcerptRunes {
		return line
	}
	return clipLine([]rune(line), 0)
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
