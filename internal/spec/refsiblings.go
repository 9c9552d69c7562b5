package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// IgnoredSibling is a keyword written beside a $ref that the contract
// model does not enforce, and why (a problem message).
type IgnoredSibling struct {
	Key, Why string
}

// IgnoredRefSiblings returns the keywords beside the $ref of the schema m,
// at at, that are not enforced: before OpenAPI 3.1 (2.0 and 3.0, JSON
// Schema draft 4) a $ref's siblings are ignored, as OpenAPI says. Most are
// kept as their authors meant them (nullable, readOnly, a narrower bound);
// not kept are a `type` the target contradicts, which would refuse every
// value, and a sibling JSON Schema has no reading for (`type:
// application/json`, allOf written as a map), which would make the whole
// schema fail to compile. The views drop them (ref-sibling-ignored) and
// the audit reads the schema without them, so the two agree. Nil in 3.1+,
// where siblings apply, and for a schema without $ref.
func (d *Document) IgnoredRefSiblings(at NodeRef, m map[string]any) []IgnoredSibling {
	ref, ok := m["$ref"].(string)
	if !ok || (d.Family != Swagger20 && d.Family != OpenAPI30) {
		return nil
	}
	target, err := d.files.resolveRefAt(at, ref)
	if err != nil {
		return nil
	}
	return ignoredRefSiblings(d.Family, m, d.files.targetType(target))
}

// ignoredRefSiblings is IgnoredRefSiblings for a schema m written in a
// definition of family f (legacy keywords as written: a boolean
// exclusiveMinimum, `type: file`) whose $ref leads to a schema of type
// targetType ("" when it has none).
func ignoredRefSiblings(f Family, m map[string]any, targetType string) []IgnoredSibling {
	if _, ok := m["$ref"].(string); !ok || (f != Swagger20 && f != OpenAPI30) {
		return nil
	}
	var out []IgnoredSibling
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if k == "$ref" || strings.HasPrefix(k, "x-") {
			continue
		}
		if _, isBool := v.(bool); isBool && (k == "exclusiveMinimum" || k == "exclusiveMaximum") {
			continue // draft 4's form, which the views rewrite
		}
		if s, ok := v.(string); ok && k == "type" {
			if s == "file" {
				s = "string" // Swagger 2.0's upload, read as a binary string
			}
			if jsonTypes[s] {
				if jsonTypes[targetType] && !typesMeet(s, targetType) {
					out = append(out, IgnoredSibling{k, fmt.Sprintf("type %q beside a $ref to a schema of type %q: before OpenAPI 3.1 a $ref's siblings are ignored, and this one would refuse every value; it is not enforced", m[k], targetType)})
				}
				continue
			}
		}
		if err := Validate(jsonSchemaMeta(), map[string]any{k: v}); err != nil && !IsEngineFailure(err) {
			out = append(out, IgnoredSibling{k, fmt.Sprintf("%s beside a $ref is not valid JSON Schema (%s): before OpenAPI 3.1 a $ref's siblings are ignored, and this one is not enforced", siblingName(k, v), metaMessage(err))})
		}
	}
	return out
}

// jsonSchemaMeta is JSON Schema 2020-12's meta-schema, compiled once,
// which the views' schemas are written in.
var jsonSchemaMeta = sync.OnceValue(func() *jsonschema.Schema {
	return jsonschema.NewCompiler().MustCompile("https://json-schema.org/draft/2020-12/schema")
})

// siblingName names a keyword for a message, with its value when that is
// a short string (`type "application/json"`).
func siblingName(k string, v any) string {
	if s, ok := v.(string); ok && len(s) <= 40 {
		return fmt.Sprintf("%s %q", k, s)
	}
	return k
}

// metaMessage is the first thing the meta-schema says of a value.
func metaMessage(err error) string {
	if leaves := ValidationLeaves(err); len(leaves) > 0 {
		return leafMessage(leaves[0])
	}
	return err.Error()
}
