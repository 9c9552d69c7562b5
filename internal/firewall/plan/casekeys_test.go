package plan

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestDeclaresCaseVariants(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		want   bool
	}{
		{"plain object", `{"type":"object","properties":{"id":{},"name":{}}}`, false},
		{"camelCase is not a variant", `{"properties":{"customerId":{},"customer":{}}}`, false},
		{"top-level variants", `{"properties":{"id":{},"ID":{}}}`, true},
		{"nested in a property", `{"properties":{"a":{"properties":{"role":{},"Role":{}}}}}`, true},
		{"in array items", `{"items":{"properties":{"x":{},"X":{}}}}`, true},
		{"in prefixItems", `{"prefixItems":[{"properties":{"x":{},"X":{}}}]}`, true},
		{"across allOf branches (one object)", `{"allOf":[{"properties":{"k":{}}},{"properties":{"K":{}}}]}`, true},
		{"same name in two objects", `{"properties":{"id":{},"child":{"properties":{"id":{}}}}}`, false},
		{"in oneOf branch", `{"oneOf":[{"properties":{"k":{},"K":{}}}]}`, true},
		{"through $ref", `{"$defs":{"d":{"properties":{"q":{},"Q":{}}}},"properties":{"p":{"$ref":"#/$defs/d"}}}`, true},
		{"in additionalProperties", `{"additionalProperties":{"properties":{"q":{},"Q":{}}}}`, true},
		{"recursive schema terminates", `{"$defs":{"n":{"properties":{"next":{"$ref":"#/$defs/n"}}}},"$ref":"#/$defs/n"}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var doc any
			if err := json.Unmarshal([]byte(tc.schema), &doc); err != nil {
				t.Fatal(err)
			}
			c := jsonschema.NewCompiler()
			c.DefaultDraft(jsonschema.Draft2020)
			if err := c.AddResource("mem://s.json", doc); err != nil {
				t.Fatal(err)
			}
			s, err := c.Compile("mem://s.json")
			if err != nil {
				t.Fatal(err)
			}
			if got := declaresCaseVariants(s); got != tc.want {
				t.Fatalf("declaresCaseVariants(%s) = %v, want %v", strings.TrimSpace(tc.schema), got, tc.want)
			}
		})
	}
}
