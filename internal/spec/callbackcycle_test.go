package spec

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

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

// branchingCallbacks is a definition whose callbacks branch without
// looping: path item P0's operation has two callbacks to P1, P1's
// operation two to P2, and so on for levels path items.
func branchingCallbacks(levels int) string {
	var b strings.Builder
	b.WriteString("openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /p: {$ref: '#/components/pathItems/P0'}\ncomponents:\n  pathItems:\n")
	for i := range levels {
		fmt.Fprintf(&b, "    P%d:\n      post:\n        responses: {'200': {description: ok}}\n", i)
		if i < levels-1 {
			fmt.Fprintf(&b, "        callbacks:\n          a: {'{$url}a': {$ref: '#/components/pathItems/P%d'}}\n          b: {'{$url}b': {$ref: '#/components/pathItems/P%d'}}\n", i+1, i+1)
		}
	}
	return b.String()
}

// TestCallbacksThatBranch: callbacks of callbacks that branch name a
// number of chains exponential in their depth. Each path item's callbacks
// are followed once, so the operations built grow with the callbacks
// written, not with the chains (2^30 here, from a 3 KB definition), and
// libopenapi, which would build every chain, is not left running on them.
func TestCallbacksThatBranch(t *testing.T) {
	for _, levels := range []int{3, 12, 30} {
		t.Run(fmt.Sprint(levels), func(t *testing.T) {
			d, _ := loadFiles(t, map[string]string{"api.yaml": branchingCallbacks(levels)})
			for _, p := range d.Problems {
				t.Errorf("problem %+v", p)
			}
			// Two callbacks on each of levels-1 operations, each built
			// once: every level is reached, none is built per chain.
			if want := 2 * (levels - 1); len(d.Callbacks) != want {
				t.Errorf("%d callback operations, want %d", len(d.Callbacks), want)
			}
		})
	}
}

// TestSharedCallback: a callback that several operations declare (one
// components/callbacks entry) is built once for each of them, named after
// the operation that declares it.
func TestSharedCallback(t *testing.T) {
	d, _ := loadFiles(t, map[string]string{"api.yaml": `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    post:
      responses: {'200': {description: ok}}
      callbacks: {done: {$ref: '#/components/callbacks/Done'}}
  /b:
    post:
      responses: {'200': {description: ok}}
      callbacks: {done: {$ref: '#/components/callbacks/Done'}}
components:
  callbacks:
    Done:
      '{$request.body#/url}':
        post:
          responses: {'204': {description: received}}
`})
	var of []string
	for _, cb := range d.Callbacks {
		of = append(of, cb.CallbackOf)
	}
	if want := []string{"POST /a done", "POST /b done"}; !slices.Equal(of, want) {
		t.Errorf("callbacks of %q, want %q", of, want)
	}
}

// TestCallbackCycleLargeJSON: JSON large enough that libopenapi would run
// before our own parse gets the callback guard too, also when the key is
// written with escapes.
func TestCallbackCycleLargeJSON(t *testing.T) {
	saved := sequentialLibopenapiBytes
	sequentialLibopenapiBytes = 0
	t.Cleanup(func() { sequentialLibopenapiBytes = saved })
	for name, key := range map[string]string{"plain": "callbacks", "escaped": `\u0063allback\u0073`} {
		t.Run(name, func(t *testing.T) {
			text := `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {"/hooks": {"post": {
  "responses": {"200": {"description": "ok"}},
  "` + key + `": {"again": {"{$request.body#/url}": {"$ref": "#/paths/~1hooks"}}}}}}}`
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			d, err := LoadBytes(ctx, []byte(text), "api.json", filepath.Join(t.TempDir(), "api.json"), Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range d.Problems {
				t.Errorf("problem %+v", p)
			}
			if len(d.Callbacks) == 0 {
				t.Error("no callback operation")
			}
		})
	}
}
