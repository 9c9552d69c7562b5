package scan_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
)

var statusLine = regexp.MustCompile(`(?m)^HTTP/[0-9.]+ ([0-9]{3})`)

// Each finding's curl command, run as printed, gets the status the
// finding reports: the report is reproducible without the scanner.
func TestFindingCurlReproduces(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	res, _ := scanFixture(t, true, scan.Options{ShowSecrets: true, KeepResources: true})
	if len(res.Spec.Findings) == 0 {
		t.Fatal("no findings to reproduce")
	}
	for _, f := range res.Spec.Findings {
		if len(f.Exchanges) == 0 {
			t.Errorf("%s %s: no exchange", f.Rule, f.Operation)
			continue
		}
		x := f.Exchanges[len(f.Exchanges)-1]
		out, err := exec.Command("sh", "-c", x.Curl+" -sS --max-time 5").CombinedOutput()
		if err != nil {
			t.Errorf("%s %s: %v\n%s", f.Rule, f.Operation, err, out)
			continue
		}
		m := statusLine.FindSubmatch(out)
		if m == nil {
			t.Errorf("%s %s: no status line in curl output:\n%s", f.Rule, f.Operation, out)
			continue
		}
		if got, _ := strconv.Atoi(string(m[1])); got != x.Status {
			t.Errorf("%s %s: curl got %d, finding says %d\n%s", f.Rule, f.Operation, got, x.Status, x.Curl)
		}
	}
}

// Without --show-secrets, no token, key or password reaches the report.
func TestReportRedactsSecrets(t *testing.T) {
	res, api := scanFixture(t, true, scan.Options{})
	secrets := []string{"alice-pass", "alice-key-0001", "bob-key-0002", "root-pass", string(api.SigningKey())}
	jwtLike := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}`)
	for _, f := range res.Spec.Findings {
		for _, x := range f.Exchanges {
			all := x.Curl + x.URL + x.Body + x.RespBody
			for _, vs := range x.Headers {
				for _, v := range vs {
					all += v
				}
			}
			for _, s := range secrets {
				if len(s) > 5 && regexp.MustCompile(regexp.QuoteMeta(s)).MatchString(all) {
					t.Errorf("%s %s: secret %q in report", f.Rule, f.Operation, s)
				}
			}
			if jwtLike.MatchString(all) && f.Rule != "scan-jwt-alg-none" {
				t.Errorf("%s %s: a signed token is in the report: %s", f.Rule, f.Operation, x.Curl)
			}
		}
	}
}

// A request whose URL holds characters curl reads as its own URL globbing
// syntax (deepObject brackets, allowReserved braces) still reproduces as
// printed: curl must take the URL literally.
func TestCurlWithBracketsInURLReproduces(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl not installed")
	}
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /items:
    get:
      parameters:
        - name: filter
          in: query
          required: true
          style: deepObject
          explode: true
          schema: {type: object, required: [color], properties: {color: {type: string, example: red}}}
        - name: q
          in: query
          required: true
          allowReserved: true
          schema: {type: string, example: "{a}[b]"}
      responses:
        "200": {description: ok}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// 500 to everything: each request becomes a finding to replay.
		if r.URL.Query().Get("filter[color]") == "" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL + "/", Rate: 1000, Timeout: 2 * time.Second, NoProbes: true})
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	for _, f := range res.Spec.Findings {
		for _, x := range f.Exchanges {
			if !strings.Contains(x.URL, "[") {
				continue
			}
			replayed++
			out, err := exec.Command("sh", "-c", x.Curl+" -sS --max-time 5").CombinedOutput()
			if err != nil {
				t.Errorf("%s: %v\n%s\n%s", f.Rule, err, x.Curl, out)
				continue
			}
			if m := statusLine.FindSubmatch(out); m == nil || string(m[1]) != strconv.Itoa(x.Status) {
				t.Errorf("%s: curl did not get %d:\n%s\n%s", f.Rule, x.Status, x.Curl, out)
			}
		}
	}
	if replayed == 0 {
		t.Fatalf("no finding quotes a URL with brackets: %+v", res.Spec.Findings)
	}
}
