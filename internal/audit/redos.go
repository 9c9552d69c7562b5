package audit

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode"

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
		// RE2 has no lookaround: judge what the pattern matches without
		// its lookarounds (they consume nothing, so they add no way to
		// divide the text), and each lookaround's own pattern, which a
		// backtracking engine also runs at every position it is tried.
		if rest, bodies, ok := withoutLookarounds(p); ok && len(bodies) > 0 {
			for _, b := range bodies {
				if risky, why := redosRisk(b); risky {
					return true, why
				}
			}
			return redosRisk(rest)
		}
		// Backreferences, or syntax RE2 refuses otherwise: judge the
		// text, a group containing an unbounded quantifier, itself
		// repeated.
		if nestedTextRe.MatchString(p) {
			return true, "nests unbounded quantifiers (exponential backtracking in backtracking engines)"
		}
		return false, ""
	}
	if nestedRepeat(re) {
		return true, "nests unbounded quantifiers (exponential backtracking in backtracking engines)"
	}
	if splitRepeat(re) {
		return true, "repeats a group whose repetitions can divide the same text in more than one way (exponential backtracking in backtracking engines)"
	}
	return false, ""
}

// withoutLookarounds removes the lookahead and lookbehind groups ((?=...),
// (?!...), (?<=...), (?<!...)) from a pattern, returning what is left and
// the groups' own patterns. ok is false when the groups do not close.
func withoutLookarounds(p string) (rest string, bodies []string, ok bool) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteString(p[i : i+2])
			i++
			continue
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(' && lookaroundAt(p[i:]):
			end, closed := groupEnd(p, i)
			if !closed {
				return "", nil, false
			}
			open := 3 // (?= or (?!
			if p[i+2] == '<' {
				open = 4
			}
			bodies = append(bodies, p[i+open:end])
			i = end
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), bodies, true
}

func lookaroundAt(s string) bool {
	for _, open := range []string{"(?=", "(?!", "(?<=", "(?<!"} {
		if strings.HasPrefix(s, open) {
			return true
		}
	}
	return false
}

// groupEnd returns the index of the parenthesis closing the group that
// opens at p[start], skipping escapes and character classes.
func groupEnd(p string, start int) (int, bool) {
	depth, inClass := 0, false
	for i := start; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case inClass:
			inClass = c != ']'
		case c == '[':
			inClass = true
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i, true
			}
		}
	}
	return 0, false
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

// splitRepeat finds an unbounded repetition of a body B that some text
// matches both as one repetition and as two (non-empty ones): ^(\d\d*)+$
// takes "11" as one or as two, ^(x+x+)+y$ "xxxx", so a run of n such
// pieces can be divided in 2^n ways, and a backtracking engine tries
// every one before it fails. Repetitions whose pieces each hold exactly
// one separator (^([a-z]+\.)+$, (-[a-z]+)*) cannot be so divided. Empty
// repetitions do not count: backtracking engines refuse them.
func splitRepeat(re *syntax.Regexp) bool {
	if isUnbounded(re) && splitsTwoWays(re.Sub[0]) {
		return true
	}
	for _, s := range re.Sub {
		if splitRepeat(s) {
			return true
		}
	}
	return false
}

// Bounds on the analysis: bodies with larger programs (long counted
// repetitions) or more product states are not judged, rather than slow
// the audit down.
const (
	splitMaxInst   = 400
	splitMaxStates = 200000
)

// splitsTwoWays reports whether some non-empty text is a match of B and
// of BB with both parts non-empty. It searches the product of B's program
// with itself: side x reads the text as one B, side y as two, passing
// from the first to the second where the first matches and has read
// something.
func splitsTwoWays(b *syntax.Regexp) bool {
	prog, err := syntax.Compile(b.Simplify())
	if err != nil || len(prog.Inst) > splitMaxInst {
		return false
	}
	closure := make([][]uint32, len(prog.Inst))
	closed := make([]bool, len(prog.Inst))
	closeOf := func(pc uint32) []uint32 {
		if closed[pc] {
			return closure[pc]
		}
		var out []uint32
		seen := map[uint32]bool{}
		stack := []uint32{pc}
		for len(stack) > 0 {
			p := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if seen[p] {
				continue
			}
			seen[p] = true
			in := &prog.Inst[p]
			switch in.Op {
			case syntax.InstAlt, syntax.InstAltMatch:
				stack = append(stack, in.Out, in.Arg)
			case syntax.InstNop, syntax.InstCapture, syntax.InstEmptyWidth:
				// Anchors inside a repeated group are rare; read as
				// passable they can only make the search find more.
				stack = append(stack, in.Out)
			case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL, syntax.InstMatch:
				out = append(out, p)
			}
		}
		closure[pc], closed[pc] = out, true
		return out
	}
	type state struct {
		x, y   uint32
		second bool // y reads the second B
		read   bool // y has read something in its current B
	}
	seen := map[state]bool{}
	var queue []state
	var push func(s state)
	push = func(s state) {
		if seen[s] {
			return
		}
		seen[s] = true
		queue = append(queue, s)
		// The first B matched what it has read: the second may start.
		if !s.second && s.read && prog.Inst[s.y].Op == syntax.InstMatch {
			for _, y := range closeOf(uint32(prog.Start)) {
				push(state{s.x, y, true, false})
			}
		}
	}
	for _, x := range closeOf(uint32(prog.Start)) {
		for _, y := range closeOf(uint32(prog.Start)) {
			push(state{x, y, false, false})
		}
	}
	for len(queue) > 0 {
		if len(seen) > splitMaxStates {
			return false
		}
		s := queue[0]
		queue = queue[1:]
		ix, iy := &prog.Inst[s.x], &prog.Inst[s.y]
		if ix.Op == syntax.InstMatch {
			if iy.Op == syntax.InstMatch && s.second && s.read {
				return true
			}
			continue
		}
		if iy.Op == syntax.InstMatch || !runesMeet(ix, iy) {
			continue
		}
		for _, x := range closeOf(ix.Out) {
			for _, y := range closeOf(iy.Out) {
				push(state{x, y, s.second, true})
			}
		}
	}
	return false
}

// runeRanges returns the characters a rune instruction takes, as sorted
// inclusive ranges.
func runeRanges(in *syntax.Inst) []rune {
	switch in.Op {
	case syntax.InstRune1:
		return []rune{in.Rune[0], in.Rune[0]}
	case syntax.InstRuneAny:
		return []rune{0, unicode.MaxRune}
	case syntax.InstRuneAnyNotNL:
		return []rune{0, '\n' - 1, '\n' + 1, unicode.MaxRune}
	}
	if len(in.Rune) == 1 {
		r := in.Rune[0]
		if syntax.Flags(in.Arg)&syntax.FoldCase == 0 {
			return []rune{r, r}
		}
		// A case-folded literal: every rune of its fold orbit.
		orbit := []rune{r}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			orbit = append(orbit, f)
		}
		sortRunes(orbit)
		out := make([]rune, 0, 2*len(orbit))
		for _, o := range orbit {
			out = append(out, o, o)
		}
		return out
	}
	return in.Rune
}

func sortRunes(rs []rune) {
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j] < rs[j-1]; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// runesMeet reports whether two rune instructions take a common
// character.
func runesMeet(a, b *syntax.Inst) bool {
	ra, rb := runeRanges(a), runeRanges(b)
	i, j := 0, 0
	for i+1 < len(ra) && j+1 < len(rb) {
		if ra[i+1] < rb[j] {
			i += 2
			continue
		}
		if rb[j+1] < ra[i] {
			j += 2
			continue
		}
		return true
	}
	return false
}
