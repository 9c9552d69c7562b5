package spec

import "strconv"

// maxInPlaceVisits bounds the walk of one reference's in-place closure: a
// cycle longer than that is not looked for (no real definition nests
// allOf/anyOf/oneOf through that many schemas without a property or an
// item between them).
const maxInPlaceVisits = 4096

// inPlaceKeywords are the keywords whose schemas apply to the same value
// as the schema holding them (JSON Schema 2020-12 §10.2), as $ref does:
// unlike properties or items, they do not go one level into the value.
var inPlaceKeywords = struct{ lists, single, maps []string }{
	lists:  []string{"allOf", "anyOf", "oneOf"},
	single: []string{"not", "if", "then", "else"},
	maps:   []string{"dependentSchemas"},
}

// inPlaceCycle reports whether the schema a $ref at holder resolves to
// (target) applies the holder's schema again to the same value, through
// in-place applicators and references alone: A = allOf [B] with B = allOf
// [A, ...]. Validating any value against such a schema never ends, as with
// a $ref that resolves only to itself; a recursion through properties or
// items is legal, since each turn goes one level into the value.
func (b *builder) inPlaceCycle(holder, target NodeRef) bool {
	seen := map[NodeRef]bool{}
	stack := []NodeRef{target}
	for len(stack) > 0 && len(seen) < maxInPlaceVisits {
		at := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if at == holder {
			return true
		}
		if seen[at] {
			continue
		}
		seen[at] = true
		v, _ := b.fs.value(at)
		m := asMap(v)
		if m == nil {
			continue
		}
		if r, ok := m["$ref"].(string); ok {
			if t, err := b.fs.resolveRefAt(at, r); err == nil {
				stack = append(stack, t)
			}
		}
		for _, k := range inPlaceKeywords.lists {
			if l, ok := m[k].([]any); ok {
				for i := range l {
					stack = append(stack, NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k, strconv.Itoa(i))})
				}
			}
		}
		for _, k := range inPlaceKeywords.single {
			if asMap(m[k]) != nil {
				stack = append(stack, NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k)})
			}
		}
		for _, k := range inPlaceKeywords.maps {
			for name := range asMap(m[k]) {
				stack = append(stack, NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k, name)})
			}
		}
	}
	return false
}
