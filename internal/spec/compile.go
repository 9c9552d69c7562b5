package spec

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// View selects the direction a schema is compiled for. The two views differ
// only where OpenAPI says they do: readOnly properties are not required (and
// not allowed) in requests, writeOnly ones in responses.
type View int

const (
	RequestView View = iota
	ResponseView
)

func (v View) String() string {
	if v == ResponseView {
		return "response"
	}
	return "request"
}

// AssertedFormats are the formats every compiled schema checks, whatever
// the OpenAPI version. JSON Schema 2020-12 treats format as an annotation by
// default and draft-04 engines differ in which formats they know, so the
// list is fixed here and documented in docs/contract-model.md.
var AssertedFormats = []string{
	"date-time", "date", "time", "duration", "email", "hostname", "ipv4", "ipv6",
	"uri", "uri-reference", "uri-template", "uuid", "regex", "json-pointer",
	"int32", "int64", "byte",
}

var openapiFormats = []*jsonschema.Format{
	{Name: "int32", Validate: intRange(math.MinInt32, math.MaxInt32)},
	{Name: "int64", Validate: intRange(math.MinInt64, math.MaxInt64)},
	{Name: "byte", Validate: func(v any) error {
		s, ok := v.(string)
		if !ok {
			return nil
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			if _, err2 := base64.RawStdEncoding.DecodeString(s); err2 != nil {
				return errors.New("not base64")
			}
		}
		return nil
	}},
	regexFormat,
	uriTemplateFormat,
	// Annotations only: listed so the engine does not treat them as unknown.
	{Name: "float", Validate: func(any) error { return nil }},
	{Name: "double", Validate: func(any) error { return nil }},
	{Name: "binary", Validate: func(any) error { return nil }},
	{Name: "password", Validate: func(any) error { return nil }},
}

// regexFormat checks a value of format regex (a regular expression in
// the request or response, not the contract's) by parsing it as the
// engines would run it, without compiling it: Go's compiler takes time
// in the size of the program, and a few kilobytes of counted repetitions
// (a{1000} a thousand times) are a million instructions and a second of
// CPU, where parsing takes a millisecond. The views name format regex
// so (the schema engine compiles regex values with its regexp engine and
// lets no format of that name be replaced); FormatName gives it back.
var regexFormat = &jsonschema.Format{Name: "regex (ECMA-262)", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	_, err := ParsePattern(s)
	return err
}}

// FormatName is the name of a format as the contract writes it, given
// its name in the compiled views.
func FormatName(name string) string {
	if name == regexFormat.Name {
		return "regex"
	}
	return name
}

// exactNumber returns a number of a definition or an instance (json.Number
// as decoded, or a Go number) as an exact rational; false for anything
// else (and for NaN and infinities).
func exactNumber(v any) (*big.Rat, bool) {
	switch n := v.(type) {
	case json.Number:
		return new(big.Rat).SetString(string(n))
	case float64:
		r := new(big.Rat).SetFloat64(n)
		return r, r != nil
	case int:
		return new(big.Rat).SetInt64(int64(n)), true
	case int64:
		return new(big.Rat).SetInt64(n), true
	}
	return nil, false
}

func intRange(lo, hi int64) func(v any) error {
	return func(v any) error {
		r, ok := exactNumber(v)
		if !ok {
			return nil
		}
		if !r.IsInt() {
			return errors.New("not an integer")
		}
		i := r.Num()
		if i.Cmp(big.NewInt(lo)) < 0 || i.Cmp(big.NewInt(hi)) > 0 {
			return fmt.Errorf("out of range [%d, %d]", lo, hi)
		}
		return nil
	}
}

// viewCompiler owns one jsonschema compiler per view. Files reach it
// through its loader, transformed for the view on first use.
type viewCompiler struct {
	mu       sync.Mutex
	c        *jsonschema.Compiler
	doc      *Document
	view     View
	cache    map[string]*jsonschema.Schema
	problems []Problem
	cost     *costAnalysis
	// transformed holds each resource the loader has served (or that
	// compileTargetsFirst read), so that a resource is transformed once.
	transformed map[string]any
	// targetsDone marks the resources whose reference targets have been
	// compiled (compileTargetsFirst).
	targetsDone map[string]bool
}

// Compile returns the compiled form of s in the given view. Compilation is
// cached: each schema location is compiled once per view.
func (d *Document) Compile(s *Schema, v View) (*jsonschema.Schema, error) {
	if s == nil {
		return nil, errors.New("no schema")
	}
	vc := d.viewCompiler(v)
	vc.mu.Lock()
	defer vc.mu.Unlock()
	var loc string
	if s.Synthetic {
		loc = fmt.Sprintf("urn:rampart:synthetic:%d", s.id)
		if sch, ok := vc.cache[loc]; ok {
			return sch, nil
		}
		t := vc.transformer(s.Ref.File)
		val := t.node(s.Value, s.Ref.Pointer, false)
		vc.remember(loc, val)
		if err := vc.c.AddResource(loc, val); err != nil {
			return nil, fmt.Errorf("schema at %s: %w", d.files.locate(s.Ref).String(), err)
		}
	} else {
		loc = resourceURL(s.Ref.File, s.Ref.Pointer, false)
		if sch, ok := vc.cache[loc]; ok {
			return sch, nil
		}
	}
	if s.Synthetic {
		vc.compileTargetsFirst(loc, vc.transformed[loc])
	} else {
		vc.compileTargetsFirst(loc, nil)
	}
	sch, err := compileSafely(vc.c, loc)
	if err != nil {
		return nil, &compileError{msg: fmt.Sprintf("schema at %s does not compile: %s", d.files.locate(s.Ref).String(), d.compactError(err)), err: err, at: s.Ref}
	}
	vc.cache[loc] = sch
	return sch, nil
}

// compileError is Compile's error: a bounded line for people, and the
// engine's error for SchemaDefects.
type compileError struct {
	msg string
	err error
	at  NodeRef // the schema compiled
}

func (e *compileError) Error() string { return e.msg }
func (e *compileError) Unwrap() error { return e.err }

// SchemaDefect is one place where a schema breaks the JSON Schema
// meta-schema, so that Compile refuses it (and every engine with it).
type SchemaDefect struct {
	At      NodeRef // the keyword, or the nearest node of the definition holding it
	Message string  // what the meta-schema says, e.g. "minimum: got -1, want 0"
}

// SchemaDefects returns where err, an error of Compile, says a schema
// is not valid against the JSON Schema meta-schema, one defect per
// location in location order; nil for any other error (an unresolved
// $ref, a pattern) or none.
func (d *Document) SchemaDefects(err error) []SchemaDefect {
	var ce *compileError
	var sve *jsonschema.SchemaValidationError
	if !errors.As(err, &ce) || !errors.As(err, &sve) {
		return nil
	}
	base, _, perr := parseResourceURL(strings.SplitN(sve.URL, "#", 2)[0])
	if perr != nil {
		base = ce.at // a synthetic schema (a Swagger 2.0 parameter): where it is written
	}
	byPtr := map[string][]*jsonschema.ValidationError{}
	var ptrs []string
	for _, e := range ValidationLeaves(sve.Err) {
		at := NodeRef{File: base.File, Pointer: JoinPointer(base.Pointer, e.InstanceLocation...)}
		// The views rewrite a few keywords (nullable, a oneOf a
		// discriminator selects): name the nearest node the definition
		// has.
		for at.Pointer != base.Pointer {
			if _, ok := d.files.value(at); ok {
				break
			}
			at.Pointer = at.Pointer[:strings.LastIndex(at.Pointer, "/")]
		}
		if _, seen := byPtr[at.Pointer]; !seen {
			ptrs = append(ptrs, at.Pointer)
		}
		byPtr[at.Pointer] = append(byPtr[at.Pointer], e)
	}
	slices.Sort(ptrs)
	out := make([]SchemaDefect, 0, len(ptrs))
	for _, p := range ptrs {
		leaves := byPtr[p]
		// `type: strng` fails both forms of type, a name and a list:
		// "want array" says nothing the list of names does not.
		var msgs []string
		for _, e := range leaves {
			if _, isType := e.ErrorKind.(*kind.Type); isType && len(leaves) > 1 {
				continue
			}
			msgs = append(msgs, leafMessage(e))
		}
		if len(msgs) == 0 {
			msgs = append(msgs, leafMessage(leaves[0]))
		}
		if v, ok := d.files.value(NodeRef{File: base.File, Pointer: p}); ok {
			if m, ok := requiredFlagMessage(p, v); ok {
				msgs = []string{m}
			}
			if m, ok := exclusiveFlagMessage(p, v); ok {
				msgs = []string{m}
			}
			if h := schemaShapeHint(d.Family, SplitPointer(p), v); h != "" && len(msgs) == 1 {
				msgs[0] += ": " + h
			}
		}
		slices.Sort(msgs)
		msgs = slices.Compact(msgs)
		out = append(out, SchemaDefect{At: NodeRef{File: base.File, Pointer: p}, Message: strings.Join(msgs, "; ")})
	}
	return out
}

// leafMessage is a leaf error's message without the engine's "at
// '/pointer': " prefix.
func leafMessage(e *jsonschema.ValidationError) string {
	msg := strings.ReplaceAll(e.Error(), "\n", " ")
	if strings.HasPrefix(msg, "at '") {
		if i := strings.Index(msg, "': "); i >= 0 {
			msg = msg[i+3:]
		}
	}
	return strings.TrimSpace(msg)
}

// SchemaProblems returns the problems found while compiling schemas
// (regular expressions RE2 cannot run). Compile first.
func (d *Document) SchemaProblems() []Problem {
	var out []Problem
	seen := map[string]bool{}
	for _, v := range []View{RequestView, ResponseView} {
		vc := d.viewCompiler(v)
		vc.mu.Lock()
		for _, p := range vc.problems {
			if k := p.Loc.String(); !seen[k] {
				seen[k] = true
				out = append(out, p)
			}
		}
		vc.mu.Unlock()
	}
	sortProblems(out)
	return out
}

func (d *Document) viewCompiler(v View) *viewCompiler {
	d.files.mu.Lock()
	defer d.files.mu.Unlock()
	if d.views[v] != nil {
		return d.views[v]
	}
	vc := &viewCompiler{doc: d, view: v, cache: map[string]*jsonschema.Schema{}}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	for _, f := range openapiFormats {
		c.RegisterFormat(f)
	}
	c.UseLoader(viewLoader{vc})
	c.UseRegexpEngine(d.files.viewPattern)
	vc.c = c
	d.views[v] = vc
	return vc
}

// transformer returns a transformer for a file of this view.
func (vc *viewCompiler) transformer(fileKey string) *transformer {
	return &transformer{
		family: vc.doc.Family,
		view:   vc.view,
		closed: !vc.doc.options.OpenObjects,
		fs:     vc.doc.files,
		file:   fileKey,
		report: func(p Problem) {
			vc.problems = append(vc.problems, p)
		},
	}
}

type viewLoader struct{ vc *viewCompiler }

// Load serves schemas of the definition's own files to the schema engine,
// transformed for the view. Nothing else is loaded: schemas cannot reach the
// network or files outside the definition's reference graph.
func (l viewLoader) Load(u string) (any, error) { return l.vc.resource(u) }

// resource returns the resource u transformed for the view, once.
func (vc *viewCompiler) resource(u string) (any, error) {
	if v, ok := vc.transformed[u]; ok {
		return v, nil
	}
	at, member, err := parseResourceURL(u)
	if err != nil {
		return nil, err
	}
	if _, err := vc.doc.files.load(at.File); err != nil {
		return nil, err
	}
	v, ok := vc.doc.files.value(at)
	if !ok {
		return nil, fmt.Errorf("$ref target %s not found", vc.doc.files.locate(at))
	}
	out := vc.transformer(at.File).node(v, at.Pointer, member)
	vc.remember(u, out)
	return out, nil
}

func (vc *viewCompiler) remember(u string, v any) {
	if vc.transformed == nil {
		vc.transformed = map[string]any{}
	}
	vc.transformed[u] = v
}

// compileTargetsFirst compiles the resources that resource u references,
// theirs first, before u itself is compiled. The engine keeps the schemas
// of one Compile call in a list it searches for each schema it meets, so
// one call that reaches n schemas takes time quadratic in n: 30,000
// properties, each a $ref, took 40 s. Compiled one by one from the
// leaves up, each call meets only its own schemas and finds the others
// compiled. Errors are left for the final Compile to report (the same
// schema fails there the same way). v is u's transformed value when the
// caller has it (a synthetic schema, added as a resource).
func (vc *viewCompiler) compileTargetsFirst(u string, v any) {
	if vc.targetsDone == nil {
		vc.targetsDone = map[string]bool{}
	}
	// Depth-first from u, leaves compiled first; an explicit stack, since
	// a chain of references can be as long as the definition.
	type frame struct {
		url  string
		refs []string
		i    int
	}
	start := func(url string, v any) *frame {
		vc.targetsDone[url] = true
		if v == nil {
			var err error
			if v, err = vc.resource(url); err != nil {
				return &frame{url: url}
			}
		}
		return &frame{url: url, refs: resourceRefs(v)}
	}
	if vc.targetsDone[u] {
		return
	}
	stack := []*frame{start(u, v)}
	for len(stack) > 0 {
		f := stack[len(stack)-1]
		if f.i < len(f.refs) {
			r := f.refs[f.i]
			f.i++
			if !vc.targetsDone[r] {
				stack = append(stack, start(r, nil))
			}
			continue
		}
		stack = stack[:len(stack)-1]
		if len(stack) > 0 { // u itself is compiled by the caller
			if _, done := vc.cache[f.url]; !done {
				if sch, err := compileSafely(vc.c, f.url); err == nil {
					vc.cache[f.url] = sch
				}
			}
		}
	}
}

// resourceRefs lists the resources a transformed schema references (the
// transformer points every $ref at its target's resource URL).
func resourceRefs(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if r, ok := x["$ref"].(string); ok && strings.HasPrefix(r, "urn:rampart:") {
				out = append(out, r)
			}
			for k, c := range x {
				if k == "enum" || k == "const" || k == "examples" || k == "default" || k == "example" {
					continue // values, not schemas
				}
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	slices.Sort(out)
	return out
}

// resourceURL names the schema at (file, pointer) as a resource of its own.
// Giving every referenced schema its own small resource (instead of
// compiling fragments of one multi-megabyte document) keeps compilation
// linear: the engine validates and indexes each resource root separately.
//
// A schema reached as an allOf/anyOf/oneOf member gets a second resource
// (the "member" variant) that the strict-objects policy leaves open: the
// composing schema closes it, since unevaluatedProperties sees through the
// composition. Used on its own, the same schema is closed.
func resourceURL(file, pointer string, member bool) string {
	kind := "schema"
	if member {
		kind = "member"
	}
	return "urn:rampart:" + kind + ":" + base64.RawURLEncoding.EncodeToString([]byte(file+"#"+pointer))
}

func parseResourceURL(u string) (NodeRef, bool, error) {
	member := false
	enc, ok := strings.CutPrefix(u, "urn:rampart:schema:")
	if !ok {
		enc, ok = strings.CutPrefix(u, "urn:rampart:member:")
		member = true
	}
	if !ok {
		return NodeRef{}, false, fmt.Errorf("schema reference %s is outside the definition", u)
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return NodeRef{}, false, fmt.Errorf("bad schema resource %s", u)
	}
	file, ptr, _ := strings.Cut(string(raw), "#")
	return NodeRef{File: file, Pointer: ptr}, member, nil
}

// internalSchemaURL matches the resource URLs the views give schemas
// (resourceURL), with the fragment the engine may add.
var internalSchemaURL = regexp.MustCompile(`urn:rampart:(?:schema|member|synthetic):[A-Za-z0-9_-]*(?:#[^\s'"]*)?`)

// compactError says in a bounded line why a schema does not compile,
// naming schemas by where they are in the definition rather than by the
// internal resource URLs the engine knows them by.
func (d *Document) compactError(err error) string {
	var s string
	var sve *jsonschema.SchemaValidationError
	if errors.As(err, &sve) {
		// The schema the engine refused may be one the compiled one
		// references: say which.
		s = "the schema at " + sve.URL + " is not valid against the JSON Schema meta-schema: " + ValidationSummary(sve.Err, 3)
	} else {
		s = strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	s = internalSchemaURL.ReplaceAllStringFunc(s, func(u string) string {
		base, frag, _ := strings.Cut(u, "#")
		ref, _, perr := parseResourceURL(base)
		if perr != nil { // a synthetic schema: the caller says where
			return "the schema" + strings.TrimSuffix("#"+frag, "#")
		}
		ref.Pointer += frag
		return d.files.locate(ref).String()
	})
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// compileSafely compiles loc, returning an EngineFailure where the engine
// panics: validating a schema against its meta-schema, it fails on a
// number beyond its exact arithmetic (multipleOf: 1e-10000000).
func compileSafely(c *jsonschema.Compiler, loc string) (sch *jsonschema.Schema, err error) {
	defer func() {
		if r := recover(); r != nil {
			sch, err = nil, &EngineFailure{Cause: r}
		}
	}()
	return c.Compile(loc)
}
