package casefold

import "testing"

func TestSetVariant(t *testing.T) {
	tests := []struct {
		name string
		keys []string
		want int // index of the first key reported as a variant; -1 none
	}{
		{"distinct", []string{"a", "b", "c"}, -1},
		{"repeat is not a variant", []string{"tag", "tag", "tag"}, -1},
		{"variant", []string{"role", "x", "Role"}, 2},
		{"variant after a repeat", []string{"a", "a", "A"}, 2},
		{"variant in the map path", []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k8", "K3"}, 10},
		{"repeat in the map path", []string{"k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k0", "k8"}, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Set
			got := -1
			for i, k := range tc.keys {
				if _, ok := c.Variant(k); ok {
					got = i
					break
				}
			}
			if got != tc.want {
				t.Fatalf("first variant at %d, want %d", got, tc.want)
			}
		})
	}
}

// Variant names the earlier spelling, for messages.
func TestSetVariantNamesTheEarlierName(t *testing.T) {
	var c Set
	for _, k := range []string{"id", "name", "k0", "k1", "k2", "k3", "k4", "k5", "k6"} {
		c.Variant(k)
	}
	if earlier, ok := c.Variant("ID"); !ok || earlier != "id" {
		t.Fatalf("Variant(ID) = %q, %v; want id, true", earlier, ok)
	}
}
