package spec

import (
	"slices"
	"strings"
)

// Discriminator is what an OpenAPI 3.x discriminator says about the oneOf
// (or anyOf) beside it: the value of Property selects the branch. JSON
// Schema engines ignore the keyword, so branches that overlap (polymorphic
// bodies whose variants share most properties) all match a value, and a
// oneOf refuses it; read as OpenAPI defines it, the value is valid when
// the branch its discriminator names accepts it.
type Discriminator struct {
	Property string
	// Keyword is "oneOf" or "anyOf".
	Keyword string
	// Values lists, per branch, the discriminator values that select it,
	// sorted: the mapping's names for the branch's schema or, where the
	// mapping names none, the component name of a $ref branch (OpenAPI's
	// implicit mapping). Nil for a branch no value is known to select (an
	// inline schema the mapping does not name).
	Values [][]string
	// Unmatched lists, sorted, the mapping's names whose schema is none
	// of the branches (or does not resolve): values no branch accepts.
	Unmatched []string
}

// Discriminator reads the discriminator of the schema m at `at`; ok is
// false when it has none beside a oneOf/anyOf (a Swagger 2.0 one is a
// property name on an allOf parent and selects no branch).
func (d *Document) Discriminator(at NodeRef, m map[string]any) (Discriminator, bool) {
	return d.files.discriminator(at, m)
}

func (fs *fileSet) discriminator(at NodeRef, m map[string]any) (Discriminator, bool) {
	disc := asMap(m["discriminator"])
	prop := asString(disc["propertyName"])
	if prop == "" {
		return Discriminator{}, false
	}
	kw := "oneOf"
	if m[kw] == nil {
		kw = "anyOf"
	}
	branches := asSlice(m[kw])
	if len(branches) == 0 {
		return Discriminator{}, false
	}
	// The mapping's values are references or bare component names.
	mapped := map[NodeRef][]string{}
	var unresolved []string
	for name, v := range asMap(disc["mapping"]) {
		ref := asString(v)
		if ref == "" {
			unresolved = append(unresolved, name)
			continue
		}
		var target NodeRef
		if strings.HasPrefix(ref, "#") || strings.Contains(ref, "/") || hasSpecExtension(ref) {
			t, err := fs.resolveRefAt(at, ref)
			if err != nil {
				unresolved = append(unresolved, name)
				continue
			}
			target = t
		} else {
			target = NodeRef{File: fs.rootKey, Pointer: JoinPointer("/components/schemas", ref)}
		}
		mapped[target] = append(mapped[target], name)
	}
	used := map[NodeRef]bool{}
	out := Discriminator{Property: prop, Keyword: kw, Values: make([][]string, len(branches))}
	for i, b := range branches {
		bAt := NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, kw, itoa(i))}
		var names []string
		first := NodeRef{}
		// Every schema along the branch's chain of $refs may be the one
		// the mapping names.
		cur, v := bAt, asMap(b)
		for hop := 0; hop < 16 && v != nil; hop++ {
			ref, ok := v["$ref"].(string)
			if !ok {
				break
			}
			t, err := fs.resolveRefAt(cur, ref)
			if err != nil {
				break
			}
			if hop == 0 {
				first = t
			}
			names = append(names, mapped[t]...)
			used[t] = true
			nv, ok := fs.value(t)
			if !ok {
				break
			}
			cur, v = t, asMap(nv)
		}
		if len(names) == 0 && first.File != "" {
			if tokens := SplitPointer(first.Pointer); len(tokens) == 3 && tokens[0] == "components" && tokens[1] == "schemas" {
				names = []string{tokens[2]}
			}
		}
		if len(names) > 0 {
			slices.Sort(names)
			out.Values[i] = slices.Compact(names)
		}
	}
	for t, names := range mapped {
		if !used[t] {
			unresolved = append(unresolved, names...)
		}
	}
	slices.Sort(unresolved)
	out.Unmatched = unresolved
	return out, true
}

// Selects reports whether a discriminator value is known for any branch.
func (d Discriminator) Selects() bool {
	for _, v := range d.Values {
		if len(v) > 0 {
			return true
		}
	}
	return false
}

// hasSpecExtension reports a mapping value that names a file.
func hasSpecExtension(ref string) bool {
	for _, ext := range []string{".yaml", ".yml", ".json"} {
		if strings.HasSuffix(strings.ToLower(ref), ext) {
			return true
		}
	}
	return false
}

// selectBranches wraps each branch of a transformed oneOf/anyOf that a
// discriminator value is known to select so that it accepts only values
// carrying one of those values:
//
//	{allOf: [branch], required: [property], properties: {property: {enum: values}}}
func selectBranches(v any, disc Discriminator) any {
	list, ok := v.([]any)
	if !ok || len(list) != len(disc.Values) {
		return v
	}
	out := make([]any, len(list))
	for i, b := range list {
		if len(disc.Values[i]) == 0 {
			out[i] = b
			continue
		}
		enum := make([]any, len(disc.Values[i]))
		for j, name := range disc.Values[i] {
			enum[j] = name
		}
		out[i] = map[string]any{
			"allOf":      []any{b},
			"required":   []any{disc.Property},
			"properties": map[string]any{disc.Property: map[string]any{"enum": enum}},
		}
	}
	return out
}
