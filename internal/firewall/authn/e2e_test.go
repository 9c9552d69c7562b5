package authn

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
	"github.com/rampart-sec/rampart/internal/spec"
)

type tokenSigner struct {
	kid string
	key *rsa.PrivateKey
}

func newTokenSigner(t testing.TB, kid string) tokenSigner {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return tokenSigner{kid: kid, key: k}
}

func (s tokenSigner) jwk(t testing.TB) jwk.Key {
	k, err := jwk.PublicKeyOf(s.key)
	if err != nil {
		t.Fatal(err)
	}
	_ = k.Set(jwk.KeyIDKey, s.kid)
	return k
}

func (s tokenSigner) token(t testing.TB, claims map[string]any) string {
	t.Helper()
	base := map[string]any{"iss": "https://idp.example", "aud": "orders", "sub": "alice", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
	for k, v := range claims {
		base[k] = v
	}
	payload, _ := json.Marshal(base)
	h := jws.NewHeaders()
	_ = h.Set(jws.KeyIDKey, s.kid)
	_ = h.Set(jws.TypeKey, "at+jwt")
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), s.key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// fixture is a contract, a configuration and a protected server on
// loopback that answers 200 or the authentication failure.
type fixture struct {
	srv    *httptest.Server
	jwks   *httptest.Server
	jwksUp *atomic.Bool
	rt     *Runtime
	signer tokenSigner
}

func newFixture(t *testing.T, jwksUp bool) *fixture {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	f := &fixture{signer: newTokenSigner(t, "k1"), jwksUp: &atomic.Bool{}}
	f.jwksUp.Store(jwksUp)
	f.jwks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.jwksUp.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		set := jwk.NewSet()
		_ = set.AddKey(f.signer.jwk(t))
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(f.jwks.Close)

	doc, err := spec.Load(ctx, "testdata/api.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hash, _ := bcrypt.GenerateFromPassword([]byte("opensesame"), bcrypt.MinCost)
	conf := fmt.Sprintf(`
realm: orders
schemes:
  oauth:
    jwt:
      jwks_url: %s
      issuer: https://idp.example
      audiences: [orders]
      type: at+jwt
      min_refresh: 20ms
      leeway: 30s
  apiKey:
    api_keys:
      keys:
        - {id: partner-a, sha256: %s}
  queryKey:
    api_keys:
      keys: [{id: q, sha256: %s}]
  cookieKey:
    api_keys:
      keys: [{id: c, sha256: %s}]
  basic:
    basic:
      users:
        - {username: ops, bcrypt: '%s'}
denylist: {backend: memory}
`, f.jwks.URL, apikey.Digest("key-a"), apikey.Digest("qkey"), apikey.Digest("ckey"), hash)
	var cfg Config
	if err := yaml.Unmarshal([]byte(conf), &cfg); err != nil {
		t.Fatal(err)
	}
	rt, err := cfg.Build(doc.SecuritySchemes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Check(doc.Operations); err != nil {
		t.Fatal(err)
	}
	rt.Start(ctx)
	f.rt = rt
	f.srv = serveRuntime(t, rt, doc)
	return f
}

func (f *fixture) do(t *testing.T, method, path string, hdr ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, nil)
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

func waitReady(t *testing.T, rt *Runtime) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !rt.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("authentication never became ready")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestEndToEnd(t *testing.T) {
	f := newFixture(t, true)
	waitReady(t, f.rt)
	read := f.signer.token(t, map[string]any{"scope": "orders:read"})
	write := f.signer.token(t, map[string]any{"scp": []string{"orders:read", "orders:write"}})
	expired := f.signer.token(t, map[string]any{"scope": "orders:read", "exp": time.Now().Add(-time.Hour).Unix()})
	wrongAud := f.signer.token(t, map[string]any{"scope": "orders:read", "aud": "billing"})
	revoked := f.signer.token(t, map[string]any{"scope": "orders:read", "jti": "t-42"})
	basic := func(u, p string) string {
		r, _ := http.NewRequest("GET", "/", nil)
		r.SetBasicAuth(u, p)
		return r.Header.Get("Authorization")
	}

	tests := []struct {
		name      string
		method    string
		path      string
		hdr       []string
		status    int
		challenge string // substring of WWW-Authenticate
		subject   string
	}{
		{"no token", "GET", "/orders", nil, 401, `Bearer realm="orders"`, ""},
		{"no token has no error code", "GET", "/orders", nil, 401, "", ""},
		{"valid token", "GET", "/orders", []string{"Authorization", "Bearer " + read}, 200, "", "alice"},
		{"lower-case scheme", "GET", "/orders", []string{"Authorization", "bearer " + read}, 200, "", "alice"},
		{"expired", "GET", "/orders", []string{"Authorization", "Bearer " + expired}, 401, `error="invalid_token", error_description="the token has expired"`, ""},
		{"wrong audience", "GET", "/orders", []string{"Authorization", "Bearer " + wrongAud}, 401, `error="invalid_token"`, ""},
		{"insufficient scope", "POST", "/orders", []string{"Authorization", "Bearer " + read}, 403, `error="insufficient_scope"`, ""},
		{"insufficient scope names the scope", "POST", "/orders", []string{"Authorization", "Bearer " + read}, 403, `scope="orders:write"`, ""},
		{"scp array grants", "POST", "/orders", []string{"Authorization", "Bearer " + write}, 200, "", "alice"},
		{"two Authorization fields", "GET", "/orders", []string{"Authorization", "Bearer " + read, "Authorization", "Bearer " + read}, 400, `error="invalid_request"`, ""},
		{"not a b64token", "GET", "/orders", []string{"Authorization", "Bearer a b"}, 400, "", ""},
		{"AND: token alone is not enough", "GET", "/admin", []string{"Authorization", "Bearer " + read}, 401, "", ""},
		{"AND: token and key", "GET", "/admin", []string{"Authorization", "Bearer " + read, "X-API-Key", "key-a"}, 200, "", "alice"},
		{"AND: token and wrong key", "GET", "/admin", []string{"Authorization", "Bearer " + read, "X-API-Key", "nope"}, 401, "", ""},
		{"OR: basic alone", "GET", "/admin", []string{"Authorization", basic("ops", "opensesame")}, 200, "", "ops"},
		{"OR: basic wrong password", "GET", "/admin", []string{"Authorization", basic("ops", "wrong")}, 401, "", ""},
		// The firewall would check one field and the upstream might read
		// the other: refused as two Bearer fields are.
		{"basic: two Authorization fields", "GET", "/admin", []string{"Authorization", basic("ops", "opensesame"), "Authorization", basic("admin", "x")}, 400, "", ""},
		{"basic: valid field after a bearer field", "GET", "/admin", []string{"Authorization", "Bearer " + read, "Authorization", basic("ops", "opensesame")}, 400, "", ""},
		{"OR: unknown user", "GET", "/admin", []string{"Authorization", basic("eve", "opensesame")}, 401, "", ""},
		{"optional: anonymous", "GET", "/catalog", nil, 200, "", ""},
		{"optional: valid token identifies", "GET", "/catalog", []string{"Authorization", "Bearer " + read}, 200, "", "alice"},
		{"optional: invalid token refused", "GET", "/catalog", []string{"Authorization", "Bearer " + expired}, 401, "invalid_token", ""},
		// RFC 9110: the scheme and the token are separated by spaces only.
		// An upstream that also splits on a tab would use a token the
		// firewall never verified; the ambiguous field is refused.
		{"optional: tab after Bearer is not anonymous", "GET", "/catalog", []string{"Authorization", "Bearer\t" + expired}, 400, `error="invalid_request"`, ""},
		{"tab after Bearer", "GET", "/orders", []string{"Authorization", "Bearer\t" + read}, 400, `error="invalid_request"`, ""},
		{"tab after Basic", "GET", "/admin", []string{"Authorization", strings.Replace(basic("ops", "opensesame"), " ", "\t", 1)}, 400, "", ""},
		{"bare Bearer is no token", "GET", "/catalog", []string{"Authorization", "Bearer"}, 200, "", ""},
		{"several spaces after Bearer", "GET", "/orders", []string{"Authorization", "Bearer   " + read}, 200, "", "alice"},
		{"security: [] is anonymous", "GET", "/health", nil, 200, "", ""},
		{"api key in query", "GET", "/query?key=qkey", nil, 200, "", "q"},
		{"api key in cookie", "GET", "/query", []string{"Cookie", "session_key=ckey"}, 200, "", "c"},
		{"api key in the wrong place", "GET", "/query", []string{"X-API-Key", "qkey"}, 401, "", ""},
	}
	if err := f.rt.denylist().Add(context.Background(), denyEntry("t-42")); err != nil {
		t.Fatal(err)
	}
	tests = append(tests, struct {
		name      string
		method    string
		path      string
		hdr       []string
		status    int
		challenge string
		subject   string
	}{"revoked by jti", "GET", "/orders", []string{"Authorization", "Bearer " + revoked}, 401, "revoked", ""})

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.do(t, tc.method, tc.path, tc.hdr...)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d (%s), want %d; WWW-Authenticate: %s", resp.StatusCode, resp.Header.Get("X-Reason"), tc.status, resp.Header.Get("WWW-Authenticate"))
			}
			wa := resp.Header.Get("WWW-Authenticate")
			if tc.challenge != "" && !strings.Contains(wa, tc.challenge) {
				t.Errorf("WWW-Authenticate = %q, want it to contain %q", wa, tc.challenge)
			}
			if tc.name == "no token has no error code" && strings.Contains(wa, "error=") {
				t.Errorf("RFC 6750 3.1: no error code without a token; got %q", wa)
			}
			if tc.status >= 400 && strings.Contains(wa, read) {
				t.Error("the challenge echoes the token")
			}
			if got := resp.Header.Get("X-Subject"); got != tc.subject {
				t.Errorf("subject = %q, want %q", got, tc.subject)
			}
		})
	}
}

func TestNotReadyGives503(t *testing.T) {
	f := newFixture(t, false)
	tok := f.signer.token(t, map[string]any{"scope": "orders:read"})
	time.Sleep(50 * time.Millisecond)
	if f.rt.Ready() {
		t.Fatal("ready with the JWKS host down")
	}
	resp := f.do(t, "GET", "/orders", "Authorization", "Bearer "+tok)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("status = %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// Anonymous operations are unaffected.
	if resp := f.do(t, "GET", "/health"); resp.StatusCode != 200 {
		t.Fatalf("anonymous operation: status %d", resp.StatusCode)
	}
	// Optional authentication: without a token the caller is anonymous,
	// but a token that cannot be checked now is not waved through as if
	// absent (the upstream would get it unverified, perhaps revoked).
	if resp := f.do(t, "GET", "/catalog"); resp.StatusCode != 200 {
		t.Fatalf("optional, no token: status %d", resp.StatusCode)
	}
	if resp := f.do(t, "GET", "/catalog", "Authorization", "Bearer "+tok); resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("optional, token not checkable: status %d, Retry-After %q; want 503", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	f.jwksUp.Store(true)
	waitReady(t, f.rt)
	if resp := f.do(t, "GET", "/orders", "Authorization", "Bearer "+tok); resp.StatusCode != 200 {
		t.Fatalf("after keys loaded: status %d", resp.StatusCode)
	}
}

func TestBuildErrors(t *testing.T) {
	doc, err := spec.Load(context.Background(), "testdata/api.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		conf string
		want string
	}{
		{"unknown scheme", "schemes: {nope: {api_keys: {keys: [{id: a, sha256: " + apikey.Digest("x") + "}]}}}", "no such security scheme"},
		{"wrong kind for type", "schemes: {apiKey: {basic: {users: []}}}", "basic"},
		{"bearer config on apiKey scheme", "schemes: {apiKey: {jwt: {jwks_url: 'https://idp/jwks'}}}", "configure api_keys"},
		{"key not a digest", "schemes: {apiKey: {api_keys: {keys: [{id: a, sha256: plain-key}]}}}", "64 hex digits"},
		{"alg none", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks', algorithms: [none]}}}", "not accepted"},
		{"bad denylist backend", "denylist: {backend: etcd}\nschemes: {}", "memory or redis"},
		{"dpop without the origin clients call", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}, dpop: {}}}", "authentication.schemes.oauth: dpop: dpop.external_origin: required"},
		{"bad dpop_replay backend", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}, dpop: {external_origin: 'https://api.example'}}}\ndpop_replay: {backend: etcd}", "memory or redis"},
		{"dpop_replay without a dpop scheme", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}}}\ndpop_replay: {backend: memory}", "no scheme has a dpop section"},
		{"denylist password variable not set", "denylist: {backend: redis, redis_addr: '127.0.0.1:1', redis_password_env: RAMPART_TEST_NO_SUCH_VARIABLE}\nschemes: {}", "authentication.denylist.redis_password_env: environment variable RAMPART_TEST_NO_SUCH_VARIABLE is not set"},
		{"denylist negative db", "denylist: {backend: redis, redis_addr: '127.0.0.1:1', redis_db: -1}\nschemes: {}", "authentication.denylist.redis_db: must not be negative"},
		{"denylist negative timeout", "denylist: {backend: redis, redis_addr: '127.0.0.1:1', timeout: -1s}\nschemes: {}", "authentication.denylist.timeout: must not be negative"},
		{"denylist address for the memory backend", "denylist: {redis_addr: '127.0.0.1:1'}\nschemes: {}", "authentication.denylist.redis_addr: set, but the backend is memory"},
		{"dpop_replay negative timeout", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}, dpop: {external_origin: 'https://api.example'}}}\ndpop_replay: {backend: redis, redis_addr: '127.0.0.1:1', timeout: -1ms}", "authentication.dpop_replay.timeout: must not be negative"},
		{"denylist CA file missing", "denylist: {backend: redis, redis_addr: '127.0.0.1:1', redis_tls: true, redis_ca_file: testdata/no-such-ca.pem}\nschemes: {}", "authentication.denylist.redis_ca_file: open testdata/no-such-ca.pem: no such file or directory"},
		{"denylist CA file without a certificate", "denylist: {backend: redis, redis_addr: '127.0.0.1:1', redis_tls: true, redis_ca_file: testdata/api.yaml}\nschemes: {}", "authentication.denylist.redis_ca_file: testdata/api.yaml holds no PEM certificate"},
		{"denylist CA file without TLS", "denylist: {backend: redis, redis_addr: '127.0.0.1:1', redis_ca_file: testdata/api.yaml}\nschemes: {}", "authentication.denylist.redis_ca_file: set, but authentication.denylist.redis_tls is not true"},
		{"dpop_replay CA file missing", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}, dpop: {external_origin: 'https://api.example'}}}\ndpop_replay: {backend: redis, redis_addr: '127.0.0.1:1', redis_tls: true, redis_ca_file: testdata/no-such-ca.pem}", "authentication.dpop_replay.redis_ca_file: open testdata/no-such-ca.pem: no such file or directory"},
		{"dpop_replay CA file without a certificate", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}, dpop: {external_origin: 'https://api.example'}}}\ndpop_replay: {backend: redis, redis_addr: '127.0.0.1:1', redis_tls: true, redis_ca_file: testdata/api.yaml}", "authentication.dpop_replay.redis_ca_file: testdata/api.yaml holds no PEM certificate"},
		{"dpop_replay password variable not set", "schemes: {oauth: {jwt: {jwks_url: 'https://idp/jwks'}, dpop: {external_origin: 'https://api.example'}}}\ndpop_replay: {backend: redis, redis_addr: '127.0.0.1:1', redis_password_env: RAMPART_TEST_NO_SUCH_VARIABLE}", "RAMPART_TEST_NO_SUCH_VARIABLE is not set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg Config
			if err := yaml.Unmarshal([]byte(tc.conf), &cfg); err != nil {
				t.Fatal(err)
			}
			_, err := cfg.Build(doc.SecuritySchemes, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// A scheme the contract uses with no configuration is reported.
	var cfg Config
	rt, err := cfg.Build(doc.SecuritySchemes, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Check(doc.Operations); err == nil || !strings.Contains(err.Error(), `"oauth"`) {
		t.Fatalf("Check = %v", err)
	}
}

// TestRevokedTokenHashHasOneSpelling: a token revoked by its hash stays
// revoked when the client re-encodes its signature (padding, the unused
// bits of the last character, the standard base64 alphabet), since each
// spelling hashes differently.
func TestRevokedTokenHashHasOneSpelling(t *testing.T) {
	f := newFixture(t, true)
	waitReady(t, f.rt)
	tok := f.signer.token(t, map[string]any{"scope": "orders:read"})
	if err := f.rt.denylist().Add(context.Background(), denylist.Entry{TokenHash: denylist.TokenHash(tok), Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	dot := strings.LastIndexByte(tok, '.')
	sig := tok[dot+1:]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	// A 256-byte RS256 signature leaves two unused bits in its last
	// character; flipping the lowest gives the same signature bytes.
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	std := strings.NewReplacer("-", "+", "_", "/").Replace(sig)
	if std == sig {
		t.Skip("the signature happens to use neither - nor _")
	}
	tests := []struct{ name, tok string }{
		{"as revoked", tok},
		{"padded signature", tok + "=="},
		{"other unused bits in the last character", tok[:len(tok)-1] + string(alphabet[last^1])},
		{"standard base64 alphabet", tok[:dot+1] + std},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.do(t, "GET", "/orders", "Authorization", "Bearer "+tc.tok)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d (%s), want 401", resp.StatusCode, resp.Header.Get("X-Reason"))
			}
		})
	}
}
