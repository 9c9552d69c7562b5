package report

import (
	"fmt"
	"io"
	"strings"
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

// indented prints a labelled, possibly multi-line value indented under a
// finding.
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
	head := strings.TrimSpace(tool + " " + r.Kind)
	if r.Version != "" {
		head += " " + r.Version
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
	t.printf("\n%s\n", t.paint(ansiBold, "== "+res.Spec+" =="))
	var meta []string
	if res.Title != "" {
		meta = append(meta, res.Title)
	}
	if res.OpenAPI != "" {
		meta = append(meta, "OpenAPI "+res.OpenAPI)
	}
	if res.Profile != "" {
		meta = append(meta, "profile "+res.Profile)
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
			t.printf("%-8s  %s  %s\n", strings.ToLower(f.Severity.String()), f.Rule, f.Location)
			t.indented("Reason", f.Suppressed)
		}
	}
	if len(res.ManualChecks) > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "Manual checks"))
		for _, m := range res.ManualChecks {
			t.printf("  - %s\n", m)
		}
	}
}

func (t *textWriter) finding(r *Report, f Finding) {
	t.printf("\n%s  %s  %s\n",
		t.sev(f.Severity, fmt.Sprintf("%-8s", strings.ToUpper(f.Severity.String()))),
		t.paint(ansiBold, f.Rule), f.Location)
	if title := r.title(f); title != f.Rule && title != f.Message {
		t.indented("", t.paint(ansiBold, title))
	}
	t.indented("", f.Message)
	owasp := OWASPLabel(f.OWASP)
	if f.CWE != "" {
		owasp = strings.TrimSpace(owasp + " (" + f.CWE + ")")
	}
	t.indented("OWASP", owasp)
	if f.isScan() {
		t.indented("Operation", f.Operation)
		t.indented("Test", f.Test)
		t.indented("Expected", f.Expected)
		t.indented("Actual", t.paint(ansiYellow, f.Actual))
	}
	if len(f.Operations) > 0 {
		t.indented("Operations", joinOps(f.Operations))
	}
	t.indented("Fix", t.paint(ansiGreen, f.FixHint))
	if len(f.Patch) > 0 {
		t.indented("Patch", RenderPatch(f.Patch))
	}
	for _, ex := range f.Exchanges {
		label := "Request"
		if ex.Label != "" {
			label = "Request (" + ex.Label + ")"
		}
		line := ex.Method + " " + ex.URL
		if ex.Status != 0 {
			line += fmt.Sprintf(" -> %d", ex.Status)
		}
		t.indented(label, line)
		if ex.Curl != "" {
			t.indented("Reproduce", t.paint(ansiCyan, ex.Curl))
		}
	}
}

func (t *textWriter) summary(res *SpecResult) {
	line := fmt.Sprintf("%s: %s", res.Spec, CountBySeverity(res.Findings))
	extra := fmt.Sprintf("%d findings", len(res.Findings))
	if len(res.Findings) == 1 {
		extra = "1 finding"
	}
	if len(res.Suppressed) > 0 {
		extra += fmt.Sprintf(", %d suppressed", len(res.Suppressed))
	}
	line += " (" + extra + ")"
	if res.Score != nil {
		line += ". " + t.paint(ansiBold, res.Score.String())
	}
	if len(res.Summary) > 0 {
		keys := sortedKeys(res.Summary)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), res.Summary[k])
		}
		line += ". " + strings.Join(parts, ", ")
	}
	t.printf("%s\n", line)
}
