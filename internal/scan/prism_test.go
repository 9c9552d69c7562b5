package scan_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
)

// A prism mock honours its definition, so a scan of it must find no
// conformance defect. Authentication probes are left out of the assertion:
// a mock checks that credentials are present, never that they are valid.
func TestPrismMockHasNoDefect(t *testing.T) {
	prism := os.Getenv("RAMPART_PRISM")
	if prism == "" {
		prism = "/tmp/prism/node_modules/.bin/prism"
	}
	if _, err := os.Stat(prism); err != nil {
		t.Skip("prism not installed (npm install @stoplight/prism-cli into /tmp/prism, or set RAMPART_PRISM)")
	}
	for _, tc := range []struct{ spec, cfg string }{
		{"../../../shared/specs/petstore3.yaml", "identities:\n  - name: user\n    credentials:\n      api_key: {value: test-api-key}\n      petstore_auth: {token: test-oauth-token}\n"},
		{"../../../shared/specs/vampi.yml", "identities:\n  - name: user\n    credentials:\n      bearerAuth: {token: test-token}\n"},
	} {
		t.Run(tc.spec[strings.LastIndex(tc.spec, "/")+1:], func(t *testing.T) {
			if _, err := os.Stat(tc.spec); err != nil {
				t.Skip("shared specs absent")
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			l.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, prism, "mock", "-h", "127.0.0.1", "-p", fmt.Sprint(port), tc.spec)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
			addr := fmt.Sprintf("127.0.0.1:%d", port)
			for i := 0; ; i++ {
				if c, err := net.Dial("tcp", addr); err == nil {
					c.Close()
					break
				}
				if i > 300 {
					t.Fatal("prism did not start")
				}
				time.Sleep(100 * time.Millisecond)
			}
			doc, err := spec.Load(ctx, tc.spec, spec.Options{})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Parse([]byte(tc.cfg))
			if err != nil {
				t.Fatal(err)
			}
			res, err := scan.Run(ctx, doc, scan.Options{Target: "http://" + addr + "/", Config: cfg, Rate: 200})
			if err != nil {
				t.Fatal(err)
			}
			family := map[string]string{}
			for _, r := range scan.Rules() {
				family[r.ID] = r.Family
			}
			for _, f := range res.Spec.Findings {
				// Security headers, stateful behaviour and attack probes
				// judge an implementation, which a mock does not have.
				if fam := family[f.Rule]; fam != "conformance" && fam != "response" && fam != "authentication" && fam != "authorization" {
					continue
				}
				switch f.Rule {
				case scan.RuleUserEnumeration, scan.RuleNoRateLimit, scan.RuleMassAssignment:
					continue
				case scan.RuleAuthInvalidToken, scan.RuleJWTAlgNone, scan.RuleJWTExpired, scan.RuleJWTWeakSecret, scan.RuleHappyPathFailed:
					continue
				}
				t.Errorf("defect on a prism mock: %s %s: %s", f.Rule, f.Operation, f.Actual)
			}
			t.Logf("%d requests, %d happy paths failed", res.Requests, res.Spec.Summary["happy_path_failed"])
		})
	}
}
