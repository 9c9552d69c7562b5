package spec

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// ValidationSummary says in one line why a value failed a compiled
// schema: its deepest causes ("at '/items/0/sku': ..."), at most limit of
// them in order, without the engine's opening line, which names the schema by its
// internal URL (a long urn:rampart:schema: identifier no user can read).
func ValidationSummary(err error, limit int) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	var leaves []string
	seen := map[string]bool{}
	for _, e := range ValidationLeaves(ve) {
		msg := strings.ReplaceAll(e.Error(), "\n", " ")
		msg = plainerLeaf(e, msg)
		if !seen[msg] {
			seen[msg] = true
			leaves = append(leaves, msg)
		}
	}
	// The engine visits properties in map order: sorted, the same value
	// always reads the same.
	slices.Sort(leaves)
	s := strings.Join(leaves[:min(limit, len(leaves))], "; ")
	if len(leaves) > limit {
		s += fmt.Sprintf(" (and %d more)", len(leaves)-limit)
	}
	return s
}

// plainerLeaf rewrites the engine's jargon in one leaf's message: a
// property unevaluatedProperties: false refuses is "false schema" to the
// engine, and a value that several oneOf branches accept "'oneOf' failed,
// subschemas 0, 1 matched".
func plainerLeaf(e *jsonschema.ValidationError, msg string) string {
	at := ""
	if strings.HasPrefix(msg, "at '") {
		if i := strings.Index(msg, "': "); i >= 0 {
			at = msg[:i+3]
		}
	}
	switch k := e.ErrorKind.(type) {
	case *kind.FalseSchema:
		return at + "undeclared property, not allowed"
	case *kind.OneOf:
		if len(k.Subschemas) > 1 {
			idx := make([]string, len(k.Subschemas))
			for i, n := range k.Subschemas {
				idx[i] = strconv.Itoa(n)
			}
			return at + "matches more than one branch of a oneOf (" + strings.Join(idx, ", ") + "), which must match exactly one"
		}
	}
	return msg
}

// ValidationLeaves returns the deepest causes of a validation error (the
// engine's tree ends in them: each says what failed where), in the
// engine's order; none when err is no *jsonschema.ValidationError.
func ValidationLeaves(err error) []*jsonschema.ValidationError {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	var out []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			out = append(out, e)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}
