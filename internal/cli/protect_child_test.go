package cli

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// protectChild runs `rampart protect` in a child process (this test
// binary re-executed), so the test can kill it like an operator or the
// kernel would, and collects the lines of its standard error. The test
// named testName must start by running the child's command line when
// RAMPART_CLI_CHILD is set (see runAsProtectChild).
type protectChild struct {
	cmd   *exec.Cmd
	addr  string
	mu    sync.Mutex
	lines []string
	done  chan struct{}
}

func startProtectChild(t *testing.T, testName string, args []string) *protectChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+testName+"$")
	cmd.Env = append(os.Environ(), "RAMPART_CLI_CHILD=1", "RAMPART_CLI_ARGS="+strings.Join(args, "\x1f"))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	c := &protectChild{cmd: cmd, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			c.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "protect listening" {
				listening <- rec.Addr
			}
		}
	}()
	select {
	case c.addr = <-listening:
	case <-time.After(15 * time.Second):
		c.mu.Lock()
		defer c.mu.Unlock()
		t.Fatalf("protect did not start: %q", c.lines)
	}
	return c
}

// runAsProtectChild runs the command line the parent passed and exits,
// when this process is the child.
func runAsProtectChild() {
	if os.Getenv("RAMPART_CLI_CHILD") == "1" {
		os.Exit(Execute(strings.Split(os.Getenv("RAMPART_CLI_ARGS"), "\x1f"), os.Stdin, io.Discard, os.Stderr))
	}
}

// snapshot returns the standard error lines so far.
func (c *protectChild) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.lines...)
}

func (c *protectChild) logged(msg string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.lines {
		if strings.Contains(l, msg) {
			return true
		}
	}
	return false
}

func (c *protectChild) stop(t *testing.T, sig syscall.Signal) {
	t.Helper()
	_ = c.cmd.Process.Signal(sig)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("protect did not stop after %v", sig)
	}
	_ = c.cmd.Wait()
}

// startNoContentUpstream runs an upstream on loopback that answers every
// request 204, and returns its address.
func startNoContentUpstream(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	upstream := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })}
	go upstream.Serve(ln)
	t.Cleanup(func() { upstream.Close() })
	return ln.Addr().String()
}
