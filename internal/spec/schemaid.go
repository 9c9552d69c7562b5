package spec

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
)

// JSON Schema 2020-12 identifies schemas by URI as well as by location:
// `$id` gives a schema (and everything lexically inside it) a base URI,
// `$anchor` names a schema inside its resource, and a `$ref` is a URI
// reference resolved against the base URI in effect where it is written.
// OpenAPI 3.1 and 3.2 schemas are 2020-12 schemas; in 2.0 and 3.0 the two
// keywords mean nothing and references stay plain file#pointer locators.
//
// The loader turns such references into the same (file, pointer) node
// references as every other $ref, so the model, the audit and the schema
// compiler (which receives each schema as its own resource) all follow one
// resolution. An identifier is only ever looked up in the definition's own
// files: a reference whose target a `$id` base produced, and that no `$id`
// of the definition declares, is unresolved and is not fetched, even when
// remote references are allowed. A reference written as an absolute http(s)
// URL that no `$id` declares is a remote reference as before.

// idIndex is what one file declares: its `$id` scopes and `$anchor`s.
type idIndex struct {
	base string // the file's own base URI
	// scopes maps the pointer of each schema with a `$id` to the absolute
	// URI (without fragment) it declares.
	scopes map[string]string
	// resources maps a declared URI to the pointer of its schema.
	resources map[string]string
	// anchors maps "resource URI#name" to the pointer of the schema.
	anchors  map[string]string
	problems []Problem
}

// anchorName is the 2020-12 syntax of `$anchor`.
var anchorName = regexp.MustCompile(`^[A-Za-z_][-A-Za-z0-9._]*$`)

// fileBaseURI is the base URI of a file before any `$id`: its location.
func fileBaseURI(key string) string {
	if isRemote(key) {
		return key
	}
	p := key
	if key == stdinKey {
		// Relative references from standard input resolve against the
		// working directory (see resolveRef).
		wd, _ := os.Getwd()
		p = filepath.Join(wd, stdinKey)
	}
	p = filepath.ToSlash(p)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a Windows drive path
	}
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// joinURI resolves ref against base and drops the fragment.
func joinURI(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	u := b.ResolveReference(r)
	u.Fragment, u.RawFragment = "", ""
	return u.String(), nil
}

// ids returns the index of file f, building it on first use. Only 3.1+
// definitions have one.
func (fs *fileSet) ids(f *file) *idIndex {
	if !fs.schemaIDs {
		return nil
	}
	f.idsOnce.Do(func() { f.idx = fs.buildIDs(f) })
	return f.idx
}

// nameMaps are keywords and OpenAPI fields whose value maps names to
// objects: their keys are names, not keywords, so a property called
// "default" (or the default response) is still walked.
var nameMaps = map[string]bool{"properties": true, "patternProperties": true, "$defs": true, "definitions": true,
	"dependentSchemas": true, "schemas": true, "responses": true, "parameters": true, "headers": true,
	"requestBodies": true, "content": true, "callbacks": true, "pathItems": true, "paths": true, "webhooks": true,
	"encoding": true}

func (fs *fileSet) buildIDs(f *file) *idIndex {
	idx := &idIndex{base: fileBaseURI(f.key), resources: map[string]string{}, anchors: map[string]string{}}
	values := map[string]any{} // pointer -> node, for duplicate checks
	problem := func(code, ptr, msg string) {
		idx.problems = append(idx.problems, Problem{Code: code, Message: msg, Loc: fs.locate(NodeRef{File: f.key, Pointer: ptr}), Error: true})
	}
	var walk func(v any, ptr, base string, names bool)
	walk = func(v any, ptr, base string, names bool) {
		switch x := v.(type) {
		case map[string]any:
			// The root of the OpenAPI document is not a schema.
			schemaCtx := !names && !(ptr == "" && f.key == fs.rootKey)
			if id, ok := x["$id"].(string); ok && schemaCtx {
				u, err := joinURI(base, id)
				switch {
				case strings.TrimSuffix(id, "#") == "":
					// Names the current base: nothing changes.
				case err != nil:
					problem("invalid-schema-id", JoinPointer(ptr, "$id"), fmt.Sprintf("$id %q is not a URI reference: %v", id, err))
				case strings.Contains(strings.TrimSuffix(id, "#"), "#"):
					problem("invalid-schema-id", JoinPointer(ptr, "$id"), fmt.Sprintf("$id %q has a fragment; name a schema inside a resource with $anchor", id))
				default:
					if prev, dup := idx.resources[u]; dup {
						if !reflect.DeepEqual(values[prev], x) {
							problem("duplicate-schema-id", JoinPointer(ptr, "$id"), fmt.Sprintf("$id %q (%s) is already declared at %s", id, u, fs.locate(NodeRef{File: f.key, Pointer: prev})))
						}
					} else {
						idx.resources[u] = ptr
						values[ptr] = x
					}
					if idx.scopes == nil {
						idx.scopes = map[string]string{}
					}
					idx.scopes[ptr] = u
					base = u
				}
			}
			if a, ok := x["$anchor"].(string); ok && schemaCtx {
				if !anchorName.MatchString(a) {
					problem("invalid-schema-anchor", JoinPointer(ptr, "$anchor"), fmt.Sprintf("$anchor %q is not a valid anchor name (a letter or underscore, then letters, digits, '-', '_', '.')", a))
				} else if prev, dup := idx.anchors[base+"#"+a]; dup {
					if !reflect.DeepEqual(values[prev], x) {
						problem("duplicate-schema-anchor", JoinPointer(ptr, "$anchor"), fmt.Sprintf("$anchor %q is already declared in the same schema resource at %s", a, fs.locate(NodeRef{File: f.key, Pointer: prev})))
					}
				} else {
					idx.anchors[base+"#"+a] = ptr
					values[ptr] = x
				}
			}
			for k, c := range x {
				switch c.(type) {
				case map[string]any, []any:
				default:
					continue
				}
				if !names && (isValueKeyword(k) || strings.HasPrefix(k, "x-")) {
					// Data, not schemas: examples, defaults, extensions.
					continue
				}
				walk(c, JoinPointer(ptr, k), base, !names && nameMaps[k])
			}
		case []any:
			for i, c := range x {
				walk(c, JoinPointer(ptr, fmt.Sprint(i)), base, false)
			}
		}
	}
	walk(f.tree, "", idx.base, false)
	return idx
}

// baseAt returns the base URI in effect at pointer ptr of the file, and the
// pointer of the schema whose `$id` set it (scoped is false when no `$id`
// encloses ptr: the base is the file's own).
func (idx *idIndex) baseAt(ptr string) (base, scopePtr string, scoped bool) {
	base = idx.base
	if len(idx.scopes) == 0 {
		return base, "", false
	}
	if u, ok := idx.scopes[""]; ok {
		base, scoped = u, true
	}
	cur := ""
	for _, tok := range SplitPointer(ptr) {
		cur = JoinPointer(cur, tok)
		if u, ok := idx.scopes[cur]; ok {
			base, scopePtr, scoped = u, cur, true
		}
	}
	return base, scopePtr, scoped
}

// resolveRefAt resolves a $ref written in the schema object at `at`. For
// 2.0 and 3.0 it is resolveRef; for 3.1+ the base URI comes from the
// enclosing `$id`s and a plain-name fragment names an `$anchor`.
func (fs *fileSet) resolveRefAt(at NodeRef, ref string) (NodeRef, error) {
	if !fs.schemaIDs {
		return fs.resolveRef(at.File, ref)
	}
	f, err := fs.load(at.File)
	if err != nil {
		return fs.resolveRef(at.File, ref)
	}
	idx := fs.ids(f)
	filePart, frag, _ := strings.Cut(ref, "#")
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	anchor := frag != "" && !strings.HasPrefix(frag, "/")
	base, scopePtr, scoped := idx.baseAt(at.Pointer)
	if !scoped && !anchor && (filePart == "" || len(idx.resources) == 0 && fs.rootIDs() == 0) {
		// Nothing 2020-12 changes: a plain locator.
		return fs.resolveRef(at.File, ref)
	}

	// The resource the reference names: file, pointer of its schema, URI.
	var resFile, resPtr, resURI string
	switch {
	case filePart == "" && scoped:
		resFile, resPtr, resURI = at.File, scopePtr, base
	case filePart == "":
		resFile, resPtr, resURI = at.File, "", idx.base
	default:
		abs, err := joinURI(base, filePart)
		if err == nil {
			if file, ptr, ok := fs.lookupID(abs, at.File); ok {
				resFile, resPtr, resURI = file, ptr, abs
				break
			}
		}
		u, perr := url.Parse(abs)
		switch {
		case !scoped || err != nil || perr != nil || isRemote(filePart):
			// Not an identifier the definition declares: a file or URL
			// relative to the referring file, as in 3.0.
			target, err := fs.resolveRef(at.File, filePart)
			if err != nil {
				return NodeRef{}, fmt.Errorf("$ref %q: %w", ref, err)
			}
			resFile, resPtr, resURI = target.File, "", fileBaseURI(target.File)
		case u.Scheme == "file":
			// A file next to the one a file-based $id names.
			resFile = filepath.Clean(filepath.FromSlash(u.Path))
			resPtr, resURI = "", fileBaseURI(resFile)
		default:
			return NodeRef{}, fmt.Errorf("$ref %q resolves to %s (against the $id at %s), which no $id of the definition declares; identifiers are not fetched", ref, abs, fs.locate(NodeRef{File: at.File, Pointer: JoinPointer(scopePtr, "$id")}))
		}
	}
	if !anchor {
		return NodeRef{File: resFile, Pointer: resPtr + frag}, nil
	}
	rf, err := fs.load(resFile)
	if err != nil {
		return NodeRef{}, fmt.Errorf("$ref %q: %w", ref, err)
	}
	if ptr, ok := fs.ids(rf).anchors[resURI+"#"+frag]; ok {
		return NodeRef{File: resFile, Pointer: ptr}, nil
	}
	return NodeRef{}, fmt.Errorf("$ref %q: no $anchor %q in %s", ref, frag, resURI)
}

// rootIDs is the number of identifiers the root file declares.
func (fs *fileSet) rootIDs() int {
	f := fs.get(fs.rootKey)
	if f == nil {
		return 0
	}
	return len(fs.ids(f).resources)
}

// lookupID finds the schema a `$id` URI names, in the referring file or
// the root file.
func (fs *fileSet) lookupID(uri, from string) (file, ptr string, ok bool) {
	for _, key := range []string{from, fs.rootKey} {
		f := fs.get(key)
		if f == nil {
			continue
		}
		if ptr, ok := fs.ids(f).resources[uri]; ok {
			return key, ptr, true
		}
	}
	return "", "", false
}

// idProblems reports the invalid and duplicate identifiers of every file
// loaded.
func (fs *fileSet) idProblems() []Problem {
	if !fs.schemaIDs {
		return nil
	}
	var out []Problem
	for i := 0; i < len(fs.order); i++ {
		if f := fs.get(fs.order[i]); f != nil {
			out = append(out, fs.ids(f).problems...)
		}
	}
	return out
}
