package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi/datamodel"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Structural validation against the official OpenAPI meta-schemas (the
// copies libopenapi embeds), so invalid fields are reported with their
// location instead of silently ignored.

const maxStructureProblems = 100

var metaSchemas sync.Map // Family -> *metaEntry

type metaEntry struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
	family Family
	// selectors tell apart the kinds of parameter (by `in`) and of
	// security scheme (by `type`) in the meta-schema's oneOfs.
	selectors []selector
	// url names the meta-schema in the compiler; doc is its text decoded,
	// which refKinds reads (extstructure.go).
	url string
	doc any
	// anchors maps the names of the meta-schema's $dynamicAnchors to
	// their pointers.
	anchors map[string]string
	// mu guards the compiler and parts: the parts of the meta-schema
	// compiled on their own, by pointer, to check a referenced node.
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	parts    map[string]*jsonschema.Schema
}

func metaSchema(f Family) (*metaEntry, error) {
	e, _ := metaSchemas.LoadOrStore(f, &metaEntry{})
	entry := e.(*metaEntry)
	entry.once.Do(func() {
		var text string
		switch f {
		case Swagger20:
			text = datamodel.OpenAPI2SchemaData
		case OpenAPI30:
			text = datamodel.OpenAPI3SchemaData
		case OpenAPI31:
			text = datamodel.OpenAPI31SchemaData
		case OpenAPI32:
			text = datamodel.OpenAPI32SchemaData
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
		if err != nil {
			entry.err = err
			return
		}
		c := jsonschema.NewCompiler()
		c.UseRegexpEngine(ecmaTolerantRegexp)
		url := "urn:rampart:meta:" + string(f)
		if err := c.AddResource(url, doc); err != nil {
			entry.err = err
			return
		}
		entry.schema, entry.err = c.Compile(url)
		switch f {
		case Swagger20:
			entry.selectors = []selector{
				{prop: "in", branches: selectorBranches(url, doc, "in", false), choices: "query, header, path, formData or body"},
				{prop: "type", branches: selectorBranches(url, doc, "type", true), choices: "basic, apiKey or oauth2",
					// An OAuth2 scheme is one of four branches, by flow.
					refine: &selector{prop: "flow", branches: selectorBranches(url, doc, "flow", true), choices: "implicit, password, application or accessCode"}},
			}
		case OpenAPI30:
			entry.selectors = []selector{
				{prop: "in", branches: selectorBranches(url, doc, "in", false), choices: "query, header, path or cookie"},
				{prop: "type", branches: selectorBranches(url, doc, "type", true), choices: "apiKey, http, oauth2 or openIdConnect"},
			}
		}
		entry.url, entry.doc, entry.compiler, entry.family = url, doc, c, f
		entry.anchors = dynamicAnchors(doc)
		entry.parts = map[string]*jsonschema.Schema{}
	})
	return entry, entry.err
}

// part returns the meta-schema's subschema at ptr, compiled on first use.
func (e *metaEntry) part(ptr string) (*jsonschema.Schema, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if s, ok := e.parts[ptr]; ok {
		return s, nil
	}
	// The fragment is a JSON pointer in URI form: % escaped.
	s, err := e.compiler.Compile(e.url + "#" + escapeFragment(ptr))
	if err != nil {
		return nil, err
	}
	e.parts[ptr] = s
	return s, nil
}

// selector tells apart the branches of the meta-schema's oneOfs that
// describe the kinds of one object by the value of one property: a
// parameter is a reference, a body parameter, or a typed one of a
// location (2.0: header, formData, query or path; 3.0: path, query,
// header or cookie), by `in`; a security scheme is an API key, HTTP,
// OAuth2 or OpenID Connect one, by `type`. An object fails every branch
// that is not its own, and those failures (its in "must be 'query'", its
// type "must be 'apiKey'") say nothing about it; validateStructure only
// follows the branch the object's property names. (3.1 and later select
// with if/then, which the engine reports only for the object's own kind.)
type selector struct {
	prop string
	// branches maps the schema location of each branch (as the schema
	// engine names it in its errors) to the values of prop it
	// describes, "$ref" for a reference.
	branches map[string][]string
	// choices lists the values for messages.
	choices string
	// refine, if set, tells apart the branches that share a value of
	// prop by another property (Swagger 2.0's OAuth2 flows). Its
	// branches are those of this selector that fix its property.
	refine *selector
}

// selectorBranches reads, from a Swagger 2.0 or OpenAPI 3.0 meta-schema,
// the branches of the oneOfs whose every branch fixes prop to values (an
// enum), or is a reference; security says whether those are under the
// security schemes' definitions (whose `in` is not a parameter's) or
// elsewhere (where `type` is a schema's or a parameter's).
func selectorBranches(url string, doc any, prop string, security bool) map[string][]string {
	top, _ := doc.(map[string]any)
	defs, _ := top["definitions"].(map[string]any)
	var locations func(s map[string]any, depth int) []string
	locations = func(s map[string]any, depth int) []string {
		if s == nil || depth > 8 {
			return nil
		}
		if r, ok := s["$ref"].(string); ok {
			name, ok := strings.CutPrefix(r, "#/definitions/")
			if !ok {
				return nil
			}
			d, _ := defs[name].(map[string]any)
			return locations(d, depth+1)
		}
		if req, _ := s["required"].([]any); slices.Contains(req, any("$ref")) {
			return []string{"$ref"}
		}
		props, _ := s["properties"].(map[string]any)
		if in, _ := props[prop].(map[string]any); in != nil {
			if enum, _ := in["enum"].([]any); len(enum) > 0 {
				var out []string
				for _, v := range enum {
					if v, ok := v.(string); ok {
						out = append(out, v)
					}
				}
				return out
			}
		}
		// 2.0 nests the kinds of parameter in oneOfs; 3.0's Parameter
		// names its locations in an allOf member (ParameterLocation).
		var out []string
		for _, kw := range []string{"oneOf", "allOf"} {
			branches, _ := s[kw].([]any)
			for _, b := range branches {
				out = append(out, locations(asMap(b), depth+1)...)
			}
		}
		return out
	}
	out := map[string][]string{}
	var walk func(v any, ptr string)
	walk = func(v any, ptr string) {
		switch v := v.(type) {
		case map[string]any:
			inSecurity := strings.Contains(strings.ToLower(ptr), "securit")
			if inSecurity && !security {
				return
			}
			if branches, ok := v["oneOf"].([]any); ok && inSecurity == security {
				found := map[string][]string{}
				for i, b := range branches {
					l := locations(asMap(b), 0)
					if len(l) == 0 {
						if prop == "flow" {
							continue // basic and apiKey have none
						}
						found = nil
						break
					}
					// Named as the engine names it: a pointer in URI form.
					found[url+"#"+escapeFragment(JoinPointer(ptr, "oneOf", strconv.Itoa(i)))] = l
				}
				maps.Copy(out, found)
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
	walk(top, "")
	return out
}

// ecmaTolerantRegexp compiles regexes for the meta-schema check. Patterns
// are ECMA-262 regular expressions: lookaround and backreferences are valid
// there though RE2 cannot run them, so `format: regex` (asserted by the
// draft-04 meta-schemas of 2.0 and 3.0) must not call such a definition
// invalid. Those patterns are reported once, as pattern-unsupported, where
// they are compiled. Patterns are read as the engines read them
// (RE2Pattern: \uXXXX, Java's POSIX classes, repetitions above 1000);
// anything else RE2 refuses is still invalid. Patterns are parsed here,
// not compiled (the views compile them, once and within a budget:
// patterncache.go); the meta-schema's own few patterns are compiled when
// first matched.
func ecmaTolerantRegexp(s string) (jsonschema.Regexp, error) {
	_, err := ParsePattern(s)
	if err == nil {
		return &lazyRegexp{source: s}, nil
	}
	var se *syntax.Error
	if errors.As(err, &se) && ecmaOnly(se) {
		return unsupportedRegexp(s), nil
	}
	return nil, err
}

// lazyRegexp is a parsed pattern compiled when first matched.
type lazyRegexp struct {
	source string
	once   sync.Once
	re     *regexp.Regexp
}

func (l *lazyRegexp) String() string { return l.source }

func (l *lazyRegexp) MatchString(s string) bool {
	l.once.Do(func() {
		re2, _ := RE2Pattern(l.source)
		l.re, _ = regexp.Compile(re2)
	})
	return l.re != nil && l.re.MatchString(s)
}

// ecmaOnly reports RE2 errors for ECMA-262 features RE2 lacks: lookahead
// and lookbehind ((?=, (?!, (?<=, (?<!), backreferences (\1, \k<name>)
// and \p as an identity escape.
func ecmaOnly(e *syntax.Error) bool {
	switch e.Code {
	case syntax.ErrInvalidPerlOp, syntax.ErrInvalidNamedCapture: // Go reads (?< as a named group
		return strings.HasPrefix(e.Expr, "(?=") || strings.HasPrefix(e.Expr, "(?!") || strings.HasPrefix(e.Expr, "(?<=") || strings.HasPrefix(e.Expr, "(?<!")
	case syntax.ErrInvalidEscape:
		return len(e.Expr) == 2 && (e.Expr[1] >= '1' && e.Expr[1] <= '9' || e.Expr[1] == 'k')
	case syntax.ErrInvalidCharRange:
		// \p not followed by a property name: in ECMA-262 without the
		// u flag an identity escape, the letter p (AWS's over-escaped
		// \p\{L\}), which RE2 refuses.
		return len(e.Expr) == 3 && (e.Expr[:2] == `\p` || e.Expr[:2] == `\P`) && e.Expr[2] != '{'
	}
	return false
}

// unsupportedRegexp stands for a pattern RE2 cannot compile; the meta-schema
// check only needs to know it is valid.
type unsupportedRegexp string

func (u unsupportedRegexp) String() string          { return string(u) }
func (u unsupportedRegexp) MatchString(string) bool { return false }

// validateStructure checks the root file against the meta-schema of its
// family, and the nodes of other files the definition's $refs reach
// against the parts of it their referring places expect
// (extstructure.go). It lists maxStructureProblems problems at most, in
// all files, then counts the others.
func validateStructure(d *Document, top map[string]any, f Family) []Problem {
	meta, err := metaSchema(f)
	if err != nil {
		// The meta-schema ships with the binary; failing to compile it is
		// our bug, not the user's. Say so without failing the load.
		return []Problem{{Code: "structure-check-unavailable", Message: "structural validation unavailable: " + err.Error(), Loc: Location{File: d.Path}}}
	}
	leaves := structureLeaves(meta, meta.schema, top, NodeRef{File: d.files.rootKey})
	leaves = append(leaves, externalStructure(d, meta, top)...)
	var out []Problem
	for i, l := range leaves {
		if len(out) == maxStructureProblems {
			out = append(out, Problem{Code: "invalid-structure", Message: fmt.Sprintf("%d more structural errors not listed", len(leaves)-i), Loc: Location{File: d.Path}, Error: true})
			break
		}
		pr := Problem{Code: "invalid-structure", Message: l.msg, Loc: Location{File: d.Path}, Error: true, Missing: l.missing}
		if l.located {
			pr.Loc = d.files.locate(l.at)
		}
		out = append(out, pr)
	}
	return out
}

// structureLeaf is one structural error: where and what.
type structureLeaf struct {
	at NodeRef
	// located is false for an error the schema engine gives no place
	// for: it is reported on the root file.
	located bool
	msg     string
	missing []string
}

// structureLeaves validates v, the node at `at`, against schema, and
// returns its errors: the deepest of each branch, sorted by location,
// one at a location. Messages name the location in at's file.
func structureLeaves(meta *metaEntry, schema *jsonschema.Schema, v any, at NodeRef) []structureLeaf {
	err := Validate(schema, jsonValue(v))
	if err == nil {
		return nil
	}
	var ef *EngineFailure
	if errors.As(err, &ef) {
		// A number beyond the engine's exact arithmetic (multipleOf:
		// 1e-10000000): the structure cannot be judged here; compiling the
		// schema says what is wrong with it.
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []structureLeaf{{msg: err.Error()}}
	}
	c := leafCollector{top: v, base: at.Pointer, selectors: meta.selectors, family: meta.family, meta: meta.doc, metaURL: meta.url, out: map[string]string{}, missing: map[string]*missingAt{}, chosen: map[string]bool{}, certain: map[string]bool{}, refused: map[string]string{}}
	c.collect(ve, nil, false)
	leaves, missing := c.out, c.missing
	ptrs := make([]string, 0, len(leaves))
	for p := range leaves {
		ptrs = append(ptrs, p)
	}
	sort.Strings(ptrs)
	// Keep the deepest locations of failed alternatives: that one branch
	// of a oneOf wants something else of a parent ("missing property
	// '$ref'") adds nothing when another branch says what is wrong below
	// it. An error no alternative explains away (an unknown field beside
	// a bad response) stays wherever it is.
	var out []structureLeaf
	for i, p := range ptrs {
		if i+1 < len(ptrs) && strings.HasPrefix(ptrs[i+1], p+"/") && !c.certain[p] {
			continue
		}
		if _, ok := c.refused[p]; ok && c.refusedForAnother(p, ptrs) {
			continue
		}
		msg := leaves[p]
		if m := missing[p]; m != nil && !m.other && len(m.names) > 1 && c.chosen[p] {
			// The properties one branch requires, all of them: no
			// other branch offers to do without.
			msg = fmt.Sprintf("missing properties '%s' (at %s)", strings.Join(m.names, "', '"), c.display(p))
		}
		l := structureLeaf{at: NodeRef{File: at.File, Pointer: at.Pointer + p}, located: true, msg: msg}
		if m := missing[p]; m != nil && !m.other {
			l.missing = m.names
		}
		out = append(out, l)
	}
	return out
}

// missingAt gathers the leaf errors at one location that only say a
// property is missing (a oneOf of "schema" or "content" gives one per
// branch); other marks a location that also has another kind of error.
type missingAt struct {
	names []string
	other bool
}

// leafCollector gathers the leaf errors of a validation error by
// location: the message of the first, and the properties they say are
// missing.
type leafCollector struct {
	top any
	// base is the pointer of top in its file: messages name locations
	// in the file.
	base      string
	selectors []selector // none but for Swagger 2.0 and OpenAPI 3.0
	family    Family
	// meta is the meta-schema's text decoded, named metaURL in errors.
	meta    any
	metaURL string
	out     map[string]string
	missing map[string]*missingAt
	// chosen marks the parameters whose own branch alone was followed.
	chosen map[string]bool
	// certain marks the locations with an error that no failed
	// alternative (a branch of a oneOf or anyOf) reported.
	certain map[string]bool
	// refused holds the members that unevaluatedProperties: false
	// refused (3.1+: "false schema"), each with the refusing keyword's
	// schema URL; explained and kindless are refusedForAnother's indexes,
	// built on first use.
	refused   map[string]string
	explained map[string]bool
	kindless  map[string]bool
}

// refusedForAnother reports whether the member at p, which
// unevaluatedProperties: false refused, was refused for another error:
// one at or below it (a known member whose own schema failed is left
// unevaluated), or one at a sibling that names the object's kind (`type`
// or `in`: no kind's members were evaluated). Only an unknown member is
// its own error, and so is a member of a kindless object that no kind
// declares (a misspelt require beside in: Query).
func (c *leafCollector) refusedForAnother(p string, ptrs []string) bool {
	if c.explained == nil {
		// Once, in time linear in the leaves: the locations with another
		// error at or below them, and the objects whose kind is wrong.
		c.explained, c.kindless = map[string]bool{}, map[string]bool{}
		for _, q := range ptrs {
			if _, ok := c.refused[q]; ok {
				continue
			}
			for a := q; a != ""; {
				if c.explained[a] {
					break
				}
				c.explained[a] = true
				a, _ = splitLast(a)
			}
			if qp, name := splitLast(q); name == "type" || name == "in" {
				c.kindless[qp] = true
			}
		}
	}
	parent, name := splitLast(p)
	if c.explained[p] {
		return true
	}
	if !c.kindless[parent] {
		return false
	}
	names, patterns := c.metaMembers(c.refused[p])
	if slices.Contains(names, name) {
		return true
	}
	for _, re := range patterns {
		if ok, err := regexp.MatchString(re, name); err == nil && ok {
			return true
		}
	}
	return false
}

// metaMembers returns the member names that the meta-schema's subschema
// at schemaURL (or the one holding it, for an additionalProperties or
// unevaluatedProperties keyword) declares in any of its parts, whatever
// kind of object they are for: its properties and those of the schemas
// it applies in place ($ref, allOf, anyOf, oneOf, if/then/else,
// dependentSchemas), with the patterns of their patternProperties. A
// 3.1 security scheme declares name and in only under its if/then for
// apiKey: they are still members of some kind of scheme.
func (c *leafCollector) metaMembers(schemaURL string) (names, patterns []string) {
	for _, kw := range []string{"/additionalProperties", "/unevaluatedProperties"} {
		schemaURL = strings.TrimSuffix(schemaURL, kw)
	}
	seen := map[string]bool{}
	var walk func(n map[string]any, depth int)
	walk = func(n map[string]any, depth int) {
		if n == nil || depth > 16 {
			return
		}
		for name := range asMap(n["properties"]) {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
		for re := range asMap(n["patternProperties"]) {
			patterns = append(patterns, re)
		}
		if r, ok := n["$ref"].(string); ok && strings.HasPrefix(r, "#") && !seen[r] {
			seen[r] = true
			walk(c.metaNode(c.metaURL+r), depth+1)
		}
		for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
			for _, b := range asSlice(n[kw]) {
				walk(asMap(b), depth+1)
			}
		}
		for _, kw := range []string{"if", "then", "else"} {
			walk(asMap(n[kw]), depth+1)
		}
		for _, d := range asMap(n["dependentSchemas"]) {
			walk(asMap(d), depth+1)
		}
	}
	walk(c.metaNode(schemaURL), 0)
	slices.Sort(names)
	return names, patterns
}

// splitLast splits a JSON pointer into its parent and its last token,
// unescaped.
func splitLast(p string) (string, string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", UnescapeToken(p)
	}
	return p[:i], UnescapeToken(p[i+1:])
}

// collect walks e down to its leaves. bodyAt is the location of the
// Swagger 2.0 body parameter whose branch e is in, if any; alt says e is
// in a branch of a oneOf or anyOf that no branch satisfied.
func (c *leafCollector) collect(e *jsonschema.ValidationError, bodyAt *string, alt bool) {
	if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok && !alt && len(e.Causes) == 0 && len(ap.Properties) > 0 {
		// One leaf per member the object may not have, at the member, as
		// 3.1's unevaluatedProperties gives: the line is the member's. (In
		// a failed alternative the member may be allowed by the branch
		// meant: that is said at the object, as the engine says it.)
		parent := JoinPointer("", e.InstanceLocation...)
		if msg, ok := c.notAMediaType(parent); ok {
			c.certain[parent] = true
			c.markOther(parent)
			c.out[parent] = fmt.Sprintf("%s (at %s)", msg, c.display(parent))
			return
		}
		for _, name := range ap.Properties {
			p := JoinPointer(parent, name)
			if !alt {
				c.certain[p] = true
			}
			c.markOther(p)
			if _, done := c.out[p]; !done {
				c.out[p] = fmt.Sprintf("%s (at %s)", c.unknownMember(parent, name, e.SchemaURL), c.display(p))
			}
		}
		return
	}
	if len(e.Causes) == 0 {
		p := JoinPointer("", e.InstanceLocation...)
		var badName *kind.Pattern
		if pk, ok := e.ErrorKind.(*kind.Pattern); ok && strings.Contains(e.SchemaURL, "/propertyNames") {
			// A name propertyNames refuses: the engine places the error
			// above the object; the name's own line is more use.
			if at, found := findKey(c.top, p, pk.Got, 4); found {
				p, badName = at, pk
			}
		}
		if !alt {
			c.certain[p] = true
		}
		m := c.missing[p]
		if m == nil {
			m = &missingAt{}
			c.missing[p] = m
		}
		req, isReq := e.ErrorKind.(*kind.Required)
		if isReq {
			for _, n := range req.Missing {
				if !slices.Contains(m.names, n) {
					m.names = append(m.names, n)
				}
			}
		} else {
			m.other = true
		}
		if _, ok := c.out[p]; !ok {
			msg := e.Error()
			if strings.HasPrefix(msg, "at '") {
				if i := strings.Index(msg, "': "); i >= 0 {
					msg = msg[i+3:]
				}
			}
			msg = strings.TrimSpace(firstLine(msg))
			if _, ok := e.ErrorKind.(*kind.Not); ok {
				// "'not' failed" says nothing; the meta-schema describes
				// what its not excludes ("Schema and content are
				// mutually exclusive, at least one is required"), or its
				// not requires two members together (3.1's license:
				// identifier and url).
				if d := c.description(e.SchemaURL); d != "" {
					msg = d
				} else if names := c.notTogether(e.SchemaURL); names != nil {
					msg = fmt.Sprintf("only one of %s may be set", quoteList(names))
				}
			}
			if pk, ok := e.ErrorKind.(*kind.Pattern); ok && badName == nil {
				if h := patternHint(c.base+p, pk.Got); h != "" {
					msg = h
				}
			}
			if badName != nil {
				msg = fmt.Sprintf("the name %q does not match %s", badName.Got, badName.Want)
				if badName.Want == "^[a-zA-Z0-9._-]+$" || badName.Want == "^[a-zA-Z0-9\\.\\-_]+$" {
					msg = fmt.Sprintf("the name %q may hold only letters, digits, '.', '-' and '_'", badName.Got)
				}
			}
			if bodyAt != nil && *bodyAt == p && isReq && slices.Equal(req.Missing, []string{"schema"}) {
				msg = "a body parameter needs a schema"
			}
			if _, ok := e.ErrorKind.(*kind.FalseSchema); ok {
				// unevaluatedProperties: false (3.1+) refusing a member.
				c.refused[p] = e.SchemaURL
				parent, name := splitLast(p)
				msg = c.unknownMember(parent, name, e.SchemaURL)
				if m, ok := c.notAMediaType(parent); ok {
					delete(c.out, p)
					p, msg = parent, m
					c.certain[p] = true
					if _, done := c.out[p]; done {
						return
					}
				}
			}
			if names := c.exclusiveMembers(e); names != nil {
				msg = fmt.Sprintf("only one of %s may be set", quoteList(names))
			}
			if m, ok := c.requiredFlag(p, e); ok {
				msg = m
			}
			switch k := e.ErrorKind.(type) {
			case *kind.Type, *kind.Enum:
				if v, found := lookup(c.top, p); found {
					if h := c.shapeHint(p, v); h != "" {
						msg += ": " + h
					} else if en, ok := k.(*kind.Enum); ok {
						msg += enumSuggestion(en)
					}
				}
			}
			if c.optionalPathParam(p, isReq && slices.Equal(req.Missing, []string{"required"})) {
				// The meta-schema says "missing property 'required'" or
				// "value must be true", which reads as a defect of the
				// schema language rather than of the parameter.
				msg = "a path parameter must have required: true"
			}
			c.out[p] = fmt.Sprintf("%s (at %s)", msg, c.display(p))
		}
		return
	}
	switch e.ErrorKind.(type) {
	case *kind.OneOf, *kind.AnyOf:
		alt = true
	}
	causes := c.branchesOf(e)
	if len(causes) == 1 && len(e.Causes) > 1 {
		// The branch the parameter's `in` names: its errors are the
		// parameter's own.
		alt = false
	}
	for _, cause := range causes {
		at := bodyAt
		if len(c.selectors) > 0 {
			if locs, _ := c.selectors[0].locations(cause.SchemaURL); slices.Equal(locs, []string{"body"}) {
				p := JoinPointer("", cause.InstanceLocation...)
				at = &p
			}
		}
		c.collect(cause, at, alt)
	}
}

// branchesOf returns the causes of e to follow. When e is a parameter or
// security scheme failing every branch of a oneOf that tells its kinds
// apart (a selector's), that is the branch its property names (or the
// reference, when it has $ref): the others fail on that property and say
// nothing about it. A value that names no branch is the object's defect:
// it is the one leaf.
func (c *leafCollector) branchesOf(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if k, ok := e.ErrorKind.(*kind.OneOf); !ok || len(k.Subschemas) > 0 || len(e.Causes) == 0 {
		return e.Causes
	}
	var sel *selector
	for i := range c.selectors {
		if _, ok := c.selectors[i].locations(e.Causes[0].SchemaURL); ok {
			sel = &c.selectors[i]
			break
		}
	}
	if sel == nil {
		return c.referenceOrNot(e)
	}
	at := JoinPointer("", e.InstanceLocation...)
	v, _ := lookup(c.top, at)
	m := asMap(v)
	if m == nil {
		return e.Causes
	}
	value, ok := m[sel.prop].(string)
	_, isRef := m["$ref"]
	switch {
	case isRef:
		value = "$ref"
	case !ok:
		return e.Causes
	case value == "$ref":
		value = "" // no kind
	}
	var own []*jsonschema.ValidationError
	for _, cause := range e.Causes {
		values, known := sel.locations(cause.SchemaURL)
		if !known {
			return e.Causes
		}
		if slices.Contains(values, value) {
			own = append(own, cause)
		}
	}
	c.chosen[at] = true
	if r := sel.refine; r != nil && len(own) > 1 {
		var refined []*jsonschema.ValidationError
		known := true
		value, _ := m[r.prop].(string)
		for _, cause := range own {
			values, ok := r.locations(cause.SchemaURL)
			known = known && ok
			if slices.Contains(values, value) {
				refined = append(refined, cause)
			}
		}
		if known {
			if len(refined) == 0 {
				c.kindError(at, r, value)
			}
			return refined
		}
	}
	if len(own) == 0 {
		c.kindError(at, sel, value)
		c.unknownInEveryBranch(at, e.Causes)
	}
	return own
}

// unknownInEveryBranch records, for the object at `at` whose kind names
// no branch (in: Query), the members no branch allows: they are its
// defects whatever kind it was meant to be (a misspelt require), and
// the kind error alone would hide them.
func (c *leafCollector) unknownInEveryBranch(at string, branches []*jsonschema.ValidationError) {
	schemaURL := map[string]string{} // a schema that refused the name, for "did you mean"
	// disallowed returns the members e says the object may not have: all
	// of those its parts refuse, but of alternatives only those every
	// alternative refuses (a member one kind allows may be meant).
	var disallowed func(e *jsonschema.ValidationError, depth int) []string
	disallowed = func(e *jsonschema.ValidationError, depth int) []string {
		if depth > 32 {
			return nil
		}
		if ap, ok := e.ErrorKind.(*kind.AdditionalProperties); ok {
			if JoinPointer("", e.InstanceLocation...) != at {
				return nil
			}
			for _, n := range ap.Properties {
				if _, ok := schemaURL[n]; !ok {
					schemaURL[n] = e.SchemaURL
				}
			}
			return ap.Properties
		}
		switch e.ErrorKind.(type) {
		case *kind.OneOf, *kind.AnyOf:
			return c.refusedByAll(e.Causes, func(x *jsonschema.ValidationError) []string { return disallowed(x, depth+1) })
		}
		var out []string
		for _, x := range e.Causes {
			for _, n := range disallowed(x, depth+1) {
				if !slices.Contains(out, n) {
					out = append(out, n)
				}
			}
		}
		return out
	}
	for _, name := range c.refusedByAll(branches, func(x *jsonschema.ValidationError) []string { return disallowed(x, 0) }) {
		p := JoinPointer(at, name)
		if _, done := c.out[p]; done {
			continue
		}
		c.out[p] = fmt.Sprintf("%s (at %s)", c.unknownMember(at, name, schemaURL[name]), c.display(p))
		c.certain[p] = true
		c.markOther(p)
	}
}

// refusedByAll returns the names every alternative that is no reference
// refuses (each alternative's names given by names).
func (c *leafCollector) refusedByAll(alts []*jsonschema.ValidationError, names func(*jsonschema.ValidationError) []string) []string {
	var common []string
	first := true
	for _, a := range alts {
		if c.isReferenceError(a) {
			continue
		}
		got := names(a)
		if first {
			common, first = slices.Clone(got), false
			continue
		}
		common = slices.DeleteFunc(common, func(n string) bool { return !slices.Contains(got, n) })
	}
	return common
}

// isReferenceError reports whether e is a failed branch that describes a
// reference object (it requires $ref).
func (c *leafCollector) isReferenceError(e *jsonschema.ValidationError) bool {
	if r, ok := e.ErrorKind.(*kind.Required); ok && slices.Contains(r.Missing, "$ref") {
		return true
	}
	for _, x := range e.Causes {
		if r, ok := x.ErrorKind.(*kind.Required); ok && slices.Contains(r.Missing, "$ref") {
			return true
		}
	}
	return false
}

// kindError records that the object at `at` names no kind sel knows with
// value, as the one leaf at its property.
func (c *leafCollector) kindError(at string, sel *selector, value string) {
	p := JoinPointer(at, sel.prop)
	msg := sel.prop + " must be one of " + sel.choices
	if sel.prop == "in" && strings.EqualFold(value, "cookie") && !strings.Contains(sel.choices, "cookie") {
		msg += ": Swagger 2.0 has no cookie parameters, OpenAPI 3 does"
	} else {
		var values []string
		for _, vs := range sel.branches {
			for _, v := range vs {
				if v != "$ref" && !slices.Contains(values, v) {
					values = append(values, v)
				}
			}
		}
		slices.Sort(values)
		if near := NearestName(value, values); near != "" {
			msg += ": did you mean " + near + "?"
		}
	}
	if _, done := c.out[p]; !done {
		c.out[p] = fmt.Sprintf("%s (at %s)", msg, c.display(p))
		c.certain[p] = true
	}
	c.markOther(p)
}

// referenceOrNot returns the causes of e, a oneOf no branch of which
// matched, that concern the object: when one branch is a reference (it
// requires $ref), only it for an object with $ref, and the others for an
// object without. That an object which is no reference is not one ("missing
// property '$ref'", "additional properties 'description' not allowed")
// says nothing about it.
func (c *leafCollector) referenceOrNot(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	branches, _ := c.metaNode(e.SchemaURL)["oneOf"].([]any)
	if len(branches) < 2 {
		return e.Causes
	}
	v, _ := lookup(c.top, JoinPointer("", e.InstanceLocation...))
	m, ok := v.(map[string]any)
	if !ok {
		return e.Causes
	}
	_, isRef := m["$ref"]
	var refs, others []*jsonschema.ValidationError
	for _, cause := range e.Causes {
		rest, ok := strings.CutPrefix(cause.SchemaURL, e.SchemaURL+"/oneOf/")
		if !ok {
			return e.Causes
		}
		idx, _, _ := strings.Cut(rest, "/")
		i, err := strconv.Atoi(idx)
		if err != nil || i >= len(branches) {
			return e.Causes
		}
		if c.isReference(branches[i], 0) {
			refs = append(refs, cause)
		} else {
			others = append(others, cause)
		}
	}
	switch {
	case len(refs) == 0 || len(others) == 0:
		return e.Causes
	case isRef:
		return refs
	}
	return others
}

// isReference reports whether the meta-schema's subschema s describes a
// reference object: it requires $ref (following the meta-schema's own
// $refs).
func (c *leafCollector) isReference(s any, depth int) bool {
	m := asMap(s)
	if m == nil || depth > 8 {
		return false
	}
	if r, ok := m["$ref"].(string); ok {
		if ptr, ok := strings.CutPrefix(r, "#"); ok {
			t, _ := lookup(c.meta, ptr)
			return c.isReference(t, depth+1)
		}
		return false
	}
	req, _ := m["required"].([]any)
	return slices.Contains(req, any("$ref"))
}

// locations returns the values of the branch that schemaURL is, or is
// in: a branch that fails on one keyword only is reported at that keyword
// (".../oneOf/1/properties/in").
func (s *selector) locations(schemaURL string) ([]string, bool) {
	for u := schemaURL; ; {
		if l, ok := s.branches[u]; ok {
			return l, true
		}
		i := strings.LastIndexByte(u, '/')
		if i < 0 || !strings.Contains(u[:i], "#") {
			return nil, false
		}
		u = u[:i]
	}
}

// quoteList quotes names for a message: "a/b", "c".
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = strconv.Quote(n)
	}
	return strings.Join(q, ", ")
}

// requiredFlag reports whether the leaf error e at p is a property schema
// with a boolean required (the mistake of writing a parameter's
// `required: true` in a schema), and what to say of it.
func (c *leafCollector) requiredFlag(p string, e *jsonschema.ValidationError) (string, bool) {
	if _, ok := e.ErrorKind.(*kind.Type); !ok {
		return "", false
	}
	v, _ := lookup(c.top, p)
	return requiredFlagMessage(p, v)
}

// requiredFlagMessage says what is wrong with a `required: true` (v) at
// p, the required member of a property's schema; false for anything else.
func requiredFlagMessage(p string, v any) (string, bool) {
	parent, ok := strings.CutSuffix(p, "/required")
	if !ok || v != true {
		return "", false
	}
	i := strings.LastIndexByte(parent, '/')
	if i < 0 || !strings.HasSuffix(parent[:i], "/properties") {
		return "", false
	}
	return fmt.Sprintf("required: true is not a schema keyword: list %q in the required array of the object whose properties hold it", UnescapeToken(parent[i+1:])), true
}

// description returns the description of the meta-schema's subschema at
// schemaURL, if any.
func (c *leafCollector) description(schemaURL string) string {
	d, _ := c.metaNode(schemaURL)["description"].(string)
	return d
}

// metaNode returns the meta-schema's subschema at schemaURL, nil when
// schemaURL is not in it.
func (c *leafCollector) metaNode(schemaURL string) map[string]any {
	frag, ok := strings.CutPrefix(schemaURL, c.metaURL+"#")
	if !ok {
		return nil
	}
	ptr, err := url.PathUnescape(frag)
	if err != nil {
		return nil
	}
	v, _ := lookup(c.meta, ptr)
	return asMap(v)
}

// exclusiveMembers returns, for a oneOf that more than one branch
// matched, the members its branches each require when every branch
// matched only requires one ({required: [schema]}, {required:
// [content]}): those are members to choose between. Nil otherwise.
func (c *leafCollector) exclusiveMembers(e *jsonschema.ValidationError) []string {
	k, ok := e.ErrorKind.(*kind.OneOf)
	if !ok || len(k.Subschemas) < 2 {
		return nil
	}
	branches, _ := c.metaNode(e.SchemaURL)["oneOf"].([]any)
	var out []string
	for _, i := range k.Subschemas {
		if i < 0 || i >= len(branches) {
			return nil
		}
		b := asMap(branches[i])
		req, _ := b["required"].([]any)
		name, isName := func() (string, bool) {
			if len(req) != 1 {
				return "", false
			}
			s, ok := req[0].(string)
			return s, ok
		}()
		if !isName || len(b) != 1 {
			return nil
		}
		out = append(out, name)
	}
	return out
}

// optionalPathParam reports whether the leaf error at p is a path
// parameter that is not required: p is the parameter (an object with a
// name and in: path), missing `required` (missingRequired), or its
// `required` member, which is not true.
func (c *leafCollector) optionalPathParam(p string, missingRequired bool) bool {
	param := p
	if !missingRequired {
		var ok bool
		if param, ok = strings.CutSuffix(p, "/required"); !ok {
			return false
		}
	}
	v, _ := lookup(c.top, param)
	m := asMap(v)
	if _, named := m["name"].(string); !named || m["in"] != "path" {
		return false
	}
	return missingRequired || m["required"] != true
}

// findKey returns the pointer of a member called name in the tree below
// the node at p (p included), at most depth levels down, the first in
// key order; false when there is none.
func findKey(top any, p, name string, depth int) (string, bool) {
	budget := 10000 // nodes looked at: a definition of many large maps is not walked whole
	return findKeyWithin(top, p, name, depth, &budget)
}

func findKeyWithin(top any, p, name string, depth int, budget *int) (string, bool) {
	if *budget--; *budget < 0 {
		return "", false
	}
	v, _ := lookup(top, p)
	m, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	if _, ok := m[name]; ok {
		return JoinPointer(p, name), true
	}
	if depth == 0 {
		return "", false
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if at, ok := findKeyWithin(top, JoinPointer(p, k), name, depth-1, budget); ok {
			return at, true
		}
	}
	return "", false
}

// markOther records that the location p has an error other than a
// missing member, so its message is not replaced by a list of missing
// members.
func (c *leafCollector) markOther(p string) {
	if c.missing[p] == nil {
		c.missing[p] = &missingAt{}
	}
	c.missing[p].other = true
}

// display names the location p (relative to c.top) in messages.
func (c *leafCollector) display(p string) string { return displayPointer(c.base + p) }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func displayPointer(p string) string {
	if p == "" {
		return "the top level"
	}
	return p
}

// jsonValue returns v in the value space the schema engine expects. The
// tree already uses json.Number and plain maps; this exists so a future
// change of tree representation has one place to adapt.
func jsonValue(v any) any { return v }

var _ = json.Number("")
