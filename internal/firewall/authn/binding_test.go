package authn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/authn/jwt"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
	"github.com/rampart-sec/rampart/internal/spec"
)

func selfSigned(t *testing.T, cn string) *x509.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestSenderConstraints(t *testing.T) {
	s, v := signerAndVerifier(t)
	dv, _ := dpop.New(dpop.Config{})
	certA, certB := selfSigned(t, "a"), selfSigned(t, "b")
	bound := s.token(t, map[string]any{"cnf": map[string]any{"x5t#S256": mtls.Thumbprint(certA)}})
	jktBound := s.token(t, map[string]any{"cnf": map[string]any{"jkt": "aGVsbG8"}})
	plain := s.token(t, nil)
	cnf := func(v any) string { return s.token(t, map[string]any{"cnf": v}) }

	tests := []struct {
		name    string
		require string
		auth    string
		cert    *x509.Certificate
		ok      bool
	}{
		{"certificate-bound, right cert", "", "Bearer " + bound, certA, true},
		{"certificate-bound, other cert", "", "Bearer " + bound, certB, false},
		{"certificate-bound, no cert", "", "Bearer " + bound, nil, false},
		{"DPoP-bound sent as Bearer", "", "Bearer " + jktBound, nil, false},
		{"DPoP-bound without proof", "", "DPoP " + jktBound, nil, false},
		{"plain token with DPoP scheme", "", "DPoP " + plain, nil, false},
		{"plain token", "", "Bearer " + plain, nil, true},
		{"plain token when binding required", "mtls", "Bearer " + plain, certA, false},
		{"bound token when binding required", "mtls", "Bearer " + bound, certA, true},
		// A confirmation that cannot be evaluated refuses the token: taken
		// as unbound, it would pass for whoever holds it.
		{"x5t#S256 as an array", "", "Bearer " + cnf(map[string]any{"x5t#S256": []string{mtls.Thumbprint(certA)}}), certA, false},
		{"x5t#S256 empty", "", "Bearer " + cnf(map[string]any{"x5t#S256": ""}), certA, false},
		{"jkt not a string", "", "Bearer " + cnf(map[string]any{"jkt": 42}), nil, false},
		{"jkt empty", "", "Bearer " + cnf(map[string]any{"jkt": ""}), nil, false},
		{"only a jwk confirmation", "", "Bearer " + cnf(map[string]any{"jwk": map[string]any{"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}}), nil, false},
		{"a jwk confirmation beside x5t#S256", "", "Bearer " + cnf(map[string]any{"x5t#S256": mtls.Thumbprint(certA), "jwk": map[string]any{"kty": "EC"}}), certA, false},
		{"cnf not an object", "", "Bearer " + cnf("x5t"), certA, false},
		{"cnf null", "", "Bearer " + cnf(nil), certA, false},
		{"cnf empty", "", "Bearer " + cnf(map[string]any{}), certA, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &Bearer{JWT: v, DPoP: dv, RequireBinding: tc.require}
			r := httptest.NewRequest("GET", "https://api.example/orders", nil)
			r.Header.Set("Authorization", tc.auth)
			if tc.cert != nil {
				r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tc.cert}}
			} else {
				r.TLS = &tls.ConnectionState{}
			}
			id, err := b.Authenticate(context.Background(), r)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if f, ok := AsFailure(err); !ok || f.Kind != KindInvalid {
					t.Fatalf("failure = %#v, want KindInvalid", err)
				}
			} else if tc.require != "" && id.Binding != tc.require {
				t.Errorf("binding = %q", id.Binding)
			}
		})
	}
}

// TestBindingDescriptions: a certificate-bound token sent without any
// client certificate is told so; it was told the certificate was another.
func TestBindingDescriptions(t *testing.T) {
	s, v := signerAndVerifier(t)
	certA, certB := selfSigned(t, "a"), selfSigned(t, "b")
	bound := s.token(t, map[string]any{"cnf": map[string]any{"x5t#S256": mtls.Thumbprint(certA)}})
	for _, tc := range []struct {
		cert *x509.Certificate
		want string
	}{
		{nil, "the token is bound to a client certificate, and the request presented none"},
		{certB, "the token is bound to a different client certificate"},
	} {
		r := httptest.NewRequest("GET", "https://api.example/orders", nil)
		r.Header.Set("Authorization", "Bearer "+bound)
		r.TLS = &tls.ConnectionState{}
		if tc.cert != nil {
			r.TLS.PeerCertificates = []*x509.Certificate{tc.cert}
		}
		_, err := (&Bearer{JWT: v}).Authenticate(context.Background(), r)
		if f, ok := AsFailure(err); !ok || f.Description != tc.want {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

// writeFile writes data to name in a fresh directory of the test.
func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestCertificateBindingSource: a token scheme without an mtls section of
// its own finds the client certificate of a certificate-bound token where
// the mutualTLS schemes find it. From a trusted proxy (TLS ended there)
// the certificate is the one in Client-Cert, never the proxy's own; from
// anybody else it is the connection's and Client-Cert is ignored.
func TestCertificateBindingSource(t *testing.T) {
	s := newTokenSigner(t, "k1")
	keyJSON, _ := json.Marshal(s.jwk(t))
	keyFile := writeFile(t, "keys.json", keyJSON)
	caFile := writeFile(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(t, "clients CA").Raw}))
	doc := loadDoc(t, `openapi: 3.1.0
info: {title: bound tokens, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    cert: {type: mutualTLS}
paths:
  /orders:
    get:
      security: [{bearer: []}]
      responses: {"200": {description: ok}}
`)
	client, proxy := selfSigned(t, "client"), selfSigned(t, "proxy")
	boundToClient := s.token(t, map[string]any{"cnf": map[string]any{"x5t#S256": mtls.Thumbprint(client)}})
	boundToProxy := s.token(t, map[string]any{"cnf": map[string]any{"x5t#S256": mtls.Thumbprint(proxy)}})

	withMutualTLS := fmt.Sprintf("schemes:\n  bearer: {jwt: {key_files: [%s]}}\n  cert: {mtls: {ca_file: %s, trusted_proxies: [127.0.0.1]}}\n", keyFile, caFile)
	bearerOnly := fmt.Sprintf("schemes:\n  bearer: {jwt: {key_files: [%s]}}\n", keyFile)
	setups := []struct {
		name string
		conf string
		// proxies are given to UseClientCertificates (the firewall's
		// client_certificates.trusted_proxies).
		proxies []string
	}{
		{"proxy trusted by the mutualTLS scheme", withMutualTLS, nil},
		{"proxy trusted by client_certificates", bearerOnly, []string{"127.0.0.1"}},
	}
	cases := []struct {
		name   string
		remote string
		tok    string
		peer   *x509.Certificate // the connection's certificate
		header *x509.Certificate // Client-Cert
		status int
	}{
		{"proxy's own certificate is not the client's", "127.0.0.1:4000", boundToProxy, proxy, nil, 401},
		{"proxy without Client-Cert has no client certificate", "127.0.0.1:4000", boundToClient, proxy, nil, 401},
		{"Client-Cert from the proxy", "127.0.0.1:4000", boundToClient, proxy, client, 200},
		{"Client-Cert from the proxy, token bound to the proxy", "127.0.0.1:4000", boundToProxy, proxy, client, 401},
		{"direct client with its certificate", "127.0.0.2:4000", boundToClient, client, nil, 200},
		{"direct client, Client-Cert ignored", "127.0.0.2:4000", boundToClient, proxy, client, 401},
	}
	for _, su := range setups {
		t.Run(su.name, func(t *testing.T) {
			rt, err := buildRuntime(t, doc, su.conf)
			if err != nil {
				t.Fatal(err)
			}
			if su.proxies != nil {
				ps, err := mtls.ParseTrustedProxies(su.proxies)
				if err != nil {
					t.Fatal(err)
				}
				rt.UseClientCertificates(mtls.NewWithPool(nil, ps))
			}
			ops := map[string]*spec.Operation{}
			for _, op := range doc.Operations {
				ops[op.Path] = op
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					r := httptest.NewRequest("GET", "https://api.example/orders", nil)
					r.RemoteAddr = tc.remote
					r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tc.peer}}
					r.Header.Set("Authorization", "Bearer "+tc.tok)
					if tc.header != nil {
						r.Header.Set(mtls.HeaderCert, mtls.EncodeHeader(tc.header))
					}
					_, fail := rt.Evaluate(context.Background(), r, ops["/orders"].Security)
					status := 200
					if fail != nil {
						status = fail.Status()
					}
					if status != tc.status {
						t.Fatalf("status %d (%v), want %d", status, fail, tc.status)
					}
				})
			}
		})
	}
}

// TestCertificateBesideToken: with a mutualTLS scheme and a token scheme
// as alternatives, a client certificate the mutualTLS scheme refuses is a
// presented credential that fails, unless the accepted token is bound to
// it (RFC 8705 section 2.2 binds tokens to self-signed certificates too):
// then its thumbprint has been checked against the token.
func TestCertificateBesideToken(t *testing.T) {
	s := newTokenSigner(t, "k1")
	doc := loadDoc(t, fmt.Sprintf(schemesSpec, "https://idp.example/.well-known/openid-configuration"))
	keyJSON, _ := json.Marshal(s.jwk(t))
	keyFile := writeFile(t, "keys.json", keyJSON)
	caFile := writeFile(t, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: selfSigned(t, "clients CA").Raw}))
	rt, err := buildRuntime(t, doc, fmt.Sprintf("schemes:\n  bearer: {jwt: {key_files: [%s]}}\n  cert: {mtls: {ca_file: %s}}\n", keyFile, caFile))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []spec.SecurityRequirement
	for _, op := range doc.Operations {
		if op.Path == "/cert-or-bearer" {
			reqs = op.Security
		}
	}
	own := selfSigned(t, "client")
	bound := s.token(t, map[string]any{"cnf": map[string]any{"x5t#S256": mtls.Thumbprint(own)}})
	plain := s.token(t, nil)
	tests := []struct {
		name   string
		tok    string
		cert   *x509.Certificate
		status int
	}{
		{"token bound to the self-signed certificate", bound, own, 200},
		{"plain token, no certificate", plain, nil, 200},
		{"plain token beside a certificate no CA vouches for", plain, own, 401},
		{"bound token beside another certificate", bound, selfSigned(t, "other"), 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "https://api.example/cert-or-bearer", nil)
			r.TLS = &tls.ConnectionState{}
			if tc.cert != nil {
				r.TLS.PeerCertificates = []*x509.Certificate{tc.cert}
			}
			r.Header.Set("Authorization", "Bearer "+tc.tok)
			_, fail := rt.Evaluate(context.Background(), r, reqs)
			status := 200
			if fail != nil {
				status = fail.Status()
			}
			if status != tc.status {
				t.Fatalf("status %d (%v), want %d", status, fail, tc.status)
			}
		})
	}
}

// TestDPoPSchemeWithoutDPoP: a token sent with the DPoP scheme to a
// scheme that takes no DPoP is answered in Bearer terms; it got a DPoP
// challenge, offering what the operation does not take.
func TestDPoPSchemeWithoutDPoP(t *testing.T) {
	s, v := signerAndVerifier(t)
	r := httptest.NewRequest("GET", "https://api.example/orders", nil)
	r.Header.Set("Authorization", "DPoP "+s.token(t, nil))
	_, err := (&Bearer{JWT: v}).Authenticate(context.Background(), r)
	f, ok := AsFailure(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	if got := f.WWWAuthenticate(); !strings.HasPrefix(got, "Bearer ") || !strings.Contains(got, "send the token as Bearer") {
		t.Fatalf("WWW-Authenticate %q, want a Bearer challenge saying to send the token as Bearer", got)
	}
}

// signerAndVerifier is a token signer and a JWT verifier that trusts its
// key alone.
func signerAndVerifier(t *testing.T) (tokenSigner, *jwt.Verifier) {
	t.Helper()
	s := newTokenSigner(t, "k")
	set := jwk.NewSet()
	_ = set.AddKey(s.jwk(t))
	v, err := jwt.NewVerifier(jwt.StaticKeys{Set: set}, jwt.Options{RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}
