// Package redistest runs a real, throwaway redis-server for tests that
// need one (shared rate limits, token denylists): on a free loopback port,
// with persistence off, stopped when the test ends. Tests are skipped with
// a message when the binary is not installed; .ci/run installs it.
// StartTLS runs one that speaks TLS only, with a certificate made in the
// test by a CA of its own. Hung and Blackhole stand for a Redis that
// cannot answer: one that accepts connections and stays silent, one whose
// connections never complete.
package redistest

import (
	"bufio"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Start runs redis-server and returns its address and a function that
// stops it early (to test a Redis that goes away); it also stops when the
// test ends.
func Start(t testing.TB) (addr string, stop func()) {
	t.Helper()
	port := freePort(t)
	return "127.0.0.1:" + port, run(t, "--port", port)
}

// freePort returns a loopback port that nothing listens on.
func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// run starts redis-server on loopback with persistence off and the given
// listening options, waits until it is ready and returns the function
// that stops it. A server that exits at once because this build does not
// know the tls-* options skips the test.
func run(t testing.TB, listen ...string) (stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed (apt-get install -y redis-server); skipping the Redis tests")
	}
	args := append([]string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"}, listen...)
	cmd := exec.Command(bin, args...)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout // configuration errors are written to stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
	}
	t.Cleanup(stop)
	ready := make(chan struct{})
	exited := make(chan []string, 1) // the output of a server that did not start
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		var lines []string
		for sc.Scan() { // read to the end so the server never blocks on its output
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
			if !signalled {
				lines = append(lines, sc.Text())
			}
		}
		if !signalled {
			exited <- lines
		}
	}()
	select {
	case <-ready:
	case lines := <-exited:
		msg := strings.Join(lines, "\n")
		if strings.Contains(msg, "Bad directive") && strings.Contains(msg, "tls-") {
			t.Skipf("this redis-server has no TLS support (a build with BUILD_TLS=yes, such as Debian's, has); skipping the Redis TLS tests:\n%s", msg)
		}
		t.Fatalf("redis-server %s exited:\n%s", strings.Join(args, " "), msg)
	case <-time.After(10 * time.Second):
		t.Fatal("redis-server did not become ready within 10s")
	}
	return stop
}
