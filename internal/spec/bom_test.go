package spec

import (
	"context"
	"os"
	"path/filepath"
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
