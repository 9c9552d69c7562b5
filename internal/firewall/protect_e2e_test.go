package firewall

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"golang.org/x/crypto/bcrypt"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/redistest"
)

// idp is a JWKS server on loopback with keys that can be rotated and a
// switch to take it down.
type idp struct {
	srv  *http.Server
	url  string
	up   atomic.Bool
	mu   sync.Mutex
	keys map[string]*rsa.PrivateKey
	hits atomic.Int64
}

func startIDP(t *testing.T, up bool) *idp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &idp{keys: map[string]*rsa.PrivateKey{}, url: "http://" + ln.Addr().String() + "/jwks.json"}
	d.up.Store(up)
	d.addKey(t, "k1")
	d.srv = &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		if !d.up.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		set := jwk.NewSet()
		d.mu.Lock()
		for kid, k := range d.keys {
			pk, _ := jwk.PublicKeyOf(k)
			_ = pk.Set(jwk.KeyIDKey, kid)
			_ = pk.Set(jwk.AlgorithmKey, jwa.RS256())
			_ = set.AddKey(pk)
		}
		d.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	})}
	go func() { _ = d.srv.Serve(ln) }()
	t.Cleanup(func() { _ = d.srv.Close() })
	return d
}

func (d *idp) addKey(t *testing.T, kid string) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	d.mu.Lock()
	d.keys[kid] = k
	d.mu.Unlock()
}

func (d *idp) key(kid string) *rsa.PrivateKey {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.keys[kid]
}

// token signs claims (over defaults that pass) with the key kid.
func (d *idp) token(t *testing.T, kid string, claims map[string]any) string {
	t.Helper()
	base := map[string]any{"iss": "https://idp.example", "aud": "orders", "sub": "alice", "client_id": "app-1",
		"scope": "orders:read", "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	payload, _ := json.Marshal(base)
	h := jws.NewHeaders()
	_ = h.Set(jws.KeyIDKey, kid)
	_ = h.Set(jws.TypeKey, "at+jwt")
	out, err := jws.Sign(payload, jws.WithKey(jwa.RS256(), d.key(kid), jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// unsignedToken is an alg "none" token: never accepted.
func unsignedToken(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return b64(b)
	}
	return enc(map[string]any{"alg": "none", "kid": "k1", "typ": "at+jwt"}) + "." + enc(claims) + "."
}

// hsWithPublicKey is the algorithm-confusion attack: HS256 keyed with
// the RSA public key the attacker can download.
func hsWithPublicKey(t *testing.T, pub *rsa.PublicKey, claims map[string]any) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	payload, _ := json.Marshal(claims)
	h := jws.NewHeaders()
	_ = h.Set(jws.KeyIDKey, "k1")
	out, err := jws.Sign(payload, jws.WithKey(jwa.HS256(), pemKey, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// protectConfig is the configuration of the protection tests; extra is
// appended (YAML).
func protectConfig(t *testing.T, up *upstream, jwksURL, extra string) Config {
	t.Helper()
	return loadConfigYAML(t, protectYAML(up, jwksURL, extra))
}

// protectYAML is the text of protectConfig, for tests that edit it; the
// authentication section comes last, so extra may add keys to it.
func protectYAML(up *upstream, jwksURL, extra string) string {
	hash, _ := bcrypt.GenerateFromPassword([]byte("opensesame"), bcrypt.MinCost)
	return fmt.Sprintf(`spec: testdata/protect.yaml
upstream: http://%s
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
    partnerKey:
      api_keys:
        keys: [{id: partner-a, sha256: %s}, {id: partner-b, sha256: %s}]
    ops:
      basic:
        users: [{username: ops, bcrypt: '%s'}]
`, up.addr, jwksURL, apikey.Digest("key-a"), apikey.Digest("key-b"), hash) + extra
}

// loadConfigYAML loads a configuration file with the text y.
func loadConfigYAML(t *testing.T, y string) Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "protect.yaml")
	if err := os.WriteFile(path, []byte(y), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type call struct {
	method, path string
	hdr          []string
	body         string
}

func (c call) do(t *testing.T, s *Server) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if c.body != "" {
		rd = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, "http://"+s.Addr()+c.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(c.hdr); i += 2 {
		req.Header.Add(c.hdr[i], c.hdr[i+1])
	}
	resp, err := testClient.Do(req)
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
	return resp, prob.Reason
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

func TestProtectAuthentication(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s := startFirewall(t, protectConfig(t, up, d.url, ""), nil)
	waitFor(t, "JWKS", s.Ready)

	good := d.token(t, "k1", nil)
	writer := d.token(t, "k1", map[string]any{"scope": "orders:read orders:write"})
	order := `{"id":"3f1c0d7e-8a55-4c1e-9a39-0b8f9c3b2a10","status":"new"}`
	cases := []struct {
		name      string
		c         call
		status    int
		reason    string
		challenge string // substring of WWW-Authenticate
		reached   bool
	}{
		{"valid token", call{"GET", "/orders", bearer(good), ""}, 200, "", "", true},
		{"no credentials", call{"GET", "/orders", nil, ""}, 401, "auth-missing", `Bearer realm="orders"`, false},
		{"expired", call{"GET", "/orders", bearer(d.token(t, "k1", map[string]any{"exp": time.Now().Add(-time.Hour).Unix()})), ""}, 401, "auth-invalid", `error="invalid_token"`, false},
		{"wrong audience", call{"GET", "/orders", bearer(d.token(t, "k1", map[string]any{"aud": "billing"})), ""}, 401, "auth-invalid", "invalid_token", false},
		{"wrong issuer", call{"GET", "/orders", bearer(d.token(t, "k1", map[string]any{"iss": "https://evil.example"})), ""}, 401, "auth-invalid", "invalid_token", false},
		{"alg none", call{"GET", "/orders", bearer(unsignedToken(map[string]any{"iss": "https://idp.example", "aud": "orders", "exp": time.Now().Add(time.Hour).Unix()})), ""}, 401, "auth-invalid", "invalid_token", false},
		{"HS256 keyed with the RSA public key", call{"GET", "/orders", bearer(hsWithPublicKey(t, &d.key("k1").PublicKey, map[string]any{"iss": "https://idp.example", "aud": "orders", "exp": time.Now().Add(time.Hour).Unix()})), ""}, 401, "auth-invalid", "invalid_token", false},
		{"missing scope, before the body is read", call{"POST", "/orders", bearer(good), `{"id":"' OR 1=1 --"}`}, 403, "insufficient-scope", `error="insufficient_scope"`, false},
		{"scope granted", call{"POST", "/orders", bearer(writer), order}, 201, "", "", true},
		{"unauthenticated invalid body gets 401, not 400", call{"POST", "/orders", nil, `{"nope":`}, 401, "auth-missing", "Bearer", false},
		{"api key", call{"GET", "/partner/orders", []string{"X-Api-Key", "key-a"}, ""}, 200, "", "", true},
		{"wrong api key", call{"GET", "/partner/orders", []string{"X-Api-Key", "nope"}, ""}, 401, "auth-invalid", "", false},
		// The upstream would get the request without the key.
		{"api key named as a connection option", call{"GET", "/partner/orders", []string{"X-Api-Key", "key-a", "Connection", "X-Api-Key"}, ""}, 401, "auth-missing", "", false},
		{"token named as a connection option", call{"GET", "/orders", append(bearer(good), "Connection", "Authorization"), ""}, 401, "auth-missing", "Bearer", false},
		// A CGI-style upstream reads X_Api_Key as HTTP_X_API_KEY too.
		{"api key beside a lookalike field", call{"GET", "/partner/orders", []string{"X-Api-Key", "key-a", "X_Api_Key", "other"}, ""}, 400, "ambiguous-header", "", false},
		{"basic", call{"GET", "/ops/stats", []string{"Authorization", "Basic b3BzOm9wZW5zZXNhbWU="}, ""}, 200, "", "", true},
		{"basic wrong password", call{"GET", "/ops/stats", []string{"Authorization", "Basic b3BzOndyb25n"}, ""}, 401, "auth-invalid", "Basic", false},
		{"anonymous operation", call{"GET", "/public/search?q=x", nil, ""}, 200, "", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, reason := tc.c.do(t, s)
			if resp.StatusCode != tc.status || reason != tc.reason {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, reason, tc.status, tc.reason)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, tc.challenge) {
				t.Errorf("WWW-Authenticate %q does not contain %q", got, tc.challenge)
			}
			if got := up.reached(resp.Header.Get(RequestIDHeader)); got != tc.reached {
				t.Errorf("reached upstream = %v, want %v", got, tc.reached)
			}
			if tc.status < 300 && resp.Header.Get("Cache-Control") != "no-store" && tc.c.hdr != nil {
				t.Errorf("authenticated response without Cache-Control: no-store")
			}
		})
	}

	t.Run("key rotation: unknown kid refreshes the JWKS", func(t *testing.T) {
		d.addKey(t, "k2")
		resp, reason := call{"GET", "/orders", bearer(d.token(t, "k2", nil)), ""}.do(t, s)
		if resp.StatusCode != 200 {
			t.Fatalf("token signed with the new key: %d %s", resp.StatusCode, reason)
		}
	})
	t.Run("JWKS host down keeps the last good keys", func(t *testing.T) {
		d.up.Store(false)
		defer d.up.Store(true)
		resp, reason := call{"GET", "/orders", bearer(good), ""}.do(t, s)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, reason)
		}
	})
}

// The body is the business of callers who may call the operation: an
// unauthenticated one gets 401 whatever its body holds, without a 100
// Continue inviting the body and without the firewall inflating it; an
// authenticated one gets the body checks. What the head alone shows (an
// undeclared media type or content coding) is judged by the limits
// stage, before authentication, as cheap checks are.
func TestProtectBodyReadAfterAuthentication(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s := startFirewall(t, protectConfig(t, up, d.url, ""), nil)
	waitFor(t, "JWKS", s.Ready)
	auth := "Authorization: Bearer " + d.token(t, "k1", map[string]any{"scope": "orders:write"}) + "\r\n"
	dial := func() (net.Conn, error) { return net.Dial("tcp", s.Addr()) }
	// 9 MiB of zeros, over the decoded-size limit (8 x 1 MiB), in 9 KiB.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write(make([]byte, 9<<20))
	_ = zw.Close()
	bomb := zb.String()
	cases := []struct {
		name, auth, head, body string
		status                 int
		continued              bool
	}{
		{"undeclared media type", "", "Content-Type: text/xml\r\n", "<a/>", 415, false},
		{"undeclared media type, authenticated", auth, "Content-Type: text/xml\r\n", "<a/>", 415, false},
		{"corrupt gzip", "", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", "not gzip", 401, false},
		{"corrupt gzip, authenticated", auth, "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", "not gzip", 400, false},
		{"unknown coding", "", "Content-Type: application/json\r\nContent-Encoding: br\r\n", "xx", 415, false},
		{"oversized gzip bomb", "", "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", bomb, 401, false},
		{"oversized gzip bomb, authenticated", auth, "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", bomb, 413, false},
		{"expect 100-continue", "", "Content-Type: application/json\r\nExpect: 100-continue\r\n", "{}", 401, false},
		{"expect 100-continue, authenticated", auth, "Content-Type: application/json\r\nExpect: 100-continue\r\n", "{}", 201, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			head := "POST /orders HTTP/1.1\r\nHost: x\r\n" + c.auth + c.head + "Content-Length: " + strconv.Itoa(len(c.body)) + "\r\n\r\n"
			conn, err := dial()
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
			br := bufio.NewReader(conn)
			_, _ = io.WriteString(conn, head)
			if strings.Contains(c.head, "Expect") {
				// The client waits for the interim answer before sending
				// the body, as clients that send Expect do.
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := resp.StatusCode == http.StatusContinue; got != c.continued {
					t.Fatalf("first answer %d; 100 Continue expected: %v", resp.StatusCode, c.continued)
				}
				if !c.continued {
					if resp.StatusCode != c.status {
						t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
					}
					return
				}
			}
			_, _ = io.WriteString(conn, c.body)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, c.status)
			}
		})
	}
}

func TestProtectNotReadyUntilKeysLoad(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, false)
	s := startFirewall(t, protectConfig(t, up, d.url, ""), nil)
	readyz := func() int {
		resp, err := testClient.Get("http://" + s.AdminAddr() + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := readyz(); got != 503 {
		t.Fatalf("/readyz with the JWKS host down: %d, want 503", got)
	}
	resp, reason := call{"GET", "/orders", bearer(d.token(t, "k1", nil)), ""}.do(t, s)
	if resp.StatusCode != 503 || reason != "auth-unavailable" {
		t.Fatalf("secured operation before keys load: %d %s, want 503 auth-unavailable", resp.StatusCode, reason)
	}
	if resp, _ := (call{"GET", "/public/search", nil, ""}).do(t, s); resp.StatusCode != 200 {
		t.Fatalf("anonymous operation before keys load: %d, want 200", resp.StatusCode)
	}
	d.up.Store(true)
	waitFor(t, "readiness", func() bool { return readyz() == 200 })
	if resp, reason := (call{"GET", "/orders", bearer(d.token(t, "k1", nil)), ""}).do(t, s); resp.StatusCode != 200 {
		t.Fatalf("after keys load: %d %s", resp.StatusCode, reason)
	}
}

func TestProtectIPRules(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, `ip_rules:
  trusted_proxies: [127.0.0.1]
  deny: [203.0.113.7]
`)
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	basic := []string{"Authorization", "Basic b3BzOm9wZW5zZXNhbWU="}
	cases := []struct {
		name   string
		c      call
		status int
		reason string
	}{
		{"denied client behind the trusted proxy", call{"GET", "/public/search", []string{"X-Forwarded-For", "203.0.113.7"}, ""}, 403, "ip-denied"},
		{"rightmost untrusted address counts, not a spoofed leftmost one", call{"GET", "/public/search", []string{"X-Forwarded-For", "10.9.9.9, 203.0.113.7"}, ""}, 403, "ip-denied"},
		{"spoofed leftmost address does not hide the client", call{"GET", "/public/search", []string{"X-Forwarded-For", "203.0.113.7, 198.51.100.9"}, ""}, 200, ""},
		{"other client passes", call{"GET", "/public/search", []string{"X-Forwarded-For", "192.0.2.1"}, ""}, 200, ""},
		{"spec deny list at path level", call{"GET", "/partner/orders", []string{"X-Forwarded-For", "198.51.100.20", "X-Api-Key", "key-a"}, ""}, 403, "ip-denied"},
		{"spec allow list at operation level: allowed", call{"GET", "/ops/stats", append([]string{"X-Forwarded-For", "192.0.2.44"}, basic...), ""}, 200, ""},
		{"spec allow list at operation level: not allowed", call{"GET", "/ops/stats", append([]string{"X-Forwarded-For", "198.51.100.1"}, basic...), ""}, 403, "ip-not-allowed"},
		// A CGI-style upstream reads it as the HTTP_X_CLIENT_IP the
		// firewall does not forward.
		{"lookalike of a client-address field", call{"GET", "/public/search", []string{"X_Client_IP", "10.6.6.6"}, ""}, 400, "ambiguous-header"},
		{"ip rules come before authentication", call{"GET", "/orders", []string{"X-Forwarded-For", "203.0.113.7"}, ""}, 403, "ip-denied"},
		// Dropped as a connection option, the field would leave the
		// trusted proxy's own address as the client's.
		{"forwarding field named as a connection option", call{"GET", "/public/search", []string{"X-Forwarded-For", "203.0.113.7", "Connection", "X-Forwarded-For"}, ""}, 400, "ambiguous-header"},
		{"Forwarded named as a connection option", call{"GET", "/public/search", []string{"Connection", "keep-alive, forwarded"}, ""}, 400, "ambiguous-header"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, reason := tc.c.do(t, s)
			if resp.StatusCode != tc.status || reason != tc.reason {
				t.Fatalf("got %d %q, want %d %q", resp.StatusCode, reason, tc.status, tc.reason)
			}
		})
	}

	// The upstream gets the client the firewall resolved, as the one entry
	// of X-Forwarded-For: not the trusted proxy, not the spoofed hops.
	t.Run("upstream sees the resolved client", func(t *testing.T) {
		for _, tc := range []struct{ xff, want string }{
			{"203.0.113.9, 198.51.100.9", "198.51.100.9"},
			{"192.0.2.1", "192.0.2.1"},
			{"", "127.0.0.1"}, // no header: the peer itself
		} {
			// The other fields frameworks take the client address from
			// are the client's own writing: X-Real-IP carries the resolved
			// address too, and the rest do not reach the upstream.
			hdr := []string{"X-Real-IP", "203.0.113.66", "True-Client-IP", "203.0.113.67", "CF-Connecting-IP", "203.0.113.68", "X-Client-IP", "203.0.113.69",
				"X-Original-Forwarded-For", "203.0.113.70", "X-ProxyUser-Ip", "203.0.113.71",
				// ReverseProxy drops only some X-Forwarded-* fields;
				// frameworks read the scheme, port and prefix from these.
				// The peer is a trusted proxy here: its port and prefix
				// pass, the scheme is only X-Forwarded-Proto's.
				"X-Forwarded-Ssl", "on", "X-Forwarded-Scheme", "https", "Front-End-Https", "on", "X-Url-Scheme", "https",
				"X-Forwarded-Port", "8443", "X-Forwarded-Prefix", "/api"}
			if tc.xff != "" {
				hdr = append(hdr, "X-Forwarded-For", tc.xff)
			}
			resp, _ := call{"GET", "/public/search", hdr, ""}.do(t, s)
			if resp.StatusCode != 200 {
				t.Fatalf("%q: status %d", tc.xff, resp.StatusCode)
			}
			r := up.request(resp.Header.Get(RequestIDHeader))
			if r == nil {
				t.Fatalf("%q: the upstream did not see the request", tc.xff)
			}
			if got := r.Header.Values("X-Forwarded-For"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("X-Forwarded-For %q: upstream got %q, want %q", tc.xff, got, tc.want)
			}
			if got := r.Header.Values("X-Real-IP"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("X-Real-IP: upstream got %q, want %q", got, tc.want)
			}
			if r.Header.Get("X-Forwarded-Port") != "8443" || r.Header.Get("X-Forwarded-Prefix") != "/api" {
				t.Errorf("the trusted proxy's port and prefix were dropped: %v", r.Header)
			}
			for _, f := range []string{"True-Client-IP", "CF-Connecting-IP", "X-Client-IP", "X-Original-Forwarded-For", "X-ProxyUser-Ip", "X-Forwarded-Ssl", "X-Forwarded-Scheme", "Front-End-Https", "X-Url-Scheme"} {
				if got := r.Header.Values(f); len(got) != 0 {
					t.Errorf("%s: upstream got the client's %q", f, got)
				}
			}
			if got := r.Header.Values("X-Forwarded-Host"); len(got) != 1 || got[0] != s.Addr() {
				t.Errorf("X-Forwarded-Host: upstream got %q, want %q", got, s.Addr())
			}
		}
		// The trusted proxy ended TLS: the upstream is told https.
		for _, tc := range []struct{ proto, want string }{{"https", "https"}, {"http", "http"}, {"", "http"}} {
			var hdr []string
			if tc.proto != "" {
				hdr = []string{"X-Forwarded-Proto", tc.proto}
			}
			resp, _ := call{"GET", "/public/search", hdr, ""}.do(t, s)
			r := up.request(resp.Header.Get(RequestIDHeader))
			if r == nil {
				t.Fatalf("proto %q: the upstream did not see the request", tc.proto)
			}
			if got := r.Header.Values("X-Forwarded-Proto"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("X-Forwarded-Proto %q: upstream got %q, want %q", tc.proto, got, tc.want)
			}
		}
	})

	t.Run("without trusted proxies the header is ignored", func(t *testing.T) {
		cfg := protectConfig(t, up, d.url, "ip_rules: {deny: [203.0.113.7]}\n")
		s2 := startFirewall(t, cfg, nil)
		resp, _ := call{"GET", "/public/search", []string{"X-Forwarded-For", "203.0.113.7", "X-Forwarded-Ssl", "on", "X-Forwarded-Scheme", "https", "X-Forwarded-Port", "443", "X-Forwarded-Prefix", "/admin"}, ""}.do(t, s2)
		if resp.StatusCode != 200 {
			t.Fatalf("got %d: a client-written X-Forwarded-For was believed", resp.StatusCode)
		}
		r := up.request(resp.Header.Get(RequestIDHeader))
		if r == nil {
			t.Fatal("the upstream did not see the request")
		}
		for _, f := range []string{"X-Forwarded-Ssl", "X-Forwarded-Scheme", "X-Forwarded-Port", "X-Forwarded-Prefix"} {
			if got := r.Header.Values(f); len(got) != 0 {
				t.Errorf("%s: upstream got the client's %q", f, got)
			}
		}
		cfg = protectConfig(t, up, d.url, "ip_rules: {deny: [127.0.0.1]}\n")
		s3 := startFirewall(t, cfg, nil)
		if resp, reason := (call{"GET", "/public/search", []string{"X-Forwarded-For", "192.0.2.1"}, ""}).do(t, s3); resp.StatusCode != 403 || reason != "ip-denied" {
			t.Fatalf("denied peer: %d %s", resp.StatusCode, reason)
		}
	})
}

func TestProtectRateLimits(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, `rate_limits:
  rules:
    - {name: per-client, key: "claim:client_id", rate: 2, period: 1m}
`)
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)

	t.Run("per IP from the contract, operation level", func(t *testing.T) {
		for i := 1; i <= 4; i++ {
			resp, reason := call{"GET", "/public/limited", nil, ""}.do(t, s)
			want := 200
			if i == 4 {
				want = 429
			}
			if resp.StatusCode != want {
				t.Fatalf("request %d: %d %s, want %d", i, resp.StatusCode, reason, want)
			}
			if !strings.Contains(resp.Header.Get("RateLimit-Policy"), `"spec.op.publicLimited";q=3`) {
				t.Fatalf("RateLimit-Policy %q", resp.Header.Get("RateLimit-Policy"))
			}
			if i == 4 {
				if reason != "rate-limited" || resp.Header.Get("Retry-After") == "" || !strings.Contains(resp.Header.Get("RateLimit"), "r=0") {
					t.Fatalf("429 without reason/Retry-After/RateLimit: %q %v", reason, resp.Header)
				}
				if up.reached(resp.Header.Get(RequestIDHeader)) {
					t.Fatal("a limited request reached the upstream")
				}
			}
		}
	})
	t.Run("per client_id claim across tokens", func(t *testing.T) {
		tokA := d.token(t, "k1", map[string]any{"client_id": "app-A"})
		tokA2 := d.token(t, "k1", map[string]any{"client_id": "app-A", "sub": "bob"})
		tokB := d.token(t, "k1", map[string]any{"client_id": "app-B"})
		for i, tc := range []struct {
			tok  string
			want int
		}{{tokA, 200}, {tokA2, 200}, {tokA, 429}, {tokB, 200}} {
			resp, reason := call{"GET", "/orders", bearer(tc.tok), ""}.do(t, s)
			if resp.StatusCode != tc.want {
				t.Fatalf("request %d: %d %s, want %d", i, resp.StatusCode, reason, tc.want)
			}
		}
	})
	t.Run("per API key from the contract", func(t *testing.T) {
		for i, tc := range []struct {
			key  string
			want int
		}{{"key-a", 200}, {"key-a", 200}, {"key-a", 429}, {"key-b", 200}} {
			resp, reason := call{"GET", "/partner/orders", []string{"X-Api-Key", tc.key}, ""}.do(t, s)
			if resp.StatusCode != tc.want {
				t.Fatalf("request %d: %d %s, want %d", i, resp.StatusCode, reason, tc.want)
			}
		}
	})
}

// TestProtectIPLimitCountsFailedAuthentication checks that a per-IP rule
// limited to an operation is charged before authentication: guessing API
// keys on that operation is stopped by the address's limit, with 429
// instead of another 401, and other operations are not affected.
func TestProtectIPLimitCountsFailedAuthentication(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	const rule = `    - {name: key-guessing, key: ip, rate: 3, period: 1h, operations: [partnerOrders]}
`
	wrongKey := func(i int) call {
		return call{"GET", "/partner/orders", []string{"X-Api-Key", fmt.Sprintf("guess-%d", i), "Origin", "https://app.example.com"}, ""}
	}

	t.Run("block", func(t *testing.T) {
		audit := &syncBuffer{}
		// per-ip covers the whole API, charged before routing.
		cfg := protectConfig(t, up, d.url, "cors: {allowed_origins: [\"https://app.example.com\"]}\nrate_limits:\n  rules:\n"+rule+"    - {name: per-ip, key: ip, rate: 100, period: 1m}\n")
		s := startFirewall(t, cfg, audit)
		waitFor(t, "JWKS", s.Ready)
		for i := 1; i <= 3; i++ {
			resp, reason := wrongKey(i).do(t, s)
			if resp.StatusCode != 401 || reason != "auth-invalid" {
				t.Fatalf("guess %d: %d %s, want 401 auth-invalid", i, resp.StatusCode, reason)
			}
			if !strings.Contains(resp.Header.Get("RateLimit-Policy"), `"key-guessing";q=3`) {
				t.Fatalf("guess %d: the rule was not charged: RateLimit-Policy %q", i, resp.Header.Get("RateLimit-Policy"))
			}
		}
		resp, reason := wrongKey(4).do(t, s)
		if resp.StatusCode != http.StatusTooManyRequests || reason != "rate-limited" {
			t.Fatalf("guess 4: %d %s, want 429 rate-limited", resp.StatusCode, reason)
		}
		h := resp.Header
		if h.Get("Retry-After") == "" || !strings.Contains(h.Get("RateLimit"), `"key-guessing";r=0`) || !strings.Contains(h.Get("RateLimit-Policy"), `"key-guessing"`) {
			t.Fatalf("429 without Retry-After/RateLimit: %v", h)
		}
		// The API-wide rule charged before routing is reported beside
		// the one that refused, as on the answers before.
		for _, f := range []string{"RateLimit-Policy", "RateLimit"} {
			if v := h.Get(f); !strings.Contains(v, `"per-ip"`) || !strings.Contains(v, `"key-guessing"`) {
				t.Fatalf("the 429's %s is %q, want both applied rules", f, v)
			}
		}
		if h.Get("WWW-Authenticate") != "" {
			t.Fatalf("the 429 carries an authentication challenge: %v", h)
		}
		if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
			t.Fatalf("the 429 lacks the CORS headers a browser needs to read it: %v", h)
		}
		limitedID := h.Get(RequestIDHeader)
		// The address is limited, whatever key it presents now.
		resp, reason = call{"GET", "/partner/orders", []string{"X-Api-Key", "key-a"}, ""}.do(t, s)
		if resp.StatusCode != http.StatusTooManyRequests || reason != "rate-limited" || up.reached(resp.Header.Get(RequestIDHeader)) {
			t.Fatalf("valid key after the limit: %d %s", resp.StatusCode, reason)
		}
		// Other operations keep their own answers.
		if resp, reason := (call{"GET", "/ops/stats", []string{"Authorization", "Basic b3BzOndyb25n"}, ""}).do(t, s); resp.StatusCode != 401 || reason != "auth-invalid" {
			t.Fatalf("other operation, wrong password: %d %s, want 401", resp.StatusCode, reason)
		}
		if resp, reason := (call{"GET", "/public/search", nil, ""}).do(t, s); resp.StatusCode != 200 {
			t.Fatalf("other operation, anonymous: %d %s, want 200", resp.StatusCode, reason)
		}

		waitFor(t, "the audit record of the 429", func() bool { return strings.Contains(audit.String(), limitedID) })
		for _, rec := range auditLines(t, audit) {
			if rec["request_id"] != limitedID {
				continue
			}
			if rec["decision"] != "blocked" || rec["operation"] != "partnerOrders" || fmt.Sprint(rec["reasons"]) != "[rate-limited]" || rec["status"] != float64(429) {
				t.Fatalf("audit record: %v", rec)
			}
		}
		m, body := get(t, "http://"+s.AdminAddr()+"/metrics", nil)
		if m.StatusCode != 200 || !strings.Contains(body, `rampart_ratelimit_decisions_total{outcome="limited",rule="key-guessing"} 2`) || !strings.Contains(body, `rampart_ratelimit_decisions_total{outcome="allowed",rule="key-guessing"} 3`) {
			t.Fatalf("decisions not counted in /metrics:\n%s", body)
		}
	})

	t.Run("monitor", func(t *testing.T) {
		audit := &syncBuffer{}
		cfg := protectConfig(t, up, d.url, "mode: monitor\nrate_limits:\n  rules:\n"+rule)
		s := startFirewall(t, cfg, audit)
		waitFor(t, "JWKS", s.Ready)
		var last *http.Response
		for i := 1; i <= 4; i++ {
			last, _ = wrongKey(i).do(t, s)
			if last.StatusCode != 200 || !up.reached(last.Header.Get(RequestIDHeader)) {
				t.Fatalf("guess %d in monitor mode: %d, want forwarded", i, last.StatusCode)
			}
		}
		if last.Header.Get("Retry-After") != "" {
			t.Fatalf("monitor mode sent the refusal's Retry-After: %v", last.Header)
		}
		id := last.Header.Get(RequestIDHeader)
		waitFor(t, "the audit record", func() bool { return strings.Contains(audit.String(), id) })
		for _, rec := range auditLines(t, audit) {
			if rec["request_id"] == id && (rec["decision"] != "monitored-violation" || fmt.Sprint(rec["reasons"]) != "[rate-limited auth-invalid]") {
				t.Fatalf("audit record: %v", rec)
			}
		}
	})

	t.Run("redis", func(t *testing.T) {
		addr, _ := redistest.Start(t)
		extra := fmt.Sprintf("rate_limits:\n  store: redis\n  redis: {addr: %q, timeout: 1s}\n  rules:\n%s", addr, rule)
		a := startFirewall(t, protectConfig(t, up, d.url, extra), nil)
		b := startFirewall(t, protectConfig(t, up, d.url, extra), nil)
		waitFor(t, "JWKS", func() bool { return a.Ready() && b.Ready() })
		var got []int
		for i := 0; i < 5; i++ {
			s := a
			if i%2 == 1 {
				s = b
			}
			resp, _ := wrongKey(i).do(t, s)
			got = append(got, resp.StatusCode)
		}
		if want := []int{401, 401, 401, 429, 429}; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	})
}

func TestProtectCORSAndHeaders(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, `ip_rules: {trusted_proxies: [127.0.0.1], deny: [203.0.113.7]}
cors:
  allowed_origins: ["https://app.example.com"]
  allowed_methods: [GET, POST]
  allowed_headers: [Authorization, Content-Type]
  allow_credentials: true
`)
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	pre := func(origin, method string) []string {
		return []string{"Origin", origin, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", "authorization"}
	}
	t.Run("preflight allowed, answered without credentials, never forwarded", func(t *testing.T) {
		resp, _ := call{"OPTIONS", "/orders", pre("https://app.example.com", "POST"), ""}.do(t, s)
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("no Vary: Origin: %v", resp.Header.Values("Vary"))
		}
		if up.reached(resp.Header.Get(RequestIDHeader)) {
			t.Error("preflight reached the upstream")
		}
	})
	t.Run("preflight refused before the CORS stage still carries CORS headers", func(t *testing.T) {
		// Refused by the address rules, which run first: without the
		// headers the browser reports a CORS failure, not the 403.
		resp, reason := call{"OPTIONS", "/orders", append(pre("https://app.example.com", "POST"), "X-Forwarded-For", "203.0.113.7"), ""}.do(t, s)
		if resp.StatusCode != 403 || reason != "ip-denied" || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
			t.Fatalf("%d %s %v", resp.StatusCode, reason, resp.Header)
		}
		if !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("no Vary: Origin: %v", resp.Header.Values("Vary"))
		}
	})
	t.Run("preflight from another origin", func(t *testing.T) {
		resp, reason := call{"OPTIONS", "/orders", pre("https://evil.example", "POST"), ""}.do(t, s)
		if resp.StatusCode != 403 || reason != "cors-origin-denied" || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("%d %s %v", resp.StatusCode, reason, resp.Header)
		}
	})
	t.Run("preflight for a method the path does not declare", func(t *testing.T) {
		resp, reason := call{"OPTIONS", "/partner/orders", pre("https://app.example.com", "POST"), ""}.do(t, s)
		if resp.StatusCode != 403 || reason != "cors-method-denied" {
			t.Fatalf("%d %s", resp.StatusCode, reason)
		}
	})
	t.Run("actual request: origin echoed, Vary, hardening headers, upstream's removed", func(t *testing.T) {
		resp, _ := call{"GET", "/public/search", []string{"Origin", "https://app.example.com", "X-Up-Rate", "1"}, ""}.do(t, s)
		h := resp.Header
		if h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
			t.Fatalf("CORS headers: %v", h)
		}
		want := map[string]string{
			"X-Content-Type-Options":  "nosniff",
			"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
			"Referrer-Policy":         "no-referrer",
			"X-Frame-Options":         "DENY",
		}
		for k, v := range want {
			if h.Get(k) != v {
				t.Errorf("%s = %q, want %q", k, h.Get(k), v)
			}
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Error("HSTS over plain HTTP")
		}
		if h.Get("Server") != "" || h.Get("X-Powered-By") != "" {
			t.Errorf("Server/X-Powered-By not removed: %v", h)
		}
		if h.Get("Cache-Control") == "no-store" {
			t.Error("no-store on an anonymous response (only authenticated ones need it)")
		}
	})
	t.Run("HSTS when a trusted proxy terminated TLS", func(t *testing.T) {
		resp, _ := call{"GET", "/public/search", []string{"X-Forwarded-Proto", "https"}, ""}.do(t, s)
		if !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
			t.Fatalf("HSTS missing: %v", resp.Header)
		}
	})
	// A page allowed to call the API must be able to read why a call
	// failed, whichever stage refused it: the IP stage runs before the
	// CORS stage.
	t.Run("refusals before the CORS stage carry CORS headers", func(t *testing.T) {
		resp, reason := call{"GET", "/public/search", []string{"Origin", "https://app.example.com", "X-Forwarded-For", "203.0.113.7"}, ""}.do(t, s)
		if resp.StatusCode != 403 || reason != "ip-denied" {
			t.Fatalf("%d %s", resp.StatusCode, reason)
		}
		if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(strings.Join(resp.Header.Values("Vary"), ","), "Origin") {
			t.Fatalf("no CORS headers on the refusal: %v", resp.Header)
		}
		resp, _ = call{"GET", "/public/search", []string{"Origin", "https://evil.example", "X-Forwarded-For", "203.0.113.7"}, ""}.do(t, s)
		if resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("another origin allowed to read the refusal: %v", resp.Header)
		}
	})
	t.Run("problem responses are hardened too", func(t *testing.T) {
		resp, _ := call{"GET", "/nowhere", nil, ""}.do(t, s)
		if resp.StatusCode != 404 || resp.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("%d %v", resp.StatusCode, resp.Header)
		}
	})
}

func TestProtectBlacklist(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, "blacklist: {enabled: true}\n")
	s := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", s.Ready)
	read := bearer(d.token(t, "k1", nil))
	write := bearer(d.token(t, "k1", map[string]any{"scope": "orders:write"}))
	q := url.QueryEscape
	cases := []struct {
		name   string
		c      call
		status int
		family string // prefix of the reason code
	}{
		{"SQLi in a free-form query value", call{"GET", "/orders?q=" + q("1' OR '1'='1' --"), read, ""}, 403, "blacklist-sqli"},
		{"XSS in a free-form query value", call{"GET", "/orders?q=" + q(`<script>alert(1)</script>`), read, ""}, 403, "blacklist-xss"},
		{"benign query value", call{"GET", "/orders?q=" + q("blue shoes, size 42"), read, ""}, 200, ""},
		{"enum value with a quote passes", call{"GET", "/orders?status=" + q("it's paid"), read, ""}, 200, ""},
		{"enum value with markup passes", call{"GET", "/orders?status=" + q("<b>"), read, ""}, 200, ""},
		{"uuid passes", call{"GET", "/orders?id=3f1c0d7e-8a55-4c1e-9a39-0b8f9c3b2a10", read, ""}, 200, ""},
		{"benign cookie value", call{"GET", "/orders", append(read, "Cookie", "view=compact"), ""}, 200, ""},
		// net/http drops a cookie value holding a double quote; a lenient
		// upstream reads it, so the blacklist must see it.
		{"SQLi in a cookie net/http would drop", call{"GET", "/orders", append(read, "Cookie", `view=' OR "1"="1`), ""}, 403, "blacklist-sqli"},
		{"cookie hidden after a comma", call{"GET", "/orders", append(read, "Cookie", "theme=dark,view=x"), ""}, 400, "parameter-ambiguous"},
		// An exploded object cookie's properties are cookies of their own.
		{"SQLi in an exploded object cookie's property", call{"GET", "/orders", append(read, "Cookie", `panel=' OR "1"="1`), ""}, 403, "blacklist-sqli"},
		{"benign exploded object cookie", call{"GET", "/orders", append(read, "Cookie", "panel=left"), ""}, 200, ""},
		{"SQLi in a JSON string", call{"POST", "/orders", write, `{"note":"x' UNION SELECT password FROM users --"}`}, 403, "blacklist-sqli"},
		{"XSS in a JSON array item", call{"POST", "/orders", write, `{"tags":["ok","<img src=x onerror=alert(1)>"]}`}, 403, "blacklist-xss"},
		{"clean JSON with enum and uuid", call{"POST", "/orders", write, `{"id":"3f1c0d7e-8a55-4c1e-9a39-0b8f9c3b2a10","status":"paid","note":"leave at the door"}`}, 201, ""},
		{"spec turns the blacklist off: ignored without allow_spec_overrides", call{"GET", "/public/search?q=" + q("1' OR '1'='1' --"), nil, ""}, 403, "blacklist-sqli"},
		{"schema exempts a field: ignored without allow_spec_overrides", call{"POST", "/public/articles", nil, `{"title":"news","html":"<p onclick=\"steal()\">hi</p>"}`}, 403, "blacklist-xss"},
		{"invalid body is refused by validation first", call{"POST", "/orders", write, `{"status":"<script>"}`}, 400, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, reason := tc.c.do(t, s)
			if resp.StatusCode != tc.status || !strings.HasPrefix(reason, tc.family) {
				t.Fatalf("got %d %q, want %d %s*", resp.StatusCode, reason, tc.status, tc.family)
			}
			if reached := up.reached(resp.Header.Get(RequestIDHeader)); reached != (tc.status < 300) {
				t.Errorf("reached upstream = %v", reached)
			}
		})
	}
	t.Run("multipart fields", func(t *testing.T) {
		// upload sends the parts that write adds.
		upload := func(write func(mw *multipart.Writer)) (*http.Response, string) {
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			write(mw)
			_ = mw.Close()
			req, _ := http.NewRequest("POST", "http://"+s.Addr()+"/public/upload", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return resp, string(b)
		}
		part := func(mw *multipart.Writer, disposition, contentType, data string) {
			h := textproto.MIMEHeader{}
			h.Set("Content-Disposition", disposition)
			h.Set("Content-Type", contentType)
			pw, _ := mw.CreatePart(h)
			_, _ = pw.Write([]byte(data))
		}
		post := func(caption, meta string, file []byte) (*http.Response, string) {
			return upload(func(mw *multipart.Writer) {
				_ = mw.WriteField("caption", caption)
				if meta != "" {
					part(mw, `form-data; name="meta"`, "application/json", meta)
				}
				fw, _ := mw.CreateFormFile("file", "photo.bin")
				_, _ = fw.Write(file)
			})
		}
		// An attack in a text field, or inside a JSON part, is refused.
		if resp, b := post("x' UNION SELECT password FROM users --", "", []byte{1, 2, 3}); resp.StatusCode != 403 || !strings.Contains(b, "blacklist-sqli") {
			t.Fatalf("text field: %d %s", resp.StatusCode, b)
		}
		if resp, b := post("a cat", `{"title":"<img src=x onerror=alert(1)>"}`, []byte{1, 2, 3}); resp.StatusCode != 403 || !strings.Contains(b, "blacklist-xss") {
			t.Fatalf("JSON part: %d %s", resp.StatusCode, b)
		}
		// A binary file whose bytes happen to read as SQL is data, not an
		// argument: it passes, as does a clean form.
		if resp, b := post("a cat", `{"title":"holiday"}`, []byte("' OR '1'='1' --")); resp.StatusCode >= 300 {
			t.Fatalf("clean form with a file: %d %s", resp.StatusCode, b)
		}
		// A filename does not turn a field the schema calls text into a
		// file: the caption sent as an upload is still inspected.
		resp, b := upload(func(mw *multipart.Writer) {
			part(mw, `form-data; name="caption"; filename="a.bin"`, "application/octet-stream", "<script>alert(1)</script>")
		})
		if resp.StatusCode != 403 || !strings.Contains(b, "blacklist-xss") {
			t.Fatalf("text field sent as a file: %d %s", resp.StatusCode, b)
		}
	})
	t.Run("an operation selects the crs tier", func(t *testing.T) {
		// "/bi[n]/bash" is found by the CRS, not by the default tier.
		payload := q("/bi[n]/bash")
		resp, reason := call{"GET", "/public/deep?q=" + payload, nil, ""}.do(t, s)
		if resp.StatusCode != 403 || !strings.HasPrefix(reason, "blacklist-cmdi") {
			t.Fatalf("crs operation: %d %q", resp.StatusCode, reason)
		}
		if resp, reason := (call{"GET", "/orders?q=" + payload, read, ""}).do(t, s); resp.StatusCode != 200 {
			t.Fatalf("default-tier operation: %d %q", resp.StatusCode, reason)
		}
		// Both tiers find what the default tier finds.
		if resp, _ := (call{"GET", "/public/deep?q=" + q("1' OR '1'='1' --"), nil, ""}).do(t, s); resp.StatusCode != 403 {
			t.Fatalf("crs operation, default-tier payload: %d", resp.StatusCode)
		}
	})
	t.Run("monitor at operation level (allowed by the config) forwards and records", func(t *testing.T) {
		audit := &syncBuffer{}
		s2 := startFirewall(t, protectConfig(t, up, d.url, "allow_spec_overrides: true\nblacklist: {enabled: true}\n"), audit)
		resp, _ := call{"GET", "/public/echo?q=" + q("<script>alert(1)</script>"), nil, ""}.do(t, s2)
		if resp.StatusCode != 200 {
			t.Fatalf("%d", resp.StatusCode)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s2.Shutdown(ctx)
		if !strings.Contains(audit.String(), `"decision":"monitored-violation"`) || !strings.Contains(audit.String(), `"blacklist-xss"`) {
			t.Fatalf("audit: %s", audit.String())
		}
	})
	// In monitor mode a query or form body that validation refuses is still
	// forwarded, so the blacklist scans it as a permissive upstream would
	// split it.
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		reason                   string
	}{
		{"a query", "GET", "/public/search?q=x;role=" + q("<script>alert(1)</script>"), "", 200, "parameter-ambiguous"},
		{"a form body", "POST", "/public/form", "note=x;role=" + q("<script>alert(1)</script>"), 201, "invalid-form"},
	} {
		t.Run("monitor mode scans "+tc.name+" that does not parse", func(t *testing.T) {
			audit := &syncBuffer{}
			s2 := startFirewall(t, protectConfig(t, up, d.url, "mode: monitor\nblacklist: {enabled: true}\n"), audit)
			req, err := http.NewRequest(tc.method, "http://"+s2.Addr()+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("%d", resp.StatusCode)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = s2.Shutdown(ctx)
			for _, want := range []string{`"` + tc.reason + `"`, `"blacklist-xss"`, `"decision":"monitored-violation"`} {
				if !strings.Contains(audit.String(), want) {
					t.Fatalf("audit lacks %s: %s", want, audit.String())
				}
			}
		})
	}
	t.Run("allow_spec_overrides lets the spec turn it off", func(t *testing.T) {
		s3 := startFirewall(t, protectConfig(t, up, d.url, "allow_spec_overrides: true\nblacklist: {enabled: true}\n"), nil)
		resp, reason := call{"GET", "/public/search?q=" + q("1' OR '1'='1' --"), nil, ""}.do(t, s3)
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, reason)
		}
		// A field the schema exempts takes markup; its neighbour does not.
		resp, reason = call{"POST", "/public/articles", nil, `{"title":"news","html":"<p onclick=\"steal()\">hi</p>"}`}.do(t, s3)
		if resp.StatusCode != 201 {
			t.Fatalf("exempt field: %d %s", resp.StatusCode, reason)
		}
		resp, reason = call{"POST", "/public/articles", nil, `{"title":"<p onclick=\"steal()\">hi</p>","html":"<p>ok</p>"}`}.do(t, s3)
		if resp.StatusCode != 403 || !strings.HasPrefix(reason, "blacklist-xss") {
			t.Fatalf("field next to the exempt one: %d %s", resp.StatusCode, reason)
		}
	})
}

// TestProtectUpstreamCORSNeverPasses: the upstream's own Access-Control-*
// headers are removed whether the firewall's CORS is on or off. With CORS
// off they passed, so a backend reflecting any Origin with credentials
// opened its answers to every site while the firewall refused the
// preflights.
func TestProtectUpstreamCORSNeverPasses(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	for _, tc := range []struct {
		name, extra, origin, wantACAO string
	}{
		{"CORS off", "", "https://attacker.example", ""},
		{"CORS on, another origin", "cors: {allowed_origins: [\"https://app.example.com\"], allow_credentials: true}\n", "https://attacker.example", ""},
		{"CORS on, the allowed origin gets the firewall's answer", "cors: {allowed_origins: [\"https://app.example.com\"], allow_credentials: true}\n", "https://app.example.com", "https://app.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startFirewall(t, protectConfig(t, up, d.url, tc.extra), nil)
			waitFor(t, "JWKS", s.Ready)
			resp, reason := call{"GET", "/public/search", []string{"Origin", tc.origin, "X-Up-Reflect-Origin", "1"}, ""}.do(t, s)
			if resp.StatusCode != 200 {
				t.Fatalf("%d %s", resp.StatusCode, reason)
			}
			if !up.reached(resp.Header.Get(RequestIDHeader)) {
				t.Fatal("the request did not reach the upstream")
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tc.wantACAO {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantACAO)
			}
			if resp.Header.Get("Access-Control-Expose-Headers") == "X-Secret" {
				t.Error("the upstream's Access-Control-Expose-Headers passed")
			}
			if tc.wantACAO == "" && resp.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Error("the upstream's Access-Control-Allow-Credentials passed")
			}
		})
	}
}
