package audit

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

func shapeOf(path string) *pathShape {
	sh := &pathShape{key: path, segs: strings.Split(path, "/")}
	sh.vars = make([]bool, len(sh.segs))
	for i, seg := range sh.segs {
		_, sh.vars[i] = wholeVariable(seg)
	}
	return sh
}

// crossingCandidates finds exactly the pairs that comparing every pair
// finds (crossedPaths, every literal admitted), on random sets of paths
// built from few segments so that many cross.
func TestCrossingCandidatesMatchAllPairs(t *testing.T) {
	segments := []string{"a", "b", "{x}", "{y}", "{id}.json", "a.json"}
	admitAll := func(*spec.Parameter, string) bool { return true }
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 300; round++ {
		length := 1 + rng.IntN(4)
		seen := map[string]bool{}
		var shapes []*pathShape
		for range 2 + rng.IntN(40) {
			segs := []string{""}
			for range length {
				segs = append(segs, segments[rng.IntN(len(segments))])
			}
			if p := strings.Join(segs, "/"); !seen[p] {
				seen[p] = true
				shapes = append(shapes, shapeOf(p))
			}
		}
		var want, got []string
		slices.SortFunc(shapes, func(a, b *pathShape) int { return strings.Compare(a.key, b.key) })
		for i, a := range shapes {
			for _, b := range shapes[i+1:] {
				if url, ok := crossedPaths(a, b, admitAll); ok {
					want = append(want, a.key+" "+b.key+" "+url)
				}
			}
		}
		for _, pair := range crossingCandidates(shapes) {
			if url, ok := crossedPaths(pair[0], pair[1], admitAll); ok {
				got = append(got, pair[0].key+" "+pair[1].key+" "+url)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d:\n got  %q\n want %q", round, got, want)
		}
	}
}

// Paths told apart by a literal are never paired: 20,000 of them give no
// candidate, and paths made only of variables none either (neither has a
// literal against the other's variable).
func TestCrossingCandidatesSkipDistinctPaths(t *testing.T) {
	var distinct, variables []*pathShape
	for i := range 20000 {
		distinct = append(distinct, shapeOf("/p"+strings.Repeat("x", i%7)+itoa(i)+"/{id}"))
		variables = append(variables, shapeOf("/{v"+itoa(i)+"}/{w}"))
	}
	if n := len(crossingCandidates(distinct)); n != 0 {
		t.Errorf("%d candidates among distinct paths", n)
	}
	if n := len(crossingCandidates(variables)); n != 0 {
		t.Errorf("%d candidates among paths of variables only", n)
	}
}
