package firewall

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestConfigFileReadIsBounded checks that `rampart protect --config` and
// `rampart config validate` refuse, naming the file and the limit, what
// os.ReadFile read until memory ran out (/dev/zero, a huge file) or
// blocked on (a FIFO).
func TestConfigFileReadIsBounded(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "protect.yaml")
	if err := os.WriteFile(ok, []byte("mode: monitor\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Valid YAML throughout, so that only its size is wrong.
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("mode: monitor\n"+strings.Repeat("# padding\n", (4<<20)/10+1)), 0o600); err != nil {
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
		{"directory", dir, "reading config: " + dir + " is a directory, not a regular file"},
	}
	readers := map[string]func(string) error{
		"LoadConfigFile": func(p string) error { _, err := LoadConfigFile(p); return err },
		"CheckConfigFile": func(p string) error {
			ps, _, err := CheckConfigFile(p)
			if err == nil && len(ps) > 0 {
				t.Errorf("%s: %v", p, ps)
			}
			return err
		},
	}
	for _, tc := range cases {
		for name, read := range readers {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				done := make(chan error, 1)
				go func() { done <- read(tc.path) }()
				var err error
				select {
				case err = <-done:
				case <-time.After(10 * time.Second):
					t.Fatalf("%s(%s) still running after 10s", name, tc.path)
				}
				if tc.want == "" {
					if err != nil {
						t.Fatalf("%s(%s): %v", name, tc.path, err)
					}
					return
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%s(%s) = %v, want an error containing %q", name, tc.path, err, tc.want)
				}
			})
		}
	}
}
