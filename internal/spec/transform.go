package spec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// transformer rewrites a file's tree into the JSON Schema 2020-12 the engine
// compiles, applying OpenAPI's semantics for one view. Maps are copied only
// where something changes, so the views share most of the tree.
//
// What it does, by OpenAPI version:
//   - 2.0 and 3.0: `nullable: true` (and 2.0 `x-nullable`) admits null;
//     boolean exclusiveMinimum/exclusiveMaximum become 2020-12 numbers;
//     `type: file` becomes a binary string.
//   - all: in the request view readOnly properties are dropped from
//     `required` and their presence is rejected (schema `false`); in the
//     response view the same for writeOnly.
//   - all: patterns Go's RE2 engine cannot compile are reported and removed
//     from the view rather than failing the whole schema.
//   - strict-objects (default on): an object schema that declares
//     properties or composes others, and says nothing about
//     additionalProperties, gets `unevaluatedProperties: false` (or the
//     equivalent, cheaper `additionalProperties: false` when no other
//     keyword evaluates properties in place). Where a
//     schema is an allOf/anyOf/oneOf member it is left open, because the
//     composing schema closes it: unevaluatedProperties sees through the
//     composition, additionalProperties would not. A named schema used both
//     ways is compiled in both variants (see resourceURL). The branches of
//     a oneOf are closed too where they must be to exclude each other
//     (see closesBranches).
type transformer struct {
	family Family
	view   View
	closed bool
	fs     *fileSet
	file   string
	report func(Problem)
	// overlays are the property schemas (by pointer) declared beside an
	// allOf/anyOf/oneOf member that declares the same property: closing
	// one admits the names the member's schema declares (see
	// memberPropertyNames), or leaves it open when those are not known.
	overlays map[string]overlay
}

type overlay struct {
	names map[string]bool
	open  bool
}

var schemaKeywords = []string{"type", "properties", "items", "allOf", "anyOf", "oneOf", "$ref", "format", "pattern", "enum", "additionalProperties", "required", "nullable"}

func (t *transformer) node(v any, ptr string, member bool) any {
	switch x := v.(type) {
	case map[string]any:
		return t.mapNode(x, ptr, member)
	case []any:
		var out []any
		for i, c := range x {
			nc := t.node(c, JoinPointer(ptr, fmt.Sprint(i)), false)
			if out == nil && !same(nc, c) {
				out = make([]any, len(x))
				copy(out, x[:i])
			}
			if out != nil {
				out[i] = nc
			}
		}
		if out == nil {
			return x
		}
		return out
	}
	return v
}

// same reports whether the transform left a node untouched.
func same(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		return ok && reflect.ValueOf(x).UnsafePointer() == reflect.ValueOf(y).UnsafePointer()
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return true
}

func (t *transformer) mapNode(m map[string]any, ptr string, member bool) any {
	var out map[string]any
	cow := func() map[string]any {
		if out == nil {
			out = make(map[string]any, len(m)+1)
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	if t.closed && (m["allOf"] != nil || m["anyOf"] != nil || m["oneOf"] != nil) {
		t.noteOverlays(m, ptr) // read when the policy closes the properties
	}
	// Children first.
	for k, c := range m {
		if isValueKeyword(k) || strings.HasPrefix(k, "x-") {
			continue
		}
		childMember := false
		if k == "allOf" || k == "anyOf" || k == "oneOf" {
			childMember = true
		}
		var nc any
		switch {
		case k == "oneOf" && t.closesBranches(m, member):
			nc = t.exclusiveBranches(c, JoinPointer(ptr, k), m)
		case childMember:
			nc = t.composition(c, JoinPointer(ptr, k))
		case schemaNameMaps[k]:
			nc = t.named(c, JoinPointer(ptr, k))
		default:
			nc = t.node(c, JoinPointer(ptr, k), false)
		}
		if k == "oneOf" || k == "anyOf" {
			if disc, ok := t.fs.discriminator(NodeRef{File: t.file, Pointer: ptr}, m); ok && disc.Keyword == k && disc.Selects() {
				nc = selectBranches(nc, disc)
			}
		}
		if !same(nc, c) {
			cow()[k] = nc
		}
	}
	cur := m
	if out != nil {
		cur = out
	}
	if ref, ok := cur["$ref"].(string); ok {
		// Point the reference at the target's own resource (see resourceURL).
		if target, err := t.fs.resolveRefAt(NodeRef{File: t.file, Pointer: ptr}, ref); err == nil {
			o := cow()
			o["$ref"] = resourceURL(target.File, target.Pointer, member)
			cur = o
			// Before 3.1 a $ref's siblings are ignored; those that
			// cannot be what their author meant are dropped.
			for _, ig := range ignoredRefSiblings(t.family, cur, t.fs.targetType(target)) {
				delete(o, ig.Key)
				t.report(Problem{Code: "ref-sibling-ignored", Loc: t.fs.locate(NodeRef{File: t.file, Pointer: JoinPointer(ptr, ig.Key)}), Message: ig.Why})
			}
		}
	}
	// $id and $anchor have been resolved by the loader (3.1+; before 3.1
	// they mean nothing), and every $ref now names its target's resource:
	// the engine must not see identifiers again, which two resources
	// sharing a schema would declare twice.
	for _, k := range []string{"$id", "$anchor"} {
		if _, ok := cur[k].(string); ok {
			o := cow()
			delete(o, k)
			cur = o
		}
	}
	if !looksLikeSchema(cur) {
		if out != nil {
			return out
		}
		return m
	}
	legacy := t.family == Swagger20 || t.family == OpenAPI30
	if legacy {
		for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
			if b, ok := cur[pair[0]].(bool); ok {
				o := cow()
				if b {
					if bound, ok := o[pair[1]]; ok {
						o[pair[0]] = bound
						delete(o, pair[1])
					} else {
						delete(o, pair[0])
					}
				} else {
					delete(o, pair[0])
				}
				cur = o
			}
		}
		if cur["type"] == "file" {
			o := cow()
			o["type"] = "string"
			o["format"] = "binary"
			cur = o
		}
	}
	// A value of format regex is checked by regexFormat, not compiled:
	// the engine would compile it with the views' regexp engine, and
	// compiling a few kilobytes of counted repetitions takes a second.
	if cur["format"] == "regex" {
		o := cow()
		o["format"] = regexFormat.Name
		cur = o
	}
	// Patterns are run in RE2's syntax (RE2Pattern, through the views'
	// regexp engine, compileViewPattern) and stay as written here, so
	// that refusals quote them so; one RE2 cannot run is dropped, one it
	// can only run relaxed is kept so, with the lengths that make it
	// exact where there are such.
	if p, ok := cur["pattern"].(string); ok {
		at := t.fs.locate(NodeRef{File: t.file, Pointer: JoinPointer(ptr, "pattern")})
		if inner, flags, ok := DelimitedPattern(p); ok {
			t.report(Problem{Code: "pattern-delimited", Loc: at, Message: fmt.Sprintf(
				"pattern %q is written as a JavaScript literal, delimiters and flags (%q) included, and as written matches nothing; the literal's pattern %q is enforced", p, flags, inner)})
		}
		re2, _ := RE2Pattern(p)
		if _, exact, err := t.fs.compilePattern(p); err != nil {
			t.report(Problem{Code: "pattern-unsupported", Message: fmt.Sprintf("pattern %q cannot be compiled by Go's RE2 engine (%v); it is not enforced", p, reErr(err)), Loc: at})
			o := cow()
			delete(o, "pattern")
			cur = o
		} else if !exact {
			if lo, hi, ok := RelaxedBounds(p); ok {
				o := cow()
				tightenLengths(o, lo, hi)
				cur = o
			} else {
				t.report(relaxedPattern("pattern", p, re2, at))
			}
		}
	}
	if pp, ok := cur["patternProperties"].(map[string]any); ok {
		npp := make(map[string]any, len(pp))
		changed := false
		for _, re := range sortedKeys(pp) {
			at := t.fs.locate(NodeRef{File: t.file, Pointer: JoinPointer(ptr, "patternProperties", re)})
			re2, _ := RE2Pattern(re)
			_, exact, err := t.fs.compilePattern(re)
			if err != nil {
				t.report(Problem{Code: "pattern-unsupported", Message: fmt.Sprintf("patternProperties key %q cannot be compiled by Go's RE2 engine (%v); it is not enforced", re, reErr(err)), Loc: at})
				changed = true
				continue
			}
			if !exact {
				t.report(relaxedPattern("patternProperties key", re, re2, at))
			}
			npp[re] = pp[re]
		}
		if changed {
			o := cow()
			o["patternProperties"] = npp
			cur = o
		}
	}
	// An enum of the other type's spelling of the declared type's values
	// (TypedEnum).
	if enum, retyped := TypedEnum(cur); len(retyped) > 0 {
		o := cow()
		o["enum"] = enum
		cur = o
		t.report(Problem{Code: "enum-retyped", Loc: t.fs.locate(NodeRef{File: t.file, Pointer: JoinPointer(ptr, "enum")}),
			Message: fmt.Sprintf("enum values %s are not of the schema's type %q; each is enforced as the %s its text spells", strings.Join(retyped, ", "), cur["type"], cur["type"])})
	}
	// readOnly / writeOnly by direction.
	if props, ok := cur["properties"].(map[string]any); ok {
		hidden := "readOnly"
		if t.view == ResponseView {
			hidden = "writeOnly"
		}
		// The marks are read from the properties as written: the
		// children, transformed first, have had their $refs pointed at
		// compiled resources, which lead nowhere in the source tree.
		written, _ := m["properties"].(map[string]any)
		var banned []string
		for name := range props {
			if t.flag(written[name], JoinPointer(ptr, "properties", name), hidden) {
				banned = append(banned, name)
			}
		}
		if len(banned) > 0 {
			o := cow()
			np := make(map[string]any, len(props))
			for k, v := range props {
				np[k] = v
			}
			for _, name := range banned {
				np[name] = false
			}
			o["properties"] = np
			if req, ok := o["required"].([]any); ok {
				var kept []any
				for _, r := range req {
					if !contains(banned, asString(r)) {
						kept = append(kept, r)
					}
				}
				if kept == nil {
					delete(o, "required")
				} else {
					o["required"] = kept
				}
			}
			cur = o
		}
	}
	composes := cur["allOf"] != nil || cur["anyOf"] != nil || cur["oneOf"] != nil
	if ap, ok := cur["additionalProperties"].(bool); ok && !ap && composes {
		// additionalProperties sees only the properties beside it, so
		// `additionalProperties: false` beside an allOf refuses every name
		// the members declare: a contract no request with those names can
		// meet. OpenAPI 3.0 has no unevaluatedProperties, and this is how
		// its authors write "closed, with the members' properties"; that
		// is what is enforced, and said.
		at := NodeRef{File: t.file, Pointer: ptr}
		if extra, open := t.fs.membersOnlyNames(at, m); !open && len(extra) > 0 {
			o := cow()
			delete(o, "additionalProperties")
			o["unevaluatedProperties"] = false
			cur = o
			t.report(Problem{Code: "closed-composition", Loc: t.fs.locate(NodeRef{File: t.file, Pointer: JoinPointer(ptr, "additionalProperties")}),
				Message: fmt.Sprintf("additionalProperties: false beside a composition refuses %s, which its members declare; enforced as unevaluatedProperties: false (closed, members' properties admitted)", quoteNames(extra))})
		}
	}
	if t.closed && !member {
		_, hasAP := cur["additionalProperties"]
		_, hasUP := cur["unevaluatedProperties"]
		_, hasProps := cur["properties"].(map[string]any)
		objectish := hasProps || (composes && (cur["type"] == "object" || cur["type"] == nil))
		if !hasAP && !hasUP && objectish && !t.isNonObject(cur) && !t.overlays[ptr].open {
			o := cow()
			// Closing admits, beside the declared properties, the names a
			// member's schema of this property declares (an overlay, see
			// noteOverlays) and the names the schema requires but nowhere
			// declares, which are part of the contract all the same (box's
			// revoke request requires grant_type without declaring it),
			// with any value. The source map m is read, as its $refs
			// still lead somewhere.
			ov := t.overlays[ptr]
			var admit, missing []string
			for name := range ov.names {
				if _, own := asMap(o["properties"])[name]; !own {
					admit = append(admit, name)
				}
			}
			for _, name := range t.fs.requiredUndeclared(NodeRef{File: t.file, Pointer: ptr}, m) {
				if !ov.names[name] {
					missing = append(missing, name)
				}
			}
			if len(admit)+len(missing) > 0 {
				props := make(map[string]any, len(admit)+len(missing)+len(asMap(o["properties"])))
				for k, v := range asMap(o["properties"]) {
					props[k] = v
				}
				for _, name := range append(admit, missing...) {
					props[name] = true
				}
				o["properties"] = props
			}
			if len(missing) > 0 {
				t.report(Problem{Code: "required-undeclared", Loc: t.fs.locate(NodeRef{File: t.file, Pointer: JoinPointer(ptr, "required")}),
					Message: fmt.Sprintf("required lists %s, which the object does not declare; the closed object admits it with any value", quoteNames(missing))})
			}
			if inPlaceApplicators(cur) {
				o["unevaluatedProperties"] = false
			} else {
				// Same meaning when nothing else evaluates properties in
				// place, and much cheaper to validate: the engine tracks
				// unevaluated properties with a set per object.
				o["additionalProperties"] = false
			}
			cur = o
		}
	}
	// Branches a property's value selects: validated through a chain that
	// visits only the selected branch (selection.go). Last, so that every
	// reading above still sees the oneOf/anyOf as written.
	for _, kw := range []string{"oneOf", "anyOf"} {
		list, ok := cur[kw].([]any)
		if !ok {
			continue
		}
		sel, ok := t.fs.branchSelection(NodeRef{File: t.file, Pointer: ptr}, m, kw)
		if !ok || len(sel.Values) != len(list) {
			continue
		}
		o := cow()
		delete(o, kw)
		o["allOf"] = append(slices.Clone(asSlice(o["allOf"])), selectionChain(kw, list, sel))
		cur = o
	}
	if legacy {
		nullable := asBool(cur["nullable"]) || asBool(cur["x-nullable"])
		if _, has := cur["nullable"]; has {
			o := cow()
			delete(o, "nullable")
			cur = o
		}
		if nullable {
			cur = t.admitNull(cow())
		}
	}
	if out != nil {
		return cur
	}
	return m
}

// noteOverlays records, for each property the composing schema m at ptr
// declares inline that a member declares too, the names the member's
// schema of it declares: both schemas validate the property's value, and
// closing the inline one on its own names would refuse the member's (a
// schema that adds a required list to a member's object, as Linode's
// firewall request does for rules).
func (t *transformer) noteOverlays(m map[string]any, ptr string) {
	for name, ps := range asMap(m["properties"]) {
		psm := asMap(ps)
		if psm == nil || psm["$ref"] != nil {
			continue // a named schema is compiled once, for every use
		}
		names, found, open := t.fs.memberPropertyNames(NodeRef{File: t.file, Pointer: ptr}, m, name)
		if !found {
			continue
		}
		if t.overlays == nil {
			t.overlays = map[string]overlay{}
		}
		t.overlays[JoinPointer(ptr, "properties", name)] = overlay{names: names, open: open}
	}
}

// tightenLengths makes a string schema's minLength at least lo and its
// maxLength at most hi (-1: no bound), as RelaxedBounds asks; a bound the
// schema already sets tighter is kept.
func tightenLengths(m map[string]any, lo, hi int) {
	if cur, ok := numberKeyword(m, "minLength"); lo > 0 && (!ok || cur < float64(lo)) {
		m["minLength"] = json.Number(strconv.Itoa(lo))
	}
	if cur, ok := numberKeyword(m, "maxLength"); hi >= 0 && (!ok || cur > float64(hi)) {
		m["maxLength"] = json.Number(strconv.Itoa(hi))
	}
}

// numberKeyword reads a keyword whose value is a number.
func numberKeyword(m map[string]any, kw string) (float64, bool) {
	n, ok := m[kw].(json.Number)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(n), 64)
	return v, err == nil
}

// relaxedPattern is the problem of a pattern whose repetition RE2 cannot
// bound (RE2Pattern), enforced as the relaxed form.
func relaxedPattern(what, p, re2 string, at Location) Problem {
	return Problem{Code: "pattern-relaxed", Loc: at, Message: fmt.Sprintf(
		"%s %q repeats more than the 1000 times Go's RE2 engine can count; it is enforced as %q, which does not bound the repetition (a maxLength can)", what, p, re2)}
}

// inPlaceApplicators reports keywords that evaluate properties of the same
// instance, which additionalProperties would not see.
func inPlaceApplicators(m map[string]any) bool {
	for _, ks := range [][]string{{"$ref", "$dynamicRef"}, inPlaceKeywords.lists, inPlaceKeywords.single, inPlaceKeywords.maps} {
		for _, k := range ks {
			if _, ok := m[k]; ok {
				return true
			}
		}
	}
	return false
}

// schemaNameMaps are the keywords whose value maps names to schemas.
var schemaNameMaps = map[string]bool{"properties": true, "patternProperties": true, "$defs": true, "definitions": true, "dependentSchemas": true}

// named transforms the schemas of a map of names (properties, $defs, ...).
// The map itself is not a schema, and its keys are names: a property called
// "default", "enum" or "nullable" is a schema like any other.
func (t *transformer) named(v any, ptr string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return t.node(v, ptr, false)
	}
	var out map[string]any
	for k, c := range m {
		nc := t.node(c, JoinPointer(ptr, k), false)
		if !same(nc, c) {
			if out == nil {
				out = make(map[string]any, len(m))
				for k2, v2 := range m {
					out[k2] = v2
				}
			}
			out[k] = nc
		}
	}
	if out == nil {
		return m
	}
	return out
}

// composition transforms the members of allOf/anyOf/oneOf, which stay open.
func (t *transformer) composition(v any, ptr string) any {
	list, ok := v.([]any)
	if !ok {
		return t.node(v, ptr, false)
	}
	var out []any
	for i, c := range list {
		nc := t.node(c, JoinPointer(ptr, fmt.Sprint(i)), true)
		if out == nil && !same(nc, c) {
			out = make([]any, len(list))
			copy(out, list[:i])
		}
		if out != nil {
			out[i] = nc
		}
	}
	if out == nil {
		return list
	}
	return out
}

// closesBranches reports whether the oneOf of schema m gets closed
// branches: m is an object the strict-objects policy closes, and nothing
// beside its oneOf evaluates properties in place. Left open, branches that
// declare properties all match any object that has none of the others'
// required properties (1Password's cursor request is oneOf [{cursor},
// {limit, start_time}], nothing required), and oneOf refuses a value that
// matches more than one branch: every request would be refused. Closed, a
// value matches the branch whose properties it has, which is what such a
// contract means. Beside other applicators (allOf, $ref, if, ...) the
// names a branch must admit are not known here, so those stay open.
func (t *transformer) closesBranches(m map[string]any, member bool) bool {
	if !t.closed || member || t.isNonObject(m) {
		return false
	}
	if _, ok := m["additionalProperties"]; ok {
		return false
	}
	if _, ok := m["unevaluatedProperties"]; ok {
		return false
	}
	for _, k := range []string{"allOf", "anyOf", "$ref", "$dynamicRef", "if", "then", "else", "dependentSchemas", "not"} {
		if _, ok := m[k]; ok {
			return false
		}
	}
	return true
}

// exclusiveBranches transforms the members of a oneOf whose schema m
// closesBranches allows. A branch that declares properties and says
// nothing of additional ones is closed: on its own (its closed variant)
// when m declares no properties itself, else wrapped so that it also
// admits the names m's properties and patternProperties declare, which
// m validates:
//
//	{allOf: [branch], properties: {name: true, ...},
//	 patternProperties: {pattern: true, ...}, unevaluatedProperties: false}
//
// A branch that only narrows (a required list, an enum of a property)
// stays open: closing it would refuse every property m declares.
func (t *transformer) exclusiveBranches(v any, ptr string, m map[string]any) any {
	list, ok := v.([]any)
	if !ok {
		return t.node(v, ptr, false)
	}
	props, _ := m["properties"].(map[string]any)
	patterns, _ := m["patternProperties"].(map[string]any)
	out := make([]any, len(list))
	for i, c := range list {
		at := JoinPointer(ptr, fmt.Sprint(i))
		if !t.declaresOwnProperties(NodeRef{File: t.file, Pointer: at}, c) {
			out[i] = t.node(c, at, true)
			continue
		}
		if len(props) == 0 && len(patterns) == 0 {
			out[i] = t.node(c, at, false)
			continue
		}
		wrap := map[string]any{"allOf": []any{t.node(c, at, true)}, "unevaluatedProperties": false}
		if len(props) > 0 {
			admit := make(map[string]any, len(props))
			for name := range props {
				admit[name] = true
			}
			wrap["properties"] = admit
		}
		if len(patterns) > 0 {
			admit := make(map[string]any, len(patterns))
			for re := range patterns {
				admit[re] = true
			}
			wrap["patternProperties"] = admit
		}
		out[i] = wrap
	}
	return out
}

// declaresOwnProperties reports whether a branch (following $refs) is an
// object schema with properties that says nothing about additional ones:
// one the strict-objects policy would close on its own.
func (t *transformer) declaresOwnProperties(at NodeRef, v any) bool {
	for hop := 0; hop < 16; hop++ {
		m, ok := v.(map[string]any)
		if !ok {
			return false
		}
		ref, isRef := m["$ref"].(string)
		if !isRef {
			_, hasProps := m["properties"].(map[string]any)
			_, hasAP := m["additionalProperties"]
			_, hasUP := m["unevaluatedProperties"]
			return hasProps && !hasAP && !hasUP && !t.isNonObject(m)
		}
		target, err := t.fs.resolveRefAt(at, ref)
		if err != nil {
			return false
		}
		if v, ok = t.fs.value(target); !ok {
			return false
		}
		at = target
	}
	return false
}

// admitNull makes a legacy nullable schema accept null.
func (t *transformer) admitNull(o map[string]any) map[string]any {
	switch ty := o["type"].(type) {
	case string:
		o["type"] = []any{ty, "null"}
	case []any:
		if !containsAny(ty, "null") {
			o["type"] = append(append([]any(nil), ty...), "null")
		}
	case nil:
		_, hasRef := o["$ref"]
		_, hasEnum := o["enum"]
		if hasRef || hasEnum || o["allOf"] != nil || o["oneOf"] != nil || o["anyOf"] != nil {
			// Without a type, null is only refused by the siblings: wrap.
			return map[string]any{"anyOf": []any{map[string]any{"type": "null"}, o}}
		}
		return o
	}
	if enum, ok := o["enum"].([]any); ok && !containsAny(enum, nil) {
		o["enum"] = append(append([]any(nil), enum...), nil)
	}
	return o
}

// flag reports whether a property schema at ptr (following $refs) sets a
// boolean keyword such as readOnly.
func (t *transformer) flag(ps any, ptr string, key string) bool {
	return t.flagAt(NodeRef{File: t.file, Pointer: ptr}, ps, key)
}

func (t *transformer) flagAt(at NodeRef, ps any, key string) bool {
	for hop := 0; hop < 16; hop++ {
		m, ok := ps.(map[string]any)
		if !ok {
			return false
		}
		if b, ok := m[key].(bool); ok {
			return b
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			// allOf: [{$ref}] wrappers are a common way to add readOnly.
			for i, c := range asSlice(m["allOf"]) {
				if t.flagAt(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "allOf", fmt.Sprint(i))}, c, key) {
					return true
				}
			}
			return false
		}
		target, err := t.fs.resolveRefAt(at, ref)
		if err != nil {
			return false
		}
		v, ok := t.fs.value(target)
		if !ok {
			return false
		}
		at, ps = target, v
	}
	return false
}

func (t *transformer) isNonObject(m map[string]any) bool {
	switch ty := m["type"].(type) {
	case string:
		return ty != "object"
	case []any:
		return !containsAny(ty, "object")
	}
	return false
}

func looksLikeSchema(m map[string]any) bool {
	for _, k := range schemaKeywords {
		if _, ok := m[k]; ok {
			// `required: true` is a parameter, not a schema.
			if k == "required" {
				if _, isList := m[k].([]any); !isList {
					continue
				}
			}
			return true
		}
	}
	return false
}

// targetType is the single type a referenced schema declares (after its
// own $refs), or "" when it declares none or several.
func (fs *fileSet) targetType(at NodeRef) string {
	v, ok := fs.value(at)
	if !ok {
		return ""
	}
	_, m, ok := fs.derefMap(at, asMap(v))
	if !ok {
		return ""
	}
	t, _ := m["type"].(string)
	return t
}

// jsonTypes are JSON Schema's type names (a definition may write others,
// such as a media type, which are no reading of anything).
var jsonTypes = map[string]bool{"string": true, "number": true, "integer": true, "boolean": true, "array": true, "object": true, "null": true}

// typesMeet reports whether a value can be of both JSON Schema types.
func typesMeet(a, b string) bool {
	return a == b || (a == "integer" && b == "number") || (a == "number" && b == "integer")
}

// quoteNames quotes and joins property names for a problem's message.
func quoteNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsAny(list []any, v any) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func reErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

var _ = json.Number("")
