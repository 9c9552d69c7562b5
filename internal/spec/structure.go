package spec

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"sort"
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
}

func metaSchema(f Family) (*jsonschema.Schema, error) {
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
	})
	return entry.schema, entry.err
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

func validateStructure(d *Document, top map[string]any, f Family) []Problem {
	sch, err := metaSchema(f)
	if err != nil {
		// The meta-schema ships with the binary; failing to compile it is
		// our bug, not the user's. Say so without failing the load.
		return []Problem{{Code: "structure-check-unavailable", Message: "structural validation unavailable: " + err.Error(), Loc: Location{File: d.Path}}}
	}
	err = sch.Validate(jsonValue(top))
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Code: "invalid-structure", Message: err.Error(), Loc: Location{File: d.Path}, Error: true}}
	}
	leaves := map[string]string{}
	missing := map[string]*missingAt{}
	collectLeaves(ve, leaves, missing)
	ptrs := make([]string, 0, len(leaves))
	for p := range leaves {
		ptrs = append(ptrs, p)
	}
	sort.Strings(ptrs)
	// Keep the deepest locations: "oneOf failed" on a parent adds nothing
	// when a child says what is wrong.
	var out []Problem
	for i, p := range ptrs {
		if i+1 < len(ptrs) && strings.HasPrefix(ptrs[i+1], p+"/") {
			continue
		}
		if len(out) == maxStructureProblems {
			out = append(out, Problem{Code: "invalid-structure", Message: fmt.Sprintf("%d more structural errors not listed", len(ptrs)-i), Loc: Location{File: d.Path}, Error: true})
			break
		}
		pr := Problem{Code: "invalid-structure", Message: leaves[p], Loc: d.files.locate(NodeRef{File: d.files.rootKey, Pointer: p}), Error: true}
		if m := missing[p]; m != nil && !m.other {
			pr.Missing = m.names
		}
		out = append(out, pr)
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

func collectLeaves(e *jsonschema.ValidationError, out map[string]string, missing map[string]*missingAt) {
	if len(e.Causes) == 0 {
		p := JoinPointer("", e.InstanceLocation...)
		m := missing[p]
		if m == nil {
			m = &missingAt{}
			missing[p] = m
		}
		if req, ok := e.ErrorKind.(*kind.Required); ok {
			for _, n := range req.Missing {
				if !slices.Contains(m.names, n) {
					m.names = append(m.names, n)
				}
			}
		} else {
			m.other = true
		}
		if _, ok := out[p]; !ok {
			msg := e.Error()
			if strings.HasPrefix(msg, "at '") {
				if i := strings.Index(msg, "': "); i >= 0 {
					msg = msg[i+3:]
				}
			}
			out[p] = fmt.Sprintf("%s (at %s)", strings.TrimSpace(firstLine(msg)), displayPointer(p))
		}
		return
	}
	for _, c := range e.Causes {
		collectLeaves(c, out, missing)
	}
}

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
