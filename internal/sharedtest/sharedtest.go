// Package sharedtest holds what the engines' tests share: the material
// beside the repository (real-world definitions in ../shared/specs and
// published schemas in ../shared/schemas; a fresh clone without that
// folder still passes its tests: those that need it skip with a message),
// and generated definitions built to be hostile (hostile.go).
package sharedtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Path returns shared/<rel...> from the nearest ancestor of the test's
// working directory that has it, or skips the test.
func Path(t testing.TB, rel ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(append([]string{"shared"}, rel...)...)
	for {
		if p := filepath.Join(dir, want); exists(p) {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skipf("%s not found beside the project root; tests that need it are skipped", strings.ReplaceAll(want, string(filepath.Separator), "/"))
			return ""
		}
		dir = parent
	}
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
