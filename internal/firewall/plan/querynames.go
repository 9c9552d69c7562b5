package plan

import (
	"strings"

	"github.com/rampart-sec/rampart/internal/params"
)

// queryName is a query key an operation declares. deep marks a deepObject
// parameter, whose keys are name[property], never the bare name; object
// marks a key whose value is an object (deepObject, a form object, or an
// object property of an exploded one), which dotted keys bind into.
type queryName struct {
	name   string
	deep   bool
	object bool
	// array marks a deepObject parameter whose schema is an array: its
	// keys are name[] or name[0], name[1]... (params.Param.DeepArray).
	array bool
	// scalar marks a deepObject parameter whose schema admits a scalar,
	// sent under the bare name (params.Param.DeepScalar).
	scalar bool
}

// queryNames lists the keys the query parameters of ps are sent as: the
// name, or for an exploded form object its declared properties.
func queryNames(ps []*Param) []queryName {
	var out []queryName
	for _, p := range ps {
		if p.In != "query" {
			continue
		}
		switch {
		case p.DeepArray():
			out = append(out, queryName{name: p.Name, deep: true, array: true, scalar: p.DeepScalar()})
		case p.Style == "deepObject":
			out = append(out, queryName{name: p.Name, deep: true, object: true, scalar: p.DeepScalar()})
		case p.Style == "form" && p.Explode && p.Shape.Has(params.TObject) && !p.Shape.Has(params.TArray):
			for _, k := range sortedKeys(p.Shape.Props) {
				out = append(out, queryName{name: k, object: p.Shape.Props[k].Has(params.TObject)})
			}
			if _, isProp := p.Shape.Props[p.Name]; !isProp && p.Shape.Has(params.ScalarTypes|params.TNull) {
				// An object or a scalar: the scalar goes under the name.
				out = append(out, queryName{name: p.Name})
			}
		default:
			out = append(out, queryName{name: p.Name, object: p.Shape.Has(params.TObject)})
		}
	}
	return out
}

// MaxQueryParams is how many query pairs a request to op may carry: the
// configured limit (Config.MaxQueryParams), or the number of query keys
// op declares when that is more, so that a search operation with 581
// declared filters can be sent all of them.
func (op *Op) MaxQueryParams(cfg *Config) int {
	return max(cfg.MaxQueryParams, len(op.queryNames))
}

// aliasOf returns the declared name that a lenient framework binds key to
// when key is not itself how that name is sent, or "". Frameworks read a
// key as a declared name when it is
//   - the name followed by brackets, limit[] or limit[0] (qs and Express,
//     PHP, Rails and Rack: an array under that name);
//   - the name with leading spaces, which PHP strips;
//   - the name with '.' or ' ' for '_', or an unclosed '[' for '_', which
//     PHP mangles (li.mit, li mit and li[mit all become li_mit);
//   - the name in other case (ASP.NET Core and other case-insensitive
//     model binders: LIMIT binds limit);
//   - the bare name of a deepObject parameter whose schema admits no
//     scalar, or name[] (qs reads both beside or instead of
//     name[property]);
//   - name.property for an object name (ASP.NET Core and Spring bind
//     dotted keys into nested objects, qs with allowDots too).
//
// The firewall validates a declared name only under its exact key, so any
// of these would reach the upstream unvalidated under that name. It
// allocates only for keys PHP would mangle.
func aliasOf(key string, names []queryName) string {
	for _, n := range names {
		if key == n.name && (!n.deep || n.scalar) {
			return ""
		}
		if n.deep && len(key) > len(n.name)+1 && key[len(n.name)] == '[' && strings.HasPrefix(key, n.name) && (n.array || key[len(n.name)+1] != ']') {
			// name[property], or name[] and name[0] for an array: the
			// deepObject decoder reads it.
			return ""
		}
	}
	base := strings.TrimLeft(key, " ")
	var unclosed string
	if i := strings.IndexByte(base, '['); i >= 0 {
		if strings.IndexByte(base[i:], ']') < 0 {
			unclosed = base[:i] + "_" + base[i+1:]
		}
		base = base[:i]
	}
	dotted, _, isDotted := strings.Cut(base, ".")
	for _, n := range names {
		if isDotted && n.object && strings.EqualFold(dotted, n.name) {
			return n.name
		}
		if strings.EqualFold(base, n.name) || (unclosed != "" && phpEqual(unclosed, n.name)) || phpEqual(base, n.name) {
			return n.name
		}
	}
	return ""
}

// phpEqual compares s as PHP mangles it ('.' and ' ' read as '_') with
// name, ignoring case.
func phpEqual(s, name string) bool {
	if len(s) != len(name) || !strings.ContainsAny(s, ". ") {
		return strings.EqualFold(s, name)
	}
	return strings.EqualFold(strings.NewReplacer(".", "_", " ", "_").Replace(s), name)
}

// prototypeKey reports a query key, or a form or multipart field name,
// that qs (Express's query parser, and form parsers built on it) or
// hand-written nesting parsers turn into a write to a JavaScript
// prototype: a segment __proto__, or constructor followed by prototype,
// where segments are separated by brackets or dots (qs's allowDots) and
// spaces around a segment do not count: __proto__[x], a[__proto__],
// constructor[prototype][x], __proto__.x. JSON bodies are held to the
// same rule (json-prototype-key).
func prototypeKey(key string) bool {
	if !strings.Contains(key, "__proto__") && !strings.Contains(key, "prototype") {
		return false
	}
	prev := ""
	for seg := range strings.FieldsFuncSeq(key, func(r rune) bool { return r == '[' || r == ']' || r == '.' }) {
		seg = strings.TrimSpace(seg)
		if seg == "__proto__" || (seg == "prototype" && prev == "constructor") {
			return true
		}
		prev = seg
	}
	return false
}
