package audit

import (
	"maps"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// The schema walk. Every schema an operation uses (doc.SchemaUses) is
// followed through $ref chains, properties, items, compositions and the
// other subschema keywords to any depth. Each schema node is identified by
// where it is defined (file and pointer after following $ref), so a shared
// schema is one node however many operations reach it: the graph is built
// once, the operations reaching each node are propagated along it in
// topological order of its strongly connected components (recursive
// schemas form cycles), and each node is checked once. The work is linear
// in the size of the schemas plus the number of operations per node.

type bitset []uint64

func (b bitset) set(i int)      { b[i/64] |= 1 << (i % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(i%64)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		if i < len(o) {
			b[i] |= o[i]
		}
	}
}

// without returns a new set of b's members that are not in o.
func (b bitset) without(o bitset) bitset {
	out := make(bitset, len(b))
	for i, w := range b {
		if i < len(o) {
			w &^= o[i]
		}
		out[i] = w
	}
	return out
}
func (b bitset) subsetOf(o bitset) bool {
	for i, w := range b {
		var ow uint64
		if i < len(o) {
			ow = o[i]
		}
		if w&^ow != 0 {
			return false
		}
	}
	return true
}
func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}
func (b bitset) each(fn func(int)) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			fn(i*64 + t)
			w &^= 1 << t
		}
	}
}

type snode struct {
	at   spec.NodeRef
	m    map[string]any
	kids []int32
	req  bitset
	resp bitset
	// reqShared/respShared: the set is another node's (or the common empty
	// set) and must be copied before it is written. Most schemas have one
	// parent and inherit its operations unchanged; sharing the parent's
	// set saves a bitset of every operation per schema (hundreds of MB on
	// definitions with 10 000+ operations).
	reqShared, respShared bool
	// member: reached as an allOf/anyOf/oneOf member; nonMember: reached
	// some other way. The composing schema closes its members.
	member, nonMember bool
	// untyped: reached at least once where nothing else sets the type (on
	// its own, or as a member of a composition that does not); a typeless
	// allOf: [$ref Pet, {properties: ...}] member is typed by Pet.
	untyped bool
	// plain: reached at least once other than as a composition member or
	// a $ref target, where nothing beside the schema constrains the value.
	plain bool
	// ctx holds the bound keywords (boundKeys) that every way of reaching
	// the node adds from outside it: the composing schemas' own and, for
	// allOf, the sibling members'. {allOf: [{type: string}, {maxLength:
	// 10}]} is one bounded string although neither member is.
	ctx                 map[string]any
	readOnly, writeOnly bool
	// tarjan state
	index, low int32
	onStack    bool
}

type graph struct {
	r       *run
	nodes   []*snode
	ids     map[spec.NodeRef]int32
	refs    map[[2]string]refTarget
	words   int
	visited int
	// down holds, per node, the bound keywords it and its allOf members
	// and $ref targets set (see contexts).
	down []map[string]any
}

type refTarget struct {
	at spec.NodeRef
	v  any
	ok bool
}

// subschema keywords whose value is one schema: the contract model's,
// and draft 2019-09's additionalItems, which 2.0 and 3.0 authors write
// and some validators honour.
var singleKids = append(slices.Clone(spec.SubschemaKeywords), "additionalItems")

// keywords whose value is a list of schemas; compositions mark members.
var listKids = spec.SubschemaListKeywords

// keywords whose value maps names to schemas.
var mapKids = []string{"properties", "patternProperties", "dependentSchemas"}

func (g *graph) resolve(from spec.NodeRef, s string) refTarget {
	// A $ref string means the same thing everywhere in a file, except
	// under a 3.1 $id, which sets its own base URI.
	k := [2]string{from.File + "\x00" + g.r.doc.RefBase(from), s}
	if t, ok := g.refs[k]; ok {
		return t
	}
	var t refTarget
	if target, err := g.r.doc.ResolveRefAt(from, s); err == nil {
		if v, ok := g.r.doc.Value(target); ok {
			t = refTarget{at: target, v: v, ok: true}
		}
	}
	g.refs[k] = t
	return t
}

// reach says how a schema is reached.
type reach uint8

const (
	alone       reach = iota // a use, a property, items, ...
	member                   // an allOf/anyOf/oneOf member
	typedMember              // a member whose composing schema, or (allOf) a sibling, sets type
)

// visit returns the node for the schema at `at`, building it and its
// descendants on first sight; -1 for values that are not schema objects.
func (g *graph) visit(at spec.NodeRef, v any, how reach) int32 {
	id := g.build(at, v, how)
	if id >= 0 && how == alone {
		g.nodes[id].plain = true
	}
	return id
}

// build is visit without marking the node plain: a $ref target is
// reached the way its $ref is, and the $ref's siblings still apply.
func (g *graph) build(at spec.NodeRef, v any, how reach) int32 {
	m, ok := v.(map[string]any)
	if !ok {
		return -1
	}
	if id, ok := g.ids[at]; ok {
		n := g.nodes[id]
		n.member = n.member || how != alone
		n.nonMember = n.nonMember || how == alone
		n.untyped = n.untyped || how != typedMember
		return id
	}
	if g.r.canceled != nil {
		return -1
	}
	g.visited++
	if g.visited%2048 == 0 {
		if err := g.r.ctx.Err(); err != nil {
			g.r.canceled = err
			return -1
		}
	}
	// Siblings of a $ref the firewall does not enforce (before 3.1) are
	// not read here either.
	if ignored := g.r.doc.IgnoredRefSiblings(at, m); len(ignored) > 0 {
		m = maps.Clone(m)
		for _, ig := range ignored {
			delete(m, ig.Key)
		}
	}
	id := int32(len(g.nodes))
	n := &snode{at: at, m: m, member: how != alone, nonMember: how == alone, untyped: how != typedMember, index: -1,
		readOnly: asBool(m["readOnly"]), writeOnly: asBool(m["writeOnly"])}
	g.nodes = append(g.nodes, n)
	g.ids[at] = id
	link := func(kid int32) {
		if kid >= 0 {
			n.kids = append(n.kids, kid)
		}
	}
	if s, ok := m["$ref"].(string); ok {
		if t := g.resolve(at, s); t.ok {
			link(g.build(t.at, t.v, how))
		}
	}
	for _, k := range singleKids {
		c, ok := m[k]
		if !ok {
			continue
		}
		if list, isList := c.([]any); isList && k == "items" {
			for i, item := range list { // draft-04 tuple form
				link(g.visit(ref(at.File, at.Pointer, k, itoa(i)), item, alone))
			}
			continue
		}
		link(g.visit(ref(at.File, at.Pointer, k), c, alone))
	}
	for _, k := range listKids {
		items := asSlice(m[k])
		how := alone
		if k != "prefixItems" {
			how = member
			if g.typedComposition(at, m, k, items) {
				how = typedMember
			}
		}
		for i, item := range items {
			link(g.visit(ref(at.File, at.Pointer, k, itoa(i)), item, how))
		}
	}
	for _, k := range mapKids {
		props := asMap(m[k])
		for _, name := range sortedKeys(props) {
			link(g.visit(ref(at.File, at.Pointer, k, name), props[name], alone))
		}
	}
	return id
}

func itoa(i int) string { return strconv.Itoa(i) }

// typedComposition reports whether the members of composition k of the
// schema m at `at` are typed by something else: the composing schema's own
// type, or, for allOf, which a value must satisfy entirely, a member's
// (after its $refs).
func (g *graph) typedComposition(at spec.NodeRef, m map[string]any, k string, items []any) bool {
	if len(schemaTypes(m)) > 0 {
		return true
	}
	if k != "allOf" {
		return false
	}
	for i, item := range items {
		from, v := ref(at.File, at.Pointer, k, itoa(i)), item
		for hop := 0; hop < 16; hop++ {
			mm := asMap(v)
			if len(schemaTypes(mm)) > 0 {
				return true
			}
			s, ok := mm["$ref"].(string)
			if !ok {
				break
			}
			t := g.resolve(from, s)
			if !t.ok {
				break
			}
			from, v = t.at, t.v
		}
	}
	return false
}

// seed adds a use of a schema by operation opIdx in a direction.
func (g *graph) seed(id int32, opIdx int, d direction) {
	if id < 0 {
		return
	}
	n := g.nodes[id]
	if n.req == nil {
		n.req, n.resp = make(bitset, g.words), make(bitset, g.words)
	}
	if d == dirRequest {
		n.req.set(opIdx)
	} else {
		n.resp.set(opIdx)
	}
}

// propagate pushes operation sets from each node to its descendants, in
// topological order of the strongly connected components. A node's set is
// final once its component is processed (every parent comes earlier), so
// a child may share it until a second parent adds operations.
func (g *graph) propagate() {
	none := make(bitset, g.words) // shared by every node with no operation; never written
	for _, n := range g.nodes {
		if n.req == nil {
			n.req, n.resp = none, none
			n.reqShared, n.respShared = true, true
		}
	}
	comps := g.tarjan()
	compOf := make([]int32, len(g.nodes))
	for ci, c := range comps {
		for _, id := range c {
			compOf[id] = int32(ci)
		}
	}
	// Tarjan emits a component after every component it reaches, so the
	// reverse emission order visits parents before children.
	for ci := len(comps) - 1; ci >= 0; ci-- {
		c := comps[ci]
		if len(c) > 1 {
			req, resp := make(bitset, g.words), make(bitset, g.words)
			for _, id := range c {
				req.or(g.nodes[id].req)
				resp.or(g.nodes[id].resp)
			}
			for _, id := range c {
				n := g.nodes[id]
				n.req, n.resp = req, resp
				n.reqShared, n.respShared = true, true
			}
		}
		for _, id := range c {
			n := g.nodes[id]
			for _, k := range n.kids {
				if compOf[k] == int32(ci) {
					continue
				}
				kid := g.nodes[k]
				// A readOnly schema is not accepted in requests, nor a
				// writeOnly one in responses: neither are its parts.
				if !n.readOnly {
					orInto(&kid.req, &kid.reqShared, n.req)
				}
				if !n.writeOnly {
					orInto(&kid.resp, &kid.respShared, n.resp)
				}
			}
		}
	}
	for _, n := range g.nodes {
		// Replaced, not cleared: children may share the set.
		if n.readOnly {
			n.req, n.reqShared = none, true
		}
		if n.writeOnly {
			n.resp, n.respShared = none, true
		}
	}
}

// orInto makes *dst include src. A shared *dst is copied before it is
// written, and an empty one simply shares src.
func orInto(dst *bitset, shared *bool, src bitset) {
	if src.subsetOf(*dst) {
		return
	}
	if *shared {
		if dst.empty() {
			*dst = src
			return
		}
		own := make(bitset, len(*dst))
		copy(own, *dst)
		*dst, *shared = own, false
	}
	dst.or(src)
}

// tarjan returns the strongly connected components, iteratively (schema
// graphs can be deep enough to make recursion costly).
func (g *graph) tarjan() [][]int32 {
	var comps [][]int32
	var stack []int32
	var index int32
	type frame struct {
		id  int32
		kid int
	}
	for start := range g.nodes {
		if g.nodes[start].index >= 0 {
			continue
		}
		call := []frame{{int32(start), 0}}
		n0 := g.nodes[start]
		n0.index, n0.low, n0.onStack = index, index, true
		index++
		stack = append(stack, int32(start))
		for len(call) > 0 {
			f := &call[len(call)-1]
			n := g.nodes[f.id]
			if f.kid < len(n.kids) {
				k := n.kids[f.kid]
				f.kid++
				kn := g.nodes[k]
				if kn.index < 0 {
					kn.index, kn.low, kn.onStack = index, index, true
					index++
					stack = append(stack, k)
					call = append(call, frame{k, 0})
				} else if kn.onStack && kn.index < n.low {
					n.low = kn.index
				}
				continue
			}
			if n.low == n.index {
				var comp []int32
				for {
					top := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					g.nodes[top].onStack = false
					comp = append(comp, top)
					if top == f.id {
						break
					}
				}
				comps = append(comps, comp)
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := g.nodes[call[len(call)-1].id]
				if n.low < p.low {
					p.low = n.low
				}
			}
		}
	}
	return comps
}

// checkSchemas builds the graph from every schema use and checks each node.
func (r *run) checkSchemas() {
	r.checkSchemaValidity()
	if r.canceled != nil {
		return
	}
	doc := r.doc
	ops := doc.AllOperations()
	opIdx := make(map[*spec.Operation]int, len(ops))
	for i, op := range ops {
		opIdx[op] = i
	}
	g := &graph{r: r, ids: map[spec.NodeRef]int32{}, refs: map[[2]string]refTarget{}, words: (len(ops) + 63) / 64}
	if g.words == 0 {
		g.words = 1
	}
	type seedT struct {
		id  int32
		op  int
		dir direction
	}
	var seeds []seedT
	formDone := map[*spec.Operation]bool{}
	// Direction is who sends the data. The API itself sends webhook and
	// callback requests and receives their responses: their request
	// schemas are outgoing data (sensitive-data, not mass-assignment,
	// territory) and their responses are input from the receiver.
	outbound := map[*spec.Operation]bool{}
	for _, op := range doc.Webhooks {
		outbound[op] = true
	}
	for _, op := range doc.Callbacks {
		outbound[op] = true
	}
	for _, u := range doc.SchemaUses() {
		d := dirRequest
		if (u.View == spec.ResponseView) != outbound[u.Op] {
			d = dirResponse
		}
		var id int32
		switch {
		case u.Schema.Synthetic && strings.HasPrefix(u.Where, "request body"):
			// A Swagger 2.0 form body: its properties are the formData
			// parameters, checked where they are written.
			if formDone[u.Op] {
				continue
			}
			formDone[u.Op] = true
			for _, at := range r.formParams(u.Op) {
				v, _ := doc.Value(at)
				if r.formParamNames == nil {
					r.formParamNames = map[spec.NodeRef]string{}
				}
				r.formParamNames[at] = asString(asMap(v)["name"])
				seeds = append(seeds, seedT{g.visit(at, v, alone), opIdx[u.Op], dirRequest})
			}
			continue
		case u.Schema.Synthetic:
			// Swagger 2.0 parameters and headers carry their schema
			// keywords on the object itself.
			v, _ := doc.Value(u.Schema.Ref)
			id = g.visit(u.Schema.Ref, v, alone)
		default:
			id = g.visit(u.Schema.Ref, u.Schema.Value, alone)
		}
		seeds = append(seeds, seedT{id, opIdx[u.Op], d})
		if r.canceled != nil {
			return
		}
	}
	if r.canceled != nil {
		return
	}
	for _, s := range seeds {
		g.seed(s.id, s.op, s.dir)
	}
	g.propagate()
	g.contexts()
	r.stats["schemas"] = len(g.nodes)
	opKeys := make([]string, len(ops))
	for i, op := range ops {
		opKeys[i] = op.Key()
	}
	vc := newValueChecker(doc)
	for i, n := range g.nodes {
		if i%2048 == 0 {
			if err := r.ctx.Err(); err != nil {
				r.canceled = err
				return
			}
		}
		if n.req.empty() && n.resp.empty() {
			continue
		}
		c := &nodeCheck{r: r, g: g, n: n, id: int32(i), opKeys: opKeys, vc: vc}
		c.run()
	}
}

// formParams lists where a Swagger 2.0 operation's formData parameters are
// written (path-level ones overridden by the operation's own).
func (r *run) formParams(op *spec.Operation) []spec.NodeRef {
	byName := map[string]spec.NodeRef{}
	var order []string
	for _, list := range []spec.NodeRef{ref(op.PathRef.File, op.PathRef.Pointer, "parameters"), ref(op.Ref.File, op.Ref.Pointer, "parameters")} {
		v, ok := r.doc.Value(list)
		if !ok {
			continue
		}
		for i, item := range asSlice(v) {
			at, pv, ok := r.doc.Deref(ref(list.File, list.Pointer, itoa(i)), item)
			m := asMap(pv)
			if !ok || m == nil || asString(m["in"]) != "formData" {
				continue
			}
			name := asString(m["name"])
			if _, seen := byName[name]; !seen {
				order = append(order, name)
			}
			byName[name] = at
		}
	}
	out := make([]spec.NodeRef, 0, len(order))
	for _, n := range order {
		out = append(out, byName[n])
	}
	return out
}

// boundKeys are the keywords the data rules read to judge whether a value
// is bounded (data-string-no-maxlength, data-string-no-pattern,
// data-number-unbounded, data-number-no-format, data-array-no-maxitems,
// data-array-no-items, data-object-no-maxproperties). A value must
// satisfy every schema of an allOf and the schema composing it, so these
// are judged on what the schemas say together.
var boundKeys = []string{"maxLength", "pattern", "format", "enum", "const", "contentEncoding", "contentMediaType",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "maxItems", "items", "prefixItems", "maxProperties"}

// boundStrength orders two values of a bound keyword by how much they
// bound: where schemas combine, the stronger applies (all must hold);
// where a schema is reached several ways, the weaker (some use has only
// it). 0 bounds nothing.
func boundStrength(k string, v any) int {
	switch k {
	case "pattern":
		s, ok := v.(string)
		switch {
		case !ok:
			return 0
		case patternMaxLen(s) >= 0:
			return 2
		}
		return 1
	case "format":
		s, _ := v.(string)
		switch {
		case boundedFormats[s]:
			return 2
		case s != "":
			return 1
		}
		return 0
	case "maxLength", "maxItems", "maxProperties", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		f, ok := numberOf(v)
		switch {
		case !ok:
			return 0
		case f.Cmp(maxInt64) <= 0 && f.Cmp(minInt64) >= 0:
			return 2
		}
		return 1
	}
	return 1
}

// boundsOf returns the bound keywords m sets itself.
func boundsOf(m map[string]any) map[string]any {
	var out map[string]any
	for _, k := range boundKeys {
		if v, ok := m[k]; ok {
			if out == nil {
				out = map[string]any{}
			}
			out[k] = v
		}
	}
	return out
}

// unionBounds adds src's keywords to dst (both hold), keeping the
// stronger value of a keyword both set.
func unionBounds(dst, src map[string]any) map[string]any {
	for k, v := range src {
		if dst == nil {
			dst = map[string]any{}
		}
		if old, ok := dst[k]; !ok || boundStrength(k, v) > boundStrength(k, old) {
			dst[k] = v
		}
	}
	return dst
}

// intersectBounds keeps the keywords both sets have (either may be all
// that holds), with the weaker value.
func intersectBounds(a, b map[string]any) map[string]any {
	var out map[string]any
	for k, v := range a {
		w, ok := b[k]
		if !ok {
			continue
		}
		if boundStrength(k, w) < boundStrength(k, v) {
			v = w
		}
		if out == nil {
			out = map[string]any{}
		}
		out[k] = v
	}
	return out
}

// conjuncts returns the nodes a value at node id must satisfy as well
// (its allOf members and its $ref target), and the members of its
// anyOf/oneOf, which it passes its own constraints to.
func (g *graph) conjuncts(id int32) (all, alts []int32) {
	n := g.nodes[id]
	at, m := n.at, n.m
	if s, ok := m["$ref"].(string); ok {
		if t := g.resolve(at, s); t.ok {
			if k, ok := g.ids[t.at]; ok {
				all = append(all, k)
			}
		}
	}
	for _, k := range []string{"allOf", "anyOf", "oneOf"} {
		for i := range asSlice(m[k]) {
			kid, ok := g.ids[ref(at.File, at.Pointer, k, itoa(i))]
			if !ok {
				continue
			}
			if k == "allOf" {
				all = append(all, kid)
			} else {
				alts = append(alts, kid)
			}
		}
	}
	return all, alts
}

// contexts sets each node's ctx: the bound keywords every way of reaching
// it adds. A node reached plainly gets none; a composition member or
// $ref target gets, from each schema reaching it, that schema's own
// bounds, its allOf members' and $ref target's (down) and that schema's
// own ctx, intersected over the schemas reaching it. Solved as a greatest
// fixpoint: contexts start unknown (everything) and only shrink, so
// recursive compositions terminate.
func (g *graph) contexts() {
	nn := len(g.nodes)
	down := make([]map[string]any, nn)
	g.down = down
	state := make([]uint8, nn) // 0 new, 1 in progress, 2 done
	var downOf func(id int32) map[string]any
	downOf = func(id int32) map[string]any {
		if state[id] != 0 {
			return down[id] // a cycle adds nothing the walk has not seen
		}
		all, _ := g.conjuncts(id)
		if len(all) == 0 {
			// Its own keywords, which the checks read from the schema:
			// not kept, most nodes are such leaves.
			return boundsOf(g.nodes[id].m)
		}
		state[id] = 1
		d := boundsOf(g.nodes[id].m)
		for _, k := range all {
			d = unionBounds(d, downOf(k))
		}
		down[id], state[id] = d, 2
		return d
	}
	in := make([][]int32, nn)
	for id := range g.nodes {
		downOf(int32(id))
		all, alts := g.conjuncts(int32(id))
		for _, k := range append(all, alts...) {
			in[k] = append(in[k], int32(id))
		}
	}
	known := make([]bool, nn)
	var work []int32
	for id, n := range g.nodes {
		if n.plain || len(in[id]) == 0 {
			known[id] = true // ctx nil: nothing from outside
			continue
		}
		work = append(work, int32(id))
	}
	out := make([][]int32, nn)
	for id := range g.nodes {
		for _, p := range in[id] {
			out[p] = append(out[p], int32(id))
		}
	}
	queued := make([]bool, nn)
	for _, id := range work {
		queued[id] = true
	}
	// Each update removes a keyword or weakens one, so the loop ends; the
	// cap only guards against a mistake in that reasoning.
	for steps := 0; len(work) > 0 && steps < 64*nn+64; steps++ {
		id := work[0]
		work = work[1:]
		queued[id] = false
		var ctx map[string]any
		first := true
		for _, p := range in[id] {
			if !known[p] {
				continue // everything: no limit on the intersection
			}
			c := unionBounds(unionBounds(nil, downOf(p)), g.nodes[p].ctx)
			if first {
				ctx, first = c, false
			} else {
				ctx = intersectBounds(ctx, c)
			}
		}
		if first {
			continue // no known parent yet
		}
		n := g.nodes[id]
		if known[id] && sameBounds(ctx, n.ctx) {
			continue
		}
		n.ctx, known[id] = ctx, true
		for _, k := range out[id] {
			if !queued[k] && !g.nodes[k].plain {
				queued[k] = true
				work = append(work, k)
			}
		}
	}
}

// sameBounds reports whether two sets bound alike: the same keywords, of
// the same strength.
func sameBounds(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || boundStrength(k, v) != boundStrength(k, w) {
			return false
		}
	}
	return true
}

// effective returns the node's schema with the bound keywords its allOf
// members, $ref target and context add, for the rules that judge whether
// a value is bounded. A keyword the node sets itself is replaced only by
// a stronger one: both hold. The schema itself when nothing is added.
func (g *graph) effective(id int32) map[string]any {
	n := g.nodes[id]
	var out map[string]any
	for _, src := range []map[string]any{g.down[id], n.ctx} {
		for k, v := range src {
			cur := n.m
			if out != nil {
				cur = out
			}
			if old, ok := cur[k]; ok && boundStrength(k, v) <= boundStrength(k, old) {
				continue
			}
			if out == nil {
				out = make(map[string]any, len(n.m)+len(src))
				for k, v := range n.m {
					out[k] = v
				}
			}
			out[k] = v
		}
	}
	if out == nil {
		return n.m
	}
	return out
}
