package spec

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// BenchmarkLoadStripe measures loading the 3 MB Stripe definition alone.
func BenchmarkLoadStripe(b *testing.B) {
	path := filepath.Join(sharedtest.Path(b, "specs"), "stripe.yaml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(context.Background(), path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadCompileStripe measures loading plus compiling every schema
// the operations use, in both views: what the firewall does at start-up.
func BenchmarkLoadCompileStripe(b *testing.B) {
	path := filepath.Join(sharedtest.Path(b, "specs"), "stripe.yaml")
	b.ReportAllocs()
	for b.Loop() {
		d, err := Load(context.Background(), path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if err := d.CompileAll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// wideRefsSpec is a definition whose request body has n properties, each
// a $ref to a component of its own.
func wideRefsSpec(n int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /p:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/Root'}}}}\n      responses: {'204': {description: ok}}\ncomponents:\n  schemas:\n    Root:\n      type: object\n      properties:\n")
	for i := range n {
		fmt.Fprintf(&b, "        p%d: {$ref: '#/components/schemas/S%d'}\n", i, i)
	}
	for i := range n {
		fmt.Fprintf(&b, "    S%d: {type: string, maxLength: 10}\n", i)
	}
	return b.String()
}

// BenchmarkCompileWideRefs measures compiling one body schema that
// references 5,000 components (the definition loaded once, outside the
// timing): each iteration compiles it in a fresh view. The schema engine
// searches a list of the schemas one Compile call has met, so compiling
// the body alone would take time quadratic in the components; their
// targets are compiled first, one by one (compileTargetsFirst).
func BenchmarkCompileWideRefs(b *testing.B) {
	d := loadString(b, wideRefsSpec(5000), Options{})
	s := d.Operations[0].RequestBody.Content["application/json"].Schema
	b.ReportAllocs()
	for b.Loop() {
		d.views = [2]*viewCompiler{}
		if _, err := d.Compile(s, RequestView); err != nil {
			b.Fatal(err)
		}
	}
}
