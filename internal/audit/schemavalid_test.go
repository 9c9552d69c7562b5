package audit

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestInvalidJSONSchemaIsStructural: a schema the JSON Schema meta-schema
// refuses cannot be compiled, and rampart protect fails closed on the
// operations using it; the audit says so as struct-invalid at the keyword
// and calls the definition invalid. OpenAPI 3.1's own meta-schema does not
// look inside schemas, so this is the only finding that says it; 3.0's
// does, and the two say it once.
func TestInvalidJSONSchemaIsStructural(t *testing.T) {
	cases := []struct {
		name    string
		version string
		ptr     string // where the bad value goes
		value   string
		at      string // the finding's pointer; "" for no finding
		msg     string
	}{
		{"3.1 misspelt type", "3.1.0", pet + "/properties/name/type", `"strng"`, pet + "/properties/name/type", "value must be one of"},
		{"3.1 negative minLength", "3.1.0", pet + "/properties/name/minLength", `-1`, pet + "/properties/name/minLength", "minimum: got -1, want 0"},
		{"3.1 required as a string", "3.1.0", pet + "/required", `"name"`, pet + "/required", "want array"},
		{"3.1 parameter schema", "3.1.0", op + "/parameters/0/schema/maxLength", `"ten"`, op + "/parameters/0/schema/maxLength", "want integer"},
		{"3.1 valid schema", "3.1.0", pet + "/properties/name/minLength", `1`, "", ""},
		{"3.0 misspelt type", "3.0.3", pet + "/properties/name/type", `"strng"`, pet + "/properties/name/type", "value must be one of"},
		// A component no operation uses yet: the structure check looks
		// inside it in 3.0, and nothing did in 3.1.
		{"3.1 unused component", "3.1.0", "/components/schemas/Draft", `{"type":"object","properties":{"id":{"type":"int"}}}`, "/components/schemas/Draft/properties/id/type", "value must be one of"},
		{"3.2 unused component", "3.2.0", "/components/schemas/Draft", `{"type":"object","properties":{"id":{"type":"int"}}}`, "/components/schemas/Draft/properties/id/type", "value must be one of"},
		{"3.0 unused component", "3.0.3", "/components/schemas/Draft", `{"type":"object","properties":{"id":{"type":"int"}}}`, "/components/schemas/Draft/properties/id/type", "value must be one of"},
		{"3.1 valid unused component", "3.1.0", "/components/schemas/Draft", `{"type":"object","properties":{"id":{"type":"integer"}}}`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, "/openapi", tc.version)
			set(d, tc.ptr, j(tc.value))
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			got := findingsOf(res, "struct-invalid")
			if tc.at == "" {
				if len(got) != 0 || !res.Valid {
					t.Errorf("valid %v, findings %+v; want valid and none", res.Valid, got)
				}
				return
			}
			if res.Valid {
				t.Errorf("valid: true for a schema protect refuses")
			}
			n := 0
			for _, f := range got {
				if f.Location.Pointer == tc.at {
					n++
					if !strings.Contains(f.Message, tc.msg) || f.Location.Line == 0 {
						t.Errorf("message %q at line %d, want %q and a line", f.Message, f.Location.Line, tc.msg)
					}
				}
			}
			if n != 1 || len(got) != 1 {
				t.Errorf("want one struct-invalid at %s, got %+v", tc.at, got)
			}
		})
	}
}

// TestEveryBrokenSchemaOfAUseIsReported: the schema engine stops at the
// first schema the meta-schema refuses; a body that reaches two broken
// components (one through the other) gets both reported in one audit,
// each once, with the operation that uses them.
func TestEveryBrokenSchemaOfAUseIsReported(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /orders:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Order"}
      responses: {"200": {description: ok}}
  /lines:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Line"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Order:
      type: object
      properties:
        id: {type: strng}
        lines: {type: array, maxItems: 10, items: {$ref: "#/components/schemas/Line"}}
    Line:
      type: object
      properties:
        sku: {type: string, minLength: -1}
`
	res := auditText(t, doc, Options{})
	got := map[string][]string{}
	for _, f := range findingsOf(res, "struct-invalid") {
		got[f.Location.Pointer] = append(got[f.Location.Pointer], strings.Join(f.Operations, ","))
	}
	want := map[string]string{
		"/components/schemas/Order/properties/id/type":      "POST /orders",
		"/components/schemas/Line/properties/sku/minLength": "POST /lines,POST /orders",
	}
	for at, ops := range want {
		if len(got[at]) != 1 {
			t.Errorf("at %s: %d findings, want 1 (all: %v)", at, len(got[at]), got)
			continue
		}
		for _, op := range strings.Split(ops, ",") {
			if !strings.Contains(got[at][0], op) {
				t.Errorf("at %s: operations %q, want %s among them", at, got[at][0], op)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings at %v, want only %v", got, want)
	}
}
