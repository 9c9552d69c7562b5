package spec

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestInPlaceCycle: a schema that applies itself to the same value through
// allOf, anyOf, oneOf, not, if/then/else or dependentSchemas and references
// alone is circular-ref, as a $ref that resolves only to itself is:
// validating any value against it never ends (the firewall started with
// such a contract and refused every body with an empty detail). Recursion
// through properties, items or additionalProperties goes one level into
// the value each turn, and is legal.
func TestInPlaceCycle(t *testing.T) {
	const head = "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\npaths: {}\ncomponents:\n  schemas:\n"
	cases := []struct {
		name, schemas string
		want          int // circular-ref problems
	}{
		{"allOf through another schema", `    A: {allOf: [{$ref: '#/components/schemas/B'}]}
    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object}]}
`, 2},
		{"allOf of itself", `    A: {allOf: [{$ref: '#/components/schemas/A'}, {type: object}]}
`, 1},
		{"anyOf branch", `    A: {anyOf: [{type: string}, {$ref: '#/components/schemas/A'}]}
`, 1},
		{"oneOf nested in allOf", `    A: {allOf: [{oneOf: [{type: string}, {$ref: '#/components/schemas/B'}]}]}
    B: {$ref: '#/components/schemas/A'}
`, 2},
		{"not", `    A: {not: {$ref: '#/components/schemas/A'}}
`, 1},
		{"if/then", `    A: {if: {type: object}, then: {$ref: '#/components/schemas/A'}}
`, 1},
		{"dependentSchemas", `    A: {type: object, dependentSchemas: {x: {$ref: '#/components/schemas/A'}}}
`, 1},
		{"through properties: legal", `    A: {type: object, properties: {child: {$ref: '#/components/schemas/A'}}}
`, 0},
		{"through items: legal", `    A: {type: array, items: {$ref: '#/components/schemas/A'}}
`, 0},
		{"through additionalProperties: legal", `    A: {type: object, additionalProperties: {$ref: '#/components/schemas/A'}}
`, 0},
		{"a union whose branch recurses through a property: legal", `    A: {anyOf: [{type: string}, {type: object, properties: {next: {$ref: '#/components/schemas/A'}}}]}
`, 0},
		{"allOf of a shared base: legal", `    Base: {type: object, properties: {id: {type: string}}}
    A: {allOf: [{$ref: '#/components/schemas/Base'}, {properties: {a: {type: string}}}]}
    B: {allOf: [{$ref: '#/components/schemas/Base'}, {$ref: '#/components/schemas/A'}]}
`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := LoadBytes(context.Background(), []byte(head+c.schemas), "test.yaml", filepath.Join(t.TempDir(), "test.yaml"), Options{})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			n := 0
			for _, p := range d.Problems {
				if p.Code == "circular-ref" {
					n++
					if p.Loc.Line == 0 || !strings.Contains(p.Message, "leads back to the schema holding it") {
						t.Errorf("problem %+v", p)
					}
				}
			}
			if n != c.want {
				t.Errorf("%d circular-ref problems, want %d: %+v", n, c.want, d.Problems)
			}
		})
	}
}
