package demo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall"
)

// rowsBy indexes the comparison by "rule operation".
func rowsBy(res *Result) map[string]Row {
	m := map[string]Row{}
	for _, r := range res.Rows {
		m[r.Rule+" "+r.Operation] = r
	}
	return m
}

func runDemo(t *testing.T, without ...string) *Result {
	t.Helper()
	// The demo must finish in under 60 s; the deadline makes a slow run fail.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out strings.Builder
	res, err := Run(ctx, Options{OutDir: t.TempDir(), Out: &out, Without: without, Version: "test"})
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	return res
}

// TestDemoEndToEnd runs the whole demo and checks the comparison against
// what the demo API's flaws and the demo policy imply.
func TestDemoEndToEnd(t *testing.T) {
	res := runDemo(t)
	rows := rowsBy(res)
	want := []struct {
		key     string
		blocked bool
	}{
		{"scan-bola GET /accounts/{accountId}", false},           // no ownership rule: the firewall cannot know
		{"scan-jwt-alg-none GET /users/me", true},                // JWT verification
		{"scan-excessive-data GET /users/me", true},              // response validation (strip)
		{"scan-mass-assignment PATCH /users/me", true},           // strict objects
		{"scan-no-rate-limit POST /login", true},                 // rate limit
		{"scan-method-override GET /accounts/{accountId}", true}, // override fields refused
	}
	for _, w := range want {
		r, ok := rows[w.key]
		if !ok {
			t.Errorf("direct scan did not find %s; rows: %v", w.key, keys(rows))
			continue
		}
		if r.Blocked != w.blocked {
			t.Errorf("%s: blocked=%v, want %v", w.key, r.Blocked, w.blocked)
		}
	}
	// The firewall's own answers (RFC 9457 rejections, stripped
	// responses) stay within the contract: the demo contract declares
	// application/problem+json, so the scan through the firewall finds
	// nothing the direct scan did not.
	for _, f := range res.NewFindings {
		t.Errorf("the scan through the firewall found what the direct scan did not: %s at %s: %s", f.Rule, f.Location.Pointer, f.Message)
	}
	if res.AuditScore.Total <= 0 || res.AuditScore.Total > 100 {
		t.Errorf("audit score %d", res.AuditScore.Total)
	}
	for _, p := range res.Reports {
		b, err := os.ReadFile(p)
		if err != nil || !strings.Contains(string(b), "<html") {
			t.Errorf("report %s missing or not HTML", p)
		}
	}
	if len(res.Reports) != 3 {
		t.Errorf("reports = %v", res.Reports)
	}
}

// TestDemoRowsFollowTheProtections switches protections off one at a time:
// the rows they were blocking must turn to "not blocked", which proves the
// table is computed from the scans and not written in advance.
func TestDemoRowsFollowTheProtections(t *testing.T) {
	cases := []struct {
		without []string
		row     string
	}{
		{[]string{"authentication"}, "scan-jwt-alg-none GET /users/me"},
		{[]string{"response-validation"}, "scan-excessive-data GET /users/me"},
		// Two layers stop mass assignment: strict objects refuse the
		// write, and stripping hides the stored fields on read-back.
		{[]string{"strict-objects", "response-validation"}, "scan-mass-assignment PATCH /users/me"},
		{[]string{"rate-limit"}, "scan-no-rate-limit POST /login"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.without, "+"), func(t *testing.T) {
			r, ok := rowsBy(runDemo(t, c.without...))[c.row]
			if !ok {
				t.Fatalf("row %s missing", c.row)
			}
			if r.Blocked {
				t.Fatalf("with %s off, %s is still reported blocked", c.without, c.row)
			}
		})
	}
}

func TestDisableProtectionsUnknownAndPolicyMarkers(t *testing.T) {
	if _, err := Run(context.Background(), Options{OutDir: t.TempDir(), Without: []string{"nope"}}); err == nil {
		t.Fatal("unknown protection accepted")
	}
	for _, p := range Protections {
		if !strings.Contains(string(policyYAML), "# protection: "+p+"\n") || !strings.Contains(string(policyYAML), "# end: "+p+"\n") {
			t.Errorf("policy.yaml lacks the markers of %s", p)
		}
		if got := DisableProtections(policyYAML, []string{p}); strings.Contains(string(got), "# protection: "+p) {
			t.Errorf("%s not removed", p)
		}
	}
	_ = filepath.Join
}

// TestDisabledPoliciesAreValid checks that the policy stays a valid
// configuration with any protection switched off, and that switching rate
// limits off also switches off the limit credential operations get by
// default, so the login row follows the protection.
func TestDisabledPoliciesAreValid(t *testing.T) {
	for _, p := range append([]string{""}, Protections...) {
		policy := DisableProtections(policyYAML, []string{p})
		if ps := firewall.ValidateConfig(policy); len(ps) > 0 {
			t.Errorf("policy without %q: %v", p, ps)
		}
		path := filepath.Join(t.TempDir(), "policy.yaml")
		if err := os.WriteFile(path, policy, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := firewall.LoadConfigFile(path)
		if err != nil {
			t.Fatalf("policy without %q: %v", p, err)
		}
		if on := cfg.RateLimits.CredentialEndpoints.On(); on != (p != "rate-limit") {
			t.Errorf("policy without %q: credential limit on = %v", p, on)
		}
	}
}

func keys(m map[string]Row) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// A report the demo cannot write stops it with an error that names the
// file once, with the cause.
func TestReportWriteErrorNamesTheFileOnce(t *testing.T) {
	dir := t.TempDir()
	blocked := filepath.Join(dir, "audit.html")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out strings.Builder
	_, err := Run(ctx, Options{OutDir: dir, Out: &out, Version: "test"})
	if err == nil {
		t.Fatal("the demo wrote its audit report over a directory")
	}
	if n := strings.Count(err.Error(), blocked); n != 1 {
		t.Errorf("error names %s %d times, want once: %v", blocked, n, err)
	}
}
