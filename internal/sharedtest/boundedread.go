package sharedtest

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// CheckBoundedRead checks that read, a command's way of reading a
// configuration file, refuses what os.ReadFile read until memory ran out
// (/dev/zero, a file over 4 MiB) or blocked on (a FIFO, a directory),
// naming the file and the limit after prefix ("reading config: "), and
// reads a small file holding valid. valid is also the start of the large
// file, padded with YAML comments, so that only its size is wrong.
func CheckBoundedRead(t *testing.T, prefix, valid string, read func(path string) error) {
	t.Helper()
	dir := t.TempDir()
	ok := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(ok, []byte(valid), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte(valid+strings.Repeat("# padding\n", (4<<20)/10+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, want string // want: substring of the error, "" for none
	}{
		{"a small file", ok, ""},
		{"over the limit", big, prefix + big + " is 4.0 MiB, over the 4 MiB limit"},
		{"endless device", "/dev/zero", prefix + "/dev/zero is a character device, not a regular file"},
		{"named pipe", fifo, prefix + fifo + " is a named pipe (FIFO), not a regular file"},
		{"directory", dir, prefix + dir + " is a directory, not a regular file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { done <- read(tc.path) }() // a FIFO would block the test, not fail it
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("reading %s still running after 10s", tc.path)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("reading %s: %v", tc.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("reading %s = %v, want an error containing %q", tc.path, err, tc.want)
			}
		})
	}
}
