package scan_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
)

// Path keys that carry a query or a fragment (generated AWS and Azure
// contracts): requests go to the path with the key's query in the URL,
// never a fragment or an encoded '#'; a fragment pair no parameter
// declares goes in the query; a parameter the key names selects the
// operation, so a request without it is one to the sibling operation,
// not out-of-contract input accepted.
func TestPathKeysWithQueryOrFragment(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /aws?Action=List&Version=1:
    get:
      parameters:
        - {name: MaxItems, in: query, schema: {type: integer, maximum: 10}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
  /svc#Action=Ping:
    get:
      parameters:
        - {name: Attribute, in: query, required: true, schema: {type: object, additionalProperties: {type: string}}}
      responses:
        "200": {description: ok}
  /blobs/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
      responses:
        "200": {description: ok}
  /blobs/{id}#mode=chunk:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
        - {name: mode, in: query, required: true, schema: {type: string, enum: [chunk]}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
`)
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.RequestURI())
		mu.Unlock()
		// As the firewall routes it: /aws needs its key's query, and
		// /blobs/{id} without mode is the plain operation.
		if r.URL.Path == "/aws" && (r.URL.Query().Get("Action") != "List" || r.URL.Query().Get("Version") != "1") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	for _, f := range res.Spec.Findings {
		for _, x := range f.Exchanges {
			if strings.Contains(x.URL, "#") {
				t.Errorf("the report's request is not the one sent: %s", x.URL)
			}
		}
		if f.Rule == scan.RuleNegativeAccepted && strings.Contains(f.Message, "query mode:") {
			t.Errorf("a request without the parameter that selects the operation was reported: %s", f.Message)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	var aws int
	for _, u := range seen {
		if strings.Contains(u, "#") || strings.Contains(strings.ToLower(u), "%23") {
			t.Errorf("a fragment went out: %s", u)
		}
		if strings.HasPrefix(u, "/aws?Action=List&Version=1") {
			aws++
		}
	}
	var ping bool
	for _, u := range seen {
		// The fragment's pair goes in the query, and the required
		// exploded object sends at least one property.
		ping = ping || (strings.HasPrefix(u, "/svc?Action=Ping&") && strings.Count(u, "=") >= 2)
	}
	if !ping {
		t.Errorf("no request to /svc carried Action=Ping and a property of Attribute: %v", seen)
	}
	if aws == 0 {
		t.Errorf("no request carried the key's query: %v", seen)
	}
}
