package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/sharedtest"
	"github.com/rampart-sec/rampart/internal/spec"
)

type auditResult struct{ *report.SpecResult }

// Known answers on real definitions in ../shared/specs.
func TestKnownAnswers(t *testing.T) {
	dir := sharedtest.Path(t, "specs")
	cases := []struct {
		file, rule, pointer, fileSuffix string
		line                            int
		want                            bool
	}{
		// uber's server_token API key travels in the query string.
		{"oai-v2.0-uber.yaml", "sec-apikey-query", "/securityDefinitions/apikey/in", "oai-v2.0-uber.yaml", 19, true},
		// petstore3 offers the OAuth implicit flow.
		{"petstore3.yaml", "sec-oauth-implicit", "/components/securitySchemes/petstore_auth/flows/implicit", "petstore3.yaml", 831, true},
		// 3.1 allows roles as scopes on a bearer scheme: not an error there.
		{"oai-v3.1-non-oauth-scopes.json", "sec-scopes-non-oauth", "", "", 0, false},
		{"oai-v3.1-non-oauth-scopes.json", "struct-invalid", "", "", 0, false},
		// A weakness inside ../common/Error.json is reported in that file.
		{"oai-v2.0-petstore-separate/spec/swagger.json", "data-string-no-maxlength", "/properties/message", "common/Error.json", 12, true},
		// GitHub declares no security scheme at all.
		{"api.github.com.yaml", "sec-no-security", "", "api.github.com.yaml", 0, true},
		// Stripe offers HTTP basic authentication.
		{"stripe.yaml", "sec-http-basic", "/components/securitySchemes/basicAuth", "stripe.yaml", 0, true},
		// The 3.1 mutualTLS scheme is recognised, not reported as unknown.
		{"oai-v3.1-securitySchemes.yaml", "struct-invalid", "", "", 0, false},
	}
	results := map[string]any{}
	for _, tc := range cases {
		t.Run(tc.file+"/"+tc.rule, func(t *testing.T) {
			res, ok := results[tc.file].(*auditResult)
			if !ok {
				res = &auditResult{auditFile(t, filepath.Join(dir, tc.file), Options{})}
				results[tc.file] = res
			}
			got := findingsOf(res.SpecResult, tc.rule)
			if !tc.want {
				if len(got) > 0 {
					t.Fatalf("unexpected %s: %s at %s", tc.rule, got[0].Message, got[0].Location)
				}
				return
			}
			for _, f := range got {
				if (tc.pointer == "" || f.Location.Pointer == tc.pointer) && strings.HasSuffix(f.Location.File, tc.fileSuffix) {
					if tc.line > 0 && f.Location.Line != tc.line {
						t.Errorf("line %d, want %d", f.Location.Line, tc.line)
					}
					return
				}
			}
			t.Fatalf("no %s at %s in %s; got %d findings of the rule", tc.rule, tc.pointer, tc.fileSuffix, len(got))
		})
	}
}

// Every shared definition audits without error, with a score in range and
// a valid flag matching the loader's.
func TestSharedSpecsAudit(t *testing.T) {
	dir := sharedtest.Path(t, "specs")
	entries, _ := os.ReadDir(dir)
	paths := []string{filepath.Join(dir, "oai-v2.0-petstore-separate", "spec", "swagger.json")}
	for _, e := range entries {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".md") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			if testing.Short() && strings.Contains(p, "github") {
				t.Skip("large definition")
			}
			doc, err := spec.Load(context.Background(), p, spec.Options{})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			res, err := Audit(context.Background(), doc, Options{})
			if err != nil {
				t.Fatalf("audit: %v", err)
			}
			if res.Score.Total < 0 || res.Score.Total > 100 || res.Score.Security > 30 || res.Score.Data > 70 {
				t.Errorf("score out of range: %+v", res.Score)
			}
			if res.Valid != doc.Valid() {
				t.Errorf("valid %v, loader says %v", res.Valid, doc.Valid())
			}
			for _, f := range res.Findings {
				if f.Fingerprint == "" || f.Location.File == "" {
					t.Fatalf("finding without fingerprint or file: %+v", f)
				}
			}
			t.Logf("%s: score %+v, %d findings", filepath.Base(p), *res.Score, len(res.Findings))
		})
	}
}

func TestAuditHonoursCancellation(t *testing.T) {
	path := filepath.Join(sharedtest.Path(t, "specs"), "stripe.yaml")
	doc, err := spec.Load(context.Background(), path, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Audit(ctx, doc, Options{}); err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}
