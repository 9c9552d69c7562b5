package spec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	yaml "github.com/pb33f/go-yaml"
)

// file is one parsed file of a definition: the root or a file reached by an
// external $ref.
type file struct {
	key     string // absolute path, URL, or "<stdin>"
	display string // how reports name it
	root    *yaml.Node
	tree    any
	src     []byte
	// laterDocLine is where a second YAML document starts, which is
	// ignored (multidoc.go); 0 when there is none.
	laterDocLine int
	// idx is the file's 2020-12 identifiers (3.1+), built on first use.
	idsOnce sync.Once
	idx     *idIndex
}

// fileSet holds the root file and lazily loads the files its $refs reach.
type fileSet struct {
	mu      sync.Mutex
	files   map[string]*file
	order   []string
	rootKey string
	opts    Options
	// failed remembers files that could not be loaded, so each is reported once.
	failed map[string]error
	index  keyIndex
	// schemaIDs is set for 3.1+ definitions, whose schemas are JSON
	// Schema 2020-12: $id and $anchor take part in $ref resolution.
	schemaIDs bool
	// patterns are the definition's compiled patterns (patterncache.go).
	patterns patternCache
	// root confines the local files $refs may read (refroot.go).
	root     *refRoot
	rootOnce sync.Once
}

// refRoot returns the reference root. A set built by hand (in tests)
// without one gets the default of its root file's, never none: an
// unconfined set would read any file a $ref names.
func (fs *fileSet) refRoot() *refRoot {
	fs.rootOnce.Do(func() {
		if fs.root == nil {
			fs.root, _ = newRefRoot(fs.opts.RefRoot, fs.rootKey)
		}
	})
	return fs.root
}

func (fs *fileSet) get(key string) *file {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.files[key]
}

func (fs *fileSet) add(f *file) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if _, ok := fs.files[f.key]; !ok {
		fs.order = append(fs.order, f.key)
	}
	fs.files[f.key] = f
}

// display returns the report name of a file key.
func (fs *fileSet) display(key string) string {
	if f := fs.get(key); f != nil {
		return f.display
	}
	return key
}

// locate turns a node reference into a report location.
func (fs *fileSet) locate(r NodeRef) Location {
	loc := Location{File: fs.display(r.File), Pointer: r.Pointer}
	if f := fs.get(r.File); f != nil {
		loc.Line, loc.Column = locate(f.root, r.Pointer, &fs.index)
	}
	return loc
}

// value returns the node at r.
func (fs *fileSet) value(r NodeRef) (any, bool) {
	f, err := fs.load(r.File)
	if err != nil {
		return nil, false
	}
	return lookup(f.tree, r.Pointer)
}

// resolveRef turns a $ref string written in file `from` into a node
// reference. It does not check that the target exists.
func (fs *fileSet) resolveRef(from, ref string) (NodeRef, error) {
	filePart, frag, _ := strings.Cut(ref, "#")
	if frag != "" {
		if u, err := url.PathUnescape(frag); err == nil {
			frag = u
		}
		if !strings.HasPrefix(frag, "/") {
			return NodeRef{}, fmt.Errorf("$ref %q: only JSON-pointer fragments are supported", ref)
		}
	}
	if filePart == "" {
		return NodeRef{File: from, Pointer: frag}, nil
	}
	if isRemote(filePart) {
		return NodeRef{File: filePart, Pointer: frag}, nil
	}
	if isRemote(from) {
		base, err := url.Parse(from)
		if err != nil {
			return NodeRef{}, err
		}
		u, err := base.Parse(filePart)
		if err != nil {
			return NodeRef{}, fmt.Errorf("$ref %q: %w", ref, err)
		}
		return NodeRef{File: u.String(), Pointer: frag}, nil
	}
	if strings.HasPrefix(filePart, "file://") {
		u, err := url.Parse(filePart)
		if err != nil {
			return NodeRef{}, err
		}
		return NodeRef{File: filepath.Clean(u.Path), Pointer: frag}, nil
	}
	dir := filepath.Dir(from)
	if from == stdinKey {
		dir, _ = os.Getwd()
	}
	if u, err := url.PathUnescape(filePart); err == nil {
		filePart = u
	}
	p := filepath.FromSlash(filePart)
	if !filepath.IsAbs(p) {
		// An absolute path is used as written; a relative one is
		// relative to the referring file.
		p = filepath.Join(dir, p)
	}
	return NodeRef{File: filepath.Clean(p), Pointer: frag}, nil
}

const stdinKey = "<stdin>"

func isRemote(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// load returns a file, reading and parsing it on first use.
func (fs *fileSet) load(key string) (*file, error) {
	if f := fs.get(key); f != nil {
		return f, nil
	}
	fs.mu.Lock()
	if err, ok := fs.failed[key]; ok {
		fs.mu.Unlock()
		return nil, err
	}
	fs.mu.Unlock()
	f, err := fs.read(key)
	if err != nil {
		fs.mu.Lock()
		fs.failed[key] = err
		fs.mu.Unlock()
		return nil, err
	}
	fs.add(f)
	return f, nil
}

func (fs *fileSet) read(key string) (*file, error) {
	var data []byte
	var err error
	display := key
	if isRemote(key) {
		if !fs.opts.AllowRemoteRefs {
			return nil, fmt.Errorf("remote reference %s not followed (enable remote references to allow it)", key)
		}
		data, err = fetchRemote(key, fs.opts.MaxFileSize)
	} else {
		// Only files in the reference root are read (refroot.go).
		data, err = fs.refRoot().read(key, fs.opts.MaxFileSize)
		if wd, werr := os.Getwd(); werr == nil {
			if rel, rerr := filepath.Rel(wd, key); rerr == nil && !strings.HasPrefix(rel, "..") {
				display = filepath.ToSlash(rel)
			} else if rerr == nil && strings.Count(rel, "..") <= 3 {
				display = filepath.ToSlash(rel)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	data = stripBOM(data)
	root, tree, err := parseDocument(data, display, fs.opts)
	if err != nil {
		return nil, err
	}
	return &file{key: key, display: display, root: root, tree: tree, src: data, laterDocLine: laterDocumentLine(data)}, nil
}

// readLimited reads a file, refusing one larger than max bytes. Its own
// errors do not repeat the path, which the caller names once (an open
// error, *os.PathError, carries it).
func readLimited(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readOpenLimited(f, max)
}

// readOpenLimited is readLimited on a file already open.
func readOpenLimited(f *os.File, max int64) ([]byte, error) {
	if st, err := f.Stat(); err == nil {
		if st.IsDir() {
			return nil, errors.New("is a directory, not a file")
		}
		if st.Size() > max {
			return nil, fmt.Errorf("file is %d bytes, over the %d-byte limit", st.Size(), max)
		}
	}
	return readAllLimited(f, max, "")
}

// readAllLimited reads r, refusing more than max bytes; name, when not
// empty, says what r is.
func readAllLimited(r io.Reader, max int64, name string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if name == "" {
		name = "file"
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is over the %d-byte limit", name, max)
	}
	return data, nil
}

func fetchRemote(u string, max int64) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: HTTP %d", u, resp.StatusCode)
	}
	return readAllLimited(resp.Body, max, u)
}

// checkText rejects input that is empty, binary or not UTF-8, before any
// parser sees it.
func checkText(data []byte) error {
	if len(strings.TrimSpace(string(data))) == 0 {
		return &LoadError{Msg: "file is empty"}
	}
	// A UTF-16 or UTF-32 byte order mark (Windows tools write UTF-16 by
	// default) would otherwise read as binary data.
	for _, enc := range []struct {
		bom  string
		name string
	}{{"\x00\x00\xfe\xff", "UTF-32"}, {"\xff\xfe\x00\x00", "UTF-32"}, {"\xfe\xff", "UTF-16"}, {"\xff\xfe", "UTF-16"}} {
		if strings.HasPrefix(string(data[:min(len(data), 4)]), enc.bom) {
			return &LoadError{Line: 1, Msg: enc.name + " text (byte order mark); a definition must be UTF-8: convert it, for example with iconv -f " + enc.name + " -t UTF-8"}
		}
	}
	if i := indexByte(data, 0); i >= 0 {
		return &LoadError{Line: lineOf(data, i), Msg: "binary data (NUL byte), not a YAML or JSON document"}
	}
	if !utf8.Valid(data) {
		for i := 0; i < len(data); {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return &LoadError{Line: lineOf(data, i), Msg: "invalid UTF-8 (a definition must be UTF-8 text)"}
			}
			i += size
		}
	}
	return nil
}

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

func lineOf(data []byte, off int) int {
	if off > len(data) {
		off = len(data)
	}
	n := 1
	for _, c := range data[:off] {
		if c == '\n' {
			n++
		}
	}
	return n
}
