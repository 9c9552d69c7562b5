package sharedtest

import (
	"fmt"
	"strings"
)

// HugePatternsDefinition is an OpenAPI 3.1 definition (JSON) whose one
// operation has n query parameters, each with a pattern of a million RE2
// instructions in 7 KB (a{1000} written a thousand times): the definition
// that once took the audit 152 s and the firewall 46 s to load, since
// every pattern was compiled in full. The engines' tests load it under a
// deadline.
func HugePatternsDefinition(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"openapi":"3.1.0","info":{"title":"huge patterns","version":"1"},"paths":{"/a":{"get":{"parameters":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"name":"q%d","in":"query","schema":{"type":"string","pattern":"^%s%d$"}}`, i, strings.Repeat("a{1000}", 1000), i)
	}
	b.WriteString(`],"responses":{"200":{"description":"ok"}}}}}}`)
	return []byte(b.String())
}
