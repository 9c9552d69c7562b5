package spec

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// wantProblem is an invalid-structure problem expected in one file of a
// multi-file definition: at line, its message containing msg.
type wantProblem struct {
	file string
	line int
	msg  string
}

// structureProblems are a document's invalid-structure problems from the
// meta-schema check. libopenapi's have no column (its message gives a line
// but not the file: for a node of another file, it names the root).
func structureProblems(d *Document) []Problem {
	var out []Problem
	for _, p := range d.Problems {
		if p.Code == "invalid-structure" && (p.Loc.Column > 0 || strings.Contains(p.Message, "not listed")) {
			out = append(out, p)
		}
	}
	return out
}

// TestExternalStructure: the content of a file a $ref reaches is checked
// against the part of the meta-schema the referring place expects (a
// parameter where a parameter is expected, a response, a path item, a
// schema), and its problems are reported in that file, at its line.
func TestExternalStructure(t *testing.T) {
	const (
		h20 = "swagger: '2.0'\ninfo: {title: t, version: '1'}\n"
		h30 = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
		h31 = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
	)
	cases := []struct {
		name  string
		files map[string]string
		want  []wantProblem
	}{
		// Swagger 2.0
		{"2.0 parameter without in", map[string]string{
			"api.yaml": h20 + `paths:
  /pets:
    get:
      parameters:
        - $ref: './parameters.yaml#/Limit'
      responses: {'200': {description: ok}}
`,
			"parameters.yaml": "Other: {name: x, in: query, type: string}\nLimit:\n  name: limit\n  type: integer\n",
		}, []wantProblem{{"parameters.yaml", 2, "'in'"}}},
		{"2.0 valid parameter, response, path item and schema", map[string]string{
			"api.yaml": h20 + `paths:
  /pets:
    get:
      parameters:
        - $ref: './parameters.yaml#/Limit'
      responses:
        '200': {$ref: 'responses.yaml#/Ok'}
  /other:
    $ref: 'paths/other.yaml'
`,
			"parameters.yaml":  "Limit: {name: limit, in: query, type: integer, maximum: 10}\n",
			"responses.yaml":   "Ok:\n  description: ok\n  schema: {$ref: 'schemas/pet.yaml'}\n",
			"schemas/pet.yaml": "type: object\nproperties:\n  name: {type: string, maxLength: 10}\n  tag: {$ref: 'tag.yaml'}\n",
			"schemas/tag.yaml": "type: string\nmaxLength: 5\n",
			"paths/other.yaml": "get:\n  responses:\n    '200': {description: ok}\n",
		}, nil},
		{"2.0 path item whose responses is a string", map[string]string{
			"api.yaml":         h20 + "paths:\n  /other: {$ref: 'paths/other.yaml'}\n",
			"paths/other.yaml": "get:\n  description: d\n  responses: nope\n",
		}, []wantProblem{{"paths/other.yaml", 3, "want object"}}},
		{"2.0 schema with a bad type, in a cycle", map[string]string{
			"api.yaml": h20 + `paths:
  /pets:
    get:
      responses:
        '200': {description: ok, schema: {$ref: 'schemas/a.yaml'}}
`,
			"schemas/a.yaml": "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n",
			"schemas/b.yaml": "type: object\nproperties:\n  a: {$ref: 'a.yaml'}\n  self: {$ref: '#'}\n  n: {type: object, maxProperties: -1}\n",
		}, []wantProblem{{"schemas/b.yaml", 5, "maxProperties"}}},
		{"2.0 local reference inside an external file", map[string]string{
			"api.yaml": h20 + `paths:
  /pets:
    get:
      parameters:
        - $ref: 'parameters.yaml#/Limit'
      responses: {'200': {description: ok}}
`,
			"parameters.yaml": "Limit: {$ref: '#/Base'}\nBase:\n  name: limit\n  type: integer\n",
		}, []wantProblem{{"parameters.yaml", 2, "'in'"}}},

		// OpenAPI 3.0
		{"3.0 parameter without in", map[string]string{
			"api.yaml": h30 + `paths:
  /pets:
    get:
      parameters:
        - $ref: './parameters.yaml#/Limit'
      responses: {'200': {description: ok}}
`,
			"parameters.yaml": "Other: {name: x, in: query, schema: {type: string}}\nLimit:\n  name: limit\n  schema: {type: integer, maximum: 10}\n",
		}, []wantProblem{{"parameters.yaml", 2, "'in'"}}},
		{"3.0 valid parameter, response, path item, schema, request body, header and example", map[string]string{
			"api.yaml": h30 + `paths:
  /pets:
    post:
      parameters:
        - $ref: './parameters.yaml#/Limit'
      requestBody: {$ref: 'bodies.yaml#/Pet'}
      responses:
        '200': {$ref: 'responses.yaml#/Ok'}
  /other:
    $ref: 'paths/other.yaml'
components:
  schemas:
    Pet: {$ref: 'schemas/pet.yaml'}
`,
			"parameters.yaml":  "Limit: {name: limit, in: query, schema: {type: integer, maximum: 10}}\n",
			"bodies.yaml":      "Pet:\n  content:\n    application/json:\n      schema: {$ref: 'schemas/pet.yaml'}\n      examples:\n        one: {$ref: 'examples.yaml#/One'}\n",
			"examples.yaml":    "One: {summary: one, value: {name: rex}}\n",
			"responses.yaml":   "Ok:\n  description: ok\n  headers:\n    X-Rate: {$ref: 'headers.yaml#/Rate'}\n  content:\n    application/json:\n      schema: {$ref: 'schemas/pet.yaml'}\n",
			"headers.yaml":     "Rate: {schema: {type: integer, maximum: 100}}\n",
			"schemas/pet.yaml": "type: object\nproperties:\n  name: {type: string, maxLength: 10}\n  tag: {$ref: 'tag.yaml'}\n",
			"schemas/tag.yaml": "type: string\nmaxLength: 5\n",
			"paths/other.yaml": "get:\n  responses:\n    '200': {description: ok}\n",
		}, nil},
		{"3.0 response without description", map[string]string{
			"api.yaml": h30 + `paths:
  /pets:
    get:
      responses:
        '200': {$ref: 'responses.yaml#/Ok'}
`,
			"responses.yaml": "Ok:\n  content:\n    application/json:\n      schema: {type: string, maxLength: 3}\n",
		}, []wantProblem{{"responses.yaml", 1, "'description'"}}},
		{"3.0 path item whose responses is a string", map[string]string{
			"api.yaml":         h30 + "paths:\n  /other: {$ref: 'paths/other.yaml'}\n",
			"paths/other.yaml": "get:\n  description: d\n  responses: nope\n",
		}, []wantProblem{{"paths/other.yaml", 3, "want object"}}},
		{"3.0 schema with a bad field, in a cycle", map[string]string{
			"api.yaml": h30 + `paths:
  /pets:
    get:
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: 'schemas/a.yaml'}}}}
`,
			"schemas/a.yaml": "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n",
			"schemas/b.yaml": "type: object\nproperties:\n  a: {$ref: 'a.yaml'}\n  self: {$ref: '#'}\n  n: {type: string, nullable: 'yes'}\n",
		}, []wantProblem{{"schemas/b.yaml", 5, "want boolean"}}},
		{"3.0 path item in a cycle of callbacks", map[string]string{
			"api.yaml": h30 + "paths:\n  /hooks: {$ref: 'paths/hooks.yaml'}\n",
			"paths/hooks.yaml": `post:
  responses: {'200': {description: ok}}
  callbacks:
    again:
      '{$request.body#/url}': {$ref: 'hooks.yaml'}
put:
  responses:
    '204': {}
`,
		}, []wantProblem{{"paths/hooks.yaml", 8, "'description'"}}},

		// OpenAPI 3.1
		{"3.1 parameter without in", map[string]string{
			"api.yaml": h31 + `paths:
  /pets:
    get:
      parameters:
        - $ref: './parameters.yaml#/Limit'
      responses: {'200': {description: ok}}
`,
			"parameters.yaml": "Other: {name: x, in: query, schema: {type: string}}\nLimit:\n  name: limit\n  schema: {type: integer, maximum: 10}\n",
		}, []wantProblem{{"parameters.yaml", 2, "'in'"}}},
		{"3.1 valid parameter, response, path item, schema, request body, header and example", map[string]string{
			"api.yaml": h31 + `paths:
  /pets:
    post:
      parameters:
        - $ref: './parameters.yaml#/Limit'
      requestBody: {$ref: 'bodies.yaml#/Pet'}
      responses:
        '200': {$ref: 'responses.yaml#/Ok'}
  /other:
    $ref: 'paths/other.yaml'
webhooks:
  newPet: {$ref: 'paths/other.yaml'}
components:
  schemas:
    Pet: {$ref: 'schemas/pet.yaml'}
`,
			"parameters.yaml":  "Limit: {name: limit, in: query, schema: {type: integer, maximum: 10}}\n",
			"bodies.yaml":      "Pet:\n  content:\n    application/json:\n      schema: {$ref: 'schemas/pet.yaml'}\n      examples:\n        one: {$ref: 'examples.yaml#/One'}\n",
			"examples.yaml":    "One: {summary: one, value: {name: rex}}\n",
			"responses.yaml":   "Ok:\n  description: ok\n  headers:\n    X-Rate: {$ref: 'headers.yaml#/Rate'}\n  content:\n    application/json:\n      schema: {$ref: 'schemas/pet.yaml'}\n",
			"headers.yaml":     "Rate: {schema: {type: integer, maximum: 100}}\n",
			"schemas/pet.yaml": "type: object\nproperties:\n  name: {type: string, maxLength: 10}\n  tag: {$ref: 'tag.yaml'}\n",
			"schemas/tag.yaml": "type: string\nmaxLength: 5\n",
			"paths/other.yaml": "post:\n  responses:\n    '200': {description: ok}\n",
		}, nil},
		{"3.1 response without description", map[string]string{
			"api.yaml": h31 + `paths:
  /pets:
    get:
      responses:
        '200': {$ref: 'responses.yaml#/Ok'}
`,
			"responses.yaml": "Ok:\n  content:\n    application/json:\n      schema: {type: string, maxLength: 3}\n",
		}, []wantProblem{{"responses.yaml", 1, "'description'"}}},
		{"3.1 path item whose responses is a string", map[string]string{
			"api.yaml":         h31 + "paths:\n  /other: {$ref: 'paths/other.yaml'}\n",
			"paths/other.yaml": "get:\n  description: d\n  responses: nope\n",
		}, []wantProblem{{"paths/other.yaml", 3, "want object"}}},
		{"3.1 webhook path item in a cycle of callbacks", map[string]string{
			"api.yaml": h31 + "webhooks:\n  hook: {$ref: 'paths/hooks.yaml'}\n",
			"paths/hooks.yaml": `post:
  responses: {'200': {description: ok}}
  callbacks:
    again:
      '{$request.body#/url}': {$ref: 'hooks.yaml'}
put:
  responses:
    '204': {}
`,
		}, []wantProblem{{"paths/hooks.yaml", 8, "'description'"}}},
		{"3.1 schema that is no schema, in a cycle", map[string]string{
			"api.yaml": h31 + `paths:
  /pets:
    get:
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: 'schemas/a.yaml'}}}}
`,
			"schemas/a.yaml": "type: object\nproperties:\n  b: {$ref: 'b.yaml'}\n",
			"schemas/b.yaml": "type: object\nproperties:\n  a: {$ref: 'a.yaml'}\n  self: {$ref: '#'}\n  n: {$ref: 'n.json'}\n",
			"schemas/n.json": "[\"not\", \"a\", \"schema\"]\n",
		}, []wantProblem{{"schemas/n.json", 1, "got array"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // loads share the meta-schema and its compiled parts
			d, dir := loadFiles(t, c.files)
			got := structureProblems(d)
			for _, p := range got {
				if !p.Error {
					t.Errorf("not an error: %+v", p)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d structure problems, want %d:\n%s", len(got), len(c.want), describeProblems(got))
			}
			for i, w := range c.want {
				p := got[i]
				file := d.DisplayName(filepath.Join(dir, filepath.FromSlash(w.file)))
				if p.Loc.File != file || p.Loc.Line != w.line || !strings.Contains(p.Message, w.msg) {
					t.Errorf("problem %d is %s: %s; want %s:%d: ...%s...", i, p.Loc, p.Message, file, w.line, w.msg)
				}
				if p.Loc.Pointer == "" && w.line > 1 {
					t.Errorf("problem %d has no pointer: %+v", i, p)
				}
			}
			if d.Valid() != (len(c.want) == 0) {
				t.Errorf("Valid() = %v with %d expected problems", d.Valid(), len(c.want))
			}
		})
	}
}

// TestExternalStructureOncePerKind: a file referenced from many places, as
// the same kind, is checked once: its problem is reported once.
func TestExternalStructureOncePerKind(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n")
	for i := range 20 {
		fmt.Fprintf(&b, "  /p%d:\n    get:\n      parameters: [{$ref: 'parameters.yaml#/Limit'}]\n      responses: {'200': {$ref: 'responses.yaml#/Ok'}}\n", i)
	}
	b.WriteString("components:\n  parameters:\n    Limit: {$ref: 'parameters.yaml#/Limit'}\n")
	d, dir := loadFiles(t, map[string]string{
		"api.yaml":        b.String(),
		"parameters.yaml": "Limit: {name: limit, schema: {type: integer}}\n",
		"responses.yaml":  "Ok: {content: {}}\n",
	})
	got := structureProblems(d)
	if len(got) != 2 {
		t.Fatalf("%d structure problems, want 2:\n%s", len(got), describeProblems(got))
	}
	if got[0].Loc.File != d.DisplayName(filepath.Join(dir, "parameters.yaml")) || got[1].Loc.File != d.DisplayName(filepath.Join(dir, "responses.yaml")) {
		t.Errorf("problems at %s and %s", got[0].Loc, got[1].Loc)
	}
}

// TestExternalStructureBounded: the problems the check lists in referenced
// files stay within the cap of structure problems, the rest counted.
func TestExternalStructureBounded(t *testing.T) {
	var api, params strings.Builder
	api.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    get:\n      responses: {'200': {description: ok}}\n      parameters:\n")
	for i := range 3 * maxStructureProblems {
		fmt.Fprintf(&api, "        - $ref: 'parameters.yaml#/P%d'\n", i)
		fmt.Fprintf(&params, "P%d: {name: p%d, schema: {type: string}}\n", i, i)
	}
	d, _ := loadFiles(t, map[string]string{"api.yaml": api.String(), "parameters.yaml": params.String()})
	got := structureProblems(d)
	if len(got) != maxStructureProblems+1 {
		t.Fatalf("%d structure problems, want %d", len(got), maxStructureProblems+1)
	}
	more := 0
	for _, p := range got {
		if strings.Contains(p.Message, "more structural errors not listed") {
			more++
			if !strings.HasPrefix(p.Message, fmt.Sprint(2*maxStructureProblems)) {
				t.Errorf("count: %s", p.Message)
			}
		}
	}
	if more != 1 {
		t.Errorf("%d problems count the rest, want 1", more)
	}
}

// TestExternalStructureRootNotRepeated: a node of the root file a
// referenced file points back to is checked once, by the root's check.
func TestExternalStructureRootNotRepeated(t *testing.T) {
	d, _ := loadFiles(t, map[string]string{
		"api.yaml": `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /p:
    get:
      responses:
        '200': {$ref: 'responses.yaml#/Ok'}
components:
  schemas:
    Pet: {type: object, nullable: 'yes'}
`,
		"responses.yaml": "Ok:\n  description: ok\n  content: {application/json: {schema: {$ref: 'api.yaml#/components/schemas/Pet'}}}\n",
	})
	got := structureProblems(d)
	if len(got) != 1 || got[0].Loc.Line != 10 {
		t.Fatalf("want one problem at api.yaml:10:\n%s", describeProblems(got))
	}
}

func describeProblems(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "  %s %s: %s\n", p.Loc, p.Loc.Pointer, p.Message)
	}
	return b.String()
}
