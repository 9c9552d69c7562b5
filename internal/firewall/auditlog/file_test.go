package auditlog

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFileReopen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	f, err := OpenFile(path, 0o640)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	write := func(s string) {
		t.Helper()
		if _, err := f.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(p string) string {
		t.Helper()
		b, _ := os.ReadFile(p)
		return string(b)
	}
	write("a\n")
	// The path still names the file in use: nothing changes.
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	write("b\n")
	if err := os.Rename(path, path+".1"); err != nil {
		t.Fatal(err)
	}
	write("c\n") // still the old file until the reopen
	if err := f.Reopen(); err != nil {
		t.Fatal(err)
	}
	write("d\n")
	if got := read(path + ".1"); got != "a\nb\nc\n" {
		t.Errorf("rotated file %q", got)
	}
	if got := read(path); got != "d\n" {
		t.Errorf("new file %q", got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %v %v, want 0640", fi.Mode().Perm(), err)
	}
	// The path cannot be opened (a directory now stands there): the
	// reopen fails and records keep going to the file in use.
	if err := os.Rename(path, path+".2"); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := f.Reopen(); err == nil {
		t.Fatal("reopen onto a directory succeeded")
	}
	write("e\n")
	if got := read(path + ".2"); got != "d\ne\n" {
		t.Errorf("after a failed reopen the file in use holds %q", got)
	}
}
