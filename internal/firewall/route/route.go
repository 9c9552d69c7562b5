// Package route matches request paths to the contract's path templates.
//
// Each template is registered under the base path of the servers it is
// served from (the document's, or its path item's or operation's own), as
// one full path: base paths and templates take part in the same matching,
// so a concrete segment wins over a templated one wherever it comes from,
// and two operations reachable at the same path are found when they are
// added, whichever servers put them there.
//
// The router works on the escaped path exactly as it will be forwarded, one
// segment at a time, and refuses paths whose meaning could differ between
// the firewall and the upstream (dot-segments, encoded slashes or
// backslashes, empty segments): routing a request is only sound when the
// upstream will route the same bytes the same way.
package route

import (
	"errors"
	"net/url"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Lookup results other than a match.
var (
	ErrNotFound   = errors.New("no path of the contract matches")
	ErrAmbiguous  = errors.New("the path has dot-segments, empty segments, encoded separators, bytes that are not UTF-8, or a segment that names another path once decoded or case-folded")
	ErrNotAllowed = errors.New("the method is not declared for this path")
	// ErrConflict is returned by Lookup for a path and method at which
	// two values were added (ConflictError): the upstream may run either,
	// so neither can be checked in its place.
	ErrConflict    = errors.New("several operations of the contract are reachable at this path")
	errBadTemplate = errors.New("path template is malformed")
	// ErrBadBase is returned by Add for a base path it cannot match.
	ErrBadBase = errors.New("server base path is not a plain path (it must start with '/' and have no empty, dot or templated segment)")
)

// ConflictError is returned by Add when the method is already registered
// at a path of the same shape (the same literals, whatever the variables
// are called). The new value is not matched there; Lookup answers
// ErrConflict for that path and method from then on.
type ConflictError[T any] struct {
	// Path is the full path (base path and template) of the new value.
	Path   string
	Method string
	// Existing is the value registered first, and ExistingPath its full
	// path.
	Existing     T
	ExistingPath string
}

func (e *ConflictError[T]) Error() string {
	if e.Path == e.ExistingPath {
		return e.Method + " " + e.Path + " is registered twice"
	}
	return e.Method + " " + e.Path + " is the same path as " + e.ExistingPath
}

// Router maps (method, path) to values of type T.
type Router[T any] struct {
	root *node[T]
	// EncodedSlash, when set, says whether the value routed at a path
	// takes an encoded slash (%2F) in its path parameter of that name:
	// an ARN such as arn:aws:braket:...:job/1 is one segment to an
	// upstream that keeps %2F encoded (AWS API Gateway does). Everywhere
	// else an encoded slash is ErrAmbiguous, since most servers decode it
	// before routing.
	EncodedSlash func(v T, param string) bool
	// MultiSegment, when set, says whether a path parameter that is a
	// whole segment ({path}) of the value being added spans one or more
	// segments (GitHub's x-multi-segment: contents/{path} matches
	// contents/docs/readme.md). Consulted by Add.
	MultiSegment func(v T, param string) bool
	// methods are the methods some path declares: a 405's Allow lists
	// those of them that a lookup of the same path would route.
	methods map[string]bool
	// trailing: some template ends with a slash (see slashTwin).
	trailing bool
}

type node[T any] struct {
	static map[string]*node[T]
	// folded maps each static segment, percent-decoded and case-folded,
	// to its spellings in the templates (several when siblings differ
	// only in case, such as base paths /v1 and /V1).
	folded  map[string][]string
	params  []*paramChild[T]
	methods map[string]T
	allow   string
	tmpl    map[string]string
	full    map[string]string   // base path and template, by method
	names   map[string][]string // variable names by method, in path order
	// conflict marks the methods added more than once at this node.
	conflict map[string]bool
}

// maxMultiSegments bounds the segments one multi-segment parameter takes:
// file paths and resource IDs are far shorter, and each parameter of the
// kind multiplies the splits a lookup may try.
const maxMultiSegments = 64

type paramChild[T any] struct {
	parts []string // literal, name, literal, name, ..., literal
	// multi: the segment is one variable that spans one or more
	// segments (Router.MultiSegment).
	multi bool
	next  *node[T]
}

// PathParam is one captured path parameter, still escaped.
type PathParam struct {
	Name string
	// Raw is the captured value; plan.PathValues unescapes it.
	Raw string
	// Escaped is the value as it came on the wire, kept for checks that
	// must tell a literal ';' (a path parameter to Java servers) from an
	// encoded one.
	Escaped string
}

// New makes an empty router.
func New[T any]() *Router[T] {
	return &Router[T]{root: &node[T]{}}
}

// Add registers a template such as /pets/{id} under a base path such as
// /v1 ("" for none): it matches /v1/pets/5. The root template "/" matches
// the base path with and without a trailing slash. A *ConflictError says
// the method was already registered at a path of the same shape.
func (r *Router[T]) Add(base, template, method string, v T) error {
	base = strings.TrimRight(base, "/")
	if base != "" {
		segs, slashed, err := checkSegments(base)
		if err != nil || slashed || strings.ContainsAny(base, "{}") {
			return ErrBadBase
		}
		for _, s := range segs {
			if s == "" {
				return ErrBadBase
			}
		}
	}
	// Checked whole first, so that a malformed template leaves nothing
	// behind.
	for _, seg := range splitPath(template) {
		if strings.ContainsAny(seg, "{}") {
			if _, err := parseSegment(seg); err != nil {
				return err
			}
		}
	}
	if base != "" && strings.Trim(template, "/") == "" {
		// The root under a base path: /v1 and /v1/ alike.
		return errors.Join(r.add(base, template, method, v), r.add(base+"/", template, method, v))
	}
	return r.add(base+template, template, method, v)
}

// multiParam reports whether parts is one variable that v says spans
// segments.
func (r *Router[T]) multiParam(parts []string, v T) bool {
	return r.MultiSegment != nil && len(parts) == 3 && parts[0] == "" && parts[2] == "" && r.MultiSegment(v, parts[1])
}

// add registers v at full, the base path (made of literal segments) and
// template joined.
func (r *Router[T]) add(full, template, method string, v T) error {
	if len(full) > 1 && strings.HasSuffix(full, "/") && strings.Trim(template, "/") != "" {
		r.trailing = true
	}
	n := r.root
	for _, seg := range splitPath(full) {
		// A stray "}" makes the template malformed, not a literal.
		if !strings.ContainsAny(seg, "{}") {
			seg = wireSegment(seg)
			if n.static == nil {
				n.static = map[string]*node[T]{}
			}
			c := n.static[seg]
			if c == nil {
				c = &node[T]{}
				n.static[seg] = c
				if n.folded == nil {
					n.folded = map[string][]string{}
				}
				k := normalSegment(seg)
				n.folded[k] = append(n.folded[k], seg)
			}
			n = c
			continue
		}
		parts, err := parseSegment(seg)
		if err != nil {
			return err
		}
		multi := r.multiParam(parts, v)
		var found *paramChild[T]
		for _, pc := range n.params {
			if equalParts(pc.parts, parts) && pc.multi == multi {
				found = pc
			}
		}
		if found == nil {
			found = &paramChild[T]{parts: parts, multi: multi, next: &node[T]{}}
			n.params = append(n.params, found)
			// More literal text first: /x/{id}.json before /x/{id}; a
			// variable of one segment before one that may span several.
			sort.SliceStable(n.params, func(i, j int) bool {
				if li, lj := literalLen(n.params[i].parts), literalLen(n.params[j].parts); li != lj {
					return li > lj
				}
				return !n.params[i].multi && n.params[j].multi
			})
		}
		n = found.next
	}
	if n.methods == nil {
		n.methods = map[string]T{}
	}
	if old, dup := n.methods[method]; dup {
		if n.conflict == nil {
			n.conflict = map[string]bool{}
		}
		n.conflict[method] = true
		return &ConflictError[T]{Path: full, Method: method, Existing: old, ExistingPath: n.full[method]}
	}
	n.methods[method] = v
	if r.methods == nil {
		r.methods = map[string]bool{}
	}
	r.methods[method] = true
	if n.tmpl == nil {
		n.tmpl, n.full, n.names = map[string]string{}, map[string]string{}, map[string][]string{}
	}
	n.tmpl[method] = template
	n.full[method] = full
	n.names[method] = spec.TemplateNames(template)
	n.allow = allowOf(n.methods)
	return nil
}

func allowOf[T any](m map[string]T) string {
	var ms []string
	for k := range m {
		ms = append(ms, k)
	}
	if _, ok := m["GET"]; ok {
		if _, ok := m["HEAD"]; !ok {
			ms = append(ms, "HEAD")
		}
	}
	sort.Strings(ms)
	return strings.Join(ms, ", ")
}

// allowAt is the Allow of a path no operation of the request's method
// matches: every method a lookup of the same path routes. A concrete path
// gives way to a template for the methods it lacks (/pets/mine with GET
// beside /pets/{id} with DELETE routes DELETE /pets/mine to the
// template), so the resource supports the union, as RFC 9110 section
// 10.2.1 means Allow. first is the most concrete match, the fallback.
func (r *Router[T]) allowAt(segs []string, first *node[T]) string {
	routed := map[string]T{}
	for method := range r.methods {
		var scratch []PathParam
		var ambiguous bool
		var reached *node[T]
		if n := r.root.match(segs, method, &scratch, &ambiguous, &reached, false); n != nil && !ambiguous {
			var zero T
			routed[method] = zero
		}
	}
	if len(routed) == 0 {
		return first.allow
	}
	return allowOf(routed)
}

// Match is a successful lookup.
type Match[T any] struct {
	Value T
	// Template is the path template as the contract writes it, without
	// the base path.
	Template string
	Params   []PathParam
}

// Lookup finds the value for an escaped request path. On ErrNotAllowed,
// allow lists the declared methods (for the Allow header). HEAD falls back
// to GET (RFC 9110 9.3.2). On ErrConflict the match names the value
// registered first, for the record.
func (r *Router[T]) Lookup(method, escapedPath string) (m Match[T], allow string, err error) {
	// The whole path, base path included: outside the base path an
	// ambiguous path is still refused as ambiguous (an upstream may
	// normalise /x/../v1/items into the base), not merely not found.
	segs, slashed, err := checkSegments(escapedPath)
	if err != nil || (slashed && r.EncodedSlash == nil) {
		return m, "", ErrAmbiguous
	}
	var params []PathParam
	var ambiguous bool
	var first *node[T]
	n := r.root.match(segs, method, &params, &ambiguous, &first, false)
	if !ambiguous && n != nil && len(params) > 0 && (r.trailing || (len(segs) > 0 && segs[len(segs)-1] == "")) && r.slashTwin(segs, method, len(params)) {
		ambiguous = true
	}
	if ambiguous || (first == nil && slashed) {
		// An encoded slash that no parameter takes stays what it is
		// everywhere else: ambiguous.
		return m, "", ErrAmbiguous
	}
	if first == nil {
		return m, "", ErrNotFound
	}
	if n == nil {
		// The path is the contract's, the method none of its matches'.
		return m, r.allowAt(segs, first), ErrNotAllowed
	}
	v, ok := n.methods[method]
	if !ok && method == "HEAD" {
		method = "GET"
		v = n.methods[method]
	}
	// Templates of one shape share nodes; name the captures as this
	// operation's own template does.
	if names := n.names[method]; len(names) == len(params) {
		for i := range params {
			params[i].Name = names[i]
		}
	}
	if slashed {
		// Only inside a parameter that takes it: a literal segment never
		// holds %2F, so each one is in some parameter's value.
		for _, p := range params {
			if hasEncodedSlash(p.Escaped) && !r.EncodedSlash(v, p.Name) {
				return m, "", ErrAmbiguous
			}
		}
	}
	m = Match[T]{Value: v, Template: n.tmpl[method], Params: params}
	if n.conflict[method] {
		return m, n.allow, ErrConflict
	}
	return m, n.allow, nil
}

// slashTwin reports whether segs, which a template matched capturing
// captured segments, names a more concrete route (fewer captures, or a
// look-alike of one) once its trailing slash is added or taken away.
// Express, ASP.NET Core and many other routers take /docs/admin and
// /docs/admin/ for one path: with /docs/admin/ concrete (and secured)
// beside /docs/{page}, or /orgs/{org}/settings/ beside /orgs/{org}/{page},
// the firewall would check the template while they serve the other
// operation.
func (r *Router[T]) slashTwin(segs []string, method string, captured int) bool {
	var twin []string
	if len(segs) > 0 && segs[len(segs)-1] == "" {
		twin = segs[:len(segs)-1]
	} else {
		twin = append(slices.Clone(segs), "")
	}
	var params []PathParam
	var ambiguous bool
	var first *node[T]
	n := r.root.match(twin, method, &params, &ambiguous, &first, false)
	return ambiguous || (n != nil && len(params) < captured)
}

// checkSegments splits the escaped path and refuses the segments whose
// meaning depends on how a server normalises them. slashed reports
// segments whose one such trait is an encoded slash (%2F) between pieces
// that are not dot-segments ("job%2F1", not "a%2F..%2Fb"): Lookup lets
// those through where Router.EncodedSlash allows it.
func checkSegments(p string) (segs []string, slashed bool, err error) {
	if p == "" || p[0] != '/' {
		return nil, false, ErrAmbiguous
	}
	if p == "/" {
		return nil, false, nil
	}
	segs = strings.Split(p[1:], "/")
	for i, s := range segs {
		if s == "" && i != len(segs)-1 {
			return nil, false, ErrAmbiguous
		}
		if s == "." || s == ".." || strings.IndexByte(s, '\\') >= 0 {
			return nil, false, ErrAmbiguous
		}
		if strings.IndexByte(s, '%') >= 0 {
			u, err := url.PathUnescape(s)
			// Not UTF-8 once decoded: overlong forms such as %C0%AE are
			// '.' to decoders that accept them (old IIS, Java), and no
			// contract's text is made of such bytes.
			if err != nil || u == "." || u == ".." || strings.ContainsAny(u, "\\\x00") || !utf8.ValidString(u) {
				return nil, false, ErrAmbiguous
			}
			if strings.IndexByte(u, '/') >= 0 {
				for _, piece := range strings.Split(u, "/") {
					if piece == "" || piece == "." || piece == ".." {
						return nil, false, ErrAmbiguous
					}
				}
				slashed = true
			}
		}
	}
	return segs, slashed, nil
}

// hasEncodedSlash reports %2F (either case) in an escaped value.
func hasEncodedSlash(s string) bool {
	return strings.Contains(s, "%2F") || strings.Contains(s, "%2f")
}

// match finds the node for segs that declares method (GET standing in for
// HEAD), concrete segments first: a concrete path that lacks the method
// gives way to a templated one that declares it (GitLab's PUT
// /services/asana beside GET /services/{slug}), as method-aware routers
// (Go's ServeMux, Express, Rails) route it. first records the first node
// the path reaches whatever its methods, for 405. templated says that a
// template above n (a parameter beside the static segment that led here)
// could capture the path should n's subtree not match it.
func (n *node[T]) match(segs []string, method string, params *[]PathParam, ambiguous *bool, first **node[T], templated bool) *node[T] {
	if len(segs) == 0 {
		if n.methods == nil {
			return nil
		}
		if *first == nil {
			*first = n
		}
		if _, ok := n.methods[method]; ok {
			return n
		}
		if _, ok := n.methods["GET"]; ok && method == "HEAD" {
			return n
		}
		return nil
	}
	seg := segs[0]
	templated = templated || len(n.params) > 0
	// Concrete segments win over templated ones.
	if c := n.static[seg]; c != nil {
		if hit := c.match(segs[1:], method, params, ambiguous, first, templated); hit != nil {
			return hit
		}
	}
	if seg == "" || *ambiguous {
		return nil
	}
	if templated {
		// A segment that spells a concrete sibling otherwise ("%61dmin",
		// "ADMIN" for "admin") would be captured by a template, here or
		// above ("/files/{dir}/{name}" takes /files/admin/secre%74 beside
		// a concrete /files/admin/secret), while servers that decode
		// unreserved escapes before routing (most) or route
		// case-insensitively (Express, ASP.NET Core) serve the concrete
		// path: another operation, with other security requirements, than
		// the one checked.
		for _, k := range n.folded[normalSegment(seg)] {
			var scratch []PathParam
			var reached *node[T]
			if k != seg && (n.static[k].match(segs[1:], method, &scratch, ambiguous, &reached, templated) != nil || reached != nil) {
				*ambiguous = true
				return nil
			}
		}
	}
	for _, pc := range n.params {
		mark := len(*params)
		if pc.multi {
			// The fewest segments that let the rest match: contents/{path}
			// beside contents/{path}/meta reads a/b/meta as the second.
			// At most maxMultiSegments, so that a template with several
			// such parameters (Azure's {scope}/.../{parentResourcePath})
			// tries a bounded number of splits of a long path.
			for k := 1; k <= min(len(segs), maxMultiSegments) && segs[k-1] != ""; k++ {
				v := strings.Join(segs[:k], "/")
				*params = append(*params, PathParam{Name: pc.parts[1], Raw: v, Escaped: v})
				if hit := pc.next.match(segs[k:], method, params, ambiguous, first, templated); hit != nil {
					return hit
				}
				*params = (*params)[:mark]
			}
			continue
		}
		if matchParts(pc.parts, seg, params) {
			if hit := pc.next.match(segs[1:], method, params, ambiguous, first, templated); hit != nil {
				return hit
			}
		}
		*params = (*params)[:mark]
	}
	return nil
}

// normalSegment is a path segment as servers that decode escapes and fold
// case before routing compare it.
// wireSegment is a literal segment of a contract as a client sends it,
// the form Lookup compares escaped request paths with: a space or a
// non-ASCII letter in a path or a server URL ("/my files", "/café")
// travels percent-encoded, so as written it would never match and its
// operations would be unreachable. An escape already written in the
// contract ("/my%20files") is decoded first, so both spellings give one
// form; characters a path may carry as they are (RFC 3986 pchar) stay.
func wireSegment(seg string) string {
	if strings.IndexByte(seg, '%') >= 0 {
		if u, err := url.PathUnescape(seg); err == nil {
			seg = u
		}
	}
	var b strings.Builder
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if isPchar(c) {
			b.WriteByte(c)
			continue
		}
		const hex = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// isPchar reports whether c may appear unescaped in a path segment (RFC
// 3986: unreserved, sub-delims, ':' and '@').
func isPchar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0
}

func normalSegment(seg string) string {
	if u, err := url.PathUnescape(seg); err == nil {
		seg = u
	}
	return strings.ToLower(strings.ToUpper(seg))
}

// matchParts matches one segment against literal/name parts. Variables are
// non-empty and matched shortest-first up to the next literal.
func matchParts(parts []string, seg string, params *[]PathParam) bool {
	lit := parts[0]
	if !strings.HasPrefix(seg, lit) {
		return false
	}
	seg = seg[len(lit):]
	if len(parts) == 1 {
		return seg == ""
	}
	name, next := parts[1], parts[2]
	if next == "" && len(parts) == 3 {
		if seg == "" {
			return false
		}
		*params = append(*params, PathParam{Name: name, Raw: seg, Escaped: seg})
		return true
	}
	for i := 1; i <= len(seg); i++ {
		if next != "" && !strings.HasPrefix(seg[i:], next) {
			continue
		}
		mark := len(*params)
		*params = append(*params, PathParam{Name: name, Raw: seg[:i], Escaped: seg[:i]})
		if matchParts(parts[2:], seg[i:], params) {
			return true
		}
		*params = (*params)[:mark]
	}
	return false
}

func parseSegment(seg string) ([]string, error) {
	var parts []string
	for {
		i := strings.IndexByte(seg, '{')
		if i < 0 {
			if strings.IndexByte(seg, '}') >= 0 {
				return nil, errBadTemplate
			}
			return append(parts, seg), nil
		}
		j := strings.IndexByte(seg[i:], '}')
		if j < 0 {
			return nil, errBadTemplate
		}
		name := seg[i+1 : i+j]
		if name == "" || strings.ContainsAny(name, "{") {
			return nil, errBadTemplate
		}
		if len(parts) > 0 && seg[:i] == "" {
			// Two adjacent variables cannot be told apart.
			return nil, errBadTemplate
		}
		parts = append(parts, seg[:i], name)
		seg = seg[i+j+1:]
	}
}

func splitPath(t string) []string {
	t = strings.TrimPrefix(t, "/")
	if t == "" {
		return nil
	}
	return strings.Split(t, "/")
}

func equalParts(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		// Variable names may differ between operations of the same path
		// shape; only literals decide whether two segments are the same.
		if i%2 == 0 && a[i] != b[i] {
			return false
		}
	}
	return true
}

func literalLen(parts []string) int {
	n := 0
	for i := 0; i < len(parts); i += 2 {
		n += len(parts[i])
	}
	return n
}
