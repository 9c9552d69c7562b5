package plan

import (
	"strings"
	"testing"
)

// TestIgnoredKeywordsAreProblems: JSON Schema ignores keys it does not
// know, so the firewall enforces a 3.1 schema without them; it says so
// once at load, where each key is written (a schema reached through two
// $refs included, once).
func TestIgnoredKeywordsAreProblems(t *testing.T) {
	src := `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /items:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string, maxlength: 3}
                note: {type: string, nullable: true}
                a: {$ref: '#/components/schemas/Code'}
                b: {$ref: '#/components/schemas/Code'}
      responses: {'200': {description: ok}}
components:
  schemas:
    Code: {type: string, patern: '^[a-z]+$'}
`
	p := loadPlanText(t, src, Config{})
	all := strings.Join(p.Problems, "\n")
	for _, want := range []string{
		"maxlength is not a JSON Schema keyword and is ignored: did you mean maxLength?; it is not enforced",
		"nullable is OpenAPI 3.0's; in 3.1 it means nothing and null is refused",
		"patern is not a JSON Schema keyword and is ignored: did you mean pattern?",
	} {
		if n := strings.Count(all, want); n != 1 {
			t.Errorf("%d problems say %q, want 1:\n%s", n, want, all)
		}
	}
	if !strings.Contains(all, ":12:") || !strings.Contains(all, ":19:") {
		t.Errorf("problems lack the lines the keys are on (12, 19):\n%s", all)
	}
}

// TestUnknownExtensionsAreProblems: a misspelt x-rampart key applies
// nothing; the firewall says so at load, naming the extension meant.
func TestUnknownExtensionsAreProblems(t *testing.T) {
	src := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      x-rampart-mod: monitor
      responses: {'200': {description: ok}}
`
	p := loadPlanText(t, src, Config{})
	want := ":6:7: x-rampart-mod is not an extension rampart reads, so it applies nothing: did you mean x-rampart-mode?"
	if all := strings.Join(p.Problems, "\n"); !strings.Contains(all, want) {
		t.Errorf("problems lack %q:\n%s", want, all)
	}
}

// TestUndeclaredServerVariable: a server URL naming a variable its
// variables do not declare keeps the braces in its base path, so no
// request reaches its operations; the firewall says so at load.
func TestUndeclaredServerVariable(t *testing.T) {
	src := `openapi: 3.0.3
info: {title: t, version: "1"}
servers:
  - url: https://{region}.example.com/{basePath}
    variables:
      region: {default: eu}
paths:
  /items:
    get:
      responses: {'200': {description: ok}}
`
	p := loadPlanText(t, src, Config{})
	want := `server URL https://{region}.example.com/{basePath} names the variable(s) basePath, which its variables do not declare: its operations are routed under "/{basePath}" as written`
	if all := strings.Join(p.Problems, "\n"); !strings.Contains(all, want) {
		t.Errorf("problems lack %q:\n%s", want, all)
	}
	if p := loadPlanText(t, src, Config{BasePaths: []string{"/v1"}}); strings.Contains(strings.Join(p.Problems, "\n"), "server URL") {
		t.Errorf("base_paths configured, still a server problem: %q", p.Problems)
	}
}
