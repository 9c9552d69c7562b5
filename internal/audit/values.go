package audit

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/rampart-sec/rampart/internal/sensitive"
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

// problems returns one message per value that violates the node. secret
// says the node describes a credential (secretNode): its values are not
// quoted, bar its enum, which is the contract's list and no sample.
// Values that look like credentials are never quoted.
func (vc *valueChecker) problems(m map[string]any, secret bool) []valueProblem {
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
			hide := secret && it.kw != "enum" || credentialIn(it.value)
			var msg string
			if hide {
				// A report must not repeat a secret, and the summary
				// can quote the value ("'hunter2' does not match
				// pattern ...", "got 1234, want ...").
				msg = fmt.Sprintf("%s value %s does not satisfy the schema: %s", it.kw, redactedValue, withoutValues(validationSummary(err), it.value))
			} else {
				msg = fmt.Sprintf("%s value %s does not satisfy the schema: %s", it.kw, short(it.value), validationSummary(err))
			}
			if it.kw == "enum" {
				// The contract model reads such a value as its text
				// (spec.TypedEnum): say what is enforced.
				if enum, retyped := spec.TypedEnum(m); len(retyped) > 0 && it.i < len(enum) && !reflect.DeepEqual(enum[it.i], it.value) {
					if hide {
						msg += fmt.Sprintf(" (rampart enforces it as the %s its text spells)", asString(m["type"]))
					} else {
						msg += fmt.Sprintf(" (rampart enforces it as %s, the %s its text spells)", short(enum[it.i]), asString(m["type"]))
					}
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
	for _, p := range c.vc.problems(m, secretNode(c.r.doc, at, m)) {
		c.add("data-value-invalid", ref(at.File, at.Pointer, p.ptr...), p.msg)
	}
}

// redactedValue stands for a value a message does not quote.
const redactedValue = "(redacted: a credential)"

// secretNode reports whether the schema node m at at describes a
// credential, so that the values it writes (example, default, const) are
// secrets: `format: password`, or the name it is known by (a property, a
// component, a parameter or a header; see nodeName) is a secret name
// (sensitive.SecretName). A schema reached through a $ref from a property
// named password is known by its component's name.
func secretNode(doc *spec.Document, at spec.NodeRef, m map[string]any) bool {
	if asString(m["format"]) == "password" {
		return true
	}
	name := nodeName(doc, at)
	return name != "" && sensitive.SecretName(name)
}

// nodeName returns the name a schema node is known by: it walks up the
// pointer through the keywords that describe the same value further
// (items, schema, allOf members ...) to a property, a component, a header
// or a parameter (whose name is its `name`). "" when there is none.
func nodeName(doc *spec.Document, at spec.NodeRef) string {
	segs := spec.SplitPointer(at.Pointer)
	named := func(i int) bool {
		switch segs[i-1] {
		case "properties", "schemas", "definitions", "$defs", "headers", "parameters":
			return true
		}
		return false
	}
	i := len(segs) - 1
	for i >= 1 && !named(i) {
		switch segs[i] {
		case "items", "additionalProperties", "unevaluatedProperties", "additionalItems", "contains", "not", "schema":
			i--
			continue
		}
		if i >= 2 && isIndex(segs[i]) {
			switch segs[i-1] {
			case "allOf", "anyOf", "oneOf", "prefixItems", "items":
				i -= 2
				continue
			}
		}
		break
	}
	if i < 1 || !named(i) {
		return ""
	}
	if segs[i-1] == "parameters" {
		// A parameter is named by its name, whatever its key or index.
		if v, ok := doc.Value(spec.NodeRef{File: at.File, Pointer: spec.JoinPointer("", segs[:i+1]...)}); ok {
			if name := asString(asMap(v)["name"]); name != "" {
				return name
			}
		}
		if isIndex(segs[i]) {
			return ""
		}
	}
	return segs[i]
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// credentialIn reports whether a value holds, anywhere, a string that
// looks like a credential (sensitive.LooksLikeCredential).
func credentialIn(v any) bool {
	switch x := v.(type) {
	case string:
		return sensitive.LooksLikeCredential(x)
	case map[string]any:
		for k, e := range x {
			if sensitive.LooksLikeCredential(k) || credentialIn(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if credentialIn(e) {
				return true
			}
		}
	}
	return false
}

// withoutValues returns a validation summary with the scalars of each of
// values (strings, numbers) it quotes replaced, as the engine quotes them
// ('v') and as they stand, and with any credential masked.
func withoutValues(summary string, values ...any) string {
	var leaves []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case string:
			leaves = append(leaves, x)
		case nil, bool:
		default:
			leaves = append(leaves, fmt.Sprint(x))
		}
	}
	for _, v := range values {
		walk(v)
	}
	for _, l := range leaves {
		if l == "" {
			continue
		}
		summary = strings.ReplaceAll(summary, engineQuote(l), "(redacted)")
		summary = replaceWord(summary, l, "(redacted)")
		if g := groupThousands(l); g != l {
			summary = replaceWord(summary, g, "(redacted)") // "got 44,170"
		}
	}
	return sensitive.RedactCredentials(summary, "(redacted)")
}

// groupThousands writes a number's integer part with comma separators,
// as the engine's English messages print numbers; anything else is
// returned as it is.
func groupThousands(s string) string {
	sign, digits := "", s
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	intPart, frac, hasFrac := strings.Cut(digits, ".")
	if len(intPart) <= 3 || strings.Trim(intPart, "0123456789") != "" {
		return s
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := sign + b.String()
	if hasFrac {
		out += "." + frac
	}
	return out
}

// engineQuote quotes s as the JSON Schema engine's messages do: Go
// syntax, in single quotes.
func engineQuote(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, `\"`, `"`)
	q = strings.ReplaceAll(q, `'`, `\'`)
	return "'" + q[1:len(q)-1] + "'"
}

// replaceWord replaces the occurrences of word in text that no letter,
// digit or '.' extends, so that a secret "1234" is taken out of "got
// 1234," but "want 12345" is not cut in two.
func replaceWord(text, word, mark string) string {
	if !strings.Contains(text, word) {
		return text
	}
	wordy := func(b byte) bool {
		return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '.' || b == '_'
	}
	var b strings.Builder
	i := 0
	for {
		j := strings.Index(text[i:], word)
		if j < 0 {
			break
		}
		j += i
		end := j + len(word)
		if (j == 0 || !wordy(text[j-1]) || !wordy(word[0])) && (end == len(text) || !wordy(text[end]) || !wordy(word[len(word)-1])) {
			b.WriteString(text[i:j])
			b.WriteString(mark)
		} else {
			b.WriteString(text[i:end])
		}
		i = end
	}
	b.WriteString(text[i:])
	return b.String()
}
