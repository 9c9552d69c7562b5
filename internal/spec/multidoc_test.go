package spec

import (
	"strings"
	"testing"
)

// A YAML file with a second document (after a `---`) is read up to it:
// the rest is reported as ignored, a warning at the second document's
// `---`, in the root file and in a file a $ref reaches alike.
func TestLaterYAMLDocumentsAreReported(t *testing.T) {
	const head = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok}\n"
	const second = "paths:\n  /admin:\n    delete:\n      responses:\n        '204': {description: gone}\n"
	cases := []struct {
		name   string
		files  map[string]string
		file   string // where the warning is, "" for none
		line   int
		issues int
	}{
		{"a second document", map[string]string{"api.yaml": head + "---\n" + second}, "api.yaml", 8, 1},
		{"a second and third document", map[string]string{"api.yaml": head + "---\n" + second + "--- # third\n" + second}, "api.yaml", 8, 1},
		{"a leading --- opens the first document", map[string]string{"api.yaml": "# comment\n--- # the first\n" + head}, "", 0, 0},
		{"a trailing --- opens an empty document", map[string]string{"api.yaml": head + "---\n"}, "", 0, 0},
		{"a trailing ... ends the document", map[string]string{"api.yaml": head + "...\n"}, "", 0, 0},
		{"an empty document then a real one", map[string]string{"api.yaml": head + "---\n---\n" + second}, "api.yaml", 9, 1},
		{"a second document that does not parse", map[string]string{"api.yaml": head + "---\npaths: [\n"}, "api.yaml", 8, 1},
		{"--- inside a block scalar is text", map[string]string{"api.yaml": "openapi: 3.0.3\ninfo:\n  title: t\n  version: '1'\n  description: |\n    a\n    ---\n    b\npaths: {}\n"}, "", 0, 0},
		{"a referenced file with a second document", map[string]string{
			"api.yaml":    strings.Replace(head, "{description: ok}", "{$ref: 'common.yaml#/Ok'}", 1),
			"common.yaml": "Ok: {description: ok}\n---\nGone: {description: gone}\n",
		}, "common.yaml", 2, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := loadFiles(t, tc.files)
			var got []Problem
			for _, p := range d.Problems {
				if p.Code == "multiple-documents" {
					got = append(got, p)
				} else if p.Error {
					t.Errorf("unexpected problem: %+v", p)
				}
			}
			if len(got) != tc.issues {
				t.Fatalf("got %+v, want %d multiple-documents warning(s)", got, tc.issues)
			}
			if tc.issues == 0 {
				return
			}
			p := got[0]
			if p.Error || !strings.HasSuffix(p.Loc.File, tc.file) || p.Loc.Line != tc.line || p.Loc.Column != 1 || !strings.Contains(p.Message, "ignored") {
				t.Errorf("got %+v, want a warning in %s at line %d saying the rest is ignored", p, tc.file, tc.line)
			}
		})
	}
}
