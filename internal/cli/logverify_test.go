package cli

import (
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/tamperlog"
)

// TestLogKeygenAndVerify goes through what an operator does: create keys,
// let the firewall write a log, verify it, then find tampering.
func TestLogKeygenAndVerify(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
	code, out, errOut := run(t, "", "log", "keygen", "--private", priv, "--public", pub)
	if code != ExitOK || !strings.Contains(out, "key id") {
		t.Fatalf("keygen: %d %q %q", code, out, errOut)
	}
	if code, _, errOut = run(t, "", "log", "keygen", "--private", priv, "--public", pub); code != ExitUsage || !strings.Contains(errOut, "already exists") {
		t.Fatalf("keygen over existing keys: %d %q", code, errOut)
	}

	logPath := filepath.Join(dir, "audit.log")
	key := writeSignedLog(t, priv, logPath, 5)
	data, _ := os.ReadFile(logPath)
	lines := strings.SplitAfter(strings.TrimSuffix(string(data), "\n"), "\n")

	tampered := filepath.Join(dir, "tampered.log")
	os.WriteFile(tampered, []byte(strings.Replace(string(data), `"status":200`, `"status":500`, 1)), 0o600)
	uncovered := filepath.Join(dir, "uncovered.log")
	os.WriteFile(uncovered, []byte(strings.Join(lines[:len(lines)-1], "")), 0o600)
	// A line no writer produces, too long to read whole, after the first
	// two records: tampering at line 3, not an unreadable file.
	huge := filepath.Join(dir, "huge.log")
	os.WriteFile(huge, []byte(strings.Join(lines[:2], "")+strings.Repeat("x", tamperlog.MaxLine+1)+"\n"+strings.Join(lines[2:], "")), 0o600)
	// A crash: the firewall killed after three records (the third not
	// yet checkpointed), one line cut
	// mid-write, then restarted and stopped cleanly.
	crashed := filepath.Join(dir, "crashed.log")
	os.WriteFile(crashed, []byte(lines[0]+lines[1]+lines[2]+lines[3]+lines[4]+`{"prev":"0a`), 0o600)
	cw, err := tamperlog.OpenFile(crashed, tamperlog.Options{Key: key, Every: 100, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	cw.Append(map[string]any{"method": "GET", "path": "/pets", "status": 200})
	cw.Close()
	// Records 3-5, signed and closed by a final checkpoint, removed by
	// cutting the file back to the checkpoint after record 2; the next
	// start signs the cut log as one found after a crash.
	cut := filepath.Join(dir, "cut.log")
	os.WriteFile(cut, []byte(strings.Join(lines[:4], "")), 0o600)
	if !strings.Contains(lines[3], `"checkpoint"`) {
		t.Fatalf("line 4 is not a checkpoint: %s", lines[3])
	}
	rw, err := tamperlog.OpenFile(cut, tamperlog.Options{Key: key, Every: 100, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	rw.Close()
	empty := filepath.Join(dir, "empty.log")
	os.WriteFile(empty, nil, 0o600)
	otherPriv, otherPub := filepath.Join(dir, "o.key"), filepath.Join(dir, "o.pub")
	run(t, "", "log", "keygen", "--private", otherPriv, "--public", otherPub)

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"intact", []string{logPath, "--key", pub}, ExitOK, "intact"},
		{"altered", []string{tampered, "--key", pub}, ExitFailed, "altered at line 2"},
		{"empty log", []string{empty, "--key", pub}, ExitFailed, "the log is empty"},
		{"uncovered trailing records warn", []string{uncovered, "--key", pub}, ExitOK, "1 trailing records are not covered"},
		{"uncovered trailing records fail when required", []string{uncovered, "--key", pub, "--require-covered"}, ExitFailed, "not covered"},
		{"no final checkpoint fails when required", []string{uncovered, "--key", pub, "--require-final"}, ExitFailed, "final checkpoint"},
		{"other key", []string{logPath, "--key", otherPub}, ExitFailed, "wrong-key"},
		{"restart after a crash", []string{crashed, "--key", pub}, ExitOK, "record 3, written after that run's last checkpoint, was signed only at the restart; line 6 is a write the crash cut"},
		{"restart after a crash fails when attestation is required", []string{crashed, "--key", pub, "--require-attested"}, ExitFailed, "1 records were signed only at a restart"},
		{"clean restarts pass when attestation is required", []string{logPath, "--key", pub, "--require-attested"}, ExitOK, "intact"},
		{"a log cut back to a checkpoint and restarted reads like a crash", []string{cut, "--key", pub}, ExitOK, "or the log cut back to one of that run's checkpoints"},
		{"a log cut back to a checkpoint fails when attestation is required", []string{cut, "--key", pub, "--require-attested"}, ExitFailed, "a run ended without a final checkpoint before the restart at line 5"},
		{"over-long inserted line", []string{huge, "--key", pub}, ExitFailed, "malformed at line 3"},
		{"private key given as --key", []string{logPath, "--key", priv}, ExitUsage, "private key"},
		{"missing --key", []string{logPath}, ExitUsage, "--key"},
		{"missing file", []string{filepath.Join(dir, "nope.log"), "--key", pub}, ExitUsage, "no such file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := run(t, "", append([]string{"log", "verify"}, tc.args...)...)
			if code != tc.code || !strings.Contains(out+errOut, tc.want) {
				t.Fatalf("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant mention of %q", code, tc.code, out, errOut, tc.want)
			}
		})
	}

	code, out, _ = run(t, "", "log", "verify", tampered, "--key", pub, "--format", "json")
	var rep tamperlog.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != ExitFailed || rep.Problem == nil || rep.Problem.Kind != tamperlog.KindAltered {
		t.Fatalf("json: %d %v %s", code, err, out)
	}
}

// writeSignedLog writes n audit records to logPath, signed with the
// private key file priv, with a checkpoint every two records, and returns
// the key.
func writeSignedLog(t *testing.T, priv, logPath string, n int) ed25519.PrivateKey {
	t.Helper()
	key, err := tamperlog.LoadPrivateKeyFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	w, err := tamperlog.OpenFile(logPath, tamperlog.Options{Key: key, Every: 2, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		w.Append(map[string]any{"method": "GET", "path": "/pets", "status": 200, "i": i})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return key
}
