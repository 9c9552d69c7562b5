package cookies

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzParse: any Cookie header. Parse must not panic, and when it accepts
// the header it must see every cookie net/http sees, in order, with the
// same name and value (up to the surrounding spaces net/http keeps): the
// firewall may read more than a strict upstream, never less.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a=1; b=2", `s="q"`, "a=b,c=d", `v=' OR "1"="1`, "=x;;", "n=1,2,3", "\x00=\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		h := http.Header{"Cookie": {line}}
		pairs, err := Parse(h)
		if err != nil {
			return
		}
		i := 0
		for _, c := range (&http.Request{Header: h}).Cookies() {
			for i < len(pairs) && !same(pairs[i], c) {
				i++
			}
			if i == len(pairs) {
				t.Fatalf("net/http read %q=%q from %q; Parse gave %q", c.Name, c.Value, line, pairs)
			}
			i++
		}
	})
}

// same reports whether p is c, allowing for the spaces net/http keeps
// around an unquoted value.
func same(p Pair, c *http.Cookie) bool {
	return p.Name == c.Name && (p.Value == c.Value || p.Value == strings.Trim(c.Value, ows))
}
