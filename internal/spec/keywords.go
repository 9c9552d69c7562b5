package spec

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// IgnoredKeyword is a key of an OpenAPI 3.1/3.2 schema object that no
// validator reads: JSON Schema 2020-12 ignores keywords it does not know,
// so a misspelt `maxlength` leaves the string unbounded without a word,
// and OpenAPI 3.0's `nullable` no longer admits null.
type IgnoredKeyword struct {
	Key string
	// Meant is the keyword the key most likely stands for ("maxLength"
	// for "maxlength"), or "" when it resembles none.
	Meant string
	// Constrains says Meant is a keyword that limits the values a schema
	// accepts (not an annotation such as description): without it the
	// schema accepts more than its author wrote.
	Constrains bool
	// Why says what the key does not do, for a finding's message.
	Why string
}

// jsonSchemaKeywords are the keywords of JSON Schema 2020-12's
// vocabularies (core, applicator, unevaluated, validation, meta-data,
// format, content), the OpenAPI base vocabulary's, and the two the
// 2020-12 meta-schema keeps from earlier drafts (definitions,
// dependencies), with whether each constrains values.
var jsonSchemaKeywords = map[string]bool{
	// core
	"$id": false, "$schema": false, "$ref": true, "$anchor": false, "$dynamicRef": true,
	"$dynamicAnchor": false, "$vocabulary": false, "$comment": false, "$defs": false,
	// applicator
	"prefixItems": true, "items": true, "contains": true, "additionalProperties": true,
	"properties": true, "patternProperties": true, "dependentSchemas": true,
	"propertyNames": true, "if": true, "then": true, "else": true, "allOf": true,
	"anyOf": true, "oneOf": true, "not": true,
	// unevaluated
	"unevaluatedItems": true, "unevaluatedProperties": true,
	// validation
	"type": true, "const": true, "enum": true, "multipleOf": true, "maximum": true,
	"exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true,
	"maxLength": true, "minLength": true, "pattern": true, "maxItems": true,
	"minItems": true, "uniqueItems": true, "maxContains": true, "minContains": true,
	"maxProperties": true, "minProperties": true, "required": true, "dependentRequired": true,
	// meta-data, format, content
	"title": false, "description": false, "default": false, "deprecated": false,
	"readOnly": true, "writeOnly": true, "examples": false, "format": true,
	"contentEncoding": false, "contentMediaType": false, "contentSchema": false,
	// OpenAPI base vocabulary
	"discriminator": true, "xml": false, "externalDocs": false, "example": false,
	// kept by the 2020-12 meta-schema from earlier drafts
	"definitions": false, "dependencies": true,
}

// renamedKeywords are keywords of earlier drafts, or of OpenAPI 3.0, that
// 2020-12 spells differently or dropped, and what to write instead.
var renamedKeywords = map[string]struct {
	meant, why string
}{
	"nullable":         {"type", "nullable is OpenAPI 3.0's; in 3.1 it means nothing and null is refused: add \"null\" to type (type: [string, \"null\"])"},
	"x-nullable":       {"type", "x-nullable is Swagger 2.0's; in 3.1 it means nothing and null is refused: add \"null\" to type (type: [string, \"null\"])"},
	"id":               {"$id", "id is draft 4's; 2020-12 names a schema with $id"},
	"$recursiveRef":    {"$dynamicRef", "$recursiveRef is draft 2019-09's; 2020-12 replaced it with $dynamicRef"},
	"$recursiveAnchor": {"$dynamicAnchor", "$recursiveAnchor is draft 2019-09's; 2020-12 replaced it with $dynamicAnchor"},
	"regex":            {"pattern", "regex is not a JSON Schema keyword and is ignored: pattern holds a schema's regular expression"},
	"regexp":           {"pattern", "regexp is not a JSON Schema keyword and is ignored: pattern holds a schema's regular expression"},
	"additionalItems":  {"items", "additionalItems is draft 2019-09's; in 2020-12 items (beside prefixItems) says what follows the listed items"},
}

// IgnoredKeywords returns the keys of the schema m that no validator
// reads, in key order: none before OpenAPI 3.1 (the 2.0 and 3.0
// meta-schemas refuse unknown keys, and the structure check reports
// them), none for a schema that names its own dialect ($schema), and none
// for extensions (x-).
func (d *Document) IgnoredKeywords(m map[string]any) []IgnoredKeyword {
	if d.Family != OpenAPI31 && d.Family != OpenAPI32 {
		return nil
	}
	if dialect, ok := d.Root()["jsonSchemaDialect"].(string); ok && !defaultDialect(dialect) {
		return nil
	}
	return ignoredKeywords(m)
}

func ignoredKeywords(m map[string]any) []IgnoredKeyword {
	if s, ok := m["$schema"].(string); ok && !defaultDialect(s) {
		return nil
	}
	var out []IgnoredKeyword
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, known := jsonSchemaKeywords[k]; known || (strings.HasPrefix(k, "x-") && k != "x-nullable") {
			continue
		}
		if r, ok := renamedKeywords[k]; ok {
			out = append(out, IgnoredKeyword{Key: k, Meant: r.meant, Constrains: jsonSchemaKeywords[r.meant], Why: r.why})
			continue
		}
		ik := IgnoredKeyword{Key: k, Meant: closestKeyword(k)}
		sub, isMap := m[k].(map[string]any)
		switch {
		case ik.Meant != "":
			ik.Constrains = jsonSchemaKeywords[ik.Meant]
			ik.Why = fmt.Sprintf("%s is not a JSON Schema keyword and is ignored: did you mean %s?", k, ik.Meant)
		case isMap && looksLikeSchema(sub):
			// {type: object, name: {type: string}}: properties left out.
			ik.Meant, ik.Constrains = "properties", true
			ik.Why = fmt.Sprintf("%s is not a JSON Schema keyword and is ignored: if it is a property, declare it under properties", k)
		default:
			ik.Why = fmt.Sprintf("%s is not a JSON Schema keyword and is ignored (name an extension x-%s)", k, k)
		}
		out = append(out, ik)
	}
	return out
}

// defaultDialect reports whether a $schema or jsonSchemaDialect URI names
// the dialect the engines read: JSON Schema 2020-12 or OpenAPI's base
// dialect over it.
func defaultDialect(uri string) bool {
	u := strings.TrimSuffix(strings.TrimSuffix(uri, "#"), "/")
	return u == "https://json-schema.org/draft/2020-12/schema" ||
		strings.HasPrefix(u, "https://spec.openapis.org/oas/3.1/dialect") ||
		strings.HasPrefix(u, "https://spec.openapis.org/oas/3.2/dialect")
}

// closestKeyword returns the keyword k most likely misspells: the same
// letters in another case or with separators (max_length, max-length),
// or, for keys of five letters or more, one at most two edits away; ""
// when none is.
func closestKeyword(k string) string {
	fold := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	fk := fold(k)
	best, bestDist := "", 3
	for _, kw := range slices.Sorted(maps.Keys(jsonSchemaKeywords)) {
		if fold(kw) == fk {
			return kw
		}
		if len(k) < 5 {
			continue
		}
		if d := editDistance(fk, fold(kw), bestDist); d < bestDist {
			best, bestDist = kw, d
		}
	}
	return best
}

// NearestName returns the name among names that name most likely
// misspells: the same in another case, or, for names of four letters or
// more, one or two letters off (the first nearest, in the order given);
// "" when none is. The engines use it to say "did you mean".
func NearestName(name string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return n
		}
		if len(name) < 4 {
			continue
		}
		if d := editDistance(strings.ToLower(n), strings.ToLower(name), bestDist); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or limit when it
// is limit or more.
func editDistance(a, b string, limit int) int {
	if len(a)-len(b) >= limit || len(b)-len(a) >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin >= limit {
			return limit
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], limit)
}

// SubschemaKeywords are the JSON Schema 2020-12 keywords whose value is
// one schema, and SubschemaListKeywords those whose value is a list of
// them (schemaNameMaps, a map of them by name). The audit's schema graph
// walks the same keywords, so a rule and the firewall's load-time checks
// see the same subschemas.
var (
	SubschemaKeywords = []string{"items", "additionalProperties", "unevaluatedProperties", "unevaluatedItems",
		"contains", "propertyNames", "if", "then", "else", "not", "contentSchema"}
	SubschemaListKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
)

// IgnoredKeywordProblems lists, as warnings, the ignored keywords
// (IgnoredKeywords) of every schema the operations use, each once where
// it is written: the firewall logs them when it loads the contract, since
// it enforces the schema without them. The audit reports the same keys as
// data-keyword-ignored, per direction.
func (d *Document) IgnoredKeywordProblems() []Problem {
	if d.Family != OpenAPI31 && d.Family != OpenAPI32 {
		return nil
	}
	var out []Problem
	seen := map[NodeRef]bool{}
	var walk func(at NodeRef, v any, depth int)
	walk = func(at NodeRef, v any, depth int) {
		m, ok := v.(map[string]any)
		if !ok || seen[at] || depth > maxRefHops*4 || len(seen) > 1<<20 {
			return
		}
		seen[at] = true
		for _, ik := range d.IgnoredKeywords(m) {
			out = append(out, Problem{Code: "keyword-ignored", Loc: d.files.locate(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, ik.Key)}), Message: ik.Why})
		}
		if _, isRef := m["$ref"].(string); isRef {
			if t, tv, ok := d.Deref(at, m); ok {
				walk(t, tv, depth+1)
			}
		}
		for _, k := range SubschemaKeywords {
			if c, ok := m[k]; ok {
				walk(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k)}, c, depth+1)
			}
		}
		for _, k := range SubschemaListKeywords {
			for i, c := range asSlice(m[k]) {
				walk(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k, itoa(i))}, c, depth+1)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(schemaNameMaps)) {
			named := asMap(m[k])
			for _, name := range slices.Sorted(maps.Keys(named)) {
				walk(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, k, name)}, named[name], depth+1)
			}
		}
	}
	for _, u := range d.SchemaUses() {
		walk(u.Schema.Ref, u.Schema.Value, 0)
	}
	return out
}
