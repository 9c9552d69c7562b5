package spec

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// What the structure check says of a member an object may not have: the
// meta-schemas only say "additional properties 'x' not allowed" (or, in
// 3.1, "false schema"), which leaves the author to work out why. Most such
// members are a construct of another OpenAPI version, a misspelt field,
// or a key of the wrong case.

// httpMethods are the path item's operation keys (3.2 adds query).
var httpMethods = map[string]bool{"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true, "query": true}

// versionHint says, of a member name that belongs to another version of
// OpenAPI, where that version has it; "" when it does not. parentKey is
// the key of the object the member is in ("info", "license", ...) and
// param says that object is a parameter.
func versionHint(f Family, name, parentKey string, param bool) string {
	v2 := map[string]string{
		"requestBody": "requestBody is OpenAPI 3's: Swagger 2.0 takes the body as a parameter with in: body",
		"content":     "content is OpenAPI 3's: a Swagger 2.0 response has a schema, and the operation lists what it produces",
		"components":  "components is OpenAPI 3's: Swagger 2.0 has definitions, parameters, responses and securityDefinitions at the top level",
		"servers":     "servers is OpenAPI 3's: Swagger 2.0 has host, basePath and schemes",
		"callbacks":   "callbacks are OpenAPI 3's",
		"links":       "links are OpenAPI 3's",
		"nullable":    "nullable is OpenAPI 3.0's: Swagger 2.0 has the x-nullable extension",
		"oneOf":       "Swagger 2.0 schemas compose with allOf only: oneOf is OpenAPI 3's",
		"anyOf":       "Swagger 2.0 schemas compose with allOf only: anyOf is OpenAPI 3's",
		"not":         "not is OpenAPI 3's",
		"webhooks":    "webhooks are OpenAPI 3.1's",
	}
	v3 := map[string]string{
		"produces":            "produces is Swagger 2.0's: in OpenAPI 3 the media types are the keys of content",
		"consumes":            "consumes is Swagger 2.0's: in OpenAPI 3 the media types are the keys of requestBody's content",
		"definitions":         "definitions is Swagger 2.0's: OpenAPI 3 has components/schemas",
		"securityDefinitions": "securityDefinitions is Swagger 2.0's: OpenAPI 3 has components/securitySchemes",
		"host":                "host is Swagger 2.0's: OpenAPI 3 has servers (url: https://api.example.com/v1)",
		"basePath":            "basePath is Swagger 2.0's: OpenAPI 3 has servers (url: https://api.example.com/v1)",
		"schemes":             "schemes is Swagger 2.0's: OpenAPI 3 has servers (url: https://api.example.com/v1)",
		"collectionFormat":    "collectionFormat is Swagger 2.0's: OpenAPI 3 has style and explode",
		"x-nullable":          "",
	}
	v31 := map[string]string{
		"webhooks":              "webhooks are OpenAPI 3.1's",
		"pathItems":             "components/pathItems is OpenAPI 3.1's",
		"jsonSchemaDialect":     "jsonSchemaDialect is OpenAPI 3.1's",
		"const":                 "const is OpenAPI 3.1's: in 3.0 write enum: [value]",
		"$schema":               "$schema is OpenAPI 3.1's (JSON Schema 2020-12)",
		"$id":                   "$id is OpenAPI 3.1's (JSON Schema 2020-12)",
		"$defs":                 "$defs is OpenAPI 3.1's (JSON Schema 2020-12)",
		"prefixItems":           "prefixItems is OpenAPI 3.1's (JSON Schema 2020-12)",
		"unevaluatedProperties": "unevaluatedProperties is OpenAPI 3.1's (JSON Schema 2020-12)",
		"if":                    "if/then/else is OpenAPI 3.1's (JSON Schema 2020-12)",
		"dependentRequired":     "dependentRequired is OpenAPI 3.1's (JSON Schema 2020-12)",
		"contentMediaType":      "contentMediaType is OpenAPI 3.1's (JSON Schema 2020-12)",
		"contentEncoding":       "contentEncoding is OpenAPI 3.1's (JSON Schema 2020-12)",
	}
	switch f {
	case Swagger20:
		return v2[name]
	case OpenAPI30:
		switch {
		case parentKey == "info" && name == "summary":
			return "info.summary is OpenAPI 3.1's"
		case parentKey == "license" && name == "identifier":
			return "license.identifier is OpenAPI 3.1's"
		case name == "examples" && !param:
			return "a 3.0 schema has example; examples (a list) is OpenAPI 3.1's"
		}
		if h, ok := v3[name]; ok {
			return h
		}
		return v31[name]
	}
	return v3[name]
}

// componentKinds are the maps of the components object.
var componentKinds = map[string]bool{"schemas": true, "responses": true, "parameters": true, "examples": true,
	"requestBodies": true, "headers": true, "securitySchemes": true, "links": true, "callbacks": true, "pathItems": true}

// parameterKeys are a Swagger 2.0 parameter's type keywords, which an
// OpenAPI 3 parameter keeps in its schema.
var parameterKeys = map[string]bool{"type": true, "format": true, "items": true, "enum": true, "default": true,
	"maximum": true, "minimum": true, "exclusiveMaximum": true, "exclusiveMinimum": true, "maxLength": true,
	"minLength": true, "pattern": true, "maxItems": true, "minItems": true, "uniqueItems": true, "multipleOf": true}

// unknownMember says that the object at parent (relative to c.top) may
// not have the member name, and why when it can tell. schemaURL is the
// meta-schema's subschema that refused it, whose properties are the
// members allowed ("" when unknown).
func (c *leafCollector) unknownMember(parent, name, schemaURL string) string {
	full := c.base + parent
	toks := SplitPointer(full)
	parentKey := ""
	if len(toks) > 0 {
		parentKey = toks[len(toks)-1]
	}
	pv, _ := lookup(c.top, parent)
	pm := asMap(pv)
	_, named := pm["name"].(string)
	_, located := pm["in"].(string)
	param := named && located
	switch {
	case full == "/paths":
		return fmt.Sprintf("a path must begin with /: %q", name)
	case len(toks) == 2 && toks[0] == "paths" && httpMethods[strings.ToLower(name)]:
		return fmt.Sprintf("property %q is not allowed here: operations are keyed by the method in lower case (%s)", name, strings.ToLower(name))
	case parentKey == "responses" && len(toks) >= 2 && httpMethods[toks[len(toks)-2]]:
		if strings.EqualFold(name, "default") {
			return fmt.Sprintf("%q is not a response code: write default in lower case", name)
		}
		if c.family == Swagger20 {
			return fmt.Sprintf("%q is not a response code: write three digits (200) or default", name)
		}
		return fmt.Sprintf("%q is not a response code: write 100-599, a range 1XX-5XX, or default", name)
	case name == "schema" && c.family != Swagger20 && parentKey == "requestBody":
		return fmt.Sprintf("property %q is not allowed here: in OpenAPI 3 a request body's schema goes under its media type (content: {application/json: {schema: ...}})", name)
	case parentKey == "info" && name == "name":
		return fmt.Sprintf("property %q is not allowed here: the API's name is info.title", name)
	case name == "schema" && c.family != Swagger20 && len(toks) >= 2 && toks[len(toks)-2] == "responses":
		return fmt.Sprintf("property %q is not allowed here: in OpenAPI 3 a response's schema goes under its media type (content: {application/json: {schema: ...}})", name)
	case len(toks) >= 3 && toks[len(toks)-3] == "callbacks" && httpMethods[parentKey]:
		return fmt.Sprintf("property %q is not allowed here: a callback maps a runtime expression ('{$request.body#/callbackUrl}') to a path item, so the operation goes one level deeper", name)
	case full == "" && c.family != Swagger20 && componentKinds[name]:
		return fmt.Sprintf("property %q is not allowed here: %s belongs under components", name, name)
	case param && c.family == Swagger20 && pm["in"] == "body" && parameterKeys[name]:
		return fmt.Sprintf("property %q is not allowed here: a body parameter's type and constraints go in its schema (schema: {type: object, ...})", name)
	case param && c.family != Swagger20 && parameterKeys[name]:
		return fmt.Sprintf("property %q is not allowed here: an OpenAPI 3 parameter keeps its type and constraints in its schema (schema: {type: string, ...})", name)
	case len(toks) >= 2 && toks[len(toks)-2] == "headers" && c.family != Swagger20 && parameterKeys[name]:
		return fmt.Sprintf("property %q is not allowed here: an OpenAPI 3 header keeps its type and constraints in its schema (schema: {type: string, ...})", name)
	}
	msg := fmt.Sprintf("property %q is not allowed here", name)
	if ref, ok := pm["$ref"].(string); ok {
		return fmt.Sprintf("%s: a reference's other members are ignored; write it in %s, which the reference stands for", msg, ref)
	}
	if h := versionHint(c.family, name, parentKey, param); h != "" {
		return msg + ": " + h
	}
	if m := c.closestMember(name, schemaURL); m != "" {
		return msg + ": did you mean " + m + "?"
	}
	return msg
}

// closestMember returns the member of the meta-schema's subschema at
// schemaURL (or the one holding it, for an additionalProperties or
// unevaluatedProperties keyword) that name most likely misspells: the same
// letters in another case, or one or two edits away for names of four
// letters or more; "" when none is.
func (c *leafCollector) closestMember(name, schemaURL string) string {
	names, _ := c.metaMembers(schemaURL)
	return NearestName(name, names)
}

// shapeHint says how to write a member whose value has the wrong shape
// (a string or list where an object belongs, or the other way), for the
// mistakes authors make most; "" for others. p is the member's pointer
// relative to c.top and v its value.
func (c *leafCollector) shapeHint(p string, v any) string {
	toks := SplitPointer(c.base + p)
	n := len(toks)
	last := func(i int) string {
		if n-i < 0 {
			return ""
		}
		return toks[n-i]
	}
	s, isString := v.(string)
	_, isMap := v.(map[string]any)
	list, isList := v.([]any)
	switch {
	case n == 2 && toks[0] == "info" && toks[1] == "license" && isString:
		return fmt.Sprintf("license is an object: license: {name: %s}", s)
	case n == 2 && toks[0] == "info" && toks[1] == "contact" && isString:
		return fmt.Sprintf("contact is an object: contact: {name: ..., email: %s}", s)
	case n == 1 && toks[0] == "tags" && !isList:
		return "tags is a list of objects: tags: [{name: pets}]"
	case n > 1 && last(1) == "tags" && isString:
		return fmt.Sprintf("an operation's tags are a list of names: tags: [%s]", s)
	case n == 2 && toks[0] == "tags" && isString:
		return fmt.Sprintf("a tag is an object: - name: %s", s)
	case last(1) == "security" && isMap:
		return "security is a list of requirements, each mapping scheme names to scopes: security: [{" + firstKey(v) + ": []}]"
	case last(2) == "security" && isString:
		return fmt.Sprintf("a security requirement maps scheme names to scope lists: - %s: []", s)
	case last(1) == "scopes" && isList:
		names := make([]string, 0, len(list))
		for _, x := range list {
			names = append(names, fmt.Sprint(x))
		}
		return "scopes maps each scope to its description: scopes: {" + strings.Join(names, ": ..., ") + ": ...}"
	case n == 1 && toks[0] == "servers" && isMap:
		return "servers is a list: servers: [{url: https://api.example.com}]"
	case last(1) == "type" && isList && c.family == OpenAPI30:
		return "a list of types is OpenAPI 3.1's: in 3.0 write one type, and nullable: true to admit null"
	case n == 1 && (toks[0] == "openapi" || toks[0] == "swagger") && !isString:
		return "the version is a string: quote it (openapi: \"3.1.0\")"
	case last(1) == "examples" && isList && n >= 3 && strings.Contains(last(2), "/"):
		return "a media type's examples map names to Example objects (examples: {one: {value: ...}}); a single value is example"
	}
	return schemaShapeHint(c.family, toks, v)
}

// schemaShapeHint says how to write a schema keyword whose value has the
// wrong shape (items as a list, discriminator as a name, a schema's
// examples as one value); "" for others. toks are its pointer's tokens.
func schemaShapeHint(f Family, toks []string, v any) string {
	if len(toks) == 0 {
		return ""
	}
	_, isList := v.([]any)
	s, isString := v.(string)
	switch toks[len(toks)-1] {
	case "type":
		if isString {
			return typeNameHint(s)
		}
	case "items":
		if isList {
			if f == Swagger20 || f == OpenAPI30 {
				return "items is one schema that every item matches; a list of schemas, one per position, is OpenAPI 3.1's prefixItems"
			}
			return "items is one schema that every item matches; for one schema per position write prefixItems"
		}
	case "discriminator":
		if isString {
			return fmt.Sprintf("discriminator is an object: discriminator: {propertyName: %s}", s)
		}
	case "examples":
		if isString && f != Swagger20 && f != OpenAPI30 {
			return fmt.Sprintf("a schema's examples is a list of values: examples: [%s]", s)
		}
	}
	return ""
}

// firstKey returns the first key of a map in sorted order, "..." for none.
func firstKey(v any) string {
	m := asMap(v)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		return k
	}
	return "..."
}

// notTogether returns the members a meta-schema `not: {required: [a,
// b]}` at schemaURL (or the schema holding it) forbids together; nil for
// another not.
func (c *leafCollector) notTogether(schemaURL string) []string {
	n := c.metaNode(schemaURL)
	if not := asMap(n["not"]); not != nil {
		n = not
	}
	req, _ := n["required"].([]any)
	var out []string
	if i := strings.LastIndex(schemaURL, "/dependentSchemas/"); i >= 0 {
		// dependentSchemas: {identifier: {not: {required: [url]}}}
		if name, err := url.PathUnescape(schemaURL[i+len("/dependentSchemas/"):]); err == nil && !strings.Contains(name, "/") {
			out = append(out, name)
		}
	}
	if len(out)+len(req) < 2 || len(n) != 1 {
		return nil
	}
	for _, r := range req {
		s, ok := r.(string)
		if !ok {
			return nil
		}
		out = append(out, s)
	}
	return out
}

// patternHint says what a value a meta-schema pattern refuses should look
// like, for the members authors get wrong most (Swagger 2.0's host and
// basePath); "" for others. ptr is the member's pointer, got its value.
func patternHint(ptr, got string) string {
	switch ptr {
	case "/host":
		return fmt.Sprintf("host %q is a host name and an optional port only (api.example.com:8443): the scheme goes in schemes, the path in basePath", got)
	case "/basePath":
		return fmt.Sprintf("basePath %q must begin with /", got)
	}
	return ""
}

// exclusiveFlagMessage says what is wrong with a boolean
// exclusiveMinimum or exclusiveMaximum (v) at p in a JSON Schema 2020-12
// schema (OpenAPI 3.1+): OpenAPI 3.0's form, where the bound is minimum.
func exclusiveFlagMessage(p string, v any) (string, bool) {
	b, isBool := v.(bool)
	if !isBool {
		return "", false
	}
	for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
		if strings.HasSuffix(p, "/"+pair[0]) {
			return fmt.Sprintf("%s: %v is OpenAPI 3.0's form: in 3.1 %s is the bound itself (%s: 0 instead of %s: 0 with %s: true)", pair[0], b, pair[0], pair[0], pair[1], pair[0]), true
		}
	}
	return "", false
}

// notAMediaType says, of an entry of a content map whose key is no media
// type (content: {schema: ...}, the media type left out), how to write
// it; false for anything else. parent is the entry's pointer relative to
// c.top.
func (c *leafCollector) notAMediaType(parent string) (string, bool) {
	toks := SplitPointer(c.base + parent)
	n := len(toks)
	if c.family == Swagger20 || n < 2 || toks[n-2] != "content" || strings.Contains(toks[n-1], "/") {
		return "", false
	}
	return fmt.Sprintf("%q is not a media type: content maps media types to what they carry (content: {application/json: {%s: ...}})", toks[n-1], toks[n-1]), true
}

// typeNameHint says which JSON Schema type a type name from a programming
// language or a format stands for ("int" is integer, "date" a string with
// format date); "" for names it does not know.
func typeNameHint(name string) string {
	switch strings.ToLower(name) {
	case "int", "int32", "int64", "long", "short", "byte", "uint", "bigint":
		return "did you mean integer? (with format: int32 or int64)"
	case "float", "double", "decimal", "real", "float32", "float64":
		return "did you mean number? (with format: float or double)"
	case "bool":
		return "did you mean boolean?"
	case "str", "text", "char", "varchar":
		return "did you mean string?"
	case "date", "datetime", "date-time", "timestamp", "time":
		return "a date is a string with a format: type: string, format: date-time (or date)"
	case "uuid", "email", "uri", "url", "binary", "byte[]":
		return fmt.Sprintf("%s is a format of strings: type: string, format: %s", name, strings.ToLower(strings.TrimSuffix(name, "[]")))
	case "file":
		return "file is Swagger 2.0's: in OpenAPI 3 an upload is type: string, format: binary"
	case "list":
		return "did you mean array?"
	case "map", "dict", "dictionary", "hash":
		return "did you mean object? (with additionalProperties for the values)"
	}
	return ""
}

// enumSuggestion says which allowed value a string the meta-schema's enum
// refuses most likely means (": did you mean apiKey?"); "" when none is
// near, or the value is no string.
func enumSuggestion(e *kind.Enum) string {
	got, ok := e.Got.(string)
	if !ok {
		return ""
	}
	var names []string
	for _, w := range e.Want {
		if s, ok := w.(string); ok {
			names = append(names, s)
		}
	}
	if near := NearestName(got, names); near != "" {
		return fmt.Sprintf(": did you mean %s?", near)
	}
	return ""
}
