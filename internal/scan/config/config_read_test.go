package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/config"
)

// TestLoadRefusesWhatIsNotASmallFile checks that `rampart scan --config`
// refuses, with the file and the limit named, what os.ReadFile would read
// until memory runs out (/dev/zero, a huge file) or block on (a FIFO).
func TestLoadRefusesWhatIsNotASmallFile(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "scan.yaml")
	if err := os.WriteFile(ok, []byte("target: http://127.0.0.1:8000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("target: http://127.0.0.1:8000\n"+strings.Repeat("# padding\n", (4<<20)/10+1)), 0o600); err != nil {
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
		{"over the limit", big, "reading config: " + big + " is 4.0 MiB, over the 4 MiB limit"},
		{"endless device", "/dev/zero", "reading config: /dev/zero is a character device, not a regular file"},
		{"named pipe", fifo, "reading config: " + fifo + " is a named pipe (FIFO), not a regular file"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				_, err := config.Load(tc.path)
				done <- err
			}()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("Load(%s) still running after 10s", tc.path)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Load(%s): %v", tc.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load(%s) = %v, want an error containing %q", tc.path, err, tc.want)
			}
		})
	}
}
