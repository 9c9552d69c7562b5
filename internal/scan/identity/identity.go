// Package identity holds the callers a scan acts as: static credentials,
// tokens obtained by a login request or an OAuth2 grant, and their refresh
// on expiry or when the API answers 401.
package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/jsonpath/pkg/jsonpath"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Doer sends a request within the scan's scope and rate limit.
type Doer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Identity is one caller at run time.
type Identity struct {
	Config config.Identity
	doc    *spec.Document
	base   *url.URL
	client Doer
	now    func() time.Time

	mu      sync.Mutex
	tokens  map[string]string // scheme name -> token obtained by login/grant
	expiry  time.Time
	refresh string
	fetched bool
	// Logins counts token acquisitions (first login and refreshes).
	Logins int
}

// New builds an identity; no request is sent until credentials are needed.
func New(cfg config.Identity, doc *spec.Document, base *url.URL, client Doer) *Identity {
	id := &Identity{Config: cfg, doc: doc, base: base, client: client, now: time.Now}
	if cfg.OAuth2 != nil {
		id.refresh = cfg.OAuth2.RefreshToken
	}
	return id
}

// Name is the identity's configured name.
func (id *Identity) Name() string { return id.Config.Name }

// dynamic reports whether tokens come from a login or a grant.
func (id *Identity) dynamic() bool { return id.Config.Login != nil || id.Config.OAuth2 != nil }

// Credential returns the identity's credential for a scheme, obtaining or
// refreshing a token first when needed. ok is false when the identity has
// nothing for that scheme.
func (id *Identity) Credential(ctx context.Context, scheme string) (config.Credential, bool, error) {
	if err := id.ensure(ctx); err != nil {
		return config.Credential{}, false, err
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	if t, ok := id.tokens[scheme]; ok {
		return config.Credential{Token: t, Value: t}, true, nil
	}
	c, ok := id.Config.Credentials[scheme]
	return c, ok, nil
}

// Has reports whether the identity can satisfy a scheme (without sending
// anything).
func (id *Identity) Has(scheme string) bool {
	if _, ok := id.Config.Credentials[scheme]; ok {
		return true
	}
	for _, s := range id.tokenSchemes() {
		if s == scheme {
			return true
		}
	}
	return false
}

// Satisfies reports whether the identity holds every scheme of r.
func (id *Identity) Satisfies(r spec.SecurityRequirement) bool {
	for _, s := range r.Schemes {
		if !id.Has(s.Name) {
			return false
		}
	}
	return true
}

// HasScopes reports whether the identity holds every scope r asks for.
// Identities that list no scopes are taken to hold whatever their token
// grants, so scope checks only apply when scopes are configured.
func (id *Identity) HasScopes(r spec.SecurityRequirement) bool {
	if len(id.Config.Scopes) == 0 {
		return true
	}
	held := map[string]bool{}
	for _, s := range id.Config.Scopes {
		held[s] = true
	}
	for _, s := range r.Schemes {
		for _, sc := range s.Scopes {
			if !held[sc] {
				return false
			}
		}
	}
	return true
}

// tokenSchemes are the schemes a login or grant token is used for.
func (id *Identity) tokenSchemes() []string {
	if o := id.Config.OAuth2; o != nil {
		return []string{o.Scheme}
	}
	l := id.Config.Login
	if l == nil {
		return nil
	}
	if len(l.Schemes) > 0 {
		return l.Schemes
	}
	var out []string
	for name, s := range id.doc.SecuritySchemes {
		if (s.Type == "http" && s.Scheme == "bearer") || s.Type == "oauth2" || s.Type == "openIdConnect" {
			out = append(out, name)
		}
	}
	return out
}

// Invalidate drops the current token so the next request obtains a new one
// (called when the API answers 401 to a request that carried it).
func (id *Identity) Invalidate() bool {
	if !id.dynamic() {
		return false
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	id.fetched = false
	return true
}

// Secrets lists every secret value the identity knows, for redaction.
func (id *Identity) Secrets() []string {
	id.mu.Lock()
	defer id.mu.Unlock()
	var out []string
	for _, c := range id.Config.Credentials {
		out = append(out, c.Token, c.Value, c.Password)
		if c.Username != "" {
			out = append(out, base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password)))
		}
	}
	for _, t := range id.tokens {
		out = append(out, t)
	}
	out = append(out, id.refresh)
	if o := id.Config.OAuth2; o != nil {
		out = append(out, o.ClientSecret, o.RefreshToken)
	}
	if l := id.Config.Login; l != nil {
		for _, v := range l.Form {
			out = append(out, v)
		}
		if m, ok := l.JSON.(map[string]any); ok {
			for k, v := range m {
				if s, ok := v.(string); ok && strings.Contains(strings.ToLower(k), "pass") {
					out = append(out, s)
				}
			}
		}
	}
	var clean []string
	for _, s := range out {
		if len(s) >= 4 {
			clean = append(clean, s)
		}
	}
	return clean
}

// ensure obtains a token when the identity uses a login or a grant and the
// current one is missing or about to expire.
func (id *Identity) ensure(ctx context.Context) error {
	if !id.dynamic() {
		return nil
	}
	id.mu.Lock()
	fresh := id.fetched && (id.expiry.IsZero() || id.now().Add(30*time.Second).Before(id.expiry))
	id.mu.Unlock()
	if fresh {
		return nil
	}
	var tok tokenResponse
	var err error
	if id.Config.OAuth2 != nil {
		tok, err = id.grant(ctx)
	} else {
		tok, err = id.login(ctx)
	}
	if err != nil {
		return fmt.Errorf("identity %s: %w", id.Name(), err)
	}
	id.mu.Lock()
	defer id.mu.Unlock()
	id.tokens = map[string]string{}
	for _, s := range id.tokenSchemes() {
		id.tokens[s] = tok.token
	}
	if tok.refresh != "" {
		id.refresh = tok.refresh
	}
	id.expiry = time.Time{}
	if tok.expiresIn > 0 {
		id.expiry = id.now().Add(tok.expiresIn)
	} else if exp, ok := JWTExpiry(tok.token); ok {
		id.expiry = exp
	}
	id.fetched = true
	id.Logins++
	return nil
}

type tokenResponse struct {
	token     string
	refresh   string
	expiresIn time.Duration
}

func (id *Identity) resolve(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bad URL %q: %w", raw, err)
	}
	return id.base.ResolveReference(u), nil
}

func (id *Identity) login(ctx context.Context) (tokenResponse, error) {
	l := id.Config.Login
	u, err := id.resolve(l.URL)
	if err != nil {
		return tokenResponse{}, err
	}
	method := strings.ToUpper(l.Method)
	if method == "" {
		method = http.MethodPost
	}
	var body io.Reader
	ctype := ""
	switch {
	case l.JSON != nil:
		b, err := json.Marshal(l.JSON)
		if err != nil {
			return tokenResponse{}, fmt.Errorf("login body: %w", err)
		}
		body, ctype = bytes.NewReader(b), "application/json"
	case len(l.Form) > 0:
		f := url.Values{}
		for k, v := range l.Form {
			f.Set(k, v)
		}
		body, ctype = strings.NewReader(f.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return tokenResponse{}, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range l.Headers {
		req.Header.Set(k, v)
	}
	b, err := id.send(req, "login")
	if err != nil {
		return tokenResponse{}, err
	}
	paths := [3]string{l.Token, l.RefreshToken, l.ExpiresIn}
	defaults := [3]string{"$.access_token", "$.refresh_token", "$.expires_in"}
	var vals [3]string
	for i := range paths {
		p := paths[i]
		if p == "" {
			p = defaults[i]
		}
		v, err := Extract(b, p)
		if err != nil && (i == 0 || paths[i] != "") {
			return tokenResponse{}, fmt.Errorf("login response: %w", err)
		}
		vals[i] = v
	}
	tr := tokenResponse{token: vals[0], refresh: vals[1]}
	if n, err := strconv.ParseFloat(vals[2], 64); err == nil && n > 0 {
		tr.expiresIn = time.Duration(n * float64(time.Second))
	}
	return tr, nil
}

func (id *Identity) grant(ctx context.Context) (tokenResponse, error) {
	o := id.Config.OAuth2
	raw := o.TokenURL
	if raw == "" {
		if s := id.doc.SecuritySchemes[o.Scheme]; s != nil {
			raw = config.TokenURL(s, o.Grant)
		}
	}
	u, err := id.resolve(raw)
	if err != nil {
		return tokenResponse{}, err
	}
	f := url.Values{}
	id.mu.Lock()
	refresh := id.refresh
	id.mu.Unlock()
	if o.Grant == "refresh_token" || (refresh != "" && id.Logins > 0) {
		f.Set("grant_type", "refresh_token")
		f.Set("refresh_token", refresh)
	} else {
		f.Set("grant_type", "client_credentials")
	}
	if len(o.Scopes) > 0 {
		f.Set("scope", strings.Join(o.Scopes, " "))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(f.Encode()))
	if err != nil {
		return tokenResponse{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if o.ClientID != "" {
		req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	}
	b, err := id.send(req, "token request")
	if err != nil {
		return tokenResponse{}, err
	}
	var resp struct {
		AccessToken  string      `json:"access_token"`
		RefreshToken string      `json:"refresh_token"`
		ExpiresIn    json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &resp); err != nil || resp.AccessToken == "" {
		return tokenResponse{}, errors.New("token response has no access_token")
	}
	tr := tokenResponse{token: resp.AccessToken, refresh: resp.RefreshToken}
	if n, err := resp.ExpiresIn.Float64(); err == nil && n > 0 {
		tr.expiresIn = time.Duration(n * float64(time.Second))
	}
	return tr, nil
}

func (id *Identity) send(req *http.Request, what string) ([]byte, error) {
	resp, err := id.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: reading response: %w", what, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("%s %s %s answered %d", what, req.Method, req.URL.Redacted(), resp.StatusCode)
	}
	return b, nil
}

// Extract evaluates a JSONPath expression on a JSON document and returns
// the first match as a string.
func Extract(body []byte, expr string) (string, error) {
	p, err := jsonpath.NewPath(expr)
	if err != nil {
		return "", fmt.Errorf("JSONPath %q: %w", expr, err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(body, &root); err != nil {
		return "", fmt.Errorf("body is not JSON: %w", err)
	}
	nodes := p.Query(&root)
	if len(nodes) == 0 || nodes[0].Kind != yaml.ScalarNode || nodes[0].Value == "" {
		return "", fmt.Errorf("JSONPath %q matched nothing", expr)
	}
	return nodes[0].Value, nil
}

// Place puts a credential for scheme s on a request.
func Place(req *http.Request, s *spec.SecurityScheme, c config.Credential) {
	switch s.Type {
	case "http":
		switch s.Scheme {
		case "basic":
			req.SetBasicAuth(c.Username, c.Password)
		default:
			req.Header.Set("Authorization", "Bearer "+firstNonEmpty(c.Token, c.Value))
		}
	case "oauth2", "openIdConnect":
		req.Header.Set("Authorization", "Bearer "+firstNonEmpty(c.Token, c.Value))
	case "apiKey":
		v := firstNonEmpty(c.Value, c.Token)
		switch s.In {
		case "header":
			req.Header.Set(s.ParamName, v)
		case "query":
			q := req.URL.Query()
			q.Set(s.ParamName, v)
			req.URL.RawQuery = q.Encode()
		case "cookie":
			req.AddCookie(&http.Cookie{Name: s.ParamName, Value: v})
		}
	}
}

// Apply puts the identity's credentials for every scheme of r on req,
// except the scheme named omit.
func (id *Identity) Apply(ctx context.Context, req *http.Request, r spec.SecurityRequirement, omit string) error {
	for _, sr := range r.Schemes {
		if sr.Name == omit {
			continue
		}
		s := id.doc.SecuritySchemes[sr.Name]
		if s == nil {
			continue
		}
		c, ok, err := id.Credential(ctx, sr.Name)
		if err != nil {
			return err
		}
		if ok {
			Place(req, s, c)
		}
	}
	return nil
}

func firstNonEmpty(a ...string) string {
	for _, s := range a {
		if s != "" {
			return s
		}
	}
	return ""
}
