package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// brokenStdout fails every write, like a full disk or a closed pipe.
type brokenStdout struct{}

func (brokenStdout) Write([]byte) (int, error) { return 0, errors.New("no space left on device") }

// TestAuditReportWriteFailure: a report that cannot be written exits 3 (the
// environment failed, docs/cli.md), with a message naming where it was
// going and why, for -o and standard output alike; -o naming a directory
// is a usage error (exit 2) found before the audit.
func TestAuditReportWriteFailure(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
	notDir := auditWriteFile(t, dir, "file", "x")
	cases := []struct {
		name   string
		args   []string
		stdout bool // write standard output to a writer that fails
		code   int
		want   []string // in the message
	}{
		{"-o /dev/full", []string{"--format", "json", "-o", "/dev/full"}, false, ExitInternal, []string{"writing the json report to /dev/full", "no space left on device"}},
		{"-o /dev/full text", []string{"-o", "/dev/full"}, false, ExitInternal, []string{"writing the text report to /dev/full", "no space left on device"}},
		{"-o under a regular file", []string{"-o", filepath.Join(notDir, "r.json")}, false, ExitInternal, []string{"writing the text report to " + filepath.Join(notDir, "r.json"), "not a directory"}},
		{"standard output", []string{"--format", "sarif"}, true, ExitInternal, []string{"writing the sarif report to standard output", "no space left on device"}},
		{"-o a directory", []string{"-o", dir}, false, ExitUsage, []string{dir + " is a directory"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if strings.Contains(tc.name, "/dev/full") {
				if _, err := os.Stat("/dev/full"); err != nil {
					t.Skip("no /dev/full here")
				}
			}
			var stdout, stderr strings.Builder
			var code int
			args := append([]string{"audit", spec}, tc.args...)
			if tc.stdout {
				code = Execute(args, strings.NewReader(""), brokenStdout{}, &stderr)
			} else {
				code = Execute(args, strings.NewReader(""), &stdout, &stderr)
			}
			if code != tc.code {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, tc.code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr %q does not mention %q", stderr.String(), w)
				}
			}
		})
	}
}
