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
	p := loadPlan(f, "../testdata/api31.yaml", Config{})
	f.Add("POST", "/v1/items", "", "application/json", []byte(`{"name":"pen","price":1.5}`), "")
	f.Add("GET", "/v1/items", "limit=5&tags=a&filter[color]=red", "", []byte(nil), "")
	f.Add("GET", "/v1/matrix/;x=1;y=2", "", "", []byte(nil), "")
	f.Add("POST", "/v1/items", "", "application/x-www-form-urlencoded", []byte("name=pen&price=2"), "")
	f.Add("GET", "/v1/items/5", "", "", []byte(nil), "session=deadbeef; theme=a,b=c")
	f.Add("GET", "/v1/headers", "", "", []byte(nil), `prefs=a,b; x="q"`)
	f.Fuzz(func(t *testing.T, method, path, query, ct string, body []byte, cookie string) {
		m, _, err := p.Router.Lookup(method, path)
		if err != nil {
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
