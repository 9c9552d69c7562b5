package plan

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkPatternCost validates request bodies whose strings are matched
// against patterns RE2 runs at the cost of length times program size
// (docs/benchmarks.md, "Pattern matching"). Each sub-benchmark is one
// request through CheckRequest; reason "" means the body is valid.
func BenchmarkPatternCost(b *testing.B) {
	p := loadPlanText(b, `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /free:
    post:
      operationId: free
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {v: {type: array, items: {type: string, pattern: '[a-z0-9]{1,1000}[a-z]{1,10}!'}}}}
      responses: {'200': {description: ok}}
  /heavy:
    post:
      operationId: heavy
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {v: {type: array, items: {type: string, pattern: 'x[a-z0-9]{1,1000}[a-z]{1,10}!'}}}}
      responses: {'200': {description: ok}}
  /overlap:
    post:
      operationId: overlap
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {v: {type: array, items: {type: string, pattern: '^[a-z]{0,1000}[a-z]{0,1000}$'}}}}
      responses: {'200': {description: ok}}
  /arn:
    post:
      operationId: arn
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {v: {type: array, items: {type: string, pattern: 'arn:aws[a-z0-9-]*:logs:[a-z0-9-]+:\d{12}:log-group:[A-Za-z0-9\.\-\_\#/]{1,512}\:\*'}}}}
      responses: {'200': {description: ok}}
`, Config{})
	ops := opsByID(p)
	body := func(n, each int, c string) []byte {
		items := make([]string, n)
		for i := range items {
			items[i] = `"` + strings.Repeat(c, each) + `"`
		}
		return []byte(`{"v":[` + strings.Join(items, ",") + `]}`)
	}
	for _, c := range []struct {
		name, op string
		body     []byte
		reason   string
	}{
		// The repetition at the free start is written {1}: matched.
		{"free-end/1x1MB", "free", body(1, 1000000, "a"), ReasonSchema},
		{"free-end/1000x1KB", "free", body(1000, 1000, "a"), ReasonSchema},
		// Counted, and refused before the engine runs.
		{"heavy/1x1MB", "heavy", body(1, 1000000, "x"), ReasonTooCostly},
		// Counted, within the bound, and matched.
		{"heavy/100x100B", "heavy", body(100, 100, "x"), ReasonSchema},
		// Anchored, with overlapping repetitions: counted at the
		// program's size up to the longest match (2,000 letters).
		{"overlap/3x2000B", "overlap", body(3, 2000, "a"), ""},
		{"overlap/500x1500B", "overlap", body(500, 1500, "a"), ReasonTooCostly},
		// Unanchored but led by a literal: counted by its occurrences
		// (2,000 ARNs of 100 bytes; one string of the literal repeated).
		{"arn/2000x100B", "arn", arnBody(2000), ""},
		{"arn/literal-1MB", "arn", body(1, 1000000/7, "arn:aws"), ReasonTooCostly},
	} {
		b.Run(c.name, func(b *testing.B) {
			in := &Request{ContentType: "application/json", Body: c.body, HasBody: true}
			b.SetBytes(int64(len(c.body)))
			for b.Loop() {
				vs := ops[c.op].CheckRequest(in, &p.Config, false)
				if c.reason == "" && len(vs) != 0 || c.reason != "" && (len(vs) != 1 || vs[0].Reason != c.reason) {
					b.Fatalf("violations %+v, want %q", vs, c.reason)
				}
			}
		})
	}
}

// arnBody is {"v": [n log group ARNs of 100 bytes]}.
func arnBody(n int) []byte {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`"arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/%040d:*"`, i)
	}
	return []byte(`{"v":[` + strings.Join(items, ",") + `]}`)
}
