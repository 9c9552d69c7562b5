package firewall

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
)

// bypassSpecYAML has an operation per way a credential could slip past
// authentication; %s is the openIdConnect scheme's discovery URL.
const bypassSpecYAML = `openapi: 3.1.0
info: {title: presented credentials, version: "1"}
servers: [{url: /}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-API-Key}
    cert: {type: mutualTLS}
    oidc: {type: openIdConnect, openIdConnectUrl: "%s"}
    pem: {type: http, scheme: bearer}
    dpopOnly: {type: http, scheme: bearer}
  responses:
    ok: {description: ok, content: {application/json: {schema: {type: object}}}}
paths:
  /either:
    get:
      security: [{bearer: []}, {key: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /optional:
    get:
      security: [{}, {bearer: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /keyonly:
    get:
      security: [{key: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /bound:
    get:
      security: [{bearer: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /cert:
    get:
      security: [{cert: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /oidc:
    get:
      security: [{oidc: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /pem:
    get:
      security: [{pem: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /dpop:
    get:
      security: [{dpopOnly: []}]
      responses: {"200": {$ref: "#/components/responses/ok"}}
  /mtls:
    get:
      x-rampart-mtls: required
      security: []
      responses: {"200": {$ref: "#/components/responses/ok"}}
`

// bypassFirewall is a TLS firewall over bypassSpecYAML. 127.0.0.1 is the
// trusted proxy of the mutualTLS scheme; direct clients connect from
// 127.0.0.2.
type bypassFirewall struct {
	s    *Server
	up   *upstream
	idp  *idp
	pki  *pki
	base string
	// direct calls from 127.0.0.2 without a client certificate.
	direct *http.Client
}

// startDiscovery serves an OpenID Connect discovery document naming the
// identity provider's JWKS, on loopback.
func startDiscovery(t *testing.T, d *idp) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "https://idp.example", "jwks_uri": d.url})
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/.well-known/openid-configuration"
}

// bypassYAML is the configuration: the schemes of bypassSpecYAML, with
// extra appended (top-level keys).
func bypassYAML(t *testing.T, up *upstream, d *idp, p *pki, extra string) string {
	t.Helper()
	specPath := filepath.Join(t.TempDir(), "bypass.yaml")
	if err := os.WriteFile(specPath, []byte(fmt.Sprintf(bypassSpecYAML, startDiscovery(t, d))), 0o600); err != nil {
		t.Fatal(err)
	}
	// The identity provider's key as a PEM file, which holds no kid.
	der, err := x509.MarshalPKIXPublicKey(&d.key("k1").PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := p.write(t, "idp.pem", "PUBLIC KEY", der)
	return fmt.Sprintf(`spec: %s
upstream: http://%s
tls_cert: %s
tls_key: %s
authentication:
  realm: orders
  schemes:
    bearer:
      jwt: {jwks_url: %s, issuer: https://idp.example, audiences: [orders], type: at+jwt, min_refresh: 20ms, fetch_timeout: 1s}
    key:
      api_keys: {keys: [{id: partner-a, sha256: %s}]}
    cert:
      mtls: {ca_file: %s, trusted_proxies: [127.0.0.1]}
    oidc:
      jwt: {audiences: [orders], min_refresh: 20ms, fetch_timeout: 1s}
    pem:
      jwt: {key_files: [%s], issuer: https://idp.example, audiences: [orders]}
    dpopOnly:
      jwt: {jwks_url: %s, issuer: https://idp.example, audiences: [orders], min_refresh: 20ms, fetch_timeout: 1s}
      dpop: {algorithms: [ES256], external_origin: "https://api.example"}
      require_binding: dpop
`, specPath, up.addr, p.serverCert, p.serverKey, d.url, apikey.Digest("key-a"), p.caFile, pemFile, d.url) + extra
}

func startBypassFirewall(t *testing.T, extra string) *bypassFirewall {
	t.Helper()
	f := &bypassFirewall{up: startUpstream(t), idp: startIDP(t, true), pki: newPKI(t)}
	cfg := loadConfigYAML(t, bypassYAML(t, f.up, f.idp, f.pki, extra))
	f.s = startFirewall(t, cfg, nil)
	waitFor(t, "the signing keys", f.s.Ready)
	f.base = "https://" + f.s.Addr()
	f.direct = f.pki.tlsClient(nil, "127.0.0.2")
	return f
}

// TestProtectBypassPresentedCredentials: a request that one alternative
// admits still has every credential it presents for the operation's
// schemes verified. A forged, expired or foreign credential beside a good
// one is refused and never reaches the upstream; one the operation's
// schemes do not read passes as sent.
func TestProtectBypassPresentedCredentials(t *testing.T) {
	f := startBypassFirewall(t, "")
	good := f.idp.token(t, "k1", nil)
	expired := f.idp.token(t, "k1", map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})
	forged := unsignedToken(map[string]any{"iss": "https://idp.example", "aud": "orders", "sub": "root", "exp": time.Now().Add(time.Hour).Unix()})
	key := []string{"X-API-Key", "key-a"}
	with := func(hdr ...string) []string { return append(append([]string{}, key...), hdr...) }

	cases := []struct {
		name   string
		path   string
		hdr    []string
		status int
		reason string
		// challenge is a substring of WWW-Authenticate on refusals.
		challenge string
	}{
		{"key alone", "/either", key, 200, "", ""},
		{"key and a valid token", "/either", with(bearer(good)...), 200, "", ""},
		{"key and an alg none token", "/either", with(bearer(forged)...), 401, "auth-invalid", `error="invalid_token"`},
		{"key and an expired token", "/either", with(bearer(expired)...), 401, "auth-invalid", `error_description="the token has expired"`},
		{"key and a DPoP credential that is not DPoP-bound", "/either", with("Authorization", "DPoP "+good), 401, "auth-invalid", `error="invalid_token"`},
		{"key and a credential of another scheme name", "/either", with("Authorization", "Token abc"), 401, "auth-invalid", `Bearer realm="orders", error="invalid_token"`},
		{"key and a basic credential no scheme here takes", "/either", with("Authorization", "Basic YWRtaW46YWRtaW4="), 401, "auth-invalid", `error="invalid_token"`},
		{"key and a bare Bearer", "/either", with("Authorization", "Bearer"), 200, "", ""},
		{"token and a wrong key", "/either", append(bearer(good), "X-API-Key", "key-b"), 401, "auth-invalid", `APIKey realm="orders"`},
		{"optional: nothing", "/optional", nil, 200, "", ""},
		{"optional: a credential of another scheme name", "/optional", []string{"Authorization", "Token abc"}, 401, "auth-invalid", `error="invalid_token"`},
		{"an operation that reads no Authorization passes it as sent", "/keyonly", with(bearer(forged)...), 200, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := newReq(t, "GET", f.base+tc.path, "", tc.hdr...)
			r := send(t, f.direct, f.up, req)
			if r.status != tc.status || r.reason != tc.reason {
				t.Fatalf("got %d %q, want %d %q (WWW-Authenticate %q)", r.status, r.reason, tc.status, tc.reason, r.header.Get("WWW-Authenticate"))
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
			if r.reached {
				if got, sent := r.upReq.Header.Get("Authorization"), req.Header.Get("Authorization"); got != sent {
					t.Fatalf("upstream got Authorization %q, want %q as sent", got, sent)
				}
			}
			if wa := r.header.Get("WWW-Authenticate"); !strings.Contains(wa, tc.challenge) {
				t.Fatalf("WWW-Authenticate %q, want it to contain %q", wa, tc.challenge)
			}
		})
	}
}

// TestProtectBypassSchemeSettingsFitType: a mutualTLS scheme is
// authenticated by the client certificate only; a configuration giving it
// token or key settings stops start-up (they would let a token stand in
// for the certificate), as does an mtls section on an apiKey scheme (it
// would look like a certificate requirement and enforce none). The
// configuration check, which does not read the contract, leaves jwt: {}
// to the openIdConnect scheme it may be for.
func TestProtectBypassSchemeSettingsFitType(t *testing.T) {
	up, d, p := startUpstream(t), startIDP(t, true), newPKI(t)
	cases := []struct {
		name, from, to, want string
	}{
		{"jwt beside mtls on a mutualTLS scheme",
			"cert:\n      mtls: {", "cert:\n      jwt: {jwks_url: " + d.url + "}\n      mtls: {",
			"authentication.schemes.cert: mutualTLS scheme: only the client certificate (mtls) authenticates it; remove jwt"},
		{"mtls beside api_keys on an apiKey scheme",
			"key:\n      api_keys:", "key:\n      mtls: {ca_file: " + p.caFile + "}\n      api_keys:",
			"authentication.schemes.key: apiKey scheme: mtls does not apply"},
		{"jwt without a key source on an http bearer scheme",
			"    bearer:\n      jwt: {jwks_url: " + d.url + ", issuer: https://idp.example, audiences: [orders], type: at+jwt, min_refresh: 20ms, fetch_timeout: 1s}\n",
			"    bearer:\n      jwt: {audiences: [orders]}\n",
			"authentication.schemes.bearer: jwt: no key source"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			y := bypassYAML(t, up, d, p, "")
			if !strings.Contains(y, tc.from) {
				t.Fatalf("the configuration has no %q", tc.from)
			}
			cfg := loadConfigYAML(t, strings.Replace(y, tc.from, tc.to, 1))
			cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
			s, err := New(context.Background(), cfg, nil, io.Discard)
			if err == nil {
				_ = s.Shutdown(context.Background())
				t.Fatal("the firewall started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("the configuration check accepts jwt: {} for an openIdConnect scheme", func(t *testing.T) {
		for _, pr := range ValidateConfig([]byte("authentication:\n  schemes:\n    oidc:\n      jwt: {audiences: [orders]}\n")) {
			t.Errorf("problem: %s", pr.Format("protect.yaml"))
		}
	})
}

// TestProtectBypassCertificateSource: a token scheme without an mtls
// section of its own checks certificate-bound tokens against the client
// certificate as the mutualTLS scheme finds it: from a trusted proxy the
// RFC 9440 Client-Cert header, never the proxy's own TLS certificate.
func TestProtectBypassCertificateSource(t *testing.T) {
	f := startBypassFirewall(t, "")
	p := f.pki
	alice := p.issue(t, "alice", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	proxyCert := p.issue(t, "proxy", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	boundToAlice := f.idp.token(t, "k1", map[string]any{"cnf": map[string]any{"x5t#S256": thumbprint(alice)}})
	boundToProxy := f.idp.token(t, "k1", map[string]any{"cnf": map[string]any{"x5t#S256": thumbprint(proxyCert)}})
	asProxy := p.tlsClient(&proxyCert, "") // 127.0.0.1, the trusted proxy
	cases := []struct {
		name   string
		client *http.Client
		path   string
		hdr    []string
		status int
	}{
		{"a token bound to the proxy's own certificate", asProxy, "/bound", bearer(boundToProxy), 401},
		{"the proxy's certificate is not the client's for the mutualTLS scheme either", asProxy, "/cert", nil, 401},
		{"the client's certificate in Client-Cert", asProxy, "/bound", append(bearer(boundToAlice), "Client-Cert", mtls.EncodeHeader(alice.Leaf)), 200},
		{"the same for the mutualTLS scheme", asProxy, "/cert", []string{"Client-Cert", mtls.EncodeHeader(alice.Leaf)}, 200},
		{"a direct client with its certificate", p.tlsClient(&alice, "127.0.0.2"), "/bound", bearer(boundToAlice), 200},
		{"a direct client's Client-Cert is ignored", p.tlsClient(&proxyCert, "127.0.0.2"), "/bound", append(bearer(boundToAlice), "Client-Cert", mtls.EncodeHeader(alice.Leaf)), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.client, f.up, newReq(t, "GET", f.base+tc.path, "", tc.hdr...))
			if r.status != tc.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.reason, tc.status)
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
		})
	}
}

// TestProtectBypassCertificateSourceClientCertificates: the same with
// the proxy trusted by client_certificates only.
func TestProtectBypassCertificateSourceClientCertificates(t *testing.T) {
	up, d, p := startUpstream(t), startIDP(t, true), newPKI(t)
	y := strings.Replace(bypassYAML(t, up, d, p, "client_certificates: {ca_file: "+p.caFile+", trusted_proxies: [127.0.0.1]}\n"), "trusted_proxies: [127.0.0.1]}\n    oidc:", "trusted_proxies: [10.9.9.9]}\n    oidc:", 1)
	s := startFirewall(t, loadConfigYAML(t, y), nil)
	waitFor(t, "the signing keys", s.Ready)
	proxyCert := p.issue(t, "proxy", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	alice := p.issue(t, "alice", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	asProxy := p.tlsClient(&proxyCert, "")
	base := "https://" + s.Addr()
	if r := send(t, asProxy, up, newReq(t, "GET", base+"/bound", "", bearer(d.token(t, "k1", map[string]any{"cnf": map[string]any{"x5t#S256": thumbprint(proxyCert)}}))...)); r.status != 401 {
		t.Fatalf("token bound to the proxy's certificate: %d, want 401", r.status)
	}
	hdr := append(bearer(d.token(t, "k1", map[string]any{"cnf": map[string]any{"x5t#S256": thumbprint(alice)}})), "Client-Cert", mtls.EncodeHeader(alice.Leaf))
	if r := send(t, asProxy, up, newReq(t, "GET", base+"/bound", "", hdr...)); r.status != 200 {
		t.Fatalf("Client-Cert from the proxy: %d, want 200", r.status)
	}
}

// TestProtectBypassMTLSOperationBehindSchemeProxy: a proxy that only a
// scheme's mtls section trusts is a proxy for x-rampart-mtls operations
// too. Its own certificate (from the same CA, as a re-encrypting proxy's
// often is) admitted every client behind it, and the certificate it
// forwarded was refused.
func TestProtectBypassMTLSOperationBehindSchemeProxy(t *testing.T) {
	up, d, p := startUpstream(t), startIDP(t, true), newPKI(t)
	s := startFirewall(t, loadConfigYAML(t, bypassYAML(t, up, d, p, "client_certificates: {ca_file: "+p.caFile+"}\n")), nil)
	waitFor(t, "the signing keys", s.Ready)
	proxyCert := p.issue(t, "proxy", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	alice := p.issue(t, "alice", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	stranger := p.issue(t, "stranger", x509.ExtKeyUsageClientAuth, nil, nil)
	asProxy := p.tlsClient(&proxyCert, "") // 127.0.0.1, trusted by the cert scheme
	base := "https://" + s.Addr()
	cases := []struct {
		name   string
		client *http.Client
		hdr    []string
		status int
	}{
		{"the proxy's own certificate, nothing forwarded", asProxy, nil, 401},
		{"the proxy's own certificate, a stranger's forwarded", asProxy, []string{"Client-Cert", mtls.EncodeHeader(stranger.Leaf)}, 401},
		{"the client's certificate forwarded by the proxy", asProxy, []string{"Client-Cert", mtls.EncodeHeader(alice.Leaf)}, 200},
		{"forwarded by a proxy without a certificate of its own", p.tlsClient(nil, ""), []string{"Client-Cert", mtls.EncodeHeader(alice.Leaf)}, 200},
		{"a direct client with its certificate", p.tlsClient(&alice, "127.0.0.2"), nil, 200},
		{"a direct client's Client-Cert is ignored", p.tlsClient(nil, "127.0.0.2"), []string{"Client-Cert", mtls.EncodeHeader(alice.Leaf)}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.client, up, newReq(t, "GET", base+"/mtls", "", tc.hdr...))
			if r.status != tc.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.reason, tc.status)
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
		})
	}
}

// TestProtectBypassConfirmationKeysChallenges: cnf members the firewall
// cannot evaluate refuse the token; a PEM key file verifies tokens naming
// a kid; an openIdConnect scheme configured jwt: {} finds its keys by
// discovery; a DPoP resource challenges with DPoP, and a client
// certificate failure with nothing.
func TestProtectBypassConfirmationKeysChallenges(t *testing.T) {
	f := startBypassFirewall(t, "")
	cnf := func(v any) []string { return bearer(f.idp.token(t, "k1", map[string]any{"cnf": v})) }
	key := newDPoPKey(t)
	dpopTok := f.idp.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	htu := "https://api.example/dpop"
	stranger := f.pki.issue(t, "stranger", x509.ExtKeyUsageClientAuth, nil, nil)
	cases := []struct {
		name      string
		client    *http.Client
		path      string
		hdr       []string
		status    int
		challenge string // the whole WWW-Authenticate value on refusals
	}{
		{"x5t#S256 as an array", f.direct, "/bound", cnf(map[string]any{"x5t#S256": []string{"abc"}}), 401, `Bearer realm="orders", error="invalid_token", error_description="the token's cnf.x5t#S256 is not a non-empty string"`},
		{"x5t#S256 empty", f.direct, "/bound", cnf(map[string]any{"x5t#S256": ""}), 401, `Bearer realm="orders", error="invalid_token", error_description="the token's cnf.x5t#S256 is not a non-empty string"`},
		{"jkt a number", f.direct, "/bound", cnf(map[string]any{"jkt": 7}), 401, `Bearer realm="orders", error="invalid_token", error_description="the token's cnf.jkt is not a non-empty string"`},
		{"only a jwk confirmation", f.direct, "/bound", cnf(map[string]any{"jwk": map[string]any{"kty": "EC"}}), 401, `Bearer realm="orders", error="invalid_token", error_description="the token's cnf claim uses a confirmation method that cannot be checked here (only x5t#S256 and jkt can)"`},
		{"PEM key file, token naming a kid", f.direct, "/pem", bearer(f.idp.token(t, "k1", nil)), 200, ""},
		{"openIdConnect scheme with jwt: {}", f.direct, "/oidc", bearer(f.idp.token(t, "k1", nil)), 200, ""},
		{"DPoP resource, nothing sent", f.direct, "/dpop", nil, 401, `DPoP realm="orders", algs="ES256"`},
		{"DPoP resource, proof for another URI", f.direct, "/dpop", []string{"Authorization", "DPoP " + dpopTok, "DPoP", key.proof(t, "GET", "https://api.example/other", "jti-1", dpopTok)}, 401, `DPoP realm="orders", error="invalid_dpop_proof", error_description="DPoP proof rejected", algs="ES256"`},
		{"DPoP resource, good proof", f.direct, "/dpop", []string{"Authorization", "DPoP " + dpopTok, "DPoP", key.proof(t, "GET", htu, "jti-2", dpopTok)}, 200, ""},
		{"client certificate missing", f.direct, "/cert", nil, 401, ""},
		{"a token does not stand in for the client certificate", f.direct, "/cert", bearer(f.idp.token(t, "k1", nil)), 401, ""},
		{"client certificate from no trusted CA", f.pki.tlsClient(&stranger, "127.0.0.2"), "/cert", nil, 401, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.client, f.up, newReq(t, "GET", f.base+tc.path, "", tc.hdr...))
			if r.status != tc.status {
				t.Fatalf("status %d (%s), want %d; WWW-Authenticate %q", r.status, r.reason, tc.status, r.header.Get("WWW-Authenticate"))
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
			if got := r.header.Get("WWW-Authenticate"); tc.status != 200 && got != tc.challenge {
				t.Fatalf("WWW-Authenticate:\n got %s\nwant %s", got, tc.challenge)
			}
		})
	}
}
