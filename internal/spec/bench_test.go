package spec

import (
	"context"
	"path/filepath"
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
