package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/cli"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan"
)

// serveOnScanPort serves h on 127.0.0.1 at the first free port of
// 47100-47199, the range these tests may listen on, and returns its URL.
func serveOnScanPort(t *testing.T, h http.Handler) string {
	t.Helper()
	for port := 47100; port <= 47199; port++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		srv := httptest.NewUnstartedServer(h)
		srv.Listener.Close()
		srv.Listener = l
		srv.Start()
		t.Cleanup(srv.Close)
		return srv.URL
	}
	t.Fatal("no free port in 127.0.0.1:47100-47199")
	return ""
}

// sentRequestSpec declares POST /items and GET /things only. The
// undeclared-method probe sends PUT to both paths, starting from those
// operations' requests; the method override probe sends POST to /things;
// the path override probe's control is a GET to a random path.
const sentRequestSpec = `openapi: 3.0.3
info: {title: sent requests, version: "1"}
paths:
  /items:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties: {name: {type: string, maxLength: 20}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object}}}}
        "400": {description: invalid}
  /things:
    get:
      responses:
        "200": {description: the things, content: {application/json: {schema: {type: array, items: {type: string}}}}}
`

// sentRequestAPI answers the declared operations with hardened headers,
// and every request the contract does not declare (another method on its
// paths: 501; another path: 404) without X-Content-Type-Options and with
// a version banner, as a gateway in front of the API might.
func sentRequestAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		declared := (r.Method == http.MethodPost && r.URL.Path == "/items") || (r.Method == http.MethodGet && r.URL.Path == "/things")
		if !declared {
			w.Header().Set("X-Powered-By", "legacy-gateway 1.2")
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if r.URL.Path == "/items" || r.URL.Path == "/things" {
				w.WriteHeader(http.StatusNotImplemented)
				fmt.Fprintln(w, "not implemented")
				return
			}
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintln(w, "no such path")
			return
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			fmt.Fprint(w, `["a","b"]`)
			return
		}
		var body struct {
			Name *string `json:"name"`
		}
		d := json.NewDecoder(r.Body)
		d.DisallowUnknownFields()
		if err := d.Decode(&body); err != nil || body.Name == nil || len(*body.Name) > 20 || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid"}`)
			return
		}
		w.WriteHeader(http.StatusCreated)
		fmt.Fprint(w, `{"name":"created"}`)
	})
}

// lineOf returns the 1-based line of the first line of text equal to s.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	for i, l := range strings.Split(text, "\n") {
		if l == s {
			return i + 1
		}
	}
	t.Fatalf("no line %q", s)
	return 0
}

// The header checks judge every answer the scan gets, probes' answers
// included. A probe's request is not the operation it started from: the
// undeclared-method probe's PUT /items starts from POST /items, and what
// the answer to PUT shows belongs to PUT /items (not declared), located
// at the path item, as the undeclared-method finding itself is, with that
// PUT as its reproducible request. A finding filed under POST /items
// would blame an operation that sends its headers and show a curl
// command the operation never makes. The path override's control, a
// made-up path, is not judged: its name changes with every scan.
func TestProbeFindingsNameTheRequestSent(t *testing.T) {
	doc, _ := loadInline(t, sentRequestSpec)
	target := serveOnScanPort(t, sentRequestAPI())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res, err := scan.Run(ctx, doc, scan.Options{Target: target, Rate: 1000, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v", res.HappyFailures)
	}
	got := map[string]report.Finding{}
	for _, f := range res.Spec.Findings {
		if f.Rule != scan.RuleNoSniff && f.Rule != scan.RuleServerBanner {
			continue
		}
		got[f.Rule+" "+f.Operation] = f
		if strings.Contains(f.Operation, "rampart-") {
			t.Errorf("%s filed under a made-up path: %s", f.Rule, f.Operation)
		}
	}
	for _, tc := range []struct {
		rule, operation, pointer string
	}{
		// The undeclared-method probe, from POST /items and GET /things.
		{scan.RuleNoSniff, "PUT /items", "/paths/~1items"},
		{scan.RuleServerBanner, "PUT /items", "/paths/~1items"},
		{scan.RuleNoSniff, "PUT /things", "/paths/~1things"},
		{scan.RuleServerBanner, "PUT /things", "/paths/~1things"},
		// The method override probe's POST, from GET /things.
		{scan.RuleNoSniff, "POST /things", "/paths/~1things"},
		{scan.RuleServerBanner, "POST /things", "/paths/~1things"},
		// The operations the probes started from send the headers.
		{scan.RuleNoSniff, "POST /items", ""},
		{scan.RuleServerBanner, "POST /items", ""},
		{scan.RuleNoSniff, "GET /things", ""},
		{scan.RuleServerBanner, "GET /things", ""},
	} {
		t.Run(tc.rule+" "+tc.operation, func(t *testing.T) {
			f, found := got[tc.rule+" "+tc.operation]
			if tc.pointer == "" {
				if found {
					t.Errorf("filed under %s, which answers with the header: %s (requests: %s)", tc.operation, f.Message, exchangeLines(f))
				}
				return
			}
			if !found {
				t.Fatalf("no %s finding under %s; header findings: %v", tc.rule, tc.operation, keys(got))
			}
			if f.Location.Pointer != tc.pointer {
				t.Errorf("located at %q, want the path item %q", f.Location.Pointer, tc.pointer)
			}
			if !strings.Contains(f.Message, tc.operation+" (not declared)") {
				t.Errorf("message does not name the request as undeclared: %s", f.Message)
			}
			method, path, _ := strings.Cut(tc.operation, " ")
			if len(f.Exchanges) == 0 {
				t.Fatal("no reproducible request")
			}
			for _, x := range f.Exchanges {
				if x.Method != method || !strings.HasSuffix(strings.SplitN(x.URL, "?", 2)[0], path) {
					t.Errorf("request %s %s is not %s", x.Method, x.URL, tc.operation)
				}
				if !strings.Contains(x.Curl, " -X "+method+" ") {
					t.Errorf("curl command does not send %s: %s", method, x.Curl)
				}
			}
		})
	}
}

func exchangeLines(f report.Finding) string {
	var out []string
	for _, x := range f.Exchanges {
		out = append(out, x.Method+" "+x.URL)
	}
	return strings.Join(out, ", ")
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// Every report format says so: the finding of the undeclared PUT /items
// names that request, its location is the path item's line, and its
// curl command sends PUT; nothing blames POST /items.
func TestProbeFindingsNameTheRequestSentInEveryFormat(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(specPath, []byte(sentRequestSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	target := serveOnScanPort(t, sentRequestAPI())
	pathLine := lineOf(t, sentRequestSpec, "  /items:")
	const (
		nowMsg = "The 501 response of PUT /items (not declared) has no X-Content-Type-Options: nosniff."
		oldMsg = "response of POST /items has no X-Content-Type-Options"
	)
	// nosniffFinding is the finding of the PUT in a JSON report.
	jsonFinding := func(t *testing.T, out string) report.Finding {
		var r report.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil || len(r.Results) != 1 {
			t.Fatalf("not a JSON report with one result (%v)", err)
		}
		for _, f := range r.Results[0].Findings {
			if f.Rule == scan.RuleNoSniff && f.Message == nowMsg {
				return f
			}
		}
		t.Fatalf("no finding %q", nowMsg)
		return report.Finding{}
	}
	for _, tc := range []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"text", func(t *testing.T, out string) {
			block := textBlock(t, out, nowMsg)
			for _, want := range []string{
				fmt.Sprintf("scan-header-nosniff  %s:%d:", specPath, pathLine),
				"Operation: PUT /items\n", "): PUT " + target + "/items -> 501", "curl -i --globoff -X PUT ",
			} {
				if !strings.Contains(block, want) {
					t.Errorf("the finding lacks %q:\n%s", want, block)
				}
			}
		}},
		{"json", func(t *testing.T, out string) {
			f := jsonFinding(t, out)
			if f.Operation != "PUT /items" || f.Location.Pointer != "/paths/~1items" || f.Location.Line != pathLine {
				t.Errorf("operation %q at %s#%s line %d, want PUT /items at /paths/~1items line %d", f.Operation, f.Location.File, f.Location.Pointer, f.Location.Line, pathLine)
			}
			if len(f.Exchanges) != 1 || f.Exchanges[0].Method != http.MethodPut || !strings.Contains(f.Exchanges[0].Curl, " -X PUT ") {
				t.Errorf("the reproducible request is not the PUT: %+v", f.Exchanges)
			}
		}},
		{"sarif", func(t *testing.T, out string) {
			var log struct {
				Runs []struct {
					Results []struct {
						RuleID  string `json:"ruleId"`
						Message struct {
							Text string `json:"text"`
						} `json:"message"`
						Locations []struct {
							PhysicalLocation struct {
								Region struct {
									StartLine int `json:"startLine"`
								} `json:"region"`
							} `json:"physicalLocation"`
							LogicalLocations []struct {
								FullyQualifiedName string `json:"fullyQualifiedName"`
							} `json:"logicalLocations"`
						} `json:"locations"`
						Properties struct {
							Operation string   `json:"operation"`
							Curl      []string `json:"curl"`
						} `json:"properties"`
					} `json:"results"`
				} `json:"runs"`
			}
			if err := json.Unmarshal([]byte(out), &log); err != nil || len(log.Runs) != 1 {
				t.Fatalf("not a SARIF log with one run (%v)", err)
			}
			for _, r := range log.Runs[0].Results {
				if r.RuleID != scan.RuleNoSniff || !strings.Contains(r.Message.Text, nowMsg) {
					continue
				}
				if r.Properties.Operation != "PUT /items" {
					t.Errorf("operation %q, want PUT /items", r.Properties.Operation)
				}
				if len(r.Locations) != 1 || r.Locations[0].PhysicalLocation.Region.StartLine != pathLine ||
					len(r.Locations[0].LogicalLocations) != 1 || r.Locations[0].LogicalLocations[0].FullyQualifiedName != "/paths/~1items" {
					t.Errorf("located at %+v, want line %d, /paths/~1items", r.Locations, pathLine)
				}
				if len(r.Properties.Curl) != 1 || !strings.Contains(r.Properties.Curl[0], " -X PUT ") {
					t.Errorf("curl %v does not send PUT", r.Properties.Curl)
				}
				return
			}
			t.Errorf("no result %q", nowMsg)
		}},
		{"html", func(t *testing.T, out string) {
			page := html.UnescapeString(out)
			i := strings.Index(page, nowMsg)
			if i < 0 {
				t.Fatalf("no finding %q", nowMsg)
			}
			// The finding's card runs to the next one.
			card := page[i:]
			if j := strings.Index(card, "<details class=\"finding"); j > 0 {
				card = card[:j]
			}
			for _, want := range []string{
				"<dt>Operation</dt><dd><code>PUT /items</code></dd>",
				fmt.Sprintf("<dt>Location</dt><dd><code>%s:%d:3</code> · <code>/paths/~1items</code>", specPath, pathLine),
				"curl -i --globoff -X PUT ",
			} {
				if !strings.Contains(card, want) {
					t.Errorf("the finding's card lacks %q", want)
				}
			}
		}},
		{"junit", func(t *testing.T, out string) {
			want := fmt.Sprintf("LOW %s:%d:3: %s\n  operation: PUT /items\n", specPath, pathLine, nowMsg)
			if !strings.Contains(out, want) {
				t.Errorf("JUnit report lacks %q:\n%s", want, out)
			}
		}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Execute([]string{"scan", specPath, "--target", target, "--rate", "1000", "--timeout", "2s", "--format", tc.format, "-q"}, nil, &out, &errb)
			if code != cli.ExitOK && code != cli.ExitFailed {
				t.Fatalf("exit %d:\n%s", code, errb.String())
			}
			if strings.Contains(out.String(), oldMsg) {
				t.Errorf("the %s report files the PUT's answer under POST /items", tc.format)
			}
			tc.check(t, out.String())
		})
	}
}

// textBlock returns the finding of the text report whose message is msg,
// from its heading line to the next finding.
func textBlock(t *testing.T, out, msg string) string {
	t.Helper()
	i := strings.Index(out, msg)
	if i < 0 {
		t.Fatalf("no finding %q in:\n%s", msg, out)
	}
	start := strings.LastIndex(out[:i], "\n\n") + 2
	end := len(out)
	if j := strings.Index(out[i:], "\n\n"); j >= 0 {
		end = i + j
	}
	return out[start:end]
}
