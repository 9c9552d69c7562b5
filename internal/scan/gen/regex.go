package gen

import (
	"regexp/syntax"
	"strings"
	"unicode"
)

// FromPattern returns a string matching the regular expression pattern, or
// ok=false when the pattern cannot be parsed. It walks the parsed RE2 syntax
// tree and takes the shortest choice at each node (minimum repetitions,
// first alternative), preferring readable characters from classes.
// Patterns are unanchored in JSON Schema, so the result matches whether or
// not the pattern has ^/$.
func FromPattern(pattern string) (string, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !walk(&b, re.Simplify(), 0) {
		return "", false
	}
	return b.String(), true
}

func walk(b *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 100 || b.Len() > 4096 {
		return false
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral:
		for _, r := range re.Rune {
			if re.Flags&syntax.FoldCase != 0 {
				r = unicode.ToLower(r)
			}
			b.WriteRune(r)
		}
		return true
	case syntax.OpCharClass:
		r, ok := pickRune(re.Rune)
		if !ok {
			return false
		}
		b.WriteRune(r)
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('a')
		return true
	case syntax.OpCapture:
		return walk(b, re.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
		return true
	case syntax.OpPlus:
		return walk(b, re.Sub[0], depth+1)
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !walk(b, re.Sub[0], depth+1) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !walk(b, s, depth+1) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			var sub strings.Builder
			if walk(&sub, s, depth+1) {
				b.WriteString(sub.String())
				return true
			}
		}
		return false
	}
	return false
}

// pickRune chooses a character from a class given as [lo, hi] pairs,
// preferring a lower-case letter, then a digit, then an upper-case letter,
// then any printable character, so generated values stay readable.
func pickRune(ranges []rune) (rune, bool) {
	if len(ranges) == 0 {
		return 0, false
	}
	for _, want := range []rune{'a', 'x', '1', 'A', '-', '_', '.'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want, true
			}
		}
	}
	for i := 0; i+1 < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1] && r < ranges[i]+256; r++ {
			if unicode.IsPrint(r) && r != ' ' {
				return r, true
			}
		}
	}
	return ranges[0], true
}
