package gen

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// BenchmarkStripeValidationCost compares, over every Stripe response body
// whose schema the firewall counts before validating (spec.ValidationCost:
// unions that reach themselves with overlapping branches), the count with
// the validation it guards, on values generated from the schemas. One
// iteration is one pass over all of them.
func BenchmarkStripeValidationCost(b *testing.B) {
	d, err := spec.Load(b.Context(), filepath.Join(sharedtest.Path(b, "specs"), "stripe.yaml"), spec.Options{})
	if err != nil {
		b.Fatal(err)
	}
	g := &Generator{Doc: d}
	type body struct {
		sch  *jsonschema.Schema
		cost *spec.ValidationCost
		v    any
	}
	var bodies []body
	for _, op := range d.Operations {
		for _, r := range op.Responses {
			for _, mt := range r.Content {
				if mt.Schema == nil {
					continue
				}
				sch, err := d.Compile(mt.Schema, spec.ResponseView)
				if err != nil {
					continue
				}
				cost := d.ValidationCost(sch, spec.ResponseView)
				if cost == nil {
					continue
				}
				v, _, err := g.Valid(mt.Schema, spec.ResponseView)
				if err != nil {
					continue
				}
				raw, err := json.Marshal(v)
				if err != nil {
					b.Fatal(err)
				}
				inst, err := jsonschema.UnmarshalJSON(strings.NewReader(string(raw)))
				if err != nil {
					b.Fatal(err)
				}
				bodies = append(bodies, body{sch, cost, inst})
			}
		}
	}
	if len(bodies) == 0 {
		b.Fatal("no counted response bodies in Stripe")
	}
	b.Logf("%d counted response bodies", len(bodies))
	b.Run("count", func(b *testing.B) {
		for b.Loop() {
			for _, x := range bodies {
				if _, ok := x.cost.Check(x.v); !ok {
					b.Fatal("a generated Stripe value counted as too costly")
				}
			}
		}
	})
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			for _, x := range bodies {
				_ = x.sch.Validate(x.v)
			}
		}
	})
}
