package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A referenced file over --max-file-size is refused by our loader, and
// libopenapi does not read it either (it parsed a 35 MB file regardless).
func TestOversizedReferencedFileIsNotParsed(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(root, []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: 'big.yaml#/A'}}}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var big strings.Builder
	big.WriteString("A: {type: object}\n")
	for i := 0; big.Len() < 4<<20; i++ {
		big.WriteString("k" + strings.Repeat("x", 40) + string(rune('a'+i%26)) + itoa(i) + ": {type: string, description: padding padding padding}\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "big.yaml"), []byte(big.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	refs := treeRefs(map[string]any{"x": map[string]any{"$ref": "big.yaml#/A"}})
	if !oversizedRefFile(refs, root, 1<<20) {
		t.Fatal("the oversized referenced file was not noticed")
	}
	if oversizedRefFile(refs, root, 64<<20) {
		t.Fatal("a file under the limit was called oversized")
	}
	start := time.Now()
	doc, err := Load(context.Background(), root, Options{MaxFileSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range doc.Problems {
		found = found || strings.Contains(p.Message, "limit")
	}
	if !found {
		t.Errorf("the oversized file is not reported: %+v", doc.Problems)
	}
	t.Logf("loaded in %s", time.Since(start))
}
