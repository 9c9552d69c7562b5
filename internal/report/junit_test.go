package report

import (
	"encoding/xml"
	"strings"
	"testing"
)

func TestJUnitCounts(t *testing.T) {
	type tc struct {
		Classname string `xml:"classname,attr"`
		Name      string `xml:"name,attr"`
		Failure   *struct {
			Message string `xml:"message,attr"`
			Type    string `xml:"type,attr"`
			Text    string `xml:",chardata"`
		} `xml:"failure"`
		Skipped *struct {
			Message string `xml:"message,attr"`
		} `xml:"skipped"`
	}
	type suite struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []tc   `xml:"testcase"`
	}
	type suites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Suites   []suite  `xml:"testsuite"`
	}

	high := SeverityHigh
	cases := []struct {
		name      string
		report    *Report
		opts      Options
		tests     int
		failures  int
		wantCases map[string]string // testcase name -> failure message ("" = passing, "skipped")
	}{
		{"audit", auditReport(), Options{}, 7, 5, map[string]string{
			"sec-no-security": "1 finding", "tls-http-server": "1 finding", "data-string-no-maxlength": "2 findings",
			"data-array-no-maxitems": "1 finding", "data-number-no-format": "1 finding", "data-string-no-pattern": "skipped", "rampart": "",
		}},
		// --fail-on high: the rules whose findings are all below it pass
		// (the job passes on them too); they were red tests.
		{"audit, failing on high", auditReport(), Options{FailOn: &high}, 7, 3, map[string]string{
			"sec-no-security": "1 finding", "tls-http-server": "1 finding", "data-string-no-maxlength": "2 findings",
			"data-array-no-maxitems": "", "data-number-no-format": "", "data-string-no-pattern": "skipped", "rampart": "",
		}},
		{"scan", scanReport(), Options{}, 2, 2, map[string]string{"scan-bola": "1 finding", "scan-stack-trace": "1 finding"}},
		{"no results", &Report{Kind: "audit"}, Options{}, 0, 0, map[string]string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := render(t, "junit", c.report, c.opts)
			if c.opts.FailOn != nil && !strings.Contains(string(out), "<system-out><![CDATA[1 finding, below --fail-on high\n") {
				t.Errorf("a passing rule's findings are not in its system-out, line by line:\n%s", out)
			}
			if !strings.HasPrefix(string(out), xml.Header) {
				t.Error("no XML declaration")
			}
			var doc suites
			if err := xml.Unmarshal(out, &doc); err != nil {
				t.Fatalf("output is not XML: %v", err)
			}
			if doc.Tests != c.tests || doc.Failures != c.failures {
				t.Errorf("testsuites: tests %d failures %d, want %d and %d", doc.Tests, doc.Failures, c.tests, c.failures)
			}
			if len(doc.Suites) != len(c.report.Results) {
				t.Fatalf("%d suites for %d results", len(doc.Suites), len(c.report.Results))
			}
			seen := map[string]string{}
			for i, s := range doc.Suites {
				if s.Name != c.report.Results[i].Spec {
					t.Errorf("suite %d named %q", i, s.Name)
				}
				failures, skipped := 0, 0
				for _, k := range s.Cases {
					if k.Classname != s.Name {
						t.Errorf("testcase %s has classname %q", k.Name, k.Classname)
					}
					switch {
					case k.Failure != nil:
						failures++
						seen[k.Name] = k.Failure.Message
						if !strings.HasPrefix(k.Failure.Text, strings.ToUpper(k.Failure.Type)+" ") || !strings.HasSuffix(k.Failure.Text, "\n") {
							t.Errorf("testcase %s: failure text %q", k.Name, k.Failure.Text)
						}
					case k.Skipped != nil:
						skipped++
						seen[k.Name] = "skipped"
					default:
						seen[k.Name] = ""
					}
				}
				if s.Tests != len(s.Cases) || s.Failures != failures || s.Skipped != skipped {
					t.Errorf("suite %s: tests %d failures %d skipped %d; counted %d, %d, %d", s.Name, s.Tests, s.Failures, s.Skipped, len(s.Cases), failures, skipped)
				}
			}
			if len(seen) != len(c.wantCases) {
				t.Errorf("testcases %v, want %v", seen, c.wantCases)
			}
			for name, want := range c.wantCases {
				if got, ok := seen[name]; !ok || got != want {
					t.Errorf("testcase %s: %q (present %v), want %q", name, got, ok, want)
				}
			}
		})
	}
}

func TestJUnitFailureText(t *testing.T) {
	r := auditReport()
	r.Results[0].Findings[0].Message = "bad \x00 byte ]]> and <tags>"
	var doc struct {
		Suites []struct {
			Cases []struct {
				Failure *struct {
					Text string `xml:",chardata"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(render(t, "junit", r, Options{}), &doc); err != nil {
		t.Fatalf("output is not XML: %v", err)
	}
	text := doc.Suites[0].Cases[0].Failure.Text
	if !strings.Contains(text, "bad \uFFFD byte ]]> and <tags>") {
		t.Errorf("failure text %q", text)
	}
	if !strings.Contains(text, "  operations: GET /pets, POST /pets, GET /pets/{petId}, PUT /pets/{petId}, DELETE /pets/{petId} and 2 more\n") {
		t.Errorf("failure text lacks the operations: %q", text)
	}
}
