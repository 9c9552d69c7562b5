// Package smallfile reads files that are small by nature, such as
// configuration files, whole and safely: a device (/dev/zero), a named
// pipe or a file that turns out huge is refused with a clear error
// instead of being read until memory runs out or blocking forever.
package smallfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

var (
	// ErrNotRegular is wrapped by the error for a path that is not a
	// regular file (a device, a named pipe, a socket, a directory).
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge is wrapped by the error for a file over the limit.
	ErrTooLarge = errors.New("file too large")
)

// Read returns the content of the regular file at path, refusing a file
// of more than limit bytes. Errors name the path (and the limit).
func Read(path string, limit int64) ([]byte, error) {
	// Stat before opening: opening a named pipe for reading blocks until
	// a writer comes, and a device such as /dev/zero never ends.
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err // *fs.PathError: names the path
	}
	if err := check(path, fi, limit); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should a named pipe be swapped in after the Stat, the
	// open returns at once and the check below refuses it. Regular files
	// ignore the flag.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := check(path, fi, limit); err != nil {
		return nil, err
	}
	// The size can be wrong (a file still growing, /proc files that say
	// 0): read one byte over the limit to tell.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, &fileError{fmt.Sprintf("%s is over the %s limit", path, Size(limit)), ErrTooLarge}
	}
	return data, nil
}

// fileError is a refusal: its text says it all, and errors.Is tells its
// kind (ErrNotRegular, ErrTooLarge) without repeating it in the text.
type fileError struct {
	msg  string
	kind error
}

func (e *fileError) Error() string { return e.msg }
func (e *fileError) Unwrap() error { return e.kind }

func check(path string, fi fs.FileInfo, limit int64) error {
	if !fi.Mode().IsRegular() {
		return &fileError{fmt.Sprintf("%s is %s, not a regular file", path, kindOf(fi.Mode())), ErrNotRegular}
	}
	if fi.Size() > limit {
		return &fileError{fmt.Sprintf("%s is %s, over the %s limit", path, Size(fi.Size()), Size(limit)), ErrTooLarge}
	}
	return nil
}

// kindOf names what a non-regular file is.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "a special file"
}

// Size writes a byte count for people, in binary units ("4 MiB",
// "132.8 MiB"), in bytes under 1 KiB.
func Size(n int64) string {
	const k = 1 << 10
	switch {
	case n >= k*k && n%(k*k) == 0:
		return fmt.Sprintf("%d MiB", n/(k*k))
	case n >= k*k:
		return fmt.Sprintf("%.1f MiB", float64(n)/(k*k))
	case n >= k && n%k == 0:
		return fmt.Sprintf("%d KiB", n/k)
	case n >= k:
		return fmt.Sprintf("%.1f KiB", float64(n)/k)
	}
	return fmt.Sprintf("%d bytes", n)
}
