package spec

import (
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// The structure of files other than the root. A definition split over
// several files ($ref: 'parameters.yaml#/Limit', $ref: 'paths/pets.yaml')
// has only its root checked by the meta-schema: to the meta-schema, a
// $ref is a Reference Object and what it points to is out of sight. So
// each node of another file that a $ref reaches is checked against the
// part of the meta-schema the referring place expects: a parameter where
// a parameter is expected, a response, a path item, a schema, a request
// body, a header, an example.
//
// The expected part is read from the meta-schema itself, not from a table
// of kinds: the loader walks the root file along the meta-schema (the
// properties, patternProperties, additionalProperties and items that
// apply at each node, through $ref, $dynamicRef and the applicators), and
// where a node holds a $ref, the meta-schema's alternative to the
// Reference Object at that place is the kind its target must be:
//
//   - 2.0: oneOf [parameter, jsonReference] → parameter;
//   - 3.0: oneOf [Parameter, Reference] → Parameter;
//   - 3.1+: if {required: [$ref]} then reference else parameter →
//     parameter;
//   - where the meta-schema offers no Reference Object, the subschema of
//     the place is itself the kind: a path item and a 2.0 schema declare
//     $ref among their own members; a 3.1 schema is any object or
//     boolean (the meta-schema leaves its keywords to JSON Schema, and
//     the $refs inside it are schemas too);
//   - where it expects nothing in particular (an extension, an example's
//     value), a $ref is not followed.
//
// A table would have to follow every place of every version (callbacks,
// webhooks, components.pathItems, the 2.0 body parameter's schema) and
// would silently miss a place the next meta-schema adds. The targets are
// walked in turn with their kind, so $refs from file to file (and local
// ones inside a file) are followed; each target is checked once per kind
// and walked once per kind, which ends the walk on circular references.
// The root file's own nodes are not checked again (the root check covered
// them), and no file is read here: only files the loader has already read
// while resolving the definition's $refs are looked at.

// refKinds reads a meta-schema: which of its subschemas apply at a node,
// and what a $ref at a node must point to. Its memos are per walk. The
// walk names the subschemas that apply at a node by a set (an index in
// sets), so each step from a node to a member is worked out once.
type refKinds struct {
	meta    *metaEntry
	nodes   map[string]map[string]any
	expands map[string][]string
	kinds   map[string][]string
	res     map[string]*regexp.Regexp

	sets   []metaSet
	setIDs map[string]int
	steps  map[metaStep]int
}

// metaSet is the subschemas that apply at a node: as the member or item
// of the node above brings them (raw), with what their references and
// applicators bring in (all). Derived facts are memoized.
type metaSet struct {
	raw, all []string
	// kinds: what a $ref there must point to (kindsAt of each raw).
	kinds []string
	// jsonSchema: jsonSchemaKind of all.
	jsonSchema string
}

// metaStep is a step from a set to a member (key) or an item (index).
type metaStep struct {
	set   int
	key   string
	index int
}

func newRefKinds(meta *metaEntry) *refKinds {
	r := &refKinds{meta: meta, nodes: map[string]map[string]any{}, expands: map[string][]string{}, kinds: map[string][]string{},
		res: map[string]*regexp.Regexp{}, setIDs: map[string]int{}, steps: map[metaStep]int{}}
	r.sets = append(r.sets, metaSet{}) // 0: nothing applies
	return r
}

// set interns a set of subschemas, given as the raw ones.
func (r *refKinds) set(raw []string) int {
	if len(raw) == 0 {
		return 0
	}
	raw = slices.Clone(raw)
	slices.Sort(raw)
	raw = slices.Compact(raw)
	key := strings.Join(raw, "\x00")
	if id, ok := r.setIDs[key]; ok {
		return id
	}
	ms := metaSet{raw: raw, all: r.expandAll(raw)}
	for _, s := range raw {
		for _, k := range r.kindsAt(s) {
			if !slices.Contains(ms.kinds, k) {
				ms.kinds = append(ms.kinds, k)
			}
		}
	}
	ms.jsonSchema = r.jsonSchemaKind(ms.all)
	r.sets = append(r.sets, ms)
	r.setIDs[key] = len(r.sets) - 1
	return len(r.sets) - 1
}

// member is the set that applies to the member key of a node set applies
// to.
func (r *refKinds) member(set int, key string) int {
	if set == 0 {
		return 0
	}
	st := metaStep{set: set, key: key, index: -1}
	if id, ok := r.steps[st]; ok {
		return id
	}
	id := r.set(r.property(r.sets[set].all, key))
	r.steps[st] = id
	return id
}

// element is the set that applies to item i of an array set applies to.
func (r *refKinds) element(set, i int) int {
	if set == 0 {
		return 0
	}
	st := metaStep{set: set, index: i}
	if id, ok := r.steps[st]; ok {
		return id
	}
	id := r.set(r.item(r.sets[set].all, i))
	r.steps[st] = id
	return id
}

// node is the meta-schema's subschema at ptr, nil for a boolean schema or
// nothing.
func (r *refKinds) node(ptr string) map[string]any {
	if n, ok := r.nodes[ptr]; ok {
		return n
	}
	v, _ := lookup(r.meta.doc, ptr)
	r.nodes[ptr] = asMap(v)
	return r.nodes[ptr]
}

// target is the pointer a subschema's $ref or $dynamicRef names inside
// the meta-schema. References to other documents (2.0 and 3.0 name
// draft-04's own meta-schema) are not followed.
func (r *refKinds) target(n map[string]any) (string, bool) {
	if ref, ok := n["$ref"].(string); ok {
		frag, ok := strings.CutPrefix(ref, "#")
		if !ok {
			return "", false
		}
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
		return frag, true
	}
	if ref, ok := n["$dynamicRef"].(string); ok {
		ptr, ok := r.meta.anchors[strings.TrimPrefix(ref, "#")]
		return ptr, ok
	}
	return "", false
}

// annotations are keywords that assert nothing.
var annotations = map[string]bool{"$comment": true, "description": true, "title": true, "default": true, "examples": true, "example": true}

// pure reports a subschema that is only a reference to another.
func pure(n map[string]any) bool {
	for k := range n {
		if k != "$ref" && k != "$dynamicRef" && !annotations[k] {
			return false
		}
	}
	return true
}

// trivial reports a subschema that accepts anything: {}, true, or 2.0's
// vendorExtension.
func trivial(n map[string]any) bool {
	for k, v := range n {
		if annotations[k] {
			continue
		}
		if (k == "additionalProperties" || k == "additionalItems") && v == true {
			continue
		}
		return false
	}
	return true
}

// resolve follows pure references from ptr to the subschema that says
// something.
func (r *refKinds) resolve(ptr string) string {
	for hop := 0; hop < 16; hop++ {
		n := r.node(ptr)
		t, ok := r.target(n)
		if n == nil || !ok || !pure(n) {
			break
		}
		ptr = t
	}
	return ptr
}

// isReference reports the meta-schema's Reference Object: a subschema
// that requires $ref (2.0's jsonReference, 3.0's Reference).
func (r *refKinds) isReference(ptr string) bool {
	req, _ := r.node(ptr)["required"].([]any)
	return slices.Contains(req, any("$ref"))
}

// kindsAt returns what a $ref written where the subschema ptr applies
// must point to: pointers of subschemas, none where the meta-schema
// expects nothing in particular (an extension, an example's value).
func (r *refKinds) kindsAt(ptr string) []string {
	if k, ok := r.kinds[ptr]; ok {
		return k
	}
	r.kinds[ptr] = nil // a loop of unions is no kind
	ptr0 := ptr
	ptr = r.resolve(ptr)
	n := r.node(ptr)
	var out []string
	switch {
	case n == nil || trivial(n) || r.isReference(ptr):
	case asMap(n["if"]) != nil && slices.Contains(asSlice(asMap(n["if"])["required"]), any("$ref")):
		// 3.1+: if it is a reference, then a Reference Object, else
		// the kind.
		if _, ok := n["else"]; ok {
			out = r.kindsAt(JoinPointer(ptr, "else"))
		}
	default:
		out = []string{ptr}
		for _, kw := range []string{"oneOf", "anyOf"} {
			branches := asSlice(n[kw])
			refAlt := false
			for i := range branches {
				if r.isReference(r.resolve(JoinPointer(ptr, kw, strconv.Itoa(i)))) {
					refAlt = true
				}
			}
			if !refAlt {
				continue
			}
			// 2.0 and 3.0: one of the kind and a Reference Object.
			out = nil
			for i := range branches {
				out = append(out, r.kindsAt(JoinPointer(ptr, kw, strconv.Itoa(i)))...)
			}
			break
		}
	}
	r.kinds[ptr0] = out
	return out
}

// expand returns the subschemas that apply to the same node as ptr:
// itself and what its references and applicators bring in. Every branch
// of a oneOf, anyOf or if/then/else counts: the walk only looks for the
// places $refs are written, so it may as well look in all of them.
func (r *refKinds) expand(ptr string) []string {
	if e, ok := r.expands[ptr]; ok {
		return e
	}
	seen := map[string]bool{}
	var out []string
	var visit func(p string, depth int)
	visit = func(p string, depth int) {
		if seen[p] || depth > 32 {
			return
		}
		seen[p] = true
		n := r.node(p)
		if n == nil {
			return
		}
		out = append(out, p)
		if t, ok := r.target(n); ok {
			visit(t, depth+1)
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			for i := range asSlice(n[kw]) {
				visit(JoinPointer(p, kw, strconv.Itoa(i)), depth+1)
			}
		}
		for _, kw := range []string{"then", "else"} {
			if _, ok := n[kw]; ok {
				visit(JoinPointer(p, kw), depth+1)
			}
		}
		for _, name := range sortedKeys(asMap(n["dependentSchemas"])) {
			visit(JoinPointer(p, "dependentSchemas", name), depth+1)
		}
	}
	visit(ptr, 0)
	r.expands[ptr] = out
	return out
}

// expandAll is expand over a set.
func (r *refKinds) expandAll(set []string) []string {
	var out []string
	for _, s := range set {
		for _, p := range r.expand(s) {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// property returns the subschemas of a set that apply to its member key.
func (r *refKinds) property(set []string, key string) []string {
	var out []string
	for _, s := range set {
		n := r.node(s)
		matched := false
		if _, ok := asMap(n["properties"])[key]; ok {
			out = append(out, JoinPointer(s, "properties", key))
			matched = true
		}
		for _, pat := range sortedKeys(asMap(n["patternProperties"])) {
			re, ok := r.res[pat]
			if !ok {
				re, _ = regexp.Compile(pat)
				r.res[pat] = re
			}
			if re != nil && re.MatchString(key) {
				out = append(out, JoinPointer(s, "patternProperties", pat))
				matched = true
			}
		}
		if _, ok := n["additionalProperties"].(map[string]any); ok && !matched {
			out = append(out, JoinPointer(s, "additionalProperties"))
		}
	}
	return out
}

// item returns the subschemas of a set that apply to its item i.
func (r *refKinds) item(set []string, i int) []string {
	var out []string
	for _, s := range set {
		n := r.node(s)
		if prefix := asSlice(n["prefixItems"]); i < len(prefix) {
			out = append(out, JoinPointer(s, "prefixItems", strconv.Itoa(i)))
			continue
		}
		switch items := n["items"].(type) {
		case map[string]any:
			out = append(out, JoinPointer(s, "items"))
		case []any:
			if i < len(items) {
				out = append(out, JoinPointer(s, "items", strconv.Itoa(i)))
			}
		}
	}
	return out
}

// declaresRef reports a set that describes $ref as a member of its own
// (a path item, a 2.0 schema): a node with $ref is then one of its kind,
// not only a reference.
func (r *refKinds) declaresRef(set []string) bool {
	for _, s := range r.expandAll(set) {
		if _, ok := asMap(r.node(s)["properties"])["$ref"]; ok {
			return true
		}
	}
	return false
}

// jsonSchemaKind returns, from a set, a subschema that stands for a JSON
// Schema the meta-schema does not look into (3.1+: a $dynamicAnchor with
// no properties of its own), "" if none.
func (r *refKinds) jsonSchemaKind(set []string) string {
	for _, s := range set {
		n := r.node(s)
		if _, ok := n["$dynamicAnchor"]; ok && n["properties"] == nil {
			return s
		}
	}
	return ""
}

// dynamicAnchors maps a meta-schema's $dynamicAnchor names to pointers.
func dynamicAnchors(doc any) map[string]string {
	out := map[string]string{}
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			if a, ok := v["$dynamicAnchor"].(string); ok {
				out[a] = ptr
			}
			for k, c := range v {
				walk(c, JoinPointer(ptr, k))
			}
		case []any:
			for i, c := range v {
				walk(c, JoinPointer(ptr, strconv.Itoa(i)))
			}
		}
	}
	walk(doc, "")
	return out
}

// escapeFragment writes a JSON pointer as a URI fragment.
func escapeFragment(ptr string) string {
	toks := strings.Split(ptr, "/")
	for i, t := range toks {
		toks[i] = url.PathEscape(t)
	}
	return strings.Join(toks, "/")
}

// refTarget is a node a $ref reaches and the kind it must be.
type refTarget struct {
	at   NodeRef
	kind string
}

// externalWalk finds the nodes of other files the $refs reach.
type externalWalk struct {
	fs    *fileSet
	kinds *refKinds
	seen  map[refTarget]bool
	queue []refTarget
}

// externalStructure checks the nodes of files other than the root that
// the definition's $refs reach, each against the kind its referring place
// expects. The problems come sorted by file and location, one at a
// location.
func externalStructure(d *Document, meta *metaEntry, top map[string]any) []structureLeaf {
	fs := d.files
	fs.mu.Lock()
	files := len(fs.order)
	fs.mu.Unlock()
	if files < 2 {
		return nil
	}
	w := &externalWalk{fs: fs, kinds: newRefKinds(meta), seen: map[refTarget]bool{}}
	w.walk(fs.rootKey, "", nil, top, w.kinds.set([]string{""}))
	type found struct {
		structureLeaf
		from refTarget
	}
	var all []found
	for i := 0; i < len(w.queue); i++ { // the queue grows as targets are walked
		t := w.queue[i]
		v, _ := lookup(fs.get(t.at.File).tree, t.at.Pointer)
		if t.at.File != fs.rootKey && w.checked(v, t.kind) {
			if schema, err := meta.part(t.kind); err == nil {
				for _, l := range structureLeaves(meta, schema, v, t.at) {
					if !l.located {
						l.at, l.located = t.at, true
					}
					all = append(all, found{l, t})
				}
			}
		}
		w.walk(t.at.File, t.at.Pointer, nil, v, w.kinds.set([]string{t.kind}))
	}
	// The walk's order follows map iteration: sort, then keep the first
	// problem at each location.
	sort.Slice(all, func(i, j int) bool {
		a, b := all[i], all[j]
		switch {
		case a.at != b.at:
			return a.at.File < b.at.File || a.at.File == b.at.File && a.at.Pointer < b.at.Pointer
		case a.from.kind != b.from.kind:
			return a.from.kind < b.from.kind
		}
		return a.from.at.Pointer < b.from.at.Pointer
	})
	var out []structureLeaf
	for i, f := range all {
		if i == 0 || f.at != all[i-1].at {
			out = append(out, f.structureLeaf)
		}
	}
	return out
}

// checked reports whether a target is checked as its kind: a node that is
// itself only a reference is not (the node it leads to is), unless the
// kind has $ref among its own members (a path item).
func (w *externalWalk) checked(v any, kind string) bool {
	if _, ok := asMap(v)["$ref"].(string); ok {
		return w.kinds.declaresRef([]string{kind})
	}
	return true
}

// walk looks for $refs in the node v of file, at the pointer base plus
// the tokens path, which the set of subschemas applies to, and queues
// their targets. The pointer is only written out at a $ref.
func (w *externalWalk) walk(file, base string, path []string, v any, set int) {
	if set == 0 {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		ms := w.kinds.sets[set]
		if ref, ok := x["$ref"].(string); ok {
			for _, k := range ms.kinds {
				w.add(NodeRef{File: file, Pointer: JoinPointer(base, path...)}, ref, k)
			}
		}
		if k := ms.jsonSchema; k != "" {
			// A JSON Schema: each $ref in it is a schema.
			walkRefs(x, JoinPointer(base, path...), func(refPtr, ref string) {
				w.add(NodeRef{File: file, Pointer: strings.TrimSuffix(refPtr, "/$ref")}, ref, k)
			})
			return
		}
		for key, c := range x {
			switch c.(type) {
			case map[string]any, []any:
				w.walk(file, base, append(path, key), c, w.kinds.member(set, key))
			}
		}
	case []any:
		for i, c := range x {
			switch c.(type) {
			case map[string]any, []any:
				w.walk(file, base, append(path, strconv.Itoa(i)), c, w.kinds.element(set, i))
			}
		}
	}
}

// add queues the target of ref, written in the object at holder, as kind,
// unless it was queued as kind already. Only files already read are
// looked at: one that could not be read is reported where its $ref is.
func (w *externalWalk) add(holder NodeRef, ref, kind string) {
	target, err := w.fs.resolveRefAt(holder, ref)
	if err != nil {
		return
	}
	f := w.fs.get(target.File)
	if f == nil {
		return
	}
	if _, ok := lookup(f.tree, target.Pointer); !ok {
		return
	}
	t := refTarget{target, kind}
	if w.seen[t] {
		return
	}
	w.seen[t] = true
	w.queue = append(w.queue, t)
}
