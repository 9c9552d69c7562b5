package plan

import (
	"fmt"
	"strings"
	"testing"
)

// An operation that declares more query parameters than the configured
// limit (search APIs with hundreds of filters) takes all of them; any
// other operation keeps the limit.
func TestQueryLimitCoversDeclaredParameters(t *testing.T) {
	var decl strings.Builder
	for i := range 300 {
		fmt.Fprintf(&decl, "        - {name: f%d, in: query, schema: {type: string}}\n", i)
	}
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /search:
    get:
      operationId: search
      parameters:
`+decl.String()+`      responses: {'200': {description: ok}}
  /list:
    get:
      operationId: list
      parameters:
        - {name: tag, in: query, schema: {type: array, items: {type: string}}}
      responses: {'200': {description: ok}}
`, Config{})
	ops := opsByID(p)
	query := func(key string, n int) string {
		pairs := make([]string, n)
		for i := range pairs {
			if key == "" {
				pairs[i] = fmt.Sprintf("f%d=x", i)
			} else {
				pairs[i] = key + "=x"
			}
		}
		return strings.Join(pairs, "&")
	}
	cases := []struct {
		name, op, query string
		want            string // reason of the first violation, "" for none
	}{
		{"every declared filter", "search", query("", 300), ""},
		{"beyond the declared filters", "search", query("", 300) + "&" + query("f0", 1), ReasonQueryMalformed},
		{"an exploded array within the limit", "list", query("tag", 256), ""},
		{"an exploded array beyond the limit", "list", query("tag", 257), ReasonQueryMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := ops[c.op]
			if got := op.MaxQueryParams(&p.Config); c.op == "search" && got != 300 {
				t.Fatalf("MaxQueryParams = %d, want 300", got)
			}
			vs := op.CheckRequest(&Request{RawQuery: c.query}, &p.Config, false)
			got := ""
			if len(vs) > 0 {
				got = vs[0].Reason
			}
			if got != c.want {
				t.Fatalf("violations %+v, want reason %q", vs, c.want)
			}
		})
	}
}
