package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// What net/http reports through the standard logger (here the Transport's
// "Unsolicited response received on idle HTTP channel", for an upstream
// 204 that carries a body) reaches standard error as a JSON line of the
// operational log, like everything else protect logs there. The firewall
// runs in a child process: the standard logger is process-wide.
func TestProtectStandardLogIsJSON(t *testing.T) {
	runAsProtectChild()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				// A 204 has no body; the bytes after it are a response
				// nobody asked for, on a connection now idle.
				_, _ = io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n")
				time.Sleep(2 * time.Second)
			}()
		}
	}()
	spec := filepath.Join(t.TempDir(), "api.yaml")
	doc := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n  /ping:\n    get:\n      responses: {\"204\": {description: none}}\n"
	if err := os.WriteFile(spec, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"protect", "--spec", spec, "--upstream", "http://" + ln.Addr().String(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}
	child := startProtectChild(t, "TestProtectStandardLogIsJSON", args)
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + child.addr + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// The transport notices the stray bytes once the connection is idle.
	for deadline := time.Now().Add(5 * time.Second); !child.logged("Unsolicited response") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	child.stop(t, syscall.SIGTERM)
	lines := child.snapshot()
	logged := false
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Errorf("standard error line is not JSON: %q", l)
			continue
		}
		if msg, _ := rec["msg"].(string); strings.Contains(msg, "Unsolicited response") {
			logged = true
			if rec["level"] != "WARN" {
				t.Errorf("logged at %v: %q", rec["level"], l)
			}
		}
	}
	if !logged {
		t.Errorf("the transport's message is not in the log: %q", lines)
	}
}
