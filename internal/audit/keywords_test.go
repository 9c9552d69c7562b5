package audit

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

// TestKeywordIgnored: OpenAPI 3.1 schemas are JSON Schema 2020-12, which
// ignores keywords it does not know, so a misspelt bound is no bound at
// all; the audit said only that the string had no maxLength.
func TestKeywordIgnored(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                %s
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {%s}}
`
	cases := []struct {
		name, request, response string
		pointer                 string // of the finding, "" for none
		severity, message       string
		patch                   string // JSON of the patch, "" for none
	}{
		{"misspelt bound in a request", "s: {type: string, maxlength: 10}", "", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/maxlength", "medium",
			"maxlength is not a JSON Schema keyword and is ignored: did you mean maxLength?",
			`[{"op":"move","from":"/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/maxlength","path":"/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/maxLength"}]`},
		{"misspelt bound in a response", "", "s: {type: string, maxlength: 10}", "/paths/~1a/post/responses/200/content/application~1json/schema/properties/s/maxlength", "low",
			"maxlength is not a JSON Schema keyword and is ignored: did you mean maxLength?",
			`[{"op":"move","from":"/paths/~1a/post/responses/200/content/application~1json/schema/properties/s/maxlength","path":"/paths/~1a/post/responses/200/content/application~1json/schema/properties/s/maxLength"}]`},
		{"3.0's nullable", "s: {type: string, maxLength: 5, nullable: true}", "", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/nullable", "medium",
			`nullable is OpenAPI 3.0's; in 3.1 it means nothing and null is refused: add "null" to type (type: [string, "null"])`,
			`[{"op":"replace","path":"/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/type","value":["string","null"]},{"op":"remove","path":"/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/nullable"}]`},
		{"an annotation misspelt is a step lower", "s: {type: string, maxLength: 5, descrption: d}", "", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/descrption", "low",
			"descrption is not a JSON Schema keyword and is ignored: did you mean description?",
			`[{"op":"move","from":"/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/descrption","path":"/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/description"}]`},
		{"no patch over the keyword already there", "s: {type: string, maxLength: 5, maxlength: 10}", "", "/paths/~1a/post/requestBody/content/application~1json/schema/properties/s/maxlength", "medium",
			"maxlength is not a JSON Schema keyword and is ignored: did you mean maxLength?", ""},
		{"a correct schema", "s: {type: string, maxLength: 5, description: d, example: a, x-note: n}", "", "", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := auditText(t, strings.Replace(strings.Replace(doc, "%s", tc.request, 1), "%s", tc.response, 1), Options{})
			got := findingsOf(res, "data-keyword-ignored")
			if tc.pointer == "" {
				if len(got) != 0 {
					t.Fatalf("findings %+v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("%d findings (%+v), want one", len(got), got)
			}
			f := got[0]
			if f.Location.Pointer != tc.pointer || f.Severity.String() != tc.severity || f.Message != tc.message {
				t.Errorf("finding at %s, %s: %q\nwant at %s, %s: %q", f.Location.Pointer, f.Severity, f.Message, tc.pointer, tc.severity, tc.message)
			}
			if tc.patch != "" || len(f.Patch) > 0 {
				b, _ := json.Marshal(f.Patch)
				if string(b) != tc.patch {
					t.Errorf("patch %s, want %s", b, tc.patch)
				}
			}
		})
	}
	// 3.0's meta-schema refuses unknown keys: struct-invalid reports
	// them, once.
	res := auditText(t, strings.Replace(strings.Replace(strings.Replace(doc, "3.1.0", "3.0.3", 1), "%s", "s: {type: string, maxlength: 10}", 1), "%s", "", 1), Options{})
	if got := findingsOf(res, "data-keyword-ignored"); len(got) != 0 {
		t.Errorf("3.0: data-keyword-ignored %+v, want none", got)
	}
	found := false
	for _, f := range findingsOf(res, "struct-invalid") {
		if strings.HasSuffix(f.Location.Pointer, "/properties/s/maxlength") {
			found = true
			if !strings.HasPrefix(f.Message, `property "maxlength" is not allowed here: did you mean maxLength?`) {
				t.Errorf("3.0: message %q, want the keyword meant", f.Message)
			}
		}
	}
	if !found {
		t.Error("3.0: no struct-invalid finding at the unknown keyword")
	}
}

// TestIgnoreExtensionIsKnown: x-rampart-ignore is read by the audit, so
// the check for unknown x-rampart keys must not call it unknown.
func TestIgnoreExtensionIsKnown(t *testing.T) {
	if !slices.Contains(spec.RampartExtensions, ignoreKey) {
		t.Errorf("%s is read by the audit but not in spec.RampartExtensions", ignoreKey)
	}
}
