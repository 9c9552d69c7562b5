package harden

import (
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CORSConfig is the cross-origin policy. With no allowed origins, CORS is
// off: no Access-Control-* header is ever sent, and preflights are
// refused.
type CORSConfig struct {
	// AllowedOrigins are exact origins (scheme://host[:port]) or
	// single-label wildcards ("https://*.example.com"); "*" allows any
	// origin and cannot be combined with allow_credentials.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowedMethods (default GET, HEAD, POST).
	AllowedMethods []string `yaml:"allowed_methods"`
	// AllowedHeaders are request headers a cross-origin call may send
	// (case-insensitive; default none beyond the CORS-safelisted ones).
	AllowedHeaders []string `yaml:"allowed_headers"`
	// ExposedHeaders are response headers scripts may read.
	ExposedHeaders   []string `yaml:"exposed_headers"`
	AllowCredentials bool     `yaml:"allow_credentials"`
	// MaxAge is how long browsers may cache a preflight (default 10m,
	// capped at 2h, which is what Chromium honours).
	MaxAge time.Duration `yaml:"max_age"`
	// RejectDisallowedOrigins answers 403 to non-preflight requests whose
	// Origin is not allowed. Browsers already hide such responses from
	// scripts; this also keeps the side effects from happening.
	RejectDisallowedOrigins bool `yaml:"reject_disallowed_origins"`
}

// CORS reason codes (403).
const (
	ReasonOriginDenied  = "cors-origin-denied"
	ReasonMethodDenied  = "cors-method-denied"
	ReasonHeadersDenied = "cors-headers-denied"
)

type originPattern struct {
	scheme, suffix, exact string // exact set, or scheme + host suffix for a wildcard
	port                  string
}

// Validate reports every problem.
func (c *CORSConfig) Validate() error {
	var errs []error
	for i, o := range c.AllowedOrigins {
		if o == "*" {
			if c.AllowCredentials {
				errs = append(errs, fmt.Errorf("allowed_origins[%d]: \"*\" cannot be used with allow_credentials (browsers refuse it, and echoing any origin would let every site read authenticated responses)", i))
			}
			continue
		}
		if _, err := parseOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("allowed_origins[%d]: %w", i, err))
		}
	}
	for i, m := range c.AllowedMethods {
		if m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, " ,") {
			errs = append(errs, fmt.Errorf("allowed_methods[%d]: %q is not an upper-case method name", i, m))
		}
	}
	for _, list := range []struct {
		key   string
		names []string
	}{{"allowed_headers", c.AllowedHeaders}, {"exposed_headers", c.ExposedHeaders}} {
		for i, h := range list.names {
			if h == "" || strings.ContainsAny(h, " ,:\r\n") {
				errs = append(errs, fmt.Errorf("%s[%d]: %q is not a header name", list.key, i, h))
			}
			if h == "*" && c.AllowCredentials {
				errs = append(errs, fmt.Errorf(`%s[%d]: "*" is not a wildcard when credentials are allowed (browsers treat it as a name); list the headers`, list.key, i))
			}
		}
	}
	if c.MaxAge < 0 {
		errs = append(errs, errors.New("max_age: must not be negative"))
	}
	return errors.Join(errs...)
}

func parseOrigin(o string) (originPattern, error) {
	if o == "null" {
		return originPattern{}, errors.New(`"null" is sent by sandboxed frames and file: pages, which any site can create; it cannot be allowed`)
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil || u.Fragment != "" {
		return originPattern{}, fmt.Errorf("%q is not an origin (want scheme://host[:port], e.g. https://app.example.com)", o)
	}
	host, port := u.Hostname(), u.Port()
	host = strings.ToLower(host)
	// Browsers omit the scheme's default port from Origin (RFC 6454
	// §6.1), so "https://app.example.com:443" would never match as written.
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
		u.Host = strings.TrimSuffix(u.Host, ":"+u.Port())
	}
	if strings.HasPrefix(host, "*.") {
		rest := host[2:]
		if strings.Contains(rest, "*") || !strings.Contains(rest, ".") {
			return originPattern{}, fmt.Errorf("%q: a wildcard must be one leading label below a registrable domain (https://*.example.com)", o)
		}
		return originPattern{scheme: u.Scheme, suffix: "." + rest, port: port}, nil
	}
	if strings.Contains(host, "*") {
		return originPattern{}, fmt.Errorf("%q: a wildcard may only be the leading label", o)
	}
	return originPattern{exact: u.Scheme + "://" + u.Host}, nil
}

// CORS is a compiled CORSConfig.
type CORS struct {
	any        bool
	origins    []originPattern
	methods    []string
	methodsStr string
	headers    map[string]bool
	anyHeader  bool
	exposed    string
	creds      bool
	maxAge     string
	reject     bool
}

// NewCORS validates and compiles the configuration.
func NewCORS(c CORSConfig) (*CORS, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("cors: %w", err)
	}
	cs := &CORS{creds: c.AllowCredentials, reject: c.RejectDisallowedOrigins, headers: map[string]bool{}}
	for _, o := range c.AllowedOrigins {
		if o == "*" {
			cs.any = true
			continue
		}
		p, _ := parseOrigin(o)
		cs.origins = append(cs.origins, p)
	}
	cs.methods = c.AllowedMethods
	if len(cs.methods) == 0 {
		cs.methods = []string{"GET", "HEAD", "POST"}
	}
	cs.methodsStr = strings.Join(cs.methods, ", ")
	for _, h := range c.AllowedHeaders {
		if h == "*" {
			cs.anyHeader = true
		}
		cs.headers[strings.ToLower(h)] = true
	}
	exp := make([]string, 0, len(c.ExposedHeaders))
	for _, h := range c.ExposedHeaders {
		exp = append(exp, textproto.CanonicalMIMEHeaderKey(h))
	}
	cs.exposed = strings.Join(exp, ", ")
	age := c.MaxAge
	if age == 0 {
		age = 10 * time.Minute
	}
	age = min(age, 2*time.Hour)
	cs.maxAge = strconv.FormatInt(int64(age/time.Second), 10)
	return cs, nil
}

// Enabled reports whether any origin is allowed.
func (c *CORS) Enabled() bool { return c != nil && (c.any || len(c.origins) > 0) }

// originAllowed matches the Origin header value exactly as browsers send
// it (scheme://host[:port], lower case).
func (c *CORS) originAllowed(origin string) bool {
	if origin == "" || origin == "null" {
		return false
	}
	if c.any {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.ContainsAny(origin, "?#") {
		return false
	}
	canon := u.Scheme + "://" + strings.ToLower(u.Host)
	for _, p := range c.origins {
		if p.exact != "" {
			if strings.EqualFold(p.exact, canon) {
				return true
			}
			continue
		}
		host := strings.ToLower(u.Hostname())
		// Exactly one more label: "a.example.com" matches, "example.com"
		// and "a.b.example.com" do not.
		if u.Scheme == p.scheme && u.Port() == p.port && strings.HasSuffix(host, p.suffix) {
			label := strings.TrimSuffix(host, p.suffix)
			if label != "" && !strings.Contains(label, ".") {
				return true
			}
		}
	}
	return false
}

// IsPreflight reports whether r is a CORS preflight: OPTIONS with Origin
// and Access-Control-Request-Method.
func IsPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// Outcome is a CORS decision.
type Outcome struct {
	Allowed bool
	// Status to answer a preflight with (204, or 403 when refused).
	Status int
	Reason string
}

func (c *CORS) allowOrigin(h http.Header, origin string) {
	if c.any && !c.creds {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
	}
	if c.creds {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// Preflight answers a preflight into h. pathMethods, when not nil, are
// the methods the requested path declares: a method the API does not have
// is refused even if the policy lists it.
func (c *CORS) Preflight(r *http.Request, h http.Header, pathMethods []string) Outcome {
	h.Add("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
	origin := r.Header.Get("Origin")
	if !c.Enabled() || !c.originAllowed(origin) {
		return Outcome{Status: http.StatusForbidden, Reason: ReasonOriginDenied}
	}
	m := r.Header.Get("Access-Control-Request-Method")
	if !slices.Contains(c.methods, m) || (pathMethods != nil && !slices.Contains(pathMethods, m)) {
		return Outcome{Status: http.StatusForbidden, Reason: ReasonMethodDenied}
	}
	var reqHeaders []string
	for _, line := range r.Header.Values("Access-Control-Request-Headers") {
		for _, name := range strings.Split(line, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if name == "" {
				continue
			}
			if !c.anyHeader && !c.headers[name] {
				return Outcome{Status: http.StatusForbidden, Reason: ReasonHeadersDenied}
			}
			reqHeaders = append(reqHeaders, name)
		}
	}
	c.allowOrigin(h, origin)
	h.Set("Access-Control-Allow-Methods", c.methodsStr)
	if len(reqHeaders) > 0 {
		// Echo exactly what was asked (all of it allowed): no more of the
		// policy is disclosed than the caller needs.
		h.Set("Access-Control-Allow-Headers", strings.Join(reqHeaders, ", "))
	}
	h.Set("Access-Control-Max-Age", c.maxAge)
	return Outcome{Allowed: true, Status: http.StatusNoContent}
}

// Actual adds CORS headers to the response of a non-preflight request.
// The outcome refuses only when RejectDisallowedOrigins is set and the
// request carries an Origin the policy does not allow. It is
// CheckActual followed by ActualHeaders.
func (c *CORS) Actual(r *http.Request, h http.Header) Outcome {
	c.ActualHeaders(r, h)
	return c.CheckActual(r)
}

// CheckActual decides whether a non-preflight request may proceed: it is
// refused only when RejectDisallowedOrigins is set and the request
// carries an Origin the policy does not allow. It sets no header.
func (c *CORS) CheckActual(r *http.Request) Outcome {
	origin := r.Header.Get("Origin")
	if origin == "" || (c.Enabled() && c.originAllowed(origin)) {
		return Outcome{Allowed: true}
	}
	if c != nil && c.reject && !sameOrigin(r, origin) {
		return Outcome{Status: http.StatusForbidden, Reason: ReasonOriginDenied}
	}
	return Outcome{Allowed: true}
}

// ActualHeaders sets the CORS headers of the response to a non-preflight
// request: Vary whenever CORS is on, and the Access-Control-* fields when
// the origin is allowed. The firewall calls it on every response, those
// it generates itself (a 429, a validation error) included, so that a
// page allowed to call the API can read why a call failed.
func (c *CORS) ActualHeaders(r *http.Request, h http.Header) {
	if !c.Enabled() {
		return
	}
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !c.originAllowed(origin) {
		return
	}
	c.allowOrigin(h, origin)
	if c.exposed != "" {
		h.Set("Access-Control-Expose-Headers", c.exposed)
	}
}

// sameOrigin: browsers send Origin on same-origin POSTs too; those are not
// cross-origin and must not be refused.
func sameOrigin(r *http.Request, origin string) bool {
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

// Handler wraps next with the CORS policy: preflights are answered here
// and never reach next. It is how the policy is used outside the firewall
// pipeline (and in tests).
func (c *CORS) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsPreflight(r) {
			out := c.Preflight(r, w.Header(), nil)
			w.WriteHeader(out.Status)
			return
		}
		if out := c.Actual(r, w.Header()); !out.Allowed {
			http.Error(w, out.Reason, out.Status)
			return
		}
		next.ServeHTTP(w, r)
	})
}
