// Package plan compiles a contract into what the firewall's hot path needs:
// a router, per-parameter decoders, and the compiled request and response
// schemas of every operation. Nothing in the spec is parsed per request.
package plan

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/params"
	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Mode is how strictly a direction of an operation is enforced, from the
// least to the most strict.
type Mode int

const (
	Off Mode = iota
	Monitor
	Strip // responses only: undeclared properties are removed
	Block
)

func (m Mode) String() string {
	switch m {
	case Off:
		return "off"
	case Monitor:
		return "monitor"
	case Strip:
		return "strip"
	}
	return "block"
}

// ParseMode reads a mode name; forResponse admits strip and off.
func ParseMode(s string, forResponse bool) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "block":
		return Block, nil
	case "monitor":
		return Monitor, nil
	case "strip":
		if forResponse {
			return Strip, nil
		}
	case "off":
		if forResponse {
			return Off, nil
		}
	}
	if forResponse {
		return Block, fmt.Errorf("unknown response mode %q (want block, strip, monitor or off)", s)
	}
	return Block, fmt.Errorf("unknown mode %q (want block or monitor)", s)
}

// Config is the part of the firewall configuration the plan depends on.
type Config struct {
	Mode         Mode
	ResponseMode Mode
	// ResponseModeFollows says no response mode was configured: an
	// operation whose mode the configuration sets has its responses in
	// that mode too, as the API's follow the API's mode.
	ResponseModeFollows bool
	// AllowSpecOverrides lets x-rampart-mode in the spec loosen the
	// configured mode; without it the spec can only tighten it.
	AllowSpecOverrides bool
	MaxBody            int64 // request body limit, bytes (default 1 MiB)
	// MaxDecodedBody is the limit after Content-Encoding; 0 means 8 ×
	// the body limit in force, the operation's where it has its own.
	MaxDecodedBody int64
	JSON           body.Limits
	MaxQueryParams int   // default 256
	MaxParts       int   // multipart parts, default 256
	MaxResponse    int64 // largest response body validated (default 8 MiB)
	// StreamingPolicy decides for responses that are streamed (event
	// streams) or larger than MaxResponse: "exempt" forwards them without
	// body validation, "block" refuses them, and "auto" (the default)
	// forwards event streams and bodies the contract would not validate
	// anyway (Op.ValidatesBody) and refuses an oversized body it would:
	// otherwise padding a response past the limit would carry any data
	// past the check.
	StreamingPolicy string
	// Operations are per-operation settings, keyed by operationId or by
	// "METHOD /path".
	Operations map[string]OpConfig
	// BasePaths override the spec's server base paths when non-nil.
	BasePaths []string
}

// OpConfig overrides settings for one operation.
type OpConfig struct {
	Mode                 string `yaml:"mode" json:"mode"`
	ResponseMode         string `yaml:"response_mode" json:"response_mode"`
	MaxBody              int64  `yaml:"max_body_bytes" json:"max_body_bytes"`
	AllowUndeclaredQuery bool   `yaml:"allow_undeclared_query" json:"allow_undeclared_query"`
	// AllowEncodedSlash lets an encoded slash (%2F) through inside the
	// operation's path parameters (ARNs, file paths), for an upstream that
	// keeps it encoded instead of routing on it.
	AllowEncodedSlash bool `yaml:"allow_encoded_slash" json:"allow_encoded_slash"`
}

// DecodedLimit is the limit on a request body once its Content-Encoding
// is undone, for a body limit of maxBody: the configured one, or 8 ×
// maxBody, so that an operation's own body limit bounds its decoded
// bodies too.
func (c Config) DecodedLimit(maxBody int64) int64 {
	if c.MaxDecodedBody > 0 {
		return c.MaxDecodedBody
	}
	return 8 * maxBody
}

// WithDefaults fills unset limits.
func (c Config) WithDefaults() Config {
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.MaxQueryParams <= 0 {
		c.MaxQueryParams = 256
	}
	if c.MaxParts <= 0 {
		c.MaxParts = 256
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = 8 << 20
	}
	if c.JSON.MaxDepth <= 0 {
		c.JSON.MaxDepth = body.DefaultMaxDepth
	}
	if c.JSON.MaxElements <= 0 {
		c.JSON.MaxElements = body.DefaultMaxElements
	}
	if c.StreamingPolicy == "" {
		c.StreamingPolicy = "auto"
	}
	return c
}

// Plan is a compiled contract. It is immutable once built, so requests can
// share it while a reload builds the next one.
type Plan struct {
	Doc      *spec.Document
	Router   *route.Router[*Op]
	Ops      []*Op
	Config   Config
	Problems []string // reasons operations are refused or modes adjusted
	// ID identifies the contract version (a hash of the spec files).
	ID       string
	Built    time.Time
	Duration time.Duration
}

// Op is one compiled operation.
type Op struct {
	ID     string // operationId, or "METHOD /path"
	Method string
	Path   string
	// Broken is non-empty when the operation cannot be enforced (a schema
	// does not compile): its requests are refused, fail closed.
	Broken   string
	ReqMode  Mode
	RespMode Mode
	MaxBody  int64
	// MaxDecodedBody bounds the body once its Content-Encoding is undone.
	MaxDecodedBody int64
	Params         []*Param
	pathParams     []*Param
	// fixedPathParams are, by routed template, the path parameters whose
	// value the template itself holds (adjacentRoutes).
	fixedPathParams      map[string][]route.PathParam
	AllowUndeclaredQuery bool
	// AllowEncodedSlash: %2F may stand in the path parameters (OpConfig).
	AllowEncodedSlash bool
	// multiSegment names the path parameters that span segments
	// (spec.Parameter.MultiSegment).
	multiSegment []string
	hasQuery     bool
	// queryNames are the query keys the operation declares, computed once:
	// lenient frameworks bind other spellings of them (see aliasOf).
	queryNames []queryName
	Body       *Body
	Responses  []*Response
	Secured    bool
	Spec       *spec.Operation
	// Bases are the base paths the operation is routed under: its own
	// servers', else the document's, or the configuration's base path.
	Bases []string
	// Key is the path key read apart (spec.ParsePathKey): the operation
	// is routed at Key.Path. A query in the key (Key.Query) must be in
	// the request; a fragment (Key.Fragment) only tells Alternatives
	// apart.
	Key spec.PathKey
	// Alternatives are the other operations of this method whose keys
	// differ from this one's only by their query or fragment: they share
	// its route, and Choose picks among them.
	Alternatives []*Op
	// CredentialQuery are the query keys that carry the operation's API
	// keys (apiKey schemes "in: query" of its security requirements).
	// They are declared by the contract, as parameters are, whether or not
	// authentication is configured to check them.
	CredentialQuery []string
	// RefusesBodyToken is set (by the firewall, from its authentication
	// configuration) when a token scheme protects the operation: an
	// access_token field in a form or multipart body (RFC 6750 section
	// 2.2) is then refused, as one in the query is, since frameworks take
	// it for a token the firewall never checked.
	RefusesBodyToken bool
	// HeaderNames are the request header fields the contract names for
	// the operation: its header parameters and every apiKey scheme's
	// header, as declared.
	HeaderNames []string
	// selectors are Key's pairs that choose the operation (selectorsOf).
	selectors []selector
	// cookieNames are the cookie parameters' names: a cookie the contract
	// names itself is no look-alike of another.
	cookieNames []string
}

// DeclaresStatus reports whether the operation declares the exact status
// code (not a range such as 2XX, nor default).
func (o *Op) DeclaresStatus(code string) bool {
	for _, r := range o.Responses {
		if r.Code == code {
			return true
		}
	}
	return false
}

// Param is a compiled parameter.
type Param struct {
	params.Param
	Required bool
	Schema   *jsonschema.Schema
	// Cost: see Media.Cost.
	Cost *spec.ValidationCost
	// JSON is set for parameters declared with content application/json.
	JSON bool
	// NestedJSON is set when the schema wants objects or arrays where the
	// style carries only text (params.JSONText): those atoms are decoded
	// as JSON before validation.
	NestedJSON bool
}

// Body is the compiled request body.
type Body struct {
	Required bool
	Media    []*Media
}

// Media kinds.
const (
	KindJSON = iota
	KindForm
	KindMultipart
	KindText
	KindOther
)

// Media is one declared media type with its compiled schema.
type Media struct {
	Name   string // lower case, without parameters
	Kind   int
	Schema *jsonschema.Schema
	// Cost counts, before validation, the work a value would take, for a
	// schema whose validation is not linear in the value by construction
	// (spec.ValidationCost); nil for every other schema.
	Cost  *spec.ValidationCost
	Shape *params.Shape
	// JSONFields are form/multipart properties encoded as JSON.
	JSONFields map[string]bool
	// PartTypes are the media types (lower case, possibly ranges such as
	// image/*) a multipart property's encoding.contentType declares.
	PartTypes map[string][]string
	// FormParams decode the url-encoded form properties whose encoding
	// declares a style or explode (arrays and objects serialised like
	// query parameters).
	FormParams map[string]*params.Param
	// CaseVariantKeys: the schema declares properties whose names differ
	// only in case, so request keys that do are not refused.
	CaseVariantKeys bool
	// NestedJSON: a field's items or properties want objects or arrays
	// that the form can only carry as text (params.JSONText).
	NestedJSON bool
}

// KindOf is how a body of the given content type is read under m. A
// declared type or a text or JSON range decides by itself; a wider range
// (*/*, application/*), as generated contracts (springdoc) declare for
// every response, takes the kind of the actual type when it is JSON or
// text, so the range's schema is enforced on a JSON body instead of the
// body passing as opaque. Form and multipart bodies keep the range's kind:
// reading them needs field shapes compiled for a declared form type.
func (m *Media) KindOf(contentType string) int {
	if m.Kind != KindOther || !strings.Contains(m.Name, "*") {
		return m.Kind
	}
	switch k := kindOf(MediaName(contentType)); k {
	case KindJSON, KindText:
		return k
	}
	return m.Kind
}

// Response is one declared response.
type Response struct {
	Code    string
	Media   []*Media
	Headers []*Param
}

// Build compiles a loaded document. Operations whose schemas do not
// compile are kept, marked Broken, and listed in Problems.
func Build(ctx context.Context, doc *spec.Document, cfg Config) (*Plan, error) {
	start := time.Now()
	cfg = cfg.WithDefaults()
	if !doc.Valid() {
		var msgs []string
		for _, p := range doc.Problems {
			if p.Error {
				msgs = append(msgs, p.Loc.String()+": "+p.Message)
				if len(msgs) == 5 {
					break
				}
			}
		}
		return nil, fmt.Errorf("the definition is not valid: %s", strings.Join(msgs, "; "))
	}
	// Compile every schema up front, both views in parallel; errors are
	// attributed to operations below.
	_ = doc.CompileAll(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Base paths: the configuration's replace every server's; otherwise an
	// operation is routed under its own servers (the operation's, else its
	// path item's), else the document's.
	docBases := cfg.BasePaths
	if docBases == nil {
		docBases = basePaths(doc.Servers)
	}
	p := &Plan{Doc: doc, Router: route.New[*Op](), Config: cfg, ID: contractID(doc)}
	if cfg.BasePaths == nil {
		for _, s := range doc.Servers {
			if names := s.UndeclaredVariables(); len(names) > 0 {
				p.Problems = append(p.Problems, fmt.Sprintf("server URL %s names the variable(s) %s, which its variables do not declare: its operations are routed under %q as written, which no request matches; declare the variables with defaults, or set base_paths in the configuration", s.URL, strings.Join(names, ", "), s.BasePath()))
			}
		}
	}
	p.Router.EncodedSlash = func(op *Op, _ string) bool { return op.AllowEncodedSlash }
	p.Router.MultiSegment = func(op *Op, name string) bool { return slices.Contains(op.multiSegment, name) }
	// The first operation routed at each base, method and path shape, so
	// that operations whose keys differ only by a query or fragment
	// become one route's alternatives instead of a conflict.
	firstAt := map[string]*Op{}
	for _, so := range doc.Operations {
		op := p.compileOp(so)
		p.Ops = append(p.Ops, op)
		op.Bases = docBases
		if cfg.BasePaths == nil && len(so.Servers) > 0 {
			op.Bases = basePaths(so.Servers)
		}
		var reported []string
		routes := adjacentRoutes(op.Key.Path, op, nil)
		for _, b := range op.Bases {
			for _, path := range routes {
				at := so.Method + " " + strings.TrimRight(b, "/") + spec.ExpandTemplate(path, func(int, string) string { return "{}" })
				if first := firstAt[at]; first != nil && (first.discriminated() || op.discriminated()) {
					if !slices.Contains(first.Alternatives, op) {
						first.Alternatives = append(first.Alternatives, op)
					}
					continue
				}
				if firstAt[at] == nil {
					firstAt[at] = op
				}
				if err := p.Router.Add(b, path, so.Method, op); err != nil {
					for _, msg := range routeProblems(op, b, err) {
						if !slices.Contains(reported, msg) {
							reported = append(reported, msg)
							p.Problems = append(p.Problems, msg)
						}
					}
				}
			}
		}
	}
	for _, sp := range doc.SchemaProblems() {
		p.Problems = append(p.Problems, sp.Loc.String()+": "+sp.Message)
	}
	// Keys JSON Schema ignores (a misspelt maxlength, 3.0's nullable in
	// 3.1) are enforced as what they are: nothing. Said once, at load.
	for _, sp := range doc.IgnoredKeywordProblems() {
		p.Problems = append(p.Problems, sp.Loc.String()+": "+sp.Message+"; it is not enforced")
	}
	for _, sp := range doc.UnknownRampartExtensions() {
		p.Problems = append(p.Problems, sp.Loc.String()+": "+sp.Message)
	}
	p.Built = time.Now()
	p.Duration = p.Built.Sub(start)
	return p, nil
}

// noteCost lists, once per cause, the bodies whose validation cost is
// counted before validation (spec.ValidationCost).
func (p *Plan) noteCost(c *spec.ValidationCost) {
	if c == nil {
		return
	}
	bound := "a linear bound"
	if c.Pattern {
		bound = "the bound on pattern matching"
	}
	msg := c.Why + "; values it validates are counted first, and refused unvalidated (" + ReasonTooCostly + ") when they would take more than " + bound
	if !slices.Contains(p.Problems, msg) {
		p.Problems = append(p.Problems, msg)
	}
}

// selector is a pair of an operation's path key that chooses the
// operation (a path variable sent in the query is a parameter instead,
// whose repetition validation refuses as parameter-ambiguous).
type selector struct {
	spec.PathPair
	// lenient is the name as lenient servers file it (params.LenientName).
	lenient string
	// header: a fragment's pair, which a header field may carry too.
	header bool
}

// readAs reports whether a lenient server reads a query key or form field
// name as this selector (action=, Action[]=, " Action=" for Action).
func (s selector) readAs(key string) bool {
	return key == s.Name || params.LenientName(key) == s.lenient
}

func selectorsOf(k spec.PathKey) []selector {
	var out []selector
	for i, pp := range slices.Concat(k.Query, k.Fragment) {
		if pp.Var == "" {
			out = append(out, selector{PathPair: pp, lenient: params.LenientName(pp.Name), header: i >= len(k.Query)})
		}
	}
	return out
}

// discriminated reports whether the operation's path key carries a query
// or a fragment after its path.
func (op *Op) discriminated() bool { return len(op.Key.Query) > 0 || len(op.Key.Fragment) > 0 }

// Choose picks, among the operation and its Alternatives, the one a request
// with this query and these header fields is for. The pairs of a
// key's query are in the URL the operation is called at, so a candidate
// whose query pairs the request lacks is out. When several remain, the
// fragments decide: a candidate stays when the query or a header field
// carries each of its fragment's pairs (a name alone: present; name=value:
// that value), or when it has no fragment; the most specific one wins,
// a name=value pair counting twice a name alone (a request carrying
// ?operation=search is for "#operation=search" even though it also
// carries the header "#x-amz-chime-bearer" names). A tie, or no
// candidate left standing, is ambiguous: the request
// does not say which operation it is for, so it fails closed. nil and not
// ambiguous: no candidate has the query the request carries.
func (op *Op) Choose(rawQuery string, h http.Header) (chosen *Op, ambiguous bool) {
	if len(op.Alternatives) == 0 && len(op.Key.Query) == 0 {
		return op, false
	}
	q := params.LenientQuery(rawQuery, 1000)
	// A name that selects operations given twice (?Action=DeleteAll&
	// Action=Public) is routed by the value the contract knows, while an
	// upstream that reads the other one runs an operation the contract
	// does not have: the request does not say which operation it is for.
	// Counted under every spelling a lenient server reads as the name
	// (action=, Action[]=, " Action="), and, for a fragment's pair, which
	// a header may carry too, over the query and the header fields
	// together: ?X-Target=Svc.Read with the header X-Target: Svc.Delete
	// was chosen as the one and run as the other.
	for _, c := range append([]*Op{op}, op.Alternatives...) {
		for _, sel := range c.selectors {
			n := 0
			for _, kv := range q {
				if sel.readAs(kv.Key) {
					n++
				}
			}
			if sel.header {
				n += len(h.Values(sel.Name))
			}
			if n > 1 {
				return nil, true
			}
		}
	}
	inQuery := func(pp spec.PathPair) bool {
		for _, kv := range q {
			if kv.Key == pp.Name && (pp.Value == "" || kv.Value == pp.Value) {
				return true
			}
		}
		return false
	}
	carried := func(pp spec.PathPair) bool {
		if inQuery(pp) {
			return true
		}
		vals := h.Values(pp.Name)
		return len(vals) > 0 && (pp.Value == "" || slices.Contains(vals, pp.Value))
	}
	var left []*Op
	for _, c := range append([]*Op{op}, op.Alternatives...) {
		ok := true
		for _, pp := range c.Key.Query {
			ok = ok && inQuery(pp)
		}
		if ok {
			left = append(left, c)
		}
	}
	if len(left) <= 1 {
		if len(left) == 1 {
			return left[0], false
		}
		return nil, false
	}
	weight := func(pp spec.PathPair) int {
		if pp.Value != "" {
			return 2
		}
		return 1
	}
	var best *Op
	bestScore, tie := -1, false
	for _, c := range left {
		score := 0
		for _, pp := range c.Key.Query {
			score += weight(pp)
		}
		for _, pp := range c.Key.Fragment {
			if !carried(pp) {
				score = -1
				break
			}
			score += weight(pp)
		}
		switch {
		case score > bestScore:
			best, bestScore, tie = c, score, false
		case score == bestScore:
			tie = true
		}
	}
	if best == nil || bestScore < 0 || tie {
		return nil, true
	}
	return best, false
}

// basePaths are the distinct base paths of servers, server variables
// taking their default values; the root ("") when there are none, as
// OpenAPI defaults servers to "/".
func basePaths(servers []spec.Server) []string {
	var out []string
	for _, s := range servers {
		if b := s.BasePath(); !slices.Contains(out, b) {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

// adjacentRoutes reads templates with adjacent variables, which no router
// can split ("/{pageName}{mediaTypeExtension}": healthcare.gov, Buffer),
// where the second variable's schema lists its values (enum:
// [".json"]): the operation is routed at the template with each value
// written in ("/{pageName}.json"), and the value is the path parameter's
// when a request is routed there (Op.FixedPathParams). Other templates
// are routed as they are (one with adjacent variables is then reported
// unroutable).
// fixed carries the values written in by the calls above (nil at first).
func adjacentRoutes(path string, op *Op, fixed []route.PathParam) []string {
	i := strings.Index(path, "}{")
	end := -1
	if i >= 0 {
		end = strings.IndexByte(path[i+2:], '}')
	}
	var values []string
	var name string
	if end >= 0 {
		name = path[i+2 : i+2+end]
		for _, pp := range op.pathParams {
			if pp.Name == name {
				values = literalEnum(pp.Schema)
			}
		}
	}
	if len(values) == 0 {
		if len(fixed) > 0 {
			if op.fixedPathParams == nil {
				op.fixedPathParams = map[string][]route.PathParam{}
			}
			op.fixedPathParams[path] = fixed
		}
		return []string{path}
	}
	var out []string
	for _, v := range values {
		f := append(slices.Clone(fixed), route.PathParam{Name: name, Raw: v, Escaped: v})
		out = append(out, adjacentRoutes(path[:i+1]+v+path[i+2+end+1:], op, f)...)
	}
	return out
}

// FixedPathParams returns the path parameters the route at template wrote
// into it (adjacentRoutes).
func (op *Op) FixedPathParams(template string) []route.PathParam {
	return op.fixedPathParams[template]
}

// literalEnum returns the values of a string enum (following $refs) when
// each can be written into a path segment as it is: unreserved and
// sub-delimiter characters only, so the literal matches the request's
// raw path byte for byte.
func literalEnum(s *jsonschema.Schema) []string {
	for s != nil && s.Ref != nil && s.Enum == nil {
		s = s.Ref
	}
	// A route per value: a long list is no suffix list (and would grow
	// the router), so it is not read this way.
	if s == nil || s.Enum == nil || len(s.Enum.Values) > 64 {
		return nil
	}
	var out []string
	for _, v := range s.Enum.Values {
		str, ok := v.(string)
		if !ok || str == "" || strings.Trim(str, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,=:@") != "" {
			return nil
		}
		out = append(out, str)
	}
	return out
}

// routeProblems describes why an operation could not be added to the
// router under a base path.
func routeProblems(op *Op, base string, err error) []string {
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	var out []string
	for _, e := range errs {
		var ce *route.ConflictError[*Op]
		switch {
		case errors.As(e, &ce):
			// The firewall would check one operation while the upstream
			// may run the other, with other security requirements.
			out = append(out, fmt.Sprintf("%s (%s %s) and %s (%s %s) are reachable at the same paths: requests there are refused (fail closed), since the upstream may run either", ce.Existing.ID, ce.Method, ce.ExistingPath, op.ID, ce.Method, ce.Path))
		case errors.Is(e, route.ErrBadBase):
			out = append(out, fmt.Sprintf("%s: not routable under the base path %q of its servers (%v); its requests there get 404", op.ID, base, e))
		default:
			out = append(out, fmt.Sprintf("%s: not routable (%v); its requests get 404", op.ID, e))
		}
	}
	return out
}

func contractID(doc *spec.Document) string {
	h := sha256.New()
	srcs := doc.Sources()
	names := make([]string, 0, len(srcs))
	for k := range srcs {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		h.Write([]byte(k))
		h.Write(srcs[k])
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func (p *Plan) resolver(at spec.NodeRef) params.Resolver {
	return func(v any) (any, bool) {
		_, t, ok := p.Doc.Deref(at, v)
		return t, ok
	}
}

func (p *Plan) shape(s *spec.Schema) *params.Shape {
	if s == nil {
		return &params.Shape{Types: params.TString}
	}
	_, v, ok := p.Doc.Deref(s.Ref, s.Value)
	if !ok {
		v = s.Value
	}
	return params.ShapeOf(v, p.resolver(s.Ref))
}

func (p *Plan) compileOp(so *spec.Operation) *Op {
	cfg := p.Config
	op := &Op{ID: so.OperationID, Method: so.Method, Path: so.Path, Key: spec.ParsePathKey(so.Path), Spec: so, MaxBody: cfg.MaxBody, Secured: so.IsSecured()}
	op.selectors = selectorsOf(op.Key)
	if op.ID == "" {
		op.ID = so.Key()
	}
	oc, hasOC := cfg.Operations[so.OperationID]
	if !hasOC {
		oc, hasOC = cfg.Operations[so.Key()]
	}
	op.ReqMode, op.RespMode = cfg.Mode, cfg.ResponseMode
	var broken []string
	if hasOC {
		if oc.Mode != "" {
			m, err := ParseMode(oc.Mode, false)
			if err != nil {
				broken = append(broken, "config: "+err.Error())
			}
			op.ReqMode = m
		}
		if oc.ResponseMode != "" {
			m, err := ParseMode(oc.ResponseMode, true)
			if err != nil {
				broken = append(broken, "config: "+err.Error())
			}
			op.RespMode = m
		}
		if oc.MaxBody > 0 {
			op.MaxBody = oc.MaxBody
		}
		if oc.Mode != "" && oc.ResponseMode == "" && cfg.ResponseModeFollows {
			op.RespMode = op.ReqMode
		}
		op.AllowUndeclaredQuery = oc.AllowUndeclaredQuery
		op.AllowEncodedSlash = oc.AllowEncodedSlash
	}
	op.MaxDecodedBody = cfg.DecodedLimit(op.MaxBody)
	op.ReqMode = p.specMode(op, so, "x-rampart-mode", op.ReqMode, false)
	op.RespMode = p.specMode(op, so, "x-rampart-response-mode", op.RespMode, true)

	compile := func(s *spec.Schema, v spec.View, where string) *jsonschema.Schema {
		if s == nil {
			return nil
		}
		sch, err := p.Doc.Compile(s, v)
		if err != nil {
			if v == spec.ResponseView && op.RespMode == Off {
				return nil
			}
			broken = append(broken, where+": "+err.Error())
			return nil
		}
		return sch
	}
	for _, sp := range so.Parameters {
		pp := &Param{Required: sp.Required || sp.In == "path"}
		pp.Name, pp.In, pp.Style, pp.Explode = sp.Name, sp.In, sp.Style, sp.Explode
		if sp.Ignored() {
			continue
		}
		if sp.In == "header" && (strings.EqualFold(sp.Name, "Content-Length") || strings.EqualFold(sp.Name, "Transfer-Encoding")) {
			// The body's framing, which the client's transport writes
			// (and the framing stage checks): a request without a
			// body carries neither, whatever the contract requires
			// (PeerTube's DELETE with a required Content-Length). A
			// value sent is still held to the schema (a size cap).
			pp.Required = false
		}
		switch {
		case sp.Schema != nil:
			pp.Shape = p.shape(sp.Schema)
			pp.NestedJSON = params.MayHoldJSON(pp.Shape)
			pp.Schema = compile(sp.Schema, spec.RequestView, "parameter "+sp.In+" "+sp.Name)
		case len(sp.Content) > 0:
			for name, mt := range sp.Content {
				pp.JSON = isJSON(strings.ToLower(name))
				pp.Shape = &params.Shape{Types: params.TString}
				pp.Schema = compile(mt.Schema, spec.RequestView, "parameter "+sp.In+" "+sp.Name)
				break
			}
		default:
			pp.Shape = &params.Shape{Types: params.TString}
		}
		pp.Cost = p.Doc.ValidationCost(pp.Schema, spec.RequestView)
		p.noteCost(pp.Cost)
		if pp.Style == "" {
			pp.Style = defaultStyle(sp.In)
		}
		if sp.In == "query" {
			op.hasQuery = true
		}
		op.Params = append(op.Params, pp)
		if sp.In == "path" {
			op.pathParams = append(op.pathParams, pp)
			if sp.MultiSegment() {
				op.multiSegment = append(op.multiSegment, sp.Name)
			}
		}
		if sp.In == "header" {
			op.HeaderNames = append(op.HeaderNames, sp.Name)
		}
		if sp.In == "cookie" {
			op.cookieNames = append(op.cookieNames, sp.Name)
		}
	}
	op.queryNames = queryNames(op.Params)
	// An exploded free-form query object takes every key the other
	// parameters leave (and validates it): it is decoded last.
	slices.SortStableFunc(op.Params, func(a, b *Param) int {
		return cmp.Compare(b2i(a.FreeForm()), b2i(b.FreeForm()))
	})
	for _, name := range sortedKeys(p.Doc.SecuritySchemes) {
		if sch := p.Doc.SecuritySchemes[name]; sch.Type == "apiKey" && strings.EqualFold(sch.In, "header") {
			op.HeaderNames = append(op.HeaderNames, sch.ParamName)
		}
	}
	for _, req := range so.Security {
		for _, sr := range req.Schemes {
			sch := p.Doc.SecuritySchemes[sr.Name]
			if sch != nil && sch.Type == "apiKey" && strings.EqualFold(sch.In, "query") && sch.ParamName != "" && !slices.Contains(op.CredentialQuery, sch.ParamName) {
				op.CredentialQuery = append(op.CredentialQuery, sch.ParamName)
			}
		}
	}
	if rb := so.RequestBody; rb != nil {
		op.Body = &Body{Required: rb.Required}
		for _, name := range sortedKeys(rb.Content) {
			mt := rb.Content[name]
			m := &Media{Name: MediaName(name), Kind: kindOf(MediaName(name))}
			schema := p.describing(m.Kind, mt.Schema)
			m.Schema = compile(schema, spec.RequestView, "request body "+name)
			m.Cost = p.Doc.ValidationCost(m.Schema, spec.RequestView)
			p.noteCost(m.Cost)
			m.CaseVariantKeys = declaresCaseVariants(m.Schema)
			if schema != nil && (m.Kind == KindForm || m.Kind == KindMultipart) {
				m.Shape = p.shape(mt.Schema)
				m.JSONFields = map[string]bool{}
				if m.Shape != nil {
					// OpenAPI: in multipart bodies an object property (or
					// an array of objects) is application/json by default;
					// in url-encoded forms too, unless an encoding object
					// gives it a style (OpenAPI 3.1.1 and 3.2 make the
					// contentType default apply there; 3.0's style form
					// would spread the object's properties among the
					// body's own fields, which no binder reads back).
					// A tuple (prefixItems) is typed position by
					// position instead: Media.jsonItem.
					for prop, ps := range m.Shape.Props {
						if ps.Has(params.TObject) || (ps.Has(params.TArray) && len(ps.Prefix) == 0 && ps.Items.Has(params.TObject)) {
							m.JSONFields[prop] = true
						}
					}
				}
				for prop, enc := range mt.Encoding {
					if ct := strings.ToLower(enc.ContentType); ct != "" {
						m.JSONFields[prop] = isJSON(ct)
						if m.PartTypes == nil {
							m.PartTypes = map[string][]string{}
						}
						for _, t := range strings.Split(ct, ",") {
							m.PartTypes[prop] = append(m.PartTypes[prop], MediaName(t))
						}
					}
					if (enc.Style == "" && enc.Explode == nil) || m.Shape == nil {
						continue
					}
					switch {
					case m.Kind == KindForm:
						delete(m.JSONFields, prop)
						m.addFormParam(prop, enc.Style, enc.Explode)
					case m.Kind == KindMultipart && p.Doc.MultipartStyles() && !m.Shape.Props[prop].HoldsFiles():
						// A styled part is text (its contentType is
						// ignored): tags=a,b as one part, or one part
						// per item, or filter[kind] parts.
						delete(m.JSONFields, prop)
						delete(m.PartTypes, prop)
						m.addFormParam(prop, enc.Style, enc.Explode)
					}
				}
			}
			if m.Shape != nil {
				for _, ps := range m.Shape.Props {
					m.NestedJSON = m.NestedJSON || params.MayHoldJSON(ps)
				}
			}
			op.Body.Media = append(op.Body.Media, m)
		}
		sortMedia(op.Body.Media)
	}
	for _, sr := range so.Responses {
		r := &Response{Code: strings.ToUpper(sr.Code)}
		for _, name := range sortedKeys(sr.Content) {
			mt := sr.Content[name]
			m := &Media{Name: MediaName(name), Kind: kindOf(MediaName(name))}
			m.Schema = compile(p.describing(m.Kind, mt.Schema), spec.ResponseView, "response "+sr.Code+" "+name)
			m.Cost = p.Doc.ValidationCost(m.Schema, spec.ResponseView)
			p.noteCost(m.Cost)
			r.Media = append(r.Media, m)
		}
		sortMedia(r.Media)
		for _, hn := range sortedKeys(sr.Headers) {
			h := sr.Headers[hn]
			if strings.EqualFold(hn, "content-type") {
				continue
			}
			hp := &Param{Required: h.Required}
			hp.Name, hp.In, hp.Style = hn, "header", "simple"
			if h.Name != "" {
				// As the contract spells it (X-Rate, not x-rate), for
				// messages; header lookups ignore case.
				hp.Name = h.Name
			}
			hp.Shape = p.shape(h.Schema)
			hp.NestedJSON = params.MayHoldJSON(hp.Shape)
			hp.Schema = compile(h.Schema, spec.ResponseView, "response "+sr.Code+" header "+hn)
			r.Headers = append(r.Headers, hp)
		}
		op.Responses = append(op.Responses, r)
	}
	if len(broken) > 0 {
		op.Broken = strings.Join(broken, "; ")
		p.Problems = append(p.Problems, fmt.Sprintf("%s: requests are refused (fail closed) because %s", op.ID, op.Broken))
	}
	return op
}

// addFormParam compiles how a url-encoded form property (or, from OpenAPI
// 3.1, a multipart one) is serialised, as its encoding object says
// (OpenAPI 3: style and explode, with the query parameters' meaning;
// style form, exploded, by default): tags=a,b is
// one array under explode false, tags=a&tags=b under explode true,
// filter[kind]=x a deepObject. Frameworks split the values the way the
// contract says, so the firewall does too. An exploded form object, whose
// properties would be top-level fields beside the body's own, is left to
// the ordinary field reading.
func (m *Media) addFormParam(prop, style string, explode *bool) {
	ps := m.Shape.Props[prop]
	if ps == nil {
		return
	}
	if style == "" {
		style = "form"
	}
	ex := style == "form"
	if explode != nil {
		ex = *explode
	}
	if style == "form" && ex && ps.Has(params.TObject) {
		return
	}
	if m.FormParams == nil {
		m.FormParams = map[string]*params.Param{}
	}
	m.FormParams[prop] = &params.Param{Name: prop, In: "query", Style: style, Explode: ex, Shape: ps}
}

// specMode applies an x-rampart-mode extension: it may tighten the
// configured mode, and loosen it only when the configuration allows.
func (p *Plan) specMode(op *Op, so *spec.Operation, key string, cur Mode, resp bool) Mode {
	raw, ok := so.Extensions[key].(string)
	if !ok {
		raw, ok = so.PathExtensions[key].(string)
	}
	if !ok {
		return cur
	}
	m, err := ParseMode(raw, resp)
	if err != nil {
		p.Problems = append(p.Problems, fmt.Sprintf("%s: %s ignored: %v", op.ID, key, err))
		return cur
	}
	if m >= cur || p.Config.AllowSpecOverrides {
		return m
	}
	p.Problems = append(p.Problems, fmt.Sprintf("%s: %s %q would loosen the configured %s mode and is ignored (set allow_spec_overrides to permit it)", op.ID, key, raw, cur))
	return cur
}

func defaultStyle(in string) string {
	switch in {
	case "query", "cookie":
		return "form"
	}
	return "simple"
}

func kindOf(name string) int {
	switch {
	case isJSON(name):
		return KindJSON
	case name == "application/x-www-form-urlencoded":
		return KindForm
	case name == "multipart/form-data":
		return KindMultipart
	case name == "text/xml" || strings.HasSuffix(name, "+xml"):
		// XML, like application/xml: its schema describes the document's
		// data (with xml hints), not the text, so the text is not held to
		// it as a string would be. Size-checked only.
		return KindOther
	case strings.HasPrefix(name, "text/"):
		return KindText
	}
	return KindOther
}

// describing is the schema a body of this kind is held to: s, unless s
// cannot describe what the media type carries. Text whose schema admits
// no string (text/csv of an array of objects, a text/plain "object")
// describes the data the text encodes, as an XML schema does; a form or
// multipart body whose schema admits no object (Jira's multipart {type:
// string, format: binary}: "a file") describes no fields. Held to such a
// schema every body would be refused whatever it holds, so the body is
// read as a body without a schema: still parsed (UTF-8, the multipart
// framing and its ambiguities), not validated.
func (p *Plan) describing(kind int, s *spec.Schema) *spec.Schema {
	if s == nil {
		return nil
	}
	want := params.TString
	switch kind {
	case KindText:
	case KindForm, KindMultipart:
		want = params.TObject
	default:
		return s
	}
	if sh := p.shape(s); sh.Types != 0 && !sh.Has(want) {
		return nil
	}
	return s
}

func isJSON(name string) bool {
	return name == "application/json" || strings.HasSuffix(name, "+json") || name == "application/*+json"
}

// sortMedia puts exact media types before ranges so matching can stop at
// the first hit.
func sortMedia(ms []*Media) {
	rank := func(n string) int {
		switch {
		case n == "*/*":
			return 2
		case strings.HasSuffix(n, "/*"):
			return 1
		}
		return 0
	}
	sort.SliceStable(ms, func(i, j int) bool { return rank(ms[i].Name) < rank(ms[j].Name) })
}

// b2i orders false before true.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// MatchMedia finds the declared media type for a Content-Type value.
func MatchMedia(ms []*Media, contentType string) *Media {
	mt := MediaName(contentType)
	for _, m := range ms {
		if mediaMatches(m.Name, mt) {
			return m
		}
	}
	return nil
}

// mediaMatches reports whether the media type mt (lower case, without
// parameters) falls under a declared media type or range: image/png,
// image/*, */*, or application/*+json.
func mediaMatches(declared, mt string) bool {
	switch {
	case declared == mt, declared == "*/*":
		return true
	case strings.HasSuffix(declared, "/*"):
		return strings.HasPrefix(mt, declared[:len(declared)-1])
	case declared == "application/*+json":
		return strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
	}
	return false
}

// CharsetProblem explains why a JSON, form, text or multipart body's
// declared charset is refused ("" when it is fine): the firewall validates
// those bodies as UTF-8, so another charset would have the other side read
// other text than the one that was checked. An RFC 2231 extended parameter
// (charset*=...) is refused whatever it says: Go's parser lets it override
// charset, most others ignore it. multipart/form-data defines no charset
// (RFC 7578 §4.5 moved it to a _charset_ field and the parts), yet some
// clients send charset=utf-8 there; it is accepted, and any other charset
// refused: commons-fileupload decodes part headers (field and file names)
// with the request's character encoding, which a servlet container takes
// from it, while Go and others read them as UTF-8, as the firewall does.
func CharsetProblem(kind int, contentType string) string {
	switch kind {
	case KindJSON, KindForm, KindText, KindMultipart:
	default:
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		if kind == KindMultipart {
			return "" // the boundary check answers it, with its reason
		}
		return "the content type is malformed"
	}
	if strings.IndexByte(contentType, '*') >= 0 && body.ExtendedParam(contentType) {
		return "the content type has an extended (RFC 2231) parameter, which parsers read differently"
	}
	if !body.UTF8Charset(params["charset"]) {
		return "the body's charset is not UTF-8"
	}
	return ""
}

// MediaName is the lower-case type/subtype of a Content-Type value.
func MediaName(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	for i := 0; i < len(ct); i++ {
		if c := ct[i]; c >= 'A' && c <= 'Z' {
			return strings.ToLower(ct)
		}
	}
	return ct
}

// Response finds the declared response for a status code: exact, then the
// nXX range, then default.
func (op *Op) Response(status int) *Response {
	code := strconv.Itoa(status)
	var rng, def *Response
	for _, r := range op.Responses {
		switch {
		case r.Code == code:
			return r
		case len(code) == 3 && len(r.Code) == 3 && r.Code[1:] == "XX" && r.Code[0] == code[0]:
			rng = r
		case r.Code == "DEFAULT":
			def = r
		}
	}
	if rng != nil {
		return rng
	}
	return def
}
