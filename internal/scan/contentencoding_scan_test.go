package scan_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

const codingSpec = `openapi: 3.0.3
info: {title: codings, version: "1"}
paths:
  /required:
    post:
      parameters:
        - {name: Content-Encoding, in: header, required: true, schema: {type: string, enum: [gzip]}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, additionalProperties: false, required: [n], properties: {n: {type: integer, minimum: 1, maximum: 9}}}
      responses: {"204": {description: ok}, "400": {description: invalid}}
  /optional:
    post:
      parameters:
        - {name: Content-Encoding, in: header, schema: {type: string, enum: [gzip]}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, additionalProperties: false, required: [n], properties: {n: {type: integer, minimum: 1, maximum: 9}}}
      responses: {"204": {description: ok}, "400": {description: invalid}}
`

// codingAPI reads a body in the content coding its Content-Encoding names
// and validates it; on /required it insists on gzip. It accepts n = 0
// too, so a mutation gives a finding whose curl command can be replayed.
func codingAPI(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "not JSON", http.StatusUnsupportedMediaType)
		return
	}
	var body io.Reader = r.Body
	switch ce := r.Header.Get("Content-Encoding"); {
	case ce == "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, "not gzip", 400)
			return
		}
		body = zr
	case ce != "":
		http.Error(w, "unsupported coding", http.StatusUnsupportedMediaType)
		return
	case r.URL.Path == "/required":
		http.Error(w, "gzip required", 400)
		return
	}
	var in map[string]any
	d := json.NewDecoder(body)
	d.UseNumber()
	if err := d.Decode(&in); err != nil || len(in) != 1 {
		http.Error(w, "bad body", 400)
		return
	}
	n, ok := in["n"].(json.Number)
	if v, err := n.Int64(); !ok || err != nil || v < 0 || v > 9 {
		http.Error(w, "bad n", 400)
		return
	}
	w.WriteHeader(204)
}

// A contract whose only content coding is gzip gets gzip bodies where the
// header is required, and no header (an identity body) where it is
// optional; the report shows the plain body and its curl command
// compresses it again.
func TestContentCodingOfRequestBodies(t *testing.T) {
	doc, _ := loadInline(t, codingSpec)
	srv := httptest.NewServer(http.HandlerFunc(codingAPI))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := scan.Run(ctx, doc, scan.Options{Target: srv.URL, Rate: 1000, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	var replayed bool
	for _, f := range res.Spec.Findings {
		if f.Rule != scan.RuleNegativeAccepted || f.Operation != "POST /required" || !strings.Contains(f.Message, "below-minimum") {
			continue
		}
		x := f.Exchanges[len(f.Exchanges)-1]
		if !strings.Contains(x.Body, `"n":0`) {
			t.Errorf("the report shows %q, want the plain body", x.Body)
		}
		if !strings.Contains(x.Curl, "| gzip -c | curl") {
			t.Errorf("curl command does not compress the body: %s", x.Curl)
		}
		if _, err := exec.LookPath("gzip"); err != nil {
			continue
		}
		out, err := exec.Command("sh", "-c", x.Curl+" -sS --max-time 5").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "204") {
			t.Errorf("replaying %s: %v\n%s", x.Curl, err, out)
		}
		replayed = true
	}
	if !replayed {
		t.Errorf("no below-minimum finding on POST /required to replay; findings: %+v", res.Spec.Findings)
	}
}
