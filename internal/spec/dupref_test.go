package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An unresolved $ref is reported once, by our own walk (with a location),
// not a second time from libopenapi's "component ... does not exist".
func TestUnresolvedRefReportedOnce(t *testing.T) {
	const head = "openapi: 3.0.0\ninfo: {title: t, version: \"1\"}\n"
	cases := []struct {
		name, text string
		want       int
	}{
		{"missing parameter", head + `paths:
  /a:
    get:
      parameters:
        - $ref: '#/components/parameters/Nope'
      responses: {"200": {description: ok}}
`, 1},
		{"missing schema", head + `paths:
  /a:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Gone'}}}}}
`, 1},
		{"missing file and pointer", head + `paths:
  /a:
    get:
      parameters:
        - $ref: 'nofile.yaml#/P'
        - $ref: 'other.yaml#/Nope'
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: 'nofile2.json'}}}}}
`, 3},
		{"remote not allowed", head + `paths:
  /a:
    get:
      parameters:
        - $ref: 'https://example.invalid/x.yaml#/P'
      responses: {"200": {description: ok}}
`, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "other.yaml"), []byte("X: {type: string}\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := LoadBytes(context.Background(), []byte(c.text), "test.yaml", filepath.Join(dir, "test.yaml"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Problems) != c.want {
				t.Fatalf("%d problems, want %d: %+v", len(d.Problems), c.want, d.Problems)
			}
			for _, p := range d.Problems {
				if p.Code != "unresolved-ref" || p.Loc.Line == 0 {
					t.Errorf("unexpected problem %+v", p)
				}
			}
		})
	}
}

func TestDuplicatesRefWalk(t *testing.T) {
	cases := []struct {
		msg  string
		want bool
	}{
		{"component `#/components/parameters/Nope` does not exist in the specification", true},
		{"component `nofile.yaml#/P` does not exist in the specification", true},
		{"cannot resolve reference `#/x`, it's missing", true},
		{"infinite circular reference detected: A", true},
		{"remote lookup for 'https://x/y' is not allowed, please set AllowRemoteReferences", true},
		{"unable to fetch remote document 'https://x/y' (error 404)", true},
		{"schema build failed: reference '#/x' cannot be found", true},
		{"paths must be a map", false},
		{"operation GET /a has no responses", false},
	}
	for _, c := range cases {
		if got := duplicatesRefWalk(strings.ToLower(c.msg)); got != c.want {
			t.Errorf("%q: %v, want %v", c.msg, got, c.want)
		}
	}
}
