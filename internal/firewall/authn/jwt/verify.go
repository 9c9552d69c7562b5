package jwt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	jwxjwt "github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/jose"
)

// Errors a caller may test for with errors.Is. All but ErrNotReady mean
// the token is invalid (401 invalid_token).
var (
	ErrMalformed = jose.ErrMalformed
	ErrAlgorithm = jose.ErrAlgorithm
	ErrCritical  = jose.ErrCritical
	ErrNoKey     = jose.ErrNoKey
	ErrSignature = jose.ErrBadSignature
	ErrType      = errors.New("token type not accepted")
	ErrClaims    = errors.New("token claims rejected")
	ErrExpired   = errors.New("token expired")
	ErrTooLarge  = errors.New("token too large")
)

// MaxTokenSize bounds the tokens parsed at all.
const MaxTokenSize = 16 << 10

// Token is a verified token.
type Token struct {
	Alg    string
	Kid    string
	Typ    string
	Claims map[string]any
}

// Verifier verifies JWT access tokens. It is safe for concurrent use.
type Verifier struct {
	keys     KeySource
	hmac     []byte
	allow    jose.Allowlist
	issuer   func() string
	aud      []string
	typ      string
	leeway   time.Duration
	needExp  bool
	maxAge   time.Duration
	Now      func() time.Time
	discover interface{ Issuer() string }
}

// Options are the checks besides the signature.
type Options struct {
	Algorithms []string
	HMACSecret []byte
	Issuer     string
	Audiences  []string
	// Type is the required "typ" header, e.g. "at+jwt" (RFC 9068); the
	// "application/" prefix and case are ignored as RFC 7515 allows.
	Type       string
	Leeway     time.Duration
	RequireExp bool
	// MaxAge refuses tokens whose iat is older, when positive.
	MaxAge time.Duration
}

// NewVerifier builds a verifier. keys may be nil when only an HMAC secret
// is used.
func NewVerifier(keys KeySource, o Options) (*Verifier, error) {
	allow, err := jose.NewAllowlist(o.Algorithms, len(o.HMACSecret) > 0)
	if err != nil {
		return nil, err
	}
	if keys == nil && len(o.HMACSecret) == 0 {
		return nil, errors.New("no keys: configure a JWKS URL, OIDC discovery, key files or an HMAC secret")
	}
	if len(o.HMACSecret) > 0 && len(o.HMACSecret) < 32 {
		return nil, errors.New("the HMAC secret must be at least 32 bytes")
	}
	v := &Verifier{keys: keys, hmac: o.HMACSecret, allow: allow, aud: o.Audiences, typ: normTyp(o.Type), leeway: o.Leeway, needExp: o.RequireExp, maxAge: o.MaxAge, Now: time.Now}
	iss := o.Issuer
	if d, ok := keys.(*RemoteKeys); ok && iss == "" && d.JWKSURL == "" && d.DiscoveryURL != "" {
		// With OIDC discovery and no configured issuer, the discovered one
		// is required.
		v.discover = d
	}
	v.issuer = func() string {
		if iss != "" {
			return iss
		}
		if v.discover != nil {
			return v.discover.Issuer()
		}
		return ""
	}
	return v, nil
}

// Ready reports whether the verifier can verify tokens now.
func (v *Verifier) Ready() bool { return v.keys == nil || v.keys.Ready() }

func normTyp(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	return strings.TrimPrefix(t, "application/")
}

// LooksLikeJWT reports whether tok has the shape of a compact JWS, so that
// a scheme configured with both JWT and introspection can route opaque
// tokens to introspection.
func LooksLikeJWT(tok string) bool {
	return strings.Count(tok, ".") == 2 && strings.HasPrefix(tok, "eyJ")
}

// Verify checks the token. Keys are looked up only by "kid" in the
// configured source: the "jku", "x5u", "jwk" and "x5c" headers are never
// used to find a key (RFC 8725 section 3.10).
func (v *Verifier) Verify(ctx context.Context, tok string) (*Token, error) {
	if len(tok) > MaxTokenSize {
		return nil, ErrTooLarge
	}
	raw := []byte(tok)
	h, err := jose.ParseCompact(raw, v.allow)
	if err != nil {
		return nil, err
	}
	if v.typ != "" && normTyp(h.Typ) != v.typ {
		return nil, fmt.Errorf("%w: typ %q, want %q", ErrType, h.Typ, v.typ)
	}
	payload, err := v.verifySignature(ctx, raw, h)
	if err != nil {
		return nil, err
	}
	claims, err := v.checkClaims(payload)
	if err != nil {
		return nil, err
	}
	return &Token{Alg: h.Alg.String(), Kid: h.Kid, Typ: h.Typ, Claims: claims}, nil
}

func (v *Verifier) verifySignature(ctx context.Context, raw []byte, h *jose.Header) ([]byte, error) {
	if jose.IsHMAC(h.Alg.String()) {
		// Allowed only when a secret is configured (NewAllowlist), and then
		// only that secret is used: never a key from the key set, so a
		// token "signed" with a public key's bytes cannot pass.
		return jose.Verify(raw, h.Alg, v.hmac, nil)
	}
	if v.keys == nil {
		return nil, ErrNoKey
	}
	keys, err := v.keys.Keys(ctx, h.Kid, h.Alg)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w (kid %q, alg %s)", ErrNoKey, h.Kid, h.Alg)
	}
	var last error
	for _, k := range keys {
		p, err := jose.Verify(raw, h.Alg, k, nil)
		if err == nil {
			return p, nil
		}
		last = err
	}
	return nil, last
}

func (v *Verifier) checkClaims(payload []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: the payload is not a JSON object", ErrClaims)
	}
	// RFC 7519 2 and 4.1.4-4.1.6: exp, nbf and iat are JSON numbers. The
	// JOSE library also reads "1700000000" (a string) as a date; a token
	// whose issuer writes dates as strings is not one this firewall was
	// configured for, and a verifier downstream may read it otherwise.
	for _, name := range []string{"exp", "nbf", "iat"} {
		if v, present := claims[name]; present {
			if _, isNumber := v.(json.Number); !isNumber {
				return nil, fmt.Errorf("%w: claim %q is not a number (RFC 7519 NumericDate)", ErrClaims, name)
			}
		}
	}
	t, err := jwxjwt.ParseInsecure(payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrClaims, err)
	}
	now := v.Now
	opts := []jwxjwt.ValidateOption{
		jwxjwt.WithClock(jwxjwt.ClockFunc(now)),
		jwxjwt.WithAcceptableSkew(v.leeway),
	}
	if v.needExp {
		opts = append(opts, jwxjwt.WithRequiredClaim("exp"))
	}
	if iss := v.issuer(); iss != "" {
		opts = append(opts, jwxjwt.WithIssuer(iss))
	} else if v.discover != nil {
		return nil, fmt.Errorf("%w: the issuer is not known yet", ErrClaims)
	}
	if err := jwxjwt.Validate(t, opts...); err != nil {
		if errors.Is(err, jwxjwt.TokenExpiredError()) {
			return nil, fmt.Errorf("%w: %v", ErrExpired, err)
		}
		return nil, fmt.Errorf("%w: %v", ErrClaims, err)
	}
	if len(v.aud) > 0 {
		aud, _ := t.Audience()
		if !anyIn(aud, v.aud) {
			return nil, fmt.Errorf("%w: audience %q not accepted", ErrClaims, aud)
		}
	}
	if v.maxAge > 0 {
		iat, ok := t.IssuedAt()
		if !ok || now().Sub(iat) > v.maxAge+v.leeway {
			return nil, fmt.Errorf("%w: issued too long ago", ErrClaims)
		}
	}
	return claims, nil
}

func anyIn(have, want []string) bool {
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}
