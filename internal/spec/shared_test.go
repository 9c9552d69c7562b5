package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// sharedSpecFiles lists the definitions (not the fragment files) there.
func sharedSpecFiles(t testing.TB) []string {
	dir := sharedtest.Path(t, "specs")
	var out []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() || strings.HasSuffix(e.Name(), ".md") {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	out = append(out, filepath.Join(dir, "oai-v2.0-petstore-separate", "spec", "swagger.json"))
	return out
}

// sharedOptions are the options a shared definition loads with. ../shared
// is in no repository, so a definition's reference root is its own
// directory: the multi-file example's spec/swagger.json refers to
// ../common/Error.json, and its root is the example's folder, as a user
// would pass with --ref-root.
func sharedOptions(path string) Options {
	if dir := filepath.Dir(path); filepath.Base(filepath.Dir(dir)) == "oai-v2.0-petstore-separate" {
		return Options{RefRoot: filepath.Dir(dir)}
	}
	return Options{}
}

// compileAll compiles every schema the model references in both views.
func compileAll(t testing.TB, d *Document) (n int, errs []error) {
	visit := func(s *Schema) {
		if s == nil {
			return
		}
		for _, v := range []View{RequestView, ResponseView} {
			n++
			if _, err := d.Compile(s, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, op := range append(append([]*Operation(nil), d.Operations...), d.Webhooks...) {
		for _, p := range op.Parameters {
			visit(p.Schema)
		}
		if op.RequestBody != nil {
			for _, mt := range op.RequestBody.Content {
				visit(mt.Schema)
			}
		}
		for _, r := range op.Responses {
			for _, mt := range r.Content {
				visit(mt.Schema)
			}
			for _, h := range r.Headers {
				visit(h.Schema)
			}
		}
	}
	return n, errs
}

func TestSharedSpecsLoadAndCompile(t *testing.T) {
	for _, path := range sharedSpecFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			d, err := Load(context.Background(), path, sharedOptions(path))
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if len(d.Operations)+len(d.Webhooks) == 0 {
				t.Fatalf("no operations modelled")
			}
			n, errs := compileAll(t, d)
			for i, e := range errs {
				if i < 5 {
					t.Errorf("compile: %v", e)
				}
			}
			for _, p := range d.Problems {
				t.Logf("problem %s %s: %s", p.Code, p.Loc, p.Message)
			}
			t.Logf("%s %s: %d ops, %d schema compilations, valid=%v", d.Family, d.Title, len(d.Operations), n, d.Valid())
		})
	}
}

// Large JSON definitions run libopenapi before our own parse instead of
// beside it (to keep peak memory down). The order must not change what is
// reported: load every shared JSON definition both ways and compare.
func TestLibopenapiOrderDoesNotChangeProblems(t *testing.T) {
	saved := sequentialLibopenapiBytes
	t.Cleanup(func() { sequentialLibopenapiBytes = saved })
	seen := 0
	for _, f := range sharedSpecFiles(t) {
		if !strings.HasSuffix(f, ".json") {
			continue
		}
		seen++
		load := func(threshold int) []string {
			sequentialLibopenapiBytes = threshold
			doc, err := Load(context.Background(), f, sharedOptions(f))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			var out []string
			for _, p := range doc.Problems {
				out = append(out, p.Code+" "+p.Loc.String()+" "+p.Message)
			}
			return out
		}
		parallel, sequential := load(1<<62), load(0)
		if strings.Join(parallel, "\n") != strings.Join(sequential, "\n") {
			t.Errorf("%s: problems differ\nparallel:   %q\nsequential: %q", filepath.Base(f), parallel, sequential)
		}
	}
	if seen == 0 {
		t.Fatal("no JSON definition among the shared specs")
	}
}
