package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ANSI SGR sequences used by the text writer when Options.Color is set.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiGreen   = "\x1b[32m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

var severityANSI = map[Severity]string{
	SeverityCritical: ansiBold + ansiMagenta,
	SeverityHigh:     ansiBold + ansiRed,
	SeverityMedium:   ansiYellow,
	SeverityLow:      ansiCyan,
	SeverityInfo:     ansiDim,
}

// textWriter accumulates the text report; the first write error sticks.
type textWriter struct {
	w     io.Writer
	color bool
	err   error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// paint wraps s in an SGR sequence when colour is on.
func (t *textWriter) paint(code, s string) string {
	if !t.color || code == "" || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) sev(s Severity, text string) string {
	return t.paint(severityANSI[s], text)
}

// Strings in the report come from the definition (titles, paths, values)
// or from findings built on it, and the text report goes to a terminal: a
// control character in them could move the cursor, retitle the window or
// clear the screen. escapeLine shows every control character (C0, DEL, C1)
// and any invalid UTF-8 byte as a Go-style escape such as \x1b; escapeBlock
// does the same but keeps the newlines and tabs of multi-line values. The
// writer's own colour codes are added after escaping.
func escapeLine(s string) string { return escapeControls(s, false) }

// EscapeLine is escapeLine for other writers to a terminal (the scan
// summary on standard error quotes what a target answered).
func EscapeLine(s string) string { return escapeLine(s) }

func escapeBlock(s string) string { return escapeControls(s, true) }

func escapeControls(s string, keepLayout bool) string {
	clean := true
	for _, r := range s {
		if isControl(r, keepLayout) || r == utf8.RuneError {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case isControl(r, keepLayout) && r < 0x100:
			fmt.Fprintf(&b, "\\x%02x", r)
		case isControl(r, keepLayout):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isControl reports C0 controls, DEL and C1 controls, and the Unicode
// line and paragraph separators and bidirectional overrides/isolates, which
// also change how a terminal lays text out.
func isControl(r rune, keepLayout bool) bool {
	switch {
	case keepLayout && (r == '\n' || r == '\t'):
		return false
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x2028, r == 0x2029, r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// indented prints a labelled, possibly multi-line value indented under a
// finding. Callers escape the value (escapeBlock) before colouring it.
func (t *textWriter) indented(label, value string) {
	if value == "" {
		return
	}
	pad := "    "
	lines := strings.Split(strings.TrimRight(value, "\n"), "\n")
	if label == "" {
		for _, l := range lines {
			t.printf("%s%s\n", pad, l)
		}
		return
	}
	t.printf("%s%s %s\n", pad, t.paint(ansiDim, label+":"), lines[0])
	cont := pad + strings.Repeat(" ", len(label)+2)
	for _, l := range lines[1:] {
		t.printf("%s%s\n", cont, l)
	}
}

func writeText(w io.Writer, r *Report, opts Options) error {
	t := &textWriter{w: w, color: opts.Color}
	tool := r.Tool
	if tool == "" {
		tool = "rampart"
	}
	head := strings.TrimSpace(escapeLine(tool) + " " + escapeLine(r.Kind))
	if r.Version != "" {
		head += " " + escapeLine(r.Version)
	}
	t.printf("%s\n", t.paint(ansiBold, head))
	if len(r.Results) == 0 {
		t.printf("\nNo definitions were checked.\n")
	}
	for i := range r.Results {
		t.result(r, &r.Results[i])
	}
	if len(r.Results) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "Summary"))
		for i := range r.Results {
			t.summary(&r.Results[i])
		}
	}
	return t.err
}

func (t *textWriter) result(r *Report, res *SpecResult) {
	t.printf("\n%s\n", t.paint(ansiBold, "== "+escapeLine(res.Spec)+" =="))
	var meta []string
	if res.Title != "" {
		meta = append(meta, escapeLine(res.Title))
	}
	if res.OpenAPI != "" {
		meta = append(meta, "OpenAPI "+escapeLine(res.OpenAPI))
	}
	if res.Profile != "" {
		meta = append(meta, "profile "+escapeLine(res.Profile))
	}
	if res.Valid {
		meta = append(meta, t.paint(ansiGreen, "valid"))
	} else {
		meta = append(meta, t.paint(ansiBold+ansiRed, "NOT VALID"))
	}
	t.printf("%s\n", strings.Join(meta, " | "))

	if len(res.Findings) == 0 {
		t.printf("\n%s\n", t.paint(ansiGreen, "No findings."))
	}
	for _, s := range severitiesDesc {
		var group []Finding
		for _, f := range res.Findings {
			if f.Severity == s {
				group = append(group, f)
			}
		}
		if len(group) == 0 {
			continue
		}
		t.printf("\n%s\n", t.sev(s, fmt.Sprintf("-- %s (%d) --", s, len(group))))
		for _, f := range group {
			t.finding(r, f)
		}
	}

	if len(res.Suppressed) > 0 {
		t.printf("\n%s\n", t.paint(ansiDim, fmt.Sprintf("-- suppressed (%d) --", len(res.Suppressed))))
		for _, f := range res.Suppressed {
			t.printf("%-8s  %s  %s\n", strings.ToLower(f.Severity.String()), escapeLine(f.Rule), escapeLocation(f.Location))
			t.indented("Reason", escapeBlock(f.Suppressed))
		}
	}
	if len(res.ManualChecks) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "Manual checks"))
		for _, m := range res.ManualChecks {
			t.printf("  - %s\n", escapeLine(m))
		}
	}
}

func (t *textWriter) finding(r *Report, f Finding) {
	t.printf("\n%s  %s  %s\n",
		t.sev(f.Severity, fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))),
		t.paint(ansiBold, escapeLine(f.Rule)), escapeLocation(f.Location))
	if title := r.title(f); title != f.Rule && title != f.Message {
		t.indented("", t.paint(ansiBold, escapeLine(title)))
	}
	t.indented("", escapeBlock(f.Message))
	owasp := OWASPLabel(f.OWASP)
	if f.CWE != "" {
		owasp = strings.TrimSpace(owasp + " (" + f.CWE + ")")
	}
	t.indented("OWASP", escapeBlock(owasp))
	if f.isScan() {
		t.indented("Operation", escapeBlock(f.Operation))
		t.indented("Test", escapeBlock(f.Test))
		t.indented("Expected", escapeBlock(f.Expected))
		t.indented("Actual", t.paint(ansiYellow, escapeBlock(f.Actual)))
	}
	if len(f.Operations) > 0 {
		t.indented("Operations", escapeBlock(joinOps(f)))
	}
	t.indented("Fix", t.paint(ansiGreen, escapeBlock(f.FixHint)))
	if len(f.Patch) > 0 {
		t.indented("Patch", escapeBlock(RenderPatch(f.Patch)))
	}
	for _, ex := range f.Exchanges {
		label := "Request"
		if ex.Label != "" {
			label = "Request (" + escapeLine(ex.Label) + ")"
		}
		line := escapeLine(ex.Method) + " " + escapeLine(ex.URL)
		if ex.Status != 0 {
			line += fmt.Sprintf(" -> %d", ex.Status)
		}
		t.indented(label, line)
		if ex.Curl != "" {
			t.indented("Reproduce", t.paint(ansiCyan, escapeBlock(ex.Curl)))
		}
	}
}

func (t *textWriter) summary(res *SpecResult) {
	line := fmt.Sprintf("%s: %s", escapeLine(res.Spec), CountBySeverity(res.Findings))
	extra := fmt.Sprintf("%d findings", len(res.Findings))
	if len(res.Findings) == 1 {
		extra = "1 finding"
	}
	if len(res.Suppressed) > 0 {
		extra += fmt.Sprintf(", %d suppressed", len(res.Suppressed))
	}
	line += " (" + extra + ")"
	if res.Score != nil {
		line += ". " + t.paint(ansiBold, escapeLine(res.Score.String()))
	}
	if len(res.Summary) > 0 {
		keys := sortedKeys(res.Summary)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", escapeLine(strings.ReplaceAll(k, "_", " ")), res.Summary[k])
		}
		line += ". " + strings.Join(parts, ", ")
	}
	t.printf("%s\n", line)
}

// escapeLocation renders a location with its file and pointer escaped.
func escapeLocation(l Location) string {
	l.File, l.Pointer = escapeLine(l.File), escapeLine(l.Pointer)
	return l.String()
}
