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
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/sensitive"
)

// Options tune the writers.
type Options struct {
	// Color enables ANSI colours in the text format.
	Color bool
	// BaseDir is the source root SARIF artifact URIs are made relative to
	// (uriBaseId %SRCROOT%). Empty means the current directory.
	BaseDir string
	// FailOn is the severity from which a finding fails the run (the
	// command's --fail-on). JUnit reports a rule whose findings are all
	// below it as a passing test case (its findings in system-out), so a
	// CI dashboard does not show red tests for a job that passed. Nil:
	// every rule with findings is a failing test case.
	FailOn *Severity
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
		if err := x.write(&buf, outputView(r, name != "sarif"), opts); err != nil {
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
	switch {
	case s.Cap > 0 && s.CappedBy != nil:
		return fmt.Sprintf("Score %d/100 (security %d/30, data %d/70; capped at %d while a %s finding remains)", s.Total, s.Security, s.Data, s.Cap, *s.CappedBy)
	case s.Cap > 0:
		return fmt.Sprintf("Score %d/100 (security %d/30, data %d/70; capped at %d)", s.Total, s.Security, s.Data, s.Cap)
	}
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

// redactedMark replaces a secret in what a report quotes, as the scanner
// marks the secrets it leaves out of its evidence.
const redactedMark = "<redacted>"

// outputView returns r as the writers show it, sharing what needs no
// change (r itself when nothing does):
//
//   - credentials in a well-known format (sensitive.CredentialSpans) are
//     masked in every finding's message: an audit message may quote a
//     value of the definition, a scan message a value of an answer, and
//     a report is uploaded, attached and kept where the definition is
//     not;
//   - with files true, the files findings point into are named as the
//     root definition is (filesLikeSpec), with Source keyed the same way.
//     SARIF names files by URI, the same either way, and computes the
//     missing fingerprints from the names as found, so it keeps them.
//
// Fingerprints are never recomputed here: baselines match them.
func outputView(r *Report, files bool) *Report {
	var wd string
	if files {
		var err error
		if wd, err = os.Getwd(); err != nil {
			files = false
		}
	}
	var out *Report
	for i := range r.Results {
		res := &r.Results[i]
		rename := func(file string) string {
			if !files {
				return file
			}
			return fileLikeSpec(res.Spec, file, wd)
		}
		changed := false
		for _, fs := range [][]Finding{res.Findings, res.Suppressed} {
			for _, f := range fs {
				if rename(f.Location.File) != f.Location.File || sensitive.LooksLikeCredential(f.Message) {
					changed = true
				}
			}
		}
		if !changed {
			continue
		}
		if out == nil {
			out = new(Report)
			*out = *r
			out.Results = slices.Clone(r.Results)
		}
		nr := &out.Results[i]
		// The caches are keyed by the names as found.
		nr.lines, nr.shown, nr.runes = nil, nil, nil
		view := func(fs []Finding) []Finding {
			if fs == nil {
				return nil
			}
			out := slices.Clone(fs)
			for k := range out {
				out[k].Location.File = rename(out[k].Location.File)
				out[k].Message = sensitive.RedactCredentials(out[k].Message, redactedMark)
			}
			return out
		}
		nr.Findings, nr.Suppressed = view(res.Findings), view(res.Suppressed)
		if res.Source != nil {
			nr.Source = make(map[string][]byte, len(res.Source))
			for k, v := range res.Source {
				nr.Source[rename(k)] = v
			}
		}
	}
	if out == nil {
		return r
	}
	return out
}

// fileLikeSpec names file, a file of the definition whose root is spec,
// the way spec is named: absolute when spec is, relative to the working
// directory wd when spec is relative. The loader names the files a $ref
// reaches relative to the working directory (../shared/Pet.json) beside
// an absolute root, and a report mixing the two reads as two trees. URLs,
// and paths that cannot be made relative (another drive), are kept.
func fileLikeSpec(spec, file, wd string) string {
	if file == "" || file == spec || strings.Contains(file, "://") || strings.Contains(spec, "://") {
		return file
	}
	switch specAbs, fileAbs := filepath.IsAbs(spec), filepath.IsAbs(file); {
	case specAbs && !fileAbs:
		return filepath.Join(wd, file)
	case !specAbs && fileAbs:
		if rel, err := filepath.Rel(wd, file); err == nil {
			return rel
		}
	}
	return file
}

// maxExcerptRunes is the most of one source line a report quotes. A
// minified JSON definition is one line: quoting it whole for each finding
// made SARIF and HTML reports grow with findings times file size.
const maxExcerptRunes = 240

// excerptFile is a file as reports quote it: every line the SARIF and
// HTML writers show goes through one sensitive.SourceRedactor, run once
// over the whole file, since whether a value is a secret can depend on
// lines above it (the example of a property named password).
type excerptFile struct {
	lines []string      // the lines, secrets masked
	cuts  map[int][]cut // by line (1-based), where masks replaced text
}

// cut is one mask in a line, in runes: at is where it starts in the line
// as written, n how many runes it replaced, m how many the mark has.
type cut struct{ at, n, m int }

// excerpt returns file as reports quote it, or nil when its source is not
// known. It is computed once per file.
func (res *SpecResult) excerpt(file string) *excerptFile {
	if e, ok := res.shown[file]; ok {
		return e
	}
	lines := res.sourceLines(file)
	if lines == nil {
		return nil
	}
	e := &excerptFile{lines: lines}
	red := sensitive.NewSourceRedactor()
	markRunes := utf8.RuneCountInString(redactedMark)
	for i, l := range lines {
		spans := red.Spans(l)
		if len(spans) == 0 {
			continue
		}
		if e.cuts == nil {
			e.lines = slices.Clone(lines)
			e.cuts = map[int][]cut{}
		}
		e.lines[i] = sensitive.ApplySpans(l, spans, redactedMark)
		for _, sp := range spans {
			e.cuts[i+1] = append(e.cuts[i+1], cut{
				at: utf8.RuneCountInString(l[:sp.Start]),
				n:  utf8.RuneCountInString(l[sp.Start:sp.End]),
				m:  markRunes,
			})
		}
	}
	if res.shown == nil {
		res.shown = map[string]*excerptFile{}
	}
	res.shown[file] = e
	return e
}

// column maps x, a 0-based rune offset in line n as written, to the same
// place in the line as quoted; an offset inside a masked value maps to
// the start of its mark.
func (e *excerptFile) column(n, x int) int {
	shift := 0
	for _, c := range e.cuts[n] {
		switch {
		case x >= c.at+c.n:
			shift += c.m - c.n
		case x > c.at:
			return c.at + shift
		}
	}
	return x + shift
}

// lineRunes returns line n (1-based) of file as reports quote it (secrets
// masked), as runes, converted once.
func (res *SpecResult) lineRunes(file string, n int) []rune {
	e := res.excerpt(file)
	if e == nil || n < 1 || n > len(e.lines) {
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
		r = []rune(e.lines[n-1])
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
