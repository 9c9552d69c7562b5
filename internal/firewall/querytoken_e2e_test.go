package firewall

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
)

const queryTokenSpec = `openapi: 3.1.0
info: {title: query tokens, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    queryKey: {type: apiKey, in: query, name: access_token}
  responses:
    ok: {description: ok, content: {application/json: {schema: {type: object}}}}
paths:
  /jwt:
    get:
      operationId: jwt
      security: [{bearer: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /opt:
    get:
      operationId: opt
      security: [{}, {bearer: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /anon:
    get:
      operationId: anon
      security: []
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /declared:
    get:
      operationId: declared
      security: [{bearer: []}]
      parameters: [{name: access_token, in: query, schema: {type: string}}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /form:
    post:
      operationId: form
      security: [{bearer: []}]
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object, additionalProperties: true}}
          multipart/form-data: {schema: {type: object, additionalProperties: true}}
          application/json: {schema: {type: object, additionalProperties: true}}
      responses: {"201": {$ref: "#/components/responses/ok"}}
  /key:
    get:
      operationId: key
      security: [{queryKey: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
`

// TestProtectQueryAccessToken: an access token in the query string
// (RFC 6750 section 2.3) is refused with 400 invalid_request on an
// operation a token scheme protects, beside a verified header token or
// alone where anonymous callers are admitted too: the upstream got it
// unverified. An API key the contract reads from the query under that
// name is that scheme's credential. A credential of a kind no scheme
// reads is auth-invalid with or without an anonymous alternative.
func TestProtectQueryAccessToken(t *testing.T) {
	up, d := startUpstream(t), startIDP(t, true)
	specPath := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(specPath, []byte(queryTokenSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startFirewall(t, loadConfigYAML(t, fmt.Sprintf(`spec: %s
upstream: http://%s
operations:
  jwt: {allow_undeclared_query: true}
  opt: {allow_undeclared_query: true}
  anon: {allow_undeclared_query: true}
authentication:
  realm: api
  schemes:
    bearer:
      jwt: {jwks_url: %s, issuer: https://idp.example, audiences: [orders], min_refresh: 20ms}
    queryKey:
      api_keys: {keys: [{id: partner, sha256: %s}]}
`, specPath, up.addr, d.url, apikey.Digest("the-key"))), nil)
	waitFor(t, "JWKS", s.Ready)
	// A contract that declares the parameter on a token-protected
	// operation is told at start-up that such calls are refused.
	var reported []string
	for _, p := range s.Plan().Problems {
		if strings.Contains(p, "access_token") {
			reported = append(reported, p)
		}
	}
	if len(reported) != 1 || !strings.HasPrefix(reported[0], "GET /declared declares an access_token query parameter") {
		t.Errorf("contract problems about access_token: %q", reported)
	}
	good := d.token(t, "k1", nil)
	forged := d.token(t, "k1", map[string]any{"aud": "elsewhere", "exp": time.Now().Add(-time.Hour).Unix()})
	cases := []struct {
		name, path string
		hdr        []string
		status     int
		reason     string
	}{
		{"header token", "/jwt", bearer(good), 200, ""},
		{"header token and a forged one in the query", "/jwt?access_token=" + forged, bearer(good), 400, "auth-bad-request"},
		{"the name escaped", "/jwt?access_%74oken=" + forged, bearer(good), 400, "auth-bad-request"},
		{"the name in capitals", "/jwt?ACCESS_TOKEN=" + forged, bearer(good), 400, "auth-bad-request"},
		// Spellings PHP and Rails file as access_token.
		{"the name dotted", "/jwt?access.token=" + forged, bearer(good), 400, "auth-bad-request"},
		{"the name with a space", "/jwt?access+token=" + forged, bearer(good), 400, "auth-bad-request"},
		{"the name after a space", "/jwt?+access_token=" + forged, bearer(good), 400, "auth-bad-request"},
		{"the name as an array", "/jwt?access_token[]=" + forged, bearer(good), 400, "auth-bad-request"},
		{"the name with an unclosed bracket", "/opt?access[token=" + forged, nil, 400, "auth-bad-request"},
		{"another name", "/jwt?accesstoken=x", bearer(good), 200, ""},
		{"a good token in the query", "/jwt?access_token=" + good, nil, 400, "auth-bad-request"},
		{"anonymous alternative, forged token in the query", "/opt?access_token=" + forged, nil, 400, "auth-bad-request"},
		{"anonymous alternative, nothing", "/opt?page=2", nil, 200, ""},
		{"anonymous operation: no credential is checked", "/anon?access_token=" + forged, nil, 200, ""},
		{"an API key read from the query under that name", "/key?access_token=the-key", nil, 200, ""},
		{"a wrong API key under that name", "/key?access_token=other", nil, 401, "auth-invalid"},
		// A credential of a kind no scheme of the operation reads is
		// presented and refused, whether or not {} is an alternative:
		// the reason code does not depend on it.
		{"another kind of credential", "/jwt", []string{"Authorization", "Token xyz"}, 401, "auth-invalid"},
		{"another kind of credential where {} is an alternative", "/opt", []string{"Authorization", "Token xyz"}, 401, "auth-invalid"},
		{"a bare scheme name carries nothing", "/jwt", []string{"Authorization", "Bearer"}, 401, "auth-missing"},
		{"nothing", "/jwt", nil, 401, "auth-missing"},
	}
	// RFC 6750 section 2.2: a token as a form field, refused the same
	// way where the operation's schema is open to any field.
	for _, tc := range []struct {
		name, ct, body, reason string
		status                 int
	}{
		{"form field", "application/x-www-form-urlencoded", "note=hi&access_token=" + forged, "auth-bad-request", 400},
		{"form field under a PHP spelling", "application/x-www-form-urlencoded", "access.token=" + forged, "auth-bad-request", 400},
		{"multipart field", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"access_token\"\r\n\r\n" + forged + "\r\n--B--\r\n", "auth-bad-request", 400},
		{"other fields", "application/x-www-form-urlencoded", "note=hi&token_type=x", "", 201},
		// Rails merges JSON members into params.
		{"JSON member", "application/json", `{"note":"hi","access_token":"` + forged + `"}`, "auth-bad-request", 400},
		{"JSON member nested", "application/json", `{"note":{"access_token":"x"}}`, "", 201},
		{"JSON without it", "application/json", `{"note":"hi"}`, "", 201},
	} {
		t.Run("body: "+tc.name, func(t *testing.T) {
			req, err := http.NewRequest("POST", "http://"+s.Addr()+"/form", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", tc.ct)
			req.Header.Set("Authorization", "Bearer "+good)
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var prob struct{ Reason string }
			_ = json.NewDecoder(resp.Body).Decode(&prob)
			resp.Body.Close()
			if resp.StatusCode != tc.status || prob.Reason != tc.reason {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, prob.Reason, tc.status, tc.reason)
			}
			if up.reached(resp.Header.Get(RequestIDHeader)) != (tc.status == 201) {
				t.Fatal("upstream reached:", tc.status != 201)
			}
		})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, reason := call{"GET", tc.path, tc.hdr, ""}.do(t, s)
			if resp.StatusCode != tc.status || reason != tc.reason {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, reason, tc.status, tc.reason)
			}
			if up.reached(resp.Header.Get(RequestIDHeader)) != (tc.status == 200) {
				t.Fatalf("upstream reached: %v", !(tc.status == 200))
			}
			if tc.status == 400 && tc.reason == "auth-bad-request" {
				if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer realm="api", error="invalid_request", error_description="access tokens in the query string are not accepted; send the token in the Authorization header"` {
					t.Errorf("WWW-Authenticate: %s", got)
				}
			}
		})
	}
}
