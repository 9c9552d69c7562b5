package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "spec: api.yaml\nupstream: http://127.0.0.1:8000\nblacklist: {enabled: true}\n")
	bad := write("bad.yaml", "spec: api.yaml\nip_rules:\n  deny: [10.0.0.1/8]\n  alow: []\n")
	credential := write("credential.yaml", "spec: api.yaml\nrate_limits:\n  credential_endpoints: {rate: 20, period: 1m, burst: 5}\n")
	credentialOff := write("credential-off.yaml", "rate_limits:\n  credential_endpoints: {enabled: false}\n")
	badCredential := write("bad-credential.yaml", "spec: api.yaml\nrate_limits:\n  credential_endpoints:\n    rate: 0\n")
	cases := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"valid", []string{"config", "validate", good}, 0, []string{"valid"}},
		{"unknown key with its line", []string{"config", "validate", bad}, 1, []string{bad + ":4:3: ip_rules.alow: unknown key"}},
		{"credential endpoints", []string{"config", "validate", credential}, 0, []string{"valid"}},
		{"credential endpoints off", []string{"config", "validate", credentialOff}, 0, []string{"valid"}},
		{"credential endpoints: a rate of 0 with its line", []string{"config", "validate", badCredential}, 1, []string{badCredential + ":4:5: rate_limits.credential_endpoints.rate: must be at least 1"}},
		{"missing file", []string{"config", "validate", filepath.Join(dir, "nope.yaml")}, 2, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, "", tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr %s)", code, tc.code, stderr)
			}
			for _, w := range tc.out {
				if !strings.Contains(stdout, w) {
					t.Errorf("output %q does not contain %q", stdout, w)
				}
			}
		})
	}
	t.Run("admin beyond loopback: valid, with a warning", func(t *testing.T) {
		p := write("admin.yaml", "spec: api.yaml\nadmin: 0.0.0.0:9901\n")
		code, stdout, stderr := run(t, "", "config", "validate", p)
		if code != 0 || !strings.Contains(stdout, "valid") || !strings.Contains(stderr, p+":2:8: warning: admin: 0.0.0.0:9901") {
			t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
	t.Run("semantic problem with its line, json", func(t *testing.T) {
		p := write("cidr.yaml", "ip_rules:\n  deny: [10.0.0.1/8]\n")
		code, stdout, _ := run(t, "", "config", "validate", "--format", "json", p)
		var out struct {
			Valid    bool
			Problems []struct {
				Line    int
				Path    string
				Message string
			}
		}
		if err := json.Unmarshal([]byte(stdout), &out); err != nil {
			t.Fatal(err)
		}
		if code != 1 || out.Valid || len(out.Problems) != 1 || out.Problems[0].Line != 2 || out.Problems[0].Path != "ip_rules.deny[0]" {
			t.Fatalf("exit %d: %+v", code, out)
		}
	})
}

func TestConfigSchemaCommand(t *testing.T) {
	code, stdout, _ := run(t, "", "config", "schema")
	var s map[string]any
	if code != 0 || json.Unmarshal([]byte(stdout), &s) != nil || s["$schema"] == nil {
		t.Fatalf("exit %d: %.200s", code, stdout)
	}
	code, stdout, _ = run(t, "", "config", "schema", "--markdown")
	if code != 0 || !strings.Contains(stdout, "| `rate_limits.rules[].key` |") {
		t.Fatalf("exit %d: %.300s", code, stdout)
	}
}
