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

// A log rotator moves the audit log away and sends SIGUSR1 (logrotate's
// create mode with a postrotate kill): the firewall writes the next
// records to a new file at the same path, and with the tamper-evident
// log both files verify, the new one continuing the old one's chain.
func TestProtectAuditLogRotation(t *testing.T) {
	runAsProtectChild()
	upstreamAddr := startNoContentUpstream(t)

	for _, tamperEvident := range []bool{false, true} {
		name := "plain"
		if tamperEvident {
			name = "tamper-evident"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			spec, cfg, logPath := filepath.Join(dir, "api.yaml"), filepath.Join(dir, "rampart.yaml"), filepath.Join(dir, "audit.log")
			priv, pub := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
			if code, _, errOut := run(t, "", "log", "keygen", "--private", priv, "--public", pub); code != ExitOK {
				t.Fatal(errOut)
			}
			doc := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /ping:\n    get:\n      responses: {\"204\": {description: none}}\n"
			conf := "audit:\n  tamper_evident: {enabled: " + map[bool]string{true: "true", false: "false"}[tamperEvident] + ", signing_key: " + priv + "}\n"
			if err := os.WriteFile(spec, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			child := startProtectChild(t, "TestProtectAuditLogRotation", []string{"protect", "--spec", spec, "--upstream", "http://" + upstreamAddr,
				"--config", cfg, "--log", logPath, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"})
			ping := func(path string) {
				t.Helper()
				resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + child.addr + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			countIn := func(file, path string) int {
				data, _ := os.ReadFile(file)
				return strings.Count(string(data), `"path":"`+path+`"`)
			}
			waitFor := func(cond func() bool, what string) {
				t.Helper()
				for deadline := time.Now().Add(5 * time.Second); !cond(); {
					if time.Now().After(deadline) {
						t.Fatalf("timed out waiting for %s", what)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			ping("/ping")
			ping("/ping")
			waitFor(func() bool { return countIn(logPath, "/ping") == 2 }, "two records")
			rotated := logPath + ".1"
			if err := os.Rename(logPath, rotated); err != nil {
				t.Fatal(err)
			}
			if err := child.cmd.Process.Signal(syscall.SIGUSR1); err != nil {
				t.Fatal(err)
			}
			waitFor(func() bool { return child.logged("audit log reopened") }, "the reopen")
			ping("/after")
			child.stop(t, syscall.SIGTERM)

			if n := countIn(logPath, "/after"); n != 1 {
				t.Errorf("the new file holds %d records of the request after the rotation, want 1", n)
			}
			if n := countIn(rotated, "/after") + countIn(logPath, "/ping"); n != 0 {
				t.Errorf("%d records in the wrong file", n)
			}
			if !tamperEvident {
				return
			}
			code, out, errOut := run(t, "", "log", "verify", rotated, logPath, "--key", pub, "--require-final")
			if code != ExitOK || !strings.Contains(out, "each file continues the one before it: seq 1-3") {
				t.Fatalf("verify of the rotated pair: exit %d\n%s%s", code, out, errOut)
			}
			// Given out of order, or with the older file missing from a
			// longer series, the pair fails.
			if code, out, _ := run(t, "", "log", "verify", logPath, rotated, "--key", pub); code != ExitFailed || !strings.Contains(out, "DOES NOT CONTINUE") {
				t.Fatalf("files out of order: exit %d\n%s", code, out)
			}
		})
	}
}
