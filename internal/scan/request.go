package scan

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/params"
	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/scan/identity"
	"github.com/rampart-sec/rampart/internal/spec"
)

// request is a request to one operation, as values before serialisation,
// so tests can change one thing and send it again.
type request struct {
	op      *spec.Operation
	method  string
	params  map[string]any // "in:name" -> typed value
	omit    map[string]bool
	body    any
	hasBody bool
	media   string
	// rawBody/rawType replace the serialised body (wrong content type).
	rawBody []byte
	rawType string
	pathTpl string

	id     *identity.Identity
	reqIdx int // index in op.Security of the requirement used; -1 none
	// omitScheme leaves one scheme of the requirement out.
	omitScheme string
	noAuth     bool
	// auth, when set, places test credentials instead of the identity's.
	auth func(*http.Request)
	// expectDenied marks authentication tests: a 401 is the expected
	// answer there, not a reason to refresh the token.
	expectDenied bool
	// extra fields are set last, over everything else (probes of how the
	// API reads particular header fields).
	extra http.Header
	// dupQuery repeats one query parameter (parser-differential probes).
	dupQuery *queryDuplicate
}

func (r *request) clone() *request {
	c := *r
	c.params = make(map[string]any, len(r.params))
	for k, v := range r.params {
		c.params[k] = v
	}
	c.omit = map[string]bool{}
	for k, v := range r.omit {
		c.omit[k] = v
	}
	c.auth = nil
	c.expectDenied = false
	return &c
}

func paramKey(p *spec.Parameter) string { return p.In + ":" + p.Name }

// serialize renders a parameter value in the simple/form styles: scalars
// as text, arrays comma-separated (or repeated, for exploded query
// parameters, by the caller), objects as JSON.
func serialize(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = serialize(e)
		}
		return strings.Join(parts, ",")
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// atom is one item or property value inside a styled parameter or a form
// field. A nested array or object has no RFC 6570 form: it goes as JSON
// text, the media type OpenAPI gives object values by default, which is
// how the firewall reads it (params.JSONText). Anything else is
// serialize's text.
func atom(v any) string {
	switch v.(type) {
	case []any, map[string]any:
		if b, err := json.Marshal(v); err == nil {
			return string(b)
		}
	}
	return serialize(v)
}

// coerce reads a parameter's text back as the type its schema declares,
// the way a server would, so a mutation can be checked against the
// compiled schema as the server will see it.
func coerce(g *gen.Generator, s *spec.Schema, text string) any {
	n, ok := g.Resolve(s.Ref, s.Value)
	if !ok {
		return text
	}
	return coerceNode(g, n, text)
}

func coerceNode(g *gen.Generator, n gen.Node, text string) any {
	switch gen.SchemaType(n.V) {
	case "array":
		if text == "" {
			return []any{}
		}
		if text[0] == '[' {
			// A nested array sent as JSON text (atom).
			var v []any
			d := json.NewDecoder(strings.NewReader(text))
			d.UseNumber()
			if d.Decode(&v) == nil {
				return v
			}
		}
		at, raw, ok := n.Child("items")
		var item gen.Node
		if ok {
			item, ok = g.Resolve(at, raw)
		}
		var out []any
		for _, p := range strings.Split(text, ",") {
			if ok {
				out = append(out, coerceNode(g, item, p))
			} else {
				out = append(out, p)
			}
		}
		return out
	case "object":
		var v any
		d := json.NewDecoder(strings.NewReader(text))
		d.UseNumber()
		if d.Decode(&v) == nil {
			return v
		}
		return text
	}
	if n.V == nil {
		return text
	}
	// A scalar is read as the firewall reads it (params.Scalar): by
	// the types the schema admits, those of its oneOf/anyOf/allOf
	// branches included, and only plain JSON numbers are numbers.
	if v, ok := fromJSONText(params.Scalar(text, shapeOf(g, n))); ok {
		return v
	}
	return text
}

// shapeOf is the decoders' view of schema n (see package params).
func shapeOf(g *gen.Generator, n gen.Node) *params.Shape {
	return params.ShapeOf(n.V, func(v any) (any, bool) {
		_, t, ok := g.Doc.Deref(n.At, v)
		return t, ok
	})
}

// fromJSONText decodes the params.JSONText atoms in a decoded value as
// the firewall does (nested values sent as JSON text); false when one is
// not JSON.
func fromJSONText(v any) (any, bool) {
	switch x := v.(type) {
	case params.JSONText:
		var out any
		d := json.NewDecoder(strings.NewReader(string(x)))
		d.UseNumber()
		if d.Decode(&out) != nil {
			return nil, false
		}
		return out, true
	case map[string]any:
		for k, c := range x {
			dc, ok := fromJSONText(c)
			if !ok {
				return nil, false
			}
			x[k] = dc
		}
	case []any:
		for i, c := range x {
			dc, ok := fromJSONText(c)
			if !ok {
				return nil, false
			}
			x[i] = dc
		}
	}
	return v, true
}

// keyVarPairs renders the path key's query pair pp, whose value is the
// template variable pp.Var, from the path parameter of that name: nothing
// when the request leaves it out (or the contract does not declare it).
func (r *request) keyVarPairs(pp spec.PathPair) []string {
	for _, p := range r.op.Parameters {
		if p.In != "path" || p.Name != pp.Var {
			continue
		}
		k := paramKey(p)
		v, ok := r.params[k]
		if !ok || r.omit[k] {
			return nil
		}
		qp := *p
		qp.Name, qp.In, qp.Style, qp.Explode = pp.Name, "query", "form", true
		return queryPairs(&qp, v)
	}
	return nil
}

// build turns the request into HTTP form.
func (e *engine) build(ctx context.Context, r *request) (*exchange, error) {
	path := r.op.Path
	if r.pathTpl != "" {
		path = r.pathTpl
	}
	// A key such as "/?Action=List" or "/#X-Amz-Target=Svc.Op" (generated
	// contracts): the request goes to its path, with its query first.
	key := spec.ParsePathKey(path)
	path = key.Path
	var query []string
	selectors := key.Query
	for _, pp := range key.Fragment {
		// A fragment is never sent; a pair of it that no parameter
		// declares goes in the query, where the firewall (and AWS-style
		// APIs) read it to select the operation.
		if namedParam(r.op, pp.Name) == nil {
			selectors = append(selectors, pp)
		}
	}
	for _, pp := range selectors {
		if pp.Var != "" {
			// "/alerts?lat={lat}": the pair carries the value of the
			// path parameter lat, as a form query pair; left out with
			// it (a missing-required mutation).
			query = append(query, r.keyVarPairs(pp)...)
			continue
		}
		q := queryEscape(pp.Name)
		if pp.Value != "" {
			q += "=" + queryEscape(pp.Value)
		}
		query = append(query, q)
	}
	header := http.Header{}
	var cookies []string
	params := append([]*spec.Parameter(nil), r.op.Parameters...)
	sort.Slice(params, func(i, j int) bool { return paramKey(params[i]) < paramKey(params[j]) })
	for _, p := range params {
		if p.Name == "" && p.In != "path" {
			continue // no field, key or cookie can carry it
		}
		k := paramKey(p)
		v, ok := r.params[k]
		// The credential's place belongs to the credential: it is set
		// below (or deliberately left out, in authentication tests), never
		// doubled or replaced by the parameter's own value.
		if !ok || r.omit[k] || e.credentialParam(r, p) {
			if p.In == "path" {
				path = strings.ReplaceAll(path, "{"+p.Name+"}", "")
			}
			continue
		}
		switch p.In {
		case "path":
			esc := url.PathEscape
			if p.MultiSegment() {
				esc = escapeSegments
			}
			path = strings.ReplaceAll(path, "{"+p.Name+"}", styledValue(p, v, esc))
		case "query":
			pairs := queryPairs(p, v)
			if d := r.dupQuery; d != nil && d.key == k {
				if d.first {
					pairs = append(queryPairs(p, d.value), pairs...)
				} else {
					pairs = append(pairs, queryPairs(p, d.value)...)
				}
			}
			query = append(query, pairs...)
		case "header":
			header.Set(p.Name, styledValue(p, v, func(s string) string { return s }))
		case "cookie":
			cookies = append(cookies, cookiePairs(p, v)...)
		}
	}
	u, err := e.base.Parse(e.basePath(r.op) + path)
	if err != nil {
		return nil, fmt.Errorf("building URL for %s: %w", path, err)
	}
	u.RawQuery = strings.Join(e.withTargetQuery(query, func(name string) bool {
		for _, p := range r.op.Parameters {
			if p.In == "query" && p.Name == name {
				return true
			}
		}
		return false
	}), "&")
	var body []byte
	switch {
	case r.rawBody != nil:
		body = r.rawBody
		header.Set("Content-Type", r.rawType)
	case r.hasBody:
		var ctype string
		body, ctype, err = e.encodeBody(r)
		if err != nil {
			return nil, err
		}
		header.Set("Content-Type", sendable(ctype))
	}
	header.Set("Accept", "application/json, */*;q=0.5")
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header = header
	if len(cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
	}
	if !r.noAuth && r.id != nil && r.reqIdx >= 0 && r.reqIdx < len(r.op.Security) {
		if err := r.id.Apply(ctx, req, r.op.Security[r.reqIdx], r.omitScheme); err != nil {
			return nil, err
		}
	}
	if r.auth != nil {
		r.auth(req)
	}
	for k, vs := range r.extra {
		req.Header[k] = append([]string(nil), vs...)
	}
	x := &exchange{Method: r.method, URL: req.URL.String(), Header: req.Header, Body: body}
	if len(body) > 0 && strings.EqualFold(strings.TrimSpace(req.Header.Get("Content-Encoding")), "gzip") {
		// A contract that requires the coding gets the body it names.
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		if _, err := zw.Write(body); err != nil {
			return nil, fmt.Errorf("compressing the body: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compressing the body: %w", err)
		}
		x.Plain, x.Body = body, zb.Bytes()
	}
	return x, nil
}

// credentialParam reports whether parameter p is where the credential of
// r's security requirement goes: an apiKey scheme of the requirement in
// the same header (names compared case-insensitively, as HTTP does),
// query key or cookie (compared exactly). A contract often declares the
// key's header as a parameter too (x-access-token, required, with a
// pattern); that value is the credential.
func (e *engine) credentialParam(r *request, p *spec.Parameter) bool {
	if r.id == nil || r.reqIdx < 0 || r.reqIdx >= len(r.op.Security) {
		return false
	}
	for _, sr := range r.op.Security[r.reqIdx].Schemes {
		s := e.doc.SecuritySchemes[sr.Name]
		if s == nil || s.Type != "apiKey" || !strings.EqualFold(s.In, p.In) {
			continue
		}
		if s.ParamName == p.Name || (p.In == "header" && strings.EqualFold(s.ParamName, p.Name)) {
			return true
		}
	}
	return false
}

// essence is a media type without its parameters, in lower case:
// definitions may key content by "application/json;charset=UTF-8", and
// what kind of body that is depends on the type alone.
// sendable is a media type as a Content-Type field can carry it: as the
// contract's key has it, unless its parameters do not parse
// ("text/plain; utf-8"), which no server reads alike; then its type and
// subtype alone, which the key still covers.
func sendable(media string) string {
	if _, _, err := mime.ParseMediaType(media); err != nil {
		if e := essence(media); e != "" {
			return e
		}
	}
	return media
}

func essence(media string) string {
	media, _, _ = strings.Cut(media, ";")
	return strings.ToLower(strings.TrimSpace(media))
}

func isForm(media string) bool {
	return essence(media) == "application/x-www-form-urlencoded"
}

func isJSON(media string) bool {
	media = essence(media)
	return media == "application/json" || strings.HasSuffix(media, "+json")
}

// isRaw reports a concrete media type whose body is sent as it is (text,
// or bytes: text/plain, text/csv, application/octet-stream, image/png):
// none of the structured ones the scanner serialises, and no range.
func isRaw(media string) bool {
	media = essence(media)
	return media != "" && !strings.Contains(media, "*") && !isJSON(media) && !isForm(media) && !isMultipart(media) && !isXML(media)
}

// pickMedia chooses the request media type the scanner can produce.
func pickMedia(rb *spec.RequestBody) (string, *spec.MediaType) {
	names := make([]string, 0, len(rb.Content))
	for k := range rb.Content {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, want := range []func(string) bool{
		func(s string) bool { return s == "application/json" },
		isJSON,
		isForm,
		isMultipart,
		isXML,
		func(s string) bool { return s == "*/*" || s == "application/*" },
		// Last, bodies sent as they are: text, then bytes.
		func(s string) bool { return s == "text/plain" },
		func(s string) bool { return isRaw(s) && strings.HasPrefix(s, "text/") },
		func(s string) bool { return s == "application/octet-stream" },
		isRaw,
	} {
		for _, n := range names {
			if want(essence(n)) {
				return n, rb.Content[n]
			}
		}
	}
	return "", nil
}

// examplesOf returns the example values written on a parameter or media
// type object (example, or the first of examples).
func (e *engine) examplesOf(ref spec.NodeRef) []any {
	v, ok := e.doc.Value(ref)
	if !ok {
		return nil
	}
	_, v, ok = e.doc.Deref(ref, v)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	var out []any
	if x, ok := m["example"]; ok {
		out = append(out, x)
	}
	if xs, ok := m["examples"].(map[string]any); ok {
		keys := make([]string, 0, len(xs))
		for k := range xs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ex, ok := xs[k].(map[string]any); ok {
				if val, ok := ex["value"]; ok {
					out = append(out, val)
				}
			}
		}
	}
	return out
}

// bodyBytes is the serialised JSON of a value, for comparisons.
func bodyBytes(v any) []byte {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(v)
	return b.Bytes()
}

// withTargetQuery puts the pairs of the target URL's own query (an
// api-version the API wants on every call) before a request's query pairs.
// A pair whose name the request already has, or the operation declares as
// a parameter, is left out: those are the scan's to set, omit or mutate.
func (e *engine) withTargetQuery(query []string, declared func(name string) bool) []string {
	if e.base.RawQuery == "" {
		return query
	}
	have := map[string]bool{}
	for _, kv := range query {
		k, _, _ := strings.Cut(kv, "=")
		if name, err := url.QueryUnescape(k); err == nil {
			have[name] = true
		}
	}
	var out []string
	for kv := range strings.SplitSeq(e.base.RawQuery, "&") {
		k, _, _ := strings.Cut(kv, "=")
		name, err := url.QueryUnescape(k)
		if kv == "" || err != nil || have[name] || (declared != nil && declared(name)) {
			continue
		}
		out = append(out, kv)
	}
	return append(out, query...)
}

// escapeSegments escapes a multi-segment path value (GitHub's file paths,
// x-multi-segment) segment by segment: its slashes separate segments, as
// the API routes them. Slashes at its ends are dropped: the template
// supplies the separators there, and a value starting with one would
// start the path with //, which a URL reads as another host.
func escapeSegments(s string) string {
	segs := strings.Split(strings.Trim(s, "/"), "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return strings.Join(segs, "/")
}
