package spec

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
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
