package firewall

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

// TestConfigRefusesMeaninglessNumbers checks that integer and duration
// settings whose value the firewall would not use as written (0 or a
// negative that silently meant the default) are refused with the key
// path and the line of the value, and that the values that mean
// something pass.
func TestConfigRefusesMeaninglessNumbers(t *testing.T) {
	cases := []struct {
		name, yaml string
		want       []string // every problem, formatted for c.yaml
	}{
		{"negative body limit", "limits:\n  max_body_bytes: -5\n",
			[]string{"c.yaml:2:19: limits.max_body_bytes: -5 must be at least 1"}},
		{"zero JSON depth", "limits:\n  max_json_depth: 0\n",
			[]string{"c.yaml:2:19: limits.max_json_depth: 0 must be at least 1 (omit the key for the default, 64)"}},
		{"negative JSON depth", "limits: {max_json_depth: -1}\n",
			[]string{"c.yaml:1:26: limits.max_json_depth: -1 must be at least 1"}},
		{"every limit at 0", "limits: {max_decoded_body_bytes: 0, max_json_elements: 0, max_json_number_length: 0, max_query_params: 0, max_response_bytes: 0, max_header_bytes: 0}\n", []string{
			"c.yaml:1:34: limits.max_decoded_body_bytes: 0 must be at least 1 (omit the key for the default, 8 × the body limit in force)",
			"c.yaml:1:56: limits.max_json_elements: 0 must be at least 1 (omit the key for the default, 100000)",
			"c.yaml:1:83: limits.max_json_number_length: 0 must be at least 1 (omit the key for the default, 256)",
			"c.yaml:1:104: limits.max_query_params: 0 must be at least 1 (omit the key for the default, 256)",
			"c.yaml:1:127: limits.max_response_bytes: 0 must be at least 1 (omit the key for the default, 8 MiB)",
			"c.yaml:1:148: limits.max_header_bytes: 0 must be at least 1 (omit the key for the default, 64 KiB)",
		}},
		{"per-operation body limit", "operations:\n  \"POST /a.b\": {max_body_bytes: 0}\n  createPet:\n    max_body_bytes: -1\n", []string{
			"c.yaml:2:33: operations.POST /a.b.max_body_bytes: 0 must be at least 1 (omit the key for the default, limits.max_body_bytes)",
			"c.yaml:4:21: operations.createPet.max_body_bytes: -1 must be at least 1",
		}},
		{"zero and negative timeouts", "timeouts:\n  read: 0s\n  upstream: -1s\n  read_header: 0s\n", []string{
			"c.yaml:2:9: timeouts.read: 0s must be positive (omit the key for the default, 30s)",
			"c.yaml:3:13: timeouts.upstream: -1s must be positive",
			"c.yaml:4:16: timeouts.read_header: 0s must be positive (omit the key for the default, 5s)",
		}},
		{"the other timeouts", "timeouts: {write: 0ms, idle: -2m, stream_idle: \"0\", drain: 0s}\n", []string{
			"c.yaml:1:19: timeouts.write: 0ms must be positive (omit the key for the default, 60s)",
			"c.yaml:1:30: timeouts.idle: -2m must be positive",
			"c.yaml:1:48: timeouts.stream_idle: 0 must be positive (omit the key for the default, 60s)",
			"c.yaml:1:60: timeouts.drain: 0s must be positive (omit the key for the default, 15s)",
		}},
		{"audit queue", "audit: {queue: 0, wait: -1ms}\n", []string{
			"c.yaml:1:16: audit.queue: 0 must be at least 1 (omit the key for the default, 4096)",
			"c.yaml:1:25: audit.wait: -1ms must be positive",
		}},
		{"watch interval 0", "watch_interval: 0s\n",
			[]string{"c.yaml:1:17: watch_interval: 0s would read as unset, the default 2s: omit the key, or write a negative duration to disable watching"}},
		{"watch interval negative disables", "watch_interval: -1s\n", nil},
		{"HSTS max_age 0 is not 'forget HSTS'", "response_headers: {hsts: {max_age: 0s}}\n",
			[]string{"c.yaml:1:36: response_headers.hsts.max_age: 0s would read as unset, the default 8760h: omit the key, or write a negative duration to disable HSTS"}},
		{"HSTS max_age negative disables", "response_headers: {hsts: {max_age: -1s}}\n", nil},
		{"redis pool size", "rate_limits:\n  redis: {pool_size: -3}\n",
			[]string{"c.yaml:2:22: rate_limits.redis.pool_size: -3 must be at least 1"}},
		{"rate limit memory store", "rate_limits: {memory: {max_keys: 0, shards: 0}}\n", []string{
			"c.yaml:1:34: rate_limits.memory.max_keys: 0 must be at least 1 (omit the key for the default, 1000000)",
			"c.yaml:1:45: rate_limits.memory.shards: 0 must be at least 1 (omit the key for the default, 64)",
		}},
		{"burst 0", "rate_limits:\n  rules:\n    - {name: a, key: ip, rate: 5, period: 1s, burst: 0}\n",
			[]string{"c.yaml:3:54: rate_limits.rules[0].burst: 0 must be at least 1 (omit the key for the default, rate)"}},
		// The section's own check says it: once.
		{"negative burst, said once", "rate_limits:\n  rules:\n    - {name: a, key: ip, rate: 5, period: 1s, burst: -1}\n",
			[]string{"c.yaml:3:47: rate_limits.rules[0].burst: must not be negative"}},
		{"redis database 0 is a database", "rate_limits: {store: redis, redis: {addr: 127.0.0.1:6379, db: 0}}\n", nil},
		{"blacklist", "blacklist: {enabled: true, paranoia_level: 0, max_value_bytes: 0}\n", []string{
			"c.yaml:1:44: blacklist.paranoia_level: 0 must be at least 1 (omit the key for the default, 1)",
			"c.yaml:1:64: blacklist.max_value_bytes: 0 must be at least 256 (omit the key for the default, 64 KiB)",
		}},
		{"cors max_age 0", "cors: {allowed_origins: [\"https://a.example\"], max_age: 0s}\n",
			[]string{"c.yaml:1:57: cors.max_age: 0s must be positive (omit the key for the default, 10m)"}},
		{"jwt: 0 leeway and max_age mean none", "authentication: {schemes: {b: {jwt: {jwks_url: \"https://idp.example/jwks.json\", leeway: 0s, max_age: 0s}}}}\n", nil},
		{"jwt: 0 refresh means the default", "authentication: {schemes: {b: {jwt: {jwks_url: \"https://idp.example/jwks.json\", refresh: 0s}}}}\n",
			[]string{"c.yaml:1:90: authentication.schemes.b.jwt.refresh: 0s must be positive (omit the key for the default, 1h)"}},
		{"tamper-evident checkpoints", "audit:\n  tamper_evident: {enabled: true, signing_key: k.pem, checkpoint_every: 0, checkpoint_interval: 0s}\n", []string{
			"c.yaml:2:73: audit.tamper_evident.checkpoint_every: 0 must be at least 1 (omit the key for the default, 1000)",
			"c.yaml:2:97: audit.tamper_evident.checkpoint_interval: 0s must be positive (omit the key for the default, 10s)",
		}},
		// Reported with the schema's problems, not after them.
		{"with an unknown key", "limits: {max_body_bytes: 0}\nlimit: {}\n", []string{
			"c.yaml:1:26: limits.max_body_bytes: 0 must be at least 1 (omit the key for the default, 1 MiB)",
			"c.yaml:2:1: limit: unknown key (see docs/config.md)",
		}},
		{"meaningful values", "limits: {max_body_bytes: 1, max_json_depth: 1}\ntimeouts: {read: 1ns, upstream: 1h}\naudit: {queue: 1, wait: 1ms}\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := validated(tc.yaml)
			if !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// TestConfigFileRefusedAtStartup checks that `rampart protect --config`
// refuses what `config validate` refuses, before anything starts.
func TestConfigFileRefusedAtStartup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "protect.yaml")
	if err := os.WriteFile(path, []byte("spec: api.yaml\nupstream: http://127.0.0.1:8000\nlimits:\n  max_body_bytes: -5\ntimeouts:\n  read: 0s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadConfigFile(path)
	for _, want := range []string{path + ":4:19: limits.max_body_bytes: -5 must be at least 1", path + ":6:9: timeouts.read: 0s must be positive"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadConfigFile: %v, want %q", err, want)
		}
	}
}

// TestPlanConfigRefusesNegativeSettings checks the configurations that do
// not come from a file (--max-body, code): a negative limit or timeout
// is refused rather than replaced by the default.
func TestPlanConfigRefusesNegativeSettings(t *testing.T) {
	base := Config{Spec: "api.yaml", Upstream: "http://127.0.0.1:8000"}
	cases := []struct {
		name string
		set  func(*Config)
		want string // "" for none
	}{
		{"defaults", func(*Config) {}, ""},
		{"--max-body -5", func(c *Config) { c.Limits.MaxBodyBytes = -5 }, "limits.max_body_bytes: -5 must be at least 1"},
		{"negative JSON depth", func(c *Config) { c.Limits.MaxJSONDepth = -1 }, "limits.max_json_depth: -1 must be at least 1"},
		{"negative header limit", func(c *Config) { c.Limits.MaxHeaderBytes = -1 }, "limits.max_header_bytes: -1 must be at least 1"},
		{"negative read timeout", func(c *Config) { c.Timeouts.Read = -time.Second }, "timeouts.read: -1s must be positive"},
		{"negative upstream timeout", func(c *Config) { c.Timeouts.Upstream = -time.Second }, "timeouts.upstream: -1s must be positive"},
		{"negative operation body limit", func(c *Config) {
			c.Operations = map[string]plan.OpConfig{"createPet": {MaxBody: -1}}
		}, "operations.createPet.max_body_bytes: -1 must be at least 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.set(&c)
			_, err := c.WithDefaults().planConfig()
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("planConfig: %v, want %q", err, tc.want)
			}
		})
	}
}
