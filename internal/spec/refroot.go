package spec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi/index"
	"github.com/pb33f/libopenapi/utils"
)

// A definition's local file $refs are confined to a directory, its
// reference root. A $ref is text in the definition, and in CI the
// definition is whatever a pull request makes it: without a root, a
// "$ref: /home/runner/.docker/config.json" would be read, its structure
// errors reported and its lines quoted in SARIF alerts and HTML reports.
//
// The root is Options.RefRoot (--ref-root) when set; otherwise the top of
// the repository holding the definition (the nearest ancestor directory
// with a .git entry, a directory or, in a worktree or submodule, a file);
// outside a repository, the definition's own directory. A definition read
// from standard input is taken to be in the current directory.

// refRoot is a definition's reference root.
type refRoot struct {
	// dir is the root as given or found (absolute, not resolved): a
	// reference's lexical path is compared with it, and messages name it.
	dir string
	// real is dir with its symbolic links resolved: where a reference's
	// file really is is compared with it, and files are opened in it.
	real string
}

// newRefRoot returns the reference root of the definition whose file key
// is key: dir when it is set, else the default described above.
func newRefRoot(dir, key string) (*refRoot, error) {
	if dir == "" {
		start := filepath.Dir(key)
		if key == stdinKey || isRemote(key) {
			wd, err := os.Getwd()
			if err != nil {
				return nil, fmt.Errorf("finding the reference root: %w", err)
			}
			start = wd
		}
		dir = repositoryTop(start)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("reference root %s: %w", dir, err)
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("reference root %s: %w", dir, err)
	}
	if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("reference root %s is not a directory", dir)
	}
	return &refRoot{dir: filepath.Clean(abs), real: real}, nil
}

// repositoryTop returns the nearest ancestor of dir (dir included) that
// has a .git entry, or dir itself when there is none. The walk is lexical,
// as $ref paths are joined lexically (resolveRef).
func repositoryTop(dir string) string {
	dir = filepath.Clean(dir)
	for d := dir; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// outsideRootError is a reference to a file outside the reference root.
type outsideRootError struct {
	path, root string
	link       bool // the path is inside, a symbolic link on it leads out
}

func (e *outsideRootError) Error() string {
	how := ""
	if e.link {
		how = " (a symbolic link leads out of it)"
	}
	return fmt.Sprintf("%s is outside the reference root %s%s; pass --ref-root to widen it", e.path, e.root, how)
}

// inDir reports whether path p lies in directory dir, lexically.
func inDir(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// within returns where the local file key is relative to r.real, or an
// *outsideRootError when it lies outside the root: by its path (an
// absolute path elsewhere, a ../ that climbs out) or through a symbolic
// link. Both are checked: the path, since it is what the definition says;
// the link's target, since it is what would be read.
func (r *refRoot) within(key string) (string, error) {
	if r == nil {
		return "", fmt.Errorf("%s: local file references are not followed here", key)
	}
	if !filepath.IsAbs(key) || !inDir(r.dir, key) {
		return "", &outsideRootError{path: key, root: r.dir}
	}
	real, err := filepath.EvalSymlinks(key)
	if err != nil {
		// Nothing there to follow (a missing file, a dangling link): the
		// lexical path is opened in the root, which refuses to leave it,
		// and the open says what is wrong.
		rel, _ := filepath.Rel(r.dir, key)
		return rel, nil
	}
	if !inDir(r.real, real) {
		return "", &outsideRootError{path: key, root: r.dir, link: true}
	}
	rel, err := filepath.Rel(r.real, real)
	if err != nil {
		return "", fmt.Errorf("%s: %w", key, err)
	}
	return rel, nil
}

// read reads the local file key, which must lie in the root, refusing one
// over max bytes or that is not a regular file. It opens the file through
// an os.Root: even a link swapped in after within looked cannot lead out.
func (r *refRoot) read(key string, max int64) ([]byte, error) {
	rel, err := r.within(key)
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(r.real)
	if err != nil {
		return nil, fmt.Errorf("%s: opening the reference root: %w", key, err)
	}
	defer root.Close()
	// A $ref names a file: opening a FIFO or a device (a $ref to a
	// /dev name) would block until someone writes to it.
	if fi, err := root.Stat(rel); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a regular file", key)
	}
	f, err := root.Open(rel)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			if escapesRoot(pe.Err) {
				return nil, &outsideRootError{path: key, root: r.dir, link: true}
			}
			// Named by the definition's path, not the resolved one.
			return nil, &os.PathError{Op: "open", Path: key, Err: pe.Err}
		}
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	defer f.Close()
	data, err := readOpenLimited(f, max)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return data, nil
}

// escapesRoot reports os.Root's refusal of a path that leaves it. The
// error is not exported; its text is what os/root.go defines.
func escapesRoot(err error) bool {
	return err != nil && strings.Contains(err.Error(), "escapes from parent")
}

// confinedFS is the file system libopenapi reads a definition's local
// files through (DocumentConfiguration.LocalFS): libopenapi's own on-demand
// loader, behind a check that the file lies in the reference root, so that
// libopenapi never opens a file outside it either. libopenapi's other
// options do not fit: without LocalFS it opens any path; with a plain
// fs.FS (os.DirFS, os.Root.FS) it reads every YAML and JSON file under the
// directory before it starts, a whole repository's.
type confinedFS struct {
	root   *refRoot
	base   string // the definition's directory: names libopenapi gives relative start there
	logger *slog.Logger

	mu    sync.Mutex
	inner *index.LocalFS
}

var (
	_ index.RolodexFS            = (*confinedFS)(nil)
	_ index.RolodexFSWithContext = (*confinedFS)(nil)
	_ fs.StatFS                  = (*confinedFS)(nil)
)

// SetRolodex is called by libopenapi when the file system is added to its
// rolodex: the loader it wraps needs the rolodex's index configuration,
// which libopenapi builds itself.
func (c *confinedFS) SetRolodex(r *index.Rolodex) {
	cfg := r.GetConfig()
	// libopenapi turns file lookups on only for the file systems it makes
	// itself; the wrapped loader refuses every file without it.
	cfg.AllowFileLookup = true
	inner, err := index.NewLocalFSWithConfig(&index.LocalFSConfig{BaseDirectory: c.base, IndexConfig: cfg, Logger: c.logger})
	if err != nil {
		return // every open then fails, and our own walk reports the $refs
	}
	inner.SetRolodex(r)
	c.mu.Lock()
	c.inner = inner
	c.mu.Unlock()
}

// SetLogger is called by libopenapi with its logger.
func (c *confinedFS) SetLogger(l *slog.Logger) {
	if in := c.loader(); in != nil {
		in.SetLogger(l)
	}
}

func (c *confinedFS) loader() *index.LocalFS {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inner
}

// abs is the absolute path libopenapi's loader makes of name.
func (c *confinedFS) abs(name string) string {
	if filepath.IsAbs(name) {
		return filepath.Clean(name)
	}
	p, _ := filepath.Abs(utils.CheckPathOverlap(c.base, name, string(os.PathSeparator)))
	return p
}

func (c *confinedFS) Open(name string) (fs.File, error) {
	return c.OpenWithContext(context.Background(), name)
}

// OpenWithContext opens a file for libopenapi when it lies in the root.
func (c *confinedFS) OpenWithContext(ctx context.Context, name string) (fs.File, error) {
	p := c.abs(name)
	if _, err := c.root.within(p); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	in := c.loader()
	if in == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("the file loader is not set up")}
	}
	return in.OpenWithContext(ctx, p)
}

// Stat answers libopenapi's "does this file exist" without reading it,
// and only for files in the root.
func (c *confinedFS) Stat(name string) (fs.FileInfo, error) {
	p := c.abs(name)
	if _, err := c.root.within(p); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return os.Stat(p)
}

// GetFiles returns the files libopenapi has read through c.
func (c *confinedFS) GetFiles() map[string]index.RolodexFile {
	if in := c.loader(); in != nil {
		return in.GetFiles()
	}
	return map[string]index.RolodexFile{}
}
