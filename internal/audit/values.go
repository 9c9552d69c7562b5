package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// valueChecker validates the values a schema writes about itself (enum,
// const, default, example, examples) against the schema's own scalar
// keywords, with the JSON Schema engine. Only the node's local keywords
// are used (type, length, pattern, bounds, enum): deeper structure is
// checked where it is defined. Compiled schemas are cached by their
// canonical JSON, since most nodes share a handful of shapes.
type valueChecker struct {
	family spec.Family
	doc    *spec.Document
	mu     sync.Mutex
	cache  map[string]*jsonschema.Schema
}

func newValueChecker(doc *spec.Document) *valueChecker {
	return &valueChecker{family: doc.Family, doc: doc, cache: map[string]*jsonschema.Schema{}}
}

var localKeywords = []string{"type", "enum", "const", "minLength", "maxLength", "pattern", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties"}

// local builds the schema of the node's scalar keywords, in 2020-12 terms.
func (vc *valueChecker) local(m map[string]any, without string) map[string]any {
	out := map[string]any{}
	for _, k := range localKeywords {
		if k == without {
			continue
		}
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	if t, ok := out["type"].(string); ok && t == "file" {
		out["type"] = "string"
	}
	if p, ok := out["pattern"].(string); ok {
		if _, _, err := vc.doc.CompilePattern(p); err != nil {
			delete(out, "pattern")
		}
	}
	if vc.family == spec.Swagger20 || vc.family == spec.OpenAPI30 {
		for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
			if b, ok := out[pair[0]].(bool); ok {
				delete(out, pair[0])
				if bound, has := out[pair[1]]; b && has {
					out[pair[0]] = bound
					delete(out, pair[1])
				}
			}
		}
		if asBool(m["nullable"]) || asBool(m["x-nullable"]) {
			switch t := out["type"].(type) {
			case string:
				out["type"] = []any{t, "null"}
			}
			if e, ok := out["enum"].([]any); ok {
				out["enum"] = append(append([]any(nil), e...), nil)
			}
		}
	}
	return out
}

func (vc *valueChecker) compile(local map[string]any) (*jsonschema.Schema, error) {
	key, err := json.Marshal(local)
	if err != nil {
		return nil, err
	}
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if s, ok := vc.cache[string(key)]; ok {
		return s, nil
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	// Patterns stay as written and are compiled as the engines run
	// them, by the definition (once each, within its budget).
	c.UseRegexpEngine(func(p string) (jsonschema.Regexp, error) {
		re, _, err := vc.doc.CompilePattern(p)
		if err != nil {
			return nil, err
		}
		return re, nil
	})
	if err := c.AddResource("urn:rampart:local", local); err != nil {
		vc.cache[string(key)] = nil
		return nil, err
	}
	s, err := c.Compile("urn:rampart:local")
	if err != nil {
		s = nil
	}
	vc.cache[string(key)] = s
	return s, err
}

// problems returns one message per value that violates the node.
func (vc *valueChecker) problems(m map[string]any) []valueProblem {
	type item struct {
		kw    string
		ptr   []string
		value any
		i     int // index in enum
	}
	var items []item
	for _, kw := range []string{"default", "example", "const"} {
		if v, ok := m[kw]; ok {
			items = append(items, item{kw, []string{kw}, v, 0})
		}
	}
	if vc.family != spec.Swagger20 && vc.family != spec.OpenAPI30 {
		for i, v := range asSlice(m["examples"]) {
			items = append(items, item{"examples", []string{"examples", itoa(i)}, v, i})
		}
	}
	for i, v := range asSlice(m["enum"]) {
		items = append(items, item{"enum", []string{"enum", itoa(i)}, v, i})
	}
	if len(items) == 0 {
		return nil
	}
	var out []valueProblem
	schemas := map[string]*jsonschema.Schema{}
	for _, it := range items {
		without := ""
		if it.kw == "enum" || it.kw == "const" {
			without = it.kw // a value is judged by the other keywords
		}
		s, ok := schemas[without]
		if !ok {
			local := vc.local(m, without)
			if len(local) == 0 {
				schemas[without] = nil
				continue
			}
			s, _ = vc.compile(local)
			schemas[without] = s
		}
		if s == nil {
			continue
		}
		if err := spec.Validate(s, it.value); err != nil {
			msg := fmt.Sprintf("%s value %s does not satisfy the schema: %s", it.kw, short(it.value), validationSummary(err))
			if it.kw == "enum" {
				// The contract model reads such a value as its text
				// (spec.TypedEnum): say what is enforced.
				if enum, retyped := spec.TypedEnum(m); len(retyped) > 0 && it.i < len(enum) && !reflect.DeepEqual(enum[it.i], it.value) {
					msg += fmt.Sprintf(" (rampart enforces it as %s, the %s its text spells)", short(enum[it.i]), asString(m["type"]))
				}
			}
			out = append(out, valueProblem{ptr: it.ptr, msg: msg})
		}
	}
	return out
}

type valueProblem struct {
	ptr []string
	msg string
}

func short(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	s := string(b)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func validationSummary(err error) string {
	if ve, ok := err.(*jsonschema.ValidationError); ok {
		for len(ve.Causes) > 0 {
			ve = ve.Causes[0]
		}
		// Drop the instance location ("at '': "), which is always the
		// value itself, and keep the keyword: "exclusiveMaximum: got 10,
		// want 10" says why 10 fails where "got 10, want 10" does not.
		// Cutting at the last ": " instead also cut patterns and
		// values that contain one.
		s := ve.Error()
		if rest, ok := strings.CutPrefix(s, "at '"); ok {
			if _, after, found := strings.Cut(rest, "': "); found {
				s = after
			}
		}
		return strings.TrimSpace(s)
	}
	return err.Error()
}

func (c *nodeCheck) checkValues(m map[string]any, at spec.NodeRef, legacy bool) {
	_ = legacy
	for _, p := range c.vc.problems(m) {
		c.add("data-value-invalid", ref(at.File, at.Pointer, p.ptr...), p.msg)
	}
}
