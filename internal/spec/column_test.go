package spec

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// Columns count characters, in JSON as in YAML and as the report writers
// read them (SARIF columnKind unicodeCodePoints): a non-ASCII character
// earlier on the line does not push a location to the right.
func TestColumnsCountCharacters(t *testing.T) {
	const schemaPtr = "/paths/~1a/get/parameters/0/schema"
	cases := []struct{ name, file, text, line string }{
		{"JSON ASCII", "api.json", `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"parameters": [{"name": "eeeee", "in": "query", "schema": {"type": "integer"}}], "responses": {"200": {"description": "ok"}}}}}}`, ""},
		{"JSON accents", "api.json", `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {"parameters": [{"name": "ééééé", "in": "query", "schema": {"type": "integer"}}], "responses": {"200": {"description": "ok"}}}}}}`, ""},
		{"JSON emoji on line 2", "api.json", "{\"openapi\": \"3.0.3\", \"info\": {\"title\": \"t\", \"version\": \"1\"},\n\"paths\": {\"/a\": {\"get\": {\"parameters\": [{\"name\": \"\U0001F600\U0001F600\", \"in\": \"query\", \"schema\": {\"type\": \"integer\"}}], \"responses\": {\"200\": {\"description\": \"ok\"}}}}}}", ""},
		{"YAML accents", "api.yaml", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {/a: {get: {parameters: [{name: ééééé, in: query, schema: {type: integer}}], responses: {'200': {description: ok}}}}}\n", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := LoadBytes(context.Background(), []byte(c.text), c.file, filepath.Join(t.TempDir(), c.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			loc := d.Locate(NodeRef{File: d.RootFile(), Pointer: schemaPtr})
			line := strings.Split(c.text, "\n")[loc.Line-1]
			// The key "schema" (JSON) or schema (YAML) starts the node's text.
			i := strings.Index(line, "schema")
			if strings.HasSuffix(c.file, ".json") {
				i-- // the opening quote
			}
			if want := utf8.RuneCountInString(line[:i]) + 1; loc.Column != want {
				t.Errorf("column %d, want %d (%q)", loc.Column, want, line[i:min(i+12, len(line))])
			}
		})
	}
}
