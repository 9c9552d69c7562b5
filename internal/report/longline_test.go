package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A minified definition is one line. Quoting that line whole in every
// SARIF result and HTML excerpt made reports grow with findings times
// file size (820 MB of SARIF for a 259 KB file); each quote is now a
// window of the line.
func TestLongLinesAreQuotedInPart(t *testing.T) {
	line := `{"openapi":"3.1.0","paths":{` + strings.Repeat(`"/p":{"get":{"x":"é"}},`, 10000) + `}}`
	res := SpecResult{Spec: "min.json", OpenAPI: "3.1.0", Valid: true, Source: map[string][]byte{"min.json": []byte(line)}}
	for i := 0; i < 300; i++ {
		res.Findings = append(res.Findings, Finding{Rule: "data-string-no-maxlength", Severity: SeverityHigh, Title: "t", Message: "m",
			Location: Location{File: "min.json", Line: 1, Column: 30 + i*700}})
	}
	rep := &Report{Tool: "rampart", Kind: "audit", Results: []SpecResult{res}}
	for _, format := range []string{"sarif", "html"} {
		var b bytes.Buffer
		if err := Write(&b, format, rep, Options{}); err != nil {
			t.Fatal(err)
		}
		if b.Len() > 2<<20 {
			t.Errorf("%s report of %d findings on a %d-byte line is %d bytes", format, len(res.Findings), len(line), b.Len())
		}
		// Each finding still quotes the text at its column.
		at, _ := json.Marshal(string([]rune(line)[30+299*700-1:][:20]))
		if format == "sarif" && !strings.Contains(b.String(), strings.Trim(string(at), `"`)) {
			t.Errorf("%s: the last finding's text %s is not quoted", format, at)
		}
	}
}

// -o never replaces what is not a regular file (/dev/null, a pipe): it is
// written to; a symbolic link keeps pointing at the (replaced) report.
func TestWriteFileKeepsPipesAndLinks(t *testing.T) {
	rep := &Report{Tool: "rampart", Kind: "audit", Results: []SpecResult{{Spec: "a.yaml", Valid: true}}}
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip("no named pipes here:", err)
	}
	got := make(chan []byte)
	go func() {
		b, _ := os.ReadFile(fifo)
		got <- b
	}()
	if err := WriteFile(fifo, "json", rep, Options{}); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if !json.Valid(b) {
			t.Fatalf("the pipe's reader got %q", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was written to the pipe")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v", err)
	}
	real, link := filepath.Join(dir, "real.json"), filepath.Join(dir, "link.json")
	if err := os.WriteFile(real, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, "json", rep, Options{}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if b, _ := os.ReadFile(real); !json.Valid(b) {
		t.Fatalf("the linked file holds %q", b)
	}
	if err := WriteFile(dir, "json", rep, Options{}); err == nil {
		t.Fatal("a directory was accepted as the report file")
	}
}
