package firewall

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// leafPattern is the settingBounds key of a schema leaf.
func leafPattern(tokens []string) string {
	var b strings.Builder
	for _, tok := range tokens {
		if tok != "[]" && b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// TestSettingBoundsCoverEveryNumber checks that every integer and
// duration key of the schema is classified in settingBounds (so a new
// setting cannot bring back a silently ignored 0), and that the schema
// publishes each integer's minimum.
func TestSettingBoundsCoverEveryNumber(t *testing.T) {
	seen := map[string]bool{}
	for _, leaf := range scalarLeaves(configSchemaDoc(), nil) {
		var loc []string
		for _, tok := range leaf.tokens {
			switch tok {
			case "[]":
				loc = append(loc, "0")
			case "*":
				loc = append(loc, "k")
			default:
				loc = append(loc, tok)
			}
		}
		s := schemaAt(loc)
		isInt := typeName(s) == "integer" && s["enum"] == nil
		if !isInt && !isDurationSchema(s) {
			continue
		}
		p := leafPattern(leaf.tokens)
		seen[p] = true
		b, ok := settingBounds[p]
		if !ok {
			t.Errorf("%s: a number with no settingBounds entry: say what 0 and negative values mean", p)
			continue
		}
		if isInt && fmt.Sprint(s["minimum"]) != fmt.Sprint(b.min) {
			t.Errorf("%s: schema minimum %v, want %d", p, s["minimum"], b.min)
		}
		if _, duration, _ := boundOf(strings.NewReplacer("*", "k", "[]", "[0]").Replace(p)); duration != !isInt {
			t.Errorf("%s: boundOf says duration=%v", p, duration)
		}
	}
	for p := range settingBounds {
		if !seen[p] {
			t.Errorf("%s: in settingBounds but not a number of the schema", p)
		}
	}
}

// TestSettingBoundsAreEnforced puts, at every bounded key, the values
// settingBounds refuses and one it accepts: each refused value must be
// reported once, about that key; the accepted one not at all.
func TestSettingBoundsAreEnforced(t *testing.T) {
	for p, b := range settingBounds {
		tokens := strings.Split(strings.ReplaceAll(p, "[]", ".[]"), ".")
		var prefix, suffix, path string
		for _, tok := range tokens {
			switch tok {
			case "[]":
				prefix, suffix, path = prefix+"[", "]"+suffix, path+"[0]"
			case "*":
				prefix, suffix, path = prefix+"{k: ", "}"+suffix, join(path, "k")
			default:
				prefix, suffix, path = prefix+"{"+tok+": ", "}"+suffix, join(path, tok)
			}
		}
		_, duration, _ := boundOf(path)
		var bad []string
		good := "1s"
		if duration {
			if !b.zeroOK {
				bad = append(bad, "0s")
			}
			if !b.negOK {
				bad = append(bad, "-1s")
			}
		} else {
			good = fmt.Sprint(max(b.min, 1))
			if b.min > 0 {
				bad = append(bad, "0")
			}
			bad = append(bad, fmt.Sprint(b.min-1))
		}
		leafName := tokens[len(tokens)-1]
		about := func(pr ConfigProblem) bool {
			if pr.Path == path {
				return true
			}
			// A section's own check may name the key in its message.
			return strings.HasPrefix(path, pr.Path+".") && (strings.Contains(pr.Message, leafName) || duration && strings.Contains(pr.Message, "durations"))
		}
		for _, v := range bad {
			doc := prefix + v + suffix + "\n"
			var n int
			for _, pr := range ValidateConfig([]byte(doc)) {
				if about(pr) {
					n++
				}
			}
			if n != 1 {
				js, _ := json.Marshal(ValidateConfig([]byte(doc)))
				t.Errorf("%s: %d problems about %s, want 1: %s", doc[:len(doc)-1], n, path, js)
			}
		}
		doc := prefix + good + suffix + "\n"
		for _, pr := range ValidateConfig([]byte(doc)) {
			if pr.Path == path {
				t.Errorf("%s: %v", doc[:len(doc)-1], pr)
			}
		}
	}
}
