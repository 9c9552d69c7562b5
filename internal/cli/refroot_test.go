package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRefOutsideTheRootReachesNoReport: a definition whose $refs name a
// file outside its repository (an absolute path, a ../ climbing out) gets
// a struct-unresolved-ref finding for each, and no report holds any part
// of that file: in CI the definition is what a pull request makes it, and
// the SARIF goes to code-scanning alerts. --ref-root widens the root, on
// every command that reads a definition.
func TestRefOutsideTheRootReachesNoReport(t *testing.T) {
	top := t.TempDir()
	// A credential (which reports may redact) and plain text (which they
	// quote as it is): neither may appear.
	secret := []string{"db_password", "hunter2secretvalue", "upstream_host", "build-runner-7f3a9c.internal"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(top, "repo", ".git"), 0o755))
	must(os.MkdirAll(filepath.Join(top, "out"), 0o755))
	outside := writeFile(t, filepath.Join(top, "out"), "secret.yaml",
		[]byte(secret[0]+": "+secret[1]+"\n"+secret[2]+": "+secret[3]+"\n"))
	spec := writeFile(t, filepath.Join(top, "repo"), "api.yaml", []byte(`openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters:
        - $ref: "`+filepath.ToSlash(outside)+`"
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "../out/secret.yaml"}
`))
	for _, format := range []string{"sarif", "html", "json", "text"} {
		code, out, errs := run(t, "", "audit", spec, "--format", format)
		if code != ExitOK {
			t.Fatalf("%s: exit %d, stderr %s", format, code, errs)
		}
		for _, s := range secret {
			if strings.Contains(out, s) || strings.Contains(errs, s) {
				t.Errorf("%s report holds %q from the file outside the root", format, s)
			}
		}
		if format == "sarif" && (strings.Count(out, "is outside the reference root") < 2 || !strings.Contains(out, "struct-unresolved-ref")) {
			t.Errorf("sarif report: the two $refs are not reported as outside the root:\n%s", out)
		}
	}

	// Widened, the file is read (and its lines quoted, as any file's).
	code, out, errs := run(t, "", "audit", spec, "--format", "sarif", "--ref-root", top)
	if code != ExitOK || !strings.Contains(out, secret[2]) || strings.Contains(out, "outside the reference root") {
		t.Errorf("--ref-root %s: exit %d, file read %v, stderr %s", top, code, strings.Contains(out, secret[2]), errs)
	}
	if code, _, errs := run(t, "", "audit", spec, "--ref-root", filepath.Join(top, "missing")); code != ExitUsage || !strings.Contains(errs, "reference root") {
		t.Errorf("a missing --ref-root: exit %d, stderr %s", code, errs)
	}
	for _, cmd := range []string{"audit", "scan", "protect"} {
		if _, out, _ := run(t, "", cmd, "--help"); !strings.Contains(out, "--ref-root") {
			t.Errorf("rampart %s has no --ref-root", cmd)
		}
	}
}
