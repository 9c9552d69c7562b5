package scan_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
)

// undeclaredStatusSpec has one operation per case of
// TestUndeclaredStatusAndContentType; the API answers each in-contract
// request with a status the operation does not declare.
const undeclaredStatusSpec = `openapi: 3.0.3
info: {title: undeclared statuses, version: "1"}
paths:
  /html-page:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /other-response-type:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        "400": {description: invalid, content: {application/problem+json: {schema: {type: object}}}}
  /no-body-declared:
    get:
      responses:
        "200": {description: ok}
  /json:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /by-default:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
        default: {description: anything else, content: {application/json: {schema: {type: object}}}}
  /empty:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
  /text-range:
    get:
      responses:
        "200": {description: ok, content: {text/*: {schema: {type: string}}}}
  /redirect:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
`

// undeclaredStatusAPI answers GET on each path of undeclaredStatusSpec
// with a status the operation does not declare (203, or a redirect).
func undeclaredStatusAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		answer := func(ct, body string) {
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(http.StatusNonAuthoritativeInfo)
			fmt.Fprint(w, body)
		}
		switch r.URL.Path {
		case "/html-page", "/by-default":
			answer("text/html; charset=utf-8", "<html><body>temporarily degraded</body></html>")
		case "/other-response-type":
			answer("application/problem+json", `{"title":"degraded"}`)
		case "/no-body-declared":
			answer("text/plain; charset=utf-8", "ok")
		case "/json":
			answer("application/json", `{"ok":true}`)
		case "/empty":
			answer("application/json", "")
		case "/text-range":
			answer("text/html; charset=utf-8", "<p>ok</p>")
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	})
}

// An answer with a status the operation does not declare (and no
// default) was reported for its status alone, whatever it carried. Its
// media type is a second defect when none of the operation's responses
// declares it (or the operation declares no body at all): a client of an
// all-JSON API gets an HTML page. Declaring the status would not fix it,
// so it is its own finding, under the rule and test an undeclared type of
// a declared status has. A type another response declares, an empty
// body and a redirect's note are not.
func TestUndeclaredStatusAndContentType(t *testing.T) {
	doc, _ := loadInline(t, undeclaredStatusSpec)
	res := scanConformance(t, doc, serveOnScanPort(t, undeclaredStatusAPI()))
	got := map[string]report.Finding{}
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleUndeclaredStatus || f.Rule == scan.RuleUndeclaredContent {
			got[f.Rule+" "+f.Operation] = f
		}
	}
	for _, tc := range []struct {
		path   string
		status string // the status finding's test, "" for none
		// content is the content-type finding's test, "" for none, and
		// message and expected what it says.
		content, message, expected string
	}{
		{"/html-page", "status-203", "content-type-203",
			`The 203 response (a status the operation does not declare) is "text/html; charset=utf-8", which none of the operation's responses declares (they declare application/json).`,
			"one of application/json, the types the operation declares"},
		{"/other-response-type", "status-203", "", "", ""},
		{"/no-body-declared", "status-203", "content-type-203",
			`The 203 response (a status the operation does not declare) is "text/plain; charset=utf-8", and the operation declares no response body.`,
			"no body: the operation declares none"},
		{"/json", "status-203", "", "", ""},
		// default declares the status: only its type is wrong, as before.
		{"/by-default", "", "content-type-203",
			`The 203 response is "text/html; charset=utf-8", which the operation does not declare for that status.`,
			"one of application/json"},
		{"/empty", "status-203", "", "", ""},
		{"/text-range", "status-203", "", "", ""},
		{"/redirect", "status-302", "", "", ""},
	} {
		t.Run(tc.path, func(t *testing.T) {
			op := "GET " + tc.path
			f, found := got[scan.RuleUndeclaredStatus+" "+op]
			switch {
			case tc.status == "" && found:
				t.Errorf("unexpected %s: %s", scan.RuleUndeclaredStatus, f.Message)
			case tc.status != "" && !found:
				t.Errorf("no %s", scan.RuleUndeclaredStatus)
			case found && f.Test != tc.status:
				t.Errorf("%s test %q, want %q", scan.RuleUndeclaredStatus, f.Test, tc.status)
			}
			f, found = got[scan.RuleUndeclaredContent+" "+op]
			switch {
			case tc.content == "" && found:
				t.Errorf("unexpected %s: %s", scan.RuleUndeclaredContent, f.Message)
			case tc.content != "" && !found:
				t.Errorf("no %s", scan.RuleUndeclaredContent)
			case found:
				if f.Test != tc.content || f.Message != tc.message || f.Expected != tc.expected {
					t.Errorf("%s:\n test %q\n message %q\n expected %q\nwant:\n test %q\n message %q\n expected %q",
						scan.RuleUndeclaredContent, f.Test, f.Message, f.Expected, tc.content, tc.message, tc.expected)
				}
				if len(f.Exchanges) == 0 || f.Exchanges[0].Status != 203 {
					t.Errorf("the finding does not show the 203 answer: %+v", f.Exchanges)
				}
			}
		})
	}
}

// The content-type finding of an undeclared status keeps its fingerprint
// when the status is then declared with the types the operation reads:
// the type is still wrong, and a baseline that accepted it still does.
func TestUndeclaredContentTypeKeepsItsFingerprint(t *testing.T) {
	target := serveOnScanPort(t, undeclaredStatusAPI())
	fingerprint := func(api string) string {
		t.Helper()
		doc, _ := loadInline(t, api)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res, err := scan.Run(ctx, doc, scan.Options{Target: target, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range res.Spec.Findings {
			if f.Rule == scan.RuleUndeclaredContent && f.Operation == "GET /html-page" {
				return f.Fingerprint
			}
		}
		t.Fatalf("no %s on GET /html-page: %v", scan.RuleUndeclaredContent, res.Spec.Findings)
		return ""
	}
	const before = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /html-page:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object}}}}
`
	after := strings.Replace(before, `        "200"`, `        "203": {description: degraded, content: {application/json: {schema: {type: object}}}}
        "200"`, 1)
	if a, b := fingerprint(before), fingerprint(after); a != b {
		t.Errorf("fingerprint %s with the status undeclared, %s with it declared", a, b)
	}
}
