// Package dpop verifies DPoP proofs (RFC 9449) for access tokens bound to
// a key by cnf.jkt, with replay protection by jti.
package dpop

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/jose"
)

// Header is the request header carrying the proof.
const Header = "DPoP"

// Config is the YAML configuration.
type Config struct {
	Algorithms []string `yaml:"algorithms,omitempty"` // default: all asymmetric
	// MaxAge is how old a proof's iat may be (default 60s); Leeway allows
	// clock skew for proofs from the future (default 5s).
	MaxAge time.Duration `yaml:"max_age,omitempty"`
	Leeway time.Duration `yaml:"leeway,omitempty"`
	// ReplayCacheSize bounds the memory replay store (default
	// DefaultReplayCacheSize); the firewall's store, shared by the
	// schemes, holds their sizes together.
	ReplayCacheSize int `yaml:"replay_cache_size,omitempty"`
	// ExternalOrigin ("https://api.example.com") is the origin clients
	// call, which their proofs name in htu. Required: the Host a client
	// sends is the client's to choose, so compared with it, a proof made
	// for another server passed here when sent with that server's name.
	ExternalOrigin string `yaml:"external_origin,omitempty"`
}

// Validate reports configuration mistakes.
func (c *Config) Validate() error {
	var errs []error
	for _, a := range c.Algorithms {
		if jose.IsHMAC(a) {
			errs = append(errs, fmt.Errorf("dpop.algorithms: %s is symmetric; DPoP proofs are signed with the client's private key", a))
		}
	}
	if _, err := jose.NewAllowlist(c.Algorithms, false); err != nil && len(errs) == 0 {
		errs = append(errs, fmt.Errorf("dpop.algorithms: %w", err))
	}
	if c.MaxAge < 0 || c.Leeway < 0 || c.ReplayCacheSize < 0 {
		errs = append(errs, errors.New("dpop: max_age, leeway and replay_cache_size must not be negative"))
	}
	if c.ExternalOrigin == "" {
		errs = append(errs, errors.New("dpop.external_origin: required: the origin clients call (https://api.example.com), which their proofs name in htu; the Host header a client sends cannot stand in for it"))
	} else {
		u, err := url.Parse(c.ExternalOrigin)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			errs = append(errs, fmt.Errorf("dpop.external_origin %q must be scheme://host[:port]", c.ExternalOrigin))
		}
	}
	return errors.Join(errs...)
}

// Errors a caller may test for.
var (
	ErrMissing = errors.New("DPoP proof missing")
	ErrInvalid = errors.New("invalid DPoP proof")
	ErrReplay  = errors.New("DPoP proof replayed")
	ErrBinding = errors.New("DPoP key does not match the token's cnf.jkt")
	// ErrUnavailable: the proof passed every other check, but the replay
	// store could not tell whether it was used before, and the verifier
	// does not fail open.
	ErrUnavailable = errors.New("DPoP replay store unavailable")
)

// Verifier is safe for concurrent use once built; UseReplayStore is
// called before it verifies anything.
type Verifier struct {
	allow  jose.Allowlist
	maxAge time.Duration
	leeway time.Duration
	origin *url.URL
	// local is this verifier's own memory store; store is where proofs
	// are recorded, local unless UseReplayStore chose another. fallback
	// is the memory used when store cannot answer (nil: fail closed).
	local    *Memory
	store    ReplayStore
	fallback *Memory
	Now      func() time.Time
}

// New builds a verifier.
func New(c Config) (*Verifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	allow, _ := jose.NewAllowlist(c.Algorithms, false)
	v := &Verifier{allow: allow, maxAge: c.MaxAge, leeway: c.Leeway, Now: time.Now}
	if v.maxAge == 0 {
		v.maxAge = time.Minute
	}
	if v.leeway == 0 {
		v.leeway = 5 * time.Second
	}
	v.local = NewMemory(c.ReplayCacheSize)
	v.local.Now = func() time.Time { return v.Now() }
	v.store = v.local
	v.origin, _ = url.Parse(c.ExternalOrigin)
	return v, nil
}

// UseReplayStore records proofs in s (a Redis shared by a fleet, or a
// memory store that outlives this verifier) instead of the verifier's own
// memory. When s cannot answer, Verify fails with ErrUnavailable, unless
// fallback (this firewall's memory) is given: the proof is then accepted,
// checked against and recorded in fallback only, so a replay to this
// firewall is still caught but one to another firewall of the fleet is
// not. With a fallback, the proofs s accepts are recorded in it too, and a
// proof either has seen is a replay: a proof accepted through s before an
// outage, or through fallback during one, stays refused by this firewall
// whether s answers or not.
func (v *Verifier) UseReplayStore(s ReplayStore, fallback *Memory) {
	v.store, v.fallback = s, fallback
}

// Algorithms are the proof algorithms accepted, in the order of
// jose.AsymmetricAlgorithms: the algs of the DPoP challenge (RFC 9449
// section 7.1).
func (v *Verifier) Algorithms() []string {
	var out []string
	for _, a := range jose.AsymmetricAlgorithms {
		if _, ok := v.allow[a]; ok {
			out = append(out, a)
		}
	}
	return out
}

type requestKey struct{}

// requestProofs are the proofs accepted so far in one request.
type requestProofs struct {
	mu sync.Mutex
	m  map[string]bool
}

// WithRequest marks ctx as one request's. A proof a verifier accepts in
// it is one use: when another verifier (a second security scheme that
// accepts the same token, tried after the first could not admit the
// request) checks the same proof in the same request, it does not count
// it as a replay, while every other request does, whichever verifier
// accepted the proof first (when their replay stores are shared).
func WithRequest(ctx context.Context) context.Context {
	return context.WithValue(ctx, requestKey{}, &requestProofs{m: map[string]bool{}})
}

func (rp *requestProofs) seen(k string) bool {
	if rp == nil {
		return false
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.m[k]
}

func (rp *requestProofs) add(k string) {
	if rp == nil {
		return
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.m[k] = true
}

// ReplayTTL is how long a proof is remembered: as long as it could be
// accepted (iat up to leeway in the future, then max_age), plus leeway
// again for firewalls of a fleet whose clocks differ by up to leeway.
func (v *Verifier) ReplayTTL() time.Duration { return v.maxAge + 2*v.leeway }

// Verify checks the request's DPoP proof for accessToken, whose cnf.jkt is
// jkt.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, accessToken, jkt string) error {
	vals := r.Header.Values(Header)
	if len(vals) == 0 {
		return ErrMissing
	}
	if len(vals) > 1 {
		return fmt.Errorf("%w: several DPoP header fields", ErrInvalid)
	}
	proof := []byte(strings.TrimSpace(vals[0]))
	if len(proof) > 8<<10 {
		return fmt.Errorf("%w: proof too large", ErrInvalid)
	}
	h, err := jose.ParseCompact(proof, v.allow)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !strings.EqualFold(h.Typ, "dpop+jwt") {
		return fmt.Errorf("%w: typ must be dpop+jwt", ErrInvalid)
	}
	if h.JWK == nil {
		return fmt.Errorf("%w: no jwk header", ErrInvalid)
	}
	if priv, err := jwk.IsPrivateKey(h.JWK); err != nil || priv {
		return fmt.Errorf("%w: the jwk header must be a public key", ErrInvalid)
	}
	if !jose.KeyFits(h.JWK, h.Alg) {
		return fmt.Errorf("%w: the jwk does not fit alg %s", ErrInvalid, h.Alg)
	}
	tp, err := h.JWK.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("%w: thumbprint: %v", ErrInvalid, err)
	}
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(tp)), []byte(jkt)) != 1 {
		return ErrBinding
	}
	payload, err := jose.Verify(proof, h.Alg, h.JWK, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	var c struct {
		JTI string `json:"jti"`
		HTM string `json:"htm"`
		HTU string `json:"htu"`
		IAT any    `json:"iat"`
		ATH string `json:"ath"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return fmt.Errorf("%w: claims: %v", ErrInvalid, err)
	}
	if c.JTI == "" || len(c.JTI) > 256 {
		return fmt.Errorf("%w: jti missing or too long", ErrInvalid)
	}
	if c.HTM != r.Method {
		return fmt.Errorf("%w: htm %q does not match %s", ErrInvalid, c.HTM, r.Method)
	}
	if !v.sameURI(c.HTU, r) {
		return fmt.Errorf("%w: htu does not match the request URI", ErrInvalid)
	}
	// A NumericDate is a JSON number (RFC 7519 section 2), as the access
	// tokens' exp, nbf and iat must be; "1700000000" is refused.
	iatNum, ok := c.IAT.(json.Number)
	if !ok {
		return fmt.Errorf("%w: iat missing or not a number", ErrInvalid)
	}
	iatF, err := iatNum.Float64()
	if err != nil {
		return fmt.Errorf("%w: iat missing or not a number", ErrInvalid)
	}
	iat := time.Unix(int64(iatF), 0)
	now := v.Now()
	if iat.After(now.Add(v.leeway)) || now.Sub(iat) > v.maxAge {
		return fmt.Errorf("%w: iat outside the accepted window", ErrInvalid)
	}
	sum := sha256.Sum256([]byte(accessToken))
	if subtle.ConstantTimeCompare([]byte(c.ATH), []byte(base64.RawURLEncoding.EncodeToString(sum[:]))) != 1 {
		return fmt.Errorf("%w: ath does not match the access token", ErrInvalid)
	}
	// Accepted already in this very request, by another verifier.
	rp, _ := ctx.Value(requestKey{}).(*requestProofs)
	rk := jkt + "\x00" + c.JTI
	if rp.seen(rk) {
		return nil
	}
	// Record the jti only after every other check, so invalid proofs cannot
	// fill the store; keep it as long as the proof could be accepted.
	ttl := v.ReplayTTL()
	first, err := v.store.Claim(ctx, jkt, c.JTI, ttl)
	switch {
	case err != nil && v.fallback == nil:
		// Nothing is recorded: the proof was not accepted, so the
		// client may send it again once the store answers.
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	case err != nil:
		first, _ = v.fallback.Claim(ctx, jkt, c.JTI, ttl)
	case first && v.fallback != nil && v.fallback != v.store:
		// This firewall remembers what it accepts, for the times the
		// store cannot answer; and a proof it accepted while the store
		// could not answer is not in the store.
		first, _ = v.fallback.Claim(ctx, jkt, c.JTI, ttl)
	}
	if !first {
		return ErrReplay
	}
	rp.add(rk)
	return nil
}

// sameURI compares htu with the request URI without query and fragment
// (RFC 9449 section 4.3): the configured origin with the request's path,
// scheme and host case-insensitively and default ports ignored.
func (v *Verifier) sameURI(htu string, r *http.Request) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	scheme, host := v.origin.Scheme, v.origin.Host
	return strings.EqualFold(u.Scheme, scheme) &&
		normHost(u.Scheme, u.Host) == normHost(scheme, host) &&
		pathOf(u) == pathOf(r.URL)
}

func pathOf(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	return normEscapes(p)
}

// normEscapes applies the percent-encoding part of RFC 3986 section 6.2.2
// syntax-based normalization, which RFC 9449 section 4.3 asks for before
// htu is compared: escapes of unreserved characters are decoded and the
// hex digits of the others upper-cased. Reserved characters stay escaped,
// so "a%2Fb" and "a/b" remain different paths.
func normEscapes(p string) string {
	if !strings.Contains(p, "%") {
		return p
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]) {
			c := unhex(p[i+1])<<4 | unhex(p[i+2])
			if isUnreserved(c) {
				b.WriteByte(c)
			} else {
				b.WriteByte('%')
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
			}
			i += 2
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// isUnreserved: ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 section 2.3).
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func normHost(scheme, h string) string {
	h = strings.ToLower(h)
	switch strings.ToLower(scheme) {
	case "https":
		h = strings.TrimSuffix(h, ":443")
	case "http":
		h = strings.TrimSuffix(h, ":80")
	}
	return h
}
