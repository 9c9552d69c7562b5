package authn

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/spec"
)

// loadDoc loads a contract written in the test.
func loadDoc(t *testing.T, text string) *spec.Document {
	t.Helper()
	path := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := spec.Load(context.Background(), path, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// buildRuntime builds conf (YAML) for doc and starts its key loaders.
func buildRuntime(t *testing.T, doc *spec.Document, conf string) (*Runtime, error) {
	t.Helper()
	var cfg Config
	if err := yaml.Unmarshal([]byte(conf), &cfg); err != nil {
		t.Fatal(err)
	}
	rt, err := cfg.Build(doc.SecuritySchemes, nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	t.Cleanup(func() { _ = rt.Close() })
	rt.Start(ctx)
	return rt, nil
}

// serveRuntime answers on loopback as the firewall's authentication stage
// does: the failure's status and challenge, or 200 naming the caller.
func serveRuntime(t *testing.T, rt *Runtime, doc *spec.Document) *httptest.Server {
	t.Helper()
	ops := map[string]*spec.Operation{}
	for _, op := range doc.Operations {
		ops[op.Method+" "+op.Path] = op
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := ops[r.Method+" "+r.URL.Path]
		if op == nil {
			http.NotFound(w, r)
			return
		}
		id, fail := rt.Evaluate(r.Context(), r, op.Security)
		if fail != nil {
			fail.WriteHeaders(w.Header())
			w.Header().Set("X-Reason", fail.Reason())
			w.WriteHeader(fail.Status())
			return
		}
		w.Header().Set("X-Subject", id.Subject)
		w.Header().Set("X-Schemes", strings.Join(id.Schemes, ","))
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// jwksOf serves the public keys of signers on loopback.
func jwksOf(t *testing.T, signers ...tokenSigner) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		set := jwk.NewSet()
		for _, s := range signers {
			_ = set.AddKey(s.jwk(t))
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string, hdr ...string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func noneToken(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(map[string]any{"alg": "none", "kid": "k1", "typ": "at+jwt"}) + "." + enc(claims) + "."
}

const presentedSpec = `openapi: 3.1.0
info: {title: presented credentials, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    other: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://idp.example/token", scopes: {admin: admin}}}}
    key: {type: apiKey, in: header, name: X-API-Key}
    keyB: {type: apiKey, in: header, name: x-api-key}
    basic: {type: http, scheme: basic}
paths:
  /either:
    get:
      security: [{bearer: []}, {key: []}]
      responses: {"200": {description: ok}}
  /optional:
    get:
      security: [{}, {bearer: []}]
      responses: {"200": {description: ok}}
  /issuers:
    get:
      security: [{bearer: []}, {other: []}]
      responses: {"200": {description: ok}}
  /keys:
    get:
      security: [{key: []}, {keyB: []}]
      responses: {"200": {description: ok}}
  /scoped:
    get:
      security: [{other: [admin]}, {key: []}]
      responses: {"200": {description: ok}}
  /keyonly:
    get:
      security: [{key: []}]
      responses: {"200": {description: ok}}
  /bearer-or-basic:
    get:
      security: [{bearer: []}, {basic: []}, {key: []}]
      responses: {"200": {description: ok}}
`

// TestPresentedCredentialsMustVerify: whichever alternative admits a
// request, a credential it presents for a scheme the requirements name
// must verify, or the upstream would get a forged or expired credential
// beside a good one. Absent credentials are not presented; schemes that
// read the same place (two issuers, two key lists) each get their chance.
func TestPresentedCredentialsMustVerify(t *testing.T) {
	a, b := newTokenSigner(t, "k1"), newTokenSigner(t, "k2")
	hash, _ := bcrypt.GenerateFromPassword([]byte("opensesame"), bcrypt.MinCost)
	doc := loadDoc(t, presentedSpec)
	rt, err := buildRuntime(t, doc, fmt.Sprintf(`
realm: orders
schemes:
  bearer:
    jwt: {jwks_url: %s, issuer: https://idp.example, audiences: [orders]}
  other:
    jwt: {jwks_url: %s, issuer: https://idp.example, audiences: [orders]}
  key:
    api_keys: {keys: [{id: partner-a, sha256: %s}]}
  keyB:
    api_keys: {keys: [{id: partner-b, sha256: %s}]}
  basic:
    basic: {users: [{username: ops, bcrypt: '%s'}]}
`, jwksOf(t, a), jwksOf(t, b), apikey.Digest("key-a"), apikey.Digest("key-b"), hash))
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, rt)
	srv := serveRuntime(t, rt, doc)

	good := a.token(t, nil)
	expired := a.token(t, map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	forged := noneToken(map[string]any{"iss": "https://idp.example", "aud": "orders", "sub": "root", "exp": time.Now().Add(time.Hour).Unix()})
	otherIssuer := b.token(t, nil)
	basicAuth := func(u, p string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
	}
	key := []string{"X-API-Key", "key-a"}
	with := func(hdr ...string) []string { return append(append([]string{}, key...), hdr...) }

	tests := []struct {
		name      string
		path      string
		hdr       []string
		status    int
		challenge string // substring of WWW-Authenticate
		subject   string
	}{
		{"key alone", "/either", key, 200, "", "partner-a"},
		{"key and a valid token", "/either", with("Authorization", "Bearer "+good), 200, "", "alice"},
		{"key and an alg none token", "/either", with("Authorization", "Bearer "+forged), 401, `Bearer realm="orders", error="invalid_token"`, ""},
		{"key and an expired token", "/either", with("Authorization", "Bearer "+expired), 401, `error_description="the token has expired"`, ""},
		{"key and a token of an unknown key", "/either", with("Authorization", "Bearer "+otherIssuer), 401, `error="invalid_token"`, ""},
		{"key and a garbled token", "/either", with("Authorization", "Bearer a.b.c"), 401, `error="invalid_token"`, ""},
		{"key and two Authorization fields", "/either", with("Authorization", "Bearer "+good, "Authorization", "Bearer "+good), 400, `error="invalid_request"`, ""},
		{"key and a credential of another scheme name", "/either", with("Authorization", "Token abc"), 401, `Bearer realm="orders", error="invalid_token"`, ""},
		{"key and a basic credential no scheme takes", "/either", with("Authorization", basicAuth("ops", "opensesame")), 401, `error="invalid_token"`, ""},
		{"key and a bare unknown word", "/either", with("Authorization", "sometoken"), 401, `error="invalid_token"`, ""},
		{"key and a bare Bearer carries no credential", "/either", with("Authorization", "Bearer"), 200, "", "partner-a"},
		{"key and an empty Authorization", "/either", with("Authorization", ""), 200, "", "partner-a"},
		{"token and an unknown key", "/either", []string{"Authorization", "Bearer " + good, "X-API-Key", "nope"}, 401, `APIKey realm="orders"`, ""},
		{"token and the key sent twice", "/either", []string{"Authorization", "Bearer " + good, "X-API-Key", "key-a", "X-API-Key", "key-a"}, 400, "", ""},
		{"token and an empty key", "/either", []string{"Authorization", "Bearer " + good, "X-API-Key", " "}, 200, "", "alice"},
		{"optional: nothing", "/optional", nil, 200, "", ""},
		{"optional: bare Bearer", "/optional", []string{"Authorization", "Bearer"}, 200, "", ""},
		{"optional: a credential of another scheme name", "/optional", []string{"Authorization", "Digest username=x"}, 401, `error="invalid_token"`, ""},
		{"optional: a valid token", "/optional", []string{"Authorization", "Bearer " + good}, 200, "", "alice"},
		{"two issuers: the first accepts", "/issuers", []string{"Authorization", "Bearer " + good}, 200, "", "alice"},
		{"two issuers: the second accepts", "/issuers", []string{"Authorization", "Bearer " + otherIssuer}, 200, "", "alice"},
		{"two issuers: neither accepts", "/issuers", []string{"Authorization", "Bearer " + forged}, 401, `error="invalid_token"`, ""},
		{"two key lists: the first", "/keys", []string{"X-API-Key", "key-a"}, 200, "", "partner-a"},
		{"two key lists: the second", "/keys", []string{"X-API-Key", "key-b"}, 200, "", "partner-b"},
		{"two key lists: neither", "/keys", []string{"X-API-Key", "key-c"}, 401, "", ""},
		{"a genuine token lacking a scope beside a key", "/scoped", with("Authorization", "Bearer "+otherIssuer), 200, "", "partner-a"},
		{"a forged token beside a key", "/scoped", with("Authorization", "Bearer "+forged), 401, `error="invalid_token"`, ""},
		{"no scheme of the operation reads Authorization", "/keyonly", with("Authorization", "Bearer "+forged), 200, "", "partner-a"},
		{"basic verifies the field", "/bearer-or-basic", with("Authorization", basicAuth("ops", "opensesame")), 200, "", "ops"},
		{"a wrong password beside a key", "/bearer-or-basic", with("Authorization", basicAuth("ops", "guess")), 401, `Basic realm="orders"`, ""},
		{"a basic credential that does not decode beside a key", "/bearer-or-basic", with("Authorization", "Basic !!!"), 401, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := get(t, srv.URL+tc.path, tc.hdr...)
			wa := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d (%s), want %d; WWW-Authenticate: %s", resp.StatusCode, resp.Header.Get("X-Reason"), tc.status, wa)
			}
			if tc.challenge != "" && !strings.Contains(wa, tc.challenge) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %q", wa, tc.challenge)
			}
			if got := resp.Header.Get("X-Subject"); got != tc.subject {
				t.Errorf("subject = %q, want %q", got, tc.subject)
			}
		})
	}
}

// TestPresentedCredentialCannotBeChecked: beside a good API key, a token
// that cannot be checked now (keys not loaded) gets 503, as it does beside
// {}; it is not forwarded unverified.
func TestPresentedCredentialCannotBeChecked(t *testing.T) {
	a := newTokenSigner(t, "k1")
	hash, _ := bcrypt.GenerateFromPassword([]byte("opensesame"), bcrypt.MinCost)
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	t.Cleanup(down.Close)
	doc := loadDoc(t, presentedSpec)
	rt, err := buildRuntime(t, doc, fmt.Sprintf(`
schemes:
  bearer: {jwt: {jwks_url: %s, min_refresh: 1h}}
  other: {jwt: {jwks_url: %s, min_refresh: 1h}}
  key: {api_keys: {keys: [{id: partner-a, sha256: %s}]}}
  keyB: {api_keys: {keys: [{id: partner-b, sha256: %s}]}}
  basic: {basic: {users: [{username: ops, bcrypt: '%s'}]}}
`, down.URL, down.URL, apikey.Digest("key-a"), apikey.Digest("key-b"), hash))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveRuntime(t, rt, doc)
	if resp := get(t, srv.URL+"/either", "X-API-Key", "key-a"); resp.StatusCode != 200 {
		t.Fatalf("key alone: %d", resp.StatusCode)
	}
	resp := get(t, srv.URL+"/either", "X-API-Key", "key-a", "Authorization", "Bearer "+a.token(t, nil))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("key and an uncheckable token: %d, Retry-After %q; want 503", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}
