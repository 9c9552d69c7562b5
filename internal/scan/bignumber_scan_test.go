package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A target whose response holds a number the schema engine cannot hold in
// its exact arithmetic (1e10000000 against maximum: 10) made the scanner
// panic while validating it. The scan finishes and reports that the body
// could not be judged against its schema.
func TestResponseNumberBeyondTheEngine(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: big, version: "1"}
paths:
  /n:
    get:
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object, properties: {n: {type: number, maximum: 10}}}}}}}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"n": 1e10000000}`))
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := scan.Run(ctx, doc, scan.Options{Target: srv.URL, Rate: 1000, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleResponseSchema && strings.Contains(f.Message, "schema engine failed on this value") {
			return
		}
	}
	t.Errorf("no response-schema finding saying the body could not be judged; findings: %+v", res.Spec.Findings)
}
