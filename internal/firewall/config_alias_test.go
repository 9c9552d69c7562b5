package firewall

import (
	"slices"
	"strings"
	"testing"
)

// TestConfigAliasCycleAndLongPaths checks that a self-referencing alias is
// reported as a cycle at the alias, and that a problem deep in a nested
// value keeps a short key path: both made messages of 10-15 KB
// ("a[0][0][0]...").
func TestConfigAliasCycleAndLongPaths(t *testing.T) {
	deep := "x: " + strings.Repeat("[", 3000) + "{k: 1, k: 2}" + strings.Repeat("]", 3000) + "\n"
	cases := []struct {
		name, yaml string
		want       []string
	}{
		{"list that contains itself", "a: &a [*a]\n",
			[]string{"c.yaml:1:8: a[0]: alias *a is inside the node it names (&a): a cycle"}},
		{"mapping that contains itself", "b: &b {x: *b}\n",
			[]string{"c.yaml:1:11: b.x: alias *b is inside the node it names (&b): a cycle"}},
		{"cycle two levels down", "ip_rules: &r\n  allow: [{y: *r}]\n",
			[]string{"c.yaml:2:15: ip_rules.allow[0].y: alias *r is inside the node it names (&r): a cycle"}},
		{"an alias used twice is no cycle", "x-a: &a [10.0.0.0/8]\nip_rules: {allow: *a, deny: *a}\n",
			[]string{"c.yaml:1:1: x-a: unknown key (see docs/config.md)"}},
		{"deep nesting", deep,
			[]string{"c.yaml:1:3011: x[0][0][0][0]…(2992 more)…[0][0][0][0].k: repeated key (first at line 1)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := validated(tc.yaml)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n  %.300s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			for _, g := range got {
				if len(g) > 400 {
					t.Errorf("a message of %d bytes", len(g))
				}
			}
		})
	}
}
