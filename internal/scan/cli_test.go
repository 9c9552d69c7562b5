package scan_test

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/rampart-sec/rampart/internal/cli"
	"github.com/rampart-sec/rampart/internal/scan/fixture"
)

// The command's exit codes: 1 when a finding reaches --fail-on, 0 when
// none does, 2 for bad input.
func TestScanCommandExitCodes(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "openapi.yaml")
	if err := os.WriteFile(specPath, fixture.Spec, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _ := filepath.Abs("testdata/fixture.yaml")
	for _, tc := range []struct {
		name   string
		flawed bool
		args   []string
		want   int
	}{
		{"flawed fails on high", true, []string{"--fail-on", "high"}, cli.ExitFailed},
		{"correct passes", false, []string{"--fail-on", "info"}, cli.ExitOK},
		{"bad fail-on", false, []string{"--fail-on", "severe"}, cli.ExitUsage},
		{"negative timeout", false, []string{"--timeout", "-1s"}, cli.ExitUsage},
		{"negative max-duration", false, []string{"--max-duration", "-1m"}, cli.ExitUsage},
		{"negative max-requests", false, []string{"--max-requests", "-5"}, cli.ExitUsage},
		{"rate not a number", false, []string{"--rate", "NaN"}, cli.ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api, err := fixture.New(tc.flawed)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			t.Setenv("FIXTURE_JWT_KEY", string(api.SigningKey()))
			var out, errb bytes.Buffer
			args := append([]string{"scan", specPath, "--target", srv.URL, "--config", cfg, "--rate", "1000", "--format", "json"}, tc.args...)
			code := cli.Execute(args, nil, &out, &errb)
			if code != tc.want {
				t.Fatalf("exit %d, want %d\n%s", code, tc.want, errb.String())
			}
			if tc.want == cli.ExitUsage {
				return
			}
			var rep struct {
				Kind    string `json:"kind"`
				Results []struct {
					Findings []json.RawMessage `json:"findings"`
				} `json:"results"`
			}
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Kind != "scan" {
				t.Fatalf("bad JSON report (%v): %s", err, out.String())
			}
			if n := len(rep.Results[0].Findings); (n > 0) != tc.flawed {
				t.Errorf("%d findings", n)
			}
		})
	}
	var errb bytes.Buffer
	if code := cli.Execute([]string{"scan", specPath, "--target", "http://127.0.0.1:1", "--config", filepath.Join(dir, "missing.yaml")}, nil, &bytes.Buffer{}, &errb); code != cli.ExitUsage {
		t.Errorf("missing config: exit %d, want 2", code)
	}
}
