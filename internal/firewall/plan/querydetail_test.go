package plan

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestQueryNameDetails: what a refused query key is told. The bare name
// of a deepObject parameter was "read as \"filter\" by lenient
// frameworks ... but is not how it is sent", naming itself; the name of
// an exploded form object was "not declared", though it is.
func TestQueryNameDetails(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /s:
    get:
      operationId: s
      parameters:
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object, properties: {kind: {type: string}}}}
        - {name: point, in: query, schema: {type: object, properties: {x: {type: integer}, y: {type: integer}}}}
        - {name: limit, in: query, schema: {type: integer}}
      responses: {'200': {description: ok}}
`, Config{})
	op := opsByID(p)["s"]
	cases := []struct {
		query, reason, detail string
	}{
		{"filter=1", ReasonParamAmbiguous, `query parameter "filter" is a deepObject parameter: send its members as filter[member]=value`},
		{"point=1", ReasonQueryUndeclared, `query parameter "point" is an exploded object, sent as its properties, not under its name: send each property as its own key (x, y)`},
		{"other=1", ReasonQueryUndeclared, `query parameter "other" is not declared`},
		{"LIMIT=1", ReasonParamAmbiguous, `query parameter "LIMIT" is read as "limit" by lenient frameworks`},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			vs := op.CheckRequest(&Request{RawQuery: c.query}, &p.Config, false)
			if len(vs) == 0 {
				t.Fatal("no violation")
			}
			if vs[0].Reason != c.reason || !strings.HasPrefix(vs[0].Detail, c.detail) {
				t.Fatalf("got %s %q, want %s %q", vs[0].Reason, vs[0].Detail, c.reason, c.detail)
			}
		})
	}
}

// TestResponseHeaderNamedAsWritten: a response header's violation names
// it as the contract writes it; it read "x-rate".
func TestResponseHeaderNamedAsWritten(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /r:
    get:
      operationId: r
      responses:
        '200':
          description: ok
          headers:
            X-Rate: {required: true, schema: {type: integer}}
`, Config{})
	op := opsByID(p)["r"]
	for _, tc := range []struct {
		value, want string
	}{
		{"", `response header "X-Rate" is required`},
		{"many", `response header "X-Rate"`},
	} {
		h := http.Header{}
		if tc.value != "" {
			h.Set("x-rate", tc.value)
		}
		vs, _ := op.CheckResponse(&ResponseIn{Method: "GET", Status: 200, Header: h, BodyChecked: true}, &p.Config, Block)
		if len(vs) == 0 || !strings.HasPrefix(vs[0].Detail, tc.want) {
			t.Fatalf("header %q: got %v, want a detail starting %q", tc.value, vs, tc.want)
		}
	}
}

// TestUndeclaredStatusAndMediaType: an answer of a status the operation
// does not declare is also held to the content types its responses
// declare, as the scanner holds it; it was judged by its status alone.
func TestUndeclaredStatusAndMediaType(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /r:
    get:
      operationId: r
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: object}}
        '404':
          description: missing
          content:
            text/plain: {schema: {type: string}}
`, Config{})
	op := opsByID(p)["r"]
	for _, tc := range []struct {
		name, method, ct, body string
		status                 int
		want                   []string
	}{
		{"an HTML page", "GET", "text/html", "<p>oops</p>", 500, []string{ReasonRespStatus, ReasonRespMediaType}},
		{"a type another response declares", "GET", "text/plain", "oops", 500, []string{ReasonRespStatus}},
		{"JSON", "GET", "application/json; charset=utf-8", "{}", 500, []string{ReasonRespStatus}},
		{"an empty body", "GET", "text/html", "", 500, []string{ReasonRespStatus}},
		{"a redirect", "GET", "text/html", "<a>moved</a>", 302, []string{ReasonRespStatus}},
		{"HEAD", "HEAD", "text/html", "", 500, []string{ReasonRespStatus}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {tc.ct}}
			vs, _ := op.CheckResponse(&ResponseIn{Method: tc.method, Status: tc.status, Header: h, Body: []byte(tc.body), BodyChecked: true}, &p.Config, Block)
			var got []string
			for _, v := range vs {
				got = append(got, v.Reason)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("reasons %v, want %v (%v)", got, tc.want, vs)
			}
		})
	}
}
