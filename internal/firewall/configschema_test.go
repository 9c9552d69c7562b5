package firewall

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update", false, "rewrite docs/config.schema.json and docs/config.md")

// TestGeneratedConfigDocs fails when the published schema or the
// reference generated from it no longer matches the Config type. Run
// `go test ./internal/firewall -run TestGeneratedConfigDocs -update` after
// changing a configuration type.
func TestGeneratedConfigDocs(t *testing.T) {
	schema := ConfigSchema()
	ref, err := ConfigReference(schema)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string][]byte{"../../docs/config.schema.json": schema, "../../docs/config.md": []byte(ref)} {
		if *updateDocs {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (generate it with -update)", err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is out of date: run go test ./internal/firewall -run TestGeneratedConfigDocs -update", path)
		}
	}
}

// dpopAuth is an authentication section with a DPoP scheme; tests append
// keys of the section to it.
const dpopAuth = `authentication:
  schemes:
    oauth:
      jwt: {jwks_url: "https://idp.example/jwks.json"}
      dpop: {max_age: 60s, external_origin: "https://api.example.com"}
`

func TestValidateConfig(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string // substrings of the problems, in order
	}{
		{"valid", `spec: api.yaml
upstream: http://127.0.0.1:8000
mode: monitor
rate_limits:
  rules: [{name: per-ip, key: ip, rate: 10, period: 1s}]
cors: {allowed_origins: ["https://app.example.com"]}
blacklist: {enabled: true, families: [sqli, xss]}
audit: {tamper_evident: {enabled: true, signing_key: k.pem}}
timeouts: {upstream: 5s}
`, nil},
		{"empty file", ``, nil},
		{"format version 1", "version: 1\nmode: block\n", nil},
		{"later format version", "version: 2\nmode: block\n", []string{"line 1:1: version: this rampart reads configuration version 1"}},
		{"format version as text", "version: v1\n", []string{"line 1:1: version: "}},
		{"alias reused", "x-ips: &ips [10.0.0.0/8, 192.168.0.0/16]\nip_rules:\n  allow: *ips\n", []string{"x-ips: unknown key"}},
		// "Billion laughs": 330 bytes that expand to 43 million values.
		{"alias bomb", `a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
`, []string{"aliases expand to more than 10000 values"}},
		{"unknown key", "spec: a.yaml\nrate_limit:\n  rules: []\n", []string{"line 2:1: rate_limit: unknown key"}},
		{"unknown nested key", "cors:\n  allowed_origin: [x]\n", []string{"line 2:3: cors.allowed_origin: unknown key"}},
		{"wrong type", "ip_rules:\n  allow: 10.0.0.0/8\n", []string{"line 2:3: ip_rules.allow: ", "array"}},
		{"bad enum", "mode: block\nblacklist:\n  tier: paranoid\n", []string{"line 3:3: blacklist.tier: "}},
		{"bad duration", "timeouts:\n  upstream: 5 seconds\n", []string{"line 2:3: timeouts.upstream"}},
		{"semantic: rate limit", "rate_limits:\n  rules:\n    - name: per-ip\n      key: ip\n      rate: 0\n      period: 1s\n", []string{"line 5:7: rate_limits.rules[0].rate: must be at least 1"}},
		{"semantic: CIDR", "ip_rules:\n  deny: [10.0.0.1/8]\n", []string{"line 2:10: ip_rules.deny[0]", "host bits"}},
		{"semantic: wildcard with credentials", "cors:\n  allowed_origins: ['*']\n  allow_credentials: true\n", []string{"line 2:21: cors.allowed_origins[0]", "allow_credentials"}},
		{"semantic: tamper log without key", "audit:\n  tamper_evident: {enabled: true}\n", []string{"line 2:3: audit.tamper_evident.signing_key"}},
		{"dpop replay in redis", dpopAuth + "  dpop_replay: {backend: redis, redis_addr: 127.0.0.1:6379, prefix: \"api:dpop:\", fail_open: false}\n", nil},
		{"dpop replay in memory", dpopAuth + "  dpop_replay: {backend: memory}\n", nil},
		{"dpop replay: bad backend", dpopAuth + "  dpop_replay:\n    backend: memcached\n", []string{"line 7:5: authentication.dpop_replay.backend: ", "memory"}},
		{"dpop replay: unknown key", dpopAuth + "  dpop_replay:\n    backend: redis\n    addr: 127.0.0.1:6379\n", []string{"line 8:5: authentication.dpop_replay.addr: unknown key"}},
		{"dpop replay: redis without an address", dpopAuth + "  dpop_replay:\n    backend: redis\n", []string{"line 6:3: authentication.dpop_replay.redis_addr: required for the redis backend"}},
		{"dpop replay: an address for the memory backend", dpopAuth + "  dpop_replay:\n    redis_addr: 127.0.0.1:6379\n", []string{"line 7:5: authentication.dpop_replay.redis_addr: set, but the backend is memory"}},
		{"dpop replay: negative db", dpopAuth + "  dpop_replay:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    redis_db: -1\n", []string{"line 9:5: authentication.dpop_replay.redis_db: must not be negative"}},
		{"dpop replay without a dpop scheme", "authentication:\n  schemes:\n    oauth:\n      jwt: {jwks_url: https://idp.example/jwks.json}\n  dpop_replay: {backend: redis, redis_addr: 127.0.0.1:6379}\n", []string{"line 5:3: authentication.dpop_replay: no scheme has a dpop section"}},
		{"dpop replay: a timeout", dpopAuth + "  dpop_replay: {backend: redis, redis_addr: 127.0.0.1:6379, timeout: 250ms}\n", nil},
		{"dpop replay: negative timeout", dpopAuth + "  dpop_replay:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    timeout: -50ms\n", []string{"line 9:5: authentication.dpop_replay.timeout: must not be negative"}},
		{"dpop replay: timeout not a duration", dpopAuth + "  dpop_replay:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    timeout: fast\n", []string{"line 9:5: authentication.dpop_replay.timeout: "}},
		{"denylist in redis with a timeout", dpopAuth + "  denylist: {backend: redis, redis_addr: 127.0.0.1:6379, redis_db: 2, timeout: 80ms, fail_open: true}\n", nil},
		{"denylist: negative timeout", dpopAuth + "  denylist:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    timeout: -1s\n", []string{"line 9:5: authentication.denylist.timeout: must not be negative"}},
		{"denylist: timeout not a duration", dpopAuth + "  denylist:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    timeout: soon\n", []string{"line 9:5: authentication.denylist.timeout: ", "does not match pattern"}},
		{"denylist: negative db", dpopAuth + "  denylist:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    redis_db: -3\n", []string{"line 9:5: authentication.denylist.redis_db: must not be negative"}},
		{"denylist: redis without an address", dpopAuth + "  denylist:\n    backend: redis\n", []string{"line 6:3: authentication.denylist.redis_addr: required for the redis backend"}},
		{"denylist: an address for the memory backend", dpopAuth + "  denylist:\n    backend: memory\n    redis_addr: 127.0.0.1:6379\n", []string{"line 8:5: authentication.denylist.redis_addr: set, but the backend is memory, which keeps revocations on one node"}},
		{"denylist: bad backend", dpopAuth + "  denylist:\n    backend: etcd\n", []string{"line 7:5: authentication.denylist.backend: ", "memory"}},
		{"denylist: negative max_ttl", dpopAuth + "  denylist:\n    max_ttl: -1h\n", []string{"line 7:5: authentication.denylist.max_ttl: must not be negative"}},
		{"dpop replay over TLS with a CA bundle", dpopAuth + "  dpop_replay: {backend: redis, redis_addr: redis.internal:6380, redis_tls: true, redis_ca_file: /etc/rampart/redis-ca.pem}\n", nil},
		{"dpop replay: a CA bundle without TLS", dpopAuth + "  dpop_replay:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    redis_ca_file: /etc/rampart/redis-ca.pem\n", []string{"line 9:5: authentication.dpop_replay.redis_ca_file: set, but authentication.dpop_replay.redis_tls is not true"}},
		{"denylist over TLS with the system roots", dpopAuth + "  denylist: {backend: redis, redis_addr: redis.example.com:6380, redis_tls: true}\n", nil},
		{"denylist: a CA bundle without TLS", dpopAuth + "  denylist:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    redis_tls: false\n    redis_ca_file: /etc/rampart/redis-ca.pem\n", []string{"line 10:5: authentication.denylist.redis_ca_file: set, but authentication.denylist.redis_tls is not true"}},
		{"denylist: redis_tls not a boolean", dpopAuth + "  denylist:\n    backend: redis\n    redis_addr: 127.0.0.1:6379\n    redis_tls: required\n", []string{"line 9:5: authentication.denylist.redis_tls: ", "boolean"}},
		{"rate limits over TLS with a CA bundle", "rate_limits:\n  store: redis\n  redis: {addr: redis.internal:6380, tls: true, ca_file: /etc/rampart/redis-ca.pem}\n", nil},
		{"rate limits: a CA bundle without TLS", "rate_limits:\n  store: redis\n  redis:\n    addr: 127.0.0.1:6379\n    ca_file: /etc/rampart/redis-ca.pem\n", []string{"line 5:5: rate_limits.redis.ca_file: set, but redis.tls is not true"}},
		{"credential endpoints", "rate_limits:\n  credential_endpoints: {enabled: true, rate: 20, period: 1m, burst: 5}\n", nil},
		{"credential endpoints off", "rate_limits:\n  credential_endpoints: {enabled: false}\n", nil},
		{"credential endpoints: a rate of 0", "rate_limits:\n  credential_endpoints:\n    rate: 0\n", []string{"line 3:5: rate_limits.credential_endpoints.rate: must be at least 1"}},
		{"credential endpoints: a zero period", "rate_limits:\n  credential_endpoints:\n    period: 0s\n", []string{"line 3:5: rate_limits.credential_endpoints.period: must be a positive duration"}},
		{"credential endpoints: a negative burst", "rate_limits:\n  credential_endpoints:\n    burst: -1\n", []string{"line 3:5: rate_limits.credential_endpoints.burst: must not be negative"}},
		{"credential endpoints: period not a duration", "rate_limits:\n  credential_endpoints:\n    period: a minute\n", []string{"line 3:5: rate_limits.credential_endpoints.period: ", "does not match pattern"}},
		{"credential endpoints: enabled not a boolean", "rate_limits:\n  credential_endpoints:\n    enabled: sometimes\n", []string{"line 3:5: rate_limits.credential_endpoints.enabled: ", "boolean"}},
		{"credential endpoints: unknown key", "rate_limits:\n  credential_endpoints:\n    limit: 5\n", []string{"line 3:5: rate_limits.credential_endpoints.limit: unknown key"}},
		{"yaml syntax", "mode: [block\n", []string{"line "}},
		{"duplicate key", "mode: block\nmode: monitor\n", []string{"line 2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ValidateConfig([]byte(tc.yaml))
			if len(tc.want) == 0 {
				if len(got) != 0 {
					t.Fatalf("unexpected problems: %v", got)
				}
				return
			}
			if len(got) == 0 {
				t.Fatalf("no problem reported, want %q", tc.want)
			}
			s := got[0].String()
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("problem %q does not contain %q (all: %v)", s, w, got)
				}
			}
		})
	}
}

// TestSchemaAcceptsLoaderConfigs checks that what the loader accepts the
// schema accepts too, for the configuration of the protection tests.
func TestSchemaAcceptsLoaderConfigs(t *testing.T) {
	data, err := os.ReadFile("testdata/protect-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ps := ValidateConfig(data); len(ps) > 0 {
		t.Fatalf("%v", ps)
	}
}
