package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

// bigBodySpec declares one closed object for three operations; the API
// answers each with the same defect, an undeclared property, in a small
// body, a 2.7 MB one and an endless chunked one.
const bigBodySpec = `openapi: 3.0.3
info: {title: big bodies, version: "1"}
paths:
  /small: {get: {responses: {"200": {$ref: "#/components/responses/List"}}}}
  /big: {get: {responses: {"200": {$ref: "#/components/responses/List"}}}}
  /endless: {get: {responses: {"200": {$ref: "#/components/responses/List"}}}}
components:
  responses:
    List:
      description: ok
      content:
        application/json:
          schema:
            type: object
            additionalProperties: false
            properties: {items: {type: array, items: {type: string}}}
`

// bigBodyLen is the length of /big's answer: more than the default cap
// of 1 MiB, less than 4 MiB.
const bigBodyLen = 2_700_000

func bigBodyAPI(t *testing.T) string {
	t.Helper()
	leak := `,"internal_secret":"s3"}`
	small := `{"items":["a"]` + leak
	item := `"` + strings.Repeat("x", 98) + `",`
	head := `{"items":[`
	var b strings.Builder
	b.WriteString(head)
	for b.Len()+len(item)+len(`"y"]`)+len(leak) < bigBodyLen {
		b.WriteString(item)
	}
	b.WriteString(`"` + strings.Repeat("y", bigBodyLen-b.Len()-len(`""]`)-len(leak)) + `"]` + leak)
	big := b.String()
	if len(big) != bigBodyLen {
		t.Fatalf("big body is %d bytes", len(big))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/small":
			_, _ = w.Write([]byte(small))
		case "/big":
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write([]byte(big))
		case "/endless":
			// Chunked, no length, never ends on its own: the write fails
			// once the scan has read what it reads and hung up (64 MiB
			// at most, so a scan that reads it all fails, not hangs).
			chunk := []byte(strings.Repeat(`"z",`, 1024))
			_, _ = w.Write([]byte(head))
			for range 64 << 20 / len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func scanBigBodies(t *testing.T, cfg *config.Config) *scan.Result {
	t.Helper()
	doc, _ := loadInline(t, bigBodySpec)
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: bigBodyAPI(t), Config: cfg, Rate: 1000, Timeout: 10 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func findingOf(res *scan.Result, rule, op string) *report.Finding {
	for i, f := range res.Spec.Findings {
		if f.Rule == rule && f.Operation == op {
			return &res.Spec.Findings[i]
		}
	}
	return nil
}

// A body longer than the scan reads is not passed in silence: the report
// says, per operation, that it was not validated and why (an info
// finding with the exchange, and a manual check), while what can be
// checked without it is (its status and media type). The small body with
// the same defect is the control: there the defect is found.
func TestResponseBodyOverTheCapIsReportedNotValidated(t *testing.T) {
	res := scanBigBodies(t, nil)
	if findingOf(res, scan.RuleExcessiveData, "GET /small") == nil {
		t.Fatalf("control: the small body's undeclared property is not reported: %+v", res.Spec.Findings)
	}
	for op, size := range map[string]string{"GET /big": "its body (2700000 bytes)", "GET /endless": "its body, of no declared length, exceeds"} {
		f := findingOf(res, scan.RuleBodyUnchecked, op)
		if f == nil {
			t.Errorf("%s: no %s finding: a body the scan did not validate passes unreported", op, scan.RuleBodyUnchecked)
			continue
		}
		if f.Severity != report.SeverityInfo || !strings.Contains(f.Message, size) || !strings.Contains(f.Message, "cap of 1 MiB (max_response_bytes)") || len(f.Exchanges) == 0 {
			t.Errorf("%s: %s %q, %d exchanges", op, f.Severity, f.Message, len(f.Exchanges))
		}
		note := "response body not validated: " + op + ", 200 response: " + size
		found := false
		for _, m := range res.Spec.ManualChecks {
			found = found || strings.HasPrefix(m, note)
		}
		if !found {
			t.Errorf("%s: no manual check starting %q in %q", op, note, res.Spec.ManualChecks)
		}
		if g := findingOf(res, scan.RuleResponseSchema, op); g != nil {
			t.Errorf("%s: the cap reported as the API's defect: %s", op, g.Message)
		}
	}
	// The text report (its manual checks) says it too.
	var b strings.Builder
	rep := &report.Report{Tool: "rampart", Kind: "scan", Results: []report.SpecResult{res.Spec}, Rules: scan.Rules()}
	if err := report.Write(&b, "text", rep, report.Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "response body not validated: GET /big, 200 response") {
		t.Errorf("the text report does not say the body was not validated:\n%s", b.String())
	}
}

// A cut body still gets the checks that need no body, its media type,
// and is not taken for an empty one when the part read is blank.
func TestResponseBodyOverTheCapStillHasItsMediaTypeChecked(t *testing.T) {
	doc, _ := loadInline(t, bigBodySpec)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(strings.Repeat(" ", 2<<20)))
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, Timeout: 10 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	if findingOf(res, scan.RuleUndeclaredContent, "GET /big") == nil {
		t.Errorf("a 2 MiB text/html answer where JSON is declared is not reported: %+v", res.Spec.Findings)
	}
}

// max_response_bytes raises the cap: the 2.7 MB body is then validated
// and its undeclared property found; a bad value is a config error.
func TestMaxResponseBytesRaisesTheCap(t *testing.T) {
	cfg, err := config.Parse([]byte("max_response_bytes: 4194304\n"))
	if err != nil {
		t.Fatal(err)
	}
	res := scanBigBodies(t, cfg)
	if f := findingOf(res, scan.RuleExcessiveData, "GET /big"); f == nil || !strings.Contains(f.Message, "internal_secret") {
		t.Errorf("the 2.7 MB body is not validated under a 4 MiB cap: %+v", res.Spec.Findings)
	}
	if f := findingOf(res, scan.RuleBodyUnchecked, "GET /big"); f != nil {
		t.Errorf("reported unchecked under a 4 MiB cap: %s", f.Message)
	}
	if f := findingOf(res, scan.RuleBodyUnchecked, "GET /endless"); f == nil || !strings.Contains(f.Message, "cap of 4 MiB") {
		t.Errorf("the endless body under a 4 MiB cap: %+v", f)
	}
	doc, _ := loadInline(t, bigBodySpec)
	for _, bad := range []string{"-1", "0", "67108865"} {
		cfg, err := config.Parse([]byte("max_response_bytes: " + bad + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(doc); err == nil || !strings.Contains(err.Error(), "max_response_bytes") {
			t.Errorf("max_response_bytes: %s: %v", bad, err)
		}
	}
}
