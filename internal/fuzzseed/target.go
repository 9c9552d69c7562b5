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

// Add seeds f with the repository's bundled example definitions and with
// Definitions.
func Add(f *testing.F) {
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
}

// Watchdog turns a hang into a crash the fuzzer keeps the input of: unless
// the returned timer is stopped within d, it panics with every
// goroutine's stack. The engines' own deadlines are far below d, so it
// catches only what ignores them.
func Watchdog(d time.Duration, what string) *time.Timer {
	return time.AfterFunc(d, func() {
		buf := make([]byte, 1<<20)
		panic(what + " hang:\n" + string(buf[:runtime.Stack(buf, true)]))
	})
}

// Load reads fuzz input as a definition the way the engines' targets do:
// at most 1 MiB, within 10 s, as if it were the file fuzz.yaml in dir
// (references to other files resolve there and find nothing).
func Load(data []byte, dir string) (*spec.Document, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return spec.LoadBytes(ctx, data, "fuzz.yaml", filepath.Join(dir, "fuzz.yaml"), spec.Options{MaxFileSize: 1 << 20})
}
