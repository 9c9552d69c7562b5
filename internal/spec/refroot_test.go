package spec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
)

// secretText stands for a file of the machine a definition must not read
// (a CI runner's credentials): no byte of it may reach a problem.
const secretText = "db_password: hunter2secretvalue\n"

// refLayout writes files under a fresh folder; a name ending in "/" is a
// directory, a value starting with "->" a symbolic link to that path
// (relative to the folder when it does not start with "/"). It returns the
// folder, with its links resolved (t.TempDir may be under a link).
func refLayout(t *testing.T, files map[string]string) string {
	t.Helper()
	top, err := filepath.EvalSymlinks(t.TempDir())
	must(t, err)
	for name, text := range files {
		p := filepath.Join(top, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			must(t, os.MkdirAll(p, 0o755))
			continue
		}
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if target, ok := strings.CutPrefix(text, "->"); ok {
			if !filepath.IsAbs(target) {
				target = filepath.Join(top, filepath.FromSlash(target))
			}
			must(t, os.Symlink(target, p))
			continue
		}
		must(t, os.WriteFile(p, []byte(text), 0o644))
	}
	return top
}

// refDefinition is a definition whose one response schema is $ref.
func refDefinition(ref string) string {
	return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '" + ref + "'}\n"
}

// A local file $ref is read only inside the reference root: by default
// the top of the repository holding the definition, else the definition's
// directory; --ref-root (Options.RefRoot) sets it.
func TestRefRootConfinement(t *testing.T) {
	const schema = "type: object\nproperties:\n  a: {type: string, maxLength: 5}\n"
	cases := []struct {
		name    string
		files   map[string]string // besides repo/api/spec.yaml
		ref     string            // "TOP" is replaced by the folder
		refRoot string            // relative to the folder; "" for the default
		outside bool              // the $ref is refused as outside the root
		link    bool              // ... through a symbolic link
	}{
		{name: "absolute path outside the repository",
			files: map[string]string{"repo/.git/": "", "out/secret.yaml": secretText},
			ref:   "TOP/out/secret.yaml", outside: true},
		{name: "file URL outside the repository",
			files: map[string]string{"repo/.git/": "", "out/secret.yaml": secretText},
			ref:   "file://TOP/out/secret.yaml", outside: true},
		{name: "../ climbing out of the repository",
			files: map[string]string{"repo/.git/": "", "out/secret.yaml": secretText},
			ref:   "../../out/secret.yaml", outside: true},
		{name: "../ far above the filesystem root",
			files: map[string]string{"repo/.git/": ""},
			ref:   "../../../../../../../../../../../../../../etc/passwd", outside: true},
		{name: "symbolic link inside leading outside",
			files: map[string]string{"repo/.git/": "", "out/secret.yaml": secretText, "repo/common.yaml": "->out/secret.yaml"},
			ref:   "../common.yaml", outside: true, link: true},
		{name: "symbolic link to a directory outside",
			files: map[string]string{"repo/.git/": "", "out/secret.yaml": secretText, "repo/shared": "->out"},
			ref:   "../shared/secret.yaml", outside: true, link: true},
		{name: "../ to a file inside the repository",
			files: map[string]string{"repo/.git/": "", "repo/common.yaml": schema},
			ref:   "../common.yaml"},
		{name: "absolute path inside the repository",
			files: map[string]string{"repo/.git/": "", "repo/common.yaml": schema},
			ref:   "TOP/repo/common.yaml"},
		{name: "symbolic link inside leading inside, absolute",
			files: map[string]string{"repo/.git/": "", "repo/schemas/common.yaml": schema, "repo/api/common.yaml": "->repo/schemas/common.yaml"},
			ref:   "common.yaml"},
		{name: "a worktree's .git file marks the repository too",
			files: map[string]string{"repo/.git": "gitdir: /elsewhere\n", "repo/common.yaml": schema},
			ref:   "../common.yaml"},
		{name: "outside a repository the root is the definition's directory",
			files: map[string]string{"repo/common.yaml": schema},
			ref:   "../common.yaml", outside: true},
		{name: "--ref-root widens the root",
			files: map[string]string{"repo/common.yaml": schema},
			ref:   "../common.yaml", refRoot: "repo"},
		{name: "--ref-root widens it to shared files outside the repository",
			files: map[string]string{"repo/.git/": "", "shared/common.yaml": schema},
			ref:   "../../shared/common.yaml", refRoot: "."},
		{name: "--ref-root narrows it as well",
			files: map[string]string{"repo/.git/": "", "repo/common.yaml": schema},
			ref:   "../common.yaml", refRoot: "repo/api", outside: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"repo/api/": ""}
			for k, v := range tc.files {
				files[k] = v
			}
			top := refLayout(t, files)
			ref := strings.ReplaceAll(tc.ref, "TOP", filepath.ToSlash(top))
			spec := filepath.Join(top, "repo", "api", "spec.yaml")
			must(t, os.WriteFile(spec, []byte(refDefinition(ref)), 0o644))
			opts := Options{}
			if tc.refRoot != "" {
				opts.RefRoot = filepath.Join(top, filepath.FromSlash(tc.refRoot))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			d, err := Load(ctx, spec, opts)
			if err != nil {
				t.Fatal(err)
			}
			var refused []Problem
			for _, p := range d.Problems {
				if strings.Contains(p.Message, "hunter2") || strings.Contains(p.Message, "root:x:") {
					t.Errorf("a problem quotes the outside file: %+v", p)
				}
				if p.Code == "unresolved-ref" && strings.Contains(p.Message, "is outside the reference root") {
					refused = append(refused, p)
				} else if p.Error {
					t.Errorf("unexpected problem: %+v", p)
				}
			}
			if !tc.outside {
				if len(refused) > 0 {
					t.Fatalf("$ref %q refused: %s", ref, refused[0].Message)
				}
				if len(d.FileKeys()) != 2 {
					t.Fatalf("files read: %v, want the definition and its $ref's", d.FileKeys())
				}
				return
			}
			if len(refused) != 1 {
				t.Fatalf("$ref %q: want one outside-the-root problem, got %+v", ref, d.Problems)
			}
			p := refused[0]
			if !p.Error || p.Loc.Line != 11 || !strings.HasSuffix(p.Loc.Pointer, "/$ref") || !strings.Contains(p.Message, "pass --ref-root to widen it") {
				t.Errorf("problem %+v: want an error at the $ref (line 11) that names --ref-root", p)
			}
			if got := strings.Contains(p.Message, "symbolic link"); got != tc.link {
				t.Errorf("message %q: mentions a symbolic link = %v, want %v", p.Message, got, tc.link)
			}
			if keys := d.FileKeys(); len(keys) != 1 {
				t.Errorf("files read: %v, want only the definition", keys)
			}
		})
	}
}

// The default root is the nearest ancestor with a .git entry (directory
// or file), else the definition's directory; standard input counts as a
// file of the current directory.
func TestRefRootDefault(t *testing.T) {
	top := refLayout(t, map[string]string{
		"plain/api/":          "",
		"repo/.git/":          "",
		"repo/a/b/":           "",
		"repo/sub/.git":       "gitdir: ../.git/modules/sub\n",
		"repo/sub/specs/":     "",
		"repo/.gitignore":     "",
		"notgit/.gitx/":       "",
		"notgit/specs/deeper": "",
	})
	cases := []struct{ spec, want string }{
		{"repo/api.yaml", "repo"},
		{"repo/a/b/api.yaml", "repo"},
		{"repo/sub/specs/api.yaml", "repo/sub"},
		{"plain/api/api.yaml", "plain/api"},
		{"notgit/specs/api.yaml", "notgit/specs"},
	}
	for _, c := range cases {
		r, err := newRefRoot("", filepath.Join(top, filepath.FromSlash(c.spec)))
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		if want := filepath.Join(top, filepath.FromSlash(c.want)); r.dir != want {
			t.Errorf("%s: root %s, want %s", c.spec, r.dir, want)
		}
	}

	t.Chdir(filepath.Join(top, "repo", "a"))
	r, err := newRefRoot("", stdinKey)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(top, "repo"); r.dir != want {
		t.Errorf("standard input: root %s, want %s", r.dir, want)
	}

	if _, err := newRefRoot(filepath.Join(top, "nowhere"), filepath.Join(top, "repo", "api.yaml")); err == nil || !strings.Contains(err.Error(), "reference root") {
		t.Errorf("a missing --ref-root: err %v, want one naming the reference root", err)
	}
	if _, err := Load(context.Background(), "-", Options{Stdin: strings.NewReader(refDefinition("../../etc/x.json")), RefRoot: filepath.Join(top, "repo", ".gitignore")}); err == nil {
		t.Error("a --ref-root that is a file: no error")
	}
}

// A definition read from standard input reads files in the current
// directory's root only.
func TestRefRootStdin(t *testing.T) {
	top := refLayout(t, map[string]string{"repo/.git/": "", "repo/common.yaml": "type: string\n", "out/secret.yaml": secretText})
	t.Chdir(filepath.Join(top, "repo"))
	for ref, outside := range map[string]bool{"common.yaml": false, "../out/secret.yaml": true} {
		d, err := Load(context.Background(), "-", Options{Stdin: strings.NewReader(refDefinition(ref))})
		if err != nil {
			t.Fatal(err)
		}
		got := false
		for _, p := range d.Problems {
			got = got || strings.Contains(p.Message, "outside the reference root")
		}
		if got != outside {
			t.Errorf("$ref %q from standard input: refused %v, want %v (%+v)", ref, got, outside, d.Problems)
		}
	}
}

// libopenapi reads $ref'd files through the root too: it never opens one
// outside. The file outside is a FIFO, which an open would block on.
func TestLibopenapiReadsOnlyInsideTheRoot(t *testing.T) {
	top := refLayout(t, map[string]string{"repo/.git/": "", "repo/api/": "", "out/": "",
		"repo/common.yaml": "type: object\nproperties:\n  a: {type: string}\n"})
	fifo := filepath.Join(top, "out", "pipe.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	spec := filepath.Join(top, "repo", "api", "spec.yaml")
	text := refDefinition("../common.yaml") + "        '201':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '" + fifo + "'}\n"
	must(t, os.WriteFile(spec, []byte(text), 0o644))
	root, err := newRefRoot("", spec)
	must(t, err)
	c := &confinedFS{root: root, base: filepath.Dir(spec)}
	done := make(chan error, 1)
	go func() {
		cfg := &datamodel.DocumentConfiguration{AllowFileReferences: true, BasePath: filepath.Dir(spec), SpecFilePath: "spec.yaml", LocalFS: c,
			Logger: Options{}.withDefaults().Logger}
		doc, err := libopenapi.NewDocumentWithConfiguration([]byte(text), cfg)
		if err == nil {
			_, err = doc.BuildV3Model()
		}
		done <- err
	}()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("libopenapi is blocked opening the FIFO outside the root")
	}
	var read []string
	for k := range c.GetFiles() {
		read = append(read, k)
	}
	if len(read) != 1 || read[0] != filepath.Join(top, "repo", "common.yaml") {
		t.Errorf("libopenapi read %v, want only repo/common.yaml", read)
	}
	if _, err := c.Open(fifo); err == nil || !strings.Contains(err.Error(), "outside the reference root") {
		t.Errorf("open outside: %v", err)
	}
	if _, err := c.Stat("../../out/pipe.yaml"); err == nil || !strings.Contains(err.Error(), "outside the reference root") {
		t.Errorf("stat outside: %v", err)
	}

	// And the whole load does not block either, nor name the FIFO as
	// anything but outside.
	d, err := Load(context.Background(), spec, Options{})
	must(t, err)
	for _, p := range d.Problems {
		if p.Code == "parser-timeout" || strings.Contains(p.Message, "not a regular file") {
			t.Errorf("problem %+v: the FIFO outside was looked at", p)
		}
	}
}
