package report

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

//go:embed html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// The view model the HTML template renders; everything the template shows
// is computed here so the template stays declarative.
type htmlReport struct {
	Tool, Kind, Version string
	Results             []htmlResult
	Severities          []string
}

type htmlResult struct {
	ID           string
	Spec         string
	Title        string
	OpenAPI      string
	Profile      string
	Valid        bool
	Score        *htmlScore
	Counts       []htmlCount
	Total        int
	Summary      []htmlKV
	Groups       []htmlSeverityGroup
	Suppressed   []htmlFinding
	ManualChecks []string
}

type htmlScore struct {
	Total, Security, Data int
	SecurityPct, DataPct  int
	Dash, Circumference   string // SVG stroke-dasharray of the gauge
	Grade                 string // good, fair, poor
	Cap                   int    // the cap holding the total, 0 if none
	CappedBy              string // the severity that set it, if known
}

type htmlCount struct {
	Severity string
	N        int
}

type htmlKV struct{ Key, Value string }

type htmlSeverityGroup struct {
	Severity   string
	Findings   int
	Categories []htmlCategory
}

type htmlCategory struct {
	Name     string
	Findings []htmlFinding
}

type htmlFinding struct {
	Severity string
	Rule     string
	Title    string
	Message  string
	Location string // file:line:col, or file#pointer without a line
	Where    string // file:line:col, or file
	Pointer  string
	OWASP    string
	CWE      string
	Why      string
	FixHint  string
	Patch    string
	Ops      []string
	MoreOps  []string
	// MoreCount is how many operations are not in Ops; more than MoreOps
	// when the finding lists only the first of its operations.
	MoreCount  int
	Excerpt    []htmlLine
	Scan       bool
	Operation  string
	Test       string
	Expected   string
	Actual     string
	Exchanges  []htmlExchange
	Suppressed string
}

type htmlLine struct {
	N    int
	Text string
	Hit  bool
}

type htmlExchange struct {
	Label       string
	Request     string
	Response    string
	Status      int
	StatusClass string
	Curl        string
}

func writeHTML(w io.Writer, r *Report, _ Options) error {
	tool := r.Tool
	if tool == "" {
		tool = "rampart"
	}
	view := htmlReport{Tool: tool, Kind: r.Kind, Version: r.Version}
	for _, s := range severitiesDesc {
		view.Severities = append(view.Severities, s.String())
	}
	for i := range r.Results {
		view.Results = append(view.Results, htmlResultFrom(r, &r.Results[i], i))
	}
	return htmlTemplate.Execute(w, view)
}

func htmlResultFrom(r *Report, res *SpecResult, i int) htmlResult {
	out := htmlResult{
		ID:           "result-" + strconv.Itoa(i+1),
		Spec:         res.Spec,
		Title:        res.Title,
		OpenAPI:      res.OpenAPI,
		Profile:      res.Profile,
		Valid:        res.Valid,
		Total:        len(res.Findings),
		ManualChecks: res.ManualChecks,
	}
	if s := res.Score; s != nil {
		const radius = 42
		c := 2 * math.Pi * radius
		out.Score = &htmlScore{
			Total: s.Total, Security: s.Security, Data: s.Data,
			SecurityPct:   pct(s.Security, 30),
			DataPct:       pct(s.Data, 70),
			Dash:          strconv.FormatFloat(c*float64(pct(s.Total, 100))/100, 'f', 2, 64),
			Circumference: strconv.FormatFloat(c, 'f', 2, 64),
		}
		out.Score.Cap = s.Cap
		if s.CappedBy != nil {
			out.Score.CappedBy = s.CappedBy.String()
		}
		switch {
		case s.Total >= 80:
			out.Score.Grade = "good"
		case s.Total >= 50:
			out.Score.Grade = "fair"
		default:
			out.Score.Grade = "poor"
		}
	}
	counts := CountBySeverity(res.Findings)
	for _, s := range severitiesDesc {
		out.Counts = append(out.Counts, htmlCount{Severity: s.String(), N: counts[s]})
	}
	for _, k := range sortedKeys(res.Summary) {
		out.Summary = append(out.Summary, htmlKV{strings.ReplaceAll(k, "_", " "), strconv.Itoa(res.Summary[k])})
	}
	for _, s := range severitiesDesc {
		byCat := map[string][]htmlFinding{}
		n := 0
		for _, f := range res.Findings {
			if f.Severity != s {
				continue
			}
			cat := OWASPLabel(f.OWASP)
			if cat == "" {
				cat = "Other"
			}
			byCat[cat] = append(byCat[cat], htmlFindingFrom(r, res, f))
			n++
		}
		if n == 0 {
			continue
		}
		g := htmlSeverityGroup{Severity: s.String(), Findings: n}
		cats := sortedKeys(byCat)
		sort.SliceStable(cats, func(i, j int) bool { return owaspLess(cats[i], cats[j]) })
		for _, c := range cats {
			g.Categories = append(g.Categories, htmlCategory{Name: c, Findings: byCat[c]})
		}
		out.Groups = append(out.Groups, g)
	}
	for _, f := range res.Suppressed {
		out.Suppressed = append(out.Suppressed, htmlFindingFrom(r, res, f))
	}
	return out
}

// pct is v as a percentage of whole, clamped to 0..100.
func pct(v, whole int) int {
	return min(max(v*100/whole, 0), 100)
}

// owaspLess orders "API2:2023 …" before "API10:2023 …" and "Other" last.
func owaspLess(a, b string) bool {
	na, nb := owaspNumber(a), owaspNumber(b)
	if na != nb {
		return na < nb
	}
	return a < b
}

func owaspNumber(s string) int {
	if rest, ok := strings.CutPrefix(s, "API"); ok {
		end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if end > 0 {
			if n, err := strconv.Atoi(rest[:end]); err == nil {
				return n
			}
		}
	}
	return math.MaxInt
}

func htmlFindingFrom(r *Report, res *SpecResult, f Finding) htmlFinding {
	rule := r.ruleFor(f)
	h := htmlFinding{
		Severity:   f.Severity.String(),
		Rule:       f.Rule,
		Title:      r.title(f),
		Message:    f.Message,
		Location:   f.Location.String(),
		Where:      f.Location.File,
		Pointer:    f.Location.Pointer,
		OWASP:      OWASPLabel(f.OWASP),
		CWE:        f.CWE,
		Why:        rule.Why,
		FixHint:    f.FixHint,
		Scan:       f.isScan(),
		Operation:  f.Operation,
		Test:       f.Test,
		Expected:   f.Expected,
		Actual:     f.Actual,
		Suppressed: f.Suppressed,
	}
	if f.Location.Line > 0 {
		h.Where = f.Location.String()
	}
	if h.FixHint == "" {
		h.FixHint = rule.Fix
	}
	h.Ops, h.MoreCount = truncateOps(f)
	if len(f.Operations) > len(h.Ops) {
		h.MoreOps = f.Operations[len(h.Ops):]
	}
	if len(f.Patch) > 0 {
		if b, err := json.MarshalIndent(f.Patch, "", "  "); err == nil {
			h.Patch = string(b)
		} else {
			h.Patch = RenderPatch(f.Patch)
		}
	}
	// The excerpt quotes the lines with their secrets masked
	// (SpecResult.excerpt), as SARIF does: the lines around a finding can
	// hold the secrets of others.
	if e := res.excerpt(f.Location.File); e != nil && f.Location.Line > 0 && f.Location.Line <= len(e.lines) {
		lines := e.lines
		from := max(f.Location.Line-3, 1)
		to := min(f.Location.Line+3, len(lines))
		for n := from; n <= to; n++ {
			text := clipText(lines[n-1])
			if n == f.Location.Line && len(lines[n-1]) > maxExcerptRunes {
				// The part of a long line around the finding's column.
				start := max(e.column(n, f.Location.Column-1)-maxExcerptRunes/4, 0)
				text = clipLine(res.lineRunes(f.Location.File, n), start)
				if start > 0 {
					text = "…" + text
				}
			}
			h.Excerpt = append(h.Excerpt, htmlLine{N: n, Text: text, Hit: n == f.Location.Line})
		}
	}
	for _, ex := range f.Exchanges {
		he := htmlExchange{
			Label:   ex.Label,
			Request: httpText(ex.Method+" "+ex.URL, ex.Headers, ex.Body),
			Status:  ex.Status,
			Curl:    ex.Curl,
		}
		if ex.Status != 0 {
			he.Response = httpText(fmt.Sprintf("HTTP %d", ex.Status), ex.RespHead, ex.RespBody)
			he.StatusClass = fmt.Sprintf("s%dxx", ex.Status/100)
		}
		h.Exchanges = append(h.Exchanges, he)
	}
	return h
}

// httpText renders a request or response the way it looks on the wire.
func httpText(first string, headers map[string][]string, body string) string {
	var b strings.Builder
	b.WriteString(first)
	for _, k := range sortedKeys(headers) {
		for _, v := range headers[k] {
			b.WriteString("\n" + k + ": " + v)
		}
	}
	if body != "" {
		b.WriteString("\n\n" + body)
	}
	return b.String()
}
