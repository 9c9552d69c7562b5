package spec

import "testing"

// TestCallbackCycle: a callback whose path item is one of the path items
// enclosing it (directly or through files) ends the walk there instead of
// building callbacks of callbacks until the stack overflows. libopenapi,
// which never finishes on such a document, is not run on it.
func TestCallbackCycle(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
	}{
		{"local", map[string]string{"api.yaml": `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /hooks:
    post:
      responses: {'200': {description: ok}}
      callbacks:
        again:
          '{$request.body#/url}': {$ref: '#/paths/~1hooks'}
`}},
		{"through a file", map[string]string{
			"api.yaml":         "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /hooks: {$ref: 'paths/hooks.yaml'}\n",
			"paths/hooks.yaml": "post:\n  responses: {'200': {description: ok}}\n  callbacks:\n    again:\n      '{$request.body#/url}': {$ref: 'hooks.yaml'}\n",
		}},
		{"through two files", map[string]string{
			"api.yaml": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a: {$ref: 'a.yaml'}\n",
			"a.yaml":   "post:\n  responses: {'200': {description: ok}}\n  callbacks:\n    b:\n      '{$request.body#/url}': {$ref: 'b.yaml'}\n",
			"b.yaml":   "post:\n  responses: {'200': {description: ok}}\n  callbacks:\n    a:\n      '{$request.body#/url}': {$ref: 'a.yaml'}\n",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, _ := loadFiles(t, c.files)
			for _, p := range d.Problems {
				// libopenapi must not be left running on the loop.
				t.Errorf("problem %+v", p)
			}
			if len(d.Operations) != 1 {
				t.Errorf("%d operations, want 1", len(d.Operations))
			}
			if len(d.Callbacks) == 0 || len(d.Callbacks) > 2 {
				t.Errorf("%d callbacks, want 1 or 2", len(d.Callbacks))
			}
		})
	}
}
