package audit

import (
	"encoding/json"
	"testing"
)

// TestBoundsAcrossAllOf: a value must satisfy every allOf member and the
// schema composing them, so the data rules judge its bounds on what they
// say together. allOf: [{type: string}, {maxLength: 10}] is a bounded
// string, although neither member is one alone; a string no member bounds
// is still reported, at the member that types it.
func TestBoundsAcrossAllOf(t *testing.T) {
	const prop = pet + "/properties/x"
	cases := []struct {
		name   string
		rule   string
		schema string
		// extra schemas under /components/schemas
		defs map[string]string
		at   string // pointer of the finding; "" for none
	}{
		{"maxLength from a sibling member", "data-string-no-maxlength",
			`{"allOf":[{"type":"string","pattern":"^[a-z]+$"},{"maxLength":10}]}`, nil, ""},
		{"no member bounds the string", "data-string-no-maxlength",
			`{"allOf":[{"type":"string"},{"pattern":"^[a-z]+$"}]}`, nil, prop + "/allOf/0"},
		{"pattern from a sibling member", "data-string-no-pattern",
			`{"allOf":[{"type":"string","maxLength":10},{"pattern":"^[a-z]+$"}]}`, nil, ""},
		{"no member has a pattern", "data-string-no-pattern",
			`{"allOf":[{"type":"string"},{"maxLength":10}]}`, nil, prop + "/allOf/0"},
		{"bounded anchored pattern from a sibling", "data-string-no-maxlength",
			`{"allOf":[{"type":"string"},{"pattern":"^[a-z]{1,8}$"}]}`, nil, ""},
		{"enum from a sibling fixes the value", "data-string-no-maxlength",
			`{"allOf":[{"type":"string"},{"enum":["a","b"]}]}`, nil, ""},
		{"maxLength from the composing schema", "data-string-no-maxlength",
			`{"type":"string","maxLength":10,"pattern":"^[a-z]+$","allOf":[{"type":"string"}]}`, nil, ""},
		{"maxLength from a member of the typed schema", "data-string-no-maxlength",
			`{"type":"string","pattern":"^[a-z]+$","allOf":[{"maxLength":10}]}`, nil, ""},
		{"maxLength beside a referenced string", "data-string-no-maxlength",
			`{"allOf":[{"$ref":"#/components/schemas/Text"},{"maxLength":10}]}`,
			map[string]string{"Text": `{"type":"string","pattern":"^[a-z]+$"}`}, ""},
		// The referenced string is used on its own too: that use is
		// unbounded.
		{"referenced string also used alone", "data-string-no-maxlength",
			`{"allOf":[{"$ref":"#/components/schemas/Text"},{"maxLength":10}]}`,
			map[string]string{"Text": `{"type":"string","pattern":"^[a-z]+$"}`, "Other": `{"type":"object","properties":{"t":{"$ref":"#/components/schemas/Text"}}}`},
			"/components/schemas/Text"},
		{"maximum from a sibling", "data-number-unbounded",
			`{"allOf":[{"type":"integer","format":"int32"},{"minimum":0,"maximum":9}]}`, nil, ""},
		{"maximum missing from every member", "data-number-unbounded",
			`{"allOf":[{"type":"integer","format":"int32"},{"minimum":0}]}`, nil, prop + "/allOf/0"},
		{"maxItems from a sibling", "data-array-no-maxitems",
			`{"allOf":[{"type":"array","items":{"type":"string","enum":["a"]}},{"maxItems":3}]}`, nil, ""},
		{"maxItems missing from every member", "data-array-no-maxitems",
			`{"allOf":[{"type":"array","items":{"type":"string","enum":["a"]}},{"minItems":1}]}`, nil, prop + "/allOf/0"},
		{"maxProperties from a sibling", "data-object-no-maxproperties",
			`{"allOf":[{"type":"object","additionalProperties":{"type":"string","enum":["a"]}},{"maxProperties":5}]}`, nil, ""},
		// anyOf/oneOf members are alternatives: one does not bound another.
		{"anyOf sibling does not bound", "data-string-no-maxlength",
			`{"anyOf":[{"type":"string","pattern":"^[a-z]+$"},{"maxLength":10}]}`, nil, prop + "/anyOf/0"},
		{"oneOf member bounded by the composing schema", "data-string-no-maxlength",
			`{"maxLength":10,"oneOf":[{"type":"string","pattern":"^[a-z]+$"},{"type":"string","format":"uuid"}]}`, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, prop, j(tc.schema))
			for name, s := range tc.defs {
				set(d, "/components/schemas/"+name, j(s))
			}
			if _, ok := tc.defs["Other"]; ok {
				set(d, op+"/requestBody/content/application~1xml/schema", j(`{"$ref":"#/components/schemas/Other"}`))
			}
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			got := findingsOf(res, tc.rule)
			if tc.at == "" {
				for _, f := range got {
					t.Errorf("unexpected %s at %s: %s", tc.rule, f.Location.Pointer, f.Message)
				}
				return
			}
			if !hasFindingAt(res, tc.rule, tc.at) {
				t.Errorf("no %s at %s; got %+v", tc.rule, tc.at, got)
			}
		})
	}
}
