package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

func severityOf(res *report.SpecResult, rule string) (report.Severity, bool) {
	fs := findingsOf(res, rule)
	if len(fs) == 0 {
		return 0, false
	}
	return fs[0].Severity, true
}

func TestProfiles(t *testing.T) {
	d := base()
	set(d, "/paths/~1pets~1{petId}/get", j(`{"security":[],"responses":{"200":{"description":"ok"}}}`))
	set(d, "/security", nil)
	set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"header","name":"X-Key"}`))
	set(d, pet+"/properties/name/maxLength", nil)
	set(d, pet+"/properties/name/pattern", "^[a-z]+$")
	text, _ := json.Marshal(d)
	cases := []struct {
		profile string
		rule    string
		present bool
		sev     report.Severity
	}{
		{"default", "sec-op-no-security", true, medium},
		{"public-read", "sec-op-no-security", false, 0},
		{"public-read", "sec-write-no-security", true, high},
		{"sensitive", "sec-write-no-security", true, critical},
		{"sensitive", "data-string-no-maxlength", true, high},
		{"financial-rw", "sec-write-no-security", true, critical},
		{"financial-rw", "data-string-no-maxlength", true, high},
		{"financial-rw", "fapi-apikey", true, high},
		{"financial-rw", "fapi-no-mtls", true, high},
		{"default", "fapi-apikey", false, 0},
		{"default", "fapi-no-mtls", false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.profile+"/"+tc.rule, func(t *testing.T) {
			res := auditText(t, string(text), Options{Profile: tc.profile})
			sev, ok := severityOf(res, tc.rule)
			if ok != tc.present {
				t.Fatalf("present %v, want %v", ok, tc.present)
			}
			if ok && sev != tc.sev {
				t.Errorf("severity %s, want %s", sev, tc.sev)
			}
			if res.Profile != tc.profile {
				t.Errorf("profile %q", res.Profile)
			}
		})
	}
	res := auditText(t, string(text), Options{Profile: "financial-rw"})
	joined := strings.Join(res.ManualChecks, "\n")
	if !strings.Contains(joined, "PKCE") || !strings.Contains(joined, "DPoP") {
		t.Errorf("financial-rw manual checks miss PKCE/DPoP: %v", res.ManualChecks)
	}
	// FAPI flows: only authorization code.
	set(d, "/components/securitySchemes/oauth/flows/clientCredentials", j(`{"tokenUrl":"https://a.example.com/t","scopes":{}}`))
	text, _ = json.Marshal(d)
	res = auditText(t, string(text), Options{Profile: "financial-rw"})
	if !hasFindingAt(res, "fapi-oauth-flow", "/flows/clientCredentials") {
		t.Errorf("client credentials flow not reported under financial-rw")
	}
	// public-read: a read made public with security: [] against a global
	// requirement is intended; a write made public that way is not.
	pr := base()
	set(pr, "/paths/~1pets~1{petId}/get", j(`{"parameters":[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}}],"security":[],"responses":{"200":{"description":"ok"}}}`))
	set(pr, op+"/security", []any{})
	text, _ = json.Marshal(pr)
	res = auditText(t, string(text), Options{Profile: "public-read"})
	if f := findingsOf(res, "sec-empty-override"); len(f) != 0 {
		t.Errorf("public-read reports the intended anonymous read at %s", f[0].Location.Pointer)
	}
	if sev, ok := severityOf(res, "sec-write-no-security"); !ok || sev != high || !hasFindingAt(res, "sec-write-no-security", op+"/security") {
		t.Errorf("public-read: anonymous write through security: [] not reported as high sec-write-no-security")
	}
	if _, err := ProfileByName("nope"); err == nil {
		t.Errorf("unknown profile accepted")
	}
}

func TestConfig(t *testing.T) {
	good := `
profile: sensitive
min-score: 60
fail-on: high
rules:
  data-string-no-pattern: off
  resp-missing-429: { severity: medium }
  sec-bearer-no-format: info
exclude:
  - /internal/**
`
	cfg, err := ParseConfig([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := cfg.FailOnSeverity(); !ok || s != high || *cfg.MinScore != 60 {
		t.Errorf("thresholds not read: %+v", cfg)
	}
	bad := map[string]string{
		"unknown key":      "rulez: {}",
		"unknown rule":     "rules: {no-such-rule: off}",
		"bad severity":     "rules: {resp-missing-429: severe}",
		"bad long form":    "rules: {resp-missing-429: {sevrity: low}}",
		"bad profile":      "profile: paranoid",
		"bad fail-on":      "fail-on: urgent",
		"bad score":        "min-score: 101",
		"decimal score":    "min-score: 81.9",
		"decimal in audit": "audit:\n  min-score: 90.5",
		"string score":     "min-score: high",
		"bad glob":         "exclude: ['/a/[b']",
		"not a mapping":    "- a\n- b",
		"invalid yaml":     "rules: [",
		"audit section ok": "",
	}
	for name, text := range bad {
		_, err := ParseConfig([]byte(text))
		if name == "audit section ok" {
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted %q", name, text)
		}
	}
	if _, err := ParseConfig([]byte("audit:\n  fail-on: low\nscan:\n  anything: 1\n")); err != nil {
		t.Errorf("audit section form: %v", err)
	}
	// Beside an audit section, an audit setting at the top level would be
	// ignored: refused, with its line.
	if _, err := ParseConfig([]byte("audit:\n  profile: default\nmin-score: 99\n")); err == nil || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("min-score outside the audit section: %v", err)
	}
	if _, err := ParseConfig([]byte("audit:\n  fail-on: low\naudit:\n  fail-on: high\n")); err == nil {
		t.Error("a second audit section was accepted")
	}
	if cfg, err := ParseConfig([]byte("# settings\naudit:\n")); err != nil || cfg.MinScore != nil {
		t.Errorf("an empty audit section: %v", err)
	}

	d := base()
	set(d, pet+"/properties/name/pattern", nil)
	set(d, op+"/responses/429", nil)
	set(d, "/paths/~1internal~1stats", j(`{"get":{"security":[],"responses":{"200":{"description":"ok"}}}}`))
	text, _ := json.Marshal(d)
	res := auditText(t, string(text), Options{Config: cfg})
	if len(findingsOf(res, "data-string-no-pattern")) != 0 {
		t.Errorf("rule switched off by config still reported")
	}
	if s, _ := severityOf(res, "resp-missing-429"); s != medium {
		t.Errorf("config severity override: %s", s)
	}
	for _, f := range res.Findings {
		for _, o := range f.Operations {
			if strings.Contains(o, "/internal/") {
				t.Errorf("excluded operation listed in %s", f.Rule)
			}
		}
	}
	if res.Profile != "sensitive" {
		t.Errorf("config profile not applied: %s", res.Profile)
	}
}

func TestInlineIgnore(t *testing.T) {
	d := base()
	set(d, pet+"/properties/name/maxLength", nil)
	set(d, pet+"/properties/name/pattern", "^[a-z]+$")
	set(d, pet+"/x-rampart-ignore", j(`{"data-string-no-maxlength":"names are bounded by the database column"}`))
	set(d, op+"/responses/429", nil)
	set(d, op+"/x-rampart-ignore", j(`[{"rule":"resp-missing-429","reason":"rate limited at the edge"},{"rule":"resp-missing-404"}]`))
	text, _ := json.Marshal(d)
	res := auditText(t, string(text), Options{})
	if len(findingsOf(res, "data-string-no-maxlength")) != 0 || len(findingsOf(res, "resp-missing-429")) != 0 {
		t.Fatalf("suppressed findings still reported")
	}
	reasons := map[string]string{}
	for _, f := range res.Suppressed {
		reasons[f.Rule] = f.Suppressed
	}
	if reasons["data-string-no-maxlength"] == "" || reasons["resp-missing-429"] != "rate limited at the edge" {
		t.Errorf("suppressions not listed with reasons: %v", reasons)
	}
	if len(findingsOf(res, "audit-ignore-invalid")) != 1 {
		t.Errorf("entry without reason not reported")
	}
	// Suppressed findings do not cost points.
	if res.Score.Data != 70 {
		t.Errorf("data score %d, want 70", res.Score.Data)
	}
}

func TestBaseline(t *testing.T) {
	d := base()
	set(d, pet+"/properties/name/maxLength", nil)
	set(d, pet+"/properties/name/pattern", "^[a-z]+$")
	text, _ := json.Marshal(d)
	dir := t.TempDir()
	path := filepath.Join(dir, "api.json")
	os.WriteFile(path, text, 0o644)
	old := auditFile(t, path, Options{})
	var buf strings.Builder
	if err := report.Write(&buf, "json", &report.Report{Kind: "audit", Results: []report.SpecResult{*old}}, report.Options{}); err != nil {
		t.Fatal(err)
	}
	bpath := filepath.Join(dir, "baseline.json")
	os.WriteFile(bpath, []byte(buf.String()), 0o644)
	b, err := LoadBaseline(bpath)
	if err != nil {
		t.Fatal(err)
	}
	// Same definition, lines shifted: nothing is new.
	shifted, _ := json.MarshalIndent(d, "", "    ")
	os.WriteFile(path, shifted, 0o644)
	same := auditFile(t, path, Options{})
	if n := b.New(same); len(n) != 0 {
		t.Fatalf("%d findings new after reformatting: %v", len(n), n[0].Rule)
	}
	// A new weakness is new.
	set(d, "/security", nil)
	text, _ = json.Marshal(d)
	os.WriteFile(path, text, 0o644)
	changed := auditFile(t, path, Options{})
	var rules []string
	for _, f := range b.New(changed) {
		rules = append(rules, f.Rule)
	}
	// Without the global requirement the operation is open and the scope
	// is no longer used: exactly those two are new.
	if strings.Join(rules, ",") != "sec-write-no-security,sec-scope-unused" {
		t.Fatalf("new findings %v", rules)
	}
	if _, err := LoadBaseline(filepath.Join(dir, "missing.json")); err == nil {
		t.Errorf("missing baseline accepted")
	}
	os.WriteFile(bpath, []byte("{not json"), 0o644)
	if _, err := LoadBaseline(bpath); err == nil {
		t.Errorf("malformed baseline accepted")
	}
}

func TestScore(t *testing.T) {
	f := func(rule string, s report.Severity, n int) []report.Finding {
		var out []report.Finding
		for i := 0; i < n; i++ {
			out = append(out, report.Finding{Rule: rule, Severity: s})
		}
		return out
	}
	ptr := func(s report.Severity) *report.Severity { return &s }
	cases := []struct {
		name     string
		findings []report.Finding
		want     report.Score
	}{
		{"clean", nil, report.Score{Total: 100, Security: 30, Data: 70}},
		// A critical finding caps the total at 40 whatever the points.
		{"one critical security", f("sec-no-security", critical, 1), report.Score{Total: 40, Security: 20, Data: 70, Cap: 40, CappedBy: ptr(report.Severity(critical))}},
		// 1000 medium data findings of one rule cost at most 12% of 70.
		{"capped per rule", f("data-string-no-maxlength", medium, 1000), report.Score{Total: 92, Security: 30, Data: 62}},
		{"info is free", f("sec-scope-unused", info, 50), report.Score{Total: 100, Security: 30, Data: 70}},
		{"unscored rule", f("struct-warning", high, 5), report.Score{Total: 100, Security: 30, Data: 70}},
		{"floor at zero", append(f("sec-no-security", critical, 3), f("sec-http-basic", critical, 3)...), report.Score{Total: 40, Security: 0, Data: 70, Cap: 40, CappedBy: ptr(report.Severity(critical))}},
		// Two spellings of an anonymous read share one cap (12% of 30).
		{"anonymous reads share a cap", append(f("sec-op-no-security", medium, 2), f("sec-empty-override", medium, 2)...), report.Score{Total: 96, Security: 26, Data: 70}},
		// Broken requirements cost through their operations' charges.
		{"broken requirements count through charges", append(f("sec-undefined-scheme", high, 2), append(f("sec-scope-undefined", medium, 2), f("sec-scopes-non-oauth", medium, 2)...)...), report.Score{Total: 100, Security: 30, Data: 70}},
	}
	for _, tc := range cases {
		if got := ComputeScore(tc.findings); !reflect.DeepEqual(got, tc.want) || got.String() != tc.want.String() {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// docs/rules.md is generated from the registry; this fails when it is stale.
func TestRulesDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "rules.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate it with `rampart rules list --format markdown > docs/rules.md`)", err)
	}
	if string(got) != RulesMarkdown() {
		t.Fatalf("docs/rules.md is out of date: run `rampart rules list --format markdown > docs/rules.md`")
	}
}

func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		seen[r.ID] = true
		if r.Title == "" || r.Description == "" || r.Fix == "" || r.Family == "" {
			t.Errorf("rule %s lacks metadata", r.ID)
		}
		if r.Family != famMeta && r.Family != famStructure && !strings.HasPrefix(r.OWASP, "API") {
			t.Errorf("rule %s has no OWASP mapping", r.ID)
		}
	}
}

// Exclusion works on every operation that reaches a finding, not just on
// the first ones its report lists: a weakness a kept operation reaches
// stays even when more than a list's worth of excluded operations sort
// before it.
func TestExcludeBeyondListedOperations(t *testing.T) {
	cfg, err := ParseConfig([]byte("exclude: [/internal/**]\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString(`openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
components:
  schemas:
    Shared: {type: object, additionalProperties: false, properties: {note: {type: string, pattern: "^a+$"}}}
    Internal: {type: object, additionalProperties: false, properties: {memo: {type: string, pattern: "^a+$"}}}
paths:
`)
	resp := func(schema string) string {
		return `      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/` + schema + `"}}}}}` + "\n"
	}
	for i := 0; i < maxListedOps+20; i++ {
		fmt.Fprintf(&b, "  /internal/r%03d:\n    get:\n%s    put:\n%s", i, resp("Shared"), resp("Internal"))
	}
	b.WriteString("  /public:\n    get:\n" + resp("Shared"))
	res := auditText(t, b.String(), Options{Config: cfg})
	var kept, dropped bool
	for _, f := range findingsOf(res, "data-string-no-maxlength") {
		switch {
		case strings.HasSuffix(f.Location.Pointer, "/Shared/properties/note"):
			kept = true
			if len(f.Operations) != 1 || f.Operations[0] != "GET /public" {
				t.Errorf("operations %v, want [GET /public]", f.Operations)
			}
			if strings.Contains(f.Message, "Reached by") {
				t.Errorf("message counts excluded operations: %s", f.Message)
			}
		case strings.HasSuffix(f.Location.Pointer, "/Internal/properties/memo"):
			dropped = true
		}
	}
	if !kept {
		t.Error("the finding GET /public reaches was dropped with the excluded operations")
	}
	if dropped {
		t.Error("a finding only excluded operations reach was kept")
	}
	if res.Summary["excluded"] == 0 {
		t.Error("summary.excluded not counted")
	}
}
