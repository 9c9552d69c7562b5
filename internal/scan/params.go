package scan

import (
	"net/url"
	"sort"
	"strings"

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
		vals = append(vals, serialize(m[k]))
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
			atoms = append(atoms, esc(serialize(it)))
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
			atoms[i] = esc(serialize(it))
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
			out := make([]string, len(keys))
			for i := range keys {
				out[i] = name + "[" + keys[i] + "]=" + vals[i]
			}
			return out
		case p.Explode && p.Style == "form":
			out := make([]string, len(keys))
			for i := range keys {
				out[i] = pair(keys[i], vals[i])
			}
			return out
		}
		return []string{pair(name, strings.Join(interleave(keys, vals), delimiter(p.Style)))}
	}
	return []string{pair(name, esc(serialize(v)))}
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
