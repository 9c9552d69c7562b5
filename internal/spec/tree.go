package spec

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"

	yaml "github.com/pb33f/go-yaml"
)

// toTree converts a parsed YAML/JSON node into plain Go values (the shape
// encoding/json produces with UseNumber: map[string]any, []any, string,
// json.Number, bool, nil). Aliases are expanded with a budget so a
// "billion laughs" document fails fast instead of exhausting memory, and
// nesting is bounded so hostile input cannot exhaust the stack.
type treeBuilder struct {
	budget   int // remaining node expansions
	maxDepth int
	file     string
}

// limitError is input the tree builder refuses (too deep, too many
// nodes, a repeated key), with the line where it is.
type limitError struct {
	msg  string
	line int
}

func (e *limitError) Error() string { return e.msg }

func (b *treeBuilder) build(n *yaml.Node, depth int) (any, error) {
	if depth > b.maxDepth {
		return nil, &limitError{fmt.Sprintf("nesting deeper than %d levels", b.maxDepth), n.Line}
	}
	b.budget--
	if b.budget < 0 {
		return nil, &limitError{"document expands to too many nodes (YAML alias bomb?)", n.Line}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return b.build(n.Content[0], depth)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, nil
		}
		return b.build(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		var merged map[string]bool // keys that came from merge keys
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" && k.Tag == "!!merge" {
				// YAML merge key: fold the referenced mapping(s) in, without
				// overriding keys written explicitly.
				src, err := b.build(n.Content[i+1], depth+1)
				if err != nil {
					return nil, err
				}
				if merged == nil {
					merged = map[string]bool{}
				}
				mergeInto(m, src, merged)
				continue
			}
			if _, dup := m[k.Value]; dup && k.Kind == yaml.ScalarNode && !merged[k.Value] {
				// YAML requires unique keys, and JSON input with a repeated
				// name is refused too. Keeping one of the values would
				// model a contract other parsers may read differently, and
				// locations would name the other occurrence.
				return nil, &limitError{fmt.Sprintf("mapping key %q already defined at line %d", k.Value, firstKeyLine(n, k.Value)), k.Line}
			}
			v, err := b.build(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
			delete(merged, k.Value)
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := b.build(c, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, v)
		}
		return s, nil
	case yaml.ScalarNode:
		return scalarValue(n), nil
	}
	return nil, nil
}

// mergeInto adds the merge source's keys that dst does not have, noting
// them in from.
func mergeInto(dst map[string]any, src any, from map[string]bool) {
	switch s := src.(type) {
	case map[string]any:
		for k, v := range s {
			if _, ok := dst[k]; !ok {
				dst[k] = v
				from[k] = true
			}
		}
	case []any:
		for _, x := range s {
			mergeInto(dst, x, from)
		}
	}
}

// firstKeyLine is the line of the first key of mapping n spelled key.
func firstKeyLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Kind == yaml.ScalarNode && k.Value == key {
			return k.Line
		}
	}
	return 0
}

// scalarValue resolves a scalar the way a YAML 1.2 core schema / JSON reader
// would. Numbers keep their literal text (json.Number) so a maximum beyond
// int64 survives.
func scalarValue(n *yaml.Node) any {
	tag := n.ShortTag()
	switch tag {
	case "!!null":
		return nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true", "yes", "on":
			return true
		}
		return false
	case "!!int":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value)
		}
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil {
			return json.Number(strconv.FormatInt(i, 10))
		}
		return n.Value
	case "!!float":
		if isJSONNumber(n.Value) {
			return json.Number(n.Value)
		}
		if f, err := strconv.ParseFloat(n.Value, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
		return n.Value
	case "!!str":
		// yaml.v3 resolves a plain float it cannot hold in a float64
		// (1e400) as a string; YAML 1.2 and JSON read it as a number, and
		// the contract keeps its literal text like any other number.
		if n.Style == 0 {
			if lit, ok := yamlFloatLiteral(n.Value); ok {
				return json.Number(lit)
			}
		}
	}
	return n.Value
}

// yamlFloat is the YAML 1.2 core schema float without .inf and .nan.
var yamlFloat = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

// yamlFloatLiteral rewrites a YAML float literal in JSON number syntax
// (+1.e400 is 1.0e400), keeping every digit.
func yamlFloatLiteral(s string) (string, bool) {
	if !yamlFloat.MatchString(s) {
		return "", false
	}
	if isJSONNumber(s) {
		return s, true
	}
	s = strings.TrimPrefix(s, "+")
	sign := ""
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		sign, s = "-", rest
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	for len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
		s = s[1:] // 007e400: JSON allows no leading zeros
	}
	mant, exp, hasExp := strings.Cut(s, "e")
	if !hasExp {
		mant, exp, hasExp = strings.Cut(s, "E")
	}
	if strings.HasSuffix(mant, ".") {
		mant += "0"
	}
	if hasExp {
		mant += "e" + exp
	}
	if !isJSONNumber(sign + mant) {
		return "", false
	}
	return sign + mant, true
}

func isJSONNumber(s string) bool {
	if s == "" {
		return false
	}
	var v json.Number
	return json.Unmarshal([]byte(s), &v) == nil
}

// locate walks the YAML node tree along a JSON pointer and returns the
// deepest node reached (so a pointer to a missing child still lands on its
// parent's line). Locating is lazy: building a full pointer index for a 3 MB
// spec costs more than the few hundred look-ups a report needs. Large
// mappings (paths, components) get a key index on first use, so a report
// with a hundred thousand findings does not scan them linearly each time.
func locate(root *yaml.Node, pointer string, idx *keyIndex) (line, col int) {
	n := root
	if n == nil {
		return 0, 0
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line, col = n.Line, n.Column
	for _, tok := range SplitPointer(pointer) {
		for n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			if i := idx.find(n, tok); i >= 0 {
				// Point at the key: that is the line a reader looks for.
				line, col = n.Content[i].Line, n.Content[i].Column
				next = n.Content[i+1]
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line, col = next.Line, next.Column
			}
		}
		if next == nil {
			return line, col
		}
		n = next
	}
	return line, col
}

// keyIndex maps the keys of large mapping nodes to their positions.
type keyIndex struct {
	mu sync.Mutex
	m  map[*yaml.Node]map[string]int
}

const indexThreshold = 64 // keys; below this a scan is as fast

// find returns the index in n.Content of key tok, or -1.
func (x *keyIndex) find(n *yaml.Node, tok string) int {
	if x == nil || len(n.Content) < 2*indexThreshold {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == tok {
				return i
			}
		}
		return -1
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	keys, ok := x.m[n]
	if !ok {
		keys = make(map[string]int, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if _, dup := keys[n.Content[i].Value]; !dup {
				keys[n.Content[i].Value] = i
			}
		}
		if x.m == nil {
			x.m = map[*yaml.Node]map[string]int{}
		}
		x.m[n] = keys
	}
	if i, ok := keys[tok]; ok {
		return i
	}
	return -1
}

// EscapeToken escapes one reference token for a JSON pointer.
func EscapeToken(t string) string {
	if !strings.ContainsAny(t, "~/") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
}

// UnescapeToken undoes EscapeToken.
func UnescapeToken(t string) string {
	if !strings.Contains(t, "~") {
		return t
	}
	return strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
}

// SplitPointer splits an RFC 6901 pointer ("/a/b~1c", optionally after a
// "#") into unescaped tokens.
func SplitPointer(p string) []string {
	p = strings.TrimPrefix(p, "#")
	if !strings.HasPrefix(p, "/") {
		return nil
	}
	parts := strings.Split(p[1:], "/")
	for i, s := range parts {
		parts[i] = UnescapeToken(s)
	}
	return parts
}

// JoinPointer appends escaped tokens to a JSON pointer.
func JoinPointer(base string, tokens ...string) string {
	var sb strings.Builder
	sb.WriteString(base)
	for _, t := range tokens {
		sb.WriteByte('/')
		sb.WriteString(EscapeToken(t))
	}
	return sb.String()
}

// lookup follows a pointer in a generic tree.
func lookup(v any, pointer string) (any, bool) {
	for _, tok := range SplitPointer(pointer) {
		switch x := v.(type) {
		case map[string]any:
			c, ok := x[tok]
			if !ok {
				return nil, false
			}
			v = c
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
