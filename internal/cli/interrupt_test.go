package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// An audit blocked where cancellation cannot reach (opening a FIFO nobody
// writes) still ends, exit 3, within its grace period after SIGTERM. The
// test runs the CLI in a child process: the signal and the exit are real.
func TestInterruptEndsABlockedAudit(t *testing.T) {
	if os.Getenv("RAMPART_CLI_CHILD") == "1" {
		os.Exit(Execute(strings.Split(os.Getenv("RAMPART_CLI_ARGS"), "\x1f"), os.Stdin, os.Stdout, os.Stderr))
	}
	fifo := filepath.Join(t.TempDir(), "spec.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInterruptEndsABlockedAudit$")
	cmd.Env = append(os.Environ(), "RAMPART_CLI_CHILD=1", "RAMPART_CLI_ARGS=audit\x1f"+fifo)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(500 * time.Millisecond)
	sent := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitInternal {
			t.Fatalf("exit: %v (stderr %q)", err, stderr.String())
		}
		if d := time.Since(sent); d > interruptGrace+2*time.Second {
			t.Errorf("stopped %s after SIGTERM", d)
		}
		if !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("stderr %q", stderr.String())
		}
	case <-time.After(15 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the audit did not stop after SIGTERM")
	}
}
