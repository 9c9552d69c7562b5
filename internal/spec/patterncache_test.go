package spec

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"testing"
)

// A definition's patterns are compiled once each, and together within a
// budget of instructions: a pattern past it is refused, the ones before
// it stay compiled.
func TestPatternCacheBudget(t *testing.T) {
	pc := &patternCache{budget: 5000}
	steps := []struct {
		pattern string
		ok      bool
	}{
		{`^[a-z]{1,1000}$`, true},  // about 2,000 instructions
		{`^[0-9]{1,1000}$`, true},  // 4,000 in all
		{`^[A-Z]{1,1000}$`, false}, // 6,000: past the budget
		{`^[a-z]{1,1000}$`, true},  // compiled already
		{`^[A-Z]{1,10}$`, true},    // small enough for what is left
		{`^(?=x)`, false},          // RE2 cannot run it (and it costs nothing)
		{`^[A-Z]{1,1000}$`, false}, // refused once, refused again
		{`^[0-9]{1,1000}$`, true},  // compiled already
		{strings.Repeat("a{1000}", 10), false},
	}
	for _, s := range steps {
		re, _, err := pc.compile(s.pattern)
		if (err == nil) != s.ok {
			t.Errorf("%.40s: compiled %v (%v), want %v", s.pattern, err == nil, err, s.ok)
		}
		if err == nil && re == nil {
			t.Errorf("%.40s: no program", s.pattern)
		}
	}
	if _, _, err := pc.compile(`^[A-Z]{1,1000}$`); err == nil || !strings.Contains(err.Error(), "would take more than 5000 RE2 instructions together") {
		t.Errorf("budget error: %v", err)
	}
}

// instEstimate stays close to the compiled program's size, so that the
// budget means instructions.
func TestInstEstimate(t *testing.T) {
	for _, p := range []string{`^[a-z]{1,1000}$`, `a{1000}`, `^(?:ab|cd){2,50}x*$`, `^([0-9a-f]{8})-([0-9a-f]{4}-){3}([0-9a-f]{12})$`, `(?i)^abc[^/]+(?:/[a-z]{1,63}){0,10}$`, `^\d{1,600}(?:\.\d{1,600})?$`} {
		_, prog := compileProg(t, p)
		parsed, err := parseRE2(p)
		if err != nil {
			t.Fatal(err)
		}
		est, actual := instEstimate(parsed), len(prog.Inst)
		if est < actual*9/10 || est > actual*11/10 {
			t.Errorf("%s: estimate %d, program %d", p, est, actual)
		}
	}
}

func parseRE2(p string) (*syntax.Regexp, error) { return syntax.Parse(p, syntax.Perl) }

// A definition whose patterns would take more than the budget to compile:
// the first is compiled and enforced, the one past the budget is
// reported where it is written and not enforced; the structural check
// parses patterns without compiling them.
func TestDefinitionPatternBudget(t *testing.T) {
	huge := func(end string) string { return "^" + strings.Repeat("a{1000}", 600) + end + "$" } // 600,000 instructions
	d := loadString(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Pair:
      type: object
      properties:
        first: {type: string, pattern: '`+huge("x")+`'}
        second: {type: string, pattern: '`+huge("y")+`'}
`, Options{})
	if len(d.Problems) != 0 {
		t.Fatalf("load problems: %+v", d.Problems)
	}
	sch, err := d.Compile(component(t, d, "Pair"), RequestView)
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(instance(t, `{"first":"b"}`)) == nil {
		t.Error("the first pattern is not enforced")
	}
	if err := sch.Validate(instance(t, `{"second":"b"}`)); err != nil {
		t.Errorf("the second pattern is enforced: %v", err)
	}
	probs := d.SchemaProblems()
	if len(probs) != 1 || probs[0].Code != "pattern-unsupported" || !strings.HasSuffix(probs[0].Loc.Pointer, "/second/pattern") ||
		!strings.Contains(probs[0].Message, "RE2 instructions together") {
		t.Fatalf("problems = %+v", probs)
	}
}

// Schemas compile concurrently (the views of a plan are built in
// parallel): a pattern is compiled once, and every caller gets that one
// program.
func TestPatternCacheConcurrent(t *testing.T) {
	pc := &patternCache{}
	patterns := []string{`^[a-z]{1,100}$`, `^\d+$`, `(?=x)`}
	got := make([][]*regexp.Regexp, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for _, p := range patterns {
				re, _, _ := pc.compile(p)
				got[g] = append(got[g], re)
			}
		})
	}
	wg.Wait()
	for g := range got {
		for i := range patterns {
			if got[g][i] != got[0][i] {
				t.Fatalf("%s compiled more than once", patterns[i])
			}
		}
	}
	if got[0][0] == nil || got[0][2] != nil {
		t.Fatalf("programs %v", got[0])
	}
}
