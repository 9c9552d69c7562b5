package spec

import (
	"errors"
	"strings"
	"testing"
)

// TestYAMLErrorsNameTheLine: a YAML syntax error is reported at the line
// the parser stopped at, in words: go-yaml's message gave the line its
// construct began at and read "go-yaml load error in parser (while
// parsing a block mapping) at L12.C9-L14.C10".
func TestYAMLErrorsNameTheLine(t *testing.T) {
	cases := []struct {
		name, text string
		line       int
		msg        string
	}{
		{"mis-indented key", "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n         content: {}\n",
			9, "did not find expected key at line 9, column 10 (while parsing a block mapping that starts at line 7): check the indentation"},
		{"unclosed flow mapping", "openapi: 3.0.3\ninfo: {title: t\n",
			3, "did not find expected ',' or '}' at line 3, column 1 (while parsing a flow mapping that starts at line 2)"},
		{"value indented as a key", "openapi: 3.0.3\ninfo:\n  title: t\n   version: 1\n",
			4, "mapping values are not allowed in this context at line 4, column 11: check the indentation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes(t.Context(), []byte(tc.text), "api.yaml", "<stdin>", Options{})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a LoadError", err)
			}
			if le.Line != tc.line || !strings.Contains(le.Msg, tc.msg) || strings.Contains(le.Msg, "go-yaml") {
				t.Errorf("line %d: %q\nwant line %d: %q", le.Line, le.Msg, tc.line, tc.msg)
			}
		})
	}
}
