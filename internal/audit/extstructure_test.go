package audit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExternalStructureInvalid: a node of another file that a $ref reaches
// is checked against what its referring place expects; its defect is
// struct-invalid at that file's line, and the definition is not valid.
func TestExternalStructureInvalid(t *testing.T) {
	cases := []struct {
		name, root string
		files      map[string]string
		file       string
		line       int
		msg        string
	}{
		{"2.0 parameter without in", `swagger: '2.0'
info: {title: t, version: '1'}
paths:
  /pets:
    get:
      parameters: [{$ref: './parameters.yaml#/Limit'}]
      responses: {'200': {description: ok}}
`, map[string]string{"parameters.yaml": "# shared parameters\nLimit:\n  name: limit\n  type: integer\n  maximum: 10\n"},
			"parameters.yaml", 2, "'in'"},
		{"3.0 response without description", `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets:
    get:
      responses: {'200': {$ref: 'responses.yaml#/Ok'}}
`, map[string]string{"responses.yaml": "Ok:\n  content:\n    application/json:\n      schema: {type: string, maxLength: 3}\n"},
			"responses.yaml", 1, "'description'"},
		{"3.1 path item whose responses is a string", `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /pets: {$ref: 'paths/pets.yaml'}
`, map[string]string{"paths/pets.yaml": "get:\n  summary: list\n  responses: none\n"},
			"paths/pets.yaml", 3, "want object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"api.yaml": c.root}
			for k, v := range c.files {
				files[k] = v
			}
			for name, text := range files {
				path := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			res := auditFile(t, filepath.Join(dir, "api.yaml"), Options{})
			if res.Valid {
				t.Error("valid: true, want false")
			}
			found := false
			for _, f := range findingsOf(res, "struct-invalid") {
				if strings.HasSuffix(filepath.ToSlash(f.Location.File), "/"+c.file) && f.Location.Line == c.line && strings.Contains(f.Message, c.msg) {
					found = true
				}
			}
			if !found {
				t.Errorf("no struct-invalid at %s:%d (%s); findings:", c.file, c.line, c.msg)
				for _, f := range res.Findings {
					t.Logf("  %s %s: %s", f.Rule, f.Location, f.Message)
				}
			}
		})
	}
}
