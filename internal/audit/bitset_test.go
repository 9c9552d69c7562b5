package audit

import (
	"slices"
	"testing"
)

// orInto is the copy-on-write step of operation-set propagation: a shared
// set must never be written, because it is another schema's.
func TestOrIntoCopyOnWrite(t *testing.T) {
	set := func(bits ...int) bitset {
		b := make(bitset, 2)
		for _, i := range bits {
			b.set(i)
		}
		return b
	}
	members := func(b bitset) []int {
		var out []int
		b.each(func(i int) { out = append(out, i) })
		return out
	}
	tests := []struct {
		name       string
		dst        bitset
		shared     bool
		src        bitset
		want       []int
		wantShared bool
		aliasesSrc bool // dst ends up as src itself
	}{
		{"empty shared takes src without copying", set(), true, set(1, 70), []int{1, 70}, true, true},
		{"shared with bits is copied before the or", set(3), true, set(1), []int{1, 3}, false, false},
		{"owned is written in place", set(3), false, set(1), []int{1, 3}, false, false},
		{"nothing new leaves a shared set alone", set(1, 3), true, set(1), []int{1, 3}, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			orig := slices.Clone(tc.dst)
			srcCopy := slices.Clone(tc.src)
			dst, shared := tc.dst, tc.shared
			orInto(&dst, &shared, tc.src)
			if got := members(dst); !slices.Equal(got, tc.want) || shared != tc.wantShared {
				t.Fatalf("got %v shared=%v, want %v shared=%v", got, shared, tc.want, tc.wantShared)
			}
			if tc.shared && !slices.Equal(tc.dst, orig) {
				t.Errorf("the shared set was written: %v, was %v", members(tc.dst), members(orig))
			}
			if !slices.Equal(tc.src, srcCopy) {
				t.Errorf("src was written")
			}
			if aliased := &dst[0] == &tc.src[0]; aliased != tc.aliasesSrc {
				t.Errorf("dst aliases src = %v, want %v", aliased, tc.aliasesSrc)
			}
		})
	}
}
