package gen_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Numeric bounds are read exactly: the generated value is within them and
// each bound's mutation is just outside, for bounds beyond float64's
// 2^53 exact integers (int64 ids, uint64 counters) and for decimals.
func TestNumericBoundsAreExact(t *testing.T) {
	tests := []struct {
		name, schema string
		mutations    []string // the bound mutations that must be refused
	}{
		{"int64 range above 2^53", `{type: integer, format: int64, minimum: 9007199254740993, maximum: 9007199254740995}`, []string{"below-minimum", "above-maximum"}},
		{"int64 extremes", `{type: integer, format: int64, minimum: -9223372036854775808, maximum: 9223372036854775807}`, []string{"below-minimum", "above-maximum"}},
		{"exclusive bounds above 2^53 (3.0)", `{type: integer, minimum: 9007199254740993, exclusiveMinimum: true, maximum: 9007199254740995, exclusiveMaximum: true}`, []string{"below-minimum", "above-maximum"}},
		{"uint64 maximum only", `{type: integer, minimum: 18446744073709551000}`, []string{"below-minimum"}},
		{"a fractional lower bound for an integer", `{type: integer, minimum: 2.5, maximum: 3.5}`, []string{"below-minimum", "above-maximum"}},
		{"negative fractional bounds for an integer", `{type: integer, minimum: -2.5, maximum: -1.5}`, []string{"below-minimum", "above-maximum"}},
		{"3.1 numeric exclusive bounds", `{type: integer, exclusiveMinimum: 9007199254740993, exclusiveMaximum: 9007199254740995}`, []string{"below-minimum", "above-maximum"}},
		{"a decimal multipleOf", `{type: number, minimum: 10.05, multipleOf: 0.1}`, []string{"below-minimum"}},
		{"multipleOf above 2^53", `{type: integer, minimum: 9007199254740993, multipleOf: 7}`, []string{"below-minimum"}},
		{"decimal bounds", `{type: number, minimum: 0.1, maximum: 0.3}`, []string{"below-minimum", "above-maximum"}},
		{"exclusive decimal bounds", `{type: number, minimum: 0.1, exclusiveMinimum: true, maximum: 0.2, exclusiveMaximum: true}`, []string{"below-minimum", "above-maximum"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      parameters:\n        - {name: n, in: query, schema: " + tc.schema + "}\n      responses: {'200': {description: ok}}\n"
			d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(doc))})
			if err != nil {
				t.Fatal(err)
			}
			s := d.Operations[0].Parameters[0].Schema
			sch, err := d.Compile(s, spec.RequestView)
			if err != nil {
				t.Fatal(err)
			}
			g := &gen.Generator{Doc: d}
			v, _, err := g.Valid(s, spec.RequestView)
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(v); err != nil {
				t.Errorf("generated %v is invalid: %v", v, err)
			}
			got := map[string]any{}
			for _, m := range g.ValueMutations(s.Ref, s.Value) {
				got[m.Kind] = m.Value
			}
			for _, kind := range tc.mutations {
				mv, ok := got[kind]
				if !ok {
					t.Errorf("no %s mutation (have %v)", kind, got)
					continue
				}
				if sch.Validate(mv) == nil {
					t.Errorf("%s mutation %v is valid", kind, mv)
				}
			}
		})
	}
}
