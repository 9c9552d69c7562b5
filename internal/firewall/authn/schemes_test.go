package authn

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"golang.org/x/crypto/bcrypt"
	"gopkg.in/yaml.v3"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/spec"
)

// schemesSpec has a scheme of every type. The openIdConnect scheme's
// discovery document is at the URL given.
const schemesSpec = `openapi: 3.1.0
info: {title: every scheme type, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    oidc: {type: openIdConnect, openIdConnectUrl: "%s"}
    cert: {type: mutualTLS}
    key: {type: apiKey, in: header, name: X-API-Key}
    basic: {type: http, scheme: basic}
paths:
  /bearer:
    get:
      security: [{bearer: []}]
      responses: {"200": {description: ok}}
  /oidc:
    get:
      security: [{oidc: []}]
      responses: {"200": {description: ok}}
  /cert:
    get:
      security: [{cert: []}]
      responses: {"200": {description: ok}}
  /cert-or-bearer:
    get:
      security: [{cert: []}, {bearer: []}]
      responses: {"200": {description: ok}}
`

// discovery serves an OpenID Connect discovery document naming a JWKS of
// signer's key, on loopback; it returns the document's URL.
func discovery(t *testing.T, signer tokenSigner) string {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "https://idp.example", "jwks_uri": srv.URL + "/jwks"})
			return
		}
		set := jwk.NewSet()
		_ = set.AddKey(signer.jwk(t))
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/.well-known/openid-configuration"
}

// TestSchemeSettingsFitType: a scheme is verified by the credential its
// type in the contract names, and a setting of another kind is refused
// at load, not obeyed (a token standing in for a client certificate) nor
// ignored (a certificate requirement never enforced). The configuration
// alone cannot tell: Validate accepts what Build refuses.
func TestSchemeSettingsFitType(t *testing.T) {
	s := newTokenSigner(t, "k1")
	doc := loadDoc(t, fmt.Sprintf(schemesSpec, discovery(t, s)))
	caFile := writeFile(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(t, "clients CA").Raw}))
	hash, _ := bcrypt.GenerateFromPassword([]byte("opensesame"), bcrypt.MinCost)
	mtlsSection := fmt.Sprintf("mtls: {ca_file: %s}", caFile)
	jwtSection := "jwt: {jwks_url: 'https://idp.example/jwks'}"
	keys := fmt.Sprintf("api_keys: {keys: [{id: a, sha256: %s}]}", apikey.Digest("key-a"))
	basic := fmt.Sprintf("basic: {users: [{username: ops, bcrypt: '%s'}]}", hash)
	tests := []struct {
		name   string
		scheme string
		conf   string // the scheme's section, flow style without braces
		want   string // "" when it builds
	}{
		{"mutualTLS with mtls", "cert", mtlsSection, ""},
		{"mutualTLS with jwt beside mtls", "cert", jwtSection + ", " + mtlsSection, "mutualTLS scheme: only the client certificate (mtls) authenticates it; remove jwt"},
		{"mutualTLS with introspection beside mtls", "cert", "introspection: {url: 'https://idp.example/introspect', client_id: x, client_secret_env: RAMPART_TEST_UNSET}, " + mtlsSection, "remove introspection"},
		{"mutualTLS with api_keys beside mtls", "cert", keys + ", " + mtlsSection, "remove api_keys"},
		{"mutualTLS with basic beside mtls", "cert", basic + ", " + mtlsSection, "remove basic"},
		{"mutualTLS with jwt alone", "cert", jwtSection, "mutualTLS scheme: configure mtls"},
		{"apiKey with mtls", "key", keys + ", " + mtlsSection, "apiKey scheme: mtls does not apply"},
		{"basic with mtls", "basic", basic + ", " + mtlsSection, "http basic scheme: mtls does not apply"},
		{"bearer with mtls for bound tokens", "bearer", jwtSection + ", " + mtlsSection, ""},
		{"openIdConnect: the scheme's URL is the key source", "oidc", "jwt: {}", ""},
		{"http bearer has no default key source", "bearer", "jwt: {}", "jwt: no key source"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg Config
			if err := yaml.Unmarshal([]byte(fmt.Sprintf("schemes: {%s: {%s}}", tc.scheme, tc.conf)), &cfg); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Fatalf("Validate (without the contract) = %v, want nil", err)
			}
			rt, err := cfg.Build(doc.SecuritySchemes, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Build = %v", err)
				}
				_ = rt.Close()
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build = %v, want it to mention %q", err, tc.want)
			}
			if !strings.Contains(err.Error(), "authentication.schemes."+tc.scheme) {
				t.Fatalf("Build = %v, want it to name the scheme", err)
			}
		})
	}
}

// TestOpenIDConnectDefaultKeySource: jwt: {} on an openIdConnect scheme
// finds the keys through the scheme's openIdConnectUrl.
func TestOpenIDConnectDefaultKeySource(t *testing.T) {
	s := newTokenSigner(t, "k1")
	doc := loadDoc(t, fmt.Sprintf(schemesSpec, discovery(t, s)))
	rt, err := buildRuntime(t, doc, "schemes: {oidc: {jwt: {audiences: [orders]}}}")
	if err != nil {
		t.Fatal(err)
	}
	waitReady(t, rt)
	srv := serveRuntime(t, rt, doc)
	if resp := get(t, srv.URL+"/oidc", "Authorization", "Bearer "+s.token(t, nil)); resp.StatusCode != 200 {
		t.Fatalf("token of the discovered issuer: %d (%s)", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if resp := get(t, srv.URL+"/oidc", "Authorization", "Bearer "+s.token(t, map[string]any{"iss": "https://other.example"})); resp.StatusCode != 401 {
		t.Fatalf("token of another issuer: %d, want 401", resp.StatusCode)
	}
}

// dpopProof is an RFC 9449 proof for a GET of htu with token.
func dpopProof(t *testing.T, key *ecdsa.PrivateKey, htu, jti, token string) string {
	t.Helper()
	ath := sha256.Sum256([]byte(token))
	payload, _ := json.Marshal(map[string]any{"jti": jti, "htm": "GET", "htu": htu, "iat": time.Now().Unix(), "ath": base64.RawURLEncoding.EncodeToString(ath[:])})
	pub, err := jwk.PublicKeyOf(key)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	_ = h.Set(jws.TypeKey, "dpop+jwt")
	_ = h.Set(jws.JWKKey, pub)
	out, err := jws.Sign(payload, jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func thumbprintOf(t *testing.T, key *ecdsa.PrivateKey) string {
	t.Helper()
	pub, err := jwk.PublicKeyOf(key)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}

// TestChallenges: a DPoP resource challenges with the DPoP scheme and its
// algs (RFC 9449 section 7.1), beside Bearer when it takes both (section
// 7.2), and a bad proof is invalid_dpop_proof; a client certificate
// failure has no challenge, since no HTTP authentication scheme asks for
// a certificate, and a Bearer challenge would misdirect the client.
func TestChallenges(t *testing.T) {
	s := newTokenSigner(t, "k1")
	doc := loadDoc(t, fmt.Sprintf(schemesSpec, discovery(t, s)))
	ca := selfSigned(t, "clients CA")
	caFile := writeFile(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	keyJSON, _ := json.Marshal(s.jwk(t))
	keyFile := writeFile(t, "keys.json", keyJSON)
	build := func(t *testing.T, bearer string) *Runtime {
		rt, err := buildRuntime(t, doc, fmt.Sprintf("realm: orders\nschemes:\n  bearer: {jwt: {key_files: [%s]}%s}\n  cert: {mtls: {ca_file: %s}}\n", keyFile, bearer, caFile))
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	optional := build(t, ", dpop: {algorithms: [ES256, EdDSA], external_origin: 'https://api.example'}")
	required := build(t, ", dpop: {algorithms: [ES256], external_origin: 'https://api.example'}, require_binding: dpop")
	plain := build(t, "")
	ops := map[string][]spec.SecurityRequirement{}
	for _, op := range doc.Operations {
		ops[op.Path] = op.Security
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	const htu = "https://api.example/bearer"
	bound := s.token(t, map[string]any{"cnf": map[string]any{"jkt": thumbprintOf(t, key)}})
	unbound := s.token(t, nil)
	stranger := selfSigned(t, "stranger")
	n := 0
	proof := func(k *ecdsa.PrivateKey) string {
		n++
		return dpopProof(t, k, htu, fmt.Sprint("jti-", n), bound)
	}

	tests := []struct {
		name   string
		rt     *Runtime
		path   string
		hdr    []string
		cert   *x509.Certificate
		status int
		want   string // the whole WWW-Authenticate value
	}{
		{"DPoP or Bearer, nothing sent", optional, "/bearer", nil, nil, 401, `Bearer realm="orders", DPoP realm="orders", algs="ES256 EdDSA"`},
		{"DPoP or Bearer, proof by another key", optional, "/bearer", []string{"Authorization", "DPoP " + bound, "DPoP", proof(other)}, nil, 401,
			`DPoP realm="orders", error="invalid_token", error_description="the token is bound to another DPoP key", algs="ES256 EdDSA"`},
		{"DPoP or Bearer, no proof", optional, "/bearer", []string{"Authorization", "DPoP " + bound}, nil, 401,
			`DPoP realm="orders", error="invalid_dpop_proof", error_description="the request has no DPoP proof", algs="ES256 EdDSA"`},
		{"DPoP or Bearer, malformed proof", optional, "/bearer", []string{"Authorization", "DPoP " + bound, "DPoP", "not-a-jws"}, nil, 401,
			`DPoP realm="orders", error="invalid_dpop_proof", error_description="DPoP proof rejected", algs="ES256 EdDSA"`},
		{"DPoP or Bearer, bound token sent as Bearer", optional, "/bearer", []string{"Authorization", "Bearer " + bound}, nil, 401,
			`Bearer realm="orders", error="invalid_token", error_description="a DPoP-bound token must use the DPoP authorization scheme", DPoP realm="orders", algs="ES256 EdDSA"`},
		{"DPoP or Bearer, good proof", optional, "/bearer", []string{"Authorization", "DPoP " + bound, "DPoP", proof(key)}, nil, 200, ""},
		{"DPoP required, nothing sent", required, "/bearer", nil, nil, 401, `DPoP realm="orders", algs="ES256"`},
		{"DPoP required, unbound token", required, "/bearer", []string{"Authorization", "Bearer " + unbound}, nil, 401,
			`DPoP realm="orders", error="invalid_token", error_description="the token must be sender-constrained (dpop)", algs="ES256"`},
		{"Bearer only", plain, "/bearer", nil, nil, 401, `Bearer realm="orders"`},
		{"certificate, none", plain, "/cert", nil, nil, 401, ""},
		{"certificate, not from the CA", plain, "/cert", nil, stranger, 401, ""},
		{"certificate or token, nothing sent", plain, "/cert-or-bearer", nil, nil, 401, `Bearer realm="orders"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", htu, nil)
			r.URL.Path = tc.path
			r.TLS = &tls.ConnectionState{}
			if tc.cert != nil {
				r.TLS.PeerCertificates = []*x509.Certificate{tc.cert}
			}
			for i := 0; i+1 < len(tc.hdr); i += 2 {
				r.Header.Add(tc.hdr[i], tc.hdr[i+1])
			}
			_, fail := tc.rt.Evaluate(context.Background(), r, ops[tc.path])
			if tc.status == 200 {
				if fail != nil {
					t.Fatalf("refused: %v", fail)
				}
				return
			}
			if fail == nil || fail.Status() != tc.status {
				t.Fatalf("failure %v, want status %d", fail, tc.status)
			}
			h := http.Header{}
			fail.WriteHeaders(h)
			if got := h.Get("WWW-Authenticate"); got != tc.want {
				t.Fatalf("WWW-Authenticate:\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}
