// Package apikey checks API keys and HTTP basic credentials against
// configured hashes.
//
// API keys are stored as SHA-256 hex digests (an API key is a long random
// secret, so a fast hash is enough; a password is not, hence bcrypt for
// basic). Every configured digest is compared in constant time, and all of
// them are always compared, so timing reveals neither which key nor how
// much of it matched.
package apikey

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/cookies"
)

// Key is one configured API key.
type Key struct {
	// ID names the client in logs and in the identity; never the key.
	ID string `yaml:"id"`
	// SHA256 is the hex SHA-256 digest of the key
	// (`printf %s "$KEY" | sha256sum`).
	SHA256 string   `yaml:"sha256"`
	Scopes []string `yaml:"scopes,omitempty"`
}

// Config lists the keys of one apiKey scheme.
type Config struct {
	Keys []Key `yaml:"keys"`
}

// Validate reports configuration mistakes.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Keys) == 0 {
		errs = append(errs, errors.New("api_keys: no keys configured"))
	}
	seen := map[string]bool{}
	for i, k := range c.Keys {
		if k.ID == "" {
			errs = append(errs, fmt.Errorf("api_keys.keys[%d]: id is required", i))
		}
		if seen[k.ID] {
			errs = append(errs, fmt.Errorf("api_keys.keys[%d]: duplicate id %q", i, k.ID))
		}
		seen[k.ID] = true
		if b, err := hex.DecodeString(k.SHA256); err != nil || len(b) != sha256.Size {
			errs = append(errs, fmt.Errorf("api_keys.keys[%d] (%s): sha256 must be 64 hex digits (the digest, not the key)", i, k.ID))
		}
	}
	return errors.Join(errs...)
}

// Errors a caller may test for.
var (
	ErrMissing = errors.New("no API key in the request")
	ErrUnknown = errors.New("API key not recognised")
	ErrSeveral = errors.New("the API key is sent more than once")
)

// Checker verifies API keys.
type Checker struct {
	In, Name string
	keys     []Key
	digests  [][]byte
}

// New builds a checker for a key carried in in ("header", "query",
// "cookie") under name, as the security scheme declares.
func New(in, name string, c Config) (*Checker, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	switch in {
	case "header", "query", "cookie":
	default:
		return nil, fmt.Errorf("apiKey location %q is not header, query or cookie", in)
	}
	if name == "" {
		return nil, errors.New("apiKey scheme without a parameter name")
	}
	ch := &Checker{In: in, Name: name, keys: c.Keys}
	for _, k := range c.Keys {
		d, _ := hex.DecodeString(k.SHA256)
		ch.digests = append(ch.digests, d)
	}
	return ch, nil
}

// sent returns every value of the key in the request, where the scheme
// puts it. A Cookie header that servers split differently is an error: it
// could carry a second key only the upstream sees.
func (c *Checker) sent(r *http.Request) ([]string, error) {
	switch c.In {
	case "header":
		return r.Header.Values(c.Name), nil
	case "query":
		return r.URL.Query()[c.Name], nil
	case "cookie":
		pairs, err := cookies.Parse(r.Header)
		if err != nil {
			return nil, err
		}
		if cookies.HasLookalike(pairs, c.Name) {
			// "SESSION_ID=forged; session_id=key": case-insensitive or
			// PHP-style upstreams read the forged one.
			return nil, ErrSeveral
		}
		return cookies.Values(pairs, c.Name), nil
	}
	return nil, nil
}

// Check returns the matching key. A key sent more than once is refused
// (ErrSeveral): the firewall would check one and the upstream might use
// another.
func (c *Checker) Check(r *http.Request) (*Key, error) {
	vals, err := c.sent(r)
	if err != nil {
		return nil, err
	}
	if len(vals) > 1 {
		return nil, ErrSeveral
	}
	var v string
	if len(vals) == 1 {
		v = vals[0]
	}
	if c.In == "header" {
		v = strings.TrimSpace(v)
	}
	if v == "" {
		return nil, ErrMissing
	}
	sum := sha256.Sum256([]byte(v))
	match := -1
	for i, d := range c.digests {
		// No early exit: compare against every key.
		if subtle.ConstantTimeCompare(sum[:], d) == 1 {
			match = i
		}
	}
	if match < 0 {
		return nil, ErrUnknown
	}
	return &c.keys[match], nil
}

// Digest is the SHA-256 hex digest to configure for a key.
func Digest(key string) string {
	s := sha256.Sum256([]byte(key))
	return hex.EncodeToString(s[:])
}
