package fuzzseed

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Fuzz runs an engine's fuzz target: seeded with the repository's bundled
// example definitions and Definitions, each input is loaded as a
// definition (at most 1 MiB, within 10 s, as the file fuzz.yaml in a
// folder of its own, so references to other files find nothing) and, when
// it loads, handed to engine. what names the engine in a hang report: an
// input still running after 60 s, far beyond the engines' own deadlines,
// crashes with every goroutine's stack so the fuzzer keeps it.
func Fuzz(f *testing.F, what string, engine func(t *testing.T, d *spec.Document)) {
	_, self, _, _ := runtime.Caller(0)
	examples := filepath.Join(filepath.Dir(self), "..", "..", "examples")
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		paths, _ := filepath.Glob(filepath.Join(examples, pat))
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range Definitions() {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		watchdog := time.AfterFunc(60*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic(what + " hang:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		d, err := spec.LoadBytes(ctx, data, "fuzz.yaml", filepath.Join(dir, "fuzz.yaml"), spec.Options{MaxFileSize: 1 << 20})
		cancel()
		if err != nil {
			return
		}
		engine(t, d)
	})
}
