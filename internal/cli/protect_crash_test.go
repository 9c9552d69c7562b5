package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The firewall killed without warning (SIGKILL: no final checkpoint, the
// records since the last checkpoint unsigned) and started again on the
// same audit log: the restart says so in its log, the chain continues,
// and `rampart log verify` finds the log intact while naming the records
// only the restart signed.
func TestProtectAuditLogAfterKill(t *testing.T) {
	runAsProtectChild()
	upstreamAddr := startNoContentUpstream(t)

	dir := t.TempDir()
	spec, cfg, logPath := filepath.Join(dir, "api.yaml"), filepath.Join(dir, "rampart.yaml"), filepath.Join(dir, "audit.log")
	priv, pub := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
	if code, _, errOut := run(t, "", "log", "keygen", "--private", priv, "--public", pub); code != ExitOK {
		t.Fatal(errOut)
	}
	doc := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /ping:\n    get:\n      responses: {\"204\": {description: none}}\n"
	conf := "audit:\n  tamper_evident: {enabled: true, signing_key: " + priv + ", checkpoint_every: 1000, checkpoint_interval: 1h}\n"
	if err := os.WriteFile(spec, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"protect", "--spec", spec, "--upstream", "http://" + upstreamAddr, "--config", cfg, "--log", logPath, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}
	ping := func(c *protectChild, n int) {
		t.Helper()
		for i := 0; i < n; i++ {
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + c.addr + "/ping")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				t.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	records := func() int {
		data, _ := os.ReadFile(logPath)
		return strings.Count(string(data), `"rec":`)
	}

	first := startProtectChild(t, "TestProtectAuditLogAfterKill", args)
	ping(first, 3)
	// The audit writer is asynchronous: kill once the records are on disk.
	for deadline := time.Now().Add(5 * time.Second); records() < 3 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if records() != 3 {
		t.Fatalf("%d records on disk before the kill, want 3", records())
	}
	first.stop(t, syscall.SIGKILL)

	second := startProtectChild(t, "TestProtectAuditLogAfterKill", args)
	if !second.logged("the previous run ended without a final checkpoint") {
		t.Errorf("the restart did not say the previous run crashed: %q", second.snapshot())
	}
	ping(second, 1)
	second.stop(t, syscall.SIGTERM)

	code, out, errOut := run(t, "", "log", "verify", logPath, "--key", pub)
	if code != ExitOK || !strings.Contains(out, "intact") || !strings.Contains(out, "records 1-3, written after that run's last checkpoint, were signed only at the restart") {
		t.Fatalf("verify after a kill: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := run(t, "", "log", "verify", logPath, "--key", pub, "--require-attested"); code != ExitFailed {
		t.Fatalf("--require-attested passed a log with records signed only at restart: exit %d", code)
	}
}
