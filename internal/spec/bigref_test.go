package spec

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A file over --max-file-size that the document reaches, directly or
// through another file, is refused by our loader, and libopenapi does not
// read it either (it parsed a 35 MB file regardless).
func TestOversizedReferencedFileIsNotParsed(t *testing.T) {
	const rootDirect = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: 'big.yaml#/A'}}}}\n"
	const rootIndirect = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: 'schemas/mid.yaml#/M'}}}}\n"
	const mid = "M: {type: object, properties: {b: {$ref: '../big.yaml#/A'}}}\n"
	var big strings.Builder
	big.WriteString("A: {type: object}\n")
	for i := 0; big.Len() < 4<<20; i++ {
		big.WriteString("k" + strings.Repeat("x", 40) + string(rune('a'+i%26)) + itoa(i) + ": {type: string, description: padding padding padding}\n")
	}
	tests := []struct {
		name  string
		root  string
		limit int64
		want  bool
	}{
		{"direct reference over the limit", rootDirect, 1 << 20, true},
		{"reference through another file over the limit", rootIndirect, 1 << 20, true},
		{"direct reference under the limit", rootDirect, 64 << 20, false},
		{"reference through another file under the limit", rootIndirect, 64 << 20, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "api.yaml")
			must(t, os.WriteFile(root, []byte(tc.root), 0o600))
			must(t, os.MkdirAll(filepath.Join(dir, "schemas"), 0o700))
			must(t, os.WriteFile(filepath.Join(dir, "schemas", "mid.yaml"), []byte(mid), 0o600))
			must(t, os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(big.String()), 0o600))

			fs := &fileSet{files: map[string]*file{}, rootKey: root, opts: Options{MaxFileSize: tc.limit}.withDefaults(), failed: map[string]error{}}
			f, err := fs.read(root)
			must(t, err)
			fs.add(f)
			if got := fs.unreadableReachable(root, treeRefs(f.tree)); got != tc.want {
				t.Fatalf("unreadableReachable = %v, want %v", got, tc.want)
			}
			if !tc.want {
				return
			}
			start := time.Now()
			doc, err := Load(context.Background(), root, Options{MaxFileSize: tc.limit})
			must(t, err)
			if !reportsSizeLimit(doc) {
				t.Errorf("the oversized file is not reported: %+v", doc.Problems)
			}
			t.Logf("loaded in %s", time.Since(start))
		})
	}
}

// reportsSizeLimit reports whether a problem of doc names the size limit.
func reportsSizeLimit(doc *Document) bool {
	for _, p := range doc.Problems {
		if strings.Contains(p.Message, "limit") {
			return true
		}
	}
	return false
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// With remote references allowed, an oversized remote file is refused by
// both parsers: libopenapi fetches through the loader's bounded getter
// (its own has no size limit and no timeout).
func TestOversizedRemoteFileIsRefused(t *testing.T) {
	const size = 32 << 20
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Streamed, so the test holds no 32 MB string; a client that
		// stops reading makes a write fail once the socket buffers fill.
		line := []byte("kxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx: {type: string}\n")
		if _, err := io.WriteString(w, "A: {type: object}\n"); err != nil {
			return
		}
		for sent := 0; sent < size; sent += len(line) {
			line[0] = byte('a' + sent%26)
			n, err := w.Write(line)
			served.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	root := "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '" + srv.URL + "/big.yaml#/A'}}}}\n"
	path := filepath.Join(t.TempDir(), "api.yaml")
	must(t, os.WriteFile(path, []byte(root), 0o600))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	doc, err := Load(ctx, path, Options{MaxFileSize: 256 << 10, AllowRemoteRefs: true})
	must(t, err)
	if !reportsSizeLimit(doc) {
		t.Errorf("the oversized remote file is not reported: %+v", doc.Problems)
	}
	// Each getter stops reading at the limit; had a parser read the whole
	// file, the server would have written all of it at least once.
	if n := served.Load(); n >= size {
		t.Errorf("the server wrote %d bytes: a parser read the whole %d-byte file", n, size)
	}
}

// A $ref to something that is not a regular file (a FIFO, /dev/stdin) is
// a problem at once: opening it would block until someone writes to it,
// in our loader and in libopenapi.
func TestReferenceToAFIFOIsRefusedAtOnce(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	root := filepath.Join(dir, "api.yaml")
	must(t, os.WriteFile(root, []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: 'pipe.yaml#/A'}}}}\n"), 0o600))
	done := make(chan *Document, 1)
	go func() {
		doc, err := Load(context.Background(), root, Options{})
		if err != nil {
			t.Error(err)
		}
		done <- doc
	}()
	select {
	case doc := <-done:
		if doc == nil {
			return
		}
		found := false
		for _, p := range doc.Problems {
			found = found || strings.Contains(p.Message, "not a regular file")
		}
		if !found {
			t.Errorf("the FIFO is not reported: %+v", doc.Problems)
		}
	case <-time.After(20 * time.Second):
		// Unblock the reader so the test process can end.
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("loading a definition with a $ref to a FIFO blocked")
	}
}
