package scan

import (
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan/config"
)

func TestEvalLink(t *testing.T) {
	body := map[string]any{"id": "42", "items": []any{map[string]any{"sku": "A-1"}}}
	x := &exchange{RespHead: http.Header{"Location": {"/pets/42"}}}
	r := &request{params: map[string]any{"path:petId": "7", "query:q": "x"}}
	for _, tc := range []struct {
		expr any
		want string
		ok   bool
	}{
		{"$response.body#/id", "42", true},
		{"$response.body#/items/0/sku", "A-1", true},
		{"$response.body#/missing", "", false},
		{"$response.header.Location", "/pets/42", true},
		{"$request.path.petId", "7", true},
		{"$request.query.q", "x", true},
		{"$url", "", false},
		{"constant", "constant", true},
	} {
		got, ok := evalLink(tc.expr, r, x, body)
		if got != tc.want || ok != tc.ok {
			t.Errorf("evalLink(%v) = %q, %v; want %q, %v", tc.expr, got, ok, tc.want, tc.ok)
		}
	}
}

func TestListLenAndMissingID(t *testing.T) {
	for body, want := range map[string]int{`[1,2,3]`: 3, `{"items":[1]}`: 1, `{"data":[]}`: 0, `{"x":1}`: -1, `nope`: -1} {
		n, ok := listLen([]byte(body))
		if (want < 0 && ok) || (want >= 0 && (!ok || n != want)) {
			t.Errorf("listLen(%s) = %d, %v; want %d", body, n, ok, want)
		}
	}
	for in, want := range map[string]string{"12": "987654321", "3f2b8c1e-1111-4222-8333-444455556666": "00000000-0000-4000-8000-00000000d1e7", "abc": "abc-missing"} {
		if got := missingID(in); got != want {
			t.Errorf("missingID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStackTraceSignatures(t *testing.T) {
	for text, want := range map[string]bool{
		"Traceback (most recent call last):\n  File \"app.py\", line 3":  true,
		"goroutine 1 [running]:\nmain.main()":                            true,
		"\tat com.example.Api.get(Api.java:42)":                          true,
		"    at Object.<anonymous> (/srv/app/index.js:10:5)":             true,
		"<html><head><title>Whitelabel Error Page</title>":               true,
		`{"error":"not found"}`:                                          false,
		`{"message":"at least one item is required","status":"invalid"}`: false,
		`{"goroutines": 12, "note": "see line 4 of the at-risk list"}`:   false,
	} {
		if got := stackTraceRe.MatchString(text); got != want {
			t.Errorf("stack trace match %q = %v, want %v", text, got, want)
		}
	}
}

func TestWeakSuitesAreTLS12Only(t *testing.T) {
	ws := weakSuites()
	if len(ws) == 0 {
		t.Fatal("no weak suites to probe")
	}
	for _, s := range ws {
		if strings.Contains(s.Name, "GCM") && strings.HasPrefix(s.Name, "TLS_ECDHE_") {
			t.Errorf("%s is not weak", s.Name)
		}
	}
}

func TestCheckExpect(t *testing.T) {
	x := &exchange{Status: 404, RespBody: []byte(`{"error":"not found","n":3}`), RespHead: http.Header{"Cache-Control": {"no-store"}}}
	for _, tc := range []struct {
		name string
		exp  config.Expect
		fail int
	}{
		{"default 2xx", config.Expect{}, 1},
		{"status listed", config.Expect{Status: []int{403, 404}}, 0},
		{"body match", config.Expect{Status: []int{404}, Body: map[string]any{"$.error": "not found", "$.n": 3}}, 0},
		{"body mismatch", config.Expect{Status: []int{404}, Body: map[string]any{"$.error": "gone"}}, 1},
		{"header", config.Expect{Status: []int{404}, Headers: map[string]string{"Cache-Control": "no-store", "X-Frame-Options": "DENY"}}, 1},
	} {
		if got := checkExpect(tc.exp, x); len(got) != tc.fail {
			t.Errorf("%s: %d failures (%v), want %d", tc.name, len(got), got, tc.fail)
		}
	}
}
