package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// run executes the CLI in-process and returns exit code, stdout, stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- Execute(args, strings.NewReader(stdin), &out, &errb) }()
	select {
	case code := <-done:
		return code, out.String(), errb.String()
	case <-time.After(30 * time.Second):
		t.Fatalf("rampart %v did not finish in 30 s (hang)", args)
		return 0, "", ""
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func yamlBomb() []byte {
	var b strings.Builder
	b.WriteString("openapi: 3.0.0\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n")
	prev := "a"
	for _, n := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		b.WriteString(n + ": &" + n + " [")
		for i := 0; i < 9; i++ {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]\n")
		prev = n
	}
	return []byte(b.String())
}

// TestMalformedInputs: every input that is not a loadable definition gives
// a one-line error naming the file (and line where known) and exit code 2,
// quickly, without a panic.
func TestMalformedInputs(t *testing.T) {
	dir := t.TempDir()
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	cases := []struct {
		name    string
		content []byte
		want    string // substring of the error
		line    bool   // error carries a line number
	}{
		{"empty", []byte(""), "file is empty", false},
		{"whitespace", []byte("  \n\n\t\n"), "file is empty", false},
		{"binary", []byte{0x7f, 'E', 'L', 'F', 0, 1, 2, 3}, "binary data", true},
		{"invalid-utf8", []byte("openapi: 3.0.0\ninfo:\n  title: \xff\xfe\n"), "invalid UTF-8", true},
		{"json-trailing-garbage", []byte("{\"openapi\": \"3.0.0\", \"info\": {\"title\": \"x\", \"version\": \"1\"}, \"paths\": {}}\n}garbage"), "unexpected data after", true},
		{"json-truncated", []byte("{\"openapi\": \"3.0.0\", \"info\": {"), "invalid JSON", true},
		{"broken-yaml", []byte("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\n"), "invalid YAML", true},
		{"yaml-tab-indent", []byte("openapi: 3.0.0\ninfo:\n\ttitle: x\n"), "invalid YAML", true},
		{"yaml-bomb", yamlBomb(), "alias bomb", true},
		{"deep-json", []byte(deep), "nesting deeper", true},
		{"scalar-top", []byte("just a string\n"), "not a mapping", true},
		{"list-top", []byte("- a\n- b\n"), "not a mapping", true},
		{"no-version-field", []byte("info:\n  title: x\npaths: {}\n"), "no `openapi` or `swagger` field", false},
		{"unknown-openapi-version", []byte("openapi: 4.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n"), "unsupported OpenAPI version", true},
		{"unknown-swagger-version", []byte("swagger: '1.2'\ninfo: {title: x, version: '1'}\n"), "unsupported Swagger version", true},
		{"html-page", []byte("<!DOCTYPE html><html><body>Not Found</body></html>\n"), "not a mapping", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, dir, c.name+".yaml", c.content)
			start := time.Now()
			code, _, stderr := run(t, "", "spec", "inspect", p)
			if code != ExitUsage {
				t.Fatalf("exit code %d, want %d; stderr: %s", code, ExitUsage, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not mention %q", stderr, c.want)
			}
			if strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
				t.Errorf("error is not one line: %q", stderr)
			}
			if !strings.Contains(stderr, p) {
				t.Errorf("error does not name the file: %q", stderr)
			}
			if c.line && !regexp.MustCompile(regexp.QuoteMeta(p)+`:\d+: `).MatchString(stderr) {
				t.Errorf("error has no line number: %q", stderr)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
	t.Run("missing-file", func(t *testing.T) {
		code, _, stderr := run(t, "", "spec", "inspect", filepath.Join(dir, "nope.yaml"))
		if code != ExitUsage || !strings.Contains(stderr, "no such file") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("directory", func(t *testing.T) {
		code, _, stderr := run(t, "", "spec", "inspect", dir)
		if code != ExitUsage || !strings.Contains(stderr, "directory") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("too-large", func(t *testing.T) {
		p := writeFile(t, dir, "big.yaml", []byte("openapi: 3.0.0\n"+strings.Repeat("# padding\n", 200)))
		code, _, stderr := run(t, "", "spec", "inspect", "--max-file-size", "100", p)
		if code != ExitUsage || !strings.Contains(stderr, "limit") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}

// TestStructuralProblemsAreNotFatal: a parseable definition with problems
// loads, is marked invalid and lists the problems with locations.
func TestStructuralProblemsAreNotFatal(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, content, want string
	}{
		{"self-ref", `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Loop'}
components:
  schemas:
    Loop: {$ref: '#/components/schemas/Loop'}
`, "circular-ref"},
		{"unresolved-ref", `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing'}
`, "unresolved-ref"},
		{"invalid-field", `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses: "nope"
`, "invalid-structure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, dir, c.name+".yaml", []byte(c.content))
			code, out, stderr := run(t, "", "spec", "inspect", p)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(out, "INVALID") || !strings.Contains(out, c.want) {
				t.Fatalf("output lacks INVALID / %s:\n%s", c.want, out)
			}
			if !regexp.MustCompile(regexp.QuoteMeta(p) + `:\d+:\d+`).MatchString(out) {
				t.Errorf("problem has no file:line:\n%s", out)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := run(t, "", "version")
	if code != 0 || !strings.Contains(out, "rampart") || !strings.Contains(out, "go1.") || !strings.Contains(out, "commit") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, out, _ = run(t, "", "--help")
	if code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	for _, want := range []string{"spec", "version", "Exit codes", "Examples:"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q", want)
		}
	}
	code, _, stderr := run(t, "", "no-such-command")
	if code != ExitUsage || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: exit %d %q", code, stderr)
	}
	code, _, _ = run(t, "", "spec", "inspect", "--no-such-flag", "x")
	if code != ExitUsage {
		t.Errorf("unknown flag: exit %d", code)
	}
}

func TestInspectStdinAndJSON(t *testing.T) {
	spec := "openapi: 3.1.0\ninfo: {title: Stdin API, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: getX\n      responses: {'200': {description: ok}}\n"
	code, out, stderr := run(t, spec, "spec", "inspect", "--format", "json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"title": "Stdin API"`, `"operation_id": "getX"`, `"openapi": "3.1.0"`} {
		if !strings.Contains(out, want) {
			t.Errorf("json lacks %s:\n%s", want, out)
		}
	}
}

func TestCompletions(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		code, out, stderr := run(t, "", "completion", sh)
		if code != 0 || !strings.Contains(out, "rampart") || len(out) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes, %s", sh, code, len(out), stderr)
		}
	}
}
