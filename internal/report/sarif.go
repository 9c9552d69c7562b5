package report

import (
	"encoding/json"
	"io"
	"maps"
	"net/url"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SARIF constants.
const (
	sarifSchemaURI     = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion       = "2.1.0"
	sarifInformation   = "https://github.com/rampart-sec/rampart"
	sarifSrcRoot       = "%SRCROOT%"
	sarifFingerprintID = "rampart/v1"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Artifacts          []sarifArtifact                  `json:"artifacts,omitempty"`
	Results            []sarifResult                    `json:"results"`
	ColumnKind         string                           `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool `json:"executionSuccessful"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifMultiformat struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifMultiformat  `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags             []string `json:"tags"`
	SecuritySeverity string   `json:"security-severity"`
	Precision        string   `json:"precision"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
	Index     *int   `json:"index,omitempty"`
}

type sarifArtifact struct {
	Location   sarifArtifactLocation `json:"location"`
	Roles      []string              `json:"roles,omitempty"`
	Properties map[string]any        `json:"properties,omitempty"`
}

type sarifRegion struct {
	StartLine   int        `json:"startLine"`
	StartColumn int        `json:"startColumn,omitempty"`
	EndLine     int        `json:"endLine,omitempty"`
	EndColumn   int        `json:"endColumn,omitempty"`
	Snippet     *sarifText `json:"snippet,omitempty"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
	ContextRegion    *sarifRegion          `json:"contextRegion,omitempty"`
}

type sarifLogicalLocation struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

type sarifWebRequest struct {
	Target  string            `json:"target"`
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    *sarifText        `json:"body,omitempty"`
}

type sarifWebResponse struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       *sarifText        `json:"body,omitempty"`
}

type sarifResultProperty struct {
	Severity string `json:"severity"`
	// SecuritySeverity is the finding's own score. GitHub code scanning
	// ranks alerts by the rule's (sarifRuleProperty); other consumers
	// can read it per result, where a rule's findings differ (request
	// and response sides, a profile raising some of them).
	SecuritySeverity string   `json:"security-severity"`
	OWASP            string   `json:"owasp,omitempty"`
	CWE              string   `json:"cwe,omitempty"`
	Operations       []string `json:"operations,omitempty"`
	// OperationCount is Finding.OperationCount: the whole number of
	// operations when Operations lists only the first of them.
	OperationCount int       `json:"operation_count,omitempty"`
	Operation      string    `json:"operation,omitempty"`
	Test           string    `json:"test,omitempty"`
	Expected       string    `json:"expected,omitempty"`
	Actual         string    `json:"actual,omitempty"`
	Curl           []string  `json:"curl,omitempty"`
	Patch          []PatchOp `json:"patch,omitempty"`
}

type sarifResult struct {
	RuleID              string              `json:"ruleId"`
	RuleIndex           int                 `json:"ruleIndex"`
	Level               string              `json:"level"`
	Message             sarifText           `json:"message"`
	Locations           []sarifLocation     `json:"locations,omitempty"`
	PartialFingerprints map[string]string   `json:"partialFingerprints"`
	WebRequest          *sarifWebRequest    `json:"webRequest,omitempty"`
	WebResponse         *sarifWebResponse   `json:"webResponse,omitempty"`
	Suppressions        []sarifSuppression  `json:"suppressions,omitempty"`
	Properties          sarifResultProperty `json:"properties"`
}

// sarifLevel maps a severity to a SARIF level.
func sarifLevel(s Severity) string {
	switch {
	case s >= SeverityHigh:
		return "error"
	case s == SeverityMedium:
		return "warning"
	default:
		return "note"
	}
}

// securitySeverity is the CVSS-like score code-scanning services use to
// rank security rules.
func securitySeverity(s Severity) string {
	switch s {
	case SeverityCritical:
		return "9.5"
	case SeverityHigh:
		return "7.5"
	case SeverityMedium:
		return "5.0"
	case SeverityLow:
		return "3.0"
	default:
		return "0.0"
	}
}

// pascalCase turns "sec-no-security" into "SecNoSecurity".
func pascalCase(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Rule"
	}
	return b.String()
}

// sarifURIs turns the file names of findings into artifact locations.
// Relative file names are relative to the current directory, like the
// paths a user passes on the command line.
type sarifURIs struct {
	base    string // absolute, cleaned BaseDir
	baseURI string // file:// URI of base, ending with "/"
}

func newSARIFURIs(baseDir string) sarifURIs {
	if baseDir == "" {
		baseDir = "."
	}
	abs, err := filepath.Abs(baseDir)
	if err != nil {
		abs = filepath.Clean(baseDir)
	}
	u := fileURI(abs)
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	return sarifURIs{base: abs, baseURI: u}
}

// fileURI renders an absolute path as a file:// URI.
func fileURI(abs string) string {
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows drive letter
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// location returns the artifact location of file: relative to %SRCROOT%
// when file is inside BaseDir, an absolute file:// URI otherwise, and
// unchanged when it already is a URL.
func (s sarifURIs) location(file string) sarifArtifactLocation {
	if strings.Contains(file, "://") {
		return sarifArtifactLocation{URI: file}
	}
	abs := file
	if !filepath.IsAbs(abs) {
		if a, err := filepath.Abs(file); err == nil {
			abs = a
		}
	}
	rel, err := filepath.Rel(s.base, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return sarifArtifactLocation{URI: fileURI(abs)}
	}
	return sarifArtifactLocation{URI: (&url.URL{Path: filepath.ToSlash(rel)}).String(), URIBaseID: sarifSrcRoot}
}

// sarifRuleFrom renders rule metadata as a SARIF reportingDescriptor.
func sarifRuleFrom(x Rule) sarifRule {
	short := x.Title
	if short == "" {
		short = x.ID
	}
	full := x.Description
	if full == "" {
		full = short
	}
	why := x.Why
	if why == "" {
		why = full
	}
	text := why
	md := "**Why it matters.** " + why
	if x.Fix != "" {
		text += "\n\nHow to fix: " + x.Fix
		md += "\n\n**How to fix.** " + x.Fix
	}
	var refs []string
	if x.OWASP != "" {
		refs = append(refs, "OWASP "+OWASPLabel(x.OWASP))
	}
	if x.CWE != "" {
		refs = append(refs, x.CWE)
	}
	if len(refs) > 0 {
		text += "\n\nReferences: " + strings.Join(refs, "; ")
		md += "\n\n**References.** " + strings.Join(refs, "; ")
	}
	var tags []string
	if x.OWASP != "" {
		tags = append(tags, x.OWASP)
	}
	if x.Family != "" {
		tags = append(tags, x.Family)
	}
	if cwe := strings.TrimPrefix(strings.ToUpper(x.CWE), "CWE-"); cwe != "" && cwe != strings.ToUpper(x.CWE) {
		tags = append(tags, "external/cwe/cwe-"+cwe)
	}
	tags = append(tags, "security")
	tags = dedupe(tags)
	return sarifRule{
		ID:                   x.ID,
		Name:                 pascalCase(x.ID),
		ShortDescription:     sarifText{short},
		FullDescription:      sarifText{full},
		Help:                 sarifMultiformat{Text: text, Markdown: md},
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(x.Severity)},
		Properties: sarifRuleProperty{
			Tags:             tags,
			SecuritySeverity: securitySeverity(x.Severity),
			Precision:        "high",
		},
	}
}

// sarifSnippets returns, when the source of the file is known, the text of
// the finding's region (from its column to the end of the line, which is
// what a region without end position covers) and a context region of up to
// three lines either side.
//
// Both are clipped to maxExcerptRunes a line, so that a one-line (minified)
// definition is not quoted whole in every result, and both quote the lines
// with their secrets masked (SpecResult.excerpt): a code-scanning upload
// shows them to everyone who can read the repository's alerts, and the
// context of one finding can hold the secret of another.
func sarifSnippets(res *SpecResult, loc Location) (*sarifText, *sarifRegion) {
	e := res.excerpt(loc.File)
	if e == nil || loc.Line < 1 || loc.Line > len(e.lines) {
		return nil, nil
	}
	col := max(loc.Column, 1)
	if col > utf8.RuneCountInString(res.sourceLines(loc.File)[loc.Line-1])+1 {
		return nil, nil
	}
	// The region starts at the column as written; masks before it on the
	// line shift it in the quoted line.
	snippet := &sarifText{clipLine(res.lineRunes(loc.File, loc.Line), e.column(loc.Line, col-1))}
	from, to := max(loc.Line-3, 1), min(loc.Line+3, len(e.lines))
	if from == to {
		return snippet, nil // the context would be no larger than the region
	}
	ctxLines := make([]string, 0, to-from+1)
	for _, l := range e.lines[from-1 : to] {
		ctxLines = append(ctxLines, clipText(l))
	}
	ctx := &sarifRegion{
		StartLine: from,
		EndLine:   to,
		Snippet:   &sarifText{strings.Join(ctxLines, "\n")},
	}
	return snippet, ctx
}

// flatHeaders joins multi-valued headers with ", " for SARIF, whose
// headers are a string-to-string map.
func flatHeaders(h map[string][]string) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[k] = strings.Join(v, ", ")
	}
	return out
}

func writeSARIF(w io.Writer, r *Report, opts Options) error {
	uris := newSARIFURIs(opts.BaseDir)

	// Artifacts: every spec and every file a finding points into, in order
	// of first appearance.
	var artifacts []sarifArtifact
	artifactIndex := map[string]int{}
	addArtifact := func(file string) {
		if _, ok := artifactIndex[file]; ok || file == "" {
			return
		}
		artifactIndex[file] = len(artifacts)
		artifacts = append(artifacts, sarifArtifact{Location: uris.location(file)})
	}
	for i := range r.Results {
		res := &r.Results[i]
		addArtifact(res.Spec)
		if idx, ok := artifactIndex[res.Spec]; ok {
			a := &artifacts[idx]
			a.Roles = []string{"analysisTarget"}
			a.Properties = map[string]any{"openapi": res.OpenAPI, "valid": res.Valid}
			if res.Title != "" {
				a.Properties["title"] = res.Title
			}
			if res.Score != nil {
				a.Properties["score"] = res.Score
			}
		}
		for _, f := range res.Findings {
			addArtifact(f.Location.File)
		}
		for _, f := range res.Suppressed {
			addArtifact(f.Location.File)
		}
	}
	artLoc := func(file string) sarifArtifactLocation {
		loc := uris.location(file)
		if idx, ok := artifactIndex[file]; ok {
			loc.Index = &idx
		}
		return loc
	}

	// Rules: those of Report.Rules that results use, in catalogue order,
	// then one synthesised rule per unknown id, in order of appearance.
	used := map[string]Finding{}
	var order []string
	for i := range r.Results {
		for _, fs := range [][]Finding{r.Results[i].Findings, r.Results[i].Suppressed} {
			for _, f := range fs {
				if _, ok := used[f.Rule]; !ok {
					used[f.Rule] = f
					order = append(order, f.Rule)
				}
			}
		}
	}
	// A rule's severity in the run is the worst of its findings, not the
	// catalogue's default: GitHub code scanning ranks every alert of a
	// rule by the rule's security-severity alone, so a sec-op-no-security
	// that --profile financial-rw makes critical showed as Medium, and a
	// finding raised to high by the profile as Low. Suppressed findings
	// count only for a rule that has no other.
	worst := map[string]Severity{}
	note := func(fs []Finding, skip map[string]Severity) {
		for _, f := range fs {
			if _, ok := skip[f.Rule]; ok {
				continue
			}
			if w, ok := worst[f.Rule]; !ok || f.Severity > w {
				worst[f.Rule] = f.Severity
			}
		}
	}
	for i := range r.Results {
		note(r.Results[i].Findings, nil)
	}
	active := maps.Clone(worst)
	for i := range r.Results {
		note(r.Results[i].Suppressed, active)
	}
	inRun := func(x Rule) Rule {
		if w, ok := worst[x.ID]; ok {
			x.Severity = w
		}
		return x
	}
	var rules []sarifRule
	ruleIndex := map[string]int{}
	for _, x := range r.Rules {
		if _, ok := used[x.ID]; !ok {
			continue
		}
		if _, dup := ruleIndex[x.ID]; dup {
			continue
		}
		ruleIndex[x.ID] = len(rules)
		rules = append(rules, sarifRuleFrom(inRun(x)))
	}
	for _, id := range order {
		if _, ok := ruleIndex[id]; !ok {
			ruleIndex[id] = len(rules)
			rules = append(rules, sarifRuleFrom(inRun(synthRule(used[id]))))
		}
	}

	result := func(res *SpecResult, f Finding, suppressed bool) sarifResult {
		if f.Fingerprint == "" {
			f.ComputeFingerprint()
		}
		sr := sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           ruleIndex[f.Rule],
			Level:               sarifLevel(f.Severity),
			Message:             sarifText{f.Message},
			PartialFingerprints: map[string]string{sarifFingerprintID: f.Fingerprint},
			Properties: sarifResultProperty{
				Severity:         f.Severity.String(),
				SecuritySeverity: securitySeverity(f.Severity),
				OWASP:            f.OWASP,
				CWE:              f.CWE,
				Operations:       f.Operations,
				OperationCount:   f.OperationCount,
				Operation:        f.Operation,
				Test:             f.Test,
				Expected:         f.Expected,
				Actual:           f.Actual,
				Patch:            f.Patch,
			},
		}
		if sr.Message.Text == "" {
			sr.Message.Text = r.title(f)
		}
		var loc sarifLocation
		if f.Location.File != "" {
			pl := &sarifPhysicalLocation{ArtifactLocation: artLoc(f.Location.File)}
			if f.Location.Line > 0 {
				pl.Region = &sarifRegion{StartLine: f.Location.Line, StartColumn: f.Location.Column}
				pl.Region.Snippet, pl.ContextRegion = sarifSnippets(res, f.Location)
			}
			loc.PhysicalLocation = pl
		}
		if f.Location.Pointer != "" {
			loc.LogicalLocations = []sarifLogicalLocation{{FullyQualifiedName: f.Location.Pointer}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			sr.Locations = []sarifLocation{loc}
		}
		for _, ex := range f.Exchanges {
			if ex.Curl != "" {
				sr.Properties.Curl = append(sr.Properties.Curl, ex.Curl)
			}
		}
		if len(f.Exchanges) > 0 {
			ex := f.Exchanges[0]
			sr.WebRequest = &sarifWebRequest{Target: ex.URL, Method: ex.Method, Headers: flatHeaders(ex.Headers)}
			if ex.Body != "" {
				sr.WebRequest.Body = &sarifText{ex.Body}
			}
			if ex.Status != 0 {
				sr.WebResponse = &sarifWebResponse{StatusCode: ex.Status, Headers: flatHeaders(ex.RespHead)}
				if ex.RespBody != "" {
					sr.WebResponse.Body = &sarifText{ex.RespBody}
				}
			}
		}
		// The suggested JSON Patch travels in properties.patch only. SARIF
		// fixes (§3.55) replace text regions with literal text; a JSON Patch
		// is not that, and a viewer's "apply fix" would write it into the
		// file.
		if suppressed {
			sr.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: f.Suppressed}}
		}
		return sr
	}

	results := []sarifResult{}
	for i := range r.Results {
		res := &r.Results[i]
		for _, f := range res.Findings {
			results = append(results, result(res, f, false))
		}
		for _, f := range res.Suppressed {
			results = append(results, result(res, f, true))
		}
	}
	if rules == nil {
		rules = []sarifRule{}
	}

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "rampart",
			Version:        r.Version,
			InformationURI: sarifInformation,
			Rules:          rules,
		}},
		Invocations:        []sarifInvocation{{ExecutionSuccessful: true}},
		OriginalURIBaseIDs: map[string]sarifArtifactLocation{sarifSrcRoot: {URI: uris.baseURI}},
		Artifacts:          artifacts,
		Results:            results,
		ColumnKind:         "unicodeCodePoints",
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchemaURI, Version: sarifVersion, Runs: []sarifRun{run}})
}

// dedupe drops repeated strings, keeping the first of each.
func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
