package scan

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/params"
	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Parameter serialisation by style and explode (OpenAPI 3 "Style Values"):
// simple (path, header), label and matrix (path), form (query, cookie),
// spaceDelimited and pipeDelimited (query arrays and objects) and
// deepObject (query objects). Each atom is escaped on its own and the
// style's delimiters are written as the specification shows them.

// objectPairs returns an object's keys and values in key order, so a
// request is the same on every run.
func objectPairs(m map[string]any) (keys, vals []string) {
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		vals = append(vals, atom(m[k]))
	}
	return keys, vals
}

func escapeAll(s []string, esc func(string) string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = esc(x)
	}
	return out
}

// interleave is k1,v1,k2,v2 for non-exploded objects; joinKV is k1=v1,k2=v2
// for exploded ones.
func interleave(keys, vals []string) []string {
	out := make([]string, 0, 2*len(keys))
	for i := range keys {
		out = append(out, keys[i], vals[i])
	}
	return out
}

func joinKV(keys, vals []string, sep string) string {
	parts := make([]string, len(keys))
	for i := range keys {
		parts[i] = keys[i] + "=" + vals[i]
	}
	return strings.Join(parts, sep)
}

// styledValue renders a path or header parameter: simple (a,b; k,v or
// k=v), label (.a,b or .a.b) or matrix (;id=a,b or ;id=a;id=b). esc escapes
// one atom (path-segment escaping for paths, none for headers).
func styledValue(p *spec.Parameter, v any, esc func(string) string) string {
	var atoms []string // array items, or the object's interleaved pairs
	var keys, vals []string
	kind := "scalar"
	switch x := v.(type) {
	case []any:
		kind = "array"
		for _, it := range x {
			atoms = append(atoms, esc(atom(it)))
		}
	case map[string]any:
		kind = "object"
		keys, vals = objectPairs(x)
		keys, vals = escapeAll(keys, esc), escapeAll(vals, esc)
	}
	name := esc(p.Name)
	switch p.Style {
	case "label":
		switch {
		case kind == "array" && p.Explode:
			return "." + strings.Join(atoms, ".")
		case kind == "array":
			return "." + strings.Join(atoms, ",")
		case kind == "object" && p.Explode:
			return "." + joinKV(keys, vals, ".")
		case kind == "object":
			return "." + strings.Join(interleave(keys, vals), ",")
		}
		return "." + esc(serialize(v))
	case "matrix":
		switch {
		case kind == "array" && p.Explode:
			parts := make([]string, len(atoms))
			for i, a := range atoms {
				parts[i] = ";" + name + "=" + a
			}
			return strings.Join(parts, "")
		case kind == "array":
			return ";" + name + "=" + strings.Join(atoms, ",")
		case kind == "object" && p.Explode:
			return ";" + joinKV(keys, vals, ";")
		case kind == "object":
			return ";" + name + "=" + strings.Join(interleave(keys, vals), ",")
		case v == nil:
			return ";" + name
		}
		return ";" + name + "=" + esc(serialize(v))
	default: // simple
		switch {
		case kind == "array":
			return strings.Join(atoms, ",")
		case kind == "object" && p.Explode:
			return joinKV(keys, vals, ",")
		case kind == "object":
			return strings.Join(interleave(keys, vals), ",")
		}
		return esc(serialize(v))
	}
}

// queryEscape escapes a query atom; a space is %20, as the
// specification's spaceDelimited examples show.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// queryPairs renders a query parameter as name=value pairs, already
// escaped: form (repeated when exploded), spaceDelimited and
// pipeDelimited (one value joined by %20 or |), deepObject (name[key]).
func queryPairs(p *spec.Parameter, v any) []string {
	esc := queryEscape
	if p.AllowReserved {
		// Reserved characters stay as they are; only what would break the
		// query (separators, spaces, '#') is escaped.
		esc = func(s string) string {
			return strings.NewReplacer("%", "%25", "&", "%26", "=", "%3D", "#", "%23", " ", "%20", "+", "%2B").Replace(s)
		}
	}
	name := esc(p.Name)
	pair := func(k, v string) string { return k + "=" + v }
	switch x := v.(type) {
	case []any:
		atoms := make([]string, len(x))
		for i, it := range x {
			atoms[i] = esc(atom(it))
		}
		if p.Style == "deepObject" {
			// deepObject is defined for objects; on an array, contracts
			// (Stripe's expand) mean the bracket form qs, PHP and Rails
			// read as an array, which the firewall reads too; items that
			// are objects go by index (Stripe's items[0][price]=x).
			if nestedItems(x) && bracketable(x) {
				return deepPairs(name, x, esc)
			}
			out := make([]string, len(atoms))
			for i, a := range atoms {
				out[i] = pair(name+"%5B%5D", a)
			}
			return out
		}
		if p.Explode {
			out := make([]string, len(atoms))
			for i, a := range atoms {
				out[i] = pair(name, a)
			}
			return out
		}
		return []string{pair(name, strings.Join(atoms, delimiter(p.Style)))}
	case map[string]any:
		keys, vals := objectPairs(x)
		keys, vals = escapeAll(keys, esc), escapeAll(vals, esc)
		switch {
		case p.Style == "deepObject":
			// OpenAPI defines one level; nested values go in the
			// bracket forms qs, PHP and Rails (and the firewall) read:
			// a repeated key for an array of scalars, indices for an
			// array of objects, a bracket per level of an object.
			return deepPairs(name, x, esc)
		case p.Explode && p.Style == "form":
			// One pair per property, and per item of an array property
			// (ids=1&ids=2, as an exploded array goes), which is how
			// the firewall and AWS's query protocol read them.
			var out []string
			unescaped := sortedKeys(x) // objectPairs' order
			for i := range keys {
				if arr, ok := x[unescaped[i]].([]any); ok {
					for _, it := range arr {
						out = append(out, pair(keys[i], esc(atom(it))))
					}
					continue
				}
				out = append(out, pair(keys[i], vals[i]))
			}
			return out
		}
		return []string{pair(name, strings.Join(interleave(keys, vals), delimiter(p.Style)))}
	}
	return []string{pair(name, esc(serialize(v)))}
}

// deepPairs renders v under the bracketed key prefix ("filter[lines]"):
// an object's properties one level down, an array of scalars as its key
// repeated, an array holding objects or arrays by index, a scalar as one
// pair. An empty object or array sends nothing.
// nestedItems reports an array holding an object or an array, which the
// bracket forms send by index.
func nestedItems(x []any) bool {
	for _, it := range x {
		switch it.(type) {
		case map[string]any, []any:
			return true
		}
	}
	return false
}

// bracketable reports whether the bracket forms can carry v whole: an
// empty array or object inside it has no pair to send (the JSON atom
// the firewall also reads keeps it).
func bracketable(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return false
		}
		for _, it := range x {
			if !bracketable(it) {
				return false
			}
		}
	case []any:
		if len(x) == 0 {
			return false
		}
		for _, it := range x {
			if !bracketable(it) {
				return false
			}
		}
	}
	return true
}

func deepPairs(prefix string, v any, esc func(string) string) []string {
	switch x := v.(type) {
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(x) {
			out = append(out, deepPairs(prefix+"["+esc(k)+"]", x[k], esc)...)
		}
		return out
	case []any:
		nested := nestedItems(x)
		var out []string
		for i, it := range x {
			if nested {
				out = append(out, deepPairs(prefix+"["+strconv.Itoa(i)+"]", it, esc)...)
			} else {
				out = append(out, prefix+"="+esc(serialize(it)))
			}
		}
		return out
	}
	return []string{prefix + "=" + esc(serialize(v))}
}

// Reading a parameter back. A server that honours the contract reads a
// parameter by its style and explode, and what it reads can differ from
// the value the scanner meant: an exploded form object takes its keys from
// the pairs' names, so attrs=123 is the object {"attrs": "123"}; an empty
// exploded array sends no pair at all; a pipeDelimited item holding '|'
// is two items. readStyled is queryPairs read in reverse, so a mutation is
// judged by what arrives.

// splitPairs splits serialised name=value pairs. unescape decodes them as
// a query does; cookie values are read as the bytes sent (see Cookies).
func splitPairs(enc []string, unescape bool) [][2]string {
	out := make([][2]string, 0, len(enc))
	for _, kv := range enc {
		k, v, _ := strings.Cut(kv, "=")
		if unescape {
			if d, err := url.QueryUnescape(k); err == nil {
				k = d
			}
			if d, err := url.QueryUnescape(v); err == nil {
				v = d
			}
		}
		out = append(out, [2]string{k, v})
	}
	return out
}

// readStyled is the value a server reads for the query parameter (or
// form body field) p of schema n from the pairs that carry it, and false
// when none does (the parameter is absent). Scalars take their schema's
// type as coerce does.
func readStyled(g *gen.Generator, p *spec.Parameter, n gen.Node, pairs [][2]string) (any, bool) {
	t := gen.SchemaType(n.V)
	switch {
	case p.Style == "deepObject":
		// Read as the firewall reads it (package params): nested keys
		// build nested values, typed by the schema; on an array
		// (Stripe's expand), name[]=a items.
		dp := params.Param{Name: p.Name, In: "query", Style: "deepObject", Explode: true, Shape: shapeOf(g, n)}
		q := make([]params.Pair, len(pairs))
		for i, kv := range pairs {
			q[i] = params.Pair{Key: kv[0], Value: kv[1]}
		}
		v, present, err := dp.Query(q, make([]bool, len(q)))
		if err != nil {
			// No server reads it as one object: text, which the
			// object schema refuses.
			return fmt.Sprint(pairs), true
		}
		if present {
			if dv, ok := fromJSONText(v); ok {
				return dv, true
			}
			return fmt.Sprint(pairs), true
		}
		// Only name=value: bracket-reading parsers (qs, Rack) read a
		// plain scalar there, as below.
	case t == "object" && p.Style == "form" && p.Explode:
		if len(pairs) == 0 {
			return nil, false
		}
		// The properties the firewall's decoder takes (a repeated key
		// is an array property's items), then every other name sent as
		// a property of its own: the server binds it so, and the
		// object's schema judges it (attrs=123 is {"attrs": "123"}).
		fp := params.Param{Name: p.Name, In: "query", Style: "form", Explode: true, Shape: shapeOf(g, n)}
		q := make([]params.Pair, len(pairs))
		for i, kv := range pairs {
			q[i] = params.Pair{Key: kv[0], Value: kv[1]}
		}
		taken := make([]bool, len(q))
		v, _, err := fp.Query(q, taken)
		obj, _ := v.(map[string]any)
		if err != nil || (v != nil && obj == nil) {
			return fmt.Sprint(pairs), true
		}
		if obj == nil {
			obj = map[string]any{}
		}
		for i, kv := range pairs {
			if !taken[i] {
				obj[kv[0]] = kv[1]
			}
		}
		if dv, ok := fromJSONText(obj); ok {
			return dv, true
		}
		return fmt.Sprint(pairs), true
	}
	var own []string
	for _, kv := range pairs {
		if kv[0] == p.Name {
			own = append(own, kv[1])
		}
	}
	if len(own) == 0 {
		return nil, false
	}
	sep := params.Separator(p.Style)
	switch t {
	case "array":
		parts := own
		if !p.Explode {
			parts = nil
			if own[0] != "" {
				parts = strings.Split(own[0], sep)
			}
		}
		item := childNode(g, n, "items")
		out := make([]any, len(parts))
		for i, x := range parts {
			out[i] = coerceNode(g, item, x)
		}
		return out, true
	case "object":
		parts := strings.Split(own[0], sep)
		if len(parts)%2 != 0 {
			// Not key,value pairs: the server has text, not an object.
			return own[0], true
		}
		obj := make(map[string]any, len(parts)/2)
		for i := 0; i < len(parts); i += 2 {
			obj[parts[i]] = coerceNode(g, fieldNode(g, n, parts[i]), parts[i+1])
		}
		return obj, true
	}
	return coerceNode(g, n, own[0]), true
}

// wireParam is the value a server reads for parameter p (which has a
// schema) sent with value v, and false when nothing of it goes out.
// Query and cookie parameters are read back from their serialisation,
// path and header ones from their text typed by the schema.
func (e *engine) wireParam(p *spec.Parameter, v any) (any, bool) {
	n, ok := e.gen.Resolve(p.Schema.Ref, p.Schema.Value)
	if !ok {
		return serialize(v), true
	}
	switch p.In {
	case "query":
		return readStyled(e.gen, p, n, splitPairs(queryPairs(p, v), true))
	case "cookie":
		// Cookies are form style; an array is one cookie whatever
		// explode says, and values are read as the bytes sent.
		cp := *p
		cp.Style = "form"
		if gen.SchemaType(n.V) != "object" {
			cp.Explode = false
		}
		return readStyled(e.gen, &cp, n, splitPairs(cookiePairs(p, v), false))
	}
	return coerceNode(e.gen, n, serialize(v)), true
}

// childNode resolves the schema at keys under n (an empty node, read as
// text, when there is none).
func childNode(g *gen.Generator, n gen.Node, keys ...string) gen.Node {
	at, raw, ok := n.Child(keys...)
	if !ok {
		return gen.Node{}
	}
	c, _ := g.Resolve(at, raw)
	return c
}

// fieldNode is the schema of an object's property key: the declared
// property (allOf members included), else additionalProperties.
func fieldNode(g *gen.Generator, n gen.Node, key string) gen.Node {
	if pr, ok := g.Properties(n.At, n.V)[key]; ok {
		c, _ := g.Resolve(pr.At, pr.Raw)
		return c
	}
	return childNode(g, n, "additionalProperties")
}

func delimiter(style string) string {
	switch style {
	case "spaceDelimited":
		return "%20"
	case "pipeDelimited":
		return "|"
	}
	return ","
}

// Cookies. OpenAPI 3.0 and 3.1 give cookie parameters one style, form,
// and define it by RFC 6570 expansion, which percent-encodes; their
// Appendix D (3.0.4, 3.1.1, 3.1.2) then warns that this encoding is not
// always appropriate for cookies, whose syntax is RFC 6265's, and that
// form's "&" between pairs is always wrong there. A server reads a cookie
// value as the bytes between "=" and ";" (Go's net/http, the firewall's
// internal/firewall/cookies); most never percent-decode it. So the
// scanner sends what the contract's value is, as the server will read
// it: an atom made only of RFC 6265 cookie-octets (letters, digits and
// !#$%&'()*+-./:<=>?@[]^_`{|}~) goes as is, so a date-time, a JWT or a
// base64 value arrives unchanged; an atom with any other byte (space,
// '"', ',', ';', '\', a control, non-ASCII) could not be sent as is, and
// is percent-encoded whole as RFC 6570 does (%20 for a space), the one
// encoding the specification names for it. Arrays, and objects with
// explode false, are one cookie, atoms joined by ',' (a,b and
// k1,v1,k2,v2), a form the firewall reads; an atom holding ',' is
// encoded, so the split is sure. An exploded object (explode defaults to
// true for cookies) spreads its properties as form does over a query,
// R=100&G=200 there: one cookie per property here (R=100; G=200), with
// ';' in place of the '&' that is always wrong in a Cookie header.
// A parameter described by content is the media type's text (JSON), not
// an RFC 6570 expansion: it goes as is unless a byte in it would end the
// pair or the header field (';', a control, non-ASCII), then encoded.

// cookiePairs renders a cookie parameter as the name=value pairs sent.
func cookiePairs(p *spec.Parameter, v any) []string {
	if m, ok := v.(map[string]any); ok && p.Explode && p.Schema != nil {
		keys, vals := objectPairs(m)
		out := make([]string, len(keys))
		for i := range keys {
			out[i] = cookieAtom(keys[i]) + "=" + cookieAtom(vals[i])
		}
		return out
	}
	return []string{p.Name + "=" + cookieValue(p, v)}
}

// cookieValue renders a cookie parameter's value as sent.
func cookieValue(p *spec.Parameter, v any) string {
	if p.Schema == nil && len(p.Content) > 0 {
		s := serialize(v)
		for i := 0; i < len(s); i++ {
			if b := s[i]; b < 0x20 || b >= 0x7f || b == ';' {
				return queryEscape(s)
			}
		}
		return s
	}
	switch x := v.(type) {
	case []any:
		atoms := make([]string, len(x))
		for i, it := range x {
			atoms[i] = cookieAtom(atom(it))
		}
		return strings.Join(atoms, ",")
	case map[string]any:
		keys, vals := objectPairs(x)
		return strings.Join(interleave(escapeAll(keys, cookieAtom), escapeAll(vals, cookieAtom)), ",")
	}
	return cookieAtom(serialize(v))
}

// cookieAtom is s as is when it is all cookie-octets, else percent-encoded.
func cookieAtom(s string) string {
	for i := 0; i < len(s); i++ {
		if !isCookieOctet(s[i]) {
			return queryEscape(s)
		}
	}
	return s
}

// isCookieOctet reports whether b is a cookie-octet of RFC 6265 4.1.1:
// US-ASCII except controls, whitespace, '"', ',', ';' and '\'.
func isCookieOctet(b byte) bool {
	return b > 0x20 && b < 0x7f && b != '"' && b != ',' && b != ';' && b != '\\'
}
