package spec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A UTF-8 byte order mark, as some Windows editors write it, is skipped in
// JSON as it is in YAML, in the root file and in files it refers to, and
// does not shift locations.
func TestByteOrderMark(t *testing.T) {
	const bom = "\ufeff"
	yamlRoot := "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        \"200\": {description: ok, content: {application/json: {schema: {$ref: 'x.json#/A'}}}}\n"
	jsonRoot := `{"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "x.json#/A"}}}}}}}}}`
	target := "{\"A\": {\"type\": \"string\",\n  \"maxLength\": 5}}"
	cases := []struct {
		name, root, rootName, target string
	}{
		{"JSON root", bom + jsonRoot, "api.json", target},
		{"YAML root", bom + yamlRoot, "api.yaml", target},
		{"JSON target", yamlRoot, "api.yaml", bom + target},
		{"JSON root and target", bom + jsonRoot, "api.json", bom + target},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, c.rootName)
			if err := os.WriteFile(root, []byte(c.root), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "x.json"), []byte(c.target), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := Load(context.Background(), root, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range d.Problems {
				t.Errorf("unexpected problem: %+v", p)
			}
			at, err := d.ResolveRef(d.RootFile(), "x.json#/A/maxLength")
			if err != nil {
				t.Fatal(err)
			}
			if loc := d.Locate(at); loc.Line != 2 || loc.Column != 3 {
				t.Errorf("maxLength at %d:%d, want 2:3", loc.Line, loc.Column)
			}
			if loc := d.Locate(NodeRef{File: d.RootFile(), Pointer: "/openapi"}); loc.Line != 1 || (c.rootName == "api.yaml" && loc.Column != 1) {
				t.Errorf("openapi at %d:%d, want line 1 (column 1 in YAML)", loc.Line, loc.Column)
			}
		})
	}
}

// UTF-16 and UTF-32 files (with their byte order mark) are refused with a
// message that names the encoding, not as binary data.
func TestWideEncodingsNamed(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"UTF-16LE", "\xff\xfeo\x00p\x00e\x00n\x00", "UTF-16 text"},
		{"UTF-16BE", "\xfe\xff\x00o\x00p\x00e\x00n", "UTF-16 text"},
		{"UTF-32LE", "\xff\xfe\x00\x00o\x00\x00\x00", "UTF-32 text"},
		{"UTF-32BE", "\x00\x00\xfe\xff\x00\x00\x00o", "UTF-32 text"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := LoadBytes(context.Background(), []byte(c.data), "api.yaml", filepath.Join(t.TempDir(), "api.yaml"), Options{})
			var le *LoadError
			if !errors.As(err, &le) || !strings.Contains(le.Msg, c.want) || !strings.Contains(le.Msg, "must be UTF-8") || le.Line != 1 {
				t.Fatalf("error %v, want a LoadError on line 1 naming %s", err, c.want)
			}
		})
	}
}
