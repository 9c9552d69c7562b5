package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/cli"
	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Targets that behave badly on purpose: the scan reports what they do,
// keeps its secrets and its memory, and does not crash or pass silently.

func loadInline(t *testing.T, src string) (*spec.Document, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "openapi.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := spec.Load(context.Background(), p, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return doc, p
}

// scanConformance scans target for doc's happy paths and conformance
// tests only (no attack probes), as most tests of how the scanner writes
// requests need, and fails the test if the scan cannot run.
func scanConformance(t *testing.T, doc *spec.Document, target string) *scan.Result {
	t.Helper()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: target, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

const deleteSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items/{id}:
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {"204": {description: deleted}}
`

// A DELETE that accepts an out-of-contract id is a finding. DELETE
// operations are tested for conformance before their happy path runs, so
// the finding has no baseline exchange to show: that must not crash.
func TestDeleteAcceptingOutOfContractIsReported(t *testing.T) {
	doc, _ := loadInline(t, deleteSpec)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleNegativeAccepted && len(f.Exchanges) > 0 && f.Exchanges[0].Method == http.MethodDelete {
			return
		}
	}
	t.Fatalf("no %s finding with its request: %+v", scan.RuleNegativeAccepted, res.Spec.Findings)
}

const secretSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /login:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {user: {type: string}, password: {type: string}}}
      responses: {"200": {description: ok}}
  /boom:
    get:
      parameters: [{name: q, in: query, schema: {type: integer}}]
      responses: {"200": {description: ok}}
  /boom2:
    get:
      parameters: [{name: q, in: query, schema: {type: integer}}]
      responses: {"200": {description: ok}}
`

// Every credential of the scan, and its URL- and JSON-encoded forms, is
// redacted from every report format: static tokens, a password sent in an
// operation override's body, and a token a login issues in the middle of
// the scan (after findings quoting it may have been recorded).
func TestSecretsRedactedInEveryFormat(t *testing.T) {
	const (
		static   = "Top&Secret<Token>1234"
		password = "Bob&Pw<HHH>"
		issued   = "LoginIssuedTokenQQQ"
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			var body struct{ User, Password string }
			_ = json.NewDecoder(r.Body).Decode(&body)
			if r.Method != http.MethodPost || body.User != "carl" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"access_token":%q}`, issued)
			return
		}
		// A stack trace that quotes the credentials in every form.
		auth := r.Header.Get("Authorization")
		tok := strings.TrimPrefix(auth, "Bearer ")
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		js, _ := json.Marshal(tok)
		fmt.Fprintf(w, "at App.Api.Get(String auth=%s) in /src/Api.cs:line 42; query=%s json=%s pw=%s",
			auth, url.QueryEscape(tok), js, url.QueryEscape(password))
	}))
	defer srv.Close()
	_, specPath := loadInline(t, secretSpec)
	cfg := filepath.Join(t.TempDir(), "scan.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf(`identities:
  - name: carl
    login: {url: /login, json: {user: carl, password: %q}}
  - name: alice
    credentials: {bearer: {token: %q}}
operations:
  POST /login:
    body: {user: bob, password: %q}
  GET /boom:
    identity: alice
`, password, static, password)), 0o600); err != nil {
		t.Fatal(err)
	}
	forms := func(s string) []string {
		js, _ := json.Marshal(s)
		return []string{s, url.QueryEscape(s), url.PathEscape(s), strings.Trim(string(js), `"`)}
	}
	// Control: with --show-secrets the same scan shows each of them, so
	// the scenario does put them in the report.
	var shown bytes.Buffer
	cli.Execute([]string{"scan", specPath, "--target", srv.URL, "--config", cfg, "--rate", "1000", "--format", "json", "--show-secrets", "-q"}, nil, &shown, &bytes.Buffer{})
	for _, secret := range []string{static, password, issued} {
		if !strings.Contains(shown.String(), url.QueryEscape(secret)) && !strings.Contains(shown.String(), strings.Trim(mustJSON(secret), `"`)) {
			t.Fatalf("control: %q never appears in the report even with --show-secrets", secret)
		}
	}
	for _, format := range []string{"text", "json", "sarif", "html", "junit"} {
		t.Run(format, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Execute([]string{"scan", specPath, "--target", srv.URL, "--config", cfg, "--rate", "1000", "--format", format, "--fail-on", "critical", "-q"}, nil, &out, &errb)
			if code != cli.ExitOK && code != cli.ExitFailed && !nothingTested(code, errb.String()) {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			if !strings.Contains(out.String(), "redacted") {
				t.Fatalf("the report quotes no redacted exchange; the test proves nothing:\n%.2000s", out.String())
			}
			for _, secret := range []string{static, password, issued} {
				for _, f := range forms(secret) {
					if strings.Contains(out.String(), f) || strings.Contains(errb.String(), f) {
						i := strings.Index(out.String(), f)
						t.Errorf("%s report shows %q: ...%s...", format, f, out.String()[max(0, i-300):min(len(out.String()), i+100)])
					}
				}
			}
		})
	}
}

func mustJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// A target that sends its headers and then stalls the body is as
// unresponsive as one that sends nothing: the scan stops and says so.
func TestStalledBodiesCountAsUnresponsive(t *testing.T) {
	var paths strings.Builder
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&paths, "  /p%d:\n    get:\n      responses: {\"200\": {description: ok}}\n", i)
	}
	doc, _ := loadInline(t, "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n"+paths.String())
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("{"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	start := time.Now()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range res.Spec.Findings {
		found = found || f.Rule == scan.RuleTargetUnreachable
	}
	if !found || res.Stopped == "" {
		t.Fatalf("stalled target not reported (stopped %q, %d requests in %s)", res.Stopped, res.Requests, time.Since(start))
	}
	if res.Requests > 10 {
		t.Errorf("%d requests sent to a stalled target", res.Requests)
	}
}

// Response headers are kept with the exchanges a report quotes; a target
// answering with thousands of them does not fill memory or the report.
func TestHugeResponseHeadersAreClipped(t *testing.T) {
	doc, _ := loadInline(t, strings.Replace(deleteSpec, "delete:", "get:", 1))
	big := strings.Repeat("v", 8<<10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 25; i++ { // 200 KB: under the transport's limit
			w.Header().Set(fmt.Sprintf("X-Junk-%03d", i), big)
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("at Foo.Bar() in /src/Foo.cs:line 1"))
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.Spec)
	quoted := 0
	for _, f := range res.Spec.Findings {
		for _, x := range f.Exchanges {
			for k, vs := range x.RespHead {
				for _, v := range vs {
					quoted++
					if len(v) > 1100 {
						t.Fatalf("header %s kept whole (%d bytes)", k, len(v))
					}
				}
			}
		}
	}
	if quoted == 0 {
		t.Fatal("no exchange quotes response headers; the test proves nothing")
	}
	if len(b) > 2<<20 {
		t.Errorf("report is %d bytes", len(b))
	}
}

// A target that answers nothing fails the command with exit 3 (the
// environment failed) instead of passing a CI job that tested nothing.
func TestNeverAnsweringTargetExits3(t *testing.T) {
	_, specPath := loadInline(t, strings.Replace(deleteSpec, "delete:", "get:", 1))
	srv := httptest.NewServer(http.NotFoundHandler())
	target := srv.URL
	srv.Close() // nothing listens there any more
	var out, errb bytes.Buffer
	code := cli.Execute([]string{"scan", specPath, "--target", target, "--rate", "1000", "--timeout", "1s", "--format", "json", "-q"}, nil, &out, &errb)
	if code != cli.ExitInternal || !strings.Contains(errb.String(), "nothing was tested") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if !json.Valid(out.Bytes()) || !strings.Contains(out.String(), `"kind": "scan"`) {
		t.Fatalf("the report is still written: %.500s", out.String())
	}
}

// The summary on standard error quotes what the target answered (why a
// happy path failed, the ids of resources left behind): a target must not
// reach the terminal with control sequences that retitle the window, clear
// the screen or hide text.
func TestSummaryEscapesTargetControlCharacters(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[2J\x9b31m"
	_, specPath := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things:
    post:
      requestBody:
        content: {application/json: {schema: {type: object, properties: {name: {type: string}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
  /things/{id}:
    delete:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "204": {description: deleted}
  /broken:
    get:
      responses:
        "200": {description: ok}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/things" && r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"id": "a" + evil})
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":"` + evil + `"}`))
	}))
	defer srv.Close()
	var out, errb bytes.Buffer
	code := cli.Execute([]string{"scan", specPath, "--target", srv.URL, "--rate", "1000", "--no-probes", "--format", "json", "--fail-on", "critical"}, nil, &out, &errb)
	if code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", code, errb.String())
	}
	stderr := errb.String()
	if !strings.Contains(stderr, "Happy paths that failed") || !strings.Contains(stderr, "Resources not cleaned up") {
		t.Fatalf("summary lacks the sections quoting the target:\n%q", stderr)
	}
	for _, c := range []string{"\x1b", "\x07", "\u009b"} {
		if strings.Contains(stderr, c) {
			t.Errorf("standard error carries the target's control character %q:\n%q", c, stderr)
		}
	}
	if !strings.Contains(stderr, `\x1b]0;pwned`) {
		t.Errorf("the escaped sequence is not shown:\n%q", stderr)
	}
}

// A target that stops answering is reported whichever request was the
// last it failed to answer: here the third in a row is the hidden-endpoint
// probe's first (sent outside any operation), after an undeclared method
// and a CORS probe. The scan stops and says so with a finding, not only in
// its notes.
func TestUnresponsiveDuringProbesIsReported(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
`)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/items" || r.Method != http.MethodGet || r.Header.Get("Origin") != "" {
			select { // hang until the test ends
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"n":1}`))
	}))
	defer srv.Close()
	defer close(release)
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range res.Spec.Findings {
		if f.Rule != scan.RuleTargetUnreachable {
			continue
		}
		found = true
		// The request quoted is the last one the target left unanswered.
		if len(f.Exchanges) != 1 || !strings.Contains(f.Exchanges[0].URL, "/rampart-") {
			t.Errorf("the finding does not quote the hidden-endpoint control request: %+v", f.Exchanges)
		}
	}
	if !found || res.Stopped == "" {
		t.Errorf("unresponsive target not reported (stopped %q): %+v", res.Stopped, res.Spec.Findings)
	}
}

// Configured variables fill parameters by name, as operation overrides do:
// one under a secret-looking name (a tenant key sent as a header) is
// redacted like an override's, and shown with --show-secrets.
func TestSecretVariablesAreRedacted(t *testing.T) {
	const secret = "Tenant-Key-77QX"
	_, specPath := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /boom:
    get:
      parameters:
        - {name: X-Tenant-Key, in: header, required: true, schema: {type: string}}
        - {name: tenant_key, in: query, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprintf(w, "bad tenant %s", r.Header.Get("X-Tenant-Key"))
	}))
	defer srv.Close()
	cfg := filepath.Join(t.TempDir(), "scan.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("variables: {X-Tenant-Key: %q, tenant_key: %q}\n", secret, secret)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, show := range []bool{false, true} {
		args := []string{"scan", specPath, "--target", srv.URL, "--config", cfg, "--rate", "1000", "--format", "json", "--fail-on", "critical", "-q"}
		if show {
			args = append(args, "--show-secrets")
		}
		var out, errb bytes.Buffer
		if code := cli.Execute(args, nil, &out, &errb); code != cli.ExitOK && !nothingTested(code, errb.String()) {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if got := strings.Contains(out.String(), secret); got != show {
			t.Errorf("--show-secrets=%v: secret in the report = %v", show, got)
		}
	}
}

const treeSpec = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /tree:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    Node:
      oneOf:
        - {type: object, required: [name], properties: {name: {type: string}, children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}
        - {type: object, required: [id], properties: {id: {type: integer}, children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}
`

// A target answering with a body that takes the schema engine time
// exponential in its nesting (2^40 branch visits here) must not stall the
// scan: the work is counted first and such a body is not validated.
func TestResponseCostlyToValidateDoesNotStallTheScan(t *testing.T) {
	doc, _ := loadInline(t, treeSpec)
	body := `{"id":1}`
	for range 40 {
		body = `{"id":1,"children":[` + body + `]}`
	}
	target := jsonTarget(t, body)
	done := make(chan *scan.Result, 1)
	go func() { done <- scanConformance(t, doc, target) }()
	select {
	case res := <-done:
		noSchemaFinding(t, res)
		reportedUnchecked(t, res, "would take too long")
	case <-time.After(60 * time.Second):
		t.Fatal("the scan did not finish in 60 s: the response body is validated whatever it costs")
	}
}

// A target answering with a number of 900 000 digits, which the schema
// engine would read into an exact rational in seconds for each numeric
// keyword, gets its body left unvalidated instead of stalling the scan.
func TestResponseWithHugeNumberIsNotValidated(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /n:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {n: {type: integer, minimum: 1, maximum: 10}}}
`)
	body := `{"n":1` + strings.Repeat("0", 900_000) + `}`
	target := jsonTarget(t, body)
	res := scanConformance(t, doc, target)
	noSchemaFinding(t, res)
	reportedUnchecked(t, res, "a number of 900001 characters")
}

// reportedUnchecked fails the test unless the report says the body was
// not validated (and why): a log line alone would leave a clean report
// reading as a validated one.
func reportedUnchecked(t *testing.T, res *scan.Result, why string) {
	t.Helper()
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleBodyUnchecked && strings.Contains(f.Message, why) {
			for _, m := range res.Spec.ManualChecks {
				if strings.HasPrefix(m, "response body not validated: ") && strings.Contains(m, why) {
					return
				}
			}
			t.Errorf("no manual check for the body not validated: %q", res.Spec.ManualChecks)
			return
		}
	}
	t.Errorf("no %s finding saying %q", scan.RuleBodyUnchecked, why)
}

// jsonTarget serves body as JSON to every request, for the test's life.
func jsonTarget(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// noSchemaFinding fails the test for a response-schema finding: the
// response bodies of these tests are left unvalidated.
func noSchemaFinding(t *testing.T, res *scan.Result) {
	t.Helper()
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleResponseSchema {
			t.Errorf("a body that was not validated is reported as invalid: %.200s", f.Message)
		}
	}
}

// A body is one JSON value: what follows the first (a second object
// carrying fields the schema does not allow, say) must not go unseen.
func TestResponseWithDataAfterTheJSONValue(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /u:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, additionalProperties: false, properties: {id: {type: string, maxLength: 8}}}
`)
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"one value", `{"id":"a"}`, false},
		{"one value and white space", "{\"id\":\"a\"}\n \r\n", false},
		{"a second value", `{"id":"a"}{"id":"a","ssn":"078-05-1120"}`, true},
		{"trailing garbage", `{"id":"a"} x`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := scanConformance(t, doc, jsonTarget(t, tc.body))
			got := false
			for _, f := range res.Spec.Findings {
				if f.Rule == scan.RuleResponseSchema && strings.Contains(f.Message, "not valid JSON") {
					got = true
				}
			}
			if got != tc.want {
				t.Errorf("body %q: invalid-JSON finding = %v, want %v", tc.body, got, tc.want)
			}
		})
	}
}

// At a low rate the next request may be due after --max-duration: the
// scan stops there and says so, rather than failing the operations left
// with the rate limiter's own error.
func TestMaxDurationAtALowRateStopsAndSaysSo(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a: {get: {responses: {"200": {description: ok}}}}
  /b: {get: {responses: {"200": {description: ok}}}}
  /c: {get: {responses: {"200": {description: ok}}}}
  /d: {get: {responses: {"200": {description: ok}}}}
`)
	target := jsonTarget(t, `{}`)
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: target, Rate: 4, MaxDuration: 1200 * time.Millisecond, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stopped != "--max-duration reached" {
		t.Errorf("Stopped = %q, want --max-duration reached", res.Stopped)
	}
	for _, f := range res.Spec.Findings {
		if strings.Contains(f.Message, "rate:") {
			t.Errorf("a finding carries the rate limiter's error: %s", f.Message)
		}
	}
}

// nothingTested reports the exit of a scan whose every happy path failed,
// which these redaction scenarios provoke on purpose: the report is still
// written, and it is what they check.
func nothingTested(code int, stderr string) bool {
	return code == cli.ExitInternal && strings.Contains(stderr, "no operation passed its happy path")
}
