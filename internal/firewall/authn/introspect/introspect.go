// Package introspect validates opaque access tokens with an OAuth 2.0
// token introspection endpoint (RFC 7662) and caches the answers in a
// bounded cache keyed by a SHA-256 of the token.
package introspect

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/ttlcache"
)

// Config is the YAML configuration of one introspection endpoint.
type Config struct {
	URL      string `yaml:"url"`
	ClientID string `yaml:"client_id"`
	// The client secret comes from the environment, never the file.
	ClientSecretEnv string        `yaml:"client_secret_env"`
	Timeout         time.Duration `yaml:"timeout,omitempty"`         // default 3s
	CacheTTL        time.Duration `yaml:"cache_ttl,omitempty"`       // active answers, default 60s, capped by exp
	NegativeTTL     time.Duration `yaml:"negative_ttl,omitempty"`    // inactive answers, default 10s
	CacheSize       int           `yaml:"cache_size,omitempty"`      // default 10000
	Issuer          string        `yaml:"issuer,omitempty"`          // required iss of active tokens, when set
	Audiences       []string      `yaml:"audiences,omitempty"`       // one must be in aud, when set
	TokenTypeHint   string        `yaml:"token_type_hint,omitempty"` // default access_token
}

// Validate reports configuration mistakes.
func (c *Config) Validate() error {
	var errs []error
	u, err := url.Parse(c.URL)
	if c.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		errs = append(errs, fmt.Errorf("introspection.url: %q is not an http(s) URL", c.URL))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("introspection.client_id is required (RFC 7662 endpoints authenticate the caller)"))
	}
	if c.ClientSecretEnv == "" {
		errs = append(errs, errors.New("introspection.client_secret_env is required"))
	}
	if c.CacheTTL < 0 || c.NegativeTTL < 0 || c.Timeout < 0 || c.CacheSize < 0 {
		errs = append(errs, errors.New("introspection: durations and cache_size must not be negative"))
	}
	return errors.Join(errs...)
}

// Errors a caller may test for.
var (
	ErrInactive    = errors.New("token is not active")
	ErrUnavailable = errors.New("introspection endpoint unavailable")
)

// Result is an active token's introspection response.
type Result struct {
	Claims map[string]any
}

type cached struct {
	res *Result // nil for inactive
}

// Client introspects tokens.
type Client struct {
	cfg    Config
	secret string
	http   *http.Client
	cache  *ttlcache.Cache[[32]byte, cached]
	Now    func() time.Time
}

// New builds a client; the secret is read from the environment now.
func New(c Config) (*Client, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	secret, ok := os.LookupEnv(c.ClientSecretEnv)
	if !ok || secret == "" {
		return nil, fmt.Errorf("introspection: environment variable %s is not set", c.ClientSecretEnv)
	}
	if c.Timeout == 0 {
		c.Timeout = 3 * time.Second
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = time.Minute
	}
	if c.NegativeTTL == 0 {
		c.NegativeTTL = 10 * time.Second
	}
	if c.CacheSize == 0 {
		c.CacheSize = 10000
	}
	if c.TokenTypeHint == "" {
		c.TokenTypeHint = "access_token"
	}
	// Redirects are not followed: the request carries the client's token
	// and the firewall's credentials (a 307 or 308 would send them to the
	// location), and the answer would come from wherever it points.
	hc := &http.Client{Timeout: c.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return &Client{cfg: c, secret: secret, http: hc, cache: ttlcache.New[[32]byte, cached](c.CacheSize), Now: time.Now}, nil
}

// Introspect returns the active token's claims, ErrInactive, or an error
// wrapping ErrUnavailable when the endpoint cannot answer.
func (c *Client) Introspect(ctx context.Context, token string) (*Result, error) {
	key := sha256.Sum256([]byte(token))
	if e, ok := c.cache.Get(key); ok {
		if e.res == nil {
			return nil, ErrInactive
		}
		return e.res, nil
	}
	claims, err := c.call(ctx, token)
	if err != nil {
		return nil, err
	}
	active, _ := claims["active"].(bool)
	if !active || !c.acceptable(claims) {
		c.cache.Set(key, cached{}, c.cfg.NegativeTTL)
		return nil, ErrInactive
	}
	res := &Result{Claims: claims}
	ttl := c.cfg.CacheTTL
	if exp, ok := number(claims["exp"]); ok {
		// Never cache past the token's own expiry.
		left := time.Unix(exp, 0).Sub(c.Now())
		if left <= 0 {
			c.cache.Set(key, cached{}, c.cfg.NegativeTTL)
			return nil, ErrInactive
		}
		ttl = min(ttl, left)
	}
	c.cache.Set(key, cached{res: res}, ttl)
	return res, nil
}

func (c *Client) acceptable(claims map[string]any) bool {
	if c.cfg.Issuer != "" && claims["iss"] != c.cfg.Issuer {
		return false
	}
	if len(c.cfg.Audiences) > 0 && !audienceOK(claims["aud"], c.cfg.Audiences) {
		return false
	}
	if nbf, ok := number(claims["nbf"]); ok && c.Now().Before(time.Unix(nbf, 0)) {
		return false
	}
	return true
}

func audienceOK(aud any, want []string) bool {
	var have []string
	switch a := aud.(type) {
	case string:
		have = []string{a}
	case []any:
		for _, x := range a {
			if s, ok := x.(string); ok {
				have = append(have, s)
			}
		}
	}
	for _, h := range have {
		for _, w := range want {
			if h == w {
				return true
			}
		}
	}
	return false
}

func number(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := n.Int64()
		if err != nil {
			f, ferr := n.Float64()
			return int64(f), ferr == nil
		}
		return i, true
	case float64:
		return int64(n), true
	}
	return 0, false
}

const maxResponse = 64 << 10

func (c *Client) call(ctx context.Context, token string) (map[string]any, error) {
	form := url.Values{"token": {token}, "token_type_hint": {c.cfg.TokenTypeHint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 section 2.3.1: client id and secret are form-encoded
	// before being used as basic credentials.
	req.SetBasicAuth(url.QueryEscape(c.cfg.ClientID), url.QueryEscape(c.secret))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: status %d", ErrUnavailable, resp.StatusCode)
	}
	if len(body) > maxResponse {
		return nil, fmt.Errorf("%w: response larger than %d bytes", ErrUnavailable, maxResponse)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil || claims == nil {
		return nil, fmt.Errorf("%w: the response is not a JSON object", ErrUnavailable)
	}
	return claims, nil
}
