package spec

import (
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ValidationSummary says in one line why a value failed a compiled
// schema: its deepest causes ("at '/items/0/sku': ..."), at most limit of
// them, without the engine's opening line, which names the schema by its
// internal URL (a long urn:rampart:schema: identifier no user can read).
func ValidationSummary(err error, limit int) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return strings.ReplaceAll(err.Error(), "\n", "; ")
	}
	var leaves []string
	seen := map[string]bool{}
	total := 0
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		msg := strings.ReplaceAll(e.Error(), "\n", " ")
		if seen[msg] {
			return
		}
		seen[msg] = true
		total++
		if len(leaves) < limit {
			leaves = append(leaves, msg)
		}
	}
	walk(ve)
	s := strings.Join(leaves, "; ")
	if total > len(leaves) {
		s += fmt.Sprintf(" (and %d more)", total-len(leaves))
	}
	return s
}
