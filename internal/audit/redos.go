package audit

import (
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Pattern analysis: anchoring, the longest string a pattern admits, and
// catastrophic backtracking. The firewall runs patterns with Go's RE2
// (linear time), but the backend behind it usually uses a backtracking
// engine, where nested or overlapping unbounded repetition is exponential.

// anchored reports whether a pattern is anchored at both ends.
func anchored(p string) bool {
	re, err := spec.ParsePattern(p)
	if err != nil {
		return strings.HasPrefix(p, "^") && strings.HasSuffix(p, "$")
	}
	return anchoredAST(re)
}

func anchoredAST(re *syntax.Regexp) bool {
	for re.Op == syntax.OpCapture && len(re.Sub) == 1 {
		re = re.Sub[0]
	}
	if re.Op == syntax.OpAlternate {
		for _, s := range re.Sub {
			if !anchoredAST(s) {
				return false
			}
		}
		return true
	}
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 {
		return false
	}
	first, last := re.Sub[0].Op, re.Sub[len(re.Sub)-1].Op
	begin := first == syntax.OpBeginText || first == syntax.OpBeginLine
	end := last == syntax.OpEndText || last == syntax.OpEndLine
	return begin && end
}

// patternMaxLen returns the longest string an anchored pattern admits, or
// -1 when it is unanchored or unbounded.
func patternMaxLen(p string) int {
	re, err := spec.ParsePattern(p)
	if err != nil || !anchoredAST(re) {
		return -1
	}
	return maxLen(re)
}

func maxLen(re *syntax.Regexp) int {
	const limit = 1 << 20
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpNoMatch:
		return 0
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return 1
	case syntax.OpCapture:
		return maxLen(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpQuest:
		return maxLen(re.Sub[0])
	case syntax.OpRepeat:
		if re.Max < 0 {
			return -1
		}
		n := maxLen(re.Sub[0])
		if n < 0 || n*re.Max > limit {
			return -1
		}
		return n * re.Max
	case syntax.OpConcat:
		total := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			total += n
			if total > limit {
				return -1
			}
		}
		return total
	case syntax.OpAlternate:
		best := 0
		for _, s := range re.Sub {
			n := maxLen(s)
			if n < 0 {
				return -1
			}
			if n > best {
				best = n
			}
		}
		return best
	}
	return -1
}

// redosRisk reports whether a pattern can backtrack catastrophically and
// why.
func redosRisk(p string) (bool, string) {
	// Every repeated group of alternatives, not only the first:
	// ^(b|c)+(a|aa)+$ is exponential in its second group.
	for _, alt := range overlappingAltRe.FindAllStringSubmatch(p, -1) {
		if altOverlap(alt[1]) {
			return true, "repeats alternatives that can match the same text (exponential backtracking in backtracking engines)"
		}
	}
	re, err := spec.ParsePattern(p)
	if err != nil {
		// Lookaround or backreferences: RE2 cannot parse it, so judge the
		// text: a group containing an unbounded quantifier, itself repeated.
		if nestedTextRe.MatchString(p) {
			return true, "nests unbounded quantifiers (exponential backtracking in backtracking engines)"
		}
		return false, ""
	}
	if nestedRepeat(re) {
		return true, "nests unbounded quantifiers (exponential backtracking in backtracking engines)"
	}
	return false, ""
}

var (
	nestedTextRe     = regexp.MustCompile(`\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\})`)
	overlappingAltRe = regexp.MustCompile(`\((?:\?:)?((?:[^()\\]|\\.)*\|(?:[^()\\]|\\.)*)\)(?:[*+]|\{\d+,\})`)
)

// altOverlap reports whether two alternatives of a repeated group start with
// the same literal text or one is a prefix of another ("a|aa").
func altOverlap(body string) bool {
	parts := strings.Split(body, "|")
	for i := range parts {
		for j := i + 1; j < len(parts); j++ {
			a, b := parts[i], parts[j]
			if a == "" || b == "" {
				continue
			}
			if a == b || (isPlainLiteral(a) && isPlainLiteral(b) && (strings.HasPrefix(a, b) || strings.HasPrefix(b, a))) {
				return true
			}
			if sameClass(a, b) || sameCharacter(a, b) {
				return true
			}
		}
	}
	return false
}

// sameCharacter reports whether some printable ASCII character is, on its
// own, a whole match of both alternatives: [a-z] and x, x and \w, \d and
// [0-9a-f], a and a?. Each such character can then be taken by either
// alternative on every repetition, 2^n ways for n of them.
func sameCharacter(a, b string) bool {
	ra, errA := regexp.Compile(`^(?:` + a + `)$`)
	rb, errB := regexp.Compile(`^(?:` + b + `)$`)
	if errA != nil || errB != nil {
		return false
	}
	var c [1]byte
	for ch := byte(' '); ch <= '~'; ch++ {
		c[0] = ch
		if ra.Match(c[:]) && rb.Match(c[:]) {
			return true
		}
	}
	return false
}

func isPlainLiteral(s string) bool { return regexp.QuoteMeta(s) == s }

// sameClass: \w with \d, . with anything: alternatives whose single-token
// classes overlap.
func sameClass(a, b string) bool {
	overlaps := map[string][]string{`\w`: {`\d`, `\w`, `[a-z]`, `[A-Z]`, `[0-9]`}, `.`: {`\w`, `\d`, `\s`, `.`}}
	for k, vs := range overlaps {
		for _, v := range vs {
			if (strings.HasPrefix(a, k) && strings.HasPrefix(b, v)) || (strings.HasPrefix(b, k) && strings.HasPrefix(a, v)) {
				return true
			}
		}
	}
	return false
}

// nestedRepeat finds an unbounded repetition whose body can be matched by
// an inner unbounded repetition alone (everything else in the body being
// optional): then a string can be split between iterations in
// exponentially many ways. "(a+)+" and "(\w+\s?)*" qualify; "(-[a-z]+)*"
// does not, because each iteration must start with "-".
func nestedRepeat(re *syntax.Regexp) bool {
	if isUnbounded(re) && ambiguousBody(re.Sub[0]) {
		return true
	}
	for _, s := range re.Sub {
		if nestedRepeat(s) {
			return true
		}
	}
	return false
}

func isUnbounded(re *syntax.Regexp) bool {
	return re.Op == syntax.OpStar || re.Op == syntax.OpPlus || (re.Op == syntax.OpRepeat && (re.Max < 0 || re.Max > 50))
}

func ambiguousBody(b *syntax.Regexp) bool {
	for b.Op == syntax.OpCapture {
		b = b.Sub[0]
	}
	switch {
	case isUnbounded(b):
		return canMatchNonEmpty(b.Sub[0])
	case b.Op == syntax.OpQuest:
		return ambiguousBody(b.Sub[0])
	case b.Op == syntax.OpAlternate:
		for _, s := range b.Sub {
			if ambiguousBody(s) {
				return true
			}
		}
	case b.Op == syntax.OpConcat:
		for i, e := range b.Sub {
			if !ambiguousBody(e) {
				continue
			}
			rest := true
			for j, o := range b.Sub {
				if j != i && !canMatchEmpty(o) {
					rest = false
					break
				}
			}
			if rest {
				return true
			}
		}
	}
	return false
}

func canMatchEmpty(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpStar, syntax.OpQuest, syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	case syntax.OpLiteral, syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL, syntax.OpNoMatch:
		return false
	case syntax.OpRepeat:
		return re.Min == 0 || canMatchEmpty(re.Sub[0])
	case syntax.OpAlternate:
		for _, s := range re.Sub {
			if canMatchEmpty(s) {
				return true
			}
		}
		return false
	}
	for _, s := range re.Sub {
		if !canMatchEmpty(s) {
			return false
		}
	}
	return true
}

func canMatchNonEmpty(re *syntax.Regexp) bool {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpNoMatch:
		return false
	case syntax.OpLiteral, syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return true
	}
	for _, s := range re.Sub {
		if canMatchNonEmpty(s) {
			return true
		}
	}
	return false
}
