package audit

import (
	"fmt"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// checkValidationCost reports request bodies whose schema can multiply the
// work of validating a value (spec.ValidationCost): a union that reaches
// itself with branches holding values under one name, or compositions
// that apply many schemas to one value. Validators that follow the schema
// literally spend time exponential in the nesting of a small body; rampart
// protect counts the work first and refuses such bodies (body-too-costly).
// Request bodies only: they are what a client controls, and compiling
// every response too would double the audit's time on large definitions.
func (r *run) checkValidationCost() {
	for _, op := range r.doc.Operations {
		if r.ctx.Err() != nil {
			return
		}
		if op.RequestBody == nil {
			continue
		}
		for _, name := range sortedKeys(op.RequestBody.Content) {
			mt := op.RequestBody.Content[name]
			if mt.Schema == nil || !strings.Contains(strings.ToLower(name), "json") {
				continue
			}
			sch, err := r.doc.Compile(mt.Schema, spec.RequestView)
			if err != nil {
				continue // reported by the structure and pattern rules
			}
			cost := r.doc.ValidationCost(sch, spec.RequestView)
			if cost == nil || cost.Pattern {
				continue // a heavy pattern: data-pattern-cost, at the pattern
			}
			at := cost.At
			if at.File == "" {
				at = mt.Schema.Ref
			}
			r.add("data-validation-cost", at, dirRequest, fmt.Sprintf("Validating the request body of %s: %s.", op.Key(), cost.Why), []string{op.Key()})
		}
	}
}
