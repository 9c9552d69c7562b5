package firewall

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
	"github.com/rampart-sec/rampart/internal/redistest"
)

// pki is a throwaway CA with the certificates the mTLS tests need, all
// generated in the test.
type pki struct {
	dir        string
	ca         *x509.Certificate
	caKey      *ecdsa.PrivateKey
	caFile     string
	serverCert string // PEM files of the firewall's TLS certificate
	serverKey  string
	serial     int64
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	p := &pki{dir: t.TempDir(), serial: 1}
	p.caKey = genKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test client CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	p.ca, _ = x509.ParseCertificate(der)
	p.caFile = p.write(t, "ca.pem", "CERTIFICATE", der)
	srv := p.issue(t, "127.0.0.1", x509.ExtKeyUsageServerAuth, p.ca, p.caKey)
	p.serverCert = p.write(t, "server.pem", "CERTIFICATE", srv.Certificate[0])
	kder, _ := x509.MarshalECPrivateKey(srv.PrivateKey.(*ecdsa.PrivateKey))
	p.serverKey = p.write(t, "server.key", "EC PRIVATE KEY", kder)
	return p
}

func genKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p *pki) write(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// issue makes a certificate for cn with the given usage, signed by parent
// (or self-signed when parent is nil).
func (p *pki) issue(t *testing.T, cn string, usage x509.ExtKeyUsage, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) tls.Certificate {
	t.Helper()
	key := genKey(t)
	p.serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	if ip := net.ParseIP(cn); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// tlsClient calls the firewall over TLS with an optional client
// certificate, from the given local loopback address ("" for the
// default).
func (p *pki) tlsClient(cert *tls.Certificate, local string) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(p.ca)
	tc := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		tc.Certificates = []tls.Certificate{*cert}
	}
	d := &net.Dialer{Timeout: 5 * time.Second}
	if local != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(local)}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, TLSClientConfig: tc, DialContext: d.DialContext, DisableCompression: true}}
}

// reply is a response from the firewall: status, problem reason, and
// whether (and with which headers) the request reached the upstream.
type reply struct {
	status  int
	reason  string
	header  http.Header
	upReq   *http.Request
	reached bool
}

func send(t *testing.T, c *http.Client, up *upstream, req *http.Request) reply {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var prob struct {
		Reason string `json:"reason"`
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		_ = json.Unmarshal(b, &prob)
	}
	r := reply{status: resp.StatusCode, reason: prob.Reason, header: resp.Header}
	id := resp.Header.Get(RequestIDHeader)
	up.mu.Lock()
	r.upReq, r.reached = up.seen[id]
	up.mu.Unlock()
	return r
}

func newReq(t *testing.T, method, u string, body string, hdr ...string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	return req
}

// senderFirewall is a TLS firewall over testdata/authn-e2e.yaml with
// client certificates, certificate-bound and DPoP-bound tokens, opaque
// tokens by introspection and signed payloads.
type senderFirewall struct {
	s       *Server
	up      *upstream
	idp     *idp
	pki     *pki
	base    string // https://127.0.0.1:port
	signKey *ecdsa.PrivateKey
	intro   *introspector
	audit   *syncBuffer
}

// introspector is an RFC 7662 endpoint on loopback.
type introspector struct {
	url  string
	hits atomic.Int64
	down atomic.Bool
	mu   sync.Mutex
	// bad records requests that lacked the client credentials or the token.
	bad []string
}

func startIntrospector(t *testing.T) *introspector {
	t.Helper()
	in := &introspector{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.url = "http://" + ln.Addr().String() + "/introspect"
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in.hits.Add(1)
		if in.down.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		user, pass, ok := r.BasicAuth()
		_ = r.ParseForm()
		tok := r.PostForm.Get("token")
		if !ok || user != "rampart" || pass != "s3cret" || r.Method != http.MethodPost || tok == "" {
			in.mu.Lock()
			in.bad = append(in.bad, fmt.Sprintf("%s user=%q token=%v", r.Method, user, tok != ""))
			in.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch tok {
		case "opaque-active":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "svc-1", "client_id": "app-9", "scope": "orders:read", "exp": time.Now().Add(time.Hour).Unix(), "iss": "https://idp.example"})
		case "opaque-other-issuer":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "x", "iss": "https://evil.example"})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return in
}

func startSenderFirewall(t *testing.T, extra string) *senderFirewall {
	return startSenderFirewallWith(t, extra, true)
}

// startSenderFirewallWith leaves out the client_certificates section when
// clientCerts is false, so only the token scheme reads certificates.
func startSenderFirewallWith(t *testing.T, extra string, clientCerts bool) *senderFirewall {
	t.Helper()
	f := &senderFirewall{up: startUpstream(t), idp: startIDP(t, true), pki: newPKI(t), intro: startIntrospector(t), signKey: genKey(t), audit: &syncBuffer{}}
	t.Setenv("RAMPART_TEST_INTROSPECTION_SECRET", "s3cret")
	pubDER, _ := x509.MarshalPKIXPublicKey(&f.signKey.PublicKey)
	signPub := f.pki.write(t, "partner.pem", "PUBLIC KEY", pubDER)
	y := fmt.Sprintf(`spec: testdata/authn-e2e.yaml
upstream: http://%s
tls_cert: %s
tls_key: %s
client_certificates:
  ca_file: %s
  trusted_proxies: [127.0.0.1]
signed_payloads:
  key_files: [%s]
  algorithms: [ES256]
authentication:
  realm: orders
  schemes:
    oauth:
      jwt:
        jwks_url: %s
        issuer: https://idp.example
        audiences: [orders]
        type: at+jwt
        min_refresh: 20ms
        fetch_timeout: 1s
      mtls:
        ca_file: %s
        trusted_proxies: [127.0.0.1]
      dpop: {external_origin: "https://api.example"}
    opaque:
      introspection:
        url: %s
        client_id: rampart
        client_secret_env: RAMPART_TEST_INTROSPECTION_SECRET
        issuer: https://idp.example
        cache_ttl: 1m
        negative_ttl: 1m
`, f.up.addr, f.pki.serverCert, f.pki.serverKey, f.pki.caFile, signPub, f.idp.url, f.pki.caFile, f.intro.url) + extra
	if !clientCerts {
		y = strings.Replace(y, fmt.Sprintf("client_certificates:\n  ca_file: %s\n  trusted_proxies: [127.0.0.1]\n", f.pki.caFile), "", 1)
	}
	path := filepath.Join(t.TempDir(), "protect.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !clientCerts && cfg.ClientCertificates != nil {
		t.Fatal("client_certificates still configured")
	}
	f.s = startFirewall(t, cfg, f.audit)
	waitFor(t, "JWKS", f.s.Ready)
	f.base = "https://" + f.s.Addr()
	return f
}

func thumbprint(c tls.Certificate) string { return mtls.Thumbprint(c.Leaf) }

// TestProtectClientCertificates: x-rampart-mtls per operation over a real
// TLS listener, certificate-bound tokens (RFC 8705) and the RFC 9440
// Client-Cert header, believed only from a trusted proxy.
func TestProtectClientCertificates(t *testing.T) {
	f := startSenderFirewall(t, "")
	p := f.pki
	alice := p.issue(t, "alice", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	bob := p.issue(t, "bob", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	serverOnly := p.issue(t, "mallory-server", x509.ExtKeyUsageServerAuth, p.ca, p.caKey)
	rogue := p.issue(t, "alice", x509.ExtKeyUsageClientAuth, nil, nil) // same name, not from the CA

	// 127.0.0.1 is the trusted proxy (TLS ended there: the certificate
	// comes from Client-Cert); clients presenting their own certificate
	// connect from 127.0.0.2, outside trusted_proxies.
	noCert := p.tlsClient(nil, "")
	untrusted := p.tlsClient(nil, "127.0.0.2")
	direct := func(c *tls.Certificate) *http.Client { return p.tlsClient(c, "127.0.0.2") }
	asAlice, asBob := direct(&alice), direct(&bob)
	bound := f.idp.token(t, "k1", map[string]any{"cnf": map[string]any{"x5t#S256": thumbprint(alice)}})
	plain := f.idp.token(t, "k1", nil)
	certHdr := func(c tls.Certificate) string { return mtls.EncodeHeader(c.Leaf) }

	cases := []struct {
		name    string
		client  *http.Client
		path    string
		hdr     []string
		status  int
		reason  string
		fwdCert bool // the upstream sees a Client-Cert header
	}{
		{"operation without x-rampart-mtls needs no certificate", noCert, "/open", nil, 200, "", false},
		{"no certificate", noCert, "/mtls", nil, 401, "client-certificate-required", false},
		{"certificate from the CA", asAlice, "/mtls", nil, 200, "", false},
		{"another certificate from the CA", asBob, "/mtls", nil, 200, "", false},
		{"self-signed certificate", direct(&rogue), "/mtls", nil, 401, "client-certificate-required", false},
		{"certificate without clientAuth usage", direct(&serverOnly), "/mtls", nil, 401, "client-certificate-required", false},
		{"Client-Cert from a trusted proxy", noCert, "/mtls", []string{"Client-Cert", certHdr(alice)}, 200, "", true},
		{"a trusted proxy's own certificate is not the client's", p.tlsClient(&bob, ""), "/mtls", nil, 401, "client-certificate-required", false},
		{"from a trusted proxy, Client-Cert wins over its own certificate", p.tlsClient(&bob, ""), "/orders", append(bearer(bound), "Client-Cert", certHdr(alice)), 200, "", true},
		{"Client-Cert from a trusted proxy, rogue certificate", noCert, "/mtls", []string{"Client-Cert", certHdr(rogue)}, 401, "client-certificate-required", false},
		{"Client-Cert from a trusted proxy, malformed", noCert, "/mtls", []string{"Client-Cert", "not-a-cert"}, 401, "client-certificate-required", false},
		{"Client-Cert from an untrusted peer is ignored", untrusted, "/mtls", []string{"Client-Cert", certHdr(alice)}, 401, "client-certificate-required", false},
		{"Client-Cert from an untrusted peer is not forwarded", untrusted, "/open", []string{"Client-Cert", certHdr(alice), "Client-Cert-Chain", certHdr(bob)}, 200, "", false},
		{"bound token with its certificate", asAlice, "/orders", bearer(bound), 200, "", false},
		{"bound token with another certificate", asBob, "/orders", bearer(bound), 401, "auth-invalid", false},
		{"bound token without a certificate", noCert, "/orders", bearer(bound), 401, "auth-invalid", false},
		{"bound token with a rogue copy of the certificate name", direct(&rogue), "/orders", bearer(bound), 401, "auth-invalid", false},
		{"bound token, certificate via a trusted proxy", noCert, "/orders", append(bearer(bound), "Client-Cert", certHdr(alice)), 200, "", true},
		{"bound token, certificate header from an untrusted peer", untrusted, "/orders", append(bearer(bound), "Client-Cert", certHdr(alice)), 401, "auth-invalid", false},
		{"unbound token needs no certificate", noCert, "/orders", bearer(plain), 200, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.client, f.up, newReq(t, "GET", f.base+tc.path, "", tc.hdr...))
			if r.status != tc.status || r.reason != tc.reason {
				t.Fatalf("got %d %q, want %d %q", r.status, r.reason, tc.status, tc.reason)
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
			if r.reached {
				got := r.upReq.Header.Get("Client-Cert") != "" || r.upReq.Header.Get("Client-Cert-Chain") != ""
				if got != tc.fwdCert {
					t.Fatalf("upstream saw Client-Cert = %v, want %v", got, tc.fwdCert)
				}
			}
		})
	}
	if strings.Contains(f.audit.String(), bound) {
		t.Error("the audit log holds a token")
	}
}

// TestProtectClientCertHeaderNotForwarded: with certificate-bound tokens
// configured but no client_certificates section, a Client-Cert header
// written by an untrusted client still never reaches the upstream, which
// may trust the firewall as its TLS-terminating proxy.
func TestProtectClientCertHeaderNotForwarded(t *testing.T) {
	f := startSenderFirewallWith(t, "", false)
	p := f.pki
	alice := p.issue(t, "alice", x509.ExtKeyUsageClientAuth, p.ca, p.caKey)
	bound := f.idp.token(t, "k1", map[string]any{"cnf": map[string]any{"x5t#S256": thumbprint(alice)}})
	hdr := []string{"Client-Cert", mtls.EncodeHeader(alice.Leaf), "Client-Cert-Chain", mtls.EncodeHeader(p.ca)}
	cases := []struct {
		name    string
		client  *http.Client
		path    string
		hdr     []string
		status  int
		fwdCert bool
	}{
		{"untrusted peer, anonymous operation", p.tlsClient(nil, "127.0.0.2"), "/open", hdr, 200, false},
		{"trusted proxy, anonymous operation", p.tlsClient(nil, ""), "/open", hdr, 200, true},
		{"trusted proxy, bound token", p.tlsClient(nil, ""), "/orders", append(bearer(bound), hdr...), 200, true},
		{"untrusted peer, bound token", p.tlsClient(nil, "127.0.0.2"), "/orders", append(bearer(bound), hdr...), 401, false},
		{"operation requiring mTLS without client_certificates fails closed", p.tlsClient(&alice, ""), "/mtls", nil, 500, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.client, f.up, newReq(t, "GET", f.base+tc.path, "", tc.hdr...))
			if r.status != tc.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.reason, tc.status)
			}
			if r.reached {
				got := r.upReq.Header.Get("Client-Cert") != "" || r.upReq.Header.Get("Client-Cert-Chain") != ""
				if got != tc.fwdCert {
					t.Fatalf("upstream saw Client-Cert = %v, want %v", got, tc.fwdCert)
				}
			}
		})
	}
}

// dpopKey is a client key for DPoP proofs.
type dpopKey struct {
	priv *ecdsa.PrivateKey
	jkt  string
}

func newDPoPKey(t *testing.T) dpopKey {
	k := genKey(t)
	pub, err := jwk.PublicKeyOf(k)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := pub.Thumbprint(crypto.SHA256)
	return dpopKey{priv: k, jkt: base64.RawURLEncoding.EncodeToString(tp)}
}

func (k dpopKey) proof(t *testing.T, method, htu, jti, token string) string {
	t.Helper()
	ath := sha256.Sum256([]byte(token))
	payload, _ := json.Marshal(map[string]any{"jti": jti, "htm": method, "htu": htu, "iat": time.Now().Unix(), "ath": base64.RawURLEncoding.EncodeToString(ath[:])})
	pub, _ := jwk.PublicKeyOf(k.priv)
	h := jws.NewHeaders()
	_ = h.Set(jws.TypeKey, "dpop+jwt")
	_ = h.Set(jws.JWKKey, pub)
	out, err := jws.Sign(payload, jws.WithKey(jwa.ES256(), k.priv, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestProtectDPoP: RFC 9449 proofs through the running firewall.
func TestProtectDPoP(t *testing.T) {
	f := startSenderFirewall(t, "")
	c := f.pki.tlsClient(nil, "")
	key, other := newDPoPKey(t), newDPoPKey(t)
	tok := f.idp.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	htu := "https://api.example/orders" // dpop.external_origin, not the listener's address
	dp := func(proof string) []string { return []string{"Authorization", "DPoP " + tok, "DPoP", proof} }
	replayed := key.proof(t, "GET", htu, "jti-replayed", tok)

	cases := []struct {
		name   string
		path   string
		hdr    []string
		status int
	}{
		{"valid proof", "/orders", dp(key.proof(t, "GET", htu, "jti-1", tok)), 200},
		{"query string is not part of htu", "/orders?page=2", dp(key.proof(t, "GET", htu, "jti-2", tok)), 200},
		{"first use of a proof", "/orders", dp(replayed), 200},
		{"the same proof again (jti replay)", "/orders", dp(replayed), 401},
		{"htu with another path", "/orders", dp(key.proof(t, "GET", "https://api.example/open", "jti-3", tok)), 401},
		{"htu with another host (the listener's own address)", "/orders", dp(key.proof(t, "GET", f.base+"/orders", "jti-4", tok)), 401},
		{"htu with another scheme", "/orders", dp(key.proof(t, "GET", "http://api.example/orders", "jti-5", tok)), 401},
		{"htm of another method", "/orders", dp(key.proof(t, "POST", htu, "jti-6", tok)), 401},
		{"proof signed by another key", "/orders", dp(other.proof(t, "GET", htu, "jti-7", tok)), 401},
		{"proof for another token", "/orders", dp(key.proof(t, "GET", htu, "jti-8", "some-other-token")), 401},
		{"no proof", "/orders", []string{"Authorization", "DPoP " + tok}, 401},
		{"DPoP-bound token sent as Bearer", "/orders", append(bearer(tok), "DPoP", key.proof(t, "GET", htu, "jti-9", tok)), 401},
		{"two proofs", "/orders", append(dp(key.proof(t, "GET", htu, "jti-10", tok)), "DPoP", key.proof(t, "GET", htu, "jti-11", tok)), 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, c, f.up, newReq(t, "GET", f.base+tc.path, "", tc.hdr...))
			if r.status != tc.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.reason, tc.status)
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
			if tc.status == 401 && r.reason != "auth-invalid" {
				t.Fatalf("reason %q, want auth-invalid", r.reason)
			}
		})
	}
}

// TestProtectIntrospection: opaque tokens checked with a loopback RFC 7662
// endpoint, answers cached (active and inactive), endpoint failures 503.
func TestProtectIntrospection(t *testing.T) {
	f := startSenderFirewall(t, "")
	c := f.pki.tlsClient(nil, "")
	get := func(tok string) reply {
		return send(t, c, f.up, newReq(t, "GET", f.base+"/opaque", "", bearer(tok)...))
	}
	steps := []struct {
		name     string
		token    string
		down     bool
		status   int
		reason   string
		newCalls int64 // introspection calls this request causes
	}{
		{"active token", "opaque-active", false, 200, "", 1},
		{"active token again is cached", "opaque-active", false, 200, "", 0},
		{"cached answer survives the endpoint going down", "opaque-active", true, 200, "", 0},
		{"endpoint down for an unknown token", "opaque-new", true, 503, "auth-unavailable", 1},
		{"inactive token", "opaque-revoked", false, 401, "auth-invalid", 1},
		{"inactive answer is cached", "opaque-revoked", false, 401, "auth-invalid", 0},
		{"active token of another issuer", "opaque-other-issuer", false, 401, "auth-invalid", 1},
		{"a JWT is not introspected when it is invalid", "eyJhbGciOiJub25lIn0.e30.", false, 401, "auth-invalid", 1},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			f.intro.down.Store(st.down)
			before := f.intro.hits.Load()
			r := get(st.token)
			if r.status != st.status || r.reason != st.reason {
				t.Fatalf("got %d %q, want %d %q", r.status, r.reason, st.status, st.reason)
			}
			if n := f.intro.hits.Load() - before; n != st.newCalls {
				t.Fatalf("%d introspection calls, want %d", n, st.newCalls)
			}
			if st.status == 503 && r.header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
	f.intro.mu.Lock()
	defer f.intro.mu.Unlock()
	if len(f.intro.bad) > 0 {
		t.Fatalf("introspection requests without client credentials or token: %v", f.intro.bad)
	}
}

// TestProtectSignedPayloads: application/jose bodies and detached JWS
// headers on operations with x-rampart-signed: required.
func TestProtectSignedPayloads(t *testing.T) {
	f := startSenderFirewall(t, "")
	c := f.pki.tlsClient(nil, "")
	stranger := genKey(t)
	sign := func(key *ecdsa.PrivateKey, payload string, detached bool, hdr map[string]any) string {
		h := jws.NewHeaders()
		for k, v := range hdr {
			_ = h.Set(k, v)
		}
		opts := []jws.SignOption{jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(h))}
		data := []byte(payload)
		if detached {
			opts = append(opts, jws.WithDetachedPayload(data))
			data = nil
		}
		out, err := jws.Sign(data, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	good := `{"amount":5,"to":"DE89"}`
	cty := map[string]any{"cty": "application/json"}
	envelope := sign(f.signKey, good, false, cty)
	parts := strings.Split(envelope, ".")
	tampered := parts[0] + "." + b64([]byte(`{"amount":500,"to":"DE89"}`)) + "." + parts[2]
	unencoded := sign(f.signKey, good, true, map[string]any{"b64": false, "crit": []string{"b64"}})

	const jose, js = "application/jose", "application/json"
	cases := []struct {
		name   string
		method string
		path   string
		ct     string
		body   string
		hdr    []string
		status int
		reason string
	}{
		{"JWS body", "POST", "/payments", jose, envelope, nil, 201, ""},
		{"JWS body whose payload breaks the schema", "POST", "/payments", jose, sign(f.signKey, `{"amount":0}`, false, cty), nil, 400, ""},
		{"JWS body signed by an unknown key", "POST", "/payments", jose, sign(stranger, good, false, cty), nil, 400, "signature-invalid"},
		{"JWS body with a changed payload", "POST", "/payments", jose, tampered, nil, 400, "signature-invalid"},
		{"JWS body that is not a JWS", "POST", "/payments", jose, "hello", nil, 400, "signature-invalid"},
		{"unsigned body", "POST", "/payments", js, good, nil, 400, "signature-required"},
		{"detached signature", "POST", "/payments", js, good, []string{"X-JWS-Signature", sign(f.signKey, good, true, nil)}, 201, ""},
		{"detached unencoded (RFC 7797) signature", "POST", "/payments", js, good, []string{"X-JWS-Signature", unencoded}, 201, ""},
		{"detached signature over another body", "POST", "/payments", js, `{"amount":6,"to":"DE89"}`, []string{"X-JWS-Signature", sign(f.signKey, good, true, nil)}, 400, "signature-invalid"},
		{"detached signature by an unknown key", "POST", "/payments", js, good, []string{"X-JWS-Signature", sign(stranger, good, true, nil)}, 400, "signature-invalid"},
		{"attached JWS in the signature header", "POST", "/payments", js, good, []string{"X-JWS-Signature", sign(f.signKey, good, false, nil)}, 400, "signature-invalid"},
		{"two signature headers", "POST", "/payments", js, good, []string{"X-JWS-Signature", sign(f.signKey, good, true, nil), "X-JWS-Signature", sign(f.signKey, good, true, nil)}, 400, "signature-invalid"},
		{"bodyless request signed over the empty body", "DELETE", "/payments/7", "", "", []string{"X-JWS-Signature", sign(f.signKey, "", true, nil)}, 204, ""},
		{"bodyless request, no signature", "DELETE", "/payments/7", "", "", nil, 400, "signature-required"},
		// A signature made for some other content, replayed on a
		// request without a body, must not count as signing it.
		{"bodyless request with an attached JWS in the header", "DELETE", "/payments/7", "", "", []string{"X-JWS-Signature", sign(f.signKey, good, false, nil)}, 400, "signature-invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := newReq(t, tc.method, f.base+tc.path, tc.body, tc.hdr...)
			if tc.ct != "" {
				req.Header.Set("Content-Type", tc.ct)
			}
			r := send(t, c, f.up, req)
			if r.status != tc.status || (tc.reason != "" && r.reason != tc.reason) {
				t.Fatalf("got %d %q, want %d %q", r.status, r.reason, tc.status, tc.reason)
			}
			if r.reached != (tc.status < 300) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
			if r.reached && tc.body != "" {
				// The upstream gets the request as signed, so it can keep
				// the proof.
				if got := string(f.up.received(r.header.Get(RequestIDHeader))); got != tc.body {
					t.Fatalf("upstream received %q, want the body as sent", got)
				}
			}
		})
	}
}

// TestProtectTokenDenylist: tokens revoked in the shared Redis denylist
// are refused, by jti or by token hash, and the revocation outlives a
// contract reload.
func TestProtectTokenDenylist(t *testing.T) {
	addr, _ := redistest.Start(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, fmt.Sprintf("  denylist: {backend: redis, redis_addr: %q, prefix: \"test:deny:\"}\n", addr))
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rc.Close() })
	revoke := func(key string) {
		if err := rc.Set(context.Background(), "test:deny:"+key, "1", time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
	}
	revokedJTI := d.token(t, "k1", map[string]any{"jti": "t-revoked"})
	otherJTI := d.token(t, "k1", map[string]any{"jti": "t-live"})
	byHash := d.token(t, "k1", map[string]any{"jti": "t-hashed"})
	sum := sha256.Sum256([]byte(byHash))
	revoke("jti:t-revoked")
	revoke(fmt.Sprintf("sha256:%x", sum))

	check := func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			tok    string
			status int
		}{
			{"revoked jti", revokedJTI, 401},
			{"revoked token hash", byHash, 401},
			{"live token", otherJTI, 200},
		} {
			resp, reason := call{"GET", "/orders", bearer(tc.tok), ""}.do(t, s)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s: %d %s, want %d", tc.name, resp.StatusCode, reason, tc.status)
			}
			if tc.status == 401 && (reason != "auth-invalid" || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "revoked")) {
				t.Fatalf("%s: reason %q, WWW-Authenticate %q", tc.name, reason, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	t.Run("before reload", check)
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Run("after reload", check)
}

// editableSpec copies the configuration's spec to a file of the test's
// own, which the test may then rewrite for a reload, and returns its text.
func editableSpec(t *testing.T, cfg *Config) []byte {
	t.Helper()
	src, err := os.ReadFile(cfg.Spec)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Spec = filepath.Join(t.TempDir(), "protect.yaml")
	if err := os.WriteFile(cfg.Spec, src, 0o600); err != nil {
		t.Fatal(err)
	}
	return src
}

// withPublicNew is testdata/protect.yaml with one more anonymous
// operation, GET /public/new, so that a reload that swapped it in shows.
func withPublicNew(src []byte) string {
	return strings.Replace(string(src), "  /public/search:", "  /public/new:\n    get:\n      operationId: publicNew\n      security: []\n      responses:\n        \"200\": {description: ok, content: {application/json: {schema: {type: object}}}}\n  /public/search:", 1)
}

// TestProtectReadyDuringReload: a reload whose new contract cannot load
// its signing keys yet (its JWKS URL is another, down, identity provider)
// keeps the working contract in force: /readyz stays 200 naming the old
// contract and tokens keep passing; once the keys load the new contract
// takes over.
func TestProtectReadyDuringReload(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	d2 := startIDP(t, false)
	cfg := protectConfig(t, up, d.url, "")
	src := editableSpec(t, &cfg)
	// The configuration file the reload reads: the same, but for the
	// spec and the key source.
	cfgPath := filepath.Join(t.TempDir(), "protect-config.yaml")
	text := strings.Replace(protectYAML(up, d2.url, ""), "spec: testdata/protect.yaml", "spec: "+cfg.Spec, 1) +
		"listen: 127.0.0.1:0\nadmin: 127.0.0.1:0\nwatch_interval: -1ns\n" // as startFirewall sets them
	if err := os.WriteFile(cfgPath, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	s.SetConfigSource(cfgPath, func() (Config, error) { return LoadConfigFile(cfgPath) })
	oldID := s.Plan().ID
	readyz := func() (int, string) {
		resp, err := testClient.Get("http://" + s.AdminAddr() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(b)
	}
	tok := d.token(t, "k1", nil)

	// The new contract adds an operation; its key set cannot load yet.
	changed := withPublicNew(src)
	if err := os.WriteFile(cfg.Spec, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Reload(context.Background()) }()

	deadline := time.Now().Add(400 * time.Millisecond)
	polls := 0
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("reload finished (%v) while the new contract's keys could not load", err)
		default:
		}
		if code, body := readyz(); code != 200 || !strings.Contains(body, oldID) {
			t.Fatalf("/readyz during the reload: %d %q, want 200 naming %s", code, body, oldID)
		}
		if resp, reason := (call{"GET", "/orders", bearer(tok), ""}).do(t, s); resp.StatusCode != 200 {
			t.Fatalf("token during the reload: %d %s", resp.StatusCode, reason)
		}
		if resp, _ := (call{"GET", "/public/new", nil, ""}).do(t, s); resp.StatusCode != 404 {
			t.Fatalf("the new operation answered %d before the new contract took over", resp.StatusCode)
		}
		polls++
		// Paced: the contract limits each client address to 1,000
		// requests a second (x-rampart-rate-limit), which an unpaced
		// loop on a fast machine reaches within the 400 ms.
		time.Sleep(5 * time.Millisecond)
	}
	if polls < 3 {
		t.Fatalf("only %d polls during the reload", polls)
	}
	d2.up.Store(true)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(8 * time.Second):
		t.Fatal("reload did not finish after the keys came back")
	}
	newID := s.Plan().ID
	if newID == oldID {
		t.Fatal("the contract id did not change")
	}
	if code, body := readyz(); code != 200 || !strings.Contains(body, newID) {
		t.Fatalf("/readyz after the reload: %d %q", code, body)
	}
	if resp, _ := (call{"GET", "/public/new", nil, ""}).do(t, s); resp.StatusCode != 200 {
		t.Fatalf("new operation after the reload: %d", resp.StatusCode)
	}
	if resp, reason := (call{"GET", "/orders", bearer(d2.token(t, "k1", nil)), ""}).do(t, s); resp.StatusCode != 200 {
		t.Fatalf("a token of the new key source after the reload: %d %s", resp.StatusCode, reason)
	}
}

// TestProtectReloadKeepsKeysWhileIdPDown: a reload while the identity
// provider is down keeps the key set in force for the same JWKS URL. The
// new contract's key source started empty, the reload gave up waiting
// after readyWait, and every token operation answered 503 (and /readyz
// failed) until the provider came back.
func TestProtectReloadKeepsKeysWhileIdPDown(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, "")
	src := editableSpec(t, &cfg)
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	tok := d.token(t, "k1", nil)
	d.up.Store(false)
	// The new contract has one more operation, so the swap shows.
	changed := withPublicNew(src)
	if err := os.WriteFile(cfg.Spec, []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	oldID := s.Plan().ID
	start := time.Now()
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > readyWait/2 {
		t.Fatalf("the reload waited %s for keys it already had", took)
	}
	if s.Plan().ID == oldID {
		t.Fatal("the reload did not swap the contract")
	}
	if !s.Ready() {
		t.Fatal("not ready after the reload")
	}
	if resp, reason := (call{"GET", "/orders", bearer(tok), ""}).do(t, s); resp.StatusCode != 200 {
		t.Fatalf("token after the reload with the identity provider down: %d %s", resp.StatusCode, reason)
	}
}

// TestProtectDPoPOrigin: htu must name dpop.external_origin. The Host a
// request carries, and the scheme a proxy says the client used, are not
// the firewall's own name: compared with them, a proof made for another
// server passed here when sent with that server's Host.
func TestProtectDPoPOrigin(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, "ip_rules: {trusted_proxies: [127.0.0.1]}\n")
	cfg.Authentication.Schemes["oauth"].DPoP = &dpop.Config{ExternalOrigin: "https://api.example"}
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	key := newDPoPKey(t)
	tok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	tests := []struct {
		name, htu, host, proto string
		status                 int
	}{
		{"the configured origin", "https://api.example/orders", "", "", 200},
		{"the configured origin, behind a proxy that ended TLS", "https://api.example/orders", "api.example", "https", 200},
		{"the listener's own address", "http://" + s.Addr() + "/orders", "", "", 401},
		{"another server, sent with its Host", "https://api.other.example/orders", "api.other.example", "", 401},
		{"another server, sent with its Host behind a proxy that ended TLS", "https://api.other.example/orders", "api.other.example", "https", 401},
		{"the origin's host with another scheme", "http://api.example/orders", "api.example", "http", 401},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newReq(t, "GET", "http://"+s.Addr()+"/orders", "", "Authorization", "DPoP "+tok, "DPoP", key.proof(t, "GET", tc.htu, fmt.Sprint("origin-", i), tok))
			if tc.host != "" {
				req.Host = tc.host
			}
			if tc.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tc.proto)
			}
			r := send(t, http.DefaultClient, up, req)
			if r.status != tc.status {
				t.Fatalf("status %d (%s), want %d", r.status, r.reason, tc.status)
			}
			if r.reached != (tc.status == 200) {
				t.Fatalf("reached upstream = %v", r.reached)
			}
		})
	}
}
