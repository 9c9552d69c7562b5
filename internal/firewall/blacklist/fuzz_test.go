package blacklist

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDetector feeds the default tier arbitrary values (any bytes, any
// encoding layers). It must not panic, must give the same verdict twice,
// must keep a finding's evidence within EvidenceMax bytes of valid UTF-8,
// and must stay fast: its rules are linear-time regular expressions and
// the decoding passes are bounded, so a slow value is a bug.
func FuzzDetector(f *testing.F) {
	for _, s := range []string{
		"x' OR '1'='1", "<script>alert(1)</script>", "../../etc/passwd", "; cat /etc/passwd",
		"%2527%2520OR%25201%253D1--", "&#x3C;script&#x3E;", "\\u003cscript\\u003e", "%u0027",
		"Must be 'read' or 'write'.", "P<GBRHARPER<<ALAN<<<<<<", "\xff\xfe\x00'", strings.Repeat("%25", 200),
		strings.Repeat("'or'", 500), strings.Repeat("<a ", 1000),
	} {
		f.Add(s)
	}
	d := NewDetector(Config{})
	f.Fuzz(func(t *testing.T, v string) {
		start := time.Now()
		a := d.Check(v, Context{In: "body", Name: "/x"})
		if el := time.Since(start); el > 2*time.Second {
			t.Fatalf("Check took %v on %d bytes", el, len(v))
		}
		b := d.Check(v, Context{In: "body", Name: "/x"})
		if a != b {
			t.Fatalf("verdicts differ: %+v then %+v", a, b)
		}
		if a.Detected() {
			if a.Reason == "" || a.Where.Name != "/x" {
				t.Fatalf("finding without reason or place: %+v", a)
			}
			if len(a.Evidence) > EvidenceMax+64 || !utf8.ValidString(a.Evidence) {
				t.Fatalf("evidence %q (%d bytes)", a.Evidence, len(a.Evidence))
			}
		}
	})
}
