package plan

import (
	"github.com/rampart-sec/rampart/internal/casefold"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// declaresCaseVariants reports whether the schemas s reaches declare
// property names that differ only in case ("id" and "ID"). Request bodies
// are refused when they carry such keys (case-insensitive binders read
// them as one field), unless the contract itself declares them: then the
// API evidently tells them apart, and the refusal would block valid
// requests. Names are compared across the whole body schema, not object
// by object: allOf branches merge into one object, and refusing a valid
// request is the worse mistake.
func declaresCaseVariants(s *jsonschema.Schema) bool {
	seen := map[*jsonschema.Schema]bool{}
	var names casefold.Set // the same test request keys get
	var walk func(*jsonschema.Schema) bool
	walk = func(s *jsonschema.Schema) bool {
		if s == nil || seen[s] {
			return false
		}
		seen[s] = true
		for name := range s.Properties {
			if _, ok := names.Variant(name); ok {
				return true
			}
		}
		next := []*jsonschema.Schema{s.Ref, s.RecursiveRef, s.Not, s.If, s.Then, s.Else, s.PropertyNames,
			s.UnevaluatedProperties, s.Contains, s.Items2020, s.UnevaluatedItems, s.ContentSchema}
		if s.DynamicRef != nil {
			next = append(next, s.DynamicRef.Ref)
		}
		next = append(next, s.AllOf...)
		next = append(next, s.AnyOf...)
		next = append(next, s.OneOf...)
		next = append(next, s.PrefixItems...)
		for _, p := range s.Properties {
			next = append(next, p)
		}
		for _, p := range s.PatternProperties {
			next = append(next, p)
		}
		for _, p := range s.DependentSchemas {
			next = append(next, p)
		}
		for _, v := range []any{s.AdditionalProperties, s.AdditionalItems, s.Items} {
			switch v := v.(type) {
			case *jsonschema.Schema:
				next = append(next, v)
			case []*jsonschema.Schema:
				next = append(next, v...)
			}
		}
		for _, d := range s.Dependencies {
			if d, ok := d.(*jsonschema.Schema); ok {
				next = append(next, d)
			}
		}
		for _, n := range next {
			if walk(n) {
				return true
			}
		}
		return false
	}
	return walk(s)
}
