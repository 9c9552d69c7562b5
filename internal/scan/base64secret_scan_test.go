package scan_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

const base64SecretSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
security: [{apiKey: [], basicAuth: []}]
paths:
  /items:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
components:
  securitySchemes:
    apiKey: {type: apiKey, in: header, name: X-API-Key}
    basicAuth: {type: http, scheme: basic}
`

// The key's base64 holds '+' and '/', so that the standard and URL
// alphabets differ; the password is as long as a key.
const (
	b64Key      = "rk_>>>???_0123456789"
	b64User     = "alice"
	b64Password = "pw-~~~>>>-secret"
)

var base64SecretConfig = fmt.Sprintf(`identities:
  - name: alice
    credentials:
      apiKey: {value: %q}
      basicAuth: {username: %q, password: %q}
`, b64Key, b64User, b64Password)

// base64EchoAPI answers every request 500, echoing the credentials it
// got base64-encoded, as debug output does: the key and the Basic pair
// in each alphabet with and without padding, in response headers and in
// the body, and the key inside encoded JSON at each offset of its
// three-byte group.
func base64EchoAPI(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("X-API-Key")
	user, pass, _ := r.BasicAuth()
	pair := []byte(user + ":" + pass)
	w.Header().Set("X-Debug-Key", base64.StdEncoding.EncodeToString([]byte(key)))
	w.Header().Set("X-Debug-Key-Url", base64.RawURLEncoding.EncodeToString([]byte(key)))
	w.Header().Set("X-Debug-Basic", base64.URLEncoding.EncodeToString(pair))
	w.Header().Set("X-Debug-Basic-Raw", base64.RawStdEncoding.EncodeToString(pair))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusInternalServerError)
	fmt.Fprintf(w, `{"key":%q,"key_url":%q,"basic":%q,"basic_url":%q,"ctx0":%q,"ctx1":%q,"ctx2":%q}`,
		base64.RawStdEncoding.EncodeToString([]byte(key)),
		base64.URLEncoding.EncodeToString([]byte(key)),
		base64.StdEncoding.EncodeToString(pair),
		base64.RawURLEncoding.EncodeToString(pair),
		base64.StdEncoding.EncodeToString([]byte(`{"k":"`+key+`"}`)),
		base64.StdEncoding.EncodeToString([]byte(`{"ke":"`+key+`"}`)),
		base64.URLEncoding.EncodeToString([]byte(`{"key":"`+key+`"}`)))
}

// base64Reports scans base64EchoAPI and renders the result in every
// report format, each with what the scan printed on the failed happy
// path.
func base64Reports(t *testing.T, show bool) map[string]string {
	t.Helper()
	doc, _ := loadInline(t, base64SecretSpec)
	cfg, err := config.Parse([]byte(base64SecretConfig))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(base64EchoAPI))
	t.Cleanup(srv.Close)
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, Timeout: 2 * time.Second, NoProbes: true, ShowSecrets: show})
	if err != nil {
		t.Fatal(err)
	}
	rep := &report.Report{Tool: "rampart", Version: "test", Kind: "scan", Results: []report.SpecResult{res.Spec}, Rules: scan.Rules()}
	out := map[string]string{}
	for _, format := range []string{"text", "json", "sarif", "html", "junit"} {
		var b bytes.Buffer
		if err := report.Write(&b, format, rep, report.Options{}); err != nil {
			t.Fatal(err)
		}
		s := b.String()
		if format == "html" {
			s = html.UnescapeString(s) // '+' and '=' are written as entities
		}
		for _, why := range res.HappyFailures {
			s += "\n" + why
		}
		out[format] = s
	}
	return out
}

var base64Run = regexp.MustCompile(`[A-Za-z0-9+/_-]{6,}`)

// decodedSecrets returns the secrets of which some base64 text in s
// decodes to six bytes or more, from any of the four starting characters
// of a group, in either alphabet: what a reader of the report could
// recover, a secret's start left by a cut included.
func decodedSecrets(s string, secrets ...string) []string {
	var found []string
	for _, secret := range secrets {
		for _, run := range base64Run.FindAllString(s, -1) {
			hit := false
			for off := range 4 {
				if off >= len(run) {
					break
				}
				r := run[off:]
				if len(r)%4 == 1 {
					r = r[:len(r)-1] // no whole byte in one character
				}
				for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
					b, err := enc.DecodeString(r)
					for i := 0; err == nil && i+6 <= len(secret); i++ {
						hit = hit || bytes.Contains(b, []byte(secret[i:i+6]))
					}
				}
			}
			if hit {
				found = append(found, secret+" in "+run)
				break
			}
		}
	}
	return found
}

// A target that echoes the API key or the Basic credentials
// base64-encoded (debug headers, a body, encoded JSON) must not get them
// into any report format: each base64 form of a secret is redacted like
// the secret itself.
func TestBase64EchoedSecretsAreRedactedInEveryFormat(t *testing.T) {
	pair := b64User + ":" + b64Password
	for format, out := range base64Reports(t, false) {
		if !strings.Contains(out, `"key_url":`) {
			t.Fatalf("%s: the echoing response is not in the report; the test proves nothing:\n%s", format, out)
		}
		for _, leak := range decodedSecrets(out, b64Key, b64Password, pair) {
			t.Errorf("%s: a base64 form of a secret shows: %s", format, leak)
		}
	}
}

// Control: with --show-secrets the encoded forms are there, and the
// check above finds them.
func TestBase64EchoedSecretsShownWithShowSecrets(t *testing.T) {
	pair := b64User + ":" + b64Password
	for format, out := range base64Reports(t, true) {
		if got := decodedSecrets(out, b64Key, b64Password, pair); len(got) != 3 {
			t.Errorf("%s: with --show-secrets, found %q", format, got)
		}
	}
}
