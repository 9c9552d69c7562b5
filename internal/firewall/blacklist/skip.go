package blacklist

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/rampart-sec/rampart/internal/spec"
)

// SkipPolicy tells, for each place in a validated instance, whether the
// schema already rules out any attack there, so the blacklist can skip it.
// A value is safe only when the schema confines it to:
//   - an enum or a const (the values are the spec author's);
//   - a non-string type (integer, number, boolean, null);
//   - a format with a closed character set that the validator asserts:
//     uuid, date, date-time, ipv4, ipv6, int32, int64;
//   - a pattern anchored at both ends whose every character class excludes
//     quotes, angle brackets, ';', '|', '$', backticks, and also '%', '\',
//     '&' and control characters (through which encoded forms of the
//     others could pass).
//
// format: email and format: uri are never safe: `"x' OR '1'='1"@example.com`
// is a valid address. Anything the builder does not understand is unsafe.
//
// Object keys are safe when the schema closes the object (additionalProperties
// false, or the strict-objects policy with no additionalProperties and no
// patternProperties), so only declared property names can get through
// validation.
//
// The zero SkipPolicy and a nil one skip nothing.
type SkipPolicy struct {
	root *skipNode
}

type skipNode struct {
	safe       bool // string values here cannot carry an attack
	keysSafe   bool // object keys here are limited to declared names
	exempt     bool // the spec exempts this value and everything inside it
	binary     bool // the schema says the value is file content (format binary/byte, contentMediaType, contentEncoding)
	props      map[string]*skipNode
	additional *skipNode // additionalProperties schema, if any
	items      *skipNode
}

// Cursor is a position in a SkipPolicy while walking an instance. The zero
// Cursor (or one below an unknown place) is unsafe everywhere.
type Cursor struct{ n *skipNode }

// Root is the cursor at the instance root.
func (p *SkipPolicy) Root() Cursor {
	if p == nil {
		return Cursor{}
	}
	return Cursor{p.root}
}

// Safe reports whether a string at the cursor cannot carry an attack.
func (c Cursor) Safe() bool { return c.n != nil && c.n.safe }

// Binary reports whether the schema at the cursor declares file content:
// a multipart part there that arrives as a file is data, not an argument.
func (c Cursor) Binary() bool { return c.n != nil && c.n.binary }

// KeysSafe reports whether the keys of an object at the cursor are
// limited to declared property names.
func (c Cursor) KeysSafe() bool { return c.n != nil && c.n.keysSafe }

// Prop moves to the property name of an object.
func (c Cursor) Prop(name string) Cursor {
	if c.n == nil {
		return Cursor{}
	}
	if c.n.exempt {
		return c
	}
	if p, ok := c.n.props[name]; ok {
		return Cursor{p}
	}
	return Cursor{c.n.additional}
}

// Item moves to an element of an array.
func (c Cursor) Item() Cursor {
	if c.n == nil {
		return Cursor{}
	}
	if c.n.exempt {
		return c
	}
	return Cursor{c.n.items}
}

// Safe reports whether the value at an instance path pattern is safe. The
// pattern is a JSON pointer whose array indexes may be written "*"
// ("/items/*/id"); "" is the root.
func (p *SkipPolicy) Safe(pointer string) bool {
	c := p.Root()
	if pointer == "" {
		return c.Safe()
	}
	for _, tok := range spec.SplitPointer(pointer) {
		if c.n != nil && c.n.items != nil && (tok == "*" || isIndex(tok)) {
			c = c.Item()
			continue
		}
		c = c.Prop(tok)
	}
	return c.Safe()
}

// SafePointers lists the instance path patterns the policy marks safe,
// sorted; for tests, logs and the documentation of a deployment.
func (p *SkipPolicy) SafePointers() []string {
	var out []string
	var walk func(n *skipNode, ptr string, depth int)
	walk = func(n *skipNode, ptr string, depth int) {
		if n == nil || depth > 32 {
			return
		}
		if n.safe {
			out = append(out, ptr)
		}
		for k, c := range n.props {
			walk(c, spec.JoinPointer(ptr, k), depth+1)
		}
		walk(n.items, ptr+"/*", depth+1)
	}
	if p != nil {
		walk(p.root, "", 0)
	}
	sort.Strings(out)
	return out
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// safeFormats are the formats whose valid values use a closed character
// set with none of the characters an injection needs. They must also be
// asserted by the validator (spec.AssertedFormats), or a value that merely
// claims the format could be anything. int32 and int64 are not among
// them: they bound numbers, and a string that claims them (`type:
// string, format: int64`, common for 64-bit ids) is not checked by them;
// a number is skipped by its type anyway.
var safeFormats = []string{"uuid", "date", "date-time", "ipv4", "ipv6"}

// maxSkipDepth bounds recursion through nested and recursive schemas;
// deeper places are left unsafe (checked), which is always correct.
const maxSkipDepth = 24

// ExtBlacklist on a schema, with the value "off" (or false), exempts the
// values the schema describes (and everything inside them) from the
// blacklist: the way to accept HTML, SQL or shell text in one field
// without turning the blacklist off for the whole operation.
const ExtBlacklist = "x-rampart-blacklist"

// SkipOptions configure BuildSkipPolicyWith.
type SkipOptions struct {
	// Exemptions honours ExtBlacklist: off on schemas. It loosens the
	// configured protection, so the firewall sets it only when the
	// configuration allows spec overrides.
	Exemptions bool
	// Ignored, when set, is told of each ExtBlacklist on a schema that was
	// not honoured (Exemptions off, or a value other than off/false), so
	// the caller can say so at load time.
	Ignored func(at spec.NodeRef, value any)
}

// BuildSkipPolicy derives the skip policy of a schema occurrence (a
// parameter's, or a request body media type's) from the raw schema in the
// definition. It follows $ref, allOf, anyOf and oneOf. It fails only when
// the schema cannot be read at all; a caller should then skip nothing.
// Schema exemptions (ExtBlacklist) are not honoured; see
// BuildSkipPolicyWith.
func BuildSkipPolicy(doc *spec.Document, s *spec.Schema) (*SkipPolicy, error) {
	return BuildSkipPolicyWith(doc, s, SkipOptions{})
}

// BuildSkipPolicyWith is BuildSkipPolicy with options.
func BuildSkipPolicyWith(doc *spec.Document, s *spec.Schema, o SkipOptions) (*SkipPolicy, error) {
	if doc == nil || s == nil {
		return nil, errors.New("skip policy: no schema")
	}
	b := &skipBuilder{doc: doc, strict: doc.StrictObjects(), opts: o}
	at, v, ok := doc.Deref(s.Ref, s.Value)
	if !ok {
		return nil, fmt.Errorf("skip policy: schema at %s: unresolvable $ref", doc.Locate(s.Ref))
	}
	return &SkipPolicy{root: b.node(at, v, 0)}, nil
}

type skipBuilder struct {
	doc    *spec.Document
	strict bool
	opts   SkipOptions
}

func (b *skipBuilder) deref(at spec.NodeRef, v any) (spec.NodeRef, any, bool) {
	return b.doc.Deref(at, v)
}

func child(at spec.NodeRef, toks ...string) spec.NodeRef {
	p := at.Pointer
	for _, t := range toks {
		p = spec.JoinPointer(p, t)
	}
	return spec.NodeRef{File: at.File, Pointer: p}
}

func (b *skipBuilder) node(at spec.NodeRef, v any, depth int) *skipNode {
	if depth > maxSkipDepth {
		return nil
	}
	at, v, ok := b.deref(at, v)
	if !ok {
		return nil
	}
	switch x := v.(type) {
	case bool:
		// `false` admits nothing; `true` admits anything.
		if !x {
			return &skipNode{safe: true, keysSafe: true}
		}
		return nil
	case map[string]any:
		if ext, ok := x[ExtBlacklist]; ok {
			if off := ext == false || ext == "off"; off && b.opts.Exemptions {
				return &skipNode{safe: true, keysSafe: true, exempt: true}
			}
			if b.opts.Ignored != nil {
				b.opts.Ignored(at, ext)
			}
		}
		return b.object(at, x, depth)
	}
	return nil
}

func (b *skipBuilder) object(at spec.NodeRef, m map[string]any, depth int) *skipNode {
	n := &skipNode{safe: b.leafSafe(m), binary: binarySchema(m)}
	// Structure: properties, additionalProperties, items.
	if props, ok := m["properties"].(map[string]any); ok {
		n.props = map[string]*skipNode{}
		for name, ps := range props {
			if c := b.node(child(at, "properties", name), ps, depth+1); c != nil {
				n.props[name] = c
			} else {
				n.props[name] = &skipNode{}
			}
		}
	}
	_, hasPattern := m["patternProperties"]
	switch ap := m["additionalProperties"].(type) {
	case bool:
		n.keysSafe = !ap && !hasPattern
	case map[string]any:
		n.additional = b.node(child(at, "additionalProperties"), ap, depth+1)
	case nil:
		// The strict-objects policy closes objects that declare properties
		// and say nothing about additional ones (see spec.transform).
		_, declares := m["properties"]
		n.keysSafe = b.strict && declares && !hasPattern
	}
	if pn, ok := m["propertyNames"].(map[string]any); ok && b.leafSafe(pn) {
		n.keysSafe = true
	}
	if it, ok := m["items"]; ok {
		if _, isList := it.([]any); !isList {
			n.items = b.node(child(at, "items"), it, depth+1)
		}
	}
	// allOf: every member applies, so whatever one member makes safe is
	// safe; properties merge.
	if all, ok := m["allOf"].([]any); ok {
		for i, sub := range all {
			c := b.node(child(at, "allOf", fmt.Sprint(i)), sub, depth+1)
			n = mergeAll(n, c)
		}
	}
	// anyOf/oneOf: only what every alternative makes safe is safe.
	for _, kw := range []string{"anyOf", "oneOf"} {
		alts, ok := m[kw].([]any)
		if !ok || len(alts) == 0 {
			continue
		}
		var acc *skipNode
		for i, sub := range alts {
			c := b.node(child(at, kw, fmt.Sprint(i)), sub, depth+1)
			if c == nil {
				c = &skipNode{}
			}
			if i == 0 {
				acc = c
			} else {
				acc = intersect(acc, c, 0)
			}
		}
		n = mergeAll(n, acc)
	}
	return n
}

// mergeAll combines two schemas that both apply (allOf).
func mergeAll(a, c *skipNode) *skipNode {
	if c == nil {
		return a
	}
	if a == nil {
		return c
	}
	out := *a
	out.safe = a.safe || c.safe
	out.keysSafe = a.keysSafe || c.keysSafe
	out.exempt = a.exempt || c.exempt
	out.binary = a.binary || c.binary
	if len(c.props) > 0 {
		out.props = map[string]*skipNode{}
		for k, v := range a.props {
			out.props[k] = v
		}
		for k, v := range c.props {
			out.props[k] = mergeAll(out.props[k], v)
		}
	}
	if out.additional == nil {
		out.additional = c.additional
	}
	out.items = mergeAll(a.items, c.items)
	return &out
}

// intersect keeps what both alternatives make safe (anyOf/oneOf).
func intersect(a, c *skipNode, depth int) *skipNode {
	if a == nil || c == nil || depth > maxSkipDepth {
		return &skipNode{}
	}
	out := &skipNode{safe: a.safe && c.safe, keysSafe: a.keysSafe && c.keysSafe, exempt: a.exempt && c.exempt}
	for k, av := range a.props {
		if cv, ok := c.props[k]; ok {
			if out.props == nil {
				out.props = map[string]*skipNode{}
			}
			out.props[k] = intersect(av, cv, depth+1)
		}
	}
	if a.items != nil && c.items != nil {
		out.items = intersect(a.items, c.items, depth+1)
	}
	if a.additional != nil && c.additional != nil {
		out.additional = intersect(a.additional, c.additional, depth+1)
	}
	return out
}

// binarySchema reports a schema for file content.
func binarySchema(m map[string]any) bool {
	if f, _ := m["format"].(string); f == "binary" || f == "byte" {
		return true
	}
	_, media := m["contentMediaType"]
	_, enc := m["contentEncoding"]
	return media || enc
}

// leafSafe decides whether the keywords of one schema object confine a
// string value to something that cannot carry an attack. A pattern
// counts only where the firewall enforces it: the definition compiles
// it (not one RE2 cannot run, nor one past the definition's budget of
// instructions).
func (b *skipBuilder) leafSafe(m map[string]any) bool {
	if _, ok := m["enum"].([]any); ok {
		return true
	}
	if _, ok := m["const"]; ok {
		return true
	}
	if nonStringType(m["type"]) {
		return true
	}
	if f, ok := m["format"].(string); ok && slices.Contains(safeFormats, f) && slices.Contains(spec.AssertedFormats, f) {
		return true
	}
	if p, ok := m["pattern"].(string); ok && b.enforced(p) && SafePattern(p) {
		return true
	}
	return false
}

func nonStringType(t any) bool {
	switch x := t.(type) {
	case string:
		return x == "integer" || x == "number" || x == "boolean" || x == "null"
	case []any:
		if len(x) == 0 {
			return false
		}
		for _, e := range x {
			s, _ := e.(string)
			if !nonStringType(s) {
				return false
			}
		}
		return true
	}
	return false
}

func (b *skipBuilder) enforced(pattern string) bool {
	_, _, err := b.doc.CompilePattern(pattern)
	return err == nil
}

// unsafeChars are the characters a safe pattern must not admit: those an
// injection needs to break out of a SQL, HTML or shell context, and those
// an encoded form of them would need.
const unsafeChars = "'\"`<>;|$%\\&"

// SafePattern reports whether every string a pattern matches is free of
// unsafeChars and control characters. The pattern must be anchored at
// both ends, since an unanchored pattern matches any string containing a
// match. Patterns Go cannot parse are unsafe.
func SafePattern(p string) bool {
	re, err := spec.ParsePattern(p) // as the firewall runs it
	if err != nil {
		return false
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return false
	}
	first, last := re.Sub[0], re.Sub[len(re.Sub)-1]
	// Only text anchors confine the whole value: with (?m), ^ and $ match
	// at every line, so "abc\n1' OR '1'='1" matches ^[a-z]+$ by its first
	// line and the rest is never looked at.
	if first.Op != syntax.OpBeginText || last.Op != syntax.OpEndText {
		return false
	}
	for _, s := range re.Sub[1 : len(re.Sub)-1] {
		if !safeRegexp(s, 0) {
			return false
		}
	}
	return true
}

func safeRegexp(re *syntax.Regexp, depth int) bool {
	if depth > 64 {
		return false
	}
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpNoMatch:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if !safeRune(r) {
				return false
			}
			if re.Flags&syntax.FoldCase != 0 {
				for f := range foldRunes(r) {
					if !safeRune(f) {
						return false
					}
				}
			}
		}
		return true
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			lo, hi := re.Rune[i], re.Rune[i+1]
			if lo < 0x20 || (lo <= 0x7f && hi >= 0x7f) {
				return false
			}
			for _, c := range unsafeChars {
				if c >= lo && c <= hi {
					return false
				}
			}
		}
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return false
	case syntax.OpCapture, syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat,
		syntax.OpConcat, syntax.OpAlternate:
		for _, s := range re.Sub {
			if !safeRegexp(s, depth+1) {
				return false
			}
		}
		return true
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	// Anchors in the middle and anything unknown: refuse.
	return false
}

func safeRune(r rune) bool {
	return r >= 0x20 && r != 0x7f && !strings.ContainsRune(unsafeChars, r)
}

// foldRunes yields the case variants of r (none of the unsafe characters
// has any, but a literal under (?i) is checked the same way for clarity).
func foldRunes(r rune) func(func(rune) bool) {
	return func(yield func(rune) bool) {
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if !yield(f) {
				return
			}
		}
	}
}
