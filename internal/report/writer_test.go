package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestFormats(t *testing.T) {
	want := []string{"text", "json", "sarif", "html", "junit"}
	if got := Formats(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Formats() = %v, want %v", got, want)
	}
	for _, f := range want {
		for _, name := range []string{f, strings.ToUpper(f)} {
			var buf bytes.Buffer
			if err := Write(&buf, name, auditReport(), Options{}); err != nil || buf.Len() == 0 {
				t.Errorf("Write(%q): err %v, %d bytes", name, err, buf.Len())
			}
		}
	}
}

func TestWriteErrors(t *testing.T) {
	cases := []struct {
		name, format string
		report       *Report
		want         []string
	}{
		{"unknown format", "xml", auditReport(), []string{`unknown format "xml"`, "text, json, sarif, html, junit"}},
		{"empty format", "", auditReport(), []string{`unknown format ""`}},
		{"nil report", "json", nil, []string{"nil report"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := Write(&buf, tc.format, tc.report, Options{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes despite the error", buf.Len())
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWritePropagatesWriterErrors(t *testing.T) {
	for _, f := range Formats() {
		if err := Write(failingWriter{}, f, auditReport(), Options{}); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("%s: error %v, want disk full", f, err)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "reports", "nested", "rampart.sarif")
	r := auditReport()
	if err := WriteFile(path, "sarif", r, Options{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := render(t, "sarif", r, Options{}); !bytes.Equal(got, want) {
		t.Error("file content differs from Write output")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}

	// Overwriting replaces the file and leaves no temporary files behind.
	if err := WriteFile(path, "json", r, Options{}); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(path)
	if !bytes.HasPrefix(got, []byte("{\n  \"tool\": \"rampart\"")) {
		t.Errorf("overwritten file starts with %q", got[:min(len(got), 40)])
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only rampart.sarif", names)
	}

	// A failed render leaves the existing file alone.
	if err := WriteFile(path, "yaml", r, Options{}); err == nil {
		t.Error("no error for an unknown format")
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, got) {
		t.Error("a failed WriteFile changed the file")
	}
}

func TestWriteFileStdout(t *testing.T) {
	for _, path := range []string{"", "-"} {
		rd, wr, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout := os.Stdout
		os.Stdout = wr
		err = WriteFile(path, "junit", auditReport(), Options{})
		os.Stdout = stdout
		wr.Close()
		var buf bytes.Buffer
		buf.ReadFrom(rd)
		rd.Close()
		if err != nil {
			t.Fatalf("WriteFile(%q): %v", path, err)
		}
		if !bytes.Equal(buf.Bytes(), render(t, "junit", auditReport(), Options{})) {
			t.Errorf("WriteFile(%q) did not write the report to stdout", path)
		}
		if _, err := os.Stat(path); path != "" && err == nil {
			t.Errorf("WriteFile(%q) created a file", path)
		}
	}
}

func TestRenderPatch(t *testing.T) {
	got := RenderPatch([]PatchOp{
		{Op: "add", Path: "/security", Value: []any{map[string]any{"bearer": []any{}}}},
		{Op: "remove", Path: "/servers/1"},
		{Op: "replace", Path: "/info/title", Value: "<b>Pets</b>"},
	})
	want := "add /security = [{\"bearer\":[]}]\nremove /servers/1\nreplace /info/title = \"<b>Pets</b>\""
	if got != want {
		t.Errorf("RenderPatch:\n got %q\nwant %q", got, want)
	}
}

func TestOWASPLabel(t *testing.T) {
	for in, want := range map[string]string{
		"API1:2023":             "API1:2023 Broken Object Level Authorization",
		"API10:2023":            "API10:2023 Unsafe Consumption of APIs",
		"API2:2023 Broken Auth": "API2:2023 Broken Auth",
		"":                      "",
		"API1:2019":             "API1:2019",
	} {
		if got := OWASPLabel(in); got != want {
			t.Errorf("OWASPLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountBySeverity(t *testing.T) {
	c := CountBySeverity(auditReport().Results[0].Findings)
	if got, want := c.String(), "1 critical, 2 high, 2 medium, 1 low, 0 info"; got != want {
		t.Errorf("counts %q, want %q", got, want)
	}
}

// TestWriteFileErrorNamesThePath: a file that cannot be written is an
// error naming the path WriteFile was given, once, with the cause (not the
// temporary file or the parent directory that failed in its place); the
// cause is still there for errors.Is.
func TestWriteFileErrorNamesThePath(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(dir, "ro")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		path  string
		cause error
		skip  bool
	}{
		{"full device", "/dev/full", syscall.ENOSPC, func() bool { _, err := os.Stat("/dev/full"); return err != nil }()},
		{"under a regular file", filepath.Join(notDir, "r.json"), syscall.ENOTDIR, false},
		{"deeper under a regular file", filepath.Join(notDir, "a", "r.json"), syscall.ENOTDIR, false},
		{"read-only directory", filepath.Join(readOnly, "r.json"), syscall.EACCES, os.Geteuid() == 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("not testable here")
			}
			err := WriteFile(tc.path, "json", auditReport(), Options{})
			if err == nil {
				t.Fatal("no error")
			}
			if want := "report: writing " + tc.path + ": " + tc.cause.Error(); err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
			if !errors.Is(err, tc.cause) {
				t.Errorf("error %q is not %v", err, tc.cause)
			}
		})
	}
}
