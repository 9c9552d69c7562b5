package authn

import (
	"slices"
	"testing"
)

// Scopes are delimited by U+0020 only (RFC 6749 section 3.3); anything else
// is part of one scope-token, so it cannot smuggle a second scope in.
func TestScopesFromClaims(t *testing.T) {
	cases := []struct {
		name   string
		claims map[string]any
		want   []string
	}{
		{"scope string", map[string]any{"scope": "read write"}, []string{"read", "write"}},
		{"repeated spaces", map[string]any{"scope": " read  write "}, []string{"read", "write"}},
		{"no-break space is not a delimiter", map[string]any{"scope": "files:mine\u00a0admin"}, []string{"files:mine\u00a0admin"}},
		{"tab is not a delimiter", map[string]any{"scope": "files:mine\tadmin"}, []string{"files:mine\tadmin"}},
		{"em space is not a delimiter", map[string]any{"scope": "x\u2003admin"}, []string{"x\u2003admin"}},
		{"scp array elements are whole scopes", map[string]any{"scp": []any{"files:mine admin", "read"}}, []string{"files:mine admin", "read"}},
		{"scp string is space-delimited", map[string]any{"scp": "read write"}, []string{"read", "write"}},
		{"both claims, duplicates once", map[string]any{"scope": "read", "scp": []string{"read", "write", ""}}, []string{"read", "write"}},
		{"non-string elements ignored", map[string]any{"scp": []any{1, "read", nil}}, []string{"read"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ScopesFromClaims(c.claims)
			if !slices.Equal(got, c.want) {
				t.Fatalf("ScopesFromClaims(%v) = %q, want %q", c.claims, got, c.want)
			}
			if slices.Contains(got, "admin") {
				t.Fatalf("admin granted by %v", c.claims)
			}
		})
	}
}
