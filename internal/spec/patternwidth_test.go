package spec

import (
	"regexp/syntax"
	"strings"
	"testing"
	"unicode/utf8"
)

func compileProg(t testing.TB, re2 string) (*syntax.Regexp, *syntax.Prog) {
	t.Helper()
	re, err := syntax.Parse(re2, syntax.Perl)
	if err != nil {
		t.Fatal(err)
	}
	re = re.Simplify()
	prog, err := syntax.Compile(re)
	if err != nil {
		t.Fatal(err)
	}
	return re, prog
}

// fuzzProgram compiles a fuzzed pattern as Go's regexp does, when it
// parses and is small enough to follow character by character.
func fuzzProgram(pattern string) (*syntax.Regexp, *syntax.Prog, bool) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return nil, nil, false
	}
	re = re.Simplify()
	prog, err := syntax.Compile(re)
	if err != nil || len(prog.Inst) > 2000 {
		return nil, nil, false
	}
	return re, prog, true
}

// The width is what one string keeps alive: where a string can only be
// at one place in the pattern it stays a handful of instructions however
// large the program, and where repetitions overlap it grows with them.
func TestLiveWidth(t *testing.T) {
	cases := []struct {
		pattern  string
		min, max int // bounds on the width; exact figures are the compiler's
		found    bool
	}{
		{`^[a-z0-9]{1,1000}$`, 1, 8, true},
		{`^[a-z0-9]{1,1000}x$`, 1, 8, true},
		{`^(?:[a-z]{1,500}\.)*[a-z]{1,500}$`, 1, 10, true},
		{`^[a-z]{1,1000}(?:-[a-z]{1,1000})*$`, 1, 10, true},
		{`^arn:aws:[a-z0-9-]{1,200}:.{0,300}$`, 1, 8, true},
		{`^\d{1,600}(?:\.\d{1,600})?$`, 1, 10, true},
		{`^\p{L}{1,1000}$`, 1, 8, true},
		// Disjoint classes keep the two repetitions apart.
		{`^[a-z]{0,300}[0-9]{0,300}$`, 1, 8, true},
		// Overlapping ones do not: every split is alive.
		{`^[a-z]{0,300}[a-z]{0,300}$`, 300, 700, true},
		{`^.{0,300}.{0,300}$`, 300, 700, true},
		{`^(?i)[a-z]{0,100}K{0,100}$`, 100, 250, true},
		{`^[a-z]{0,40}(?i:K){0,40}$`, 40, 100, true},
		// The Kelvin sign folds to k: overlap only through case folding.
		{`^\x{212A}{0,100}(?i:k){0,100}$`, 100, 250, true},
		{`^\x{212A}{0,100}k{0,100}$`, 1, 8, true},
		// Too many sets of threads to list within the budget.
		{`^([^/]([!-~]+/){1,511})?[A-Za-z0-9_+=,.@-]{1,64}$`, 0, 0, false},
	}
	for _, c := range cases {
		_, prog := compileProg(t, c.pattern)
		w, found := liveWidth(prog, liveWidthBudget)
		if found != c.found || found && (w < c.min || w > c.max) {
			t.Errorf("%s: width %d, found %v; want %d-%d, found %v", c.pattern, w, found, c.min, c.max, c.found)
		}
	}
}

func TestMaxMatchLen(t *testing.T) {
	cases := []struct {
		pattern string
		want    int
	}{
		{`^abc$`, 3},
		{`^[a-z]{0,300}[a-z]{0,300}$`, 600},
		{`^(?:ab|cde){2}$`, 6},
		{`^é{3}$`, 6},
		{`^[a-zé]{3}$`, 6},
		{`^(?i)k$`, 4}, // the Kelvin sign is three bytes
		{`^.{2}$`, 8},
		{`^a*$`, -1},
		{`^(?:a{2,})$`, -1},
		{`^(?:$)*x$`, 1},
		{`^x?y{0,5}$`, 6},
	}
	for _, c := range cases {
		re, _ := compileProg(t, c.pattern)
		if got := maxMatchLen(re); got != c.want {
			t.Errorf("%s: %d, want %d", c.pattern, got, c.want)
		}
	}
}

// FuzzLiveWidth follows a string through a pattern's program character by
// character: every set of threads it meets must be one liveWidth counted,
// so its queue is never wider than the width (the representative
// characters stand for every character, case folding included); and a
// string longer than maxMatchLen never keeps a thread alive.
func FuzzLiveWidth(f *testing.F) {
	for _, seed := range [][2]string{
		{`^[a-z]{0,30}[a-z]{0,30}$`, "abcdefghij"},
		{`^(?i)[a-z]{0,20}K{0,20}$`, "kkK\u212akk"},
		{`^\x{212A}{0,10}(?i:k){0,10}$`, "\u212a\u212akK"},
		{`^(?:a|ab){0,30}b{0,30}$`, "abababbb"},
		{`^[^/]([!-~]+/){1,20}x$`, "a/b/c//d/"},
		{`^.{0,5}\b\w{0,5}$`, "ab cd\xffe"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, input string) {
		re, prog, ok := fuzzProgram(pattern)
		if !ok {
			return
		}
		width, found := liveWidth(prog, 1<<16)
		if !found {
			return
		}
		if width > len(prog.Inst) {
			t.Fatalf("width %d beyond the program's %d instructions", width, len(prog.Inst))
		}
		limit := maxMatchLen(re)
		w := &widthWalk{prog: prog, seen: make([]uint32, len(prog.Inst)), budget: 1 << 30}
		threads, n := w.closure([]uint32{uint32(prog.Start)})
		for i, r := range input {
			if n > width {
				t.Fatalf("%d instructions queued after %q, width %d", n, input[:i], width)
			}
			var next []uint32
			for _, pc := range threads {
				if in := &prog.Inst[pc]; in.MatchRune(r) {
					next = append(next, in.Out)
				}
			}
			threads, n = w.closure(next)
			_, size := utf8.DecodeRuneInString(input[i:]) // an invalid byte reads as one
			if read := i + size; len(threads) > 0 && limit >= 0 && read > limit {
				t.Fatalf("a thread alive after %d bytes, beyond the longest match %d", read, limit)
			}
		}
	})
}

// A pattern that can match anywhere but begins with a literal costs, for
// a string, the literal's instructions at each character plus what
// follows the literal for each place it occurs: an ARN is a few thousand
// steps instead of its length times the whole program.
func TestLiteralLead(t *testing.T) {
	arn := `arn:[a-z0-9-\.]{1,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[a-z0-9-\.]{0,63}:[^/].{0,1023}`
	cases := []struct {
		pattern string
		lead    string // "" when the pattern gets no lead
		heavy   bool   // more than costPatternInsts at one character
	}{
		// An occurrence of arn: every 4 characters, each alive for at
		// most 264 (the free end .{0,1023} is not matched): 203 at one
		// character on average, no more than patterns that are not counted.
		{arn, "arn:", false},
		{`(arn:aws:iam::\d{12}:role/[a-z]{1,500})/`, "arn:aws:iam::", false},
		{`https?://[a-z]{1,300}\.com`, "http", false},
		// A one-character literal can occur at every character.
		{`"[ -~]{1000}"`, `"`, true},
		// No literal every match begins with.
		{`[a-z][a-z0-9]{0,500}!`, "", true},
		{`(?:arn|urn):[a-z]{1,500}:`, "", true},
		{`(?i)arn:[a-z]{1,500}:`, "", true},
		{`\barn:[a-z]{1,500}:`, "", true},
		// The literal can overlap itself: its occurrences would be
		// undercounted.
		{`aa[a-z]{1,500}:`, "", true},
		{`abab[a-z]{1,500}:`, "", true},
		// Every alternative anchored: only the first character starts a
		// thread that goes on.
		{`(^arn:[a-z]{1,500}:)|(^[0-9]{12}$)`, "", false},
		{`(^[a-z]{0,300}[a-z]{0,300}$)|(^$)`, "", true},
		// ^ in multi-line mode holds after every newline: not one start.
		{`(?m)(^arn:[a-z]{1,500}:)|(^[0-9]{12}$)`, "", true},
		// Anchored patterns are counted by their width instead (this one's
		// repetitions overlap, so it stays heavy).
		{`^arn:[a-z]{0,500}[a-z]{0,500}$`, "", true},
	}
	for _, c := range cases {
		load, heavy := heavyPattern(c.pattern)
		if heavy != c.heavy || load.Insts <= costPatternInsts {
			t.Errorf("%s: heavy %v (width %d of %d instructions), want %v", c.pattern, heavy, load.Width, load.Insts, c.heavy)
		}
		if load.Lead != c.lead {
			t.Errorf("%s: lead %q, want %q", c.pattern, load.Lead, c.lead)
			continue
		}
		if c.lead == "" {
			if got, want := load.StepsOf("abc"), load.Steps(3); got != want {
				t.Errorf("%s: %d steps for a string of 3, want Steps' %d", c.pattern, got, want)
			}
			continue
		}
		if load.LeadInsts < len(c.lead) || load.LeadWidth < 1 || load.LeadWidth > 16 {
			t.Errorf("%s: lead of %d instructions and width %d", c.pattern, load.LeadInsts, load.LeadWidth)
		}
	}

	startOnly, _ := heavyPattern(`(^arn:[a-z]{1,500}:)|(^[0-9]{12}$)`)
	long := strings.Repeat("arn:", 10000)
	if !startOnly.StartOnly || startOnly.StepsOf(long)*2 > startOnly.Steps(len(long)) {
		t.Errorf("alternatives all anchored: start only %v, %d steps for 40,000 bytes, against %d for any string of that length", startOnly.StartOnly, startOnly.StepsOf(long), startOnly.Steps(len(long)))
	}

	load, _ := heavyPattern(arn)
	one := "arn:aws:iam::123456789012:role/" + strings.Repeat("a", 69) // 100 bytes
	if got, all := load.StepsOf(one), load.Steps(len(one)); got*10 > all {
		t.Errorf("one ARN of 100 bytes: %d steps, not a tenth of the %d its length times the program is", got, all)
	}
	// Each occurrence costs: a string of nothing but the literal counts
	// far more than one ARN of the same length.
	arn1000 := "arn:aws:iam::123456789012:role/" + strings.Repeat("a", 969)
	if lone, repeated := load.StepsOf(arn1000), load.StepsOf(strings.Repeat("arn:", 250)); repeated < 40*lone {
		t.Errorf("the literal 250 times: %d steps, not 40 times one ARN of the same length (%d)", repeated, lone)
	}
	if few, more := load.StepsOf(one), load.StepsOf(one+" "+one); more <= few {
		t.Errorf("two ARNs (%d steps) count no more than one (%d)", more, few)
	}
}

// FuzzStepsOf runs a string through a pattern as Go's regexp engine
// searches for a match anywhere in it (a new thread at every character)
// and adds up the instructions it queues: the sum must stay within
// StepsOf, the count the firewall refuses values by.
func FuzzStepsOf(f *testing.F) {
	for _, seed := range [][2]string{
		{`arn:[a-z0-9:]{1,40}:.{0,30}`, "arn:aws:arn:x:arn:arn:abc"},
		{`https?://[a-z.]{1,40}(?:/[a-z]{0,20}){0,5}`, "see http://a.b/c and https://x.y/z/"},
		{`"[ -~]{0,60}"`, `"a" "b" ""c"`},
		{`ab[a-z]{0,30}[a-z]{0,30}`, "abababab abxyz"},
		{`[a-z]{0,30}[0-9]{0,30}`, "abc123"},
		{`(^a[a-z]{0,30}b)|(^[0-9]{1,20}[0-9]{1,20})|(^$)`, "a1234567890123 a b"},
		{`(?m)(^x[a-z]{0,10})|(^y)`, "xab\nyx\nx"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, input string) {
		re, prog, ok := fuzzProgram(pattern)
		if !ok || prog.StartCond()&syntax.EmptyBeginText != 0 {
			return
		}
		load := PatternLoad{Insts: len(prog.Inst), Width: len(prog.Inst), MaxLen: maxMatchLen(re)}
		load.readUnanchored(prog)
		walk := &widthWalk{prog: prog, seen: make([]uint32, len(prog.Inst)), budget: 1 << 30}
		start := []uint32{uint32(prog.Start)}
		threads, steps := walk.closure(start)
		walk.midText = true // as RE2 reads ^ past the first character
		for _, r := range input {
			next := []uint32{uint32(prog.Start)}
			for _, pc := range threads {
				if in := &prog.Inst[pc]; in.MatchRune(r) {
					next = append(next, in.Out)
				}
			}
			var n int
			threads, n = walk.closure(next)
			steps += n
		}
		if bound := load.StepsOf(input); steps > bound {
			t.Fatalf("%d instructions queued over %q, counted %d (lead %q: %d instructions, width %d)", steps, input, bound, load.Lead, load.LeadInsts, load.LeadWidth)
		}
		if bound := load.Steps(len(input)); steps > bound {
			t.Fatalf("%d instructions queued over %q, more than the %d its length allows (width %d of %d; lead %q: %d instructions, width %d)", steps, input, bound, load.Width, load.Insts, load.Lead, load.LeadInsts, load.LeadWidth)
		}
	})
}
