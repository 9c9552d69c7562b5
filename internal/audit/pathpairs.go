package audit

import (
	"sort"
	"strings"
)

// crossingCandidates returns, in key order, the pairs of paths of one
// length that no segment tells apart and where each has a literal against
// a variable of the other (crossedPaths then asks the variables' schemas).
// Comparing every pair is quadratic (20,000 paths of one length are 200
// million pairs, 19 s); the set is split segment by segment instead, as a
// trie would be, so paths told apart by a literal are never paired. At a
// segment, two paths stay together when they write the same literal, or
// both a variable, or one a variable and the other a literal without
// braces (a mixed segment such as {id}.json crosses nothing but itself).
func crossingCandidates(shapes []*pathShape) [][2]*pathShape {
	var out [][2]*pathShape
	if len(shapes) < 2 {
		return out
	}
	n := len(shapes[0].segs)
	// join pairs A with B (A with itself when same) from segment i on;
	// aLit: some segment so far has a literal of A against a variable
	// of B, bLit the converse. Within one set no such segment is seen
	// yet, and a pair needs both.
	var join func(as, bs []*pathShape, i int, same, aLit, bLit bool)
	join = func(as, bs []*pathShape, i int, same, aLit, bLit bool) {
		if len(as) == 0 || len(bs) == 0 || same && len(as) < 2 {
			return
		}
		if i == n {
			if !same && aLit && bLit {
				for _, a := range as {
					for _, b := range bs {
						out = append(out, [2]*pathShape{a, b})
					}
				}
			}
			return
		}
		litA, pureA, varA := splitAt(as, i)
		if same {
			for _, text := range sortedGroups(litA) {
				join(litA[text], litA[text], i+1, true, false, false)
			}
			join(pureA, varA, i+1, false, true, false)
			join(varA, varA, i+1, true, false, false)
			return
		}
		litB, pureB, varB := splitAt(bs, i)
		for _, text := range sortedGroups(litA) {
			join(litA[text], litB[text], i+1, false, aLit, bLit)
		}
		join(pureA, varB, i+1, false, true, bLit)
		join(varA, pureB, i+1, false, aLit, true)
		join(varA, varB, i+1, false, aLit, bLit)
	}
	join(shapes, shapes, 0, true, false, false)
	for k := range out {
		if out[k][0].key > out[k][1].key {
			out[k][0], out[k][1] = out[k][1], out[k][0]
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0].key != out[j][0].key {
			return out[i][0].key < out[j][0].key
		}
		return out[i][1].key < out[j][1].key
	})
	return out
}

// splitAt groups shapes by their segment i: literals by text, the
// literals without braces again on their own, and whole variables.
func splitAt(shapes []*pathShape, i int) (lit map[string][]*pathShape, pure, vars []*pathShape) {
	lit = map[string][]*pathShape{}
	for _, s := range shapes {
		if s.vars[i] {
			vars = append(vars, s)
			continue
		}
		lit[s.segs[i]] = append(lit[s.segs[i]], s)
		if !strings.ContainsAny(s.segs[i], "{}") {
			pure = append(pure, s)
		}
	}
	return lit, pure, vars
}

func sortedGroups(m map[string][]*pathShape) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
