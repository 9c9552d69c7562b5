package audit

import (
	"strings"
	"testing"
)

// refSiblingDoc is an OpenAPI 3.0 definition whose request body's
// properties are $refs with one sibling each, on lines 19-22.
const refSiblingDoc = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/P"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Base: {type: object, additionalProperties: false, properties: {kind: {type: string, maxLength: 5, pattern: "^[a-z]+$"}}}
    P:
      type: object
      additionalProperties: false
      properties:
        media: {$ref: "#/components/schemas/Base", type: application/json}
        contradicts: {$ref: "#/components/schemas/Base", type: string}
        composed: {$ref: "#/components/schemas/Base", allOf: {a: {type: string}}}
        nullable: {$ref: "#/components/schemas/Base", nullable: true}
`

// TestRefSiblingsIgnoredAreReported: before OpenAPI 3.1 a $ref's
// siblings are ignored; where the firewall does not enforce one (a type
// that contradicts the target, a sibling that is not JSON Schema) the
// audit says so at the sibling, as a warning, and the definition stays
// valid, and the audit's rules read the schema without it, as the
// firewall does. A sibling that is kept (nullable) is not reported.
func TestRefSiblingsIgnoredAreReported(t *testing.T) {
	res := auditText(t, refSiblingDoc, Options{})
	got := map[int]string{}
	for _, f := range findingsOf(res, "struct-ref-sibling-ignored") {
		got[f.Location.Line] = f.Message
	}
	for _, tc := range []struct {
		line int
		want string // in the message; "" for no warning
	}{
		{19, `type "application/json" beside a $ref is not valid JSON Schema`},
		{20, `type "string" beside a $ref to a schema of type "object"`},
		{21, `allOf beside a $ref is not valid JSON Schema`},
		{22, ""},
	} {
		msg, ok := got[tc.line]
		switch {
		case tc.want == "" && ok:
			t.Errorf("line %d: unexpected warning %q", tc.line, msg)
		case tc.want != "" && !strings.Contains(msg, tc.want):
			t.Errorf("line %d: warning %q, want one saying %q (all: %v)", tc.line, msg, tc.want, got)
		}
	}
	// The schema is read as the firewall reads it: the ignored type
	// does not make the object a string to bound.
	for _, rule := range []string{"data-string-no-maxlength", "data-string-no-pattern"} {
		for _, f := range findingsOf(res, rule) {
			if f.Location.Line >= 19 && f.Location.Line <= 21 {
				t.Errorf("%s at line %d: the sibling it judges is not enforced", rule, f.Location.Line)
			}
		}
	}
	if fs := findingsOf(res, "struct-invalid"); len(fs) > 0 {
		t.Errorf("struct-invalid on a definition whose ignored siblings are all it has wrong: %+v", fs)
	}
	if !res.Valid {
		t.Error("the definition is reported not valid")
	}
}
