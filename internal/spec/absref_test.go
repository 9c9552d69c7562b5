package spec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// An absolute $ref path names the file itself; it is not joined to the
// directory of the referring file.
func TestAbsolutePathRef(t *testing.T) {
	specDir, otherDir := t.TempDir(), t.TempDir()
	target := filepath.Join(otherDir, "x.yaml")
	if err := os.WriteFile(target, []byte("A: {type: string, maxLength: 5}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fs := &fileSet{files: map[string]*file{}, failed: map[string]error{}}
	from := filepath.Join(specDir, "api.yaml")
	cases := []struct{ ref, file, ptr string }{
		{filepath.ToSlash(target) + "#/A", target, "/A"},
		{"x.yaml#/A", filepath.Join(specDir, "x.yaml"), "/A"},
		{"../sub/./x.yaml#/A", filepath.Join(filepath.Dir(specDir), "sub", "x.yaml"), "/A"},
		{"file://" + filepath.ToSlash(target) + "#/A", target, "/A"},
	}
	for _, c := range cases {
		got, err := fs.resolveRef(from, c.ref)
		if err != nil {
			t.Fatalf("%s: %v", c.ref, err)
		}
		if got.File != c.file || got.Pointer != c.ptr {
			t.Errorf("%s: resolved to %s#%s, want %s#%s", c.ref, got.File, got.Pointer, c.file, c.ptr)
		}
	}

	// End to end: the definition loads and the reference resolves, when
	// the reference root holds both folders (refroot_test.go: by default
	// it holds only the definition's).
	text := "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        \"200\": {description: ok, content: {application/json: {schema: {$ref: '" + filepath.ToSlash(target) + "#/A'}}}}\n"
	if err := os.WriteFile(from, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), from, Options{RefRoot: filepath.Dir(specDir)})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Problems {
		t.Errorf("unexpected problem: %+v", p)
	}
}
