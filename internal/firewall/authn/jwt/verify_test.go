package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
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
)

// signer is a private key with its kid.
type signer struct {
	kid string
	alg jwa.SignatureAlgorithm
	key any // crypto private key
}

func newRSA(t testing.TB, kid string) signer {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, alg: jwa.RS256(), key: k}
}

func newEC(t testing.TB, kid string) signer {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signer{kid: kid, alg: jwa.ES256(), key: k}
}

func (s signer) public(t testing.TB) jwk.Key {
	t.Helper()
	k, err := jwk.PublicKeyOf(s.key)
	if err != nil {
		t.Fatal(err)
	}
	if s.kid == "" {
		return k
	}
	if err := k.Set(jwk.KeyIDKey, s.kid); err != nil {
		t.Fatal(err)
	}
	return k
}

// sign makes a compact JWS of claims with extra protected headers.
func (s signer) sign(t testing.TB, claims map[string]any, hdr map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	if s.kid != "" {
		_ = h.Set(jws.KeyIDKey, s.kid)
	}
	_ = h.Set(jws.TypeKey, "at+jwt")
	for k, v := range hdr {
		if err := h.Set(k, v); err != nil {
			t.Fatal(err)
		}
	}
	out, err := jws.Sign(payload, jws.WithKey(s.alg, s.key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// jwksServer is a real JWKS endpoint on loopback whose keys and
// availability tests change.
type jwksServer struct {
	*httptest.Server
	mu   sync.Mutex
	keys []jwk.Key
	down atomic.Bool
	hits atomic.Int64
}

func newJWKSServer(t testing.TB, keys ...jwk.Key) *jwksServer {
	js := &jwksServer{keys: keys}
	js.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": "https://idp.example", "jwks_uri": js.URL + "/jwks"})
			return
		}
		js.hits.Add(1)
		if js.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		js.mu.Lock()
		set := jwk.NewSet()
		for _, k := range js.keys {
			_ = set.AddKey(k)
		}
		js.mu.Unlock()
		_ = json.NewEncoder(w).Encode(set)
	}))
	t.Cleanup(js.Close)
	return js
}

func (js *jwksServer) setKeys(keys ...jwk.Key) {
	js.mu.Lock()
	js.keys = keys
	js.mu.Unlock()
}

func claims(now time.Time, extra map[string]any) map[string]any {
	c := map[string]any{
		"iss": "https://idp.example", "aud": "api://orders", "sub": "alice",
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "scope": "orders:read",
	}
	for k, v := range extra {
		if v == nil {
			delete(c, k)
			continue
		}
		c[k] = v
	}
	return c
}

func remote(t testing.TB, url string) *RemoteKeys {
	return &RemoteKeys{JWKSURL: url, Client: &http.Client{Timeout: 2 * time.Second}, Refresh: time.Hour, MinRefresh: time.Minute}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestVerify(t *testing.T) {
	ctx := context.Background()
	rsaKey := newRSA(t, "rsa-1")
	ecKey := newEC(t, "ec-1")
	js := newJWKSServer(t, rsaKey.public(t), ecKey.public(t))
	attacker := newRSA(t, "evil")
	evil := newJWKSServer(t, attacker.public(t))

	rk := remote(t, js.URL+"/jwks")
	if err := rk.refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(rk, Options{Issuer: "https://idp.example", Audiences: []string{"api://orders"}, Type: "at+jwt", Leeway: 30 * time.Second, RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()

	rsaPub, _ := x509.MarshalPKIXPublicKey(&rsaKey.key.(*rsa.PrivateKey).PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: rsaPub})
	confused := signer{kid: "rsa-1", alg: jwa.HS256(), key: pubPEM}

	attackerRSA := attacker.key.(*rsa.PrivateKey)
	embedded, _ := jwk.PublicKeyOf(attackerRSA)

	payload, _ := json.Marshal(claims(now, nil))
	noneTok := b64(`{"alg":"none","typ":"at+jwt","kid":"rsa-1"}`) + "." + base64.RawURLEncoding.EncodeToString(payload) + "."
	// The same key but presented as ES256: the key type does not fit.
	wrongType := signer{kid: "rsa-1", alg: jwa.ES256(), key: ecKey.key}

	tests := []struct {
		name string
		tok  string
		want error // nil = accepted
	}{
		{"RS256 valid", rsaKey.sign(t, claims(now, nil), nil), nil},
		{"ES256 valid", ecKey.sign(t, claims(now, nil), nil), nil},
		{"typ with application/ prefix", rsaKey.sign(t, claims(now, nil), map[string]any{"typ": "application/AT+JWT"}), nil},
		{"expired", rsaKey.sign(t, claims(now, map[string]any{"exp": now.Add(-time.Minute).Unix()}), nil), ErrExpired},
		{"expired within leeway", rsaKey.sign(t, claims(now, map[string]any{"exp": now.Add(-10 * time.Second).Unix()}), nil), nil},
		{"not yet valid", rsaKey.sign(t, claims(now, map[string]any{"nbf": now.Add(time.Hour).Unix()}), nil), ErrClaims},
		{"issued in the future", rsaKey.sign(t, claims(now, map[string]any{"iat": now.Add(time.Hour).Unix()}), nil), ErrClaims},
		{"no exp", rsaKey.sign(t, claims(now, map[string]any{"exp": nil}), nil), ErrClaims},
		// NumericDate is a JSON number (RFC 7519 2): a date written as a
		// string is refused even when it is in range.
		{"exp as a string", rsaKey.sign(t, claims(now, map[string]any{"exp": strconv.FormatInt(now.Add(time.Hour).Unix(), 10)}), nil), ErrClaims},
		{"nbf as a string", rsaKey.sign(t, claims(now, map[string]any{"nbf": strconv.FormatInt(now.Add(-time.Hour).Unix(), 10)}), nil), ErrClaims},
		{"iat as a string", rsaKey.sign(t, claims(now, map[string]any{"iat": strconv.FormatInt(now.Unix(), 10)}), nil), ErrClaims},
		{"exp fractional", rsaKey.sign(t, claims(now, map[string]any{"exp": float64(now.Add(time.Hour).Unix()) + 0.5}), nil), nil},
		{"wrong audience", rsaKey.sign(t, claims(now, map[string]any{"aud": "api://billing"}), nil), ErrClaims},
		{"audience list containing ours", rsaKey.sign(t, claims(now, map[string]any{"aud": []string{"x", "api://orders"}}), nil), nil},
		{"wrong issuer", rsaKey.sign(t, claims(now, map[string]any{"iss": "https://evil.example"}), nil), ErrClaims},
		{"alg none", noneTok, ErrAlgorithm},
		{"HS256 signed with the RSA public key", confused.sign(t, claims(now, nil), nil), ErrAlgorithm},
		{"key type does not match alg", wrongType.sign(t, claims(now, nil), nil), ErrNoKey},
		{"jku pointing elsewhere is ignored", attacker.sign(t, claims(now, nil), map[string]any{"jku": evil.URL + "/jwks"}), ErrNoKey},
		{"embedded jwk is ignored", attacker.sign(t, claims(now, nil), map[string]any{"jwk": embedded}), ErrNoKey},
		{"attacker key under a known kid", signer{kid: "rsa-1", alg: jwa.RS256(), key: attackerRSA}.sign(t, claims(now, nil), nil), ErrSignature},
		{"unknown crit", rsaKey.sign(t, claims(now, nil), map[string]any{"crit": []string{"exp-policy"}, "exp-policy": "x"}), ErrCritical},
		{"ID token refused when at+jwt required", rsaKey.sign(t, claims(now, nil), map[string]any{"typ": "JWT"}), ErrType},
		{"JWE-shaped token", "a.b.c.d.e", ErrMalformed},
		{"garbage", "not a token", ErrMalformed},
		{"tampered payload", tamper(rsaKey.sign(t, claims(now, nil), nil)), ErrSignature},
		// One token, one spelling (RFC 7515 base64url without padding).
		{"padded signature", rsaKey.sign(t, claims(now, nil), nil) + "==", ErrMalformed},
		{"padded payload", padPayload(rsaKey.sign(t, claims(now, nil), nil)), ErrMalformed},
		{"CR LF inside the signature", crlf(rsaKey.sign(t, claims(now, nil), nil)), ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := v.Verify(ctx, tc.tok)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if tok.Claims["sub"] != "alice" {
					t.Errorf("sub = %v", tok.Claims["sub"])
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	if n := evil.hits.Load(); n != 0 {
		t.Errorf("the jku URL was fetched %d times; it must never be used", n)
	}
}

// padPayload pads the payload part to a multiple of four characters,
// padding it with one character if it already is.
func padPayload(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] += strings.Repeat("=", 4-len(parts[1])%4)
	return strings.Join(parts, ".")
}

// crlf folds the signature part as MIME base64 would.
func crlf(tok string) string {
	i := len(tok) - 8
	return tok[:i] + "\r\n" + tok[i:]
}

func tamper(tok string) string {
	b := []byte(tok)
	// Change one character in the middle of the payload.
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestHMACOnlyWithSecret(t *testing.T) {
	ctx := context.Background()
	secret := []byte("0123456789abcdef0123456789abcdef")
	if _, err := NewVerifier(nil, Options{Algorithms: []string{"HS256"}}); err == nil {
		t.Fatal("HS256 without a secret must be refused")
	}
	v, err := NewVerifier(nil, Options{Algorithms: []string{"HS256"}, HMACSecret: secret, RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	good := signer{alg: jwa.HS256(), key: secret}.sign(t, claims(now, nil), nil)
	if _, err := v.Verify(ctx, good); err != nil {
		t.Fatalf("valid HS256 rejected: %v", err)
	}
	bad := signer{alg: jwa.HS256(), key: []byte("another-secret-another-secret-xx")}.sign(t, claims(now, nil), nil)
	if _, err := v.Verify(ctx, bad); !errors.Is(err, ErrSignature) {
		t.Fatalf("wrong secret: err = %v", err)
	}
	rs := newRSA(t, "k").sign(t, claims(now, nil), nil)
	if _, err := v.Verify(ctx, rs); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("RS256 not in the allowlist: err = %v", err)
	}
}

func TestRotationAndUnknownKid(t *testing.T) {
	ctx := context.Background()
	old, next := newRSA(t, "2024"), newRSA(t, "2025")
	js := newJWKSServer(t, old.public(t))
	rk := remote(t, js.URL+"/jwks")
	clock := time.Now()
	rk.now = func() time.Time { return clock }
	if err := rk.refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(rk, Options{RequireExp: true})
	now := time.Now()

	// The provider rotates: a token with the new kid triggers one refresh.
	js.setKeys(old.public(t), next.public(t))
	clock = clock.Add(2 * time.Minute)
	if _, err := v.Verify(ctx, next.sign(t, claims(now, nil), nil)); err != nil {
		t.Fatalf("token with the rotated-in key rejected: %v", err)
	}
	if got := rk.Fetches(); got != 2 {
		t.Fatalf("fetches = %d, want 2 (start-up + unknown kid)", got)
	}
	// Random kids within MinRefresh cause no further fetches.
	for i := range 5 {
		rnd := signer{kid: "random-" + string(rune('a'+i)), alg: jwa.RS256(), key: next.key}
		if _, err := v.Verify(ctx, rnd.sign(t, claims(now, nil), nil)); !errors.Is(err, ErrNoKey) {
			t.Fatalf("unknown kid: err = %v", err)
		}
	}
	if got := rk.Fetches(); got != 2 {
		t.Fatalf("fetches = %d after unknown kids inside min_refresh, want 2", got)
	}
	// The host goes down: the last good set is kept.
	js.down.Store(true)
	clock = clock.Add(2 * time.Minute)
	if err := rk.refresh(ctx, true); err == nil {
		t.Fatal("refresh against a down host should fail")
	}
	if _, err := v.Verify(ctx, old.sign(t, claims(now, nil), nil)); err != nil {
		t.Fatalf("last good key set not kept: %v", err)
	}
}

func TestNotReadyUntilHostUp(t *testing.T) {
	k := newEC(t, "k1")
	js := newJWKSServer(t, k.public(t))
	js.down.Store(true)
	rk := remote(t, js.URL+"/jwks")
	rk.MinRefresh = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { rk.Run(ctx); close(done) }()
	v, _ := NewVerifier(rk, Options{RequireExp: true})
	tok := k.sign(t, claims(time.Now(), nil), nil)

	time.Sleep(50 * time.Millisecond)
	if v.Ready() {
		t.Fatal("ready while the JWKS host is down")
	}
	if _, err := v.Verify(ctx, tok); !errors.Is(err, ErrNotReady) {
		t.Fatalf("err = %v, want ErrNotReady", err)
	}
	js.down.Store(false)
	deadline := time.Now().Add(5 * time.Second)
	for !v.Ready() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !v.Ready() {
		t.Fatal("not ready after the host came back")
	}
	if _, err := v.Verify(ctx, tok); err != nil {
		t.Fatalf("rejected once keys loaded: %v", err)
	}
	cancel()
	<-done
}

func TestOIDCDiscovery(t *testing.T) {
	ctx := context.Background()
	k := newRSA(t, "d1")
	js := newJWKSServer(t, k.public(t))
	c := Config{Audiences: []string{"api://orders"}}
	b, err := c.Build(js.URL+"/.well-known/openid-configuration", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.Remote == nil {
		t.Fatal("the scheme's openIdConnectUrl should give a remote key source")
	}
	if err := b.Remote.refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := b.Verifier.Verify(ctx, k.sign(t, claims(now, nil), nil)); err != nil {
		t.Fatalf("rejected: %v", err)
	}
	// The discovered issuer is enforced.
	if _, err := b.Verifier.Verify(ctx, k.sign(t, claims(now, map[string]any{"iss": "https://other"}), nil)); !errors.Is(err, ErrClaims) {
		t.Fatalf("foreign issuer: err = %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		ok   bool
		// settingsOK is ValidateSettings' answer.
		settingsOK bool
	}{
		{"jwks", Config{JWKSURL: "https://idp/jwks"}, true, true},
		// The scheme's openIdConnectUrl may be the source: only Build,
		// given the scheme, can tell.
		{"no source", Config{}, false, true},
		{"two sources", Config{JWKSURL: "https://a/jwks", KeyFiles: []string{"k.pem"}}, false, false},
		{"bad url", Config{JWKSURL: "ftp://x"}, false, false},
		{"alg none", Config{JWKSURL: "https://a/jwks", Algorithms: []string{"none"}}, false, false},
		{"HS256 without secret", Config{JWKSURL: "https://a/jwks", Algorithms: []string{"HS256"}}, false, false},
		{"secret without HS alg", Config{HMACSecretEnv: "X"}, false, false},
		{"secret with HS alg", Config{HMACSecretEnv: "X", Algorithms: []string{"HS256"}}, true, true},
		{"negative leeway", Config{JWKSURL: "https://a/jwks", Leeway: -1}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tc.ok)
			}
			if err := tc.c.ValidateSettings(); (err == nil) != tc.settingsOK {
				t.Fatalf("ValidateSettings() = %v, want ok=%v", err, tc.settingsOK)
			}
		})
	}
}

// TestJWKSWithUnusableKeys: a key set holding a key this verifier cannot
// use (an unknown key type or curve, missing members, a symmetric key) is
// still used for its other keys, as RFC 7517 section 5 asks; refusing the
// whole set would keep the firewall unready, or on stale keys, because the
// provider published one key of a new kind.
func TestJWKSWithUnusableKeys(t *testing.T) {
	ctx := context.Background()
	good := newRSA(t, "r1")
	goodJSON, err := json.Marshal(good.public(t))
	if err != nil {
		t.Fatal(err)
	}
	tok := good.sign(t, claims(time.Now(), nil), nil)
	tests := []struct {
		name  string
		extra string
		ok    bool
	}{
		{"unknown key type", `{"kty":"AKP","alg":"ML-DSA-44","pub":"AAAA","kid":"p1"}`, true},
		{"unknown curve", `{"kty":"EC","crv":"secp256k1","x":"QmAqhdgUaQdQd2JOsVgnRtbYGa6ZOISpA4sMKOdYZJg","y":"Vd3ZfQn2x5JP9tEsBPvMb-dnqAwiyuqNHF-wD39PK8U","kid":"k1"}`, true},
		{"missing member", `{"kty":"RSA","kid":"bad","n":"AQAB"}`, true},
		{"symmetric key", `{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0","kid":"r1"}`, true},
		{"not an object", `"junk"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"keys":[` + tc.extra + `,` + string(goodJSON) + `]}`))
			}))
			defer srv.Close()
			rk := remote(t, srv.URL)
			if err := rk.refresh(ctx, true); err != nil {
				t.Fatalf("refresh: %v", err)
			}
			v, _ := NewVerifier(rk, Options{RequireExp: true})
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("token of the usable key refused: %v", err)
			}
		})
	}
	t.Run("no usable key at all", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`))
		}))
		defer srv.Close()
		if err := remote(t, srv.URL).refresh(ctx, true); err == nil {
			t.Fatal("a key set without a usable key must fail to load")
		}
	})
}

// TestKeysNeverOverPlainHTTPWhenConfiguredHTTPS: keys configured at an
// https URL are trust anchors; a redirect to http, or an https discovery
// document naming an http jwks_uri, would let anyone on the path swap
// them, so the fetch fails instead (the last good set is kept).
func TestKeysNeverOverPlainHTTPWhenConfiguredHTTPS(t *testing.T) {
	ctx := context.Background()
	k := newRSA(t, "r1")
	plain := newJWKSServer(t, k.public(t))
	var tlsURL string
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, plain.URL+"/jwks", http.StatusFound)
		case "/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"issuer": tlsURL, "jwks_uri": plain.URL + "/jwks"})
		}
	}))
	defer secure.Close()
	tlsURL = secure.URL
	tests := []struct {
		name string
		keys *RemoteKeys
	}{
		{"redirect to http", &RemoteKeys{JWKSURL: secure.URL + "/redirect", Client: secure.Client(), Refresh: time.Hour, MinRefresh: time.Minute}},
		{"discovery names an http jwks_uri", &RemoteKeys{DiscoveryURL: secure.URL + "/.well-known/openid-configuration", Client: secure.Client(), Refresh: time.Hour, MinRefresh: time.Minute}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.keys.refresh(ctx, true); err == nil {
				t.Fatal("keys fetched over plain HTTP from an https configuration")
			}
			if tc.keys.Ready() {
				t.Fatal("a key set loaded")
			}
		})
	}
	// A configuration that names http itself is the operator's choice.
	if err := remote(t, plain.URL+"/jwks").refresh(ctx, true); err != nil {
		t.Fatalf("http JWKS URL: %v", err)
	}
}

// TestKeyFilesWithoutKid: a PEM key file holds no kid, and issuers name
// their key in every token. The configured key verifies tokens whatever
// kid they carry; the algorithm must still fit it and the signature must
// still be its own.
func TestKeyFilesWithoutKid(t *testing.T) {
	ctx := context.Background()
	rsaKey, ecKey, stranger := newRSA(t, "2025-rotation"), newEC(t, "ec"), newRSA(t, "2025-rotation")
	dir := t.TempDir()
	writePEM := func(name string, pub any) string {
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	rsaFile := writePEM("rsa.pem", &rsaKey.key.(*rsa.PrivateKey).PublicKey)
	ecFile := writePEM("ec.pem", &ecKey.key.(*ecdsa.PrivateKey).PublicKey)
	b, err := (&Config{KeyFiles: []string{rsaFile, ecFile}}).Build("", nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	unnamed := signer{alg: jwa.RS256(), key: rsaKey.key}
	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"RS256 with a kid", rsaKey.sign(t, claims(now, nil), nil), nil},
		{"ES256 with a kid", ecKey.sign(t, claims(now, nil), nil), nil},
		{"without kid", unnamed.sign(t, claims(now, nil), nil), nil},
		{"another key under the same kid", stranger.sign(t, claims(now, nil), nil), ErrSignature},
		{"an algorithm no configured key fits", signer{kid: "x", alg: jwa.EdDSA(), key: ed25519Key(t)}.sign(t, claims(now, nil), nil), ErrNoKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Verifier.Verify(ctx, tc.tok)
			if tc.want == nil && err != nil {
				t.Fatalf("rejected: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func ed25519Key(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestUnknownKidRefreshesBesideKeyWithoutKid: a key set holding a key
// without kid still fetches again when a token names a kid it does not
// hold, since the provider may have rotated in the key that kid names.
func TestUnknownKidRefreshesBesideKeyWithoutKid(t *testing.T) {
	ctx := context.Background()
	unnamed, next := newRSA(t, ""), newRSA(t, "2026")
	js := newJWKSServer(t, unnamed.public(t))
	rk := remote(t, js.URL+"/jwks")
	if err := rk.refresh(ctx, true); err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(rk, Options{RequireExp: true})
	js.setKeys(unnamed.public(t), next.public(t))
	rk.lastTry = time.Time{} // as if min_refresh had passed
	if _, err := v.Verify(ctx, next.sign(t, claims(time.Now(), nil), nil)); err != nil {
		t.Fatalf("token of the rotated-in key: %v", err)
	}
	if got := rk.Fetches(); got != 2 {
		t.Fatalf("fetches = %d, want 2", got)
	}
}

// Until a key set loads, secured operations answer 503; the loader keeps
// trying every MinRefresh instead of backing off towards Refresh, which
// kept them refused for as long again after the provider came back.
func TestRemoteKeysRetryEveryMinRefreshUntilLoaded(t *testing.T) {
	js := newJWKSServer(t, newRSA(t, "rsa-1").public(t))
	js.down.Store(true)
	r := &RemoteKeys{JWKSURL: js.URL + "/jwks", Client: js.Client(), Refresh: time.Hour, MinRefresh: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	// Down for a while: doubling from 20 ms, the eighth attempt would
	// come after 2.5 s.
	deadline := time.Now().Add(5 * time.Second)
	for js.hits.Load() < 8 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	js.down.Store(false)
	back := time.Now()
	for !r.Ready() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if !r.Ready() {
		t.Fatal("no key set loaded after the provider came back")
	}
	if took := time.Since(back); took > time.Second {
		t.Fatalf("keys loaded %s after the provider came back, want within about MinRefresh", took)
	}
}

// A source built anew for the same URL (a reload) takes the set in force,
// and the issuer and JWKS URL discovery found; another URL takes nothing.
func TestRemoteKeysInherit(t *testing.T) {
	js := newJWKSServer(t, newRSA(t, "rsa-1").public(t))
	old := &RemoteKeys{DiscoveryURL: js.URL + "/.well-known/openid-configuration", Client: js.Client(), Refresh: time.Hour, MinRefresh: time.Minute}
	if err := old.refresh(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	same := &RemoteKeys{DiscoveryURL: old.DiscoveryURL, Client: js.Client(), Refresh: time.Hour, MinRefresh: time.Minute}
	other := &RemoteKeys{JWKSURL: js.URL + "/jwks", Client: js.Client(), Refresh: time.Hour, MinRefresh: time.Minute}
	if !same.Inherit(old) || !same.Ready() || same.Issuer() != "https://idp.example" || same.jwksURL != js.URL+"/jwks" {
		t.Fatalf("same URL: ready %v, issuer %q, jwks %q", same.Ready(), same.Issuer(), same.jwksURL)
	}
	if other.Inherit(old) || other.Ready() {
		t.Fatal("another URL took the set")
	}
	if (&RemoteKeys{DiscoveryURL: old.DiscoveryURL}).Inherit(&RemoteKeys{DiscoveryURL: old.DiscoveryURL}) {
		t.Fatal("took a set from a source that had none")
	}
}
