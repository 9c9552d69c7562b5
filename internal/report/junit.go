package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

type junitTestSuites struct {
	XMLName  xml.Name         `xml:"testsuites"`
	Name     string           `xml:"name,attr"`
	Tests    int              `xml:"tests,attr"`
	Failures int              `xml:"failures,attr"`
	Errors   int              `xml:"errors,attr"`
	Skipped  int              `xml:"skipped,attr"`
	Suites   []junitTestSuite `xml:"testsuite"`
}

type junitTestSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut *junitText    `xml:"system-out,omitempty"`
}

// junitText is an element's text as CDATA, so its lines read as lines.
type junitText struct {
	Text string `xml:",cdata"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// writeJUnit writes one testsuite per definition and one testcase per rule
// with findings, failing when a finding is at or above opts.FailOn (every
// one when it is nil), so CI systems show rule violations as test
// failures. Rules whose findings are all suppressed appear as skipped
// testcases; a definition without findings gets one passing "rampart" case.
func writeJUnit(w io.Writer, r *Report, opts Options) error {
	tool := r.Tool
	if tool == "" {
		tool = "rampart"
	}
	out := junitTestSuites{Name: strings.TrimSpace(tool + " " + r.Kind)}
	for i := range r.Results {
		res := &r.Results[i]
		suite := junitTestSuite{Name: res.Spec}
		suite.Properties = append(suite.Properties,
			junitProperty{"openapi", res.OpenAPI},
			junitProperty{"valid", strconv.FormatBool(res.Valid)})
		if res.Score != nil {
			suite.Properties = append(suite.Properties,
				junitProperty{"score", strconv.Itoa(res.Score.Total)},
				junitProperty{"score.security", strconv.Itoa(res.Score.Security)},
				junitProperty{"score.data", strconv.Itoa(res.Score.Data)})
		}

		byRule, order := groupByRule(res.Findings)
		for _, id := range order {
			fs := byRule[id]
			worst := fs[0].Severity
			var text strings.Builder
			for _, f := range fs {
				worst = max(worst, f.Severity)
				fmt.Fprintf(&text, "%s %s: %s\n", strings.ToUpper(f.Severity.String()), f.Location, f.Message)
				if f.Operation != "" {
					fmt.Fprintf(&text, "  operation: %s\n", f.Operation)
				}
				if len(f.Operations) > 0 {
					fmt.Fprintf(&text, "  operations: %s\n", joinOps(f))
				}
				if f.Expected != "" || f.Actual != "" {
					fmt.Fprintf(&text, "  expected: %s\n  actual: %s\n", f.Expected, f.Actual)
				}
				if f.FixHint != "" {
					fmt.Fprintf(&text, "  fix: %s\n", f.FixHint)
				}
			}
			msg := fmt.Sprintf("%d findings", len(fs))
			if len(fs) == 1 {
				msg = "1 finding"
			}
			if opts.FailOn != nil && worst < *opts.FailOn {
				// Below the run's --fail-on: reported, not failed.
				suite.Cases = append(suite.Cases, junitTestCase{
					Classname: res.Spec,
					Name:      id,
					SystemOut: &junitText{xmlSafe(msg + ", below --fail-on " + opts.FailOn.String() + "\n" + text.String())},
				})
				continue
			}
			suite.Cases = append(suite.Cases, junitTestCase{
				Classname: res.Spec,
				Name:      id,
				Failure:   &junitFailure{Message: msg, Type: worst.String(), Text: xmlSafe(text.String())},
			})
			suite.Failures++
		}

		suppressed, sorder := groupByRule(res.Suppressed)
		for _, id := range sorder {
			if _, failing := byRule[id]; failing {
				continue
			}
			fs := suppressed[id]
			reasons := make([]string, 0, len(fs))
			for _, f := range fs {
				reasons = append(reasons, f.Location.String()+": "+f.Suppressed)
			}
			suite.Cases = append(suite.Cases, junitTestCase{
				Classname: res.Spec,
				Name:      id,
				Skipped:   &junitSkipped{Message: fmt.Sprintf("suppressed (%s)", strings.Join(reasons, "; "))},
			})
			suite.Skipped++
		}

		if len(res.Findings) == 0 {
			suite.Cases = append(suite.Cases, junitTestCase{Classname: res.Spec, Name: "rampart"})
		}
		suite.Tests = len(suite.Cases)
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Skipped += suite.Skipped
		out.Suites = append(out.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// groupByRule groups findings by rule id, keeping the order in which ids
// first appear.
func groupByRule(fs []Finding) (map[string][]Finding, []string) {
	by := map[string][]Finding{}
	var order []string
	for _, f := range fs {
		if _, ok := by[f.Rule]; !ok {
			order = append(order, f.Rule)
		}
		by[f.Rule] = append(by[f.Rule], f)
	}
	return by, order
}

// xmlSafe replaces the characters XML 1.0 cannot carry (most control
// characters), which encoding/xml would otherwise copy into CDATA as is.
func xmlSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r',
			r >= 0x20 && r <= 0xD7FF,
			r >= 0xE000 && r <= 0xFFFD,
			r >= 0x10000 && r <= 0x10FFFF:
			return r
		}
		return '\uFFFD'
	}, s)
}
