package scan_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A required header parameter that every request carries anyway (the
// scan's User-Agent, the transport's Content-Length) gets no
// missing-required mutation: the request would carry it regardless, and
// an API accepting it is no finding. A parameter without a name cannot
// be sent and is left out instead of failing the request, and an example
// that no header field can carry (a line break) gives way to a generated
// value.
func TestHeadersEveryRequestCarries(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /session:
    post:
      parameters:
        - {name: User-Agent, in: header, required: true, schema: {type: string}}
        - {name: content-length, in: header, required: true, schema: {type: integer}}
        - {name: X-Trace, in: header, required: true, schema: {type: string}}
        - {name: "", in: header, schema: {type: string}}
        - {name: Signature, in: header, required: true, schema: {type: string, maxLength: 40}, example: "keyId=a,\nsignature=b"}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {type: string}}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	var trace bool
	for _, f := range res.Spec.Findings {
		if f.Rule != scan.RuleNegativeAccepted {
			continue
		}
		msg := strings.ToLower(f.Message)
		if strings.Contains(msg, "user-agent: missing-required") || strings.Contains(msg, "content-length: missing-required") {
			t.Errorf("a header every request carries was reported missing: %s", f.Message)
		}
		// The transport writes Content-Length from the body: a wrong
		// value set for it is never sent.
		if strings.Contains(msg, "content-length:") {
			t.Errorf("a mutation of a header the transport writes was reported: %s", f.Message)
		}
		trace = trace || strings.Contains(msg, "x-trace: missing-required")
	}
	if !trace {
		t.Errorf("an ordinary required header was not tested: %v", res.Spec.Findings)
	}
}

// The scan sends the headers it means and no others: Go's transport
// would add "Accept-Encoding: gzip" to a request without one, so a
// mutation leaving out a required Accept-Encoding would carry it anyway
// and an API that refuses the missing header be reported as accepting
// it. Operations that declare no Accept-Encoding get none either, as the
// curl line of a finding sends none.
func TestNoHeaderTheContractDoesNotSend(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /feed:
    get:
      parameters:
        - {name: Accept-Encoding, in: header, required: true, schema: {type: string, enum: [gzip]}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
  /plain:
    get:
      responses:
        "200": {description: ok}
`)
	var mu sync.Mutex
	plainEncodings := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ae := r.Header.Get("Accept-Encoding")
		if r.URL.Path == "/plain" {
			mu.Lock()
			plainEncodings[ae] = true
			mu.Unlock()
			return
		}
		if ae == "" {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleNegativeAccepted && strings.Contains(strings.ToLower(f.Message), "accept-encoding: missing-required") {
			t.Errorf("a request without Accept-Encoding was sent with one: %s", f.Message)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(plainEncodings) == 0 {
		t.Fatal("GET /plain was never sent")
	}
	for ae := range plainEncodings {
		if ae != "" {
			t.Errorf("a request the contract gives no Accept-Encoding carried %q", ae)
		}
	}
}

// A declared Content-Encoding header says how the body is coded; the scan
// sends its bodies as they are, so it names the identity coding where the
// schema allows it, not a value made up from the schema.
func TestContentEncodingHeaderIsIdentity(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /objects:
    put:
      parameters:
        - {name: Content-Encoding, in: header, schema: {type: string}, example: aws-chunked}
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {a: {type: string}}}
      responses:
        "200": {description: ok}
        "415": {description: coding not supported}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ce := r.Header.Get("Content-Encoding"); ce != "" && ce != "identity" {
			w.WriteHeader(http.StatusUnsupportedMediaType)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v", res.HappyFailures)
	}
}
