package audit

import (
	"strconv"
	"strings"
	"testing"
)

// v2ParamDoc is a Swagger 2.0 definition with one operation parameter
// (%s) and a parameter definition (%d), each a flow mapping on its own
// line: the operation's on line 12, the definition's on line 16.
const v2ParamDoc = `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
schemes: [https]
paths:
  /a:
    parameters:
      - {name: p, in: query, type: string, maxLength: 5, pattern: "^a+$"}
    post:
      consumes: [application/json]
      parameters:
        - %s
      responses:
        "200": {description: ok}
parameters:
  D: %d
`

const v2NoDef = "{name: d, in: query, type: string, maxLength: 5, pattern: \"^a+$\"}"

// v2Structural audits text and returns the struct-invalid findings at or
// below the parameter at pointer.
func v2Structural(t *testing.T, text, pointer string) []string {
	t.Helper()
	var out []string
	for _, f := range findingsOf(auditText(t, text, Options{}), "struct-invalid") {
		if f.Location.Pointer == pointer || strings.HasPrefix(f.Location.Pointer, pointer+"/") {
			out = append(out, f.Location.Pointer+" "+f.Message+" line "+strconv.Itoa(f.Location.Line))
		}
	}
	return out
}

// TestSwagger2ParameterStructure: a Swagger 2.0 parameter is a body
// parameter or a typed one of a location (the meta-schema's oneOfs). One
// that fails its own branch fails the others on its `in`, and the
// structure check told the deepest of those ("value must be 'header'" of
// a body parameter without schema, "value must be 'body'" of a path
// parameter without required): it says what the parameter's own branch
// wants, at the parameter.
func TestSwagger2ParameterStructure(t *testing.T) {
	const op = "/paths/~1a/post/parameters/0"
	cases := []struct {
		name, param, def, at string
		line                 int
		want                 string
	}{
		{"body without schema", "{name: b, in: body, required: true}", v2NoDef, op, 12, "a body parameter needs a schema"},
		{"body with a type instead", "{name: b, in: body, type: object}", v2NoDef, op, 12, "a body parameter needs a schema"},
		{"body with a type instead, the type", "{name: b, in: body, type: object}", v2NoDef, op + "/type", 12, "property \"type\" is not allowed here: a body parameter's type and constraints go in its schema (schema: {type: object, ...})"},
		{"body definition without schema", "{$ref: '#/parameters/D'}", "{name: b, in: body}", "/parameters/D", 16, "a body parameter needs a schema"},
		{"body with a schema and a type", "{name: b, in: body, type: object, schema: {type: object}}", v2NoDef, op + "/type", 12, "property \"type\" is not allowed here: a body parameter's type and constraints go in its schema (schema: {type: object, ...})"},
		{"path without required", "{name: p, in: path, type: string, maxLength: 5, pattern: \"^a+$\"}", v2NoDef, op, 12, "a path parameter must have required: true"},
		{"path not required", "{name: p, in: path, required: false, type: string, maxLength: 5, pattern: \"^a+$\"}", v2NoDef, op + "/required", 12, "a path parameter must have required: true"},
		// Both are required of a path parameter; data-param-no-schema
		// reports the type with a patch, this finding says both.
		{"path without type or required", "{name: p, in: path}", v2NoDef, op, 12, "missing properties 'type', 'required'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(strings.Replace(v2ParamDoc, "%s", tc.param, 1), "%d", tc.def, 1)
			var got []string
			for _, f := range v2Structural(t, text, tc.at) {
				if strings.HasPrefix(f, tc.at+" ") { // at tc.at, not below
					got = append(got, f)
				}
			}
			want := tc.at + " " + tc.want + " (at " + tc.at + ") line " + strconv.Itoa(tc.line)
			if len(got) != 1 || got[0] != want {
				t.Errorf("struct-invalid findings %q, want one: %q", got, want)
			}
		})
	}
}

// TestSwagger2ParameterLocation: a Swagger 2.0 parameter's in is one of
// five locations. One in none (cookie, which came with OpenAPI 3) failed
// every kind of parameter, and the structure check told what the first
// wants of it ("value must be 'body'"). It says what in may be.
func TestSwagger2ParameterLocation(t *testing.T) {
	const op = "/paths/~1a/post/parameters/0"
	const oneOf = "in must be one of query, header, path, formData or body"
	const cookie = oneOf + ": Swagger 2.0 has no cookie parameters, OpenAPI 3 does"
	cases := []struct {
		name, param, def, at string
		line                 int
		want                 string
	}{
		{"cookie", "{name: c, in: cookie, type: string, maxLength: 5, pattern: \"^a+$\"}", v2NoDef, op + "/in", 12, cookie},
		{"cookie without type", "{name: c, in: cookie}", v2NoDef, op + "/in", 12, cookie},
		{"cookie definition", "{$ref: '#/parameters/D'}", "{name: c, in: cookie, type: string}", "/parameters/D/in", 16, cookie},
		{"capitalised", "{name: q, in: Query, type: string, maxLength: 5, pattern: \"^a+$\"}", v2NoDef, op + "/in", 12, oneOf + ": did you mean query?"},
		{"form", "{name: q, in: form, type: string, maxLength: 5, pattern: \"^a+$\"}", v2NoDef, op + "/in", 12, oneOf},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(strings.Replace(v2ParamDoc, "%s", tc.param, 1), "%d", tc.def, 1)
			param := strings.TrimSuffix(tc.at, "/in")
			got := v2Structural(t, text, param)
			want := tc.at + " " + tc.want + " (at " + tc.at + ") line " + strconv.Itoa(tc.line)
			if len(got) != 1 || got[0] != want {
				t.Errorf("struct-invalid findings %q, want one: %q", got, want)
			}
		})
	}
}

// v3ParamDoc is an OpenAPI 3 definition (version %v) with one operation
// parameters (%s, a flow sequence's items) on line 9 and a security scheme (%k) on line 5.
const v3ParamDoc = `openapi: %v
info: {title: t, version: "1"}
components:
  securitySchemes:
    k: %k
paths:
  /a/{p}:
    get:
      parameters: [%s]
      responses:
        "200": {description: ok}
`

const v3Key = "{type: apiKey, in: header, name: X-Key}"

// TestOpenAPI3ParameterStructure: an OpenAPI 3.0 parameter's location
// rules are the branches of a oneOf (ParameterLocation), so a path
// parameter without required: true failed every branch and the check
// told what the query branch wants ("value must be 'query'"), and a query
// parameter with a bad style was also told "value must be 'path'". Only
// the branch its `in` names is followed, as for Swagger 2.0, and 3.0 and
// 3.1 (if/then) say the same of a path parameter that is not required.
func TestOpenAPI3ParameterStructure(t *testing.T) {
	const op = "/paths/~1a~1{p}/get/parameters/0"
	const path = "{name: p, in: path, schema: {type: string, maxLength: 5, pattern: \"^a+$\"}}"
	const notRequired = "{name: p, in: path, required: false, schema: {type: string, maxLength: 5, pattern: \"^a+$\"}}"
	const mustRequire = "a path parameter must have required: true"
	cases := []struct {
		name, version, param, key, at string
		line                          int
		want                          string
	}{
		{"3.0 path without required", "3.0.3", path, v3Key, op, 9, mustRequire},
		{"3.1 path without required", "3.1.0", path, v3Key, op, 9, mustRequire},
		{"3.0 path not required", "3.0.3", notRequired, v3Key, op + "/required", 9, mustRequire},
		{"3.0 body location", "3.0.3", "{name: p, in: body, required: true, schema: {type: string}}", v3Key, op + "/in", 9, "in must be one of query, header, path or cookie"},
		{"3.0 query with a path style", "3.0.3", "{name: p, in: path, required: true, schema: {type: string, maxLength: 5, pattern: \"^a+$\"}}, {name: q, in: query, style: matrix, schema: {type: string, enum: [a]}}", v3Key, "/paths/~1a~1{p}/get/parameters/1/style", 9, "value must be one of 'form', 'spaceDelimited', 'pipeDelimited', 'deepObject'"},
		// A security scheme has an `in` too: its rules are not a
		// parameter's, and its message stays the meta-schema's.
		{"3.0 api key in body", "3.0.3", "{name: p, in: path, required: true, schema: {type: string, maxLength: 5, pattern: \"^a+$\"}}", "{type: apiKey, in: body, name: X}", "/components/securitySchemes/k/in", 5, "value must be one of 'header', 'query', 'cookie'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.NewReplacer("%v", tc.version, "%s", tc.param, "%k", tc.key).Replace(v3ParamDoc)
			var got []string
			for _, f := range findingsOf(auditText(t, text, Options{}), "struct-invalid") {
				if f.Location.Pointer == tc.at {
					got = append(got, f.Message+" line "+strconv.Itoa(f.Location.Line))
				} else if strings.HasPrefix(f.Location.Pointer, "/paths/") {
					t.Errorf("another struct-invalid finding on the operation: %s: %s", f.Location.Pointer, f.Message)
				}
			}
			want := tc.want + " (at " + tc.at + ") line " + strconv.Itoa(tc.line)
			if len(got) != 1 || got[0] != want {
				t.Errorf("struct-invalid findings at %s: %q, want one: %q", tc.at, got, want)
			}
		})
	}
}
