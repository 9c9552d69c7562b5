package firewall

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/ratelimit"
)

// configFile writes a protect configuration for the firewall test
// contract in front of upstream, with extra appended.
type configFile struct {
	t    *testing.T
	path string
	spec string
	base string
	log  *slog.Logger // the server's; nil discards
}

func newConfigFile(t *testing.T, upstream string, watch time.Duration) *configFile {
	spec, err := filepath.Abs("testdata/api31.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return &configFile{t: t, path: filepath.Join(t.TempDir(), "protect.yaml"), spec: spec,
		base: fmt.Sprintf("upstream: http://%s\nlisten: 127.0.0.1:0\nadmin: 127.0.0.1:0\nwatch_interval: %s\n", upstream, watch)}
}

// write writes the file: the base settings, the test contract unless
// extra names a spec, and extra.
func (c *configFile) write(extra string) {
	c.t.Helper()
	text := c.base + extra
	if !strings.Contains(extra, "spec:") {
		text += "spec: " + c.spec + "\n"
	}
	if err := os.WriteFile(c.path, []byte(text), 0o600); err != nil {
		c.t.Fatal(err)
	}
}

func (c *configFile) read() (Config, error) { return LoadConfigFile(c.path) }

// start runs a firewall from the file, reading it again at each reload.
func (c *configFile) start() *Server {
	c.t.Helper()
	cfg, err := c.read()
	if err != nil {
		c.t.Fatal(err)
	}
	s, err := New(context.Background(), cfg, c.log, io.Discard)
	if err != nil {
		c.t.Fatalf("New: %v", err)
	}
	s.SetConfigSource(c.path, c.read)
	if err := s.Start(); err != nil {
		c.t.Fatalf("Start: %v", err)
	}
	// What Run adds to Start for reloads: the file watcher.
	ctx, cancel := context.WithCancel(context.Background())
	go s.watch(ctx)
	c.t.Cleanup(func() {
		cancel()
		sctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
		defer stop()
		_ = s.Shutdown(sctx)
	})
	return s
}

// TestConfigFileReload changes the configuration file under a running
// firewall: a reload applies the new policy, keeps the rate-limit counters,
// and refuses (keeping everything in force) a file that is invalid or
// changes a setting only a restart can apply.
func TestConfigFileReload(t *testing.T) {
	up := startUpstream(t)
	cf := newConfigFile(t, up.addr, -1)
	// Five requests a minute per client, counted across every step below.
	limit := "rate_limits:\n  rules:\n    - {name: per-ip, key: ip, rate: 5, period: 1m}\n"
	cf.write("mode: block\n" + limit)
	s := cf.start()
	bad := "http://" + s.Addr() + "/v1/items?limit=0" // limit has minimum 1
	status := func(url string) int {
		t.Helper()
		resp, _ := get(t, url, nil)
		return resp.StatusCode
	}

	if got := status(bad); got != 400 { // 1 of 5
		t.Fatalf("block mode: status %d, want 400", got)
	}

	cf.write("mode: monitor\n" + limit)
	if err := s.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := status(bad); got != 200 { // 2 of 5
		t.Fatalf("after switching to monitor: status %d, want 200 (forwarded)", got)
	}

	steps := []struct {
		name, extra, wantErr string
	}{
		{"a setting that takes a restart", "mode: block\ntimeouts: {upstream: 7s}\n" + limit, "timeouts changed, which takes a restart"},
		{"an unknown key", "mode: block\nip_rulez: {}\n" + limit, "ip_rulez"},
		{"an invalid section", "mode: block\ncors: {allowed_origins: ['*'], allow_credentials: true}\n" + limit, "cors"},
		{"a spec that does not exist", "mode: block\n" + limit + "spec: /nonexistent/api.yaml\n", "nonexistent"},
	}
	for _, st := range steps {
		cf.write(st.extra)
		err := s.Reload(context.Background())
		if err == nil || !strings.Contains(err.Error(), st.wantErr) {
			t.Fatalf("%s: reload error %v, want one naming %q", st.name, err, st.wantErr)
		}
	}
	// Nothing of the refused files applies: still monitor.
	if got := status(bad); got != 200 { // 3 of 5
		t.Fatalf("after refused reloads: status %d, want 200 (monitor still in force)", got)
	}

	cf.write("mode: block\n" + limit)
	if err := s.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := status(bad); got != 400 { // 4 of 5
		t.Fatalf("back to block: status %d, want 400", got)
	}
	ok := "http://" + s.Addr() + "/v1/items"
	if got := status(ok); got != 200 { // 5 of 5
		t.Fatalf("a valid request: status %d, want 200", got)
	}
	if got := status(ok); got != 429 { // 6 of 5: the counter outlived three reloads
		t.Fatalf("the sixth request in the minute: status %d, want 429 (counters kept across reloads)", got)
	}

	_, metrics := get(t, "http://"+s.AdminAddr()+"/metrics", nil)
	for _, want := range []string{
		`rampart_contract_reloads_total{result="error"} 4`,
		`rampart_contract_reloads_total{result="ok"} 3`, // start-up and two reloads
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestConfigFileChangeReloads edits the configuration file of a running
// firewall: the watcher picks the change up without a signal.
func TestConfigFileChangeReloads(t *testing.T) {
	up := startUpstream(t)
	cf := newConfigFile(t, up.addr, 50*time.Millisecond)
	cf.write("mode: block\n")
	s := cf.start()
	bad := "http://" + s.Addr() + "/v1/items?limit=0"
	if resp, _ := get(t, bad, nil); resp.StatusCode != 400 {
		t.Fatalf("block mode: status %d", resp.StatusCode)
	}
	time.Sleep(100 * time.Millisecond) // a modification time the watcher can tell apart
	cf.write("mode: monitor\n")
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, _ := get(t, bad, nil)
		if resp.StatusCode == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the configuration change was not picked up: status %d", resp.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRestartOnly(t *testing.T) {
	base := func() Config {
		return Config{Spec: "a.yaml", Upstream: "http://127.0.0.1:1", Mode: "block"}.WithDefaults()
	}
	dpopScheme := func(size int) *authn.Config {
		return &authn.Config{Schemes: map[string]*authn.SchemeConfig{"bearer": {DPoP: &dpop.Config{ReplayCacheSize: size}}}}
	}
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" when a reload applies it
	}{
		{"mode", func(c *Config) { c.Mode = "monitor" }, ""},
		{"spec", func(c *Config) { c.Spec = "b.yaml" }, ""},
		{"body limit", func(c *Config) { c.Limits.MaxBodyBytes = 10 }, ""},
		{"rate-limit rules", func(c *Config) {
			c.RateLimits.Rules = []ratelimit.Rule{{Name: "r", Key: "ip", Rate: 1, Period: time.Second}}
		}, ""},
		{"credential endpoints", func(c *Config) {
			c.RateLimits.CredentialEndpoints = ratelimit.CredentialLimit{Enabled: new(true), Rate: new(int64(3)), Period: new(time.Hour), Burst: 1}
		}, ""},
		{"authentication without stores", func(c *Config) { c.Authentication = &authn.Config{Realm: "api"} }, ""},
		{"upstream", func(c *Config) { c.Upstream = "http://127.0.0.1:2" }, "upstream"},
		{"listen", func(c *Config) { c.Listen = "127.0.0.1:9" }, "listen"},
		{"admin", func(c *Config) { c.Admin = "127.0.0.1:9" }, "admin"},
		{"tls", func(c *Config) { c.TLSCert, c.TLSKey = "c.pem", "k.pem" }, "tls_cert, tls_key"},
		{"audit log", func(c *Config) { c.Log = "audit.jsonl" }, "log"},
		{"audit queue", func(c *Config) { c.Audit.Queue = 3 }, "audit"},
		{"timeouts", func(c *Config) { c.Timeouts.Idle = time.Hour }, "timeouts"},
		{"header limit", func(c *Config) { c.Limits.MaxHeaderBytes = 100 }, "limits.max_header_bytes"},
		{"rate-limit store", func(c *Config) { c.RateLimits.Store = "redis" }, "rate_limits.store"},
		{"denylist", func(c *Config) {
			c.Authentication = &authn.Config{Denylist: &authn.DenylistConfig{}}
		}, "authentication (its denylist or a scheme's dpop section)"},
		{"dpop section", func(c *Config) { c.Authentication = dpopScheme(10) }, "authentication (its denylist or a scheme's dpop section)"},
		{"client certificates", func(c *Config) { c.ClientCertificates = &ClientCertConfig{} }, "whether client certificates are requested"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			next := base()
			tc.change(&next)
			got := strings.Join(restartOnly(base(), next), ", ")
			if tc.want == "" && got != "" || !strings.HasPrefix(got, tc.want) {
				t.Errorf("restartOnly = %q, want %q", got, tc.want)
			}
		})
	}
	// Between two authentication sections: the stores' own settings.
	a, b := base(), base()
	a.Authentication, b.Authentication = dpopScheme(10), dpopScheme(20)
	if got := restartOnly(a, b); len(got) != 1 || !strings.Contains(got[0], "dpop") {
		t.Errorf("a changed DPoP replay cache: restartOnly = %q", got)
	}
}

// TestConfigReloadUnderLoad swaps the configuration (the mode, a response
// header, the IP lists) while clients keep sending: every request gets
// the answer of one configuration or the other, never an error, and
// the race detector (CI runs this package with -race) sees the policy
// swapped with the contract, not beside it.
func TestConfigReloadUnderLoad(t *testing.T) {
	up := startUpstream(t)
	cf := newConfigFile(t, up.addr, -1)
	block := "mode: block\nresponse_headers: {referrer_policy: no-referrer}\nip_rules: {allow: [127.0.0.0/8]}\n"
	monitor := "mode: monitor\nresponse_headers: {referrer_policy: same-origin}\nip_rules: {allow: [127.0.0.1/32, '::1/128']}\n"
	cf.write(block)
	s := cf.start()
	// Each answer is one configuration's, whole: block's 400 with its
	// header, or monitor's 200 with its own.
	stop := keepSending("http://"+s.Addr()+"/v1/items?limit=0", 6, func(resp *http.Response) bool {
		rp := resp.Header.Get("Referrer-Policy")
		return (resp.StatusCode == 400 && rp == "no-referrer") || (resp.StatusCode == 200 && rp == "same-origin")
	})
	for i := 0; i < 10; i++ {
		if i%2 == 0 {
			cf.write(monitor)
		} else {
			cf.write(block)
		}
		if err := s.Reload(context.Background()); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if total, wrong := stop(); wrong != 0 || total == 0 {
		t.Fatalf("%d of %d requests got no configuration's answer during reloads", wrong, total)
	}
}
