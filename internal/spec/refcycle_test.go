package spec

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

// Loops of local $refs used to overflow libopenapi's stack (a fatal error
// that takes the whole process down). Each must load and be reported as
// circular-ref. A regression crashes this test binary.
func TestLocalRefCycleDoesNotCrash(t *testing.T) {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: \"1\"}\n"
	cases := []struct {
		name, file, text string
		sequential       bool // the large-JSON path (libopenapi before our parse)
	}{
		{name: "schemas", file: "test.yaml", text: head + `paths:
  /a:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
`},
		{name: "three-step", file: "test.yaml", text: head + `paths: {}
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/C'}
    C: {$ref: '#/components/schemas/A'}
`},
		{name: "same file by name", file: "test.yaml", text: head + `paths: {}
components:
  schemas:
    A: {$ref: 'test.yaml#/components/schemas/B'}
    B: {$ref: './test.yaml#/components/schemas/A'}
`},
		{name: "requestBodies", file: "test.yaml", text: head + `paths:
  /a:
    post:
      requestBody: {$ref: '#/components/requestBodies/A'}
      responses: {"200": {description: ok}}
components:
  requestBodies:
    A: {$ref: '#/components/requestBodies/B'}
    B: {$ref: '#/components/requestBodies/A'}
`},
		{name: "responses", file: "test.yaml", text: head + `paths:
  /a:
    get:
      responses: {"200": {$ref: '#/components/responses/A'}}
components:
  responses:
    A: {$ref: '#/components/responses/B'}
    B: {$ref: '#/components/responses/A'}
`},
		{name: "swagger definitions", file: "test.yaml", text: `swagger: "2.0"
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses: {"200": {description: ok, schema: {$ref: '#/definitions/A'}}}
definitions:
  A: {$ref: '#/definitions/B'}
  B: {$ref: '#/definitions/A'}
`},
		{name: "large JSON", file: "test.json", sequential: true, text: `{"openapi": "3.0.0", "info": {"title": "t", "version": "1"},
 "paths": {"/a": {"get": {"responses": {"200": {"description": "ok",
   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
 "components": {"schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}}}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.sequential {
				saved := sequentialLibopenapiBytes
				sequentialLibopenapiBytes = 0
				t.Cleanup(func() { sequentialLibopenapiBytes = saved })
			}
			d, err := LoadBytes(context.Background(), []byte(c.text), c.file, filepath.Join(t.TempDir(), c.file), Options{})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			n := 0
			for _, p := range d.Problems {
				if p.Code == "circular-ref" {
					n++
					if p.Loc.Line == 0 {
						t.Errorf("circular-ref without a line: %+v", p)
					}
				}
			}
			if n == 0 {
				t.Errorf("no circular-ref among %+v", d.Problems)
			}
		})
	}
}

func TestRefCycle(t *testing.T) {
	key := filepath.FromSlash("/specs/api.yaml")
	cases := []struct {
		name string
		refs map[string]string
		want bool
	}{
		{"none", map[string]string{}, false},
		{"chain without loop", map[string]string{"/a": "#/b", "/b": "#/c"}, false},
		{"two-step", map[string]string{"/a": "#/b", "/b": "#/a"}, true},
		{"self", map[string]string{"/a": "#/a"}, true},
		{"tail into loop", map[string]string{"/x": "#/a", "/a": "#/b", "/b": "#/a"}, true},
		{"shared target", map[string]string{"/x": "#/a", "/y": "#/a", "/a": "#/b"}, false},
		{"escaped pointer", map[string]string{"/p/~1a": "#/p/~1b", "/p/~1b": "#/p/~1a"}, true},
		{"percent-encoded", map[string]string{"/p/a b": "#/p/a%20c", "/p/a c": "#/p/a%20b"}, true},
		{"other file", map[string]string{"/a": "other.yaml#/b", "/b": "#/a"}, false},
		{"same file by name", map[string]string{"/a": "api.yaml#/b", "/b": "#/a"}, true},
		{"remote", map[string]string{"/a": "https://x/api.yaml#/b", "/b": "#/a"}, false},
	}
	for _, c := range cases {
		if got := refCycle(c.refs, key); got != c.want {
			t.Errorf("%s: refCycle = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestJSONRefsMatchesTreeRefs(t *testing.T) {
	text := `{"a": {"$ref": "#/b"}, "b": [{"x": 1}, {"$ref": "#/a"}], "c/d": {"e~f": {"$ref": "x.yaml#/y", "s": "$ref"}}, "n": null}`
	got, ok := jsonRefs([]byte(text))
	if !ok {
		t.Fatal("jsonRefs failed")
	}
	_, tree, err := parseDocument([]byte(text), "t.json", Options{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	want := treeRefs(tree)
	if len(got) != 3 || len(got) != len(want) {
		t.Fatalf("jsonRefs = %v, treeRefs = %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: jsonRefs %q, treeRefs %q", k, got[k], v)
		}
	}
	if !strings.Contains(strings.Join(keys(got), " "), "/c~1d/e~0f") {
		t.Errorf("escaped pointer missing: %v", got)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// refChainSpec is a definition whose request body is a chain of n
// references to references ending in a schema, or looping back to its
// start when loop is set.
func refChainSpec(n int, loop bool) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/S0'}}}}\n      responses: {'204': {description: ok}}\ncomponents:\n  schemas:\n")
	for i := range n {
		fmt.Fprintf(&b, "    S%d: {$ref: '#/components/schemas/S%d'}\n", i, i+1)
	}
	if loop {
		fmt.Fprintf(&b, "    S%d: {$ref: '#/components/schemas/S0'}\n", n)
	} else {
		fmt.Fprintf(&b, "    S%d: {type: string}\n", n)
	}
	return b.String()
}

// TestRefChains: a chain of references to references too long to follow
// is reported once, where it starts, as what it is; a loop is circular-ref
// at each of its references; a chain within the bound is no problem.
func TestRefChains(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		codes map[string]int
		line  int // of the one ref-chain-too-long problem
	}{
		{"short chain", refChainSpec(10, false), map[string]int{}, 0},
		{"chain at the bound", refChainSpec(maxRefHops-1, false), map[string]int{}, 0},
		{"one past the bound", refChainSpec(maxRefHops, false), map[string]int{"ref-chain-too-long": 1}, 6},
		{"long chain", refChainSpec(5000, false), map[string]int{"ref-chain-too-long": 1}, 6},
		{"loop", refChainSpec(5, true), map[string]int{"circular-ref": 7}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := loadString(t, c.text, Options{})
			got := map[string]int{}
			for _, p := range d.Problems {
				if p.Code == "ref-chain-too-long" || p.Code == "circular-ref" {
					got[p.Code]++
					if p.Code == "ref-chain-too-long" && (p.Loc.Line != c.line || !strings.Contains(p.Message, "more than 64 references")) {
						t.Errorf("problem %+v, want it at line %d", p, c.line)
					}
				}
			}
			if !maps.Equal(got, c.codes) {
				t.Errorf("problems %v, want %v (all: %+v)", got, c.codes, d.Problems)
			}
		})
	}
}
