package smallfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.yaml")
	if err := os.WriteFile(small, []byte("mode: block\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 5<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path string
		want       string // substring of the error; "" for success
		is         error
	}{
		{"small file", small, "", nil},
		{"over the limit", big, big + " is 5 MiB, over the 4 MiB limit", ErrTooLarge},
		{"endless device", "/dev/zero", "/dev/zero is a character device, not a regular file", ErrNotRegular},
		{"named pipe", fifo, fifo + " is a named pipe (FIFO), not a regular file", ErrNotRegular},
		{"directory", dir, dir + " is a directory, not a regular file", ErrNotRegular},
		{"missing", filepath.Join(dir, "nope"), "no such file", os.ErrNotExist},
		// Says size 0, holds more: the limit is on what is read.
		{"size the stat does not tell", "/proc/self/maps", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			done := make(chan struct{})
			var err error
			go func() { // a FIFO would block the test, not fail it
				defer close(done)
				_, err = Read(tc.path, 4<<20)
			}()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("Read(%s) still blocked after 5s", tc.path)
			}
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Read(%s): %v", tc.path, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, tc.is) {
				t.Fatalf("Read(%s) = %v, want an error containing %q that is %v", tc.path, err, tc.want, tc.is)
			}
		})
	}
}

func TestReadCountsWhatItReads(t *testing.T) {
	// /proc/self/maps reports size 0 but holds bytes: under a tiny limit
	// the read itself must refuse it.
	_, err := Read("/proc/self/maps", 8)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "over the 8 bytes limit") {
		t.Fatalf("err = %v, want the 8-byte limit", err)
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 bytes", 1023: "1023 bytes", 1 << 10: "1 KiB", 1536: "1.5 KiB", 4 << 20: "4 MiB", 139460608: "133 MiB", 139461000: "133.0 MiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}
