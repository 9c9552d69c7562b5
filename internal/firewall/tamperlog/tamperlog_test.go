package tamperlog

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

type auditRec struct {
	Seq    int    `json:"seq"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Status int    `json:"status"`
}

func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

// buildLog writes n records with a checkpoint every `every` records and
// a final checkpoint, and returns the lines.
func buildLog(t testing.TB, priv ed25519.PrivateKey, n, every int) []string {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, State{}, Options{Key: priv, Every: every, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if err := w.Append(auditRec{Seq: i, Method: "GET", Path: fmt.Sprintf("/pets/%d", i), Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(strings.TrimSuffix(buf.String(), "\n"), "\n")
}

func verifyLines(t *testing.T, pub ed25519.PublicKey, lines []string) *Report {
	t.Helper()
	rep, err := Verify(strings.NewReader(strings.Join(lines, "")), pub)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// Line layout of buildLog(10, 4): the opening checkpoint at line 1,
// records 1-4 at lines 2-5, checkpoint at line 6, records 5-8 at lines
// 7-10, checkpoint line 11, records 9-10 at lines 12-13, final checkpoint
// line 14.
func TestVerify(t *testing.T) {
	pub, priv := newKey(t)
	otherPub, otherPriv := newKey(t)
	_ = otherPub
	base := buildLog(t, priv, 10, 4)
	if len(base) != 14 {
		t.Fatalf("layout changed: %d lines", len(base))
	}
	edit := func(f func(l []string) []string) []string {
		return f(append([]string(nil), base...))
	}
	alterField := func(line, from, to string) string {
		if !strings.Contains(line, from) {
			t.Fatalf("line %q has no %q", line, from)
		}
		return strings.Replace(line, from, to, 1)
	}
	tests := []struct {
		name      string
		lines     []string
		kind      string // "" = intact
		line      int
		seq       uint64
		uncovered int
		final     bool
	}{
		{"intact", base, "", 0, 0, 0, true},
		{"altered record mid-chain", edit(func(l []string) []string {
			l[2] = alterField(l[2], `"status":200`, `"status":403`)
			return l
		}), KindAltered, 3, 2, 0, false},
		// Nothing after record 4 links to it but the checkpoint, whose
		// hash could differ because of any of records 1-4 (see
		// TestVerifyChainMismatch): the problem is the checkpoint's, and
		// seq names the first of the records in doubt.
		{"altered record just before a checkpoint", edit(func(l []string) []string {
			l[4] = alterField(l[4], `/pets/4`, `/pets/9`)
			return l
		}), KindAltered, 6, 1, 0, false},
		{"altered last record (covered by final checkpoint)", edit(func(l []string) []string {
			l[12] = alterField(l[12], `/pets/10`, `/admin`)
			return l
		}), KindAltered, 14, 9, 0, false},
		{"altered first record's prev", edit(func(l []string) []string {
			l[1] = alterField(l[1], `"prev":"0`, `"prev":"1`)
			return l
		}), KindAltered, 2, 1, 0, false},
		{"removed record", edit(func(l []string) []string {
			return append(l[:7], l[8:]...) // record 6
		}), KindRemoved, 8, 6, 0, false},
		{"removed first record", edit(func(l []string) []string { return append(l[:1], l[2:]...) }), KindRemoved, 2, 1, 0, false},
		{"removed record before checkpoint", edit(func(l []string) []string {
			return append(l[:9], l[10:]...) // record 8, just before the checkpoint at seq 8
		}), KindRemoved, 10, 8, 0, false},
		{"swapped records", edit(func(l []string) []string {
			l[7], l[8] = l[8], l[7] // records 6 and 7
			return l
		}), KindReordered, 8, 6, 0, false},
		{"record moved far ahead", edit(func(l []string) []string {
			r := l[2]
			l = append(l[:2], l[3:]...)
			return append(l[:11], append([]string{r}, l[11:]...)...)
		}), KindReordered, 3, 2, 0, false},
		{"duplicated record", edit(func(l []string) []string {
			return append(l[:4], append([]string{l[3]}, l[4:]...)...)
		}), KindReordered, 5, 3, 0, false},
		{"altered checkpoint", edit(func(l []string) []string {
			l[5] = alterField(l[5], `"seq":4`, `"seq":3`)
			return l
		}), KindBadSignature, 6, 3, 0, false},
		{"checkpoint from another key", edit(func(l []string) []string {
			other := buildLog(t, otherPriv, 4, 4)
			l[5] = other[5]
			return l
		}), KindWrongKey, 6, 4, 0, false},
		{"inserted foreign line", edit(func(l []string) []string {
			return append(l[:3], append([]string{`{"method":"GET","path":"/x"}` + "\n"}, l[3:]...)...)
		}), KindMalformed, 4, 3, 0, false},
		// Checkpoint lines are outside the chain: only the signed
		// checkpoint and its signature may be on them.
		{"record smuggled into a checkpoint line", edit(func(l []string) []string {
			l[5] = alterField(l[5], `{"checkpoint":`, `{"rec":{"method":"DELETE","path":"/admin"},"checkpoint":`)
			return l
		}), KindMalformed, 6, 4, 0, false},
		{"unsigned field inside a checkpoint", edit(func(l []string) []string {
			l[10] = alterField(l[10], `{"checkpoint":{`, `{"checkpoint":{"note":"approved",`)
			return l
		}), KindMalformed, 11, 8, 0, false},
		{"checkpoint key in another case", edit(func(l []string) []string {
			l[13] = alterField(l[13], `{"checkpoint":`, `{"Checkpoint":`)
			return l
		}), KindMalformed, 14, 10, 0, false},
		{"garbage line", edit(func(l []string) []string {
			l[3] = "not json\n"
			return l
		}), KindMalformed, 4, 3, 0, false},
		{"cut mid-line", edit(func(l []string) []string {
			l[12] = l[12][:len(l[12])/2]
			return l[:13]
		}), KindTruncated, 13, 10, 0, false},
		{"cut after a record: trailing records uncovered", edit(func(l []string) []string { return l[:12] }), "", 0, 0, 1, false},
		{"final checkpoint removed", edit(func(l []string) []string { return l[:13] }), "", 0, 0, 2, false},
		// Each checkpoint names the one before it (for logs written
		// before that, see TestVerifyCheckpointLinks).
		{"middle checkpoint removed", edit(func(l []string) []string {
			return append(l[:5], l[6:]...)
		}), KindCheckpointRemoved, 10, 4, 0, false},
		// The same JSON value in other bytes verifies by its hash, but
		// hides from byte-level searches what the firewall wrote.
		{"a record re-spaced and re-ordered", edit(func(l []string) []string {
			var m map[string]any
			json.Unmarshal([]byte(l[2]), &m)
			b, _ := json.MarshalIndent(m, "", "")
			l[2] = strings.ReplaceAll(string(b), "\n", " ") + "\n"
			return l
		}), KindMalformed, 3, 2, 0, false},
		{"a record with an escaped letter", edit(func(l []string) []string {
			l[2] = alterField(l[2], `"/pets/2"`, `"/\u0070ets/2"`)
			return l
		}), KindMalformed, 3, 2, 0, false},
		{"a blank line between records", edit(func(l []string) []string {
			return append(l[:3], append([]string{"\n"}, l[3:]...)...)
		}), KindMalformed, 4, 3, 0, false},
		{"opening checkpoint removed", edit(func(l []string) []string { return l[1:] }), KindCheckpointRemoved, 5, 0, 0, false},
		// The writer signs a checkpoint when it opens a log: a log with
		// none was emptied or forged, never "intact with no records".
		{"empty log", nil, KindUnsigned, 1, 0, 0, false},
		{"only the opening checkpoint", base[:1], "", 0, 0, 0, false},
		{"every checkpoint removed", edit(func(l []string) []string {
			var recs []string
			for _, line := range l {
				if !strings.Contains(line, `"checkpoint"`) {
					recs = append(recs, line)
				}
			}
			return recs
		}), KindUnsigned, 1, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyLines(t, pub, tc.lines)
			if tc.kind == "" {
				if rep.Problem != nil {
					t.Fatalf("unexpected problem: %+v", rep.Problem)
				}
				if rep.Uncovered != tc.uncovered || rep.Final != tc.final {
					t.Fatalf("uncovered=%d final=%v, want %d %v", rep.Uncovered, rep.Final, tc.uncovered, tc.final)
				}
				return
			}
			p := rep.Problem
			if p == nil {
				t.Fatalf("tampering not detected (report %+v)", rep)
			}
			if p.Kind != tc.kind || p.Line != tc.line || p.Seq != tc.seq {
				t.Fatalf("problem %s at line %d seq %d (%s), want %s at line %d seq %d", p.Kind, p.Line, p.Seq, p.Message, tc.kind, tc.line, tc.seq)
			}
		})
	}
}

func TestVerifyCounts(t *testing.T) {
	pub, priv := newKey(t)
	rep := verifyLines(t, pub, buildLog(t, priv, 10, 4))
	if rep.Records != 10 || rep.Checkpoints != 4 || rep.LastSeq != 10 || rep.CoveredSeq != 10 || rep.Uncovered != 0 || !rep.Final {
		t.Fatalf("report %+v", rep)
	}
	other, _ := newKey(t)
	rep = verifyLines(t, other, buildLog(t, priv, 3, 100))
	if rep.Problem == nil || rep.Problem.Kind != KindWrongKey {
		t.Fatalf("verification with the wrong public key: %+v", rep.Problem)
	}
}

// TestWriterAsLineSink feeds the Writer the way a buffered JSON-lines
// writer does: several records per call, lines split across calls.
func TestWriterAsLineSink(t *testing.T) {
	pub, priv := newKey(t)
	var buf bytes.Buffer
	w, _ := NewWriter(&buf, State{}, Options{Key: priv, Every: 3, Interval: -1})
	stream := `{"a":1}` + "\n" + `{"a":2}` + "\n\n" + `{"a":3,"b":"x`
	for _, chunk := range []string{stream[:5], stream[5:17], stream[17:]} {
		if _, err := w.Write([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
	}
	w.Write([]byte(`"}` + "\n"))
	if _, err := w.Write([]byte("{bad\n")); err == nil {
		t.Fatal("invalid JSON line accepted")
	}
	w.Write([]byte(`{"a":4}`)) // last line without newline: chained on Close
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rep, _ := Verify(&buf, pub)
	if !rep.OK() || rep.Records != 4 || !rep.Final {
		t.Fatalf("report %+v %+v", rep, rep.Problem)
	}
}

func TestOpenFileContinuesChain(t *testing.T) {
	pub, priv := newKey(t)
	path := filepath.Join(t.TempDir(), "audit.log")
	for run := 0; run < 3; run++ {
		w, err := OpenFile(path, Options{Key: priv, Interval: -1})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			w.Append(map[string]int{"run": run, "i": i})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode %v, want 0600", fi.Mode().Perm())
	}
	f, _ := os.Open(path)
	defer f.Close()
	rep, _ := Verify(f, pub)
	// One opening and one final checkpoint per run.
	if !rep.OK() || rep.Records != 15 || rep.LastSeq != 15 || rep.Checkpoints != 6 {
		t.Fatalf("report %+v %+v", rep, rep.Problem)
	}
}

func TestTimedCheckpoint(t *testing.T) {
	pub, priv := newKey(t)
	var mu sync.Mutex
	var buf bytes.Buffer
	w, _ := NewWriter(lockedWriter{&mu, &buf}, State{}, Options{Key: priv, Every: 1000, Interval: 20 * time.Millisecond})
	defer w.Close()
	w.Append(map[string]string{"x": "y"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		rep, _ := Verify(bytes.NewReader(buf.Bytes()), pub)
		mu.Unlock()
		// The opening checkpoint, then the timed one.
		if rep.Checkpoints == 2 && rep.Uncovered == 0 && !rep.Final {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no timed checkpoint: %+v", rep)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "k"), filepath.Join(dir, "k.pub")
	id, err := GenerateKeyFiles(priv, pub, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKeyFiles(priv, pub, false); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("overwrote an existing key: %v", err)
	}
	if fi, _ := os.Stat(priv); fi.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v", fi.Mode().Perm())
	}
	sk, err := LoadPrivateKeyFile(priv)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := LoadPublicKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	if KeyID(pk) != id || !pk.Equal(sk.Public()) {
		t.Fatal("key pair does not match")
	}
	if _, err := LoadPublicKeyFile(priv); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("private key accepted as public: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "junk"), []byte("hello"), 0o600)
	if _, err := LoadPublicKeyFile(filepath.Join(dir, "junk")); err == nil {
		t.Fatal("junk accepted")
	}
	// --force over a file anyone may read: the new private key must not
	// inherit that mode.
	shared := filepath.Join(dir, "shared")
	if err := os.WriteFile(shared, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKeyFiles(shared, filepath.Join(dir, "shared.pub"), true); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(shared); fi.Mode().Perm() != 0o600 {
		t.Errorf("private key written over a %v file kept mode %v", os.FileMode(0o644), fi.Mode().Perm())
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, ""},
		{Config{Enabled: true, SigningKey: "k"}, ""},
		{Config{Enabled: true}, "signing_key"},
		{Config{CheckpointEvery: -1}, "checkpoint_every"},
		{Config{CheckpointInterval: -time.Second}, "checkpoint_interval"},
	} {
		err := tc.cfg.Validate()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func BenchmarkAppend(b *testing.B) {
	_, priv := newKey(b)
	w, _ := NewWriter(discard{}, State{}, Options{Key: priv, Interval: -1})
	rec := []byte(`{"seq":1,"time":"2025-01-01T00:00:00Z","request_id":"abc","client":"198.51.100.7","method":"GET","path":"/pets/1","status":200,"decision":"allowed","latency_ms":1.2,"request_bytes":0,"response_bytes":120,"upstream":true}`)
	b.ReportAllocs()
	for b.Loop() {
		if err := w.AppendJSON(rec); err != nil {
			b.Fatal(err)
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// TestScanStateBoundsLines: reopening a log reads it to find where the
// chain stands; a line far longer than any record (inserted, or a crash
// leaving a long run without a newline) is skipped without being held
// whole, so what reading it costs does not grow with its length, and the
// chain continues from the last record before it.
func TestScanStateBoundsLines(t *testing.T) {
	_, priv := newKey(t)
	lines := buildLog(t, priv, 3, 100)
	scan := func(long int64) uint64 {
		in := io.MultiReader(strings.NewReader(strings.Join(lines[:3], "")), io.LimitReader(repeatReader('x'), long), strings.NewReader("\n"+lines[3]+"\n"))
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		st, clean, err := ScanState(in)
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		if st.Seq != 3 || !clean {
			t.Fatalf("state seq %d clean %v, want 3 true", st.Seq, clean)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	short, long := scan(2*MaxLine), scan(6*MaxLine)
	if long > short+MaxLine {
		t.Fatalf("a line of %d bytes cost %d bytes of allocation, one of %d bytes %d", 2*MaxLine, short, 6*MaxLine, long)
	}
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// A chain needs no key to extend: someone who can write the file after
// the firewall stopped can append records whose prev links are right. A
// restarted writer signs an opening checkpoint before its first record,
// so a record straight after a final checkpoint is refused.
func TestVerifyAppendedAfterFinal(t *testing.T) {
	pub, priv := newKey(t)
	base := buildLog(t, priv, 3, 100)
	st, _, err := ScanState(strings.NewReader(strings.Join(base, "")))
	if err != nil {
		t.Fatal(err)
	}
	// The forger's writer: any key will do for the chain; only its record
	// line is kept, not its (wrongly signed) opening checkpoint.
	_, otherPriv := newKey(t)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, st, Options{Key: otherPriv, Every: 100, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(auditRec{Seq: 4, Method: "DELETE", Path: "/pets/1", Status: 204}); err != nil {
		t.Fatal(err)
	}
	forged := strings.SplitAfter(buf.String(), "\n")[1]
	if !strings.Contains(forged, `"seq":4`) {
		t.Fatalf("not a record line: %q", forged)
	}
	// buildLog's last line has no newline; the file the forger appends to
	// has one.
	lines := append(append([]string(nil), base[:len(base)-1]...), base[len(base)-1]+"\n", forged)
	rep := verifyLines(t, pub, lines)
	if rep.Problem == nil || rep.Problem.Kind != KindAppended || rep.Problem.Line != len(base)+1 || rep.Problem.Seq != 4 {
		t.Fatalf("appended record not detected: %+v", rep.Problem)
	}

	// A real restart continues the same chain after its opening
	// checkpoint and is intact.
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(strings.Join(base, "")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rw, err := OpenFile(path, Options{Key: priv, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Append(auditRec{Seq: 4, Method: "GET", Path: "/pets/4", Status: 200}); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	data, _ := os.ReadFile(path)
	if rep, _ := Verify(bytes.NewReader(data), pub); !rep.OK() || rep.Records != 4 || !rep.Final {
		t.Fatalf("restarted log: %+v %+v", rep, rep.Problem)
	}
}

// crash abandons a writer the way a killed process does: no final
// checkpoint, the file just closed.
func crash(t *testing.T, w *Writer) {
	t.Helper()
	if err := w.closer.Close(); err != nil {
		t.Fatal(err)
	}
}

func appendRaw(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

func verifyFile(t *testing.T, pub ed25519.PublicKey, path string) *Report {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(bytes.NewReader(data), pub)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// forgedNext returns a record line that extends the chain of the log at
// path: a chain needs no key to extend.
func forgedNext(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _, err := ScanState(f)
	if err != nil {
		t.Fatal(err)
	}
	_, anyKey := newKey(t)
	var buf bytes.Buffer
	w, err := NewWriter(&buf, st, Options{Key: anyKey, Every: 100, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Append(auditRec{Method: "DELETE", Path: "/pets/1", Status: 204}); err != nil {
		t.Fatal(err)
	}
	return strings.SplitAfter(buf.String(), "\n")[1]
}

// A run that ends without a final checkpoint (killed, power cut) leaves
// records after its last checkpoint and possibly a line cut mid-write.
// The restarted writer signs what it found; Verify accepts the log and
// names what was signed only at the restart, instead of failing it
// forever (a cut line) or passing it silently (records nobody attested,
// which could have been appended before the restart).
func TestRestartAfterCrash(t *testing.T) {
	pub, priv := newKey(t)
	opts := Options{Key: priv, Every: 100, Interval: -1}
	type run struct {
		records    int
		checkpoint bool   // checkpoint everything before the end
		end        string // "close", "crash", "crash-torn", "crash-forged"
	}
	cases := []struct {
		name        string
		runs        []run
		tamper      func(t *testing.T, path string)
		wantRecords int
		want        []Restart
		wantProblem string
		wantLine    int
	}{
		{name: "clean restarts", runs: []run{{3, false, "close"}, {2, false, "close"}, {1, false, "close"}}, wantRecords: 6},
		// Layout: open cp (1), records 1-3 (2-4), [crash], open cp (5),
		// record 4 (6), final (7).
		{name: "crash leaves records unattested", runs: []run{{3, false, "crash"}, {1, false, "close"}}, wantRecords: 4,
			want: []Restart{{Line: 5, FromSeq: 1, ToSeq: 3}}},
		{name: "crash after a checkpoint leaves nothing unattested", runs: []run{{3, true, "crash"}, {1, false, "close"}}, wantRecords: 4,
			want: []Restart{{Line: 6}}},
		// Layout: open cp (1), records 1-3 (2-4), cp (5), cut line (6),
		// open cp (7), record 4 (8), final (9).
		{name: "crash cuts a line", runs: []run{{3, true, "crash-torn"}, {1, false, "close"}}, wantRecords: 4,
			want: []Restart{{Line: 7, TornLine: 6}}},
		{name: "two crashes", runs: []run{{2, false, "crash"}, {2, true, "crash-torn"}, {1, false, "close"}}, wantRecords: 5,
			want: []Restart{{Line: 4, FromSeq: 1, ToSeq: 2}, {Line: 9, TornLine: 8}}},
		// Records appended between the crash and the restart cannot be
		// told from the crashed run's own, but are named as signed only
		// at the restart.
		{name: "record appended before the restart", runs: []run{{3, true, "crash-forged"}, {1, false, "close"}}, wantRecords: 5,
			want: []Restart{{Line: 7, FromSeq: 4, ToSeq: 4}}},
		{name: "cut line rewritten after the restart", runs: []run{{3, true, "crash-torn"}, {1, false, "close"}},
			tamper: func(t *testing.T, path string) {
				data, _ := os.ReadFile(path)
				lines := bytes.SplitAfter(data, []byte("\n"))
				if !bytes.HasPrefix(lines[5], []byte(`{"prev":"ab12`)) {
					t.Fatalf("line 6 is not the cut line: %q", lines[5])
				}
				lines[5] = []byte(`{"prev":"ab13` + "\n")
				os.WriteFile(path, bytes.Join(lines, nil), 0o600)
			},
			wantProblem: KindMalformed, wantLine: 6},
		{name: "foreign line before a timed checkpoint", runs: []run{{3, false, "close"}},
			tamper: func(t *testing.T, path string) {
				data, _ := os.ReadFile(path)
				lines := bytes.SplitAfter(data, []byte("\n"))
				lines = append(lines[:4:4], append([][]byte{[]byte("{\"note\":\"hello\"}\n")}, lines[4:]...)...)
				os.WriteFile(path, bytes.Join(lines, nil), 0o600)
			},
			wantProblem: KindMalformed, wantLine: 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			seq := 0
			for i, r := range tc.runs {
				w, err := OpenFile(path, opts)
				if err != nil {
					t.Fatal(err)
				}
				if got := w.Opened().Crashed(); got != (i > 0 && tc.runs[i-1].end != "close") {
					t.Fatalf("run %d: Opened().Crashed() = %v", i, got)
				}
				for j := 0; j < r.records; j++ {
					seq++
					if err := w.Append(auditRec{Seq: seq, Method: "GET", Path: "/pets", Status: 200}); err != nil {
						t.Fatal(err)
					}
				}
				if r.checkpoint {
					if err := w.Checkpoint(); err != nil {
						t.Fatal(err)
					}
				}
				switch r.end {
				case "close":
					if err := w.Close(); err != nil {
						t.Fatal(err)
					}
				case "crash":
					crash(t, w)
				case "crash-torn":
					crash(t, w)
					appendRaw(t, path, `{"prev":"ab12`)
				case "crash-forged":
					crash(t, w)
					appendRaw(t, path, forgedNext(t, path))
					seq++
				}
			}
			if tc.tamper != nil {
				tc.tamper(t, path)
			}
			rep := verifyFile(t, pub, path)
			if tc.wantProblem != "" {
				if rep.Problem == nil || rep.Problem.Kind != tc.wantProblem || rep.Problem.Line != tc.wantLine {
					t.Fatalf("problem %+v, want %s at line %d", rep.Problem, tc.wantProblem, tc.wantLine)
				}
				return
			}
			if !rep.OK() || rep.Records != tc.wantRecords || !rep.Final {
				t.Fatalf("report %+v problem %+v", rep, rep.Problem)
			}
			if fmt.Sprint(rep.Restarts) != fmt.Sprint(tc.want) {
				t.Fatalf("restarts %+v, want %+v", rep.Restarts, tc.want)
			}
		})
	}
}

// A log rotator moves the file away and the writer reopens the path: the
// old file ends with a final checkpoint, the new one starts from the
// chain's state with a signed rotation checkpoint, each verifies on its
// own, and Continues links them (or says what is missing between).
func TestReopenAfterRotation(t *testing.T) {
	pub, priv := newKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	w, err := OpenFile(path, Options{Key: priv, Every: 100, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	add := func(n int) {
		for i := 0; i < n; i++ {
			if err := w.Append(auditRec{Method: "GET", Path: "/pets", Status: 200}); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(3)
	// Reopening while the path still names the file in use changes
	// nothing.
	if err := w.Reopen(); err != nil {
		t.Fatal(err)
	}
	add(1)
	rotate := func(name string) {
		if err := os.Rename(path, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		if err := w.Reopen(); err != nil {
			t.Fatal(err)
		}
	}
	rotate("audit.log.3")
	add(2)
	rotate("audit.log.2")
	// No traffic before the next rotation: a file holding only its
	// rotation checkpoint and the final one.
	rotate("audit.log.1")
	add(1)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// A restart on the current file continues from its rotation start.
	w, err = OpenFile(path, Options{Key: priv, Every: 100, Interval: -1})
	if err != nil {
		t.Fatal(err)
	}
	add(2)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	files := []string{"audit.log.3", "audit.log.2", "audit.log.1", "audit.log"}
	want := []struct{ start, last uint64 }{{0, 4}, {4, 6}, {6, 6}, {6, 9}}
	reps := make([]*Report, len(files))
	for i, name := range files {
		rep := verifyFile(t, pub, filepath.Join(dir, name))
		if !rep.OK() || !rep.Final || rep.StartSeq != want[i].start || rep.LastSeq != want[i].last || len(rep.Restarts) != 0 {
			t.Fatalf("%s: %+v problem %+v", name, rep, rep.Problem)
		}
		reps[i] = rep
		if i > 0 {
			if p := Continues(reps[i-1], rep); p != nil {
				t.Fatalf("%s does not continue %s: %v", name, files[i-1], p)
			}
		}
	}
	if reps[0].Checkpoints != 2 {
		t.Errorf("a reopen of the same file wrote checkpoints: %d, want the opening and the final one", reps[0].Checkpoints)
	}

	cases := []struct {
		name       string
		prev, next *Report
		kind       string
	}{
		{"a file missing between", reps[0], reps[2], KindRemoved},
		{"files out of order", reps[1], reps[0], KindUnlinked},
		{"files swapped", reps[3], reps[1], KindReordered},
		{"chain hash differs", reps[1], &Report{StartSeq: reps[2].StartSeq, StartHash: strings.Repeat("0", 64)}, KindAltered},
	}
	for _, tc := range cases {
		if p := Continues(tc.prev, tc.next); p == nil || p.Kind != tc.kind {
			t.Errorf("%s: %+v, want %s", tc.name, p, tc.kind)
		}
	}

	// The rotation checkpoint is what lets a file start mid-chain: a
	// file whose first lines were cut (even up to a later checkpoint)
	// still fails.
	data, _ := os.ReadFile(filepath.Join(dir, "audit.log"))
	lines := strings.SplitAfter(string(data), "\n")
	for cut := 1; cut < 4; cut++ {
		rep := verifyLines(t, pub, lines[cut:])
		if rep.OK() {
			t.Errorf("first %d lines of a rotated file removed: verified intact", cut)
		}
	}
}
