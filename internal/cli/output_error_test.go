package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportFileErrorNamesPathOnce: when -o FILE cannot be written, the
// message names FILE once, with the cause ("writing the json report to
// /dev/full: no space left on device"), not FILE again, nor a temporary
// file or parent directory in its place; the exit code stays 3.
func TestReportFileErrorNamesPathOnce(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", cliSpec)
	notDir := auditWriteFile(t, dir, "file", "x")
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		format string
		path   string
		cause  string
		skip   func() string // a reason to skip, or ""
	}{
		{"full device, json", "json", "/dev/full", "no space left on device", func() string {
			if _, err := os.Stat("/dev/full"); err != nil {
				return "no /dev/full here"
			}
			return ""
		}},
		{"full device, text", "text", "/dev/full", "no space left on device", func() string {
			if _, err := os.Stat("/dev/full"); err != nil {
				return "no /dev/full here"
			}
			return ""
		}},
		{"under a regular file", "json", filepath.Join(notDir, "r.json"), "not a directory", nil},
		{"deeper under a regular file", "sarif", filepath.Join(notDir, "a", "b", "r.sarif"), "not a directory", nil},
		{"read-only directory", "html", filepath.Join(readOnly, "r.html"), "permission denied", func() string {
			if os.Geteuid() == 0 {
				return "root writes to read-only directories"
			}
			return ""
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != nil {
				if why := tc.skip(); why != "" {
					t.Skip(why)
				}
			}
			code, _, stderr := auditRunCLI(t, "audit", spec, "--format", tc.format, "-o", tc.path)
			if code != ExitInternal {
				t.Fatalf("exit %d, want %d (stderr: %s)", code, ExitInternal, stderr)
			}
			want := "rampart: writing the " + tc.format + " report to " + tc.path + ": " + tc.cause + "\n"
			if stderr != want {
				t.Errorf("stderr %q\nwant   %q", stderr, want)
			}
			if n := strings.Count(stderr, tc.path); n != 1 {
				t.Errorf("the message names %s %d times, want once: %s", tc.path, n, stderr)
			}
		})
	}
}

// TestUnreadableSpecNamesPathOnce: a definition that cannot be read is
// named once in the message, followed by why.
func TestUnreadableSpecNamesPathOnce(t *testing.T) {
	dir := t.TempDir()
	big := auditWriteFile(t, dir, "big.yaml", strings.Repeat("a", 200))
	cases := []struct {
		name  string
		args  []string
		path  string
		cause string
	}{
		{"a directory", []string{"audit", dir}, dir, "is a directory"},
		{"missing", []string{"audit", filepath.Join(dir, "nope.yaml")}, filepath.Join(dir, "nope.yaml"), "no such file or directory"},
		{"over the size limit", []string{"audit", big, "--max-file-size", "10"}, big, "200 bytes, over the 10-byte limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := auditRunCLI(t, tc.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d (stderr: %s)", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.cause) {
				t.Errorf("stderr %q does not say %q", stderr, tc.cause)
			}
			if n := strings.Count(stderr, tc.path); n != 1 {
				t.Errorf("the message names %s %d times, want once: %s", tc.path, n, stderr)
			}
		})
	}
}
