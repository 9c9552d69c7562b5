package gen

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Mutation is one out-of-contract change to a valid value.
type Mutation struct {
	// Kind names the violation: wrong-type, missing-required,
	// below-minimum, above-maximum, too-short, too-long, too-few-items,
	// too-many-items, pattern, format, enum, additional-property,
	// discriminator.
	Kind string
	// Path is the property path inside a body ("address", "zip"); empty
	// for the value itself.
	Path []string
	// Value replaces the value at Path unless Drop is set.
	Value any
	// Drop removes the value at Path (a missing required property).
	Drop bool
}

// Name is the mutation's stable identity in reports, e.g.
// "quantity: above-maximum".
func (m Mutation) Name() string {
	if len(m.Path) == 0 {
		return m.Kind
	}
	return strings.Join(m.Path, ".") + ": " + m.Kind
}

// ValueMutations lists out-of-contract replacements for a value of the
// schema node at (at, raw). Callers confirm each one against the compiled
// schema before sending it, so a candidate that happens to be valid (for
// example a pattern that accepts anything) is dropped rather than reported.
func (g *Generator) ValueMutations(at spec.NodeRef, raw any) []Mutation {
	n, ok := g.Resolve(at, raw)
	if !ok {
		return nil
	}
	m := n.V
	var out []Mutation
	add := func(kind string, v any) { out = append(out, Mutation{Kind: kind, Value: v}) }
	t := schemaType(m)
	switch t {
	case "integer", "number":
		add("wrong-type", "rampart-not-a-number")
		below, above, hasBelow, hasAbove := boundMutations(m, t == "integer")
		if hasBelow {
			add("below-minimum", below)
		}
		if hasAbove {
			add("above-maximum", above)
		}
	case "boolean":
		add("wrong-type", "rampart-not-a-boolean")
	case "object":
		add("wrong-type", "rampart-not-an-object")
	case "array":
		add("wrong-type", "rampart-not-an-array")
		if v, ok := num(m["minItems"]); ok && v > 0 {
			add("too-few-items", []any{})
		}
		// One item past the bound, each in its position's schema (a
		// tuple's prefixItems, then items), so the count is the only
		// fault: maxItems, or the end of a tuple closed by items: false.
		// One walker for all the items: its size bound holds for the
		// whole mutation, not per item.
		w := walker{g: g, view: spec.RequestView, preferExamples: true}
		if v, ok := num(m["maxItems"]); ok && v < 1000 {
			add("too-many-items", w.items(n, int(v)+1, 0))
		} else if prefix, _ := m["prefixItems"].([]any); closedTuple(n) && len(prefix) < 1000 {
			add("too-many-items", w.items(n, len(prefix)+1, 0))
		}
	case "string", "":
		add("wrong-type", json.Number("12345"))
		if v, ok := num(m["minLength"]); ok && v > 0 && v <= maxString {
			add("too-short", strings.Repeat("a", int(v)-1))
		}
		if v, ok := num(m["maxLength"]); ok && v < 100000 {
			add("too-long", strings.Repeat("a", int(v)+1))
		}
		if _, ok := m["pattern"].(string); ok {
			add("pattern", "~rampart pattern violation~")
		}
		if f, ok := m["format"].(string); ok {
			if _, known := formatValues[f]; known && f != "password" {
				add("format", "not-a-valid-"+f)
			}
		}
	}
	if e, ok := m["enum"].([]any); ok && len(e) > 0 {
		switch t {
		case "integer", "number":
			add("enum", json.Number("987654321"))
		default:
			add("enum", "rampart-not-in-enum")
		}
	}
	return out
}

// BodyMutations lists mutations of a valid JSON body: every property is
// mutated in turn (recursively, to a few levels), each required property
// is left out once, and an undeclared property is added to every object
// that is closed (additionalProperties: false, or any object without
// additionalProperties under the strict-objects policy).
//
// strict sends the additional-property mutation to objects that are closed
// only by the shared strict-objects policy; without it, only objects the
// definition closes explicitly (additionalProperties: false) are expected
// to refuse an undeclared property, as JSON Schema itself says.
func (g *Generator) BodyMutations(s *spec.Schema, valid any, strict bool) []Mutation {
	g.strict = strict
	var out []Mutation
	g.bodyMutations(s.Ref, s.Value, valid, nil, 0, &out)
	return out
}

func (g *Generator) bodyMutations(at spec.NodeRef, raw any, valid any, path []string, depth int, out *[]Mutation) {
	if depth > 3 {
		return
	}
	for _, m := range g.ValueMutations(at, raw) {
		m.Path = append([]string(nil), path...)
		*out = append(*out, m)
	}
	obj, ok := valid.(map[string]any)
	if !ok {
		return
	}
	// A discriminator value no branch is mapped to: the server must not
	// pick a variant the contract does not name (type confusion).
	if n, ok := g.Resolve(at, raw); ok {
		if disc, ok := g.Doc.Discriminator(n.At, n.V); ok && disc.Selects() {
			if _, has := obj[disc.Property]; has {
				*out = append(*out, Mutation{Kind: "discriminator", Path: append(append([]string(nil), path...), disc.Property), Value: "rampart-unknown-variant"})
			}
		}
	}
	props, required, closed := g.objectShape(at, raw)
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		p := append(append([]string(nil), path...), name)
		if required[name] {
			*out = append(*out, Mutation{Kind: "missing-required", Path: p, Drop: true})
		}
		if pr, ok := props[name]; ok {
			g.bodyMutations(pr.At, pr.Raw, obj[name], p, depth+1, out)
		}
	}
	if !closed {
		return
	}
	*out = append(*out, Mutation{Kind: "additional-property", Path: append(append([]string(nil), path...), "rampartUnexpected"), Value: "unexpected"})
}

// Property is one property schema of an object: where it is and its raw
// node.
type Property struct {
	At  spec.NodeRef
	Raw any
}

// Properties merges the properties of an object schema and its allOf
// members.
func (g *Generator) Properties(at spec.NodeRef, raw any) map[string]Property {
	props, _, _ := g.objectShape(at, raw)
	return props
}

// objectShape merges the properties and required lists of an object schema
// and its allOf members, and says whether the object is closed.
func (g *Generator) objectShape(at spec.NodeRef, raw any) (map[string]Property, map[string]bool, bool) {
	props := map[string]Property{}
	required := map[string]bool{}
	closed := false
	var visit func(at spec.NodeRef, raw any, depth int)
	visit = func(at spec.NodeRef, raw any, depth int) {
		n, ok := g.Resolve(at, raw)
		if !ok || depth > 8 {
			return
		}
		if ps, ok := n.V["properties"].(map[string]any); ok {
			for k := range ps {
				pat, praw, _ := n.Child("properties", k)
				props[k] = Property{pat, praw}
			}
		}
		if rs, ok := n.V["required"].([]any); ok {
			for _, r := range rs {
				if s, ok := r.(string); ok {
					required[s] = true
				}
			}
		}
		if ap, ok := n.V["additionalProperties"]; ok {
			if b, isBool := ap.(bool); isBool && !b {
				closed = true
			}
		} else if _, hasProps := n.V["properties"]; hasProps && g.strict && g.Doc.StrictObjects() {
			closed = true
		}
		if all, ok := n.V["allOf"].([]any); ok {
			for i, sub := range all {
				sat, _, _ := n.Child("allOf", strconv.Itoa(i))
				visit(sat, sub, depth+1)
			}
		}
	}
	visit(at, raw, 0)
	return props, required, closed
}

// Apply returns a copy of body with the mutation applied.
func Apply(body any, m Mutation) any {
	if len(m.Path) == 0 {
		if m.Drop {
			return nil
		}
		return m.Value
	}
	return applyAt(body, m.Path, m)
}

func applyAt(v any, path []string, m Mutation) any {
	obj, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := make(map[string]any, len(obj)+1)
	for k, x := range obj {
		out[k] = x
	}
	if len(path) == 1 {
		if m.Drop {
			delete(out, path[0])
		} else {
			out[path[0]] = m.Value
		}
		return out
	}
	out[path[0]] = applyAt(obj[path[0]], path[1:], m)
	return out
}
