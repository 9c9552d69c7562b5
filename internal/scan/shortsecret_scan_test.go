package scan_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

const shortSecretSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /login:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, properties: {user: {type: string}, pin: {type: string}, otp: {type: integer}}}}}
      responses: {"200": {description: ok}}
  /items/{code}:
    get:
      parameters:
        - {name: code, in: path, required: true, schema: {type: string}}
        - {name: pin, in: query, required: true, schema: {type: string}}
        - {name: X-Pin, in: header, required: true, schema: {type: string}}
        - {name: theme, in: cookie, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
`

// shortSecretConfig gives a three-character PIN and a numeric one-time
// code: in a login body override, and as the values of parameters.
const shortSecretConfig = `operations:
  POST /login:
    body: {user: bob, pin: "123", otp: 987}
variables: {pin: "123", X-Pin: "123", code: "123", theme: "123"}
`

// shortSecretAPI fails every request with a body quoting the PIN where it
// is a value, next to the same digits inside unrelated values.
func shortSecretAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprint(w, `{"pin":"123","otp":987,"order":"A-1234","count":1123,"note":"call 555-0123 about 123 items","123":"key"}`)
}

func shortSecretReport(t *testing.T, show bool) string {
	t.Helper()
	doc, _ := loadInline(t, shortSecretSpec)
	cfg, err := config.Parse([]byte(shortSecretConfig))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(shortSecretAPI))
	t.Cleanup(srv.Close)
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true, ShowSecrets: show})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for k, why := range res.HappyFailures {
		fmt.Fprintf(&b, "%s: %s\n", k, why)
	}
	for _, f := range res.Spec.Findings {
		fmt.Fprintf(&b, "%s %s\n%s\n%s\n", f.Rule, f.Message, f.Actual, f.Expected)
		for _, x := range f.Exchanges {
			fmt.Fprintf(&b, "%s\n%s\n%s\n%s\n", x.URL, x.Body, x.RespBody, x.Curl)
			for k, vs := range x.Headers {
				fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(vs, ", "))
			}
		}
	}
	return b.String()
}

// A configured secret shorter than four characters is redacted where it
// is a value (URL path segment, query value, header value, cookie value,
// JSON field of a request or an answer, a number included), while the same
// digits inside unrelated values and words are left alone.
func TestShortSecretsRedactedWhereTheyAreValues(t *testing.T) {
	out := shortSecretReport(t, false)
	if !strings.Contains(out, "<redacted>") {
		t.Fatalf("nothing redacted; the test proves nothing:\n%s", out)
	}
	for _, leak := range []string{
		"/items/123", "pin=123", "X-Pin: 123", "theme=123",
		`"pin":"123"`, `"otp":987`, `pin\":\"123`,
	} {
		if strings.Contains(out, leak) {
			i := strings.Index(out, leak)
			t.Errorf("%q in the report: ...%s...", leak, out[max(0, i-200):min(len(out), i+100)])
		}
	}
	// Not noise: the same digits where they are not the secret.
	for _, kept := range []string{"A-1234", `"count":1123`, "call 555-0123 about 123 items", `"123":"key"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("%q was redacted or lost:\n%s", kept, out)
		}
	}
}

// Control: with --show-secrets the same places show the PIN, so the scan
// does put it there.
func TestShortSecretsShownWithShowSecrets(t *testing.T) {
	out := shortSecretReport(t, true)
	for _, want := range []string{"/items/123", "pin=123", "X-Pin: 123", "theme=123", `"pin":"123"`, `"otp":987`} {
		if !strings.Contains(out, want) {
			t.Errorf("%q not in the report with --show-secrets:\n%s", want, out)
		}
	}
	if strings.Contains(out, "<redacted>") {
		t.Errorf("redacted with --show-secrets:\n%s", out)
	}
}
