// Package params decodes path, query, header and cookie parameters from
// their serialised form (OpenAPI style and explode) into the generic values
// the compiled schemas validate. What a raw string becomes (a number, a
// boolean, an array, an object) depends on the parameter's schema, so each
// parameter gets a Shape, computed once when the contract is compiled.
// The firewall decodes requests with it, and the scanner reads back what
// it sent with the same rules (Scalar), so the two engines agree on what
// a value on the wire is.
package params

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Type bits of a Shape.
const (
	TString uint8 = 1 << iota
	TInteger
	TNumber
	TBoolean
	TArray
	TObject
	TNull
)

// Shape is what the decoders need to know about a schema: its JSON types,
// its items and its properties.
type Shape struct {
	Types uint8
	// Prefix is the shapes of an array's first items, position by
	// position (prefixItems, or a list under items in the dialects
	// before 2020-12); Items is the shape of the items after them: nil
	// where nothing types them, or where items is false and there are
	// none. Item picks the one for a position.
	Prefix     []*Shape
	Items      *Shape
	Props      map[string]*Shape
	Additional bool // the object admits properties beyond Props
	// AddProps is the shape of the properties beyond Props when
	// additionalProperties is a schema (nil when it is true or absent).
	AddProps *Shape
	// File: the schema describes file content (format binary or byte,
	// contentMediaType, contentEncoding), which multipart bodies carry
	// as uploads.
	File bool
	// untyped: the schema names no type (a description, a bare $ref
	// sibling), and Types is TString by default; merged into a
	// composition that has types, it adds none.
	untyped bool
}

// Has reports whether any of the type bits is set.
func (s *Shape) Has(t uint8) bool { return s != nil && s.Types&t != 0 }

// Item is the shape of the array item at position i (from 0): its
// prefixItems entry, or items for the positions after them. It is nil
// where the schema types no item there (items absent or false), and
// Scalar reads such an item as text.
func (s *Shape) Item(i int) *Shape {
	if s == nil {
		return nil
	}
	if i >= 0 && i < len(s.Prefix) {
		return s.Prefix[i]
	}
	return s.Items
}

// HoldsFiles reports whether the shape is file content, or an array of
// it (a multipart property sent as uploads).
func (s *Shape) HoldsFiles() bool {
	if s == nil {
		return false
	}
	if s.File || (s.Items != nil && s.Items.File) {
		return true
	}
	for _, p := range s.Prefix {
		if p != nil && p.File {
			return true
		}
	}
	return false
}

// Resolver follows a {$ref} node to its target.
type Resolver func(v any) (any, bool)

// ShapeOf derives a Shape from a raw schema node. Composition (allOf, anyOf,
// oneOf) is merged: the decoder only chooses how to read strings, the
// schema still decides validity.
func ShapeOf(v any, resolve Resolver) *Shape {
	return shapeOf(v, resolve, 0)
}

func shapeOf(v any, resolve Resolver, depth int) *Shape {
	if depth > 16 {
		return &Shape{Types: TString}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return &Shape{Types: TString}
	}
	if _, isRef := m["$ref"]; isRef && resolve != nil {
		if t, ok := resolve(m); ok {
			if tm, ok := t.(map[string]any); ok && len(m) == 1 {
				return shapeOf(tm, resolve, depth+1)
			}
			base := shapeOf(t, resolve, depth+1)
			rest := make(map[string]any, len(m))
			for k, x := range m {
				if k != "$ref" {
					rest[k] = x
				}
			}
			merge(base, shapeOf(rest, resolve, depth+1))
			return base
		}
	}
	s := &Shape{}
	switch t := m["type"].(type) {
	case string:
		s.Types |= typeBit(t)
	case []any:
		for _, x := range t {
			if ts, ok := x.(string); ok {
				s.Types |= typeBit(ts)
			}
		}
	}
	if n, ok := m["nullable"].(bool); ok && n {
		s.Types |= TNull
	}
	if f, _ := m["format"].(string); f == "binary" || f == "byte" {
		s.File = true
	}
	if _, ok := m["contentMediaType"]; ok {
		s.File = true
	}
	if _, ok := m["contentEncoding"]; ok {
		s.File = true
	}
	if pi, ok := m["prefixItems"].([]any); ok {
		s.Prefix = shapesOf(pi, resolve, depth+1)
	}
	rest, hasRest := m["items"]
	if list, ok := rest.([]any); ok {
		// items as a list (the dialects before 2020-12): the first
		// items by position, additionalItems the ones after them.
		if s.Prefix == nil {
			s.Prefix = shapesOf(list, resolve, depth+1)
		}
		rest, hasRest = m["additionalItems"]
	}
	// The items after the prefix: none where items is false, and nil
	// (read as text) where nothing types them.
	if hasRest && rest != false {
		s.Items = shapeOf(rest, resolve, depth+1)
	}
	if _, ok := m["items"]; (ok || s.Prefix != nil) && s.Types == 0 {
		s.Types = TArray
	}
	if props, ok := m["properties"].(map[string]any); ok {
		s.Props = make(map[string]*Shape, len(props))
		for k, p := range props {
			s.Props[k] = shapeOf(p, resolve, depth+1)
		}
		if s.Types == 0 {
			s.Types = TObject
		}
	}
	if ap, ok := m["additionalProperties"]; ok {
		if b, isBool := ap.(bool); !isBool || b {
			s.Additional = true
		}
		if !isBoolNode(ap) {
			s.AddProps = shapeOf(ap, resolve, depth+1)
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		if list, ok := m[k].([]any); ok {
			for _, x := range list {
				merge(s, shapeOf(x, resolve, depth+1))
			}
		}
	}
	if enum, ok := m["enum"].([]any); ok && (s.Types == 0 || s.untyped) {
		s.Types, s.untyped = 0, false
		for _, e := range enum {
			s.Types |= valueBit(e)
		}
	}
	if c, ok := m["const"]; ok && (s.Types == 0 || s.untyped) {
		s.Types, s.untyped = valueBit(c), false
	}
	if s.Types == 0 {
		s.Types, s.untyped = TString, true
	}
	return s
}

// shapesOf derives the shapes of a list of schemas (prefixItems).
func shapesOf(list []any, resolve Resolver, depth int) []*Shape {
	out := make([]*Shape, len(list))
	for i, x := range list {
		out[i] = shapeOf(x, resolve, depth)
	}
	return out
}

// merge adds a composition's member to dst. A member that names no type
// adds none (allOf [{$ref: Obj}, {description: x}] stays an object), but
// one typed string does: anyOf [object, {type: string}] admits both.
func merge(dst, src *Shape) {
	switch {
	case dst.Types == 0:
		dst.Types, dst.untyped = src.Types, src.untyped
	case src.untyped:
	case dst.untyped: // a string by default only: the member's types instead
		dst.Types, dst.untyped = src.Types, false
	default:
		dst.Types |= src.Types
	}
	if dst.Items == nil && dst.Prefix == nil {
		dst.Items = src.Items
	}
	if dst.Prefix == nil {
		dst.Prefix = src.Prefix
	}
	if len(src.Props) > 0 {
		if dst.Props == nil {
			dst.Props = map[string]*Shape{}
		}
		for k, v := range src.Props {
			if _, ok := dst.Props[k]; !ok {
				dst.Props[k] = v
			}
		}
	}
	dst.Additional = dst.Additional || src.Additional
	dst.File = dst.File || src.File
	if dst.AddProps == nil {
		dst.AddProps = src.AddProps
	}
}

func isBoolNode(v any) bool {
	_, ok := v.(bool)
	return ok
}

func typeBit(t string) uint8 {
	switch t {
	case "string":
		return TString
	case "integer":
		return TInteger
	case "number":
		return TNumber
	case "boolean":
		return TBoolean
	case "array":
		return TArray
	case "object":
		return TObject
	case "null":
		return TNull
	}
	return 0
}

func valueBit(v any) uint8 {
	switch v.(type) {
	case string:
		return TString
	case json.Number:
		return TNumber
	case bool:
		return TBoolean
	case nil:
		return TNull
	}
	return 0
}

// Scalar converts one serialised scalar (a parameter, a form or multipart
// field) to the type the shape expects. A string that is not a valid
// number for a numeric schema stays a string, so that validation reports
// a type error rather than the decoder guessing. An integer-only schema
// takes plain decimal integers alone (an optional '-', no leading zeros,
// no fraction or exponent): the schema engine holds 1e3, 1000e-1 and
// 100.0 to be integers, but the upstream's parser does not read them so:
// parseInt("1e3") is 1 in JavaScript, (int)"1e3" is 1000 in PHP,
// strconv.Atoi, Integer.parseInt and int.Parse refuse them. Such a value
// stays a string, and validation refuses it as not an integer.
func Scalar(raw string, s *Shape) any {
	if s == nil {
		return raw
	}
	if s.Types&(TObject|TArray) != 0 && s.Types&TString == 0 && raw != "" && (raw[0] == '{' || raw[0] == '[') {
		return JSONText(raw)
	}
	if s.Types&TInteger != 0 && s.Types&TNumber == 0 && !isPlainInteger(raw) && isNumber(raw) {
		return raw
	}
	// A number longer than the schema engine reads in reasonable time
	// (spec.MaxNumberLen) stays a string: refused where only a number is
	// allowed.
	if s.Types&(TInteger|TNumber) != 0 && len(raw) <= spec.MaxNumberLen && isNumber(raw) {
		return json.Number(raw)
	}
	if s.Types&TBoolean != 0 && (raw == "true" || raw == "false") {
		return raw == "true"
	}
	if s.Types&TNull != 0 && raw == "" && s.Types&TString == 0 {
		return nil
	}
	return raw
}

// JSONText is an atom read where the schema wants an object or an array
// and no string: an array item, an object property or a whole value that
// the parameter's style cannot spell out (an array of objects in a form
// query, a nested array). OpenAPI defines no RFC 6570 form for such
// values; clients send them as JSON (the media type OpenAPI gives object
// values by default), so a caller decodes the text as JSON, under its own
// limits, before validation. Text that does not decode stays a string,
// which validation refuses as the wrong type.
type JSONText string

// MayHoldJSON reports whether decoding with shape s can produce JSONText:
// whether s, its items or one of its properties wants an object or an
// array and no string. Callers decode only then, so ordinary parameters
// cost nothing.
func MayHoldJSON(s *Shape) bool {
	return mayHoldJSON(s, 0)
}

// mayHoldJSON looks as deep as the decoders build values (nested
// deepObject keys, an exploded object's array property of objects).
func mayHoldJSON(s *Shape, depth int) bool {
	if s == nil || depth > 16 {
		return false
	}
	if s.Types&(TObject|TArray) != 0 && s.Types&TString == 0 {
		return true
	}
	if mayHoldJSON(s.Items, depth+1) || mayHoldJSON(s.AddProps, depth+1) {
		return true
	}
	for _, p := range s.Prefix {
		if mayHoldJSON(p, depth+1) {
			return true
		}
	}
	for _, p := range s.Props {
		if mayHoldJSON(p, depth+1) {
			return true
		}
	}
	return false
}

// isPlainInteger reports whether s is -?(0|[1-9][0-9]*).
func isPlainInteger(s string) bool {
	s = strings.TrimPrefix(s, "-")
	return isIndex(s) && (s[0] != '0' || len(s) == 1)
}

// isNumber accepts the JSON number grammar only (no hex, no Inf/NaN, no
// leading +), which strconv alone would let through.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	if i >= len(s) {
		return false
	}
	if s[i] == '0' {
		i++
	} else if s[i] >= '1' && s[i] <= '9' {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i != len(s) {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil || isRangeErr(err)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
