package auditlog

import (
	"errors"
	"fmt"
	"os"
	"sync"
)

// File is an audit log file that can be reopened at its path after a log
// rotator moved it away (logrotate's create mode, newsyslog), so records
// go to the new file instead of following the old one.
type File struct {
	path string
	mode os.FileMode
	mu   sync.Mutex
	f    *os.File
}

// OpenFile opens (or creates with mode) path for appending.
func OpenFile(path string, mode os.FileMode) (*File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, mode)
	if err != nil {
		return nil, fmt.Errorf("opening audit log: %w", err)
	}
	return &File{path: path, mode: mode, f: f}, nil
}

func (l *File) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return 0, errors.New("audit log file is closed")
	}
	return l.f.Write(p)
}

// Reopen switches to the file now at the path. When the path still names
// the file in use it does nothing; when the new file cannot be opened the
// old one stays in use and the error says why.
func (l *File) Reopen() error {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, l.mode)
	if err != nil {
		return fmt.Errorf("reopening audit log: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		f.Close()
		return errors.New("audit log file is closed")
	}
	if a, err1 := l.f.Stat(); err1 == nil {
		if b, err2 := f.Stat(); err2 == nil && os.SameFile(a, b) {
			f.Close()
			return nil
		}
	}
	old := l.f
	l.f = f
	if err := old.Close(); err != nil {
		return fmt.Errorf("closing the rotated audit log: %w", err)
	}
	return nil
}

// Close closes the file.
func (l *File) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
