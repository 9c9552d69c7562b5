package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// costSpec holds schemas whose validation is linear in the value by
// construction and schemas whose cost the count must watch.
const costSpec = `openapi: 3.1.0
info: {title: cost, version: "1"}
paths: {}
components:
  schemas:
    Node:
      oneOf:
        - {type: object, required: [name], properties: {name: {type: string}, children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}
        - {type: object, required: [id], properties: {id: {type: integer}, children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}
    Tree:
      type: object
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Tree'}}
    JSONValue:
      oneOf:
        - {type: string}
        - {type: number}
        - {type: array, items: {$ref: '#/components/schemas/JSONValue'}}
        - {type: object, additionalProperties: {$ref: '#/components/schemas/JSONValue'}}
    Expr:
      oneOf:
        - {type: object, required: [op, args], properties: {op: {const: and}, args: {type: array, items: {$ref: '#/components/schemas/Expr'}}}}
        - {type: object, required: [op, args], properties: {op: {const: or}, args: {type: array, items: {$ref: '#/components/schemas/Expr'}}}}
        - {type: object, required: [value], properties: {value: {type: string}}}
    Order:
      type: object
      properties:
        customer: {anyOf: [{type: string}, {$ref: '#/components/schemas/Tree'}]}
        items: {type: array, items: {type: object, properties: {sku: {type: string}}}}
    Heavy:
      type: object
      properties:
        code: {type: string, pattern: 'x[a-z0-9]{1,1000}[a-z]{1,10}!'}
    HeavyAnchored: {type: string, pattern: '^[a-z0-9]{1,1000}[a-z]{1,10}$'}
    HeavyAtFreeEnd: {type: string, pattern: '[a-z0-9]{1,1000}[a-z]{1,10}!'}
    HeavyOverlap:
      type: array
      items: {type: string, pattern: '^[a-z]{0,300}[a-z]{0,300}$'}
    HeavyPath: {type: string, pattern: '^([^/]([!-~]+/){1,511})?[A-Za-z0-9_+=,.@-]{1,64}$'}
    HeavyNames:
      type: object
      patternProperties:
        'x[a-z0-9]{1,1000}[a-z]{1,10}!': {type: string}
    HeavyPropertyNames:
      type: object
      propertyNames: {pattern: 'x[a-z0-9]{1,1000}[a-z]{1,10}!'}
`

func fanOutSpec(levels int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: fan, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n")
	for i := 0; i < levels; i++ {
		next := fmt.Sprintf("'#/components/schemas/S%d'", i+1)
		fmt.Fprintf(&b, "    S%d: {allOf: [{$ref: %s}, {$ref: %s}, {$ref: %s}]}\n", i, next, next, next)
	}
	fmt.Fprintf(&b, "    S%d: {type: object, properties: {leaf: {type: string}}}\n", levels)
	return b.String()
}

// strs is a JSON array of n strings of size letters.
func strs(n, size int) string {
	return "[" + strings.TrimSuffix(strings.Repeat(`"`+strings.Repeat("a", size)+`",`, n), ",") + "]"
}

func nested(depth int, leaf string, wrap func(string) string) string {
	v := leaf
	for range depth {
		v = wrap(v)
	}
	return v
}

func TestValidationCostWatchesWhatIsNotLinear(t *testing.T) {
	d := loadString(t, costSpec, Options{})
	fan := loadString(t, fanOutSpec(9), Options{})
	cases := []struct {
		doc     *Document
		name    string
		watched bool
		why     string
	}{
		{d, "Node", true, "union at test.yaml:6:5 can reach itself"},
		{d, "JSONValue", false, ""}, // a union told apart by type
		{d, "Tree", false, ""},
		{d, "Expr", false, ""}, // selected by op: compiled to a chain
		{d, "Order", false, ""},
		// A pattern that can match anywhere, with a thousand
		// instructions in its middle; anchored, or with the
		// repetition at its free end (written {1}), it is not heavy.
		{d, "Heavy", true, "can match anywhere in a string"},
		{d, "HeavyAnchored", false, ""},
		{d, "HeavyAtFreeEnd", false, ""},
		// Anchored, but a string can be at any split between two
		// repetitions that overlap: 300 threads at once.
		{d, "HeavyOverlap", true, "can keep 604 of its 1204 instructions running"},
		// AWS's IAM path: each part may swallow slashes; too many
		// thread sets to list, so the whole program is assumed.
		{d, "HeavyPath", true, "may keep up to all"},
		{d, "HeavyNames", true, "the patternProperties at"},
		{d, "HeavyPropertyNames", true, "the pattern at test.yaml:47:23"},
		// Each level: the schema, and three $refs to the next.
		{fan, "S0", true, "at test.yaml:6:5 apply 59047 schemas"},
		{fan, "S6", true, "apply 79 schemas"},
		{fan, "S7", false, ""}, // 25
	}
	for _, c := range cases {
		sch, err := c.doc.Compile(component(t, c.doc, c.name), RequestView)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		vc := c.doc.ValidationCost(sch, RequestView)
		if (vc != nil) != c.watched {
			why := ""
			if vc != nil {
				why = vc.Why
			}
			t.Errorf("%s: watched=%v (%s), want %v", c.name, vc != nil, why, c.watched)
			continue
		}
		if vc != nil && !strings.Contains(vc.Why, c.why) {
			t.Errorf("%s: reason %q, want it to say %q", c.name, vc.Why, c.why)
		}
	}
}

func TestValidationCostRefusesExponentialValues(t *testing.T) {
	d := loadString(t, costSpec, Options{})
	fan := loadString(t, fanOutSpec(9), Options{})
	node := func(depth int) string {
		return nested(depth, `{"id":1}`, func(v string) string { return `{"id":1,"children":[` + v + `]}` })
	}
	wide := func(n int) string { // n siblings: linear, whatever n
		return `{"id":1,"children":[` + strings.TrimSuffix(strings.Repeat(`{"id":2},`, n), ",") + `]}`
	}
	cases := []struct {
		doc   *Document
		name  string
		value string
		ok    bool
	}{
		{d, "Node", node(3), true},
		{d, "Node", node(8), true},
		{d, "Node", wide(5000), true},
		// Each level of children holding an id first fails the name
		// branch in full: 2^depth visits.
		{d, "Node", node(14), false},
		{d, "Node", node(30), false},
		{fan, "S0", `{"leaf":"x"}`, false},
		{fan, "S6", `{"leaf":"x"}`, true},
		// Matching costs about length times the program's size.
		{d, "Heavy", `{"code":"x` + strings.Repeat("a", 100) + `!"}`, true},
		{d, "Heavy", `{"code":"` + strings.Repeat("x", 10000) + `"}`, true},
		{d, "Heavy", `{"code":"` + strings.Repeat("x", 100000) + `"}`, false},
		{d, "Heavy", `{"other":"` + strings.Repeat("x", 100000) + `"}`, true},
		// 600 characters at a width of 604: 363 K steps each. RE2
		// stops when no thread is left: a longer string costs the same.
		{d, "HeavyOverlap", strs(150, 600), true},
		{d, "HeavyOverlap", strs(200, 600), false},
		{d, "HeavyOverlap", strs(20, 1<<16), true},
		{d, "HeavyOverlap", strs(200, 1<<16), false},
		// Unbounded: each character counts.
		{d, "HeavyPath", `"` + strings.Repeat("a/", 50) + `a"`, true},
		{d, "HeavyPath", `"` + strings.Repeat("a/", 20000) + `a"`, false},
		// Property names are matched too.
		{d, "HeavyNames", `{"xa1b!":"v"}`, true},
		{d, "HeavyNames", `{"` + strings.Repeat("x", 100000) + `":"v"}`, false},
		{d, "HeavyPropertyNames", `{"xa1b!":"v"}`, true},
		{d, "HeavyPropertyNames", `{"` + strings.Repeat("x", 100000) + `":"v"}`, false},
	}
	for _, c := range cases {
		sch, err := c.doc.Compile(component(t, c.doc, c.name), RequestView)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		vc := c.doc.ValidationCost(sch, RequestView)
		if vc == nil {
			t.Fatalf("%s is not watched", c.name)
		}
		count, ok := vc.Check(instance(t, c.value))
		t.Logf("%s %.30s: %+v", c.name, c.value, count)
		if ok != c.ok {
			t.Errorf("%s %.60s: %+v, within=%v, want %v", c.name, c.value, count, ok, c.ok)
		}
	}
}

// TestValidateBounded: valid and invalid values get the engine's verdict;
// a value the schema's compositions make too costly gets a CostError
// without the engine running (30 levels of allOf fanning out three ways:
// 3^30 visits for one property).
func TestValidateBounded(t *testing.T) {
	d := loadString(t, fanOutSpec(30), Options{})
	small := loadString(t, fanOutSpec(3), Options{})
	cases := []struct {
		doc     *Document
		value   string
		valid   bool
		costErr bool
	}{
		{small, `{"leaf":"x"}`, true, false},
		{small, `{"leaf":1}`, false, false},
		{d, `{"leaf":"x"}`, false, true},
		{d, `"x"`, false, true},
	}
	for _, c := range cases {
		sch, err := c.doc.Compile(component(t, c.doc, "S0"), RequestView)
		if err != nil {
			t.Fatal(err)
		}
		err = c.doc.ValidateBounded(sch, RequestView, instance(t, c.value))
		var ce *CostError
		if (err == nil) != c.valid || errors.As(err, &ce) != c.costErr {
			t.Errorf("%s: %v; want valid %v, cost error %v", c.value, err, c.valid, c.costErr)
		}
		if ce != nil && !strings.Contains(ce.Error(), "schema visits") {
			t.Errorf("cost error %q does not say why", ce)
		}
	}
}

// allOfChain is a schema S0 that composes S1, which composes S2, ... n
// levels down to a string: every level applies in place to one value.
func allOfChain(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: chain, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n")
	for i := range n {
		fmt.Fprintf(&b, "    S%d: {allOf: [{$ref: '#/components/schemas/S%d'}]}\n", i, i+1)
	}
	fmt.Fprintf(&b, "    S%d: {type: string}\n", n)
	return b.String()
}

// TestValidationCostLongCompositionChains: the schemas applying in place at
// a location are listed up to maxClosureSchemas. A longer chain of
// compositions is not listed for each of its levels (that took time and
// memory quadratic in its length: 1.5 GB for 10,000 levels); every value
// meeting it is refused, and the reason still names how many schemas
// apply.
func TestValidationCostLongCompositionChains(t *testing.T) {
	cases := []struct {
		levels int
		ok     bool
	}{
		{100, true},  // 201 schemas in place: counted, within bounds
		{400, true},  // 801
		{600, false}, // 1,201: past the listing bound
		{3000, false},
	}
	for _, c := range cases {
		d := loadString(t, allOfChain(c.levels), Options{})
		sch, err := d.Compile(component(t, d, "S0"), RequestView)
		if err != nil {
			t.Fatal(err)
		}
		vc := d.ValidationCost(sch, RequestView)
		if vc == nil {
			t.Fatalf("%d levels: not watched", c.levels)
		}
		if want := fmt.Sprintf("apply %d schemas to one value", 2*c.levels+1); !strings.Contains(vc.Why, want) {
			t.Errorf("%d levels: reason %q, want it to say %q", c.levels, vc.Why, want)
		}
		if _, ok := vc.Check("x"); ok != c.ok {
			t.Errorf("%d levels: within=%v, want %v", c.levels, ok, c.ok)
		}
	}
}
