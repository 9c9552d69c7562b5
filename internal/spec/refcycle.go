package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// Local $ref chains that loop (A: {$ref: B}, B: {$ref: A}) make libopenapi
// recurse without bound: the goroutine overflows its stack, which is a
// fatal error that recover cannot catch. Before libopenapi sees a document,
// refCycle looks for such a chain; if there is one, libopenapi is not run on
// that document (checkAllRefs reports the cycle as circular-ref with exact
// locations).

// refCycle reports whether the $ref nodes of one document, given as
// pointer-of-the-node → $ref string, contain a chain of same-document
// references that comes back to a node already in the chain. key is the
// document's absolute path (same-file refs such as "spec.yaml#/A" count as
// local). It runs in time linear in the number of $ref nodes.
func refCycle(refs map[string]string, key string) bool {
	const (
		unvisited = iota
		onChain
		done
	)
	state := make(map[string]uint8, len(refs))
	for start := range refs {
		if state[start] != unvisited {
			continue
		}
		var chain []string
		cur := start
		for {
			st := state[cur]
			if st == onChain {
				return true
			}
			if st == done {
				break
			}
			ref, ok := refs[cur]
			if !ok {
				break
			}
			state[cur] = onChain
			chain = append(chain, cur)
			next, local := localRefPointer(key, ref)
			if !local {
				break
			}
			cur = next
		}
		for _, p := range chain {
			state[p] = done
		}
	}
	return false
}

// localRefPointer returns the JSON pointer a $ref names when it points into
// the document itself (key), in the escaped form JoinPointer builds.
func localRefPointer(key, ref string) (string, bool) {
	filePart, frag, _ := strings.Cut(ref, "#")
	if filePart != "" {
		if key == stdinKey || isRemote(filePart) || isRemote(key) || strings.Contains(filePart, "://") {
			return "", false
		}
		if u, err := url.PathUnescape(filePart); err == nil {
			filePart = u
		}
		p := filepath.FromSlash(filePart)
		if !filepath.IsAbs(p) {
			p = filepath.Join(filepath.Dir(key), p)
		}
		if filepath.Clean(p) != filepath.Clean(key) {
			return "", false
		}
	}
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	frag = strings.TrimSuffix(frag, "/")
	if frag != "" && !strings.HasPrefix(frag, "/") {
		return "", false
	}
	return frag, true
}

// treeRefs collects the $ref nodes of a parsed tree: pointer of the object
// holding "$ref" → its value.
func treeRefs(v any) map[string]string {
	refs := map[string]string{}
	// The path is kept as tokens and joined only at a $ref, so the walk
	// allocates nothing for the other nodes.
	var path []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok {
				refs[JoinPointer("", path...)] = r
			}
			for k, c := range x {
				switch c.(type) {
				case map[string]any, []any:
					path = append(path, k)
					walk(c)
					path = path[:len(path)-1]
				}
			}
		case []any:
			for i, c := range x {
				switch c.(type) {
				case map[string]any, []any:
					path = append(path, strconv.Itoa(i))
					walk(c)
					path = path[:len(path)-1]
				}
			}
		}
	}
	walk(v)
	return refs
}

// jsonRefs collects the $ref nodes of JSON text without building a tree,
// for the large-JSON path where libopenapi runs before our own parse. The
// text must already have passed checkJSON. ok is false if the text could
// not be read.
func jsonRefs(data []byte) (refs map[string]string, ok bool) {
	refs = map[string]string{}
	if !bytes.Contains(data, []byte(`"$ref"`)) && !bytes.Contains(data, []byte(`\u0024ref`)) {
		return refs, true
	}
	type frame struct {
		tok    string // how the parent reaches this container
		object bool
		index  int    // next array index
		key    string // current object key, once read
		hasKey bool
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var stack []frame
	// childTok is the token of the value about to be read.
	childTok := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := &stack[len(stack)-1]
		if f.object {
			return f.key
		}
		return strconv.Itoa(f.index)
	}
	// topPtr is the pointer of the innermost container.
	topPtr := func() string {
		var sb strings.Builder
		for _, f := range stack[1:] {
			sb.WriteByte('/')
			sb.WriteString(EscapeToken(f.tok))
		}
		return sb.String()
	}
	// valueDone advances the parent after a value has been read.
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		f := &stack[len(stack)-1]
		if f.object {
			f.hasKey = false
		} else {
			f.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return refs, len(stack) == 0 && errors.Is(err, io.EOF)
		}
		if len(stack) > 0 {
			f := &stack[len(stack)-1]
			if f.object && !f.hasKey {
				if d, isDelim := tok.(json.Delim); isDelim && d == '}' {
					stack = stack[:len(stack)-1]
					valueDone()
					continue
				}
				k, isStr := tok.(string)
				if !isStr {
					return refs, false
				}
				f.key, f.hasKey = k, true
				continue
			}
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{tok: childTok(), object: true})
			case '[':
				stack = append(stack, frame{tok: childTok()})
			case ']', '}':
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if len(stack) > 0 {
				if f := stack[len(stack)-1]; f.object && f.key == "$ref" {
					refs[topPtr()] = t
				}
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// maxCallbackChains bounds the callback chains (an operation's callback,
// that callback's operations' callbacks, and so on) a definition may name
// before libopenapi is not run on it. Real definitions name a handful.
const maxCallbackChains = 1000

// callbackCycle reports whether libopenapi would not finish on the
// document's callbacks: a path item is its own callback (an operation's
// callback names a path item that encloses it, directly or through other
// path items and files: a $ref back to the path item), or callbacks of
// callbacks branch into more than maxCallbackChains chains. libopenapi
// builds callbacks of callbacks along every chain, without end on a loop
// and exponentially when they branch: its goroutine keeps a processor busy
// and its memory grows, so it is not run. (The builder follows each path
// item's callbacks once.) $refs are followed as the builder follows them.
func (fs *fileSet) callbackCycle(top map[string]any) bool {
	const onChain = -1
	b := &builder{fs: fs}
	// chains holds, per path item whose walk has finished, how many
	// callback chains start from its operations (capped past the limit).
	chains := map[NodeRef]int{}
	var pathItem func(at NodeRef, v any) (int, bool)
	callbacks := func(at NodeRef, v any) (int, bool) {
		at, v, _ = b.deref(at, v)
		cb := asMap(v)
		n := 0
		for _, expr := range sortedKeys(cb) {
			below, loop := pathItem(NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, expr)}, cb[expr])
			if loop {
				return 0, true
			}
			n = min(n+1+below, maxCallbackChains+1)
		}
		return n, false
	}
	pathItem = func(at NodeRef, v any) (int, bool) {
		at, v, _ = b.deref(at, v)
		item := asMap(v)
		if item == nil {
			return 0, false
		}
		if n, seen := chains[at]; seen {
			return n, n == onChain
		}
		chains[at] = onChain
		type operation struct {
			at NodeRef
			op map[string]any
		}
		var ops []operation
		for _, m := range HTTPMethods {
			ops = append(ops, operation{NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, m)}, asMap(item[m])})
		}
		extra := asMap(item["additionalOperations"])
		for _, m := range sortedKeys(extra) {
			ops = append(ops, operation{NodeRef{File: at.File, Pointer: JoinPointer(at.Pointer, "additionalOperations", m)}, asMap(extra[m])})
		}
		n := 0
		for _, op := range ops {
			cbs := asMap(op.op["callbacks"])
			for _, name := range sortedKeys(cbs) {
				below, loop := callbacks(NodeRef{File: op.at.File, Pointer: JoinPointer(op.at.Pointer, "callbacks", name)}, cbs[name])
				if loop {
					return 0, true
				}
				n = min(n+below, maxCallbackChains+1)
			}
		}
		chains[at] = n
		return n, false
	}
	total := 0
	tooMany := func(n int, loop bool) bool {
		total = min(total+n, maxCallbackChains+1)
		return loop || total > maxCallbackChains
	}
	root := fs.rootKey
	for _, section := range []string{"paths", "webhooks"} {
		items := asMap(top[section])
		for _, name := range sortedKeys(items) {
			if tooMany(pathItem(NodeRef{File: root, Pointer: JoinPointer("/"+section, name)}, items[name])) {
				return true
			}
		}
	}
	comps := asMap(top["components"])
	items, cbs := asMap(comps["pathItems"]), asMap(comps["callbacks"])
	for _, name := range sortedKeys(items) {
		if tooMany(pathItem(NodeRef{File: root, Pointer: JoinPointer("/components/pathItems", name)}, items[name])) {
			return true
		}
	}
	for _, name := range sortedKeys(cbs) {
		if tooMany(callbacks(NodeRef{File: root, Pointer: JoinPointer("/components/callbacks", name)}, cbs[name])) {
			return true
		}
	}
	return false
}
