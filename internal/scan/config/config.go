// Package config reads and validates the scan configuration file: the
// identities the scanner acts as, per-operation overrides, shared variables
// and scope settings. String values may reference environment variables
// as ${NAME} (or ${NAME:-default}), so secrets stay out of the file.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/smallfile"
	"github.com/rampart-sec/rampart/internal/spec"
	"gopkg.in/yaml.v3"
)

// Config is the whole file.
type Config struct {
	// Target is the base URL of the API; --target overrides it.
	Target string `yaml:"target"`
	// AuthOrigins are extra origins (scheme://host:port) the scanner may
	// call, for identity providers only.
	AuthOrigins []string             `yaml:"auth_origins"`
	Rate        float64              `yaml:"rate"`
	Timeout     Duration             `yaml:"timeout"`
	Identities  []Identity           `yaml:"identities"`
	JWT         JWT                  `yaml:"jwt"`
	Operations  map[string]Operation `yaml:"operations"`
	// Variables are values for parameters by name, shared by every
	// operation (e.g. an existing tenant id).
	Variables map[string]any `yaml:"variables"`
	// WeakSecrets extends the built-in dictionary of weak HMAC secrets.
	WeakSecrets []string `yaml:"weak_secrets"`
	// Scenarios are user-defined request sequences with assertions.
	Scenarios []Scenario `yaml:"scenarios"`
	// RateLimit opts in to the burst that expects a 429.
	RateLimit *RateLimit `yaml:"rate_limit"`
	// MaxResponseBytes is how much of a response body the scan reads
	// (nil: DefaultMaxResponseBytes). A longer body is not validated, and
	// the report says so: an API whose answers are larger raises it. A
	// pointer, so that a written 0 is refused rather than read as unset.
	MaxResponseBytes *int64 `yaml:"max_response_bytes"`

	// root is the parsed file, kept so that Validate can say on which
	// line a problem is, and path the file's name (Load).
	root *yaml.Node
	path string
}

// Bounds of max_response_bytes. The default keeps a hostile target from
// making its answers the scan's memory; the limit bounds what a
// configuration can ask for, since the scan keeps the happy path's answer
// of every operation.
const (
	DefaultMaxResponseBytes = 1 << 20
	MaxResponseBytesLimit   = 64 << 20
)

// Duration is a time.Duration written as "10s".
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (e.g. 10s, 1m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// Identity is one caller the scanner acts as.
type Identity struct {
	Name  string   `yaml:"name"`
	Roles []string `yaml:"roles"`
	// Scopes are the OAuth scopes (or roles) this identity holds, matched
	// against the scopes operations require.
	Scopes []string `yaml:"scopes"`
	// Credentials by security scheme name.
	Credentials map[string]Credential `yaml:"credentials"`
	Login       *Login                `yaml:"login"`
	OAuth2      *OAuth2               `yaml:"oauth2"`
}

// HasRole reports whether the identity has role r.
func (i Identity) HasRole(r string) bool {
	for _, x := range i.Roles {
		if strings.EqualFold(x, r) {
			return true
		}
	}
	return false
}

// Credential is a static credential for one scheme: Token for bearer,
// OAuth2 and OpenID Connect schemes, Value for API keys (header, query or
// cookie, including session cookies), Username/Password for basic.
type Credential struct {
	Token    string `yaml:"token"`
	Value    string `yaml:"value"`
	Username string `yaml:"username"`
	Password string `yaml:"password"`
}

// Login is a request that returns a token.
type Login struct {
	Method  string            `yaml:"method"`
	URL     string            `yaml:"url"`
	Headers map[string]string `yaml:"headers"`
	JSON    any               `yaml:"json"`
	Form    map[string]string `yaml:"form"`
	// Token, RefreshToken and ExpiresIn are JSONPath expressions into the
	// response body (default $.access_token, $.refresh_token,
	// $.expires_in).
	Token        string `yaml:"token"`
	RefreshToken string `yaml:"refresh_token"`
	ExpiresIn    string `yaml:"expires_in"`
	// Schemes receive the token; default: every bearer, OAuth2 and OpenID
	// Connect scheme of the definition.
	Schemes []string `yaml:"schemes"`
}

// OAuth2 is a token grant against the scheme's tokenUrl.
type OAuth2 struct {
	Scheme       string   `yaml:"scheme"`
	Grant        string   `yaml:"grant"` // client_credentials or refresh_token
	TokenURL     string   `yaml:"token_url"`
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret"`
	Scopes       []string `yaml:"scopes"`
	RefreshToken string   `yaml:"refresh_token"`
}

// JWT configures the expired-token test.
type JWT struct {
	// ExpiredToken is a real token the API issued that has expired.
	ExpiredToken string `yaml:"expired_token"`
	// SigningKey lets the scanner craft an expired token itself.
	SigningKey *SigningKey `yaml:"signing_key"`
}

// SigningKey is an HMAC secret or a PEM private key.
type SigningKey struct {
	Alg     string `yaml:"alg"`
	Secret  string `yaml:"secret"`
	PEMFile string `yaml:"pem_file"`
	// KeyID is written as the token's kid header when set.
	KeyID string `yaml:"kid"`
}

// Operation overrides the scan of one operation, keyed "METHOD /path".
type Operation struct {
	Skip bool `yaml:"skip"`
	// Params are fixed parameter values by name.
	Params map[string]any `yaml:"params"`
	// Body is a fixed request body for the happy path.
	Body any `yaml:"body"`
	// Expect lists the status codes a successful happy path may return
	// (default: any 2xx).
	Expect []int `yaml:"expect"`
	// Roles restricts the operation to identities with one of these
	// roles; the others are used for the function-level authorization test.
	Roles []string `yaml:"roles"`
	// Identity runs the happy path as this identity.
	Identity string `yaml:"identity"`
	// BOLA false marks resources every identity may read (a public
	// catalogue), so the object-level authorization test skips them.
	BOLA *bool `yaml:"bola"`
}

// MaxFileSize bounds a scan configuration file: a real one is a few
// kilobytes, and without a bound `--config /dev/zero` was read until
// memory ran out.
const MaxFileSize = 4 << 20

// Load reads and parses a configuration file (no validation against a
// definition yet: see Validate).
func Load(path string) (*Config, error) {
	// Not os.ReadFile: a device or a named pipe is refused rather than
	// read forever, and the size is capped.
	b, err := smallfile.Read(path, MaxFileSize)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.path = path
	return c, nil
}

// Parse parses configuration text, expanding ${VAR} in string values.
func Parse(b []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	c := &Config{}
	if root.Kind == 0 {
		return c, nil
	}
	if err := expandNode(&root); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("re-encoding config: %w", err)
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil {
		return nil, fmt.Errorf("invalid config: %w", err)
	}
	// Lines and keys survive the re-encoding above only in root itself.
	c.root = &root
	return c, nil
}

// lineOf is the line of the node a problem's key path names
// ("identities[0].login.url", "operations.GET /v1/file.json.expect"), or
// of the deepest node of that path the file has (a required key that is
// missing is placed at its parent); 0 when the file has none of it.
func (c *Config) lineOf(path string) int {
	if c.root == nil || len(c.root.Content) == 0 {
		return 0
	}
	n, line, rest := c.root.Content[0], 0, path
	for rest != "" {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch {
		case rest[0] == '.':
			rest = rest[1:]
		case rest[0] == '[':
			end := strings.IndexByte(rest, ']')
			if end < 0 || n.Kind != yaml.SequenceNode {
				return line
			}
			i, err := strconv.Atoi(rest[1:end])
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n, line, rest = n.Content[i], n.Content[i].Line, rest[end+1:]
		default:
			if n.Kind != yaml.MappingNode {
				return line
			}
			// Keys may hold dots, spaces and brackets (operation keys
			// are "METHOD /path"): take the longest key the path goes on
			// from.
			best := -1
			for j := 0; j+1 < len(n.Content); j += 2 {
				k := n.Content[j].Value
				if !strings.HasPrefix(rest, k) || (len(rest) > len(k) && rest[len(k)] != '.' && rest[len(k)] != '[') {
					continue
				}
				if best < 0 || len(k) > len(n.Content[best].Value) {
					best = j
				}
			}
			if best < 0 {
				return line
			}
			line, rest = n.Content[best].Line, rest[len(n.Content[best].Value):]
			n = n.Content[best+1]
		}
	}
	return line
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expandNode substitutes environment variables in scalar values only, so
// a variable's content can never change the structure of the file.
func expandNode(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${") {
		var missing []string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			sub := envRef.FindStringSubmatch(m)
			if v, ok := os.LookupEnv(sub[1]); ok {
				return v
			}
			if sub[2] != "" {
				return sub[3]
			}
			missing = append(missing, sub[1])
			return ""
		})
		if len(missing) > 0 {
			return fmt.Errorf("line %d: environment variable %s is not set", n.Line, strings.Join(missing, ", "))
		}
		// An expanded value is always a string, whatever it looks like.
		if n.Tag == "" || n.Tag == "!!int" || n.Tag == "!!bool" || n.Tag == "!!float" {
			n.Tag = "!!str"
		}
		n.Style = yaml.DoubleQuotedStyle
	}
	for _, c := range n.Content {
		if err := expandNode(c); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks the configuration against the definition and returns
// every problem found, one per line.
func (c *Config) Validate(doc *spec.Document) error {
	type problem struct {
		line int
		msg  string
	}
	var problems []problem
	// Every problem opens with the key path it is about; the file's line
	// of that key goes in front, and the list is in the file's order.
	bad := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		line := 0
		if path, _, ok := strings.Cut(msg, ": "); ok {
			if line = c.lineOf(path); line > 0 {
				msg = fmt.Sprintf("line %d: %s", line, msg)
			}
		}
		problems = append(problems, problem{line, msg})
	}
	if c.Target != "" {
		if err := CheckBaseURL(c.Target); err != nil {
			bad("target: %v", err)
		}
	}
	for i, o := range c.AuthOrigins {
		if err := CheckBaseURL(o); err != nil {
			bad("auth_origins[%d]: %v", i, err)
		}
	}
	if c.Rate < 0 || c.Rate != c.Rate {
		bad("rate: must be positive")
	}
	if c.Timeout < 0 {
		bad("timeout: must be positive")
	}
	if n := c.MaxResponseBytes; n != nil && (*n < 1 || *n > MaxResponseBytesLimit) {
		bad("max_response_bytes: must be between 1 and %d (64 MiB); leave it out for the default, 1 MiB", MaxResponseBytesLimit)
	}
	schemeNames := make([]string, 0, len(doc.SecuritySchemes))
	for n := range doc.SecuritySchemes {
		schemeNames = append(schemeNames, n)
	}
	sort.Strings(schemeNames)
	knownScheme := func(where, name string) {
		if _, ok := doc.SecuritySchemes[name]; !ok {
			have := strings.Join(schemeNames, ", ")
			if have == "" {
				have = "the definition declares none"
			}
			bad("%s: no security scheme named %q (have: %s)", where, name, have)
		}
	}
	names := map[string]bool{}
	for i, id := range c.Identities {
		where := fmt.Sprintf("identities[%d]", i)
		if id.Name == "" {
			bad("%s.name: required", where)
		} else if names[id.Name] {
			bad("%s.name: duplicate identity %q", where, id.Name)
		}
		names[id.Name] = true
		keys := make([]string, 0, len(id.Credentials))
		for k := range id.Credentials {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			knownScheme(where+".credentials."+k, k)
			cr := id.Credentials[k]
			if s := doc.SecuritySchemes[k]; s != nil {
				switch {
				case s.Type == "http" && s.Scheme == "basic":
					if cr.Username == "" {
						bad("%s.credentials.%s: basic scheme needs username (and password)", where, k)
					}
				case s.Type == "apiKey":
					if cr.Value == "" {
						bad("%s.credentials.%s: API key scheme needs value", where, k)
					}
				default:
					if cr.Token == "" {
						bad("%s.credentials.%s: %s scheme needs token", where, k, s.Type)
					}
				}
			}
		}
		if l := id.Login; l != nil {
			if l.URL == "" {
				bad("%s.login.url: required", where)
			}
			if l.JSON != nil && len(l.Form) > 0 {
				bad("%s.login: json and form are exclusive", where)
			}
			for _, s := range l.Schemes {
				knownScheme(where+".login.schemes", s)
			}
		}
		if o := id.OAuth2; o != nil {
			knownScheme(where+".oauth2.scheme", o.Scheme)
			switch o.Grant {
			case "client_credentials":
				if o.ClientID == "" {
					bad("%s.oauth2.client_id: required for client_credentials", where)
				}
			case "refresh_token":
				if o.RefreshToken == "" {
					bad("%s.oauth2.refresh_token: required for the refresh_token grant", where)
				}
			default:
				bad("%s.oauth2.grant: %q is not supported (client_credentials or refresh_token)", where, o.Grant)
			}
			if o.TokenURL == "" {
				if s := doc.SecuritySchemes[o.Scheme]; s != nil && tokenURL(s, o.Grant) == "" {
					bad("%s.oauth2.token_url: the scheme %q declares no tokenUrl; set one", where, o.Scheme)
				}
			}
		}
		if len(id.Credentials) == 0 && id.Login == nil && id.OAuth2 == nil {
			bad("%s: no credentials, login or oauth2", where)
		}
	}
	if k := c.JWT.SigningKey; k != nil {
		switch strings.ToUpper(k.Alg) {
		case "HS256", "HS384", "HS512":
			if k.Secret == "" {
				bad("jwt.signing_key.secret: required for %s", k.Alg)
			}
		case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EDDSA":
			if k.PEMFile == "" {
				bad("jwt.signing_key.pem_file: required for %s", k.Alg)
			}
		default:
			bad("jwt.signing_key.alg: %q is not a supported JWS algorithm", k.Alg)
		}
	}
	c.validateScenarios(names, bad)
	ops := map[string]bool{}
	for _, op := range doc.Operations {
		ops[op.Key()] = true
	}
	keys := make([]string, 0, len(c.Operations))
	for k := range c.Operations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o := c.Operations[k]
		if !ops[normalizeKey(k)] {
			bad("operations.%s: not an operation of the definition (write \"METHOD /path\" as in the definition)", k)
		}
		for _, s := range o.Expect {
			if s < 100 || s > 599 {
				bad("operations.%s.expect: %d is not an HTTP status", k, s)
			}
		}
		if o.Identity != "" && !names[o.Identity] {
			bad("operations.%s.identity: no identity named %q", k, o.Identity)
		}
	}
	if rl := c.RateLimit; rl != nil && rl.Operation != "" && !ops[normalizeKey(rl.Operation)] {
		bad("rate_limit.operation: %q is not an operation of the definition", rl.Operation)
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool { return problems[i].line < problems[j].line })
		errs := make([]string, len(problems))
		for i, p := range problems {
			errs[i] = p.msg
		}
		file := ""
		if c.path != "" {
			file = c.path + ": "
		}
		return errors.New(file + "invalid config:\n  " + strings.Join(errs, "\n  "))
	}
	return nil
}

// Op returns the override for an operation key.
func (c *Config) Op(key string) Operation {
	if c == nil {
		return Operation{}
	}
	for k, o := range c.Operations {
		if normalizeKey(k) == key {
			return o
		}
	}
	return Operation{}
}

func normalizeKey(k string) string {
	m, p, ok := strings.Cut(strings.TrimSpace(k), " ")
	if !ok {
		return k
	}
	return strings.ToUpper(m) + " " + strings.TrimSpace(p)
}

// tokenURL is the token endpoint a grant uses by default.
func tokenURL(s *spec.SecurityScheme, grant string) string {
	if f := s.Flows["clientCredentials"]; f != nil && grant == "client_credentials" {
		return f.TokenURL
	}
	for _, name := range []string{"clientCredentials", "authorizationCode", "password"} {
		if f := s.Flows[name]; f != nil {
			if grant == "refresh_token" && f.RefreshURL != "" {
				return f.RefreshURL
			}
			if f.TokenURL != "" {
				return f.TokenURL
			}
		}
	}
	return ""
}

// TokenURL is tokenURL for other packages.
func TokenURL(s *spec.SecurityScheme, grant string) string { return tokenURL(s, grant) }

// CheckBaseURL reports why s cannot be a URL the scan sends requests to:
// not an absolute http or https URL, no host (Go would dial "http://:8080"
// on the local machine), a port outside 1-65535 (caught otherwise only
// when every request fails, as an unreachable target), or credentials in
// it (Go would send them as Basic auth with every request, and reports
// and curl commands would print them; identities carry credentials). The
// error quotes s with any password masked.
func CheckBaseURL(s string) error {
	if !strings.Contains(s, "://") && !strings.HasPrefix(s, "http:") && !strings.HasPrefix(s, "https:") {
		// 127.0.0.1:8000 does not parse, and localhost:8000 parses as
		// scheme "localhost": say what is missing rather than either.
		shown := maskPassword(s)
		return fmt.Errorf("%q has no scheme: write http://%s or https://%s", shown, shown, shown)
	}
	u, err := url.Parse(s)
	if err != nil {
		// url.Error quotes s whole, password included: only its reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("%q is not a URL: %w", maskPassword(s), err)
	}
	shown := u.Redacted()
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q: want an http or https URL", shown)
	case u.Opaque != "" || u.Hostname() == "":
		return fmt.Errorf("%q: no host", shown)
	case u.User != nil:
		return fmt.Errorf("%q: credentials in the URL are not supported (they would go with every request and into the report); give them to an identity (basicAuth, login)", shown)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: port %s is out of range (1-65535)", shown, p)
		}
	}
	return nil
}

// maskPassword hides what follows the first ':' of the user information
// of a URL that does not parse, where url.URL.Redacted cannot help.
func maskPassword(s string) string {
	rest := s
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	auth := rest
	if i := strings.IndexAny(auth, "/?#"); i >= 0 {
		auth = auth[:i]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return s
	}
	colon := strings.Index(auth[:at], ":")
	if colon < 0 {
		return s
	}
	start := len(s) - len(rest)
	return s[:start+colon+1] + "xxxxx" + s[start+at:]
}
