package spec

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// selectionSpec holds oneOf/anyOf unions whose branches a property's value
// tells apart, and unions the chain must leave alone.
const selectionSpec = `openapi: 3.1.0
info: {title: selection, version: "1"}
paths: {}
components:
  schemas:
    Expr:
      oneOf:
        - $ref: '#/components/schemas/And'
        - $ref: '#/components/schemas/Or'
        - $ref: '#/components/schemas/Leaf'
    AnyExpr:
      anyOf:
        - $ref: '#/components/schemas/And'
        - $ref: '#/components/schemas/Or'
        - $ref: '#/components/schemas/Leaf'
    Binary:
      oneOf:
        - $ref: '#/components/schemas/And'
        - $ref: '#/components/schemas/Or'
    And:
      type: object
      required: [op, args]
      properties:
        op: {const: and}
        args: {type: array, items: {$ref: '#/components/schemas/Expr'}}
    Or:
      type: object
      required: [op, args]
      properties:
        op: {type: string, enum: [or, any]}
        args: {type: array, items: {$ref: '#/components/schemas/Expr'}}
    Leaf:
      type: object
      required: [value]
      properties:
        value: {type: string}
    Untyped:
      oneOf:
        - {required: [kind], properties: {kind: {const: a}}}
        - {required: [kind], properties: {kind: {const: b}}}
    UntypedAny:
      anyOf:
        - {required: [kind], properties: {kind: {const: a}}}
        - {required: [kind], properties: {kind: {const: b}}}
    Shared:
      oneOf:
        - {type: object, required: [kind], properties: {kind: {enum: [a, b]}}}
        - {type: object, required: [kind], properties: {kind: {enum: [b, c]}}}
    Flagged:
      oneOf:
        - {type: object, required: [on, level], properties: {on: {const: true}, level: {type: integer}}}
        - {type: object, required: [on], properties: {on: {const: false}, reason: {type: string}}}
    Versioned:
      oneOf:
        - {type: object, required: [v], properties: {v: {const: 1}, a: {type: string}}}
        - {type: object, required: [v], properties: {v: {enum: [2, 3.5, null]}, b: {type: string}}}
        - {type: object, required: [v], properties: {v: {const: "1"}, c: {type: string}}}
    SameNumber:
      oneOf:
        - {type: object, required: [v], properties: {v: {const: 1}}}
        - {type: object, required: [v], properties: {v: {enum: [1.0, 2]}}}
    Pet:
      type: object
      oneOf:
        - {$ref: '#/components/schemas/Cat'}
        - {$ref: '#/components/schemas/Dog'}
      discriminator: {propertyName: petType}
    Cat: {allOf: [{$ref: '#/components/schemas/Animal'}], properties: {purrs: {type: boolean}}}
    Dog: {allOf: [{$ref: '#/components/schemas/Animal'}], properties: {barks: {type: boolean}}}
    Animal: {type: object, required: [petType], properties: {petType: {type: string}}}
`

// rawSchema compiles a component as JSON Schema 2020-12 reads it, without
// the contract model's views: the reference the chain must agree with.
func rawSchema(t testing.TB, d *Document, name string) *jsonschema.Schema {
	t.Helper()
	root, _ := d.Value(NodeRef{File: d.RootFile(), Pointer: ""})
	b, err := json.Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("urn:raw", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("urn:raw#/components/schemas/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSelectionAgreesWithTheUnion checks that the chain accepts exactly
// what the oneOf/anyOf it replaces accepts (open objects, so that no other
// reading of the views is involved).
func TestSelectionAgreesWithTheUnion(t *testing.T) {
	d := loadString(t, selectionSpec, Options{OpenObjects: true})
	values := []string{
		`{"value":"x"}`,
		`{"value":1}`,
		`{"op":"and","args":[]}`,
		`{"op":"or","args":[{"value":"x"}]}`,
		`{"op":"any","args":[{"op":"and","args":[{"value":"x"}]}]}`,
		`{"op":"and","args":[{"op":"or","args":[{"value":2}]}]}`,
		`{"op":"xor","args":[]}`,
		`{"op":"and"}`,
		`{"args":[]}`,
		`{"op":"and","args":[],"value":"x"}`, // And and Leaf both match
		`{"op":"xor","value":"x"}`,           // only Leaf matches
		`{"op":1,"args":[]}`,
		`{}`,
		`"and"`,
		`null`,
		`[{"op":"and","args":[]}]`,
		`{"kind":"a"}`,
		`{"kind":"b"}`,
		`{"kind":"c"}`,
		`{"kind":"d"}`,
		`{"petType":"Cat","purrs":true}`,
		`{"petType":"Dog","barks":"loud"}`,
		`{"on":true,"level":3}`,
		`{"on":true,"level":"high"}`,
		`{"on":false,"reason":"x"}`,
		`{"on":false,"level":3}`,
		`{"on":true}`,
		`{"on":"true","level":1}`,
		`{"v":1,"a":"x"}`,
		`{"v":1.0,"a":"x"}`,
		`{"v":1,"a":2}`,
		`{"v":"1","c":"x"}`,
		`{"v":"1","c":1}`,
		`{"v":2,"b":"x"}`,
		`{"v":3.5}`,
		`{"v":null,"b":1}`,
		`{"v":null}`,
		`{"v":4}`,
		`{"v":true}`,
		`{"v":1.5}`,
	}
	for _, name := range []string{"Expr", "AnyExpr", "Binary", "Untyped", "UntypedAny", "Shared", "Flagged", "Versioned", "SameNumber"} {
		raw := rawSchema(t, d, name)
		view, err := d.Compile(component(t, d, name), RequestView)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, v := range values {
			want := raw.Validate(instance(t, v)) == nil
			if got := view.Validate(instance(t, v)) == nil; got != want {
				t.Errorf("%s %s: view valid=%v, the union as written valid=%v", name, v, got, want)
			}
		}
	}
}

// FuzzSelectionAgreesWithTheUnion is TestSelectionAgreesWithTheUnion over
// any JSON value: every union of selectionSpec, chained or not, accepts
// exactly what the union as written accepts.
func FuzzSelectionAgreesWithTheUnion(f *testing.F) {
	for _, seed := range []string{`{"op":"and","args":[]}`, `{"v":1.0,"a":"x"}`, `{"v":"1","c":"x"}`, `{"on":false}`, `{"v":null,"b":"x"}`, `{"kind":"b"}`, `[1]`} {
		f.Add(seed)
	}
	d := loadString(f, selectionSpec, Options{OpenObjects: true})
	// Pet is left out: its discriminator selects the branch by design,
	// where the oneOf as written finds both branches matching.
	names := []string{"Expr", "AnyExpr", "Binary", "Untyped", "UntypedAny", "Shared", "Flagged", "Versioned", "SameNumber"}
	type pair struct{ raw, view *jsonschema.Schema }
	schemas := make([]pair, len(names))
	for i, name := range names {
		view, err := d.Compile(component(f, d, name), RequestView)
		if err != nil {
			f.Fatal(err)
		}
		schemas[i] = pair{rawSchema(f, d, name), view}
	}
	f.Fuzz(func(t *testing.T, text string) {
		dec := json.NewDecoder(strings.NewReader(text))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil || len(text) > 4096 {
			return
		}
		for i, s := range schemas {
			want := s.raw.Validate(v) == nil
			if got := s.view.Validate(v) == nil; got != want {
				t.Fatalf("%s %s: view valid=%v, the union as written valid=%v", names[i], text, got, want)
			}
		}
	})
}

// chained reports whether a compiled schema validates its union through a
// selection chain (an allOf member with if/then) rather than a oneOf/anyOf.
func chained(s *jsonschema.Schema) bool {
	for s.Ref != nil {
		s = s.Ref
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return false
	}
	for _, m := range s.AllOf {
		if m.If != nil && m.Then != nil {
			return true
		}
	}
	return false
}

func TestSelectionChainUsedOnlyWhenExact(t *testing.T) {
	d := loadString(t, selectionSpec, Options{})
	cases := []struct {
		name  string
		chain bool
		why   string
	}{
		{"Expr", true, "op fixed by And (const) and Or (enum); Leaf selected by no value"},
		{"AnyExpr", true, "the same for anyOf"},
		{"Binary", true, "every branch selected"},
		{"Pet", true, "a discriminator whose branches are objects through allOf"},
		{"Untyped", false, "branches that accept non-objects, where an if on properties holds vacuously"},
		{"UntypedAny", false, "the same for anyOf"},
		{"Shared", false, "one value selects two branches"},
		{"Flagged", true, "told apart by a boolean const"},
		{"Versioned", true, "numbers, null and a string that spells one of them"},
		{"SameNumber", false, "1 and 1.0 are one number, selecting two branches"},
	}
	for _, c := range cases {
		sch, err := d.Compile(component(t, d, c.name), RequestView)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := chained(sch); got != c.chain {
			t.Errorf("%s (%s): chain=%v, want %v", c.name, c.why, got, c.chain)
		}
	}
}

// TestSelectionKeepsValidationLinear validates an expression nested 30
// deep whose every level first fails the And branch. Through a oneOf the
// engine validates the failing And branch in full at every level, so
// each level doubles the work of the one below: 2^30 subtree visits,
// hours. The chain visits each level once. The deadline guards against
// that hang; it is not a performance threshold.
func TestSelectionKeepsValidationLinear(t *testing.T) {
	d := loadString(t, selectionSpec, Options{})
	sch, err := d.Compile(component(t, d, "Expr"), RequestView)
	if err != nil {
		t.Fatal(err)
	}
	v := `{"value":"x"}`
	for i := 0; i < 30; i++ {
		v = fmt.Sprintf(`{"op":"or","args":[%s]}`, v)
	}
	valid, invalid := instance(t, v), instance(t, strings.Replace(v, `"value":"x"`, `"value":7`, 1))
	done := make(chan [2]error, 1)
	go func() { done <- [2]error{sch.Validate(valid), sch.Validate(invalid)} }()
	select {
	case errs := <-done:
		if errs[0] != nil {
			t.Errorf("a valid expression was refused: %v", errs[0])
		}
		if errs[1] == nil {
			t.Error("an expression with a number for a string leaf was accepted")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("validating a 30-deep expression did not finish in 20 s: the union is validated branch by branch")
	}
}

func BenchmarkSelectionNested(b *testing.B) {
	d, err := LoadBytes(b.Context(), []byte(selectionSpec), "test.yaml", "test.yaml", Options{})
	if err != nil {
		b.Fatal(err)
	}
	at := NodeRef{File: d.RootFile(), Pointer: "/components/schemas/Expr"}
	val, _ := d.Value(at)
	sch, err := d.Compile(&Schema{Ref: at, Value: val}, RequestView)
	if err != nil {
		b.Fatal(err)
	}
	v := `{"value":"x"}`
	for i := 0; i < 16; i++ {
		v = fmt.Sprintf(`{"op":"or","args":[%s]}`, v)
	}
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(v))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := sch.Validate(inst); err != nil {
			b.Fatal(err)
		}
	}
}
