package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reviewSpec is a money-transfer API anyone can call over plain http://.
const reviewSpec = `openapi: 3.0.3
info: {title: Transfers, version: "1"}
servers: [{url: "http://api.bank.example"}]
paths:
  /transfers:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                amount: {type: integer, format: int64, minimum: 1, maximum: 1000000}
      responses:
        "201": {description: created}
        "400": {description: bad}
        "429":
          description: slow down
          headers:
            Retry-After: {schema: {type: integer, format: int32, minimum: 0, maximum: 3600}}
        default: {description: error}
`

// The suggested gate (--min-score 70) fails it, saying why the score is
// what it is.
func TestAuditGateNamesTheScoreCap(t *testing.T) {
	spec := auditWriteFile(t, t.TempDir(), "api.yaml", reviewSpec)
	code, _, stderr := auditRunCLI(t, "audit", spec, "--min-score", "70")
	if code != 1 || !strings.Contains(stderr, "capped at 40 while a critical finding remains") {
		t.Fatalf("exit %d, stderr %q: want 1 and the cap named", code, stderr)
	}
}

// A wildcard suppression no longer hides a critical finding, and the
// high ones it hides are announced on standard error.
func TestAuditWildcardSuppression(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", strings.Replace(reviewSpec, "info:", "x-rampart-ignore: {\"*\": accepted risk}\ninfo:", 1))
	code, stdout, stderr := auditRunCLI(t, "audit", spec, "--fail-on", "critical")
	if code != 1 || !strings.Contains(stdout, "CRITICAL  sec-no-security") {
		t.Errorf("exit %d: want 1 with the critical finding left\n%s", code, stdout)
	}
	if !strings.Contains(stderr, "warning") || !strings.Contains(stderr, "suppresses 1 high finding(s)") {
		t.Errorf("stderr %q: want a warning naming the suppressed high finding", stderr)
	}
	// A configuration forbidding inline suppressions keeps them all.
	cfg := auditWriteFile(t, dir, "policy.yaml", "audit:\n  inline-ignores: deny\n  fail-on: high\n")
	code, stdout, stderr = auditRunCLI(t, "audit", spec, "--config", cfg)
	if code != 1 || strings.Contains(stdout, "-- suppressed") || !strings.Contains(stdout, "HIGH      tls-http-server") ||
		!strings.Contains(stdout, "inline-ignores: deny") || strings.Contains(stderr, "warning") {
		t.Errorf("inline-ignores: deny: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// --baseline takes only a rampart JSON report: a SARIF file is a usage
// error, not an empty baseline under which every finding is new.
func TestAuditBaselineRefusesSARIF(t *testing.T) {
	dir := t.TempDir()
	spec := auditWriteFile(t, dir, "api.yaml", reviewSpec)
	sarif := filepath.Join(dir, "r.sarif")
	if code, _, stderr := auditRunCLI(t, "audit", spec, "--format", "sarif", "-o", sarif); code != 0 {
		t.Fatalf("writing SARIF: exit %d %s", code, stderr)
	}
	code, _, stderr := auditRunCLI(t, "audit", spec, "--baseline", sarif, "--fail-on", "high")
	if code != 2 || !strings.Contains(stderr, "not a rampart JSON report") {
		t.Errorf("exit %d, stderr %q: want 2, not a rampart JSON report", code, stderr)
	}
}

// Loader limits of 0 or less read as "the default" in the loader: on the
// command line they are refused.
func TestAuditRefusesMeaninglessLimits(t *testing.T) {
	spec := auditWriteFile(t, t.TempDir(), "api.yaml", reviewSpec)
	for _, tc := range []struct{ flag, value, want string }{
		{"--max-file-size", "-5", "--max-file-size -5"},
		{"--max-file-size", "0", "at least 1 byte"},
		{"--max-depth", "0", "--max-depth 0"},
		{"--max-depth", "-1", "at least 1"},
	} {
		code, _, stderr := auditRunCLI(t, "audit", spec, tc.flag, tc.value)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s %s: exit %d, stderr %q; want 2 and %q", tc.flag, tc.value, code, stderr, tc.want)
		}
	}
	if code, _, stderr := auditRunCLI(t, "audit", spec, "--max-file-size", "100000", "--max-depth", "64"); code != 0 {
		t.Errorf("valid limits: exit %d %s", code, stderr)
	}
}

// A definition that cannot be loaded does not lose the others' report:
// it is written for those, the command exits 2 naming the one that failed.
func TestAuditReportsWhatLoaded(t *testing.T) {
	dir := t.TempDir()
	good := auditWriteFile(t, dir, "good.yaml", reviewSpec)
	bad := auditWriteFile(t, dir, "bad.yaml", "garbage\n")
	out := filepath.Join(dir, "r.txt")
	code, _, stderr := auditRunCLI(t, "audit", good, bad, "-o", out)
	if code != 2 || !strings.Contains(stderr, "bad.yaml") || !strings.Contains(stderr, "not audited") {
		t.Errorf("exit %d, stderr %q: want 2 naming bad.yaml", code, stderr)
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report for the definition that loaded: %v", err)
	}
	if !strings.Contains(string(text), "sec-no-security") || !strings.Contains(string(text), "good.yaml") {
		t.Errorf("report lacks good.yaml's findings:\n%s", text)
	}
	// Nothing loaded: nothing written, exit 2 as before.
	none := filepath.Join(dir, "none.txt")
	if code, _, _ := auditRunCLI(t, "audit", bad, "-o", none); code != 2 {
		t.Errorf("only a bad file: exit %d", code)
	}
	if _, err := os.Stat(none); err == nil {
		t.Errorf("a report was written with nothing audited")
	}
}
