package plan

import (
	"net/http"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/route"
)

// FuzzRequestValidation drives routing, parameter decoding (cookies too),
// body decoding and validation with arbitrary input: whatever arrives, the
// firewall must answer (no panic, no hang) and every violation must carry
// a 4xx status.
// Seeds are in testdata/fuzz/FuzzRequestValidation.
func FuzzRequestValidation(f *testing.F) {
	// Three contracts with disjoint paths: the general one, the one of
	// the parameter-name checks (free-form objects, deepObject beside
	// them, matrix, header and cookie arrays), and the bodies one (forms,
	// multipart, a union compiled to a selection chain, a union whose
	// validation cost is counted first).
	plans := []*Plan{loadPlan(f, "../testdata/api31.yaml", Config{}), loadPlan(f, "../testdata/e2e-params.yaml", Config{}), loadPlan(f, "../testdata/e2e-bodies.yaml", Config{})}
	f.Add("POST", "/v1/items", "", "application/json", []byte(`{"name":"pen","price":1.5}`), "")
	f.Add("GET", "/v1/items", "limit=5&tags=a&filter[color]=red", "", []byte(nil), "")
	f.Add("GET", "/v1/matrix/;x=1;y=2", "", "", []byte(nil), "")
	f.Add("POST", "/v1/items", "", "application/x-www-form-urlencoded", []byte("name=pen&price=2"), "")
	f.Add("GET", "/v1/items/5", "", "", []byte(nil), "session=deadbeef; theme=a,b=c")
	f.Add("GET", "/v1/headers", "", "", []byte(nil), `prefs=a,b; x="q"`)
	f.Add("GET", "/v1/params/twofree", "k=123&counts=1", "", []byte(nil), "")
	f.Add("GET", "/v1/params/deepfree", "filter[a]=5&filter.a=6&x=y", "", []byte(nil), "")
	f.Add("GET", "/v1/params/query", "li.mit=5&LIMIT=1&limit[]=2&%20q=a", "", []byte(nil), "")
	f.Add("GET", "/v1/params/cookie", "", "", []byte(nil), "ids=1,2; ids=3")
	f.Add("POST", "/v1/bodies/expr", "", "application/json", []byte(`{"op":"or","args":[{"op":"and","args":[{"value":"x"}]}]}`), "")
	f.Add("POST", "/v1/bodies/tree", "", "application/json", []byte(`{"id":1,"children":[{"name":"a","children":[{"id":2}]}]}`), "")
	f.Fuzz(func(t *testing.T, method, path, query, ct string, body []byte, cookie string) {
		var p *Plan
		var m route.Match[*Op]
		for _, candidate := range plans {
			if found, _, err := candidate.Router.Lookup(method, path); err == nil {
				p, m = candidate, found
				break
			}
		}
		if p == nil {
			return
		}
		params := append([]route.PathParam(nil), m.Params...)
		if PathValues(params) != nil {
			return
		}
		h := http.Header{"X-Need": {"yes"}}
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		in := &Request{PathParams: params, RawQuery: query, Header: h, ContentType: ct, Body: body, HasBody: len(body) > 0}
		for _, v := range m.Value.CheckRequest(in, &p.Config, true) {
			if v.Status < 400 || v.Status > 499 || v.Reason == "" {
				t.Fatalf("violation %+v", v)
			}
		}
	})
}
