package spec

import (
	"context"
	"errors"
	"sync"
)

// Locate returns the file, line and column of a node.
func (d *Document) Locate(r NodeRef) Location { return d.files.locate(r) }

// Value returns the raw node at r (maps, slices, strings, json.Number,
// bools, nil), loading the file it lives in if needed.
func (d *Document) Value(r NodeRef) (any, bool) { return d.files.value(r) }

// ResolveRef resolves a $ref string written at the top of the file `from`
// (outside any schema's $id). Prefer ResolveRefAt, which knows where the
// $ref is written.
func (d *Document) ResolveRef(from, ref string) (NodeRef, error) {
	return d.files.resolveRefAt(NodeRef{File: from}, ref)
}

// ResolveRefAt resolves a $ref string written in the object at `at`. In
// 3.1+ definitions the enclosing schemas' $id set the base URI and a
// plain-name fragment ("#node") names a $anchor (JSON Schema 2020-12).
func (d *Document) ResolveRefAt(at NodeRef, ref string) (NodeRef, error) {
	return d.files.resolveRefAt(at, ref)
}

// RefBase is the base URI $refs written at `at` resolve against when an
// enclosing schema's $id sets it (3.1+), and "" otherwise: two places with
// the same file and RefBase resolve every $ref string the same way.
func (d *Document) RefBase(at NodeRef) string {
	if !d.files.schemaIDs {
		return ""
	}
	f, err := d.files.load(at.File)
	if err != nil {
		return ""
	}
	base, _, scoped := d.files.ids(f).baseAt(at.Pointer)
	if !scoped {
		return ""
	}
	return base
}

// Deref follows a chain of {$ref} nodes starting at (at, v) to the node it
// ends at. ok is false for a reference that cannot be resolved or loops.
func (d *Document) Deref(at NodeRef, v any) (NodeRef, any, bool) {
	b := builder{doc: d, fs: d.files}
	return b.deref(at, v)
}

// RootFile is the key of the root file.
func (d *Document) RootFile() string { return d.files.rootKey }

// Root is the root file's generic tree.
func (d *Document) Root() map[string]any {
	m, _ := d.files.get(d.files.rootKey).tree.(map[string]any)
	return m
}

// FileKeys lists the keys of every file loaded, root first.
func (d *Document) FileKeys() []string {
	d.files.mu.Lock()
	defer d.files.mu.Unlock()
	return append([]string(nil), d.files.order...)
}

// FileTree returns a loaded file's generic tree.
func (d *Document) FileTree(key string) any {
	if f := d.files.get(key); f != nil {
		return f.tree
	}
	return nil
}

// DisplayName returns how reports name a file key.
func (d *Document) DisplayName(key string) string { return d.files.display(key) }

// Sources returns the text of every loaded file by display name, for report
// excerpts.
func (d *Document) Sources() map[string][]byte {
	out := map[string][]byte{}
	for _, k := range d.FileKeys() {
		if f := d.files.get(k); f != nil {
			out[f.display] = f.src
		}
	}
	return out
}

// StrictObjects reports the shared strict-objects policy: true when object
// schemas without additionalProperties are closed.
func (d *Document) StrictObjects() bool { return !d.options.OpenObjects }

// AllOperations lists operations, then webhooks, then callbacks: every
// operation whose schemas the contract defines.
func (d *Document) AllOperations() []*Operation {
	out := make([]*Operation, 0, len(d.Operations)+len(d.Webhooks)+len(d.Callbacks))
	out = append(out, d.Operations...)
	out = append(out, d.Webhooks...)
	return append(out, d.Callbacks...)
}

// SchemaUse is a schema an operation uses, with the view it is validated in.
type SchemaUse struct {
	Op     *Operation
	Schema *Schema
	View   View
	// Where names the use: "parameter query limit", "request body
	// application/json", "response 200 application/json", "response 200
	// header X-Rate-Limit".
	Where string
}

// SchemaUses lists every schema the operations use.
func (d *Document) SchemaUses() []SchemaUse {
	var out []SchemaUse
	for _, op := range d.AllOperations() {
		for _, p := range op.Parameters {
			if p.Schema != nil {
				out = append(out, SchemaUse{op, p.Schema, RequestView, "parameter " + p.In + " " + p.Name})
			}
			for name, mt := range p.Content {
				if mt.Schema != nil {
					out = append(out, SchemaUse{op, mt.Schema, RequestView, "parameter " + p.In + " " + p.Name + " " + name})
				}
			}
		}
		if op.RequestBody != nil {
			for _, name := range sortedMediaTypes(op.RequestBody.Content) {
				if s := op.RequestBody.Content[name].Schema; s != nil {
					out = append(out, SchemaUse{op, s, RequestView, "request body " + name})
				}
			}
		}
		for _, r := range op.Responses {
			for _, name := range sortedMediaTypes(r.Content) {
				if s := r.Content[name].Schema; s != nil {
					out = append(out, SchemaUse{op, s, ResponseView, "response " + r.Code + " " + name})
				}
			}
			for _, h := range r.Headers {
				if h.Schema != nil {
					out = append(out, SchemaUse{op, h.Schema, ResponseView, "response " + r.Code + " header " + h.Name})
				}
			}
		}
	}
	return out
}

func sortedMediaTypes(m map[string]*MediaType) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	return keys
}

// CompileAll compiles every schema the operations use, the two views in
// parallel. It returns the first compilation errors joined; schemas that
// fail stay uncompiled and Compile keeps returning their error.
func (d *Document) CompileAll(ctx context.Context) error {
	uses := d.SchemaUses()
	var wg sync.WaitGroup
	errs := make([][]error, 2)
	for v := RequestView; v <= ResponseView; v++ {
		wg.Add(1)
		go func(v View) {
			defer wg.Done()
			seen := map[*Schema]bool{}
			for _, u := range uses {
				if ctx.Err() != nil {
					return
				}
				// Parameters and request bodies compile in the request
				// view; response schemas in the response view.
				if u.View != v || seen[u.Schema] {
					continue
				}
				seen[u.Schema] = true
				if _, err := d.Compile(u.Schema, v); err != nil && len(errs[v]) < 20 {
					errs[v] = append(errs[v], err)
				}
			}
		}(v)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(append(errs[0], errs[1]...)...)
}

// MultipartStyles reports whether an Encoding Object's style and explode
// apply to multipart/form-data parts: OpenAPI 3.1 extended them from
// url-encoded forms to multipart (a part per item for an exploded array,
// one "a,b" part otherwise, deepObject part names), where 3.0 ignores
// them there. Where they apply, the encoding's contentType is ignored, as
// for forms.
func (d *Document) MultipartStyles() bool {
	return d.Family != Swagger20 && d.Family != OpenAPI30
}
