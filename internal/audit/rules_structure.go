package audit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/requestline"
	"github.com/rampart-sec/rampart/internal/sensitive"
	"github.com/rampart-sec/rampart/internal/spec"
	"golang.org/x/net/http/httpguts"
)

var templateParam = regexp.MustCompile(`\{([^{}]+)\}`)

// checkParameters checks an operation's parameters: declared against the
// path template, duplicates, schemas, and path parameter constraints.
func (r *run) checkParameters(op *spec.Operation) {
	doc := r.doc
	key := []string{op.Key()}
	inTemplate := map[string]bool{}
	for _, m := range templateParam.FindAllStringSubmatch(op.Path, -1) {
		inTemplate[m[1]] = true
	}
	if strings.Contains(spec.ParsePathKey(op.Path).Path, "}{") {
		r.add("struct-path-adjacent-params", op.Ref, dirNone, fmt.Sprintf("The path of %s has two template variables side by side in one segment; no router can tell where one value ends and the next begins.", op.Key()), key)
	}
	r.checkPathSplits(op, key)
	if pk := spec.ParsePathKey(op.Path); len(pk.Query) > 0 || len(pk.Fragment) > 0 {
		r.add("struct-path-key-query", op.Ref, dirNone, fmt.Sprintf("The path key of %s carries a query or fragment after the path %q; tools read that convention differently.", op.Key(), pk.Path), key)
	}
	declared := map[string]bool{}
	for _, p := range op.Parameters {
		if p.In == "path" {
			declared[p.Name] = true
			if !inTemplate[p.Name] {
				r.add("struct-path-param-unused", p.Ref, dirNone, fmt.Sprintf("Path parameter %q of %s does not appear in the path template.", p.Name, op.Key()), key,
					report.PatchOp{Op: "remove", Path: p.Ref.Pointer})
			}
		}
		if p.Schema == nil && len(p.Content) == 0 {
			r.add("data-param-no-schema", p.Ref, dirRequest, fmt.Sprintf("Parameter %q (in %s) has no schema.", p.Name, p.In), key, boundedStringPatch(doc, p.Ref, "schema")...)
		}
		if p.In == "path" && p.Schema != nil {
			r.checkPathParam(op, p)
		}
		if p.In == "query" {
			r.checkQueryData(op, p, key)
			if idName(p.Name) && p.Schema != nil {
				if at, m := r.schemaNode(p.Schema); m != nil {
					if t := schemaTypes(m); t["integer"] || (t["number"] && !t["string"]) {
						r.add("exp-numeric-id", at, dirRequest, fmt.Sprintf("Query parameter %q is an integer id: sequential ids invite enumeration (check object-level authorization).", p.Name), key)
					}
				}
			}
		}
		if p.In == "header" && !httpguts.ValidHeaderFieldName(p.Name) {
			r.add("struct-invalid-field-name", p.Ref, dirRequest, fmt.Sprintf("Header parameter %q of %s is not a valid HTTP field name: no client can send it.", p.Name, op.Key()), key)
		}
		if p.In == "header" && requestline.IsOverride(p.Name) {
			r.add("sec-request-line-override", p.Ref, dirRequest, fmt.Sprintf("%s declares the header %q: frameworks that honour it run another method or path than the request line names, so gateways authorize one operation and the API runs another (rampart protect lets a declared override through).", op.Key(), p.Name), key)
		}
		if p.In != "path" && !r.urlSchema(p) && r.paramMayHoldText(p) {
			if urlName(p.Name) {
				r.add("exp-url-input", p.Ref, dirRequest, fmt.Sprintf("Parameter %q (in %s) looks like a URL; if the server fetches it, it can be aimed at internal addresses.", p.Name, p.In), key)
			} else if u := r.paramURLExample(p); u != "" && !urlNotFetched(p.Name) {
				r.add("exp-url-input", p.Ref, dirRequest, fmt.Sprintf("Parameter %q (in %s) is a URL (its example is %s/...); if the server fetches it, it can be aimed at internal addresses.", p.Name, p.In, u), key)
			}
		}
	}
	if doc.Family == spec.Swagger20 {
		// Form parameters are the properties of the form body, not in
		// op.Parameters; one without type accepts any value all the same.
		for _, at := range r.formParams(op) {
			v, _ := doc.Value(at)
			if m := asMap(v); m != nil && m["type"] == nil {
				r.add("data-param-no-schema", at, dirRequest, fmt.Sprintf("Parameter %q (in formData) has no schema.", asString(m["name"])), key, boundedStringPatch(doc, at, "schema")...)
			}
		}
	}
	r.checkExplodedCollisions(op, key)
	var missing []string
	for name := range inTemplate {
		if !declared[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		r.add("struct-path-param-undeclared", op.Ref, dirNone, fmt.Sprintf("%s does not declare the path parameter(s) %s.", op.Key(), quoteList(missing)), key, declarePathParams(doc, op, missing)...)
	}
	// Duplicates inside one parameters list (the model has merged them).
	for _, list := range []spec.NodeRef{ref(op.PathRef.File, op.PathRef.Pointer, "parameters"), ref(op.Ref.File, op.Ref.Pointer, "parameters")} {
		v, ok := doc.Value(list)
		if !ok {
			continue
		}
		seen := map[string]bool{}
		for i, item := range asSlice(v) {
			at := ref(list.File, list.Pointer, fmt.Sprint(i))
			_, pv, ok := doc.Deref(at, item)
			m := asMap(pv)
			if !ok || m == nil {
				continue
			}
			k := asString(m["in"]) + " " + asString(m["name"])
			if asString(m["in"]) == "header" {
				// Field names are case-insensitive (RFC 9110): X-Trace and
				// x-trace are one field with two definitions.
				k = strings.ToLower(k)
			}
			if seen[k] {
				r.add("struct-duplicate-parameter", at, dirNone, fmt.Sprintf("Parameter %q (in %s) is declared twice.", asString(m["name"]), asString(m["in"])), key)
			}
			seen[k] = true
		}
	}
}

// checkQueryData reports a query parameter named like a credential
// (sec-credential-in-query) or like personal or payment data
// (exp-sensitive-data-in-query): URLs are written to access logs, proxy
// logs and browser history and sent on in Referer headers. A parameter
// that can only be a boolean ("include_credit_card_information") or a
// structure (RDS's Auth, whose members have names of their own) carries
// no such value.
func (r *run) checkQueryData(op *spec.Operation, p *spec.Parameter, key []string) {
	if !r.paramMayCarry(p) {
		return
	}
	var others []string
	for _, q := range op.Parameters {
		if q.In == "query" && q != p {
			others = append(others, q.Name)
		}
	}
	desc := ""
	if v, ok := r.doc.Value(p.Ref); ok {
		desc = asString(asMap(v)["description"])
	}
	class, ok := sensitive.MatchQuery(p.Name, desc)
	switch {
	case sensitive.SignedURLSignature(p.Name, others):
		r.add("sec-credential-in-query", p.Ref, dirRequest, fmt.Sprintf("Query parameter %q of %s is the signature of a signed URL, which admits whoever holds the URL; URLs are logged and leak through Referer headers.", p.Name, op.Key()), key)
	case ok && class == sensitive.Personal:
		r.add("exp-sensitive-data-in-query", p.Ref, dirRequest, fmt.Sprintf("Query parameter %q of %s looks like %s; URLs are logged and leak through Referer headers.", p.Name, op.Key(), class), key)
	case ok:
		r.add("sec-credential-in-query", p.Ref, dirRequest, fmt.Sprintf("Query parameter %q of %s looks like %s; URLs are logged and leak through Referer headers.", p.Name, op.Key(), class), key)
	}
}

// paramMayCarry reports whether a parameter's value can be a string or a
// number (directly or as an array's items), the forms a credential or a
// card number takes; one without a schema can.
func (r *run) paramMayCarry(p *spec.Parameter) bool {
	if p.Schema == nil {
		return true
	}
	m, known := r.itemLeaf(r.schemaNode(p.Schema))
	if !known {
		return true
	}
	types := schemaTypes(m)
	return len(types) == 0 || types["string"] || types["integer"] || types["number"]
}

// itemLeaf follows $refs and array items from the schema m at `at` to the
// schema of the values themselves (an array's items, to any depth).
// known is false when that cannot be told: a $ref that does not resolve,
// an array without an items schema, nesting past 16 levels.
func (r *run) itemLeaf(at spec.NodeRef, m map[string]any) (leaf map[string]any, known bool) {
	for depth := 0; depth < 16 && m != nil; depth++ {
		if _, ok := m["$ref"]; ok {
			t, v, ok := r.doc.Deref(at, m)
			if !ok {
				return nil, false
			}
			at, m = t, asMap(v)
			continue
		}
		if types := schemaTypes(m); !types["array"] || len(types) > 1 {
			return m, true
		}
		items, ok := m["items"]
		if !ok {
			return nil, false
		}
		at, m = ref(at.File, at.Pointer, "items"), asMap(items)
	}
	return nil, false
}

// urlSchema reports a parameter whose schema has a URL format: the schema
// walk reports that URL input where the schema is defined, so the
// parameter's name must not report it a second time.
func (r *run) urlSchema(p *spec.Parameter) bool {
	if p.Schema == nil {
		return false
	}
	_, m := r.schemaNode(p.Schema)
	return m != nil && urlFormat(asString(m["format"]))
}

// paramURLExample returns the absolute URL (scheme and host) a parameter
// gives as its example, x-example, one of its examples, or its schema's
// example or default; "" when it gives none.
func (r *run) paramURLExample(p *spec.Parameter) string {
	if v, ok := r.doc.Value(p.Ref); ok {
		if u := absoluteURL(asMap(v)["x-example"]); u != "" {
			return u
		}
	}
	for _, ex := range r.examplesAt(p.Ref) {
		if u := absoluteURL(ex.value); u != "" {
			return u
		}
	}
	if p.Schema == nil {
		return ""
	}
	at, m := r.schemaNode(p.Schema)
	return r.urlExample(at, m)
}

// paramMayHoldText reports whether a parameter's value can be a string
// (one without a schema can).
func (r *run) paramMayHoldText(p *spec.Parameter) bool {
	if p.Schema == nil {
		return true
	}
	at, m := r.schemaNode(p.Schema)
	return m == nil || r.mayHoldText(at, m)
}

// schemaNode returns where a parameter's schema is defined (after $refs)
// and its value; for Swagger 2.0 that is the parameter object itself.
func (r *run) schemaNode(s *spec.Schema) (spec.NodeRef, map[string]any) {
	if s.Synthetic {
		v, _ := r.doc.Value(s.Ref)
		return s.Ref, asMap(v)
	}
	at, v, ok := r.doc.Deref(s.Ref, s.Value)
	if !ok {
		return s.Ref, nil
	}
	return at, asMap(v)
}

// checkExplodedCollisions flags a property of an exploded query object
// (style form, the default) that has the name of another query parameter
// or of another exploded object's property: each property is sent as its
// own name=value pair, so the two cannot be told apart on the wire (AWS's
// LaunchTemplate {..., Version} beside the API's Version parameter).
func (r *run) checkExplodedCollisions(op *spec.Operation, key []string) {
	owner := map[string]string{} // pair name -> the parameter that sends it
	for _, pp := range spec.ParsePathKey(op.Path).Query {
		owner[pp.Name] = "the path key's query"
	}
	type object struct {
		p     *spec.Parameter
		names []string
	}
	var objects []object
	for _, p := range op.Parameters {
		if p.In != "query" {
			continue
		}
		if p.Schema != nil && p.Explode && (p.Style == "form" || p.Style == "") {
			if _, m := r.schemaNode(p.Schema); m != nil {
				if props := asMap(m["properties"]); len(props) > 0 {
					names := make([]string, 0, len(props))
					for name := range props {
						names = append(names, name)
					}
					sort.Strings(names)
					objects = append(objects, object{p, names})
					continue
				}
			}
		}
		if _, dup := owner[p.Name]; !dup {
			owner[p.Name] = fmt.Sprintf("query parameter %q", p.Name)
		}
	}
	for _, o := range objects {
		var clashes []string
		for _, name := range o.names {
			if other, ok := owner[name]; ok {
				clashes = append(clashes, fmt.Sprintf("%q (also sent by %s)", name, other))
				continue
			}
			owner[name] = fmt.Sprintf("the exploded object %q", o.p.Name)
		}
		if len(clashes) > 0 {
			r.add("struct-exploded-name-collision", o.p.Ref, dirRequest, fmt.Sprintf("Query parameter %q of %s is an exploded object whose properties are sent as pairs of their own names, and %s: a server cannot tell which is which.", o.p.Name, op.Key(), strings.Join(clashes, ", ")), key)
		}
	}
}

func (r *run) checkPathParam(op *spec.Operation, p *spec.Parameter) {
	at, m := r.schemaNode(p.Schema)
	if m == nil {
		return
	}
	if r.pathParamNodes == nil {
		r.pathParamNodes = map[spec.NodeRef]bool{}
	}
	r.pathParamNodes[at] = true
	types := schemaTypes(m)
	if types["integer"] || (types["number"] && !types["string"]) {
		r.add("exp-numeric-id", at, dirRequest, fmt.Sprintf("Path parameter %q is an integer: sequential ids invite enumeration (check object-level authorization).", p.Name), []string{op.Key()})
		return
	}
	if len(types) > 0 && !types["string"] {
		return
	}
	_, hasRef := m["$ref"]
	if hasRef || m["allOf"] != nil || m["oneOf"] != nil || m["anyOf"] != nil {
		return
	}
	if m["pattern"] == nil && m["format"] == nil && m["enum"] == nil && m["const"] == nil {
		patch := []report.PatchOp{{Op: "add", Path: spec.JoinPointer(at.Pointer, "pattern"), Value: "^[A-Za-z0-9_-]{1,64}$"}}
		if !isNumber(m["maxLength"]) {
			patch = append(patch, report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxLength"), Value: 64})
		}
		r.add("data-path-param-unconstrained", at, dirRequest, fmt.Sprintf("Path parameter %q accepts any string (no pattern, format or enum).", p.Name), []string{op.Key()}, patch...)
	}
}

// adminSegment matches path segments that name administrative functions.
var adminSegment = regexp.MustCompile(`(?i)^(admin|admins|administration|administrator|superuser|internal|manage|management|staff)$`)

func isAdminPath(path string) bool {
	for _, seg := range strings.Split(path, "/") {
		if adminSegment.MatchString(seg) {
			return true
		}
	}
	return false
}

// securitySignature renders a requirement list canonically.
func securitySignature(reqs []spec.SecurityRequirement) string {
	var alts []string
	for _, req := range reqs {
		var parts []string
		for _, s := range req.Schemes {
			sc := append([]string(nil), s.Scopes...)
			sort.Strings(sc)
			parts = append(parts, s.Name+"["+strings.Join(sc, ",")+"]")
		}
		sort.Strings(parts)
		alts = append(alts, strings.Join(parts, "+"))
	}
	sort.Strings(alts)
	return strings.Join(alts, "|")
}

// checkAdminPaths flags admin operations whose security is identical to
// that of ordinary operations (a BFLA hint), and admin operations anyone
// can call, which reserve even less: removing an admin operation's
// security must not remove the finding about it. Only secured ordinary
// operations show what ordinary callers hold: an anonymous one asks for
// nothing, so it shares nothing, and the admin operations it no longer
// shares with are charged instead (adminCharges), so that making it
// anonymous never raises the score.
func (r *run) checkAdminPaths() {
	userSigs := map[string]string{}
	for _, op := range r.doc.Operations {
		if !isAdminPath(op.Path) && op.IsSecured() {
			sig := securitySignature(op.Security)
			if _, ok := userSigs[sig]; !ok {
				userSigs[sig] = op.Key()
			}
		}
	}
	for _, op := range r.doc.Operations {
		if !isAdminPath(op.Path) {
			continue
		}
		if !op.IsSecured() {
			// Without any scheme, sec-no-security already says that
			// every operation is open.
			if len(r.doc.SecuritySchemes) == 0 {
				continue
			}
			// Administrators sign in too: their login, one-time code
			// check, token grant and recovery are anonymous by design,
			// as anyone's are (sec-credential-unlimited judges them).
			// They are charged the finding instead (adminCharges), so
			// that removing such an operation's security never raises
			// the score. An anonymous sign-up under an admin path is
			// reported: it may create administrators.
			if kind := r.doc.CredentialKind(op); kind != spec.NotCredential && kind != spec.CredentialSignup {
				if i, ok := r.opIndex[op.Key()]; ok {
					r.adminCredentials = append(r.adminCredentials, i)
				}
			} else {
				r.add("exp-admin-shared-security", op.Ref, dirNone,
					fmt.Sprintf("%s can be called without credentials; nothing in the contract reserves it for administrators.", op.Key()), []string{op.Key()})
			}
			continue
		}
		if other, ok := userSigs[securitySignature(op.Security)]; ok {
			r.add("exp-admin-shared-security", op.Ref, dirNone,
				fmt.Sprintf("%s requires the same security as %s; nothing in the contract reserves it for administrators.", op.Key(), other), []string{op.Key()})
		} else if i, ok := r.opIndex[op.Key()]; ok && len(r.doc.SecuritySchemes) > 0 {
			// Not shared with a secured ordinary operation; an anonymous
			// one may be what keeps it so (adminCharges).
			r.adminUnshared = append(r.adminUnshared, i)
		}
	}
}

// boundedStringPatch adds a bounded string schema at a parameter or header:
// under "schema" in 3.x, as the object's own keywords in Swagger 2.0.
func boundedStringPatch(doc *spec.Document, at spec.NodeRef, _ string) []report.PatchOp {
	if doc.Family == spec.Swagger20 {
		return []report.PatchOp{
			{Op: "add", Path: spec.JoinPointer(at.Pointer, "type"), Value: "string"},
			{Op: "add", Path: spec.JoinPointer(at.Pointer, "maxLength"), Value: 256},
		}
	}
	return []report.PatchOp{{Op: "add", Path: spec.JoinPointer(at.Pointer, "schema"), Value: map[string]any{"type": "string", "maxLength": 256}}}
}

// declarePathParams adds the missing path parameters to the operation.
func declarePathParams(doc *spec.Document, op *spec.Operation, names []string) []report.PatchOp {
	var vals []any
	for _, n := range names {
		p := map[string]any{"name": n, "in": "path", "required": true}
		if doc.Family == spec.Swagger20 {
			p["type"], p["maxLength"] = "string", 64
		} else {
			p["schema"] = map[string]any{"type": "string", "maxLength": 64}
		}
		vals = append(vals, p)
	}
	list := spec.JoinPointer(op.Ref.Pointer, "parameters")
	if v, ok := doc.Value(spec.NodeRef{File: op.Ref.File, Pointer: list}); ok && v != nil {
		var out []report.PatchOp
		for _, p := range vals {
			out = append(out, report.PatchOp{Op: "add", Path: list + "/-", Value: p})
		}
		return out
	}
	return []report.PatchOp{{Op: "add", Path: list, Value: vals}}
}

// idName matches parameter names that identify an object: id, report_id,
// userId, accountID.
func idName(name string) bool {
	return name == "id" || strings.HasSuffix(name, "_id") || strings.HasSuffix(name, "Id") || strings.HasSuffix(name, "ID") || strings.HasSuffix(name, "-id")
}

// checkPathSplits finds the path segments that split more than one way:
// a variable followed by a literal that its own values may hold, before
// another variable ({maxLat}.{format} with maxLat a number: "1.5.json").
// Routers cut such a segment at the first occurrence (Express, rampart
// protect) or the last (Spring's greedy patterns), so the values bound
// differ between a gateway and the API behind it.
func (r *run) checkPathSplits(op *spec.Operation, key []string) {
	params := map[string]*spec.Parameter{}
	for _, p := range op.Parameters {
		if p.In == "path" {
			params[p.Name] = p
		}
	}
	for _, seg := range strings.Split(spec.ParsePathKey(op.Path).Path, "/") {
		locs := templateParam.FindAllStringSubmatchIndex(seg, -1)
		for i := 0; i+1 < len(locs); i++ {
			lit := seg[locs[i][1]:locs[i+1][0]]
			name := seg[locs[i][2]:locs[i][3]]
			p := params[name]
			if lit == "" || p == nil || !r.mayHold(p, lit) {
				continue
			}
			r.add("struct-path-ambiguous-split", op.Ref, dirNone, fmt.Sprintf("In the path of %s, %q may hold %q, the literal after it in the segment %q: routers cut that segment at the first %q or the last, and bind different values.", op.Key(), name, lit, seg, lit), key)
			return
		}
	}
}

// mayHold reports whether values of a path parameter may contain lit, as
// far as its schema tells: an enum member that does, a number ('.', 'e',
// '-'), an integer ('-'), or a string that no enum, pattern or format
// confines. A pattern is given the benefit of the doubt.
func (r *run) mayHold(p *spec.Parameter, lit string) bool {
	if p.Schema == nil {
		return true
	}
	_, m := r.schemaNode(p.Schema)
	if m == nil {
		return true
	}
	if enum, ok := m["enum"].([]any); ok {
		for _, e := range enum {
			if strings.Contains(fmt.Sprint(e), lit) {
				return true
			}
		}
		return false
	}
	t := schemaTypes(m)
	switch {
	case t["string"] || len(t) == 0:
		_, hasPattern := m["pattern"]
		_, hasFormat := m["format"]
		return !hasPattern && !hasFormat
	case t["number"]:
		return strings.ContainsAny(lit, ".eE-+0123456789")
	case t["integer"]:
		return strings.ContainsAny(lit, "-+0123456789")
	}
	return false
}

// pathShape is a path template split into segments, with the parameter
// behind each whole-segment variable.
type pathShape struct {
	key    string // the path as the document writes it
	op     *spec.Operation
	segs   []string
	vars   []bool // segs[i] is one whole variable
	params map[int]*spec.Parameter
}

// checkPathOverlaps finds pairs of paths that one URL can match where
// neither is more specific: /sites/{site}/zones/{zone} and
// /sites/{site}/{type}/count both match /sites/1/zones/count. Routers
// settle it differently (the first literal wins, the registration order
// wins, Go's ServeMux refuses to register both), so a gateway and the API
// may run different operations for one request. A literal that the
// other path's parameter schema refuses (an integer id, an enum, a
// pattern) cannot be that URL.
func (r *run) checkPathOverlaps() {
	// Many pairs put the same literal against the same parameter
	// (/repos/{owner}/... against every /repos/x/...): each verdict once.
	admits := map[admitKey]bool{}
	admit := func(p *spec.Parameter, lit string) bool {
		k := admitKey{p, lit}
		v, ok := admits[k]
		if !ok {
			v = r.pathParamAdmits(p, lit)
			admits[k] = v
		}
		return v
	}
	bySize := map[int][]*pathShape{}
	seen := map[string]bool{}
	// Paths equal but for their variables' names (/d/{id}, /d/{name})
	// match exactly the same URLs: OpenAPI says they must not exist, and
	// which one a router runs (with its parameters and security) is its
	// registration order.
	sameTemplate := map[string]*spec.Operation{}
	for _, op := range r.doc.Operations {
		path := spec.ParsePathKey(op.Path).Path
		if seen[path] {
			continue
		}
		seen[path] = true
		blank := templateVariable.ReplaceAllString(path, "{}")
		if first, ok := sameTemplate[blank]; ok {
			r.add("struct-path-overlap", op.PathRef, dirNone, fmt.Sprintf("%s and %s are the same template apart from their variables' names: both match every URL of either, and OpenAPI says such paths must not exist.", spec.ParsePathKey(first.Path).Path, path), []string{first.Key(), op.Key()})
		} else {
			sameTemplate[blank] = op
		}
		sh := &pathShape{key: path, op: op, segs: strings.Split(path, "/"), params: map[int]*spec.Parameter{}}
		sh.vars = make([]bool, len(sh.segs))
		for i, seg := range sh.segs {
			if name, whole := wholeVariable(seg); whole {
				sh.vars[i] = true
				for _, p := range op.Parameters {
					if p.In == "path" && p.Name == name {
						sh.params[i] = p
					}
				}
			}
		}
		bySize[len(sh.segs)] = append(bySize[len(sh.segs)], sh)
	}
	sizes := make([]int, 0, len(bySize))
	for size := range bySize {
		sizes = append(sizes, size)
	}
	sort.Ints(sizes)
	for _, size := range sizes {
		for _, pair := range crossingCandidates(bySize[size]) {
			if r.ctx.Err() != nil {
				return
			}
			a, b := pair[0], pair[1]
			if url, ok := crossedPaths(a, b, admit); ok {
				r.add("struct-path-overlap", b.op.PathRef, dirNone, fmt.Sprintf("%s and %s both match %s, and neither is more specific: routers pick different operations for it.", a.key, b.key, url), []string{a.op.Key(), b.op.Key()})
			}
		}
	}
}

// templateVariable is one {variable} of a path template.
var templateVariable = regexp.MustCompile(`\{[^{}]*\}`)

// wholeVariable reports whether a segment is one template variable.
func wholeVariable(seg string) (string, bool) {
	if len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' && !strings.ContainsAny(seg[1:len(seg)-1], "{}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

type admitKey struct {
	p   *spec.Parameter
	lit string
}

// crossedPaths reports whether one URL matches both paths with a literal
// of each where the other has a variable whose schema admits it, and
// returns that URL.
func crossedPaths(a, b *pathShape, admit func(*spec.Parameter, string) bool) (string, bool) {
	// Most pairs differ in a literal: they are told apart before
	// anything is built (a definition of 20,000 paths of one length is
	// 200 million pairs).
	var aLit, bLit bool
	for i := range a.segs {
		sa, sb, va, vb := a.segs[i], b.segs[i], a.vars[i], b.vars[i]
		switch {
		case !va && !vb:
			if sa != sb {
				return "", false
			}
		case va && vb:
		case va:
			if strings.ContainsAny(sb, "{}") || !admit(a.params[i], sb) {
				return "", false // a mixed segment, or a literal the variable refuses
			}
			bLit = true
		default:
			if strings.ContainsAny(sa, "{}") || !admit(b.params[i], sa) {
				return "", false
			}
			aLit = true
		}
	}
	if !aLit || !bLit {
		return "", false
	}
	url := make([]string, len(a.segs))
	for i := range a.segs {
		url[i] = a.segs[i]
		if a.vars[i] && !b.vars[i] {
			url[i] = b.segs[i]
		}
	}
	return strings.Join(url, "/"), true
}

// pathParamAdmits reports whether a path parameter's schema takes a
// literal segment as its value (true when it cannot tell).
func (r *run) pathParamAdmits(p *spec.Parameter, lit string) bool {
	if p == nil || p.Schema == nil {
		return true
	}
	sch, err := r.doc.Compile(p.Schema, spec.RequestView)
	if err != nil {
		return true
	}
	// A value too costly to check (spec.CostError) is one it cannot
	// tell about.
	if err := r.doc.ValidateBounded(sch, spec.RequestView, lit); err == nil || spec.TooCostly(err) {
		return true
	}
	// A number's text reads as a number.
	var n json.Number
	if json.Unmarshal([]byte(lit), &n) == nil {
		err := r.doc.ValidateBounded(sch, spec.RequestView, n)
		return err == nil || spec.TooCostly(err)
	}
	return false
}

// checkSchemaValidity compiles every schema the operations use, in the
// view the firewall compiles it in (spec.Document.Compile, the one path
// the three engines share), and reports where the JSON Schema
// meta-schema refuses one: `type: strng`, `minLength: -1`, `required:
// "x"`. The OpenAPI 3.1 meta-schema does not look inside schemas, so such
// a definition passed the structure check while rampart protect refused
// the operations using it. Where the structure check already said the
// same (3.0's meta-schema does look inside), the findings merge.
func (r *run) checkSchemaValidity() {
	type key struct {
		s *spec.Schema
		v spec.View
	}
	ops := map[key][]string{}
	var order []key
	for _, u := range r.doc.SchemaUses() {
		k := key{u.Schema, u.View}
		if _, seen := ops[k]; !seen {
			order = append(order, k)
		}
		ops[k] = append(ops[k], u.Op.Key())
	}
	for i, k := range order {
		if i%256 == 0 && r.ctx.Err() != nil {
			r.canceled = r.ctx.Err()
			return
		}
		_, err := r.doc.Compile(k.s, k.v)
		if err == nil {
			continue
		}
		if spec.IsEngineFailure(err) {
			r.schemaInvalid = true
			r.add("struct-invalid", k.s.Ref, dirNone, "The schema engine fails on this schema instead of compiling it (a number beyond the range of its exact arithmetic, such as multipleOf: 1e-10000000, does this); rampart protect fails closed where it is used.", ops[k])
			continue
		}
		defects := r.doc.SchemaDefects(err)
		if len(defects) > 0 {
			// The engine stops at the first schema the meta-schema
			// refuses: the other schemas the use reaches through $ref
			// are compiled on their own, so that every broken one is
			// reported in one run, not one per fix.
			for _, t := range r.refTargets(k.s) {
				defects = append(defects, targetDefects(r, t, k.v)...)
			}
		}
		for _, d := range defects {
			r.schemaInvalid = true
			r.add("struct-invalid", d.At, dirNone, fmt.Sprintf("%s (at %s): the schema is not valid JSON Schema; strict validators refuse it, and rampart protect fails closed where it is used.", d.Message, d.At.Pointer), ops[k])
		}
	}
	r.checkUnusedSchemaValidity()
}

// checkUnusedSchemaValidity checks the component schemas of an OpenAPI
// 3.1+ definition that no operation uses (those it uses were checked
// above; findings at one place merge): the 3.1 meta-schema does not look
// inside schemas, so `type: int` in a component waiting for its first
// operation passed unseen, while 3.0's structure check reports it.
func (r *run) checkUnusedSchemaValidity() {
	if r.doc.Family != spec.OpenAPI31 && r.doc.Family != spec.OpenAPI32 {
		return
	}
	comps, _ := asMap(r.doc.Root()["components"])["schemas"].(map[string]any)
	for i, name := range sortedKeys(comps) {
		if i%256 == 0 && r.ctx.Err() != nil {
			r.canceled = r.ctx.Err()
			return
		}
		at := ref(r.doc.RootFile(), "/components/schemas", name)
		for _, d := range targetDefects(r, &spec.Schema{Ref: at, Value: comps[name]}, spec.RequestView) {
			r.schemaInvalid = true
			r.add("struct-invalid", d.At, dirNone, fmt.Sprintf("%s (at %s): the schema is not valid JSON Schema; strict validators refuse it, and rampart protect fails closed where it is used.", d.Message, d.At.Pointer), nil)
		}
	}
}

// targetDefects compiles the schema at t on its own in view v, once per
// run, and returns where the meta-schema refuses it or a schema it
// reaches.
func targetDefects(r *run, t *spec.Schema, v spec.View) []spec.SchemaDefect {
	type key struct {
		at spec.NodeRef
		v  spec.View
	}
	if r.targetDefects == nil {
		r.targetDefects = map[any][]spec.SchemaDefect{}
	}
	k := key{t.Ref, v}
	if d, done := r.targetDefects[k]; done {
		return d
	}
	var d []spec.SchemaDefect
	if _, err := r.doc.Compile(t, v); err != nil {
		d = r.doc.SchemaDefects(err)
	}
	r.targetDefects[k] = d
	return d
}

// refTargets returns the schemas s reaches through $ref, each once, in
// the order met (bounded: a definition's schemas, at most).
func (r *run) refTargets(s *spec.Schema) []*spec.Schema {
	var out []*spec.Schema
	seen := map[spec.NodeRef]bool{}
	var walk func(at spec.NodeRef, v any, depth int)
	walk = func(at spec.NodeRef, v any, depth int) {
		if depth > 64 {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			if _, ok := x["$ref"].(string); ok {
				if t, tv, ok := r.doc.Deref(at, x); ok && !seen[t] {
					seen[t] = true
					out = append(out, &spec.Schema{Ref: t, Value: tv})
					walk(t, tv, depth+1)
				}
			}
			for _, k := range sortedKeys(x) {
				if k != "$ref" {
					walk(ref(at.File, at.Pointer, k), x[k], depth+1)
				}
			}
		case []any:
			for i, c := range x {
				walk(ref(at.File, at.Pointer, itoa(i)), c, depth+1)
			}
		}
	}
	walk(s.Ref, s.Value, 0)
	return out
}

// checkIgnoredParams reports the header parameters OpenAPI says to
// ignore (Accept, Content-Type, Authorization: spec.Parameter.Ignored) and
// a response's Content-Type header, which the media types describe. Every
// engine ignores them, so a pattern written on an Authorization parameter
// checks nothing.
func (r *run) checkIgnoredParams() {
	for _, op := range r.doc.AllOperations() {
		for _, p := range op.Parameters {
			if !p.Ignored() {
				continue
			}
			var why string
			switch strings.ToLower(p.Name) {
			case "authorization":
				why = "credentials are described by a security scheme (http bearer or basic, apiKey, oauth2) and a security requirement"
			case "accept":
				why = "what a response may be is described by the media types of its content"
			default:
				why = "what a request body may be is described by the media types of its content"
			}
			r.add("struct-param-ignored", p.Ref, dirNone, fmt.Sprintf("Header parameter %s is ignored, as OpenAPI says (%s): no engine enforces its schema.", p.Name, why), []string{op.Key()})
		}
		for _, resp := range op.Responses {
			for _, hn := range sortedKeys(resp.Headers) {
				if h := resp.Headers[hn]; strings.EqualFold(hn, "content-type") {
					r.add("struct-param-ignored", h.Ref, dirNone, fmt.Sprintf("Response header %s of response %s is ignored, as OpenAPI says (the media types of its content describe it): no engine enforces its schema.", cmp.Or(h.Name, hn), resp.Code), []string{op.Key()})
				}
			}
		}
	}
}

// checkBodyOnBodylessMethod reports a request body declared for GET, HEAD
// or DELETE, whose content HTTP gives no meaning (RFC 9110, 9.3.1-9.3.5):
// servers, caches and proxies may drop it or refuse the request, and
// OpenAPI 3.0 tells tools to ignore it.
func (r *run) checkBodyOnBodylessMethod() {
	for _, op := range r.doc.AllOperations() {
		if op.RequestBody == nil || len(op.RequestBody.Content) == 0 || r.emptyOptionalBody(op.RequestBody) {
			continue
		}
		switch op.Method {
		case http.MethodGet, http.MethodHead, http.MethodDelete:
		default:
			continue
		}
		what := "HTTP gives its content no meaning, so servers, caches and proxies may drop it or refuse the request"
		if r.doc.Family == spec.OpenAPI30 {
			what += ", and OpenAPI 3.0 tells tools to ignore it"
		}
		alt := "POST"
		if r.doc.Family == spec.OpenAPI32 {
			alt = "QUERY or POST"
		}
		r.add("struct-request-body-bodyless", op.RequestBody.Ref, dirNone, fmt.Sprintf("%s declares a request body: %s. Send its input as parameters, or use %s.", op.Key(), what, alt), []string{op.Key()})
	}
}

// checkLinks reports a response link whose operationId names no
// operation of the definition: OpenAPI requires an existing one, and
// clients following the link find nothing.
func (r *run) checkLinks() {
	ids := map[string]bool{}
	for _, op := range r.doc.AllOperations() {
		if op.OperationID != "" {
			ids[op.OperationID] = true
		}
	}
	seen := map[spec.NodeRef]bool{}
	for _, op := range r.doc.AllOperations() {
		for _, resp := range op.Responses {
			for _, name := range sortedKeys(resp.Links) {
				at := resp.Links[name]
				v, ok := r.doc.Value(at)
				if !ok {
					continue
				}
				lat, lv, ok := r.doc.Deref(at, v)
				if !ok || seen[lat] {
					continue
				}
				seen[lat] = true
				if id, ok := asMap(lv)["operationId"].(string); ok && !ids[id] {
					r.add("struct-unresolved-ref", ref(lat.File, lat.Pointer, "operationId"), dirNone, fmt.Sprintf("Link %s of response %s of %s names operationId %q, which no operation has.", name, resp.Code, op.Key(), id), []string{op.Key()})
				}
			}
		}
	}
}

// emptyOptionalBody reports an optional request body whose every media
// type's schema is an object that can hold nothing (no properties,
// additionalProperties: false), as Stripe's definition declares for each
// GET and DELETE: it says there is no body, in the shape of one.
func (r *run) emptyOptionalBody(b *spec.RequestBody) bool {
	if b.Required {
		return false
	}
	for _, mt := range b.Content {
		if mt.Schema == nil {
			return false
		}
		m := asMap(mt.Schema.Value)
		if len(asMap(m["properties"])) > 0 || m["additionalProperties"] != false || m["$ref"] != nil || m["allOf"] != nil || m["oneOf"] != nil || m["anyOf"] != nil {
			return false
		}
	}
	return true
}
