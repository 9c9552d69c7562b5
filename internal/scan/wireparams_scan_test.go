package scan_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A parameter mutation is judged by what the server reads back for the
// parameter's style: against an API that accepts everything, only the
// mutations that are out of contract on the wire are reported. An
// exploded form object's keys are the query's (or the cookies') names, so
// the "wrong type" attrs=rampart-not-an-object is the object
// {"attrs": "rampart-not-an-object"}, in contract when its values are
// free strings; an empty exploded array sends no pair, so an optional
// array with minItems is absent, not too short. Before, both were
// reported as out-of-contract input the API accepted.
func TestParameterMutationsJudgedOnTheWire(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /search:
    get:
      parameters:
        - {name: attrs, in: query, style: form, explode: true, schema: {type: object, additionalProperties: {type: string}}}
        - {name: nums, in: query, style: form, explode: true, schema: {type: object, additionalProperties: {type: integer}}}
        - {name: ids, in: query, schema: {type: array, minItems: 2, items: {type: integer}}}
        - {name: csv, in: query, explode: false, schema: {type: array, minItems: 2, items: {type: integer}}}
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object, properties: {a: {type: integer}}}}
        - {name: prefs, in: cookie, required: true, schema: {type: object, additionalProperties: {type: string}}}
      responses:
        "200": {description: ok}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	var reported []string
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleNegativeAccepted {
			reported = append(reported, f.Message)
		}
	}
	all := strings.Join(reported, "\n")
	for _, tc := range []struct {
		mutation string
		want     bool
	}{
		// In contract once read back: not sent.
		{"query attrs: wrong-type", false},
		{"query ids: too-few-items", false},
		{"cookie prefs: wrong-type", false},
		// Out of contract on the wire: sent, and accepted here.
		{"query nums: wrong-type", true},   // {"nums": "rampart-not-an-object"}: not an integer
		{"query csv: too-few-items", true}, // csv= is an empty list
		{"query filter: wrong-type", true}, // filter=text is no deepObject
		{"query ids: wrong-type", true},
	} {
		if got := strings.Contains(all, tc.mutation); got != tc.want {
			t.Errorf("%s reported: %v, want %v", tc.mutation, got, tc.want)
		}
	}
	if t.Failed() {
		t.Logf("reported:\n%s", all)
	}
}
