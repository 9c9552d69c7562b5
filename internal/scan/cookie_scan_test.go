package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

const cookieSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    session: {type: apiKey, in: cookie, name: sid}
security: [{session: []}]
paths:
  /report:
    get:
      parameters:
        - {name: when, in: cookie, required: true, schema: {type: string, format: date-time}, example: "2024-01-01T10:00:00Z"}
        - {name: tags, in: cookie, required: true, schema: {type: array, items: {type: string}}, example: [a, "b c"]}
        - {name: note, in: cookie, required: true, schema: {type: string}, example: "50% off; now"}
        - {name: dims, in: cookie, required: true, schema: {type: object, properties: {h: {type: integer}, w: {type: integer}}}, example: {h: 2, w: 1}}
      responses:
        "200": {description: ok}
        "401": {description: no session}
`

// wantCookie is the Cookie header of the happy path: values made of
// cookie-octets as they are (the date-time, "a"), the others
// percent-encoded (the space, the ';'), the exploded object dims as one
// cookie per property, the session cookie last.
const wantCookie = "h=2; w=1; note=50%25%20off%3B%20now; tags=a,b%20c; when=2024-01-01T10:00:00Z; sid=the-session-id"

// cookieAPI answers the happy path with 203, which the operation does not
// declare: a finding quoting the request, with its curl command.
type cookieAPI struct {
	mu   sync.Mutex
	seen []string // Cookie headers of the requests with the session
}

func (a *cookieAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if c, err := r.Cookie("sid"); err != nil || c.Value != "the-session-id" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	a.mu.Lock()
	a.seen = append(a.seen, r.Header.Get("Cookie"))
	a.mu.Unlock()
	if r.Header.Get("Cookie") != wantCookie {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNonAuthoritativeInfo)
}

func cookieScan(t *testing.T, api *cookieAPI, show bool) *scan.Result {
	t.Helper()
	doc, _ := loadInline(t, cookieSpec)
	cfg, err := config.Parse([]byte("identities:\n  - name: alice\n    credentials:\n      session: {value: the-session-id}\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true, ShowSecrets: show})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Cookie parameters are sent as the contract's values, not
// percent-encoded where RFC 6265 takes them as they are, and the curl
// command of a finding carries the Cookie header as it was sent: the
// declared cookies shown, the session cookie redacted.
func TestCookieParametersAsSent(t *testing.T) {
	api := &cookieAPI{}
	res := cookieScan(t, api, false)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v (the API saw %q)", res.HappyFailures, api.seen)
	}
	var curl string
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleUndeclaredStatus && len(f.Exchanges) > 0 {
			curl = f.Exchanges[0].Curl
		}
	}
	if curl == "" {
		t.Fatalf("no finding for the 203: %+v", res.Spec.Findings)
	}
	want := "-H 'Cookie: " + strings.Replace(wantCookie, "the-session-id", "<redacted>", 1) + "'"
	if !strings.Contains(curl, want) {
		t.Errorf("curl command:\n%s\nwant it to hold\n%s", curl, want)
	}
	if strings.Contains(curl, "the-session-id") {
		t.Errorf("the session cookie is in the curl command: %s", curl)
	}
}

// With --show-secrets, the curl command run as printed sends the very
// Cookie header the scan sent.
func TestCookieCurlSendsTheSameHeader(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	api := &cookieAPI{}
	res := cookieScan(t, api, true)
	var x string
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleUndeclaredStatus && len(f.Exchanges) > 0 {
			x = f.Exchanges[0].Curl
		}
	}
	if x == "" {
		t.Fatalf("no finding for the 203: %+v", res.Spec.Findings)
	}
	api.mu.Lock()
	api.seen = nil
	api.mu.Unlock()
	out, err := exec.Command("sh", "-c", x+" -sS --max-time 5").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.seen) != 1 || api.seen[0] != wantCookie {
		t.Errorf("curl sent Cookie %q, the scan sent %q", api.seen, wantCookie)
	}
	if !strings.Contains(string(out), " 203") {
		t.Errorf("curl did not get the 203:\n%s", out)
	}
}
