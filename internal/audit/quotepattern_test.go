package audit

import (
	"strings"
	"testing"
)

// TestQuotePattern: a finding quotes a pattern whole up to 160 characters;
// a longer one is cut to its first 150 and says how long it is.
func TestQuotePattern(t *testing.T) {
	long := "^(" + strings.Repeat("word|", 1000) + "x)$"
	cases := []struct {
		p, want string
	}{
		{`^[a-z]+$`, `"^[a-z]+$"`},
		{strings.Repeat("a", 160), `"` + strings.Repeat("a", 160) + `"`},
		{strings.Repeat("é", 161), `"` + strings.Repeat("é", 150) + `"... (161 characters)`},
		{long, `"` + long[:150] + `"... (5005 characters)`},
	}
	for _, c := range cases {
		if got := quotePattern(c.p); got != c.want {
			t.Errorf("quotePattern(%.20q...) = %.60q..., want %.60q...", c.p, got, c.want)
		}
	}
}
