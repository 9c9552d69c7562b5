package spec

import (
	"slices"
	"sort"
)

// A oneOf or anyOf whose branches a property's value tells apart (an
// OpenAPI discriminator, or branches that each require a property and fix
// its value with const or enum, as expression grammars do: {op: "and",
// args: [...]}) is compiled as a chain that reads the value first and
// validates only the branch it selects:
//
//	{if: {type: object, required: [P], properties: {P: {enum: values of branch 1}}},
//	 then: branch 1,
//	 else: {if: ..., then: branch 2, else: ...
//	        else: the branches no value selects, or a clear refusal}}
//
// It accepts exactly what the oneOf/anyOf accepts (see selectionChain), and
// it is how a value can be validated in time linear in its size. The
// schema engine validates every branch of a oneOf in full to report why
// each failed, so a recursive grammar whose branches share a property
// (And and Or both recurse into args) visits each level twice per level
// above it: a 400-byte expression nested 18 deep cost seconds per request.

// branchSelection says which branches of a oneOf/anyOf a property's value
// selects. Values[i] is nil for a branch no value is known to select;
// values are JSON scalars (strings, numbers, booleans, null).
type branchSelection struct {
	Property string
	Values   [][]any
}

// selected counts the branches a value selects.
func (s branchSelection) selected() int {
	n := 0
	for _, v := range s.Values {
		if len(v) > 0 {
			n++
		}
	}
	return n
}

// branchSelection reads how the oneOf/anyOf (keyword kw) of schema m at
// `at` selects its branches, when a chain can replace it exactly: at least
// two branches selected, by disjoint sets of scalar values, and every
// value the chain examines an object (m or each selected branch is typed
// object), since an `if` on properties holds vacuously for anything else.
func (fs *fileSet) branchSelection(at NodeRef, m map[string]any, kw string) (branchSelection, bool) {
	branches := asSlice(m[kw])
	if len(branches) < 2 {
		return branchSelection{}, false
	}
	var sel branchSelection
	if disc, ok := fs.discriminator(at, m); ok && disc.Keyword == kw {
		sel = branchSelection{Property: disc.Property, Values: make([][]any, len(disc.Values))}
		for i, names := range disc.Values {
			for _, name := range names {
				sel.Values[i] = append(sel.Values[i], name)
			}
		}
	} else {
		sel = fs.impliedSelection(at, kw, branches)
	}
	if sel.Property == "" || sel.selected() < 2 {
		return branchSelection{}, false
	}
	seen := map[string]bool{}
	objectTyped := m["type"] == "object"
	for i, values := range sel.Values {
		if len(values) == 0 {
			continue
		}
		for _, v := range values {
			k, _ := scalarKey(v)
			if seen[k] {
				return branchSelection{}, false // one value, two branches
			}
			seen[k] = true
		}
		if !objectTyped && !fs.objectOnly(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, kw, itoa(i))}, asMap(branches[i]), 0) {
			return branchSelection{}, false
		}
	}
	return sel, true
}

// objectOnly reports whether a schema (following $refs, and the members
// of an allOf, as polymorphic variants are written) accepts objects only.
func (fs *fileSet) objectOnly(at NodeRef, m map[string]any, depth int) bool {
	at, m, ok := fs.derefMap(at, m)
	if !ok || depth > 4 {
		return false
	}
	switch ty := m["type"].(type) {
	case string:
		if ty == "object" {
			return true
		}
	case []any:
		if len(ty) == 1 && ty[0] == "object" {
			return true
		}
	}
	for i, member := range asSlice(m["allOf"]) {
		if fs.objectOnly(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "allOf", itoa(i))}, asMap(member), depth+1) {
			return true
		}
	}
	return false
}

// impliedSelection finds, without a discriminator, a property that
// branches require and fix to scalar values (const, or an enum of
// scalars); the one that tells most branches apart wins, ties by name.
func (fs *fileSet) impliedSelection(at NodeRef, kw string, branches []any) branchSelection {
	fixed := make([]map[string][]any, len(branches))
	count := map[string]int{}
	for i, b := range branches {
		bAt, bm, ok := fs.derefMap(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, kw, itoa(i))}, asMap(b))
		if !ok {
			continue
		}
		props := asMap(bm["properties"])
		for _, r := range asSlice(bm["required"]) {
			name := asString(r)
			ps, has := props[name]
			if name == "" || !has {
				continue
			}
			_, pm, ok := fs.derefMap(NodeRef{File: bAt.File, Pointer: JoinPointer(bAt.Pointer, "properties", name)}, asMap(ps))
			if !ok {
				continue
			}
			values := fixedScalars(pm)
			if len(values) == 0 {
				continue
			}
			if fixed[i] == nil {
				fixed[i] = map[string][]any{}
			}
			if _, dup := fixed[i][name]; !dup {
				count[name]++
			}
			fixed[i][name] = values
		}
	}
	names := make([]string, 0, len(count))
	for name := range count {
		names = append(names, name)
	}
	sort.Slice(names, func(a, b int) bool {
		if count[names[a]] != count[names[b]] {
			return count[names[a]] > count[names[b]]
		}
		return names[a] < names[b]
	})
	if len(names) == 0 {
		return branchSelection{}
	}
	sel := branchSelection{Property: names[0], Values: make([][]any, len(branches))}
	for i := range branches {
		sel.Values[i] = fixed[i][names[0]]
	}
	return sel
}

// fixedScalars returns the values a property schema allows when it allows
// nothing else (const, or an enum) and they are all JSON scalars, one of
// each: 1 and 1.0 are one number, "1" is another value. Nil otherwise.
func fixedScalars(m map[string]any) []any {
	values := asSlice(m["enum"])
	if c, ok := m["const"]; ok {
		values = []any{c}
	}
	if len(values) == 0 {
		return nil
	}
	seen := map[string]bool{}
	out := make([]any, 0, len(values))
	for _, v := range values {
		k, ok := scalarKey(v)
		if !ok {
			return nil
		}
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// scalarKey names a JSON scalar so that two values get one key exactly
// when JSON Schema calls them equal (numbers by their exact value).
func scalarKey(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "null", true
	case string:
		return "s" + x, true
	case bool:
		if x {
			return "true", true
		}
		return "false", true
	}
	if r, ok := exactNumber(v); ok {
		return "n" + r.RatString(), true
	}
	return "", false
}

// selectionChain builds the chain that replaces a oneOf/anyOf (keyword kw)
// whose transformed branches are `branches`, selected as sel says. With
// the branches no value selects (rest):
//
//   - a value whose property selects branch i is valid when branch i
//     accepts it and, for oneOf, no branch of rest does (the other
//     selected branches require other values); for anyOf, when branch i
//     or a branch of rest does;
//   - any other value is valid when exactly one (oneOf) or at least one
//     (anyOf) branch of rest accepts it; with no rest, it is refused with
//     the property's allowed values, which is the most useful reason.
func selectionChain(kw string, branches []any, sel branchSelection) map[string]any {
	var rest []any
	var all []any
	for i, b := range branches {
		if len(sel.Values[i]) == 0 {
			rest = append(rest, b)
			continue
		}
		all = append(all, sel.Values[i]...)
	}
	selector := func(values []any) map[string]any {
		enum := slices.Clone(values)
		return map[string]any{
			"type":       "object",
			"required":   []any{sel.Property},
			"properties": map[string]any{sel.Property: map[string]any{"enum": enum}},
		}
	}
	var chain map[string]any
	switch {
	case len(rest) == 0:
		// The selector of every value: refuses with the allowed values.
		chain = selector(all)
	default:
		chain = map[string]any{kw: rest}
	}
	for i := len(branches) - 1; i >= 0; i-- {
		if len(sel.Values[i]) == 0 {
			continue
		}
		then := branches[i]
		switch {
		case len(rest) == 0:
		case kw == "oneOf":
			then = map[string]any{"allOf": []any{branches[i]}, "not": map[string]any{"anyOf": rest}}
		default:
			then = map[string]any{"anyOf": append([]any{branches[i]}, rest...)}
		}
		chain = map[string]any{"if": selector(sel.Values[i]), "then": then, "else": chain}
	}
	return chain
}
