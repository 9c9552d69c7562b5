// Package spec loads OpenAPI 2.0, 3.0, 3.1 and 3.2 definitions into one
// normalised contract model shared by the audit, the scanner and the firewall.
//
// Parsing, version detection and reference indexing are done by libopenapi;
// on top of that the package keeps each file as a generic JSON tree (so every
// node has an exact RFC 6901 pointer and a line/column), normalises Swagger
// 2.0 into the 3.x shape, and compiles schemas into request and response
// views with santhosh-tekuri/jsonschema (see compile.go).
package spec

import (
	"slices"
	"strconv"
	"strings"
)

// Family is the major.minor line of the OpenAPI specification.
type Family string

const (
	Swagger20 Family = "2.0"
	OpenAPI30 Family = "3.0"
	OpenAPI31 Family = "3.1"
	OpenAPI32 Family = "3.2"
)

// Document is the normalised contract.
type Document struct {
	// Path is the root file as the user named it ("-" for stdin).
	Path    string
	Version string // the literal openapi/swagger field, e.g. "3.0.3"
	Family  Family
	Title   string
	// APIVersion is info.version.
	APIVersion string

	Servers         []Server
	SecuritySchemes map[string]*SecurityScheme
	// Security is the global requirement list. Nil when the document has no
	// top-level security field; empty (non-nil) for an explicit `security: []`.
	Security   []SecurityRequirement
	Operations []*Operation
	Webhooks   []*Operation
	// Callbacks are the requests the API itself sends to callback URLs
	// (3.x callbacks), with their path set to the runtime expression.
	Callbacks  []*Operation
	Extensions map[string]any

	// Problems are structural problems (unresolvable $ref, invalid fields,
	// unsupported regular expressions). A document with any problem of
	// severity "error" is not valid, but is still modelled as far as possible.
	Problems []Problem

	files   *fileSet
	options Options
	views   [2]*viewCompiler
}

// Valid reports whether the definition has no structural errors.
func (d *Document) Valid() bool {
	for _, p := range d.Problems {
		if p.Error {
			return false
		}
	}
	return true
}

// Problem is a structural problem found while loading.
type Problem struct {
	// Code is a stable kebab-case identifier, e.g. "unresolved-ref".
	Code    string
	Message string
	Loc     Location
	// Error marks problems that make the definition invalid; the others are
	// warnings (e.g. a pattern the RE2 engine cannot compile).
	Error bool
	// Missing names the properties the structure check found missing at
	// Loc, when that is all it found there: the audit drops such a problem
	// when a specific rule reports the same missing schema with a fix.
	Missing []string
}

// Location is a node in one of the definition's files.
type Location struct {
	File    string // display path of the file
	Pointer string // RFC 6901 pointer inside that file
	Line    int
	Column  int
}

func (l Location) String() string {
	if l.Line > 0 {
		return l.File + ":" + itoa(l.Line) + ":" + itoa(l.Column)
	}
	if l.Pointer != "" {
		return l.File + "#" + l.Pointer
	}
	return l.File
}

func itoa(n int) string { return strconv.Itoa(n) }

// Server is a server URL, with Swagger 2.0 host/basePath/schemes folded in.
type Server struct {
	URL       string
	Variables map[string]ServerVariable
	Ref       NodeRef
}

// UndeclaredVariables returns the names the URL template uses that
// Variables does not declare, in order of use: such a URL cannot be
// resolved (its base path keeps the braces, and no request matches it).
func (s Server) UndeclaredVariables() []string {
	var out []string
	rest := s.URL
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return out
		}
		name := rest[i+1 : i+j]
		if _, ok := s.Variables[name]; !ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
		rest = rest[i+j+1:]
	}
}

// ServerVariable is one variable of a templated server URL.
type ServerVariable struct {
	Default string
	Enum    []string
}

// Resolve is the server URL with each variable replaced by its value in
// values, or else by its default: what a client that picks nothing (or
// picks those values) connects to. Names without a variable stay as
// written.
func (s Server) Resolve(values map[string]string) string {
	u := s.URL
	for name, v := range s.Variables {
		val, ok := values[name]
		if !ok {
			val = v.Default
		}
		u = strings.ReplaceAll(u, "{"+name+"}", val)
	}
	return u
}

// BasePath is the path part of the server URL ("/v1"), without a trailing
// slash; empty when the server has no path. Variables are substituted
// first: a variable may hold the scheme and host ("{baseUrl}/v1" with
// default "https://api.example.com"), and what it holds is not a path.
// A scheme-relative URL ("//api.example.com/v1") has a host too.
func (s Server) BasePath() string {
	u := s.Resolve(nil)
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		u = u[:i]
	}
	host := false
	if i := strings.Index(u, "://"); i >= 0 && !strings.Contains(u[:i], "/") {
		u, host = u[i+3:], true
	} else if rest, ok := strings.CutPrefix(u, "//"); ok {
		u, host = rest, true
	}
	if host {
		if j := strings.IndexByte(u, '/'); j >= 0 {
			u = u[j:]
		} else {
			u = ""
		}
	}
	// "https://host/{basePath}" with basePath "/api/v1" (Red Hat's
	// definitions write it so) means /api/v1, not a path with an empty
	// first segment, which no router matches.
	for strings.Contains(u, "//") {
		u = strings.ReplaceAll(u, "//", "/")
	}
	return strings.TrimRight(u, "/")
}

// SecurityScheme is a security scheme (securitySchemes in 3.x,
// securityDefinitions in 2.0, normalised to the 3.x vocabulary: 2.0 "basic"
// becomes type "http" with scheme "basic").
type SecurityScheme struct {
	Name             string
	Type             string // apiKey, http, oauth2, openIdConnect, mutualTLS
	Scheme           string // for http: basic, bearer, digest, ... (lower-case)
	BearerFormat     string
	In               string // for apiKey: query, header, cookie
	ParamName        string // for apiKey: the header/query/cookie name
	OpenIDConnectURL string
	// Flows by 3.x name: implicit, password, clientCredentials,
	// authorizationCode (2.0 application/accessCode are renamed).
	Flows      map[string]*OAuthFlow
	Extensions map[string]any
	Ref        NodeRef
}

// OAuthFlow is one OAuth2 flow.
type OAuthFlow struct {
	AuthorizationURL string
	TokenURL         string
	RefreshURL       string
	Scopes           map[string]string
	Ref              NodeRef
}

// SecurityRequirement is one security requirement object: every scheme in it
// must be satisfied (AND). A list of requirements is satisfied when any one
// of them is (OR). An empty requirement means anonymous access is allowed.
type SecurityRequirement struct {
	Schemes []SchemeRequirement
	Ref     NodeRef
}

// SchemeRequirement names a scheme and the scopes (or roles) it needs.
type SchemeRequirement struct {
	Name   string
	Scopes []string
}

// Operation is one method on one path.
type Operation struct {
	Method      string // upper case
	Path        string // the path template as written in the spec
	OperationID string
	Summary     string
	Tags        []string
	Deprecated  bool
	// Parameters merges path-level and operation-level parameters; the
	// operation's win on (name, in).
	Parameters  []*Parameter
	RequestBody *RequestBody
	// Responses by status code as written ("200", "4XX", "default"), sorted.
	Responses []*Response
	// Security is the effective requirement list: the operation's own when
	// it declares one, else the global one. SecurityDeclared tells which.
	Security         []SecurityRequirement
	SecurityDeclared bool
	Servers          []Server
	Extensions       map[string]any
	PathExtensions   map[string]any
	Links            map[string]NodeRef
	Callbacks        bool
	// CallbackOf is "operationKey callbackName" for a callback operation.
	CallbackOf string
	Ref        NodeRef
	PathRef    NodeRef
}

// Key is "METHOD /path", the operation's identity in reports.
func (o *Operation) Key() string { return o.Method + " " + o.Path }

// IsSecured reports whether anonymous access is impossible.
func (o *Operation) IsSecured() bool {
	if len(o.Security) == 0 {
		return false
	}
	for _, r := range o.Security {
		if len(r.Schemes) == 0 {
			return false
		}
	}
	return true
}

// Response returns the response object for a status code, falling back to
// the nXX range and then to default.
func (o *Operation) Response(status int) *Response {
	code := itoa3(status)
	rng := code[:1] + "XX"
	var byRange, def *Response
	for _, r := range o.Responses {
		switch strings.ToUpper(r.Code) {
		case code:
			return r
		case rng:
			byRange = r
		case "DEFAULT":
			def = r
		}
	}
	if byRange != nil {
		return byRange
	}
	return def
}

func itoa3(n int) string {
	if n < 100 || n > 999 {
		return "000"
	}
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// Parameter is a path, query, header or cookie parameter. Swagger 2.0 body
// and formData parameters become the RequestBody instead.
type Parameter struct {
	Name          string
	In            string // path, query, header, cookie
	Required      bool
	Style         string // normalised: simple, form, label, matrix, spaceDelimited, pipeDelimited, deepObject
	Explode       bool
	AllowReserved bool
	AllowEmpty    bool
	Deprecated    bool
	Schema        *Schema // nil when the parameter uses content or has no schema
	Content       map[string]*MediaType
	Extensions    map[string]any
	Ref           NodeRef // where the parameter object is defined
}

// MultiSegment reports a path parameter whose value spans segments, as
// GitHub's definition marks its file paths and git refs with
// x-multi-segment: true (contents/{path} for contents/docs/readme.md).
// OpenAPI itself has no such parameter; routers that serve these APIs
// match the rest of the path there. (Azure's x-ms-skip-url-encoding means
// the same for its resource IDs, but its definitions put such parameters
// at the root of a path, /{applicationId}, where they would take every
// path the definition's other templates do not: not read so yet.)
func (p *Parameter) MultiSegment() bool {
	b, _ := p.Extensions["x-multi-segment"].(bool)
	return b && p.In == "path"
}

// Ignored reports a header parameter named Accept, Content-Type or
// Authorization, which OpenAPI says "SHALL be ignored": those headers are
// described by the responses' and request body's media types and by the
// security schemes.
func (p *Parameter) Ignored() bool {
	if p.In != "header" {
		return false
	}
	switch strings.ToLower(p.Name) {
	case "accept", "content-type", "authorization":
		return true
	}
	return false
}

// RequestBody is the request body by media type.
type RequestBody struct {
	Required bool
	Content  map[string]*MediaType
	Ref      NodeRef
}

// MediaType is one entry of a content map.
type MediaType struct {
	Name     string
	Schema   *Schema
	Encoding map[string]Encoding
	Ref      NodeRef
}

// Encoding is the per-property encoding of form bodies.
type Encoding struct {
	ContentType string
	Style       string
	Explode     *bool
}

// Response is one declared response.
type Response struct {
	Code        string
	Description string
	Headers     map[string]*Header
	Content     map[string]*MediaType
	Links       map[string]NodeRef
	Ref         NodeRef
}

// Header is a declared response (or encoding) header.
type Header struct {
	Name     string
	Required bool
	Schema   *Schema
	Ref      NodeRef
}

// NodeRef identifies a node in one of the definition's files.
type NodeRef struct {
	File    string // key of the file in the document's file set (absolute path or "<stdin>")
	Pointer string
}

// Schema is a schema occurrence. Ref is where its node is (when the node
// itself is a {$ref: ...}, Ref is where that $ref is written; Resolve
// follows it). Synthetic schemas are built by the loader for Swagger 2.0
// non-body parameters, form bodies and headers; their Ref points at the
// object they were derived from.
type Schema struct {
	Ref       NodeRef
	Value     any
	Synthetic bool
	id        int // index in the synthetic list, for compilation
}

// ExpandTemplate returns the path template with each variable replaced by
// value(i, name), i counting the variables from 0 in the order they appear
// ("/users/{userId}/orders/{id}" with "u1", "o1": "/users/u1/orders/o1").
// An unclosed brace is kept as text.
func ExpandTemplate(tpl string, value func(i int, name string) string) string {
	var b strings.Builder
	for n := 0; ; n++ {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(tpl[:i])
		b.WriteString(value(n, tpl[i+1:i+j]))
		tpl = tpl[i+j+1:]
	}
	b.WriteString(tpl)
	return b.String()
}

// TemplateNames returns the names of a path template's variables in the
// order they appear ("/users/{userId}/orders/{id}": userId, id). The
// firewall's router and the scanner both read templates this way.
func TemplateNames(tpl string) []string {
	var out []string
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			return out
		}
		out = append(out, tpl[i+1:i+j])
		tpl = tpl[i+j+1:]
	}
}
