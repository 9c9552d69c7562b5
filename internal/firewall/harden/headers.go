package harden

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// HeadersConfig is the response-hardening configuration. The zero value
// (after Defaults) is the recommended policy for a JSON API.
type HeadersConfig struct {
	// Disabled turns all response hardening off.
	Disabled bool `yaml:"disabled"`
	// HSTS is sent on responses to TLS connections only.
	HSTS HSTSConfig `yaml:"hsts"`
	// ContentSecurityPolicy (default "default-src 'none'; frame-ancestors
	// 'none'"): an API response should never be rendered as a page. "-"
	// leaves the header to the upstream (the same for the other "-"s).
	ContentSecurityPolicy string `yaml:"content_security_policy"`
	// ReferrerPolicy (default "no-referrer"; "-" leaves it to the upstream).
	ReferrerPolicy string `yaml:"referrer_policy"`
	// NoSniff sends X-Content-Type-Options: nosniff (default true).
	NoSniff *bool `yaml:"nosniff"`
	// FrameOptions sends X-Frame-Options (default "DENY"; "-" leaves it)
	// for browsers that predate frame-ancestors.
	FrameOptions string `yaml:"frame_options"`
	// NoStoreAuthenticated sends Cache-Control: no-store on responses to
	// authenticated requests (default true), so shared caches and
	// browsers keep no copy of personal data.
	NoStoreAuthenticated *bool `yaml:"no_store_authenticated"`
	// Remove lists response headers to drop (default Server and
	// X-Powered-By; listed names are added to the defaults).
	Remove []string `yaml:"remove"`
}

// HSTSConfig is the Strict-Transport-Security policy.
type HSTSConfig struct {
	// MaxAge (default one year); a negative value disables HSTS.
	MaxAge            time.Duration `yaml:"max_age"`
	IncludeSubdomains *bool         `yaml:"include_subdomains"`
	Preload           bool          `yaml:"preload"`
}

// Defaults.
const (
	DefaultCSP            = "default-src 'none'; frame-ancestors 'none'"
	DefaultReferrerPolicy = "no-referrer"
	DefaultFrameOptions   = "DENY"
	DefaultHSTSMaxAge     = 365 * 24 * time.Hour
)

var referrerPolicies = map[string]bool{
	"no-referrer": true, "no-referrer-when-downgrade": true, "origin": true, "origin-when-cross-origin": true,
	"same-origin": true, "strict-origin": true, "strict-origin-when-cross-origin": true, "unsafe-url": true,
}

// Validate reports every problem.
func (c *HeadersConfig) Validate() error {
	var errs []error
	if c.ReferrerPolicy != "" && c.ReferrerPolicy != "-" && !referrerPolicies[c.ReferrerPolicy] {
		errs = append(errs, fmt.Errorf("referrer_policy: %q is not a Referrer-Policy value", c.ReferrerPolicy))
	}
	switch strings.ToUpper(c.FrameOptions) {
	case "", "-", "DENY", "SAMEORIGIN":
	default:
		errs = append(errs, fmt.Errorf("frame_options: %q is not supported (want DENY, SAMEORIGIN or -)", c.FrameOptions))
	}
	if strings.ContainsAny(c.ContentSecurityPolicy, "\r\n") {
		errs = append(errs, errors.New("content_security_policy: must be one line"))
	}
	if c.HSTS.Preload && c.HSTS.MaxAge >= 0 && c.HSTS.MaxAge < 365*24*time.Hour && c.HSTS.MaxAge != 0 {
		errs = append(errs, errors.New("hsts.preload: browsers' preload lists require max_age of at least one year (8760h)"))
	}
	if c.HSTS.Preload && c.HSTS.IncludeSubdomains != nil && !*c.HSTS.IncludeSubdomains {
		errs = append(errs, errors.New("hsts.preload: requires include_subdomains"))
	}
	for i, h := range c.Remove {
		if h == "" || strings.ContainsAny(h, " :\r\n") {
			errs = append(errs, fmt.Errorf("remove[%d]: %q is not a header name", i, h))
		}
	}
	return errors.Join(errs...)
}

// Headers is a compiled HeadersConfig.
type Headers struct {
	disabled bool
	set      [][2]string // always set
	hsts     string
	noStore  bool
	remove   []string
}

// NewHeaders validates and compiles the configuration.
func NewHeaders(c HeadersConfig) (*Headers, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("response headers: %w", err)
	}
	h := &Headers{disabled: c.Disabled, noStore: c.NoStoreAuthenticated == nil || *c.NoStoreAuthenticated}
	pick := func(v, def string) string {
		if v == "" {
			return def
		}
		return v
	}
	if c.NoSniff == nil || *c.NoSniff {
		h.set = append(h.set, [2]string{"X-Content-Type-Options", "nosniff"})
	}
	if v := pick(c.ContentSecurityPolicy, DefaultCSP); v != "-" {
		h.set = append(h.set, [2]string{"Content-Security-Policy", v})
	}
	if v := pick(c.ReferrerPolicy, DefaultReferrerPolicy); v != "-" {
		h.set = append(h.set, [2]string{"Referrer-Policy", v})
	}
	if v := pick(strings.ToUpper(c.FrameOptions), DefaultFrameOptions); v != "-" {
		h.set = append(h.set, [2]string{"X-Frame-Options", v})
	}
	if c.HSTS.MaxAge >= 0 {
		age := c.HSTS.MaxAge
		if age == 0 {
			age = DefaultHSTSMaxAge
		}
		h.hsts = "max-age=" + strconv.FormatInt(int64(age/time.Second), 10)
		if c.HSTS.IncludeSubdomains == nil || *c.HSTS.IncludeSubdomains {
			h.hsts += "; includeSubDomains"
		}
		if c.HSTS.Preload {
			h.hsts += "; preload"
		}
	}
	h.remove = []string{"Server", "X-Powered-By"}
	for _, r := range c.Remove {
		h.remove = append(h.remove, textproto.CanonicalMIMEHeaderKey(r))
	}
	return h, nil
}

// ResponseInfo is what Apply needs to know about the exchange.
type ResponseInfo struct {
	// TLS: the client connection used TLS (directly or per a trusted
	// proxy). HSTS over plain HTTP is ignored by browsers and would only
	// advertise a policy an attacker on the path can strip.
	TLS bool
	// Authenticated: the request carried verified credentials.
	Authenticated bool
}

// Apply hardens a response header in place.
func (h *Headers) Apply(hdr http.Header, in ResponseInfo) {
	if h == nil || h.disabled {
		return
	}
	for _, r := range h.remove {
		hdr.Del(r)
	}
	for _, kv := range h.set {
		hdr.Set(kv[0], kv[1])
	}
	if in.TLS && h.hsts != "" {
		hdr.Set("Strict-Transport-Security", h.hsts)
	}
	if in.Authenticated && h.noStore {
		hdr.Set("Cache-Control", "no-store")
		hdr.Del("Expires")
	}
}
