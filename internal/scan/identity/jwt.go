package identity

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

// DecodeJWT splits a compact JWT into its header and claims without
// verifying it (the scanner only reads its own identities' tokens).
func DecodeJWT(token string) (header, claims map[string]any, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, false
	}
	dec := func(s string, into *map[string]any) bool {
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
		if err != nil {
			return false
		}
		return json.Unmarshal(b, into) == nil
	}
	if !dec(parts[0], &header) || !dec(parts[1], &claims) {
		return nil, nil, false
	}
	if _, isStr := header["alg"].(string); !isStr {
		return nil, nil, false
	}
	return header, claims, true
}

// JWTExpiry reads the exp claim of a JWT.
func JWTExpiry(token string) (time.Time, bool) {
	_, c, ok := DecodeJWT(token)
	if !ok {
		return time.Time{}, false
	}
	if exp, ok := c["exp"].(float64); ok {
		return time.Unix(int64(exp), 0), true
	}
	return time.Time{}, false
}

// AlgNone returns the token's claims under an unsigned "alg: none" header,
// the classic signature-bypass probe (RFC 7519 section 6). Building it needs
// no cryptography: it is two base64url segments and an empty signature.
func AlgNone(claims map[string]any) string {
	h, _ := json.Marshal(map[string]any{"alg": "none", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c) + "."
}

// Sign signs claims with the configured key.
func Sign(claims map[string]any, k *config.SigningKey) (string, error) {
	alg, ok := jwa.LookupSignatureAlgorithm(strings.ToUpper(k.Alg))
	if k.Alg == "EdDSA" || strings.EqualFold(k.Alg, "eddsa") {
		alg, ok = jwa.EdDSA(), true
	}
	if !ok {
		return "", fmt.Errorf("unsupported JWS algorithm %q", k.Alg)
	}
	var key any
	if k.Secret != "" {
		key = []byte(k.Secret)
	} else {
		pem, err := os.ReadFile(k.PEMFile)
		if err != nil {
			return "", fmt.Errorf("reading signing key: %w", err)
		}
		jk, err := jwk.ParseKey(pem, jwk.WithPEM(true))
		if err != nil {
			return "", fmt.Errorf("parsing signing key %s: %w", k.PEMFile, err)
		}
		key = jk
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	hdr := jws.NewHeaders()
	_ = hdr.Set("typ", "JWT")
	if k.KeyID != "" {
		_ = hdr.Set("kid", k.KeyID)
	}
	out, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("signing test token: %w", err)
	}
	return string(out), nil
}

// Expired returns claims copied from a real token with exp and iat moved
// into the past, so only expiry makes the token invalid.
func Expired(claims map[string]any, now time.Time) map[string]any {
	out := map[string]any{}
	for k, v := range claims {
		out[k] = v
	}
	out["iat"] = now.Add(-2 * time.Hour).Unix()
	out["exp"] = now.Add(-1 * time.Hour).Unix()
	if _, ok := out["nbf"]; ok {
		out["nbf"] = now.Add(-2 * time.Hour).Unix()
	}
	return out
}

// WeakSecrets is the built-in dictionary of HMAC secrets tried against
// HS256/384/512 tokens: defaults of frameworks and tutorials.
var WeakSecrets = []string{
	"secret", "secretkey", "secret-key", "secret_key", "jwt", "jwtsecret", "jwt-secret", "jwt_secret",
	"key", "password", "123456", "12345678", "changeme", "changeit", "admin", "test", "dev",
	"mysecret", "my-secret", "supersecret", "your-256-bit-secret", "your_jwt_secret", "default",
	"token", "qwerty", "s3cr3t", "random", "private", "hs256", "api", "letmein",
}

// FindWeakSecret verifies an HMAC-signed token against the dictionary and
// returns the secret that signed it. Verification is offline: no request
// is sent.
func FindWeakSecret(token string, extra []string) (string, bool) {
	h, _, ok := DecodeJWT(token)
	if !ok {
		return "", false
	}
	name, _ := h["alg"].(string)
	alg, ok := jwa.LookupSignatureAlgorithm(name)
	if !ok || !strings.HasPrefix(name, "HS") {
		return "", false
	}
	for _, s := range append(append([]string(nil), extra...), WeakSecrets...) {
		if _, err := jws.Verify([]byte(token), jws.WithKey(alg, []byte(s))); err == nil {
			return s, true
		}
	}
	return "", false
}
