package scan_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// An exploded query object sends one pair per property; an optional
// property named like another query parameter (AWS's LaunchTemplate
// {LaunchTemplateId, Version} beside the API's own Version) is left out
// of in-contract requests, which would otherwise carry "Version" twice.
func TestExplodedObjectLeavesOutCollidingProperties(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /:
    get:
      parameters:
        - name: LaunchTemplate
          in: query
          schema:
            type: object
            properties:
              LaunchTemplateId: {type: string, enum: [lt-1]}
              Version: {type: string, enum: ["3"]}
        - {name: Version, in: query, required: true, schema: {type: string, enum: ["2011-01-01"]}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
`)
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		for _, vs := range r.URL.Query() {
			if len(vs) > 1 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v (queries sent: %q)", res.HappyFailures, queries)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(queries) == 0 || queries[0] != "LaunchTemplateId=lt-1&Version=2011-01-01" {
		t.Errorf("first query %q, want the object's other property and the API's Version once (all: %q)", queries[0], queries)
	}
}

// Two exploded objects that both declare a property (sinao's columns
// {amount: string} and discount {amount: integer}) both read an "amount"
// pair, whichever sent it: neither sends it in-contract.
func TestExplodedObjectsSharingAProperty(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /invoices:
    get:
      parameters:
        - {name: columns, in: query, schema: {type: object, properties: {amount: {type: string, enum: [Amount]}, designation: {type: string, enum: [Label]}}}}
        - {name: discount, in: query, schema: {type: object, properties: {amount: {type: integer}, percent: {type: integer, enum: [5]}}}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
`)
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		if r.URL.Query().Has("amount") {
			w.WriteHeader(http.StatusBadRequest) // no reading satisfies both objects
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("happy paths failed: %v (queries sent: %q)", res.HappyFailures, queries)
	}
}
