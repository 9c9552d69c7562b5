package audit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
)

// BenchmarkStripe compares loading the 3 MB Stripe definition alone with
// loading and auditing it, in the same run (docs/benchmarks.md).
func BenchmarkStripe(b *testing.B) { benchSpec(b, "stripe.yaml") }

// BenchmarkGitHub does the same for GitHub's REST API definition.
func BenchmarkGitHub(b *testing.B) { benchSpec(b, "api.github.com.yaml") }

func benchSpec(b *testing.B, name string) {
	path := filepath.Join(sharedtest.Path(b, "specs"), name)
	ctx := context.Background()
	b.Run("load", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := spec.Load(ctx, path, spec.Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load+audit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			doc, err := spec.Load(ctx, path, spec.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := Audit(ctx, doc, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
