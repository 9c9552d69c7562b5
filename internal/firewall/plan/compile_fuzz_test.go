package plan

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/fuzzseed"
	"github.com/rampart-sec/rampart/internal/spec"
)

// FuzzCompile feeds arbitrary bytes to the loader and, when they load,
// compiles the firewall's validation plan and sends a few fixed requests
// through it: GET /, and to every operation's paths (template parameters
// filled with "1") its own method, GET and POST, without and with a small
// JSON body, then a small JSON response. Whatever the contract says, Build
// must return a plan or an error, and validation must answer: no panic, no
// hang, requests refused with 4xx and responses with 502.
// FuzzRequestValidation fuzzes the requests against one fixed contract;
// this target fuzzes the contract.
// Seeds: the bundled examples and the hostile definitions of
// internal/fuzzseed
// (inputs that failed are kept in testdata/fuzz/FuzzCompile). Run:
// scripts/fuzz.sh 60 Compile.
func FuzzCompile(f *testing.F) {
	fuzzseed.Fuzz(f, "compile or validation", func(t *testing.T, d *spec.Document) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		p, err := Build(ctx, d, Config{})
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Build did not finish in 20 s")
		}
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("Build failed with an empty message")
			}
			return
		}
		for _, rq := range fixedRequests(p) {
			checkFixedRequest(t, p, rq)
		}
	})
}

type fixedRequest struct {
	method, path string
	body         []byte
}

// fixedRequests lists the requests FuzzCompile sends: GET / and, for each
// operation under each of its base paths, its own method, GET and POST to
// its path with the template parameters filled with "1", without a body
// and with a small JSON one.
func fixedRequests(p *Plan) []fixedRequest {
	out := []fixedRequest{{method: "GET", path: "/"}}
	seen := map[string]bool{}
	for _, op := range p.Ops {
		for _, base := range op.Bases {
			path := base + (&url.URL{Path: spec.ExpandTemplate(op.Key.Path, func(int, string) string { return "1" })}).EscapedPath()
			for _, m := range []string{op.Method, "GET", "POST"} {
				if seen[m+" "+path] {
					continue
				}
				seen[m+" "+path] = true
				out = append(out, fixedRequest{method: m, path: path}, fixedRequest{method: m, path: path, body: []byte(`{"id":1,"name":"a","tags":["x"]}`)})
			}
		}
	}
	// Bounded so that a contract with thousands of operations costs the
	// fuzzer what a small one does.
	if len(out) > 200 {
		out = out[:200]
	}
	return out
}

// checkFixedRequest routes and validates one request as the firewall's
// pipeline does, then validates a small response to it.
func checkFixedRequest(t *testing.T, p *Plan, rq fixedRequest) {
	m, _, err := p.Router.Lookup(rq.method, rq.path)
	if err != nil {
		return
	}
	params := append([]route.PathParam(nil), m.Params...)
	if PathValues(params) != nil {
		return
	}
	op := m.Value
	if op.Broken != "" {
		// Refused before validation (fail closed).
		return
	}
	h := http.Header{"Cookie": {"id=1; session=1"}, "X-Request-Id": {"1"}}
	ct := ""
	if rq.body != nil {
		ct = "application/json"
		h.Set("Content-Type", ct)
	}
	// Without a query, and with one naming the parameters the hostile
	// seeds declare; block mode (stop at the first violation) and monitor
	// mode (collect them all).
	for _, query := range []string{"", "id=1&limit=1"} {
		for _, all := range []bool{false, true} {
			in := &Request{PathParams: params, RawQuery: query, Header: h, ContentType: ct, Body: rq.body, HasBody: rq.body != nil}
			for _, v := range op.CheckRequest(in, &p.Config, all) {
				if v.Status < 400 || v.Status > 499 || v.Reason == "" {
					t.Fatalf("%s %s?%s: violation %+v", rq.method, rq.path, query, v)
				}
			}
		}
	}
	statuses := []int{200}
	for _, r := range op.Responses {
		if n, err := strconv.Atoi(r.Code); err == nil && n >= 100 && n <= 599 && n != 200 {
			statuses = append(statuses, n)
		}
	}
	for _, status := range statuses {
		for _, mode := range []Mode{Monitor, Block, Strip} {
			in := &ResponseIn{Method: rq.method, Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":1,"name":"a","extra":{"b":[1,2]}}`), BodyChecked: true}
			vs, _ := op.CheckResponse(in, &p.Config, mode)
			for _, v := range vs {
				if v.Status != 502 || v.Reason == "" {
					t.Fatalf("%s %s -> %d: response violation %+v", rq.method, rq.path, status, v)
				}
			}
		}
	}
}
