package spec

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// loadFiles writes files (the root is "api.yaml", the others named
// relative to it) into a temporary folder and loads the root the way the
// command does. It returns the document and the folder.
func loadFiles(t *testing.T, files map[string]string) (*Document, string) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := Load(ctx, filepath.Join(dir, "api.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d, dir
}
