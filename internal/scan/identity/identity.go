// Package identity holds the callers a scan acts as: static credentials,
// tokens obtained by a login request or an OAuth2 grant, and their refresh
// on expiry or when the API answers 401.
package identity

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	yaml "github.com/pb33f/go-yaml"
	"github.com/pb33f/jsonpath/pkg/jsonpath"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
	"golang.org/x/net/http/httpguts"
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

	mu     sync.Mutex
	tokens map[string]string // scheme name -> token obtained by login/grant
	expiry time.Time
	// margin is how long before expiry the token is renewed: 30 s, or half
	// the token's lifetime when that is shorter, so a token that lives 10 s
	// is not renewed before every request.
	margin  time.Duration
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
		if c.Username != "" && c.Password != "" {
			// The pair the Basic credentials encode: the redactor derives
			// its other base64 forms (URL alphabet, no padding, inside a
			// longer encoded text), which a target echoing it may use.
			out = append(out, c.Username+":"+c.Password)
		}
	}
	for _, t := range id.tokens {
		out = append(out, t)
	}
	out = append(out, id.refresh)
	if o := id.Config.OAuth2; o != nil {
		out = append(out, o.ClientSecret, o.RefreshToken)
		if o.ClientID != "" && o.ClientSecret != "" {
			// The pair tokenRequest sends as Basic credentials.
			out = append(out, url.QueryEscape(o.ClientID)+":"+url.QueryEscape(o.ClientSecret))
		}
	}
	if l := id.Config.Login; l != nil {
		for _, v := range l.Form {
			out = append(out, v)
		}
		// Header values of a login request are credentials (an API key,
		// a client's basic auth); so are the values under secret-looking
		// names in its JSON body, at any depth.
		for _, v := range l.Headers {
			out = append(out, v)
		}
		out = append(out, SecretValues(l.JSON)...)
	}
	// Short ones too: the report redacts every secret, whatever its
	// length (as a whole value when it is short).
	var clean []string
	for _, s := range out {
		if s != "" {
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
	fresh := id.fetched && (id.expiry.IsZero() || id.now().Add(id.margin).Before(id.expiry))
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
	now := id.now()
	if tok.expiresIn > 0 {
		id.expiry = now.Add(tok.expiresIn)
	} else if exp, ok := JWTExpiry(tok.token); ok {
		id.expiry = exp
	}
	id.margin = renewMargin
	if life := id.expiry.Sub(now); !id.expiry.IsZero() && life/2 < id.margin {
		id.margin = max(life/2, 0)
	}
	id.fetched = true
	id.Logins++
	return nil
}

// renewMargin is how long before its expiry a token is renewed.
const renewMargin = 30 * time.Second

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
	id.mu.Lock()
	refresh, logins := id.refresh, id.Logins
	id.mu.Unlock()
	if o.Grant == "refresh_token" {
		return id.tokenRequest(ctx, u, "refresh_token", refresh)
	}
	if refresh != "" && logins > 0 {
		// A client_credentials identity whose server issued a refresh
		// token renews with it; when the server refuses it (revoked,
		// single use), the client credentials still work.
		tr, err := id.tokenRequest(ctx, u, "refresh_token", refresh)
		if err == nil {
			return tr, nil
		}
		id.mu.Lock()
		id.refresh = ""
		id.mu.Unlock()
	}
	return id.tokenRequest(ctx, u, "client_credentials", "")
}

// tokenRequest sends one OAuth2 token request (RFC 6749 sections 4.4 and
// 6), authenticating the client with HTTP Basic as section 2.3.1 asks.
func (id *Identity) tokenRequest(ctx context.Context, u *url.URL, grant, refresh string) (tokenResponse, error) {
	o := id.Config.OAuth2
	f := url.Values{}
	f.Set("grant_type", grant)
	if refresh != "" {
		f.Set("refresh_token", refresh)
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
		// Section 2.3.1: the id and secret are form-encoded before they
		// are joined, so a ':' in either survives.
		req.SetBasicAuth(url.QueryEscape(o.ClientID), url.QueryEscape(o.ClientSecret))
	}
	b, err := id.send(req, grant+" token request")
	if err != nil {
		return tokenResponse{}, err
	}
	var resp struct {
		AccessToken  string      `json:"access_token"`
		RefreshToken string      `json:"refresh_token"`
		ExpiresIn    json.Number `json:"expires_in"`
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return tokenResponse{}, fmt.Errorf("%s token response is not a JSON object: %s", grant, hint(b))
	}
	if resp.AccessToken == "" {
		// The keys only: the values of a token response are secrets.
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return tokenResponse{}, fmt.Errorf("%s token response has no access_token (keys: %s)", grant, strings.Join(keys, ", "))
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
		return nil, fmt.Errorf("%s %s %s answered %d: %s", what, req.Method, req.URL.Redacted(), resp.StatusCode, hint(b))
	}
	return b, nil
}

// hint is the start of a response body on one line, for error messages
// (the scan redacts known secrets in them before they are reported).
func hint(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if s == "" {
		return "(empty body)"
	}
	if len(s) > 120 {
		s = s[:120] + "..."
	}
	return s
}

// Extract evaluates a JSONPath expression on a JSON document and returns
// the first match as a string.
func Extract(body []byte, expr string) (string, error) {
	p, err := jsonpath.NewPath(expr)
	if err != nil {
		return "", fmt.Errorf("JSONPath %q: %w", expr, err)
	}
	// The JSONPath engine works on YAML nodes, and YAML would accept text
	// that is not JSON (an HTML error page parses as one scalar), so the
	// body is checked as JSON first.
	if !json.Valid(body) {
		return "", fmt.Errorf("body is not JSON: %s", hint(body))
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
			// Appended to the query as written, not re-encoded, so the
			// other parameters keep their style (deepObject brackets,
			// %20 and | delimiters); an earlier value for the key goes.
			var kept []string
			for _, kv := range strings.Split(req.URL.RawQuery, "&") {
				k, _, _ := strings.Cut(kv, "=")
				if kv == "" {
					continue
				}
				if name, err := url.QueryUnescape(k); err == nil && name == s.ParamName {
					continue
				}
				kept = append(kept, kv)
			}
			kept = append(kept, url.QueryEscape(s.ParamName)+"="+url.QueryEscape(v))
			req.URL.RawQuery = strings.Join(kept, "&")
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
		if s.Type == "apiKey" && s.In == "header" && !httpguts.ValidHeaderFieldName(s.ParamName) {
			// No request can carry it ("ADVICEment API Key"): said
			// plainly, not left to the transport, whose refusal would
			// read as a target that does not answer.
			return fmt.Errorf("security scheme %s: its header name %q is not a valid HTTP field name, so no request can carry the key", sr.Name, s.ParamName)
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

// secretNames are parts of field names whose values are treated as
// secrets wherever the configuration gives them.
var secretNames = []string{"pass", "secret", "token", "key", "credential", "auth", "pin", "otp", "cookie", "session"}

// SecretName reports whether a field name looks like it holds a secret.
func SecretName(name string) bool {
	ln := strings.ToLower(name)
	for _, n := range secretNames {
		if strings.Contains(ln, n) {
			return true
		}
	}
	return false
}

// SecretValues collects the string values under secret-looking names in a
// configured body or parameter map, at any depth: login bodies here, and
// the scanner's operation overrides.
func SecretValues(v any) []string { return secretValues(v, false) }

func secretValues(v any, secret bool) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			out = append(out, secretValues(c, secret || SecretName(k))...)
		}
	case []any:
		for _, c := range x {
			out = append(out, secretValues(c, secret)...)
		}
	case string:
		if secret {
			out = append(out, x)
		}
	case json.Number:
		if secret {
			out = append(out, string(x))
		}
	case int:
		if secret {
			out = append(out, strconv.Itoa(x))
		}
	case int64:
		if secret {
			out = append(out, strconv.FormatInt(x, 10))
		}
	case uint64:
		if secret {
			out = append(out, strconv.FormatUint(x, 10))
		}
	case float64:
		// A PIN written as a number (pin: 1234) is sent as one.
		if secret {
			out = append(out, strconv.FormatFloat(x, 'f', -1, 64))
		}
	}
	return out
}
