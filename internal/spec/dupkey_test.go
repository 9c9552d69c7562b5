package spec

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// A YAML mapping that repeats a key is refused with its line, as JSON with
// a repeated member name is: keeping one of the values would model a
// contract other parsers may read differently, with locations naming the
// other occurrence. Merge keys (<<) are not repetitions.
func TestDuplicateYAMLKeys(t *testing.T) {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\n"
	cases := []struct {
		name, text string
		line       int
		err        string
	}{
		{"top level", "openapi: 3.0.0\nopenapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\n", 2, `mapping key "openapi" already defined at line 1`},
		{"path", head + "paths:\n  /a: {}\n  /a: {}\n", 5, `mapping key "/a" already defined at line 4`},
		{"property", head + "paths: {}\ncomponents:\n  schemas:\n    P:\n      properties:\n        tag: {type: integer}\n        tag: {type: string}\n", 9, `mapping key "tag" already defined at line 8`},
		{"quoted and plain", head + "paths:\n  /a:\n    get:\n      responses:\n        200: {description: a}\n        '200': {description: b}\n", 8, `mapping key "200" already defined at line 7`},
		{"flow mapping", head + "paths: {}\ncomponents: {schemas: {A: {type: string, type: integer}}}\n", 4, `mapping key "type" already defined at line 4`},
		{"merge then override", head + "paths: {}\ncomponents:\n  schemas:\n    B: &b {type: string, maxLength: 3}\n    C:\n      <<: *b\n      maxLength: 5\n", 0, ""},
		{"key repeated after a merge", head + "paths: {}\ncomponents:\n  schemas:\n    B: &b {type: string}\n    C:\n      <<: *b\n      maxLength: 5\n      maxLength: 6\n", 10, `mapping key "maxLength" already defined at line 9`},
		{"same key in sibling mappings", head + "paths: {}\ncomponents:\n  schemas:\n    A: {type: string}\n    B: {type: string}\n", 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadBytes(context.Background(), []byte(c.text), "api.yaml", filepath.Join(t.TempDir(), "api.yaml"), Options{})
			if c.err == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var le *LoadError
			if !errors.As(err, &le) || !strings.Contains(le.Msg, c.err) {
				t.Fatalf("error %v, want a LoadError containing %q", err, c.err)
			}
			if le.Line != c.line {
				t.Errorf("line %d, want %d", le.Line, c.line)
			}
		})
	}
}
