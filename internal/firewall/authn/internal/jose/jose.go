// Package jose holds the JOSE rules shared by token, proof and signed
// payload verification: which algorithms are acceptable, whether a key may
// be used with an algorithm, and how configured keys are loaded. All
// parsing and signature work is done by lestrrat-go/jwx.
package jose

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// AsymmetricAlgorithms is the default allowlist: every asymmetric
// signature algorithm of RFC 7518 and RFC 8037.
var AsymmetricAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// HMACAlgorithms may only be allowed together with a configured secret.
var HMACAlgorithms = []string{"HS256", "HS384", "HS512"}

// IsHMAC reports whether name is an HS* algorithm.
func IsHMAC(name string) bool { return strings.HasPrefix(name, "HS") }

// Allowlist is a set of accepted signature algorithms.
type Allowlist map[string]jwa.SignatureAlgorithm

// NewAllowlist checks names against the known algorithms. "none" is never
// accepted, whatever the configuration says.
func NewAllowlist(names []string, hmacAllowed bool) (Allowlist, error) {
	if len(names) == 0 {
		names = AsymmetricAlgorithms
	}
	known := map[string]bool{}
	for _, n := range AsymmetricAlgorithms {
		known[n] = true
	}
	for _, n := range HMACAlgorithms {
		known[n] = true
	}
	out := Allowlist{}
	for _, n := range names {
		if !known[n] {
			return nil, fmt.Errorf("algorithm %q is not accepted (choose from %s, %s)", n, strings.Join(AsymmetricAlgorithms, ", "), strings.Join(HMACAlgorithms, ", "))
		}
		if IsHMAC(n) && !hmacAllowed {
			return nil, fmt.Errorf("algorithm %s needs an explicitly configured HMAC secret", n)
		}
		a, ok := jwa.LookupSignatureAlgorithm(n)
		if !ok {
			return nil, fmt.Errorf("algorithm %q is unknown to the JOSE library", n)
		}
		out[n] = a
	}
	return out, nil
}

// Header is what verification needs from a protected header.
type Header struct {
	Alg jwa.SignatureAlgorithm
	Kid string
	Typ string
	// JWK is the embedded key; only DPoP proofs may use it.
	JWK jwk.Key
	raw jws.Headers
}

// Raw gives the library header for extension fields.
func (h *Header) Raw() jws.Headers { return h.raw }

// Errors a caller may test for.
var (
	ErrMalformed    = errors.New("malformed JWS")
	ErrAlgorithm    = errors.New("signature algorithm not accepted")
	ErrCritical     = errors.New("unsupported critical header")
	ErrNoKey        = errors.New("no key matches the token")
	ErrBadSignature = errors.New("signature verification failed")
)

// ParseCompact parses a compact JWS (three parts, detached payload allowed
// when detached is true), checks the algorithm against allow and refuses
// any "crit" header (this verifier implements no JWS extension, and RFC
// 7515 requires refusing the ones not understood). understood lists crit
// names the caller does implement (e.g. "b64" for detached payloads).
func ParseCompact(tok []byte, allow Allowlist, understood ...string) (*Header, error) {
	if bytes.Count(tok, []byte{'.'}) != 2 {
		// Five parts is a JWE; anything else is not a compact JWS.
		return nil, fmt.Errorf("%w: not a compact JWS", ErrMalformed)
	}
	parts := bytes.Split(tok, []byte{'.'})
	if !canonical(parts[0]) || !canonical(parts[2]) {
		return nil, fmt.Errorf("%w: a part is not unpadded base64url", ErrMalformed)
	}
	msg, err := jws.Parse(tok, jws.WithCompact())
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	sigs := msg.Signatures()
	if len(sigs) != 1 {
		return nil, fmt.Errorf("%w: expected one signature", ErrMalformed)
	}
	ph := sigs[0].ProtectedHeaders()
	if ph == nil {
		return nil, fmt.Errorf("%w: no protected header", ErrMalformed)
	}
	alg, ok := ph.Algorithm()
	if !ok {
		return nil, fmt.Errorf("%w: no alg header", ErrAlgorithm)
	}
	if _, ok := allow[alg.String()]; !ok {
		return nil, fmt.Errorf("%w: %q", ErrAlgorithm, alg.String())
	}
	if crit, ok := ph.Critical(); ok {
		for _, c := range crit {
			if !contains(understood, c) {
				return nil, fmt.Errorf("%w: %q", ErrCritical, c)
			}
		}
	}
	var b64 bool
	if err := ph.Get("b64", &b64); (err != nil || b64) && !canonical(parts[1]) {
		// Only an RFC 7797 unencoded payload (b64 false) is not base64url.
		return nil, fmt.Errorf("%w: the payload is not unpadded base64url", ErrMalformed)
	}
	h := &Header{Alg: alg, raw: ph}
	h.Kid, _ = ph.KeyID()
	h.Typ, _ = ph.Type()
	h.JWK, _ = ph.JWK()
	return h, nil
}

// canonical reports whether seg is base64url without padding and with
// zero unused bits: the one spelling RFC 7515 allows. The JOSE library
// also decodes padded, standard-alphabet and non-zero-bit spellings, so
// one token would have many spellings, each with its own SHA-256, and a
// token revoked by its hash would pass the denylist re-encoded.
func canonical(seg []byte) bool {
	for _, c := range seg {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			// The decoder skips CR and LF; they would be another
			// spelling too.
			return false
		}
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(string(seg))
	return err == nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// KeyFits reports whether key may verify signatures made with alg: the key
// type and curve must be the ones the algorithm is defined for, an "alg"
// on the key must equal it, and a "use" on the key must be "sig". This is
// what stops algorithm confusion (RFC 8725 section 3.1).
func KeyFits(key jwk.Key, alg jwa.SignatureAlgorithm) bool {
	if ka, ok := key.Algorithm(); ok && ka.String() != alg.String() {
		return false
	}
	if use, ok := key.KeyUsage(); ok && use != "sig" {
		return false
	}
	name := alg.String()
	kt := key.KeyType()
	switch {
	case strings.HasPrefix(name, "RS"), strings.HasPrefix(name, "PS"):
		return kt == jwa.RSA()
	case strings.HasPrefix(name, "ES"):
		if kt != jwa.EC() {
			return false
		}
		ek, ok := key.(jwk.ECDSAPublicKey)
		if !ok {
			return false
		}
		crv, ok := ek.Crv()
		if !ok {
			return false
		}
		want := map[string]jwa.EllipticCurveAlgorithm{"ES256": jwa.P256(), "ES384": jwa.P384(), "ES512": jwa.P521()}[name]
		return crv == want
	case name == "EdDSA":
		if kt != jwa.OKP() {
			return false
		}
		ok, okOK := key.(jwk.OKPPublicKey)
		if !okOK {
			return false
		}
		crv, has := ok.Crv()
		return has && crv == jwa.Ed25519()
	}
	// HS* keys never come from a key set.
	return false
}

// Verify checks the compact JWS with one key and returns the payload.
// detached is the payload for a detached JWS, nil otherwise.
func Verify(tok []byte, alg jwa.SignatureAlgorithm, key any, detached []byte) ([]byte, error) {
	opts := []jws.VerifyOption{jws.WithKey(alg, key), jws.WithCritValidation(true)}
	if detached != nil {
		opts = append(opts, jws.WithDetachedPayload(detached))
	}
	payload, err := jws.Verify(tok, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return payload, nil
}

// LoadKeys reads public keys from files: PEM (public keys or
// certificates, several blocks allowed) or JSON (one JWK or a JWK set).
// Private keys are reduced to their public part. Symmetric keys are refused
// because HMAC secrets are configured separately and explicitly.
func LoadKeys(paths []string) (jwk.Set, error) {
	out := jwk.NewSet()
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read key file: %w", err)
		}
		set, err := ParseKeys(data)
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", p, err)
		}
		for i := 0; i < set.Len(); i++ {
			k, _ := set.Key(i)
			if err := out.AddKey(k); err != nil {
				return nil, fmt.Errorf("key file %s: %w", p, err)
			}
		}
	}
	return out, nil
}

// ParseKeys parses PEM or JWK/JWKS bytes into a set of public keys.
func ParseKeys(data []byte) (jwk.Set, error) {
	trimmed := bytes.TrimSpace(data)
	var set jwk.Set
	var err error
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		set, err = jwk.Parse(trimmed, jwk.WithPEM(true))
	} else {
		set, err = jwk.Parse(trimmed)
	}
	if err != nil {
		return nil, fmt.Errorf("parse keys: %w", err)
	}
	if set.Len() == 0 {
		return nil, errors.New("no keys found")
	}
	for i := 0; i < set.Len(); i++ {
		k, _ := set.Key(i)
		if k.KeyType() == jwa.OctetSeq() {
			return nil, errors.New("symmetric keys are not accepted in a key set; configure an HMAC secret instead")
		}
	}
	pub, err := jwk.PublicSetOf(set)
	if err != nil {
		return nil, fmt.Errorf("public keys: %w", err)
	}
	return pub, nil
}

// ParseJWKS parses a JWK set published by an identity provider. Keys this
// verifier cannot use (an unknown key type or curve, missing members, a
// symmetric key) are left out and described in skipped, as RFC 7517
// section 5 asks: a provider adding one key of a new kind must not stop
// every other key from verifying. It fails when no usable key remains. A
// document that is not a set is parsed as ParseKeys does.
func ParseJWKS(data []byte) (set jwk.Set, skipped []string, err error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(data, &doc) != nil || doc.Keys == nil {
		set, err := ParseKeys(data)
		return set, nil, err
	}
	out := jwk.NewSet()
	for i, raw := range doc.Keys {
		k, err := jwk.ParseKey(raw)
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key #%d: %v", i, err))
			continue
		}
		kid, _ := k.KeyID()
		if k.KeyType() == jwa.OctetSeq() {
			// Never used: HMAC secrets are configured explicitly.
			skipped = append(skipped, fmt.Sprintf("key #%d (kid %q): symmetric", i, kid))
			continue
		}
		pub, err := jwk.PublicKeyOf(k)
		if err == nil {
			err = out.AddKey(pub)
		}
		if err != nil {
			skipped = append(skipped, fmt.Sprintf("key #%d (kid %q): %v", i, kid, err))
		}
	}
	if out.Len() == 0 {
		return nil, skipped, fmt.Errorf("no usable keys (%s)", strings.Join(skipped, "; "))
	}
	return out, skipped, nil
}

// MaxCandidates bounds the keys one token is tried against. Providers
// publish a few keys at a time (the current one, the next, the last);
// four refused a token without kid signed by the fifth key of a set, 16
// leaves room for rotations while one forged RS256 token costs at most
// about a millisecond of verification.
const MaxCandidates = 16

// Candidates returns the keys of set that may verify a signature with alg
// and key id kid. A key with a kid matches only that kid. A key without
// one (a PEM file holds no kid) matches any: an issuer that names its key
// in every token must still verify against the key configured for it as
// PEM, and the algorithm and key type checks still apply. Keys whose kid
// matches come first; without a kid every fitting key is a candidate. The
// list is capped (MaxCandidates) so that a large set cannot make one
// forged token cost many verifications.
func Candidates(set jwk.Set, kid string, alg jwa.SignatureAlgorithm) []jwk.Key {
	var named, unnamed []jwk.Key
	if set == nil {
		return nil
	}
	for i := 0; i < set.Len() && len(named) < MaxCandidates; i++ {
		k, _ := set.Key(i)
		if !KeyFits(k, alg) {
			continue
		}
		id, _ := k.KeyID()
		switch {
		case kid == "" || id == kid:
			named = append(named, k)
		case id == "":
			unnamed = append(unnamed, k)
		}
	}
	out := append(named, unnamed...)
	if len(out) > MaxCandidates {
		out = out[:MaxCandidates]
	}
	return out
}
