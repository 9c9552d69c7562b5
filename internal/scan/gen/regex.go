package gen

import (
	"regexp/syntax"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/spec"
)

// FromPattern returns a string matching the regular expression pattern, or
// ok=false when the pattern cannot be parsed. It walks the parsed RE2 syntax
// tree and takes the shortest choice at each node (minimum repetitions,
// first alternative), preferring readable characters from classes.
// Patterns are unanchored in JSON Schema, so the result matches whether or
// not the pattern has ^/$.
func FromPattern(pattern string) (string, bool) {
	return FromPatternMin(pattern, 0)
}

// fromPattern is FromPatternMin for a pattern of doc, where the firewall
// enforces it: one the definition does not compile (RE2 cannot run it,
// or it is past the definition's budget of instructions) constrains
// nothing, and reading a huge one would only cost time.
func fromPattern(doc *spec.Document, pattern string, minLen int) (string, bool) {
	if _, _, err := doc.CompilePattern(pattern); err != nil {
		return "", false
	}
	return FromPatternMin(pattern, minLen)
}

func (w *walker) fromPattern(pattern string, minLen int) (string, bool) {
	return fromPattern(w.g.Doc, pattern, minLen)
}

// FromPatternMin is FromPattern for a string of at least minLen
// characters where the pattern allows one: the shortest match, grown
// inside the pattern's own repetitions (x*, x+, x{2,5}) from the left
// until it is long enough. Padding a match at its end instead breaks
// patterns that end in a fixed part ('^[a-z]+-[0-9]{2}$'). The result
// may still be shorter when the pattern's repetitions cannot grow.
func FromPatternMin(pattern string, minLen int) (string, bool) {
	// Read as the firewall reads it: in RE2's syntax (\uXXXX, Java's
	// POSIX classes, a repetition above 1000 relaxed).
	re, err := spec.ParsePattern(pattern)
	if err != nil {
		return "", false
	}
	re = re.Simplify()
	g := patternGen{limit: 4096}
	if !g.walk(re, 0) {
		return "", false
	}
	shortest := g.b.String()
	short := minLen - utf8.RuneCountInString(shortest)
	if short <= 0 {
		return shortest, true
	}
	g = patternGen{extra: short, limit: 4096 + 4*minLen}
	if !g.walk(re, 0) {
		return shortest, true
	}
	return g.b.String(), true
}

// patternGen builds one match. extra is how many characters the
// repetitions may still add beyond their minimum.
type patternGen struct {
	b     strings.Builder
	extra int
	limit int // bytes, a bound on the work a hostile pattern can cause
	// optional marks a generator writing an optional repetition, where
	// every character is beyond the minimum and counts against extra as
	// it is written: nested repetitions (Simplify turns x{0,63} into 63
	// nested x?) then see what is still wanted, not the whole of it.
	optional bool
}

// put writes r, counting it when it is beyond the minimum.
func (g *patternGen) put(r rune) {
	g.b.WriteRune(r)
	if g.optional {
		g.extra--
	}
}

func (g *patternGen) walk(re *syntax.Regexp, depth int) bool {
	if depth > 100 || g.b.Len() > g.limit {
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
			g.put(r)
		}
		return true
	case syntax.OpCharClass:
		r, ok := pickRune(re.Rune)
		if !ok {
			return false
		}
		g.put(r)
		return true
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		g.put('a')
		return true
	case syntax.OpCapture:
		return g.walk(re.Sub[0], depth+1)
	case syntax.OpStar:
		g.grow(re.Sub[0], depth, -1)
		return true
	case syntax.OpQuest:
		g.grow(re.Sub[0], depth, 1)
		return true
	case syntax.OpPlus:
		if !g.walk(re.Sub[0], depth+1) {
			return false
		}
		g.grow(re.Sub[0], depth, -1)
		return true
	case syntax.OpRepeat:
		// Simplify rewrites counted repetitions into copies and nested
		// OpQuest; this is for what it leaves.
		for i := 0; i < re.Min; i++ {
			if !g.walk(re.Sub[0], depth+1) {
				return false
			}
		}
		return true
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !g.walk(s, depth+1) {
				return false
			}
		}
		return true
	case syntax.OpAlternate:
		// The first alternative that matches; while characters are
		// wanted, the first that supplies them all, or else the one
		// that supplies most.
		var best *patternGen
		for _, s := range re.Sub {
			sub := &patternGen{extra: g.extra, limit: g.limit, optional: g.optional}
			if !sub.walk(s, depth+1) {
				continue
			}
			if best == nil || sub.extra < best.extra {
				best = sub
			}
			if best.extra <= 0 {
				break
			}
		}
		if best == nil {
			return false
		}
		g.b.WriteString(best.b.String())
		g.extra = best.extra
		return true
	}
	return false
}

// grow adds optional repetitions of sub (at most max, or any number with
// max < 0) while characters are still wanted and each repetition adds
// some.
func (g *patternGen) grow(sub *syntax.Regexp, depth, max int) {
	for n := 0; g.extra > 0 && (max < 0 || n < max); n++ {
		// The whole repetition is beyond the minimum, the growth of
		// repetitions nested in it included: rep counts each character.
		rep := patternGen{extra: g.extra, limit: g.limit - g.b.Len(), optional: true}
		if !rep.walk(sub, depth+1) {
			return
		}
		if rep.b.Len() == 0 {
			return
		}
		g.b.WriteString(rep.b.String())
		g.extra = rep.extra // rep started from g.extra and counted what it wrote
	}
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
