package spec

import (
	"strings"
	"testing"
)

// TestPlaceLibopenapi: libopenapi names a line but not the file. In a
// definition of several files, its problem at a line where our checks
// found an error in another file is dropped (ours says it better), and one
// at a line the root does not have keeps no line.
func TestPlaceLibopenapi(t *testing.T) {
	own := []Problem{
		{Code: "invalid-structure", Error: true, Loc: Location{File: "paths.yaml", Line: 6}},
		{Code: "invalid-structure", Error: true, Loc: Location{File: "api.yaml", Line: 3}},
		{Code: "invalid-structure", Error: true, Loc: Location{File: "other.yaml", Line: 3}},
		{Code: "ref-sibling-ignored", Loc: Location{File: "paths.yaml", Line: 4}},
	}
	lib := func(line int) []Problem {
		return []Problem{{Code: "invalid-structure", Error: true, Message: "build failed", Loc: Location{File: "api.yaml", Line: line}}}
	}
	cases := []struct {
		name      string
		line      int
		multiFile bool
		want      int    // problems kept
		wantLine  int    // of the kept one
		wantInMsg string // in the kept one's message
	}{
		{"one file: as given", 40, false, 1, 40, ""},
		{"another file's error at that line: dropped", 6, true, 0, 0, ""},
		{"the root's error at that line too: kept", 3, true, 1, 3, ""},
		{"a warning elsewhere is not an error: kept", 4, true, 1, 4, ""},
		{"past the root's end: no line", 40, true, 1, 0, "line 40 of a file the definition references"},
		{"no line: as given", 0, true, 1, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := placeLibopenapi(lib(c.line), own, "api.yaml", 10, c.multiFile)
			if len(got) != c.want {
				t.Fatalf("%d problems, want %d: %+v", len(got), c.want, got)
			}
			if c.want == 1 && (got[0].Loc.Line != c.wantLine || !strings.Contains(got[0].Message, c.wantInMsg)) {
				t.Errorf("got %+v, want line %d and %q", got[0], c.wantLine, c.wantInMsg)
			}
		})
	}
}

// TestBrokenExternalPathItemNamedOnce: a broken path item in a referenced
// 2.0 file is reported at its own file and line, not also on the root
// file at a line the root does not have.
func TestBrokenExternalPathItemNamedOnce(t *testing.T) {
	d, _ := loadFiles(t, map[string]string{
		"api.yaml":   "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    $ref: 'paths.yaml#/a'\n",
		"paths.yaml": "# one\n# two\n# three\na:\n  get:\n    responses: 5\n",
	})
	var inPaths int
	for _, p := range d.Problems {
		if strings.HasSuffix(p.Loc.File, "api.yaml") && p.Loc.Line > 5 {
			t.Errorf("problem on the root at line %d, which it does not have: %+v", p.Loc.Line, p)
		}
		if strings.HasSuffix(p.Loc.File, "paths.yaml") && p.Loc.Line == 6 {
			inPaths++
		}
	}
	if inPaths == 0 {
		t.Errorf("no problem at paths.yaml:6 among %+v", d.Problems)
	}
}
