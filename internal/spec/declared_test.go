package spec

import (
	"fmt"
	"strings"
	"testing"
)

// A composition that fans out (each schema an allOf of three others, levels
// deep) is visited within a budget: the names count as unknown and the
// readings that need them are not applied, instead of the load taking
// exponential time. (Nine levels: validating a value walks every path too,
// and that is the schema engine's.)
func TestDeclaredNamesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: fan, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n")
	const levels = 9
	for i := 0; i < levels; i++ {
		next := fmt.Sprintf("'#/components/schemas/S%d'", i+1)
		fmt.Fprintf(&b, "    S%d: {allOf: [{$ref: %s}, {$ref: %s}, {$ref: %s}], properties: {p%d: {type: string}}}\n", i, next, next, next, i)
	}
	fmt.Fprintf(&b, "    S%d: {type: object, properties: {leaf: {type: string}}}\n", levels)
	b.WriteString("    Top: {allOf: [{$ref: '#/components/schemas/S0'}], required: [p0, missing], properties: {p0: {type: string}}}\n")
	d := loadString(t, b.String(), Options{})
	top := component(t, d, "Top")
	names, open := d.DeclaredNames(top.Ref, top.Value.(map[string]any))
	if !open {
		t.Fatalf("declared names of a fan-out of 3^%d schemas: %d names, not open", levels, len(names))
	}
	sch, err := d.Compile(top, RequestView)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	// Unknown names: the required name declared nowhere is not admitted.
	if err := sch.Validate(instance(t, `{"p0":"a","missing":"x","leaf":"l"}`)); err == nil {
		t.Error("a name required but not known to be declared was admitted")
	}
}
