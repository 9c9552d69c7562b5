package cli

import (
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// An operator edits the configuration file and sends SIGHUP: the new
// settings apply without a restart, the command line's flags still win
// over the file, and a file that changes what only a restart can change
// is refused whole, logged, with the settings in force kept.
func TestProtectConfigReloadOnSIGHUP(t *testing.T) {
	runAsProtectChild()
	upstreamAddr := startNoContentUpstream(t)

	dir := t.TempDir()
	spec, cfg := filepath.Join(dir, "api.yaml"), filepath.Join(dir, "rampart.yaml")
	doc := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /ping:\n    get:\n" +
		"      parameters: [{name: n, in: query, schema: {type: integer, minimum: 1}}]\n" +
		"      responses: {\"204\": {description: none}}\n"
	if err := os.WriteFile(spec, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	writeConfig := func(extra string) {
		t.Helper()
		// The file says block; the command line says monitor.
		if err := os.WriteFile(cfg, []byte("mode: block\nwatch_interval: -1s\n"+extra), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeConfig("response_headers: {referrer_policy: no-referrer}\n")
	child := startProtectChild(t, "TestProtectConfigReloadOnSIGHUP", []string{"protect", "--spec", spec, "--upstream", "http://" + upstreamAddr,
		"--config", cfg, "--mode", "monitor", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"})
	defer child.stop(t, syscall.SIGTERM)

	// get sends an out-of-contract request (n below its minimum): in
	// monitor mode it is forwarded (204).
	get := func() (int, string) {
		t.Helper()
		resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + child.addr + "/ping?n=0")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Referrer-Policy")
	}
	waitFor := func(cond func() bool, what string) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !cond(); {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s; log: %q", what, child.snapshot())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if status, rp := get(); status != 204 || rp != "no-referrer" {
		t.Fatalf("at start: %d %q, want 204 (the flag's monitor mode) and no-referrer", status, rp)
	}

	writeConfig("response_headers: {referrer_policy: same-origin}\n")
	if err := child.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(func() bool { _, rp := get(); return rp == "same-origin" }, "the new referrer policy")
	if status, _ := get(); status != 204 {
		t.Fatalf("after the reload: status %d, want 204 (the flag still wins over the file)", status)
	}

	writeConfig("response_headers: {referrer_policy: origin}\ntimeouts: {upstream: 3s}\n")
	if err := child.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(func() bool { return child.logged("timeouts changed, which takes a restart") }, "the refused reload to be logged")
	if status, rp := get(); status != 204 || rp != "same-origin" {
		t.Fatalf("after a refused reload: %d %q, want the settings in force kept (204, same-origin)", status, rp)
	}
}
