package spec

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// FuzzLoad feeds arbitrary bytes to the loader and the schema compiler. The
// loader must return a document or an error: never panic, never hang.
// Seeds: the bundled examples plus small hostile inputs in
// testdata/fuzz/FuzzLoad. Run: scripts/fuzz.sh 60 Load (it caps
// minimization, without which the fuzzer stalls for minutes shrinking
// each new input).
func FuzzLoad(f *testing.F) {
	for _, p := range []string{"../../examples/petstore-3.1.yaml", "../../examples/inventory-2.0.yaml"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {$ref: '#/x'}}]\n      responses: {'200': {description: ok}}\n"))
	f.Add([]byte(`{"swagger":"2.0","info":{"title":"t","version":"1"},"paths":{"/a":{"post":{"parameters":[{"in":"body","name":"b","schema":{"$ref":"#/definitions/A"}}],"responses":{"200":{"description":"ok"}}}}},"definitions":{"A":{"$ref":"#/definitions/A"}}}`))
	f.Add([]byte("openapi: 3.1.0\na: &a [x, *a]\n"))
	f.Add([]byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#c'}}}}}\ncomponents:\n  schemas:\n    C: {$anchor: c, $ref: 'https://example.com/d'}\n    D: {$id: 'https://example.com/d', $ref: '#/components/schemas/C'}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// A hang is a bug: crash with every goroutine's stack so the fuzzer
		// keeps the input.
		watchdog := time.AfterFunc(15*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("loader hang:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		d, err := LoadBytes(ctx, data, "fuzz.yaml", filepath.Join(dir, "fuzz.yaml"), Options{MaxFileSize: 1 << 20})
		if err != nil {
			return
		}
		for _, p := range d.Problems {
			if p.Code == "parser-timeout" {
				buf := make([]byte, 1<<20)
				t.Fatalf("parser did not finish:\n%s", buf[:runtime.Stack(buf, true)])
			}
		}
		_ = d.CompileAll(ctx)
		_ = d.SchemaProblems()
		for _, op := range d.Operations {
			_ = d.Locate(op.Ref)
		}
	})
}
