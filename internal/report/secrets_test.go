package report

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Credentials in their issuers' documented formats, assembled so that the
// test file itself holds no string a secret scanner flags.
var (
	testGitHubToken = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
	testStripeKey   = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	testAWSKeyID    = "AKIA" + "IOSFODNN7EXAMPLE"
	testJWT         = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

// secretSpec is a definition whose lines 8 to 16 each hold a secret, and
// the secrets, which no report may quote.
func secretSpec() (string, []string) {
	secrets := []string{"hunter2-SuperSecret!", testGitHubToken, testStripeKey, testAWSKeyID,
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", testJWT, "s3cr3t-client", "tok-4242-abcd"}
	src := `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  schemas:
    Login:
      properties:
        password:
          example: ` + secrets[0] + `
          format: password
        github: {type: string, default: ` + secrets[1] + `}
        stripe: {example: "` + secrets[2] + `"}
        aws_access_key_id: {example: ` + secrets[3] + `}
        aws_secret_access_key: {example: ` + secrets[4] + `}
        jwt: {example: ` + secrets[5] + `}
        client_secret: {type: string, example: '` + secrets[6] + `'}
        access_token: {type: string, example: ` + secrets[7] + `}
`
	return src, secrets
}

// secretReport has a finding on every line of secretSpec, the message of
// one of them quoting a credential (as a scan message quotes an answer).
func secretReport() *Report {
	src, _ := secretSpec()
	res := SpecResult{Spec: "api.yaml", OpenAPI: "3.0.3", Valid: true, Source: map[string][]byte{"api.yaml": []byte(src)}}
	for line := 1; line <= strings.Count(src, "\n"); line++ {
		res.Findings = append(res.Findings, Finding{Rule: "data-value-invalid", Severity: SeverityLow, Title: "t",
			Message: "m", Location: Location{File: "api.yaml", Pointer: "/x", Line: line, Column: 1}, Fingerprint: "f"})
	}
	res.Findings[0].Message = "the answer carried " + testJWT + " and " + testGitHubToken
	return &Report{Tool: "rampart", Kind: "audit", Results: []SpecResult{res}}
}

func TestReportsQuoteNoSecrets(t *testing.T) {
	_, secrets := secretSpec()
	rep := secretReport()
	for _, format := range Formats() {
		out := string(render(t, format, rep, Options{}))
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s report quotes the secret %q", format, s)
			}
		}
		if format == "sarif" || format == "html" {
			// What describes a secret stays readable, with the keys of
			// the masked values.
			for _, keep := range []string{"format: password", "client_secret: {type: string, example: '" + redactedMark} {
				if format == "html" {
					keep = strings.ReplaceAll(keep, "'", "&#39;")
					keep = strings.ReplaceAll(keep, "<", "&lt;")
					keep = strings.ReplaceAll(keep, ">", "&gt;")
				}
				if !strings.Contains(out, keep) {
					t.Errorf("%s report does not quote %q", format, keep)
				}
			}
		}
	}
	// Writing left the report as it was.
	if !strings.Contains(rep.Results[0].Findings[0].Message, testJWT) {
		t.Error("Write changed the caller's findings")
	}
}

// A mask before a finding's column on the same line (a minified JSON
// definition is one line) must not shift the region SARIF quotes.
func TestSARIFSnippetAfterMask(t *testing.T) {
	line := `{"password":"hunter2-long-secret","maxLength":{"x":1},"tail":"` + testStripeKey + `"}`
	col := strings.Index(line, `"maxLength"`) + 1
	res := SpecResult{Spec: "a.json", Valid: true, Source: map[string][]byte{"a.json": []byte(line)},
		Findings: []Finding{{Rule: "r", Severity: SeverityLow, Message: "m", Location: Location{File: "a.json", Line: 1, Column: col}}}}
	out := render(t, "sarif", &Report{Kind: "audit", Results: []SpecResult{res}}, Options{})
	var doc struct {
		Runs []struct {
			Results []struct {
				Locations []struct {
					PhysicalLocation struct {
						Region sarifRegion `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Runs[0].Results[0].Locations[0].PhysicalLocation.Region.Snippet.Text
	if want := `"maxLength":{"x":1},"tail":"` + redactedMark + `"}`; got != want {
		t.Errorf("snippet %q, want %q", got, want)
	}
	html := string(render(t, "html", &Report{Kind: "audit", Results: []SpecResult{res}}, Options{}))
	if strings.Contains(html, "hunter2") || strings.Contains(html, testStripeKey) {
		t.Error("the HTML excerpt quotes a secret")
	}
}

// GitHub code scanning ranks every alert of a rule by the rule's
// security-severity: it must be the worst its findings have in the run,
// not the catalogue's default.
func TestSARIFSecuritySeverityFromTheRun(t *testing.T) {
	at := func(sev Severity, rule string) Finding {
		return Finding{Rule: rule, Severity: sev, Message: "m", Location: Location{File: "a.yaml", Pointer: "/p", Line: 1, Column: 1}, Fingerprint: rule + sev.String()}
	}
	res := SpecResult{Spec: "a.yaml", Valid: true,
		Findings: []Finding{
			at(SeverityCritical, "sec-op-no-security"), // raised by a profile
			at(SeverityHigh, "data-string-no-pattern"),
			at(SeverityLow, "data-string-no-pattern"),
			at(SeverityLow, "exp-sensitive-data"), // the response side only
			at(SeverityLow, "suppressed-elsewhere"),
			at(SeverityMedium, "unknown-rule"),
		},
		Suppressed: []Finding{
			withReason(at(SeverityCritical, "suppressed-elsewhere")),
			withReason(at(SeverityHigh, "only-suppressed")),
		},
	}
	rep := &Report{Kind: "audit", Results: []SpecResult{res}, Rules: []Rule{
		{ID: "sec-op-no-security", Title: "t", Severity: SeverityMedium},
		{ID: "data-string-no-pattern", Title: "t", Severity: SeverityLow},
		{ID: "exp-sensitive-data", Title: "t", Severity: SeverityMedium},
		{ID: "suppressed-elsewhere", Title: "t", Severity: SeverityMedium},
		{ID: "only-suppressed", Title: "t", Severity: SeverityLow},
	}}
	out := render(t, "sarif", rep, Options{})
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileSARIFSchema(t).Validate(inst); err != nil {
		t.Fatalf("output does not match the SARIF 2.1.0 schema: %v", err)
	}
	var doc struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
						Properties struct {
							SecuritySeverity string `json:"security-severity"`
						} `json:"properties"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID     string `json:"ruleId"`
				Level      string `json:"level"`
				Properties struct {
					Severity         string `json:"severity"`
					SecuritySeverity string `json:"security-severity"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"sec-op-no-security":     {"9.5", "error"},
		"data-string-no-pattern": {"7.5", "error"},
		"exp-sensitive-data":     {"3.0", "note"},
		"suppressed-elsewhere":   {"3.0", "note"}, // a suppressed finding does not raise it
		"only-suppressed":        {"7.5", "error"},
		"unknown-rule":           {"5.0", "warning"},
	}
	for _, r := range doc.Runs[0].Tool.Driver.Rules {
		w, ok := want[r.ID]
		if !ok {
			t.Errorf("unexpected rule %s", r.ID)
			continue
		}
		if r.Properties.SecuritySeverity != w[0] || r.DefaultConfiguration.Level != w[1] {
			t.Errorf("rule %s: security-severity %s, level %s; want %s, %s", r.ID, r.Properties.SecuritySeverity, r.DefaultConfiguration.Level, w[0], w[1])
		}
		delete(want, r.ID)
	}
	if len(want) > 0 {
		t.Errorf("rules missing: %v", want)
	}
	// Each result keeps its own level and score.
	for _, r := range doc.Runs[0].Results {
		sev, _ := ParseSeverity(r.Properties.Severity)
		if r.Level != sarifLevel(sev) || r.Properties.SecuritySeverity != securitySeverity(sev) {
			t.Errorf("result of %s (%s): level %s, security-severity %s", r.RuleID, sev, r.Level, r.Properties.SecuritySeverity)
		}
	}
}

func withReason(f Finding) Finding {
	f.Suppressed = "accepted"
	return f
}

// The files of a definition are named as its root is: absolute beside an
// absolute root, relative to the working directory beside a relative one
// (the loader names $ref'd files relative to the working directory
// whatever the root).
func TestFilesNamedLikeTheRoot(t *testing.T) {
	wd := t.TempDir()
	t.Chdir(wd)
	abs := func(p string) string { return filepath.Join(wd, p) }
	mk := func(spec string, files ...string) *Report {
		res := SpecResult{Spec: spec, Valid: true, Source: map[string][]byte{}}
		for _, f := range files {
			res.Findings = append(res.Findings, Finding{Rule: "r", Severity: SeverityLow, Message: "m",
				Location: Location{File: f, Pointer: "/p", Line: 1, Column: 1}, Fingerprint: "fp-" + f})
			res.Source[f] = []byte("a: b\n")
		}
		return &Report{Kind: "audit", Results: []SpecResult{res}}
	}
	sep := string(filepath.Separator)
	cases := []struct {
		name string
		rep  *Report
		want []string
	}{
		{"absolute root", mk(abs("spec/api.json"), abs("spec/api.json"), "spec/Pet.json", ".."+sep+filepath.Base(wd)+"/common/Error.json"),
			[]string{abs("spec/api.json"), abs("spec/Pet.json"), abs("common/Error.json")}},
		{"relative root", mk("spec/api.json", "spec/api.json", abs("spec/Pet.json"), "spec/Other.json"),
			[]string{"spec/api.json", filepath.Join("spec", "Pet.json"), "spec/Other.json"}},
		{"URL root", mk("https://example.com/api.json", "https://example.com/api.json", "spec/Pet.json"),
			[]string{"https://example.com/api.json", "spec/Pet.json"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got Report
			if err := json.Unmarshal(render(t, "json", tc.rep, Options{}), &got); err != nil {
				t.Fatal(err)
			}
			text := string(render(t, "text", tc.rep, Options{}))
			for i, f := range got.Results[0].Findings {
				if f.Location.File != tc.want[i] {
					t.Errorf("JSON names %q as %q, want %q", tc.rep.Results[0].Findings[i].Location.File, f.Location.File, tc.want[i])
				}
				if !strings.Contains(text, tc.want[i]+":1:1") {
					t.Errorf("text does not name %q", tc.want[i])
				}
				// Baselines match fingerprints: they stay as they were.
				if f.Fingerprint != tc.rep.Results[0].Findings[i].Fingerprint {
					t.Errorf("fingerprint %q changed to %q", tc.rep.Results[0].Findings[i].Fingerprint, f.Fingerprint)
				}
			}
			// HTML finds the excerpts under the new names.
			if html := string(render(t, "html", tc.rep, Options{})); !strings.Contains(html, "a: b") {
				t.Error("HTML lost the excerpts")
			}
		})
	}
}
