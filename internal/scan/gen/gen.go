// Package gen builds request values from OpenAPI schemas: valid values for
// the happy path (examples, then defaults, then values generated from the
// schema) and out-of-contract mutations for negative tests. Every value is
// checked against the schema compiled by the shared contract model, so a
// "valid" value is in contract and a mutation is really out of it.
package gen

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Source says where a valid value came from.
type Source string

const (
	FromExample   Source = "example"
	FromDefault   Source = "default"
	FromGenerated Source = "generated"
)

// Generator produces values for the schemas of one document.
type Generator struct {
	Doc    *spec.Document
	strict bool
}

// Node is a schema node with the place it lives, so $refs inside it resolve
// relative to the right file.
type Node struct {
	At spec.NodeRef
	V  map[string]any
}

// Resolve follows $refs from a raw schema value. ok is false for a boolean
// schema or an unresolvable reference.
func (g *Generator) Resolve(at spec.NodeRef, v any) (Node, bool) {
	at, v, ok := g.Doc.Deref(at, v)
	if !ok {
		return Node{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Node{}, false
	}
	return Node{At: at, V: m}, true
}

// Child returns the child node at keys (e.g. "items", "properties",
// "name"); a key into a list (allOf, prefixItems) is its index.
func (n Node) Child(keys ...string) (spec.NodeRef, any, bool) {
	var cur any = n.V
	at := n.At
	for _, k := range keys {
		switch c := cur.(type) {
		case map[string]any:
			x, ok := c[k]
			if !ok {
				return at, nil, false
			}
			cur = x
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return at, nil, false
			}
			cur = c[i]
		default:
			return at, nil, false
		}
		at.Pointer = spec.JoinPointer(at.Pointer, k)
	}
	return at, cur, true
}

// Valid returns a value that validates against s in the given view. It
// tries, in order, the caller's examples (a parameter's or media type's own
// example), the schema's example and default, a value generated from the
// schema that keeps nested examples, and a purely generated value.
func (g *Generator) Valid(s *spec.Schema, view spec.View, examples ...any) (any, Source, error) {
	return g.valid(s, view, true, examples)
}

// Generated is Valid without examples and defaults: a second attempt when
// the API refuses the documented example (a stale example is common).
func (g *Generator) Generated(s *spec.Schema, view spec.View) (any, Source, error) {
	return g.valid(s, view, false, nil)
}

func (g *Generator) valid(s *spec.Schema, view spec.View, useExamples bool, examples []any) (any, Source, error) {
	if s == nil {
		return nil, "", errors.New("no schema")
	}
	sch, err := g.Doc.Compile(s, view)
	if err != nil {
		return nil, "", err
	}
	type cand struct {
		v   any
		src Source
	}
	var cands []cand
	for _, e := range examples {
		cands = append(cands, cand{normalize(e), FromExample})
	}
	if n, ok := g.Resolve(s.Ref, s.Value); ok && useExamples {
		if e, ok := n.V["example"]; ok {
			cands = append(cands, cand{normalize(e), FromExample})
		}
		if es, ok := n.V["examples"].([]any); ok && len(es) > 0 {
			cands = append(cands, cand{normalize(es[0]), FromExample})
		}
		if d, ok := n.V["default"]; ok {
			cands = append(cands, cand{normalize(d), FromDefault})
		}
	}
	prefs := []bool{true, false}
	if !useExamples {
		prefs = []bool{false}
	}
	capped := false
	for _, prefer := range prefs {
		for branch := 0; branch < 4; branch++ {
			w := walker{g: g, view: view, preferExamples: prefer, branch: branch}
			v := w.value(s.Ref, s.Value, 0)
			cands = append(cands, cand{v, FromGenerated})
			capped = capped || w.capped
			if !w.branched {
				break
			}
		}
	}
	// Last, the smallest value: required properties only. An optional
	// property the contract contradicts (an enum of strings with type
	// integer, a pattern no string matches) is then left out, as a
	// client would leave it.
	w := walker{g: g, view: view, minimal: true}
	cands = append(cands, cand{w.value(s.Ref, s.Value, 0), FromGenerated})
	capped = capped || w.capped
	var last error
	tooCostly := 0
	for _, c := range cands {
		err := g.Doc.ValidateBounded(sch, view, c.v)
		if err == nil {
			return c.v, c.src, nil
		}
		last = err
		if spec.TooCostly(err) {
			tooCostly++
		}
	}
	if tooCostly == len(cands) {
		// The schema's compositions make every candidate too costly to
		// check: the operation cannot be tested from the contract (and
		// the firewall refuses such values, body-too-costly).
		return nil, "", fmt.Errorf("no value can be checked against the schema at %s: %s", g.Doc.Locate(s.Ref), last)
	}
	if capped {
		// The validation error alone would name some item or property
		// left empty, not why it was.
		return nil, "", fmt.Errorf("no value satisfies the schema at %s within the generator's bounds (%d values, %d MiB of text): %s",
			g.Doc.Locate(s.Ref), maxNodes, maxBytes>>20, firstLine(last))
	}
	return nil, "", fmt.Errorf("no value satisfies the schema at %s: %s", g.Doc.Locate(s.Ref), firstLine(last))
}

// firstLine says why the last candidate failed, in a line: the
// engine's deepest causes, a few of them, bounded.
func firstLine(err error) string {
	if err == nil {
		return "no candidate"
	}
	s := spec.ValidationSummary(err, 3)
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// normalize turns values decoded by YAML/JSON (float64, int) into the
// json.Number form the rest of the scanner uses.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case float64:
		return json.Number(strconv.FormatFloat(x, 'f', -1, 64))
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	}
	return v
}

// Normalize is normalize for callers outside the package (config values).
func Normalize(v any) any { return normalize(v) }

type walker struct {
	g              *Generator
	view           spec.View
	preferExamples bool
	branch         int
	branched       bool
	// nodes counts the values generated so far: with minItems at every
	// level of a recursive schema, depth alone bounds nothing (40 items
	// eight levels deep is 40^8 values).
	nodes int
	// bytes counts the text of the values generated so far (see
	// maxBytes).
	bytes int
	// capped is set when maxNodes or maxBytes cut the value short.
	capped bool
	// compositions counts the allOf/anyOf/oneOf subschemas the current
	// value is generated in (see sub).
	compositions int
	// minimal leaves out every optional property.
	minimal bool
}

const maxDepth = 8

// maxString is the longest string generated to meet a minLength; a
// longer minimum leaves the value short (and the happy path failing with
// the schema's reason) rather than allocating whatever the schema asks.
const maxString = 1 << 16

// maxNodes bounds the values one generated request holds; a schema that
// needs more gets an invalid candidate and its happy path fails saying so.
const maxNodes = 20000

// maxBytes bounds the text one generated value holds: its strings,
// numbers and property names together. maxNodes and maxString bound the
// parts, and together they still let nested arrays of long strings ask
// for 20000 strings of 64 KiB (1.3 GB, and tens of seconds to build and
// validate), or an example of a few hundred KiB repeated in every item.
// 1 MiB is the request body limit servers commonly apply by default: a
// larger value would be refused before the API read it.
const maxBytes = 1 << 20

func (w *walker) value(at spec.NodeRef, raw any, depth int) any {
	w.nodes++
	if w.nodes > maxNodes || w.bytes > maxBytes {
		w.capped = true
		return nil
	}
	n, ok := w.g.Resolve(at, raw)
	if !ok {
		if depth > maxDepth {
			return nil
		}
		return "rampart"
	}
	m := n.V
	if depth > maxDepth {
		// maxDepth stops recursive schemas, which recur through objects
		// and arrays; a scalar past it ends the value anyway, and is
		// needed where real nesting runs deep (the integers of
		// CloudFront's StatusCodes.Items, nine levels down). An array
		// ends empty, which its minItems may refuse. An object gets
		// twice the depth: past level 4 it holds its required
		// properties only, and a chain of required objects that recurs
		// has no finite value anyway (Service Fabric's gateway routes
		// need one at level 9).
		switch schemaType(m) {
		case "object":
			if depth > 2*maxDepth {
				return nil
			}
		case "array":
			return []any{}
		case "":
			if !saysWhatValue(m) {
				return nil
			}
		}
	}
	if c, ok := m["const"]; ok {
		return w.take(c)
	}
	if w.preferExamples {
		if e, ok := m["example"]; ok {
			return w.take(e)
		}
		if es, ok := m["examples"].([]any); ok && len(es) > 0 {
			return w.take(es[0])
		}
		if d, ok := m["default"]; ok {
			return w.take(d)
		}
	}
	if e, _ := spec.TypedEnum(m); len(e) > 0 {
		// The first value the schema's other keywords admit: an enum
		// listing a value of another type first (or one its pattern
		// refuses) still has a valid member.
		var first any
		for _, x := range e {
			if x == nil {
				continue
			}
			if first == nil {
				first = x
			}
			if enumMemberFits(w.g.Doc, m, x) {
				return w.take(x)
			}
		}
		if first != nil {
			return w.take(first)
		}
		return nil
	}
	if all, ok := m["allOf"].([]any); ok && len(all) > 0 {
		if sm, ok := w.g.scalarAllOf(n, 0); ok {
			return w.value(n.At, sm, depth)
		}
		merged := map[string]any{}
		// other is the value of a subschema that is not an object: the
		// first one that says what the value is (a type, an enum, a
		// const) wins over any that only annotates. AWS definitions
		// write a property as allOf [{$ref: Metrics}, {description: ...}],
		// and the description alone would generate a string.
		var other any
		otherSays, sawObject := false, false
		// placeholder marks the properties whose value came from a
		// member that requires them without declaring them.
		placeholder := map[string]bool{}
		for i, sub := range all {
			subAt, _, _ := n.Child("allOf", strconv.Itoa(i))
			v := w.sub(subAt, sub, depth)
			if o, ok := v.(map[string]any); ok {
				// An empty object counts: a map of additionalProperties
				// alone generates {}, and it still is the value.
				sawObject = true
				// A subschema that requires a property without declaring
				// it (allOf [{$ref: Base}, {required: [date]}]) fills it
				// with a placeholder, which must not replace the value
				// generated where the property is declared.
				var declared map[string]Property
				if sn, ok := w.g.Resolve(subAt, sub); ok {
					declared = w.g.Properties(sn.At, sn.V)
				}
				for k, x := range o {
					_, decl := declared[k]
					if _, have := merged[k]; have && !decl {
						continue
					}
					merged[k] = x
					placeholder[k] = !decl
				}
			} else if v != nil && !otherSays {
				sn, ok := w.g.Resolve(subAt, sub)
				says := ok && saysWhatValue(sn.V)
				if other == nil || says {
					other, otherSays = v, says
				}
			}
		}
		// Properties declared next to allOf belong to the same object,
		// and their declaration there is the narrower one: Apple's
		// AddMediaIntentHandlingInvocation is allOf [{$ref: Invocation}]
		// with method {type: string} in Invocation and an enum beside the
		// allOf. A property only required there keeps the allOf's value.
		if props, ok := m["properties"].(map[string]any); ok {
			if o, ok := w.object(n, depth).(map[string]any); ok {
				for k, x := range o {
					prev, dup := merged[k]
					if _, decl := props[k]; decl || !dup {
						if dup && decl && !placeholder[k] {
							// Declared in a member too: both schemas
							// validate the value (Linode's rules object
							// gets a required list beside the allOf).
							x = overlayValue(prev, x)
						}
						merged[k] = x
						placeholder[k] = !decl
					}
				}
			}
		}
		// A property required in one place and declared in another (the
		// schema beside the allOf requires what a member declares, as
		// DigitalOcean's uptime checks do) gets the declared value: the
		// member that declares it may have left it out as optional.
		if sawObject {
			props, required, _ := w.g.objectShape(n.At, n.V)
			for _, name := range slices.Sorted(maps.Keys(required)) {
				p, decl := props[name]
				_, have := merged[name]
				if !decl && !have {
					// Required and declared nowhere: the contract model
					// admits it with any value (strict objects keep it
					// sendable), and without it the value is invalid.
					merged[name] = "rampart"
					continue
				}
				if (have && !placeholder[name]) || !decl {
					continue
				}
				if w.g.flagged(p.At, p.Raw, w.hidden()) {
					continue
				}
				merged[name] = w.value(p.At, p.Raw, depth+1)
			}
		}
		if sawObject || len(merged) > 0 || other == nil {
			return merged
		}
		return other
	}
	for _, kw := range []string{"oneOf", "anyOf"} {
		if alts, ok := m[kw].([]any); ok && len(alts) > 0 {
			w.branched = true
			i := w.branch % len(alts)
			subAt, _, _ := n.Child(kw, strconv.Itoa(i))
			v := w.sub(subAt, alts[i], depth)
			if schemaType(m) == "object" {
				v = w.narrowed(n, subAt, alts[i], v, depth)
			}
			// The discriminator's value selects the branch (OpenAPI):
			// the branch's own schema of it rarely says which.
			if disc, ok := w.g.Doc.Discriminator(n.At, m); ok && disc.Keyword == kw && len(disc.Values[i]) > 0 {
				if o, ok := v.(map[string]any); ok {
					o[disc.Property] = disc.Values[i][0]
				}
			}
			return v
		}
	}
	switch schemaType(m) {
	case "object":
		return w.object(n, depth)
	case "array":
		return w.array(n, depth)
	case "integer":
		return w.take(integerValue(m))
	case "number":
		return w.take(numberValue(m))
	case "boolean":
		return true
	case "null":
		return nil
	default:
		return w.take(stringValue(w.g.Doc, m))
	}
}

// scalarAllOf merges the keywords of a schema and its allOf subschemas
// into one schema, when each of them is a scalar's (no object or array,
// no other composition): AWS writes allOf [{$ref: __string}, {pattern:
// '^arn:...', description: ...}], and a value of one subschema alone
// misses the other's constraints. A keyword met twice keeps its first
// value; the compiled schema still checks the value against all of them.
func (g *Generator) scalarAllOf(n Node, nesting int) (map[string]any, bool) {
	all, _ := n.V["allOf"].([]any)
	if nesting > 8 || !scalarKeywords(n.V) {
		return nil, false
	}
	merged := map[string]any{}
	for k, v := range n.V {
		if k != "allOf" {
			merged[k] = v
		}
	}
	for i, sub := range all {
		at, _, _ := n.Child("allOf", strconv.Itoa(i))
		sn, ok := g.Resolve(at, sub)
		if !ok {
			return nil, false
		}
		sm := sn.V
		if _, nested := sm["allOf"]; nested {
			if sm, ok = g.scalarAllOf(sn, nesting+1); !ok {
				return nil, false
			}
		} else if !scalarKeywords(sm) {
			return nil, false
		}
		for k, v := range sm {
			if _, have := merged[k]; !have {
				merged[k] = v
			}
		}
	}
	return merged, true
}

// scalarKeywords reports whether a schema (its allOf aside) describes no
// object or array and composes nothing else.
func scalarKeywords(m map[string]any) bool {
	switch schemaType(m) {
	case "object", "array":
		return false
	}
	for _, kw := range []string{"anyOf", "oneOf", "not", "$ref", "if", "additionalProperties", "patternProperties", "minProperties", "required", "minItems", "prefixItems", "contains"} {
		if _, ok := m[kw]; ok {
			return false
		}
	}
	return true
}

// sub is the value of a subschema of allOf, anyOf or oneOf: the same
// value as its parent's, so at the same depth. Depth counts the levels of
// the value (properties, items), which is what maxDepth and the optional
// properties' cut bound: AWS definitions wrap every property in an allOf,
// and counting those levels too left required objects five levels deep
// empty. A schema that nests compositions in itself without a value level
// between still ends, at maxCompositions.
func (w *walker) sub(at spec.NodeRef, raw any, depth int) any {
	if w.compositions >= maxCompositions {
		return nil
	}
	w.compositions++
	defer func() { w.compositions-- }()
	return w.value(at, raw, depth)
}

// maxCompositions bounds the allOf/anyOf/oneOf subschemas nested along
// one path of the value.
const maxCompositions = 32

// take returns v (a schema's const, example or enum value, or a generated
// scalar) normalized, once its text is counted against maxBytes. A value
// that does not fit ends the generation: it and every value after it are
// nil. The size is measured before normalize copies the value, and the
// measure stops at the bound, so an example of megabytes met in every
// item of an array costs its size at most once.
func (w *walker) take(v any) any {
	n := textSize(v, maxBytes-w.bytes)
	if w.bytes+n > maxBytes {
		w.bytes = maxBytes + 1
		w.capped = true
		return nil
	}
	w.bytes += n
	return normalize(v)
}

// textSize is the length of the strings, numbers and property names in v
// (other values count one), measured until it passes limit.
func textSize(v any, limit int) int {
	n := 0
	var walk func(v any)
	walk = func(v any) {
		if n > limit {
			return
		}
		switch x := v.(type) {
		case string:
			n += len(x)
		case json.Number:
			n += len(x)
		case map[string]any:
			n++
			for k, e := range x {
				n += len(k)
				walk(e)
			}
		case []any:
			n++
			for _, e := range x {
				walk(e)
			}
		default:
			n++
		}
	}
	walk(v)
	return n
}

// schemaType returns the first non-null type, inferring object/array from
// the keywords present when type is missing.
func schemaType(m map[string]any) string {
	switch t := m["type"].(type) {
	case string:
		return t
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok && s != "null" {
				return s
			}
		}
		if len(t) > 0 {
			return "null"
		}
	}
	if _, ok := m["properties"]; ok {
		return "object"
	}
	if _, ok := m["items"]; ok {
		return "array"
	}
	if _, ok := m["prefixItems"]; ok {
		return "array"
	}
	return ""
}

// saysWhatValue reports whether a schema determines what kind of value it
// takes (a type, inferred or declared, an enum, a const, or subschemas
// that may), as opposed to one that only annotates (a description, a
// title) or only constrains a kind it does not name.
func saysWhatValue(m map[string]any) bool {
	if schemaType(m) != "" {
		return true
	}
	for _, kw := range []string{"enum", "const", "allOf", "anyOf", "oneOf"} {
		if _, ok := m[kw]; ok {
			return true
		}
	}
	return false
}

// enumMemberFits reports whether an enum value has one of the schema's
// declared types (any, when none is declared) and, for a string, meets
// its length bounds and pattern.
func enumMemberFits(doc *spec.Document, m map[string]any, x any) bool {
	var types []string
	switch t := m["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, e := range t {
			if s, ok := e.(string); ok {
				types = append(types, s)
			}
		}
	}
	if len(types) > 0 && !slices.ContainsFunc(types, func(t string) bool { return valueHasType(x, t) }) {
		return false
	}
	if s, ok := x.(string); ok {
		return fitsString(doc, m, s)
	}
	return true
}

// valueHasType reports whether a decoded JSON value is of a JSON Schema
// type ("integer" takes whole numbers).
func valueHasType(x any, t string) bool {
	switch v := x.(type) {
	case string:
		return t == "string"
	case bool:
		return t == "boolean"
	case map[string]any:
		return t == "object"
	case []any:
		return t == "array"
	case json.Number:
		if t == "number" {
			return true
		}
		_, err := v.Int64()
		return t == "integer" && err == nil
	case float64:
		return t == "number" || (t == "integer" && v == math.Trunc(v))
	case int, int64, uint64:
		return t == "number" || t == "integer"
	}
	return false
}

// SchemaType is schemaType for callers outside the package.
func SchemaType(m map[string]any) string { return schemaType(m) }

func (w *walker) object(n Node, depth int) any {
	out := map[string]any{}
	props, _ := n.V["properties"].(map[string]any)
	required := map[string]bool{}
	if rs, ok := n.V["required"].([]any); ok {
		for _, r := range rs {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	// banned are the properties the view leaves out: readOnly ones in
	// requests, writeOnly ones in responses. They are not required there
	// either (OpenAPI), and the compiled view refuses them, so the
	// required ones must not be filled in below.
	banned := map[string]bool{}
	hidden := w.hidden()
	for _, name := range names {
		at, raw, _ := n.Child("properties", name)
		if w.g.flagged(at, raw, hidden) {
			banned[name] = true
			continue
		}
		// Deep optional branches are left out to keep recursive schemas
		// finite; required ones are always filled.
		if !required[name] && (depth >= 4 || w.minimal) {
			continue
		}
		// A property name is text of the value too: names of many
		// kilobytes repeated in every item of an array add up.
		if w.bytes += len(name); w.bytes > maxBytes {
			w.capped = true
			break
		}
		out[name] = w.value(at, raw, depth+1)
	}
	for name := range required {
		if _, ok := out[name]; !ok && !banned[name] {
			w.bytes += len(name)
			out[name] = "rampart"
		}
	}
	if v, ok := num(n.V["minProperties"]); ok && float64(len(out)) < v {
		w.moreProperties(n, out, banned, int(math.Min(v, 50)), depth)
	}
	return out
}

// overlayValue combines the value a member generated for a property with
// the one generated from the property's schema beside the allOf. Objects
// are merged, the inline schema's values winning except its placeholders
// for names it requires without declaring (the member declares them); a
// value of another kind than the member's comes from an inline schema that
// only narrows (a required list with no type) and yields to the member's.
func overlayValue(member, inline any) any {
	mo, mok := member.(map[string]any)
	io, iok := inline.(map[string]any)
	switch {
	case mok && iok:
		out := make(map[string]any, len(mo)+len(io))
		for k, v := range mo {
			out[k] = v
		}
		for k, v := range io {
			if prev, ok := out[k]; ok {
				if v == "rampart" {
					continue
				}
				v = overlayValue(prev, v)
			}
			out[k] = v
		}
		return out
	case mok != iok:
		return member
	}
	return inline
}

// hidden is the mark of the properties the view leaves out: readOnly in
// requests, writeOnly in responses.
func (w *walker) hidden() string {
	if w.view == spec.ResponseView {
		return "writeOnly"
	}
	return "readOnly"
}

// moreProperties adds properties to out until it has want of them, for a
// minProperties: the declared ones it lacks (those left out at depth),
// then a name for each patternProperties pattern, then names under
// additionalProperties when it is a schema or true (AWS maps are
// {additionalProperties: {...}, minProperties: 1}). Under the
// strict-objects policy an object without additionalProperties is
// closed, so no name is made up for it.
func (w *walker) moreProperties(n Node, out map[string]any, banned map[string]bool, want, depth int) {
	add := func(name string, at spec.NodeRef, raw any) {
		if _, have := out[name]; have || banned[name] || len(out) >= want || w.nodes > maxNodes {
			return
		}
		if w.bytes += len(name); w.bytes > maxBytes {
			w.capped = true
			return
		}
		if raw == nil {
			out[name] = "rampart"
			return
		}
		out[name] = w.value(at, raw, depth+1)
	}
	props, _ := n.V["properties"].(map[string]any)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		at, raw, _ := n.Child("properties", name)
		add(name, at, raw)
	}
	if pps, ok := n.V["patternProperties"].(map[string]any); ok {
		for _, pat := range slices.Sorted(maps.Keys(pps)) {
			if name, ok := w.fromPattern(pat, 0); ok {
				at, raw, _ := n.Child("patternProperties", pat)
				add(name, at, raw)
			}
		}
	}
	at, raw, ok := n.Child("additionalProperties")
	if b, isBool := raw.(bool); !ok || (isBool && !b) {
		return
	} else if isBool {
		raw = nil
	}
	// Names follow propertyNames when it constrains them (a pattern, an
	// enum), and vary like the strings of an array's items.
	base := "rampart"
	var enum []any
	if pat, praw, ok := n.Child("propertyNames"); ok {
		if pn, ok := w.g.Resolve(pat, praw); ok {
			enum, _ = pn.V["enum"].([]any)
		}
		pw := walker{g: w.g, view: w.view}
		if s, ok := pw.value(pat, praw, 0).(string); ok && s != "" {
			base = s
		}
	}
	for i := 0; len(out) < want && i < want+len(enum); i++ {
		name := variant(base, i)
		if i < len(enum) {
			name, _ = enum[i].(string)
		}
		if name != "" {
			add(name, at, raw)
		}
	}
}

// flagged reports whether the property schema raw at at sets a boolean
// keyword (readOnly, writeOnly): on the schema itself, next to its $ref
// (Google writes {$ref: Status, readOnly: true}), on a member of an allOf
// wrapper, or on a schema a $ref leads to. The first value met wins, as in
// the contract model's views (spec's transformer.flagAt), which leave the
// same properties out.
func (g *Generator) flagged(at spec.NodeRef, raw any, key string) bool {
	for hop := 0; hop < 16; hop++ {
		m, ok := raw.(map[string]any)
		if !ok {
			return false
		}
		if b, ok := m[key].(bool); ok {
			return b
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			for i, c := range asSlice(m["allOf"]) {
				if g.flagged(spec.NodeRef{File: at.File, Pointer: spec.JoinPointer(at.Pointer, "allOf", strconv.Itoa(i))}, c, key) {
					return true
				}
			}
			return false
		}
		target, err := g.Doc.ResolveRefAt(at, ref)
		if err != nil {
			return false
		}
		if raw, ok = g.Doc.Value(target); !ok {
			return false
		}
		at = target
	}
	return false
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// narrowed is the value of an object schema whose oneOf/anyOf branch only
// narrows it (a required list, a property's enum): the object's own
// properties, with what the branch declares itself taking precedence, and
// every property the branch requires present. A branch generated alone
// would lack the object's required properties, or not be an object at all.
func (w *walker) narrowed(n Node, branchAt spec.NodeRef, branchRaw, branchVal any, depth int) any {
	out, _ := w.object(n, depth).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	bn, ok := w.g.Resolve(branchAt, branchRaw)
	if !ok {
		return out
	}
	own, _ := bn.V["properties"].(map[string]any)
	if bv, isObj := branchVal.(map[string]any); isObj {
		for k, x := range bv {
			if _, declared := own[k]; declared {
				out[k] = x
			} else if _, have := out[k]; !have {
				out[k] = x
			}
		}
	}
	if rs, ok := bn.V["required"].([]any); ok {
		for _, r := range rs {
			name, _ := r.(string)
			if _, have := out[name]; have || name == "" {
				continue
			}
			if at, raw, ok := n.Child("properties", name); ok {
				out[name] = w.value(at, raw, depth+1)
			} else {
				out[name] = "rampart"
			}
		}
	}
	return out
}

func (w *walker) array(n Node, depth int) any {
	// A tuple (prefixItems, JSON Schema 2020-12) gets every position it
	// declares: APIs that take a pair or a triple rarely accept a part.
	prefix, _ := n.V["prefixItems"].([]any)
	count := max(1, len(prefix))
	if v, ok := num(n.V["minItems"]); ok && v > float64(count) {
		count = int(math.Min(v, 50))
	}
	if v, ok := num(n.V["maxItems"]); ok && float64(count) > v {
		count = int(v)
	}
	if closedTuple(n) && count > len(prefix) {
		// items: false admits nothing past the tuple's positions.
		count = len(prefix)
	}
	return w.items(n, count, depth)
}

// closedTuple reports whether an array schema admits no items past its
// prefixItems (items: false).
func closedTuple(n Node) bool {
	b, isBool := n.V["items"].(bool)
	return isBool && !b
}

// items generates count items for the array schema n: position i takes
// prefixItems[i] while there is one, then the items schema (any value,
// "rampart<i>", when there is none).
func (w *walker) items(n Node, count, depth int) []any {
	prefix, _ := n.V["prefixItems"].([]any)
	at, raw, ok := n.Child("items")
	// Items of an enum take its members in turn: a varied string would
	// be no member (Route 53's Regions, minItems 3, of an enum).
	var members []any
	if in, ok := w.g.Resolve(at, raw); ok {
		im := in.V
		if im["allOf"] != nil {
			if sm, ok := w.g.scalarAllOf(in, 0); ok {
				im = sm // allOf [{$ref: Region}, {xml: ...}]
			}
		}
		for _, x := range asSlice(im["enum"]) {
			if x != nil && enumMemberFits(w.g.Doc, im, x) {
				members = append(members, x)
			}
		}
	}
	unique, _ := n.V["uniqueItems"].(bool)
	var itemSchema map[string]any
	if in, ok := w.g.Resolve(at, raw); ok {
		itemSchema = in.V
	}
	out := make([]any, 0, count)
	for i := 0; i < count && w.nodes <= maxNodes; i++ {
		if i < len(prefix) {
			pat, _, _ := n.Child("prefixItems", strconv.Itoa(i))
			out = append(out, w.value(pat, prefix[i], depth+1))
			continue
		}
		if !ok {
			out = append(out, "rampart"+strconv.Itoa(i))
			continue
		}
		if i > 0 && len(members) > 0 {
			w.nodes++
			out = append(out, w.take(members[i%len(members)]))
			continue
		}
		v := w.value(at, raw, depth+1)
		if !unique {
			// Repeating the first item keeps every item in contract;
			// a varied one may break its pattern or format
			// ("subnet-" becoming "subnet1" under ^subnet-[0-9a-z]*$).
			out = append(out, v)
			continue
		}
		// Vary scalars so uniqueItems holds, within the item's length
		// and pattern where a variant can be.
		switch x := v.(type) {
		case string:
			v = distinctString(w.g.Doc, itemSchema, x, i)
		case json.Number:
			if i > 0 {
				if f, err := x.Float64(); err == nil {
					v = json.Number(strconv.FormatFloat(f+float64(i), 'f', -1, 64))
				}
			}
		}
		out = append(out, v)
	}
	return out
}

// variant is s for i = 0, else s with its end replaced by i's digits: the
// i-th of distinct strings of the same length as s, so a maxLength that s
// meets still holds (a string shorter than i's digits gets them added).
func variant(s string, i int) string {
	if i == 0 {
		return s
	}
	si := strconv.Itoa(i)
	if len(s) > len(si) {
		return s[:len(s)-len(si)] + si
	}
	return s + si
}

// distinctString is the i-th of distinct items made from s: s itself
// first, then the first variant that still meets the item schema m's
// length and pattern (s's end replaced by i's digits, or i's digits
// added), else the first variant.
func distinctString(doc *spec.Document, m map[string]any, s string, i int) string {
	if i == 0 {
		return s
	}
	candidates := []string{variant(s, i), s + strconv.Itoa(i)}
	for _, c := range candidates {
		if fitsString(doc, m, c) {
			return c
		}
	}
	return candidates[0]
}

// num reads a numeric keyword value.
func num(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	}
	return 0, false
}

// formatValues are well-formed samples for the asserted formats.
var formatValues = map[string]string{
	"email":         "user@example.com",
	"uuid":          "3fa85f64-5717-4562-b3fc-2c963f66afa6",
	"date-time":     "2024-01-15T10:30:00Z",
	"date":          "2024-01-15",
	"time":          "10:30:00Z",
	"duration":      "P1D",
	"uri":           "https://example.com/resource",
	"url":           "https://example.com/resource",
	"uri-reference": "/resource",
	"hostname":      "example.com",
	"ipv4":          "192.0.2.10",
	"ipv6":          "2001:db8::10",
	"byte":          "cmFtcGFydA==",
	"password":      "Rampart-Pa55word!",
	"regex":         "^[a-z]+$",
	"json-pointer":  "/a/b",
}

func stringValue(doc *spec.Document, m map[string]any) any {
	if f, ok := m["format"].(string); ok {
		// The sample is only a guess at the format; a pattern or length
		// it does not meet is the contract, and wins.
		if v, ok := formatValues[f]; ok && fitsString(doc, m, v) {
			return v
		}
	}
	s := "rampart"
	minLen := 0
	if v, ok := num(m["minLength"]); ok && v <= maxString {
		minLen = int(v)
	}
	if p, ok := m["pattern"].(string); ok {
		if v, ok := fromPattern(doc, p, minLen); ok {
			s = v
		}
	}
	if v, ok := num(m["minLength"]); ok && float64(len([]rune(s))) < v && v <= maxString {
		fill := "a"
		if r := []rune(s); len(r) > 0 {
			fill = string(r[len(r)-1])
		}
		s += strings.Repeat(fill, int(v)-len([]rune(s)))
	}
	if v, ok := num(m["maxLength"]); ok && float64(len([]rune(s))) > v {
		s = string([]rune(s)[:int(v)])
	}
	return s
}

// fitsString reports whether s meets the schema's length bounds and
// pattern. A pattern Go cannot compile (ECMA-262 only syntax) is not held
// against s: the compiled schema has the last word on every candidate.
func fitsString(doc *spec.Document, m map[string]any, s string) bool {
	n := float64(len([]rune(s)))
	if v, ok := num(m["minLength"]); ok && n < v {
		return false
	}
	if v, ok := num(m["maxLength"]); ok && n > v {
		return false
	}
	if p, ok := m["pattern"].(string); ok {
		if re, _, err := doc.CompilePattern(p); err == nil && !re.MatchString(s) {
			return false
		}
	}
	return true
}

// WithProperty returns a copy of obj, a valid value of the object schema
// s, with one property more that s admits, for a value that must not be
// empty (a url-encoded form with no field is no body at all). It tries,
// in order, the declared properties obj lacks, a name matching each
// patternProperties pattern, and the name "rampart" under
// additionalProperties (any value when it is true or absent); each
// candidate is kept only if the compiled schema accepts it, so false
// means no such property exists (a closed object whose properties are
// all there, maxProperties reached).
func (g *Generator) WithProperty(s *spec.Schema, view spec.View, obj map[string]any) (map[string]any, bool) {
	sch, err := g.Doc.Compile(s, view)
	if err != nil {
		return nil, false
	}
	n, ok := g.Resolve(s.Ref, s.Value)
	if !ok {
		return nil, false
	}
	type cand struct {
		name string
		at   spec.NodeRef
		raw  any // the property's schema; nil: any value
	}
	var cands []cand
	props := g.Properties(n.At, n.V)
	for _, name := range slices.Sorted(maps.Keys(props)) {
		if _, have := obj[name]; !have {
			cands = append(cands, cand{name, props[name].At, props[name].Raw})
		}
	}
	if pps, ok := n.V["patternProperties"].(map[string]any); ok {
		for _, pat := range slices.Sorted(maps.Keys(pps)) {
			if name, ok := fromPattern(g.Doc, pat, 0); ok {
				at, raw, _ := n.Child("patternProperties", pat)
				cands = append(cands, cand{name, at, raw})
			}
		}
	}
	at, raw, ok := n.Child("additionalProperties")
	if b, isBool := raw.(bool); !ok || (isBool && b) {
		cands = append(cands, cand{"rampart", at, nil})
	} else if !isBool {
		cands = append(cands, cand{"rampart", at, raw})
	}
	for _, c := range cands {
		if _, have := obj[c.name]; have {
			continue
		}
		var v any = "rampart"
		if c.raw != nil {
			w := walker{g: g, view: view, preferExamples: true}
			v = w.value(c.at, c.raw, 1)
		}
		out := maps.Clone(obj)
		if out == nil {
			out = map[string]any{}
		}
		out[c.name] = v
		if g.Doc.ValidateBounded(sch, view, out) == nil {
			return out, true
		}
	}
	return nil, false
}
