package report

import (
	"regexp"
	"strings"
	"testing"
)

var ansiPattern = regexp.MustCompile(`\x1b\[[0-9;]*m`)

func TestTextColor(t *testing.T) {
	for _, fx := range []struct {
		name string
		r    func() *Report
	}{{"audit", auditReport}, {"scan", scanReport}} {
		plain := string(render(t, "text", fx.r(), Options{}))
		color := string(render(t, "text", fx.r(), Options{Color: true}))
		if strings.Contains(plain, "\x1b[") {
			t.Errorf("%s: ANSI escape in output without Color", fx.name)
		}
		if !strings.Contains(color, "\x1b[") || !strings.Contains(color, ansiReset) {
			t.Errorf("%s: no ANSI escapes with Color", fx.name)
		}
		if stripped := ansiPattern.ReplaceAllString(color, ""); stripped != plain {
			t.Errorf("%s: coloured output differs from plain output beyond escape codes", fx.name)
		}
	}
}

func TestTextContent(t *testing.T) {
	audit := string(render(t, "text", auditReport(), Options{}))
	scan := string(render(t, "text", scanReport(), Options{}))
	cases := []struct {
		name, out, want string
	}{
		{"finding line", audit, "\nCRITICAL  sec-no-security  api/petstore.yaml:1:1\n"},
		{"finding without line", audit, "MEDIUM    data-array-no-maxitems  api/petstore.yaml#/paths/~1pets/get/responses/200/content/application~1json/schema\n"},
		{"message indented", audit, "\n    Server URL http://petstore.example.com/v1 uses plain HTTP"},
		{"owasp named", audit, "    OWASP: API2:2023 Broken Authentication (CWE-306)\n"},
		{"fix hint", audit, "    Fix: Serve the API over HTTPS only.\n"},
		{"operations truncated", audit, "    Operations: GET /pets, POST /pets, GET /pets/{petId}, PUT /pets/{petId}, DELETE /pets/{petId} and 2 more\n"},
		{"patch", audit, "    Patch: replace /servers/0/url = \"https://petstore.example.com/v1\"\n"},
		{"suppressed", audit, "    Reason: Pet names are free text.\n"},
		{"clean", audit, "== api/clean.yaml ==\nClean API | OpenAPI 3.1.0 | valid\n\nNo findings.\n"},
		{"summary with score", audit, "\napi/petstore.yaml: 1 critical, 2 high, 2 medium, 1 low, 0 info (6 findings, 1 suppressed). Score 72/100 (security 20/30, data 52/70). operations 7, schemas 3\n"},
		{"summary per result", audit, "\napi/clean.yaml: 0 critical, 0 high, 0 medium, 0 low, 0 info (0 findings). Score 100/100 (security 30/30, data 70/70)\n"},
		{"expected", scan, "    Expected: 403 or 404 for another user's id\n    Actual: 200 with user A's record\n"},
		{"curl", scan, "    Reproduce: curl -X POST -H 'Content-Type: application/json' --data '{\"name\":' 'http://127.0.0.1:8080/users'\n"},
		{"exchange", scan, "    Request (as user B): GET http://127.0.0.1:8080/users/42 -> 200\n"},
		{"scan summary", scan, "api/users.yaml: 1 critical, 0 high, 1 medium, 0 low, 0 info (2 findings). operations tested 2, requests sent 37\n"},
	}
	for _, tc := range cases {
		if !strings.Contains(tc.out, tc.want) {
			t.Errorf("%s: output lacks %q", tc.name, tc.want)
		}
	}
	// Severity groups appear worst first.
	last := -1
	for _, s := range severitiesDesc {
		i := strings.Index(audit, "-- "+s.String()+" (")
		if i < 0 {
			continue
		}
		if i < last {
			t.Errorf("severity group %s out of order", s)
		}
		last = i
	}
	if got := strings.Count(audit, "\n    Operations: "); got != 2 {
		t.Errorf("%d operation lists, want 2", got)
	}
}

func TestTextInvalidAndEmpty(t *testing.T) {
	out := string(render(t, "text", &Report{Kind: "audit", Results: []SpecResult{{Spec: "broken.yaml"}}}, Options{}))
	for _, want := range []string{"rampart audit\n", "NOT VALID", "No findings.", "broken.yaml: 0 critical"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if out := string(render(t, "text", &Report{Kind: "scan"}, Options{})); !strings.Contains(out, "No definitions were checked.") {
		t.Errorf("empty report: %q", out)
	}
}

// Strings from the definition must not reach the terminal as control
// sequences: a title like "T\x1b]0;pwned\x07\x1b[2J" would retitle the
// window and clear the screen.
func TestTextEscapesControlCharacters(t *testing.T) {
	const evil = "T\x1b]0;pwned\x07\x1b[2J\r\u009b31m\u202e"
	const shown = `T\x1b]0;pwned\x07\x1b[2J\x0d\x9b31m\u202e`
	r := &Report{Kind: "audit", Version: "dev", Results: []SpecResult{{
		Spec: "api/" + evil + ".yaml", Title: evil, OpenAPI: "3.0.0", Profile: "default",
		Findings: []Finding{{
			Rule: "sec-write-no-security", Severity: SeverityHigh, Title: evil, Message: "first line\n\tsecond " + evil,
			Location:   Location{File: "api/" + evil + ".yaml", Pointer: "/paths/~1" + evil},
			Operations: []string{"GET /" + evil}, FixHint: evil,
			Patch: []PatchOp{{Op: "add", Path: "/info/x", Value: evil}},
		}},
		Suppressed:   []Finding{{Rule: "sec-bearer-no-format", Severity: SeverityLow, Location: Location{File: evil, Line: 1, Column: 1}, Suppressed: evil}},
		ManualChecks: []string{evil},
	}}}
	for _, color := range []bool{false, true} {
		out := string(render(t, "text", r, Options{Color: color}))
		if color {
			out = ansiPattern.ReplaceAllString(out, "")
		}
		for _, c := range out {
			if (c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c <= 0x9f) || c == 0x202e {
				t.Fatalf("color=%v: control character %U in output:\n%q", color, c, out)
			}
		}
		for _, want := range []string{
			"== api/" + shown + ".yaml ==\n" + shown + " | OpenAPI 3.0.0",
			"    " + shown + "\n",                   // title
			"    first line\n    \tsecond " + shown, // message keeps its newline and tab
			"api/" + shown + ".yaml#/paths/~1" + shown,
			"Operations: GET /" + shown,
			"Fix: " + shown,
			"Reason: " + shown,
			"  - " + shown + "\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("color=%v: output lacks %q:\n%s", color, want, out)
			}
		}
	}
	// The writer's own colour codes remain.
	if out := string(render(t, "text", r, Options{Color: true})); !strings.Contains(out, ansiBold) || !strings.Contains(out, ansiReset) {
		t.Error("colour codes missing with Color")
	}
}
