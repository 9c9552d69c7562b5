package spec

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
)

// A number beyond float64 (maximum: 1e400) stays a number with its literal
// text, in YAML as in JSON: yaml.v3 resolves such a plain scalar as a
// string, which the structure check then called the wrong type.
func TestNumberBeyondFloat64(t *testing.T) {
	const ptr = "/components/schemas/N/maximum"
	yamlDoc := func(lit string) string {
		return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    N: {type: number, maximum: " + lit + "}\n"
	}
	jsonDoc := func(lit string) string {
		return `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {"N": {"type": "number", "maximum": ` + lit + `}}}}`
	}
	cases := []struct {
		name, file, text string
		want             any
	}{
		{"yaml 1e400", "api.yaml", yamlDoc("1e400"), json.Number("1e400")},
		{"yaml negative", "api.yaml", yamlDoc("-1.5E+400"), json.Number("-1.5E+400")},
		{"yaml plus and bare point", "api.yaml", yamlDoc("+.5e400"), json.Number("0.5e400")},
		{"yaml trailing point", "api.yaml", yamlDoc("2.e400"), json.Number("2.0e400")},
		{"yaml leading zeros", "api.yaml", yamlDoc("007e400"), json.Number("7e400")},
		{"yaml in range", "api.yaml", yamlDoc("1e300"), json.Number("1e300")},
		{"json 1e400", "api.json", jsonDoc("1e400"), json.Number("1e400")},
		// A quoted or tagged string stays a string (and a type error).
		{"yaml quoted", "api.yaml", yamlDoc("'1e400'"), "1e400"},
		{"yaml tagged", "api.yaml", yamlDoc("!!str 1e400"), "1e400"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := LoadBytes(context.Background(), []byte(tc.text), tc.file, filepath.Join(t.TempDir(), tc.file), Options{})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			v, ok := d.Value(NodeRef{File: d.RootFile(), Pointer: ptr})
			if !ok || v != tc.want {
				t.Fatalf("value %#v (%T), want %#v (%T)", v, v, tc.want, tc.want)
			}
			_, isNum := tc.want.(json.Number)
			if isNum && !d.Valid() {
				t.Errorf("problems %+v, want none", d.Problems)
			}
			if !isNum && d.Valid() {
				t.Errorf("a string maximum passed the structure check")
			}
		})
	}
}
