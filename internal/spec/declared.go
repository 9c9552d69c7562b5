package spec

import (
	"fmt"
	"sort"
)

// DeclaredNames collects the property names an object schema m at `at` and
// the allOf/anyOf/oneOf subschemas evaluated in place with it declare
// (after $refs). open is true when one of them admits names beyond those
// (patternProperties, or additionalProperties other than false), or a
// reference cannot be read: the names are then not the whole story.
//
// The audit, the compiled views and the scanner read "which names may this
// object carry" through this one function, so a closed object means the
// same thing to the three engines.
func (d *Document) DeclaredNames(at NodeRef, m map[string]any) (names map[string]bool, open bool) {
	return d.files.declaredNames(at, m, 0)
}

// MembersOnlyNames lists, sorted, the names the allOf/anyOf/oneOf members of
// m declare that m's own properties do not; open as in DeclaredNames.
func (d *Document) MembersOnlyNames(at NodeRef, m map[string]any) ([]string, bool) {
	return d.files.membersOnlyNames(at, m)
}

// nameBudget bounds the schemas one question about declared names visits.
// Compositions may fan out (each schema an allOf of several others, levels
// deep): unbounded, a crafted definition would cost exponential time at
// load. Past the budget the names count as unknown (open), and the
// readings that need them are not applied.
const nameBudget = 4096

func (fs *fileSet) declaredNames(at NodeRef, m map[string]any, depth int) (map[string]bool, bool) {
	budget := nameBudget
	return fs.collectNames(at, m, depth, &budget)
}

func (fs *fileSet) collectNames(at NodeRef, m map[string]any, depth int, budget *int) (map[string]bool, bool) {
	names := map[string]bool{}
	if *budget--; *budget < 0 {
		return names, true
	}
	at, m, ok := fs.derefMap(at, m)
	if !ok || depth > 16 {
		return names, true // unreadable, or a chain longer than the hops followed
	}
	if ap, ok := m["additionalProperties"]; (ok && ap != false) || m["patternProperties"] != nil {
		return names, true
	}
	for name := range asMap(m["properties"]) {
		names[name] = true
	}
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		for i, sub := range asSlice(m[kw]) {
			more, open := fs.collectNames(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, kw, fmt.Sprint(i))}, asMap(sub), depth+1, budget)
			if open {
				return names, true
			}
			for name := range more {
				names[name] = true
			}
		}
	}
	return names, false
}

// RequiredUndeclared lists, sorted, the names the schema m at `at` requires
// that neither it nor its in-place subschemas declare: what the compiled
// views admit with any value when they close the object.
func (d *Document) RequiredUndeclared(at NodeRef, m map[string]any) []string {
	return d.files.requiredUndeclared(at, m)
}

// requiredUndeclared lists, sorted, the names m requires that neither m nor
// its in-place subschemas declare. open is true when the declared names are
// not known (see declaredNames): nothing is listed then.
func (fs *fileSet) requiredUndeclared(at NodeRef, m map[string]any) []string {
	req := asSlice(m["required"])
	if len(req) == 0 {
		return nil
	}
	declared, open := fs.declaredNames(at, m, 0)
	if open {
		return nil
	}
	var missing []string
	for _, x := range req {
		if s, ok := x.(string); ok && !declared[s] && !contains(missing, s) {
			missing = append(missing, s)
		}
	}
	sort.Strings(missing)
	return missing
}

// membersOnlyNames lists, sorted, the names the in-place subschemas of m
// (allOf/anyOf/oneOf) declare that m's own properties do not. open as in
// declaredNames.
func (fs *fileSet) membersOnlyNames(at NodeRef, m map[string]any) ([]string, bool) {
	declared, open := fs.declaredNames(at, m, 0)
	own := asMap(m["properties"])
	var extra []string
	for name := range declared {
		if _, ok := own[name]; !ok {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	return extra, open
}

// memberPropertyNames collects, for a property `name` that m declares
// beside allOf/anyOf/oneOf members that declare it too, the names the
// members' schemas of that property declare. Both schemas apply to the
// property's value, and neither sees the other's properties (Linode's
// firewall request adds a required list to the rules object its allOf
// member declares): closing m's schema on its own names alone would refuse
// the member's. found is false when no member declares the property; open
// as in declaredNames.
func (fs *fileSet) memberPropertyNames(at NodeRef, m map[string]any, name string) (names map[string]bool, found, open bool) {
	names = map[string]bool{}
	budget := nameBudget
	var walk func(at NodeRef, m map[string]any, depth int)
	walk = func(at NodeRef, m map[string]any, depth int) {
		if budget--; depth > 16 || open || budget < 0 {
			open = true
			return
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			for i, sub := range asSlice(m[kw]) {
				subAt := NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, kw, fmt.Sprint(i))}
				subAt, sm, ok := fs.derefMap(subAt, asMap(sub))
				if !ok {
					open = true
					return
				}
				if ps, ok := asMap(sm["properties"])[name]; ok {
					found = true
					psAt := NodeRef{File: subAt.File, Pointer: JoinPointer(subAt.Pointer, "properties", name)}
					psAt, pm, ok := fs.derefMap(psAt, asMap(ps))
					if !ok {
						open = true
						return
					}
					more, o := fs.collectNames(psAt, pm, 0, &budget)
					if o {
						open = true
						return
					}
					for n := range more {
						names[n] = true
					}
				}
				walk(subAt, sm, depth+1)
			}
		}
	}
	walk(at, m, 0)
	return names, found, open
}

// derefMap follows a chain of $refs from the schema m at `at`.
func (fs *fileSet) derefMap(at NodeRef, m map[string]any) (NodeRef, map[string]any, bool) {
	for hop := 0; hop < 16; hop++ {
		if m == nil {
			return at, nil, false
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return at, m, true
		}
		target, err := fs.resolveRefAt(at, ref)
		if err != nil {
			return at, nil, false
		}
		v, ok := fs.value(target)
		if !ok {
			return at, nil, false
		}
		at, m = target, asMap(v)
	}
	return at, nil, false
}

// OverlaidNames answers, for a property schema at `at` (a pointer ending in
// /properties/NAME), whether the schema holding it composes allOf/anyOf/
// oneOf members that declare NAME too, and which names the members'
// schemas of NAME declare: those schemas validate the same value, so a
// name the inline schema requires may be declared there (see
// memberPropertyNames).
func (d *Document) OverlaidNames(at NodeRef) (names map[string]bool, found, open bool) {
	tokens := SplitPointer(at.Pointer)
	if len(tokens) < 2 || tokens[len(tokens)-2] != "properties" {
		return nil, false, false
	}
	parentAt := NodeRef{File: at.File, Pointer: JoinPointer("", tokens[:len(tokens)-2]...)}
	v, ok := d.files.value(parentAt)
	parent := asMap(v)
	if !ok || parent == nil || (parent["allOf"] == nil && parent["anyOf"] == nil && parent["oneOf"] == nil) {
		return nil, false, false
	}
	return d.files.memberPropertyNames(parentAt, parent, tokens[len(tokens)-1])
}
