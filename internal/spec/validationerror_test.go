package spec

import (
	"errors"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func TestValidationSummary(t *testing.T) {
	c := jsonschema.NewCompiler()
	schema := map[string]any{
		"type":     "object",
		"required": []any{"sku", "quantity"},
		"properties": map[string]any{
			"sku":      map[string]any{"type": "string", "pattern": "^[A-Z]+$"},
			"quantity": map[string]any{"type": "integer", "minimum": 1},
			"tags":     map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		},
	}
	const url = "urn:rampart:schema:L3dvcmsvY2FjaGUvY29ycHVz#"
	if err := c.AddResource(url, schema); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		value any
		limit int
		want  []string // substrings, in order
		not   []string
	}{
		{"one cause", map[string]any{"sku": "abc", "quantity": 2}, 3,
			[]string{"at '/sku'", "does not match pattern"}, []string{"urn:rampart", ";", "more"}},
		{"several causes", map[string]any{"sku": "abc", "quantity": 0, "tags": []any{1}}, 5,
			[]string{"/quantity", "; ", "/sku", "; ", "/tags/0"}, []string{"urn:rampart", "more"}},
		{"more than the limit", map[string]any{"sku": "abc", "quantity": 0, "tags": []any{1}}, 1,
			[]string{"(and 2 more)"}, []string{"urn:rampart"}},
		{"missing properties", map[string]any{}, 3,
			[]string{"missing properties", "sku", "quantity"}, []string{"urn:rampart"}},
	}
	for _, c := range cases {
		err := sch.Validate(c.value)
		if err == nil {
			t.Fatalf("%s: the value is valid", c.name)
		}
		got := ValidationSummary(err, c.limit)
		rest := got
		for _, w := range c.want {
			i := strings.Index(rest, w)
			if i < 0 {
				t.Errorf("%s: %q lacks %q (in order)", c.name, got, w)
				break
			}
			rest = rest[i+len(w):]
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: %q holds %q", c.name, got, n)
			}
		}
	}
	if got := ValidationSummary(errors.New("read:\nfailed"), 3); got != "read:; failed" {
		t.Errorf("a plain error: %q", got)
	}
}

// A schema the engine refuses to compile is named by its place in the
// definition, with the meta-schema's reasons, not by the internal
// resource URL the views give it.
func TestCompileErrorNamesThePlace(t *testing.T) {
	d := loadString(t, `openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Item:
      type: object
      properties:
        kind: {$ref: '#/components/schemas/Kind'}
    Kind:
      type: [strin]
`, Options{})
	_, err := d.Compile(component(t, d, "Item"), RequestView)
	if err == nil {
		t.Fatal("a schema of type strin compiled")
	}
	msg := err.Error()
	for _, want := range []string{"schema at test.yaml:6:5 does not compile: the schema at test.yaml:10:5 is not valid", "meta-schema", "/type"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "urn:rampart") {
		t.Errorf("error %q names a schema by its internal URL", msg)
	}
}
