package tamperlog

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tickingClock returns a clock that moves one second forward at each
// reading, so that checkpoints written in a row have distinct times.
func tickingClock() func() time.Time {
	t := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		t = t.Add(time.Second)
		return t
	}
}

// writeRuns writes a log at path by successive writers, each appending
// the given number of records and stopping cleanly, and returns its
// lines (each with its newline).
func writeRuns(t *testing.T, priv ed25519.PrivateKey, path string, every int, runs ...int) []string {
	t.Helper()
	now := tickingClock()
	for _, n := range runs {
		w, err := OpenFile(path, Options{Key: priv, Every: every, Interval: -1, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := w.Append(auditRec{Method: "GET", Path: "/pets", Status: 200}); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return readLines(t, path)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// resign rewrites a checkpoint line, signed again with priv: what only
// the key holder can do, used to make lines a writer could have written.
func resign(t *testing.T, priv ed25519.PrivateKey, line string, change func(*Checkpoint)) string {
	t.Helper()
	var cl checkpointLine
	if err := json.Unmarshal([]byte(line), &cl); err != nil || cl.Sig == "" {
		t.Fatalf("not a checkpoint line: %q", line)
	}
	change(&cl.Checkpoint)
	out, err := signCheckpoint(priv, cl.Checkpoint)
	if err != nil {
		t.Fatal(err)
	}
	return string(out) + "\n"
}

// unlinked returns the log as a writer from before linked checkpoints
// wrote it: the same lines, without prev_checkpoint.
func unlinked(t *testing.T, priv ed25519.PrivateKey, lines []string) []string {
	t.Helper()
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l
		if strings.HasPrefix(l, `{"checkpoint":`) {
			if !strings.Contains(l, `"prev_checkpoint":`) {
				t.Fatalf("line %d has no link: %q", i+1, l)
			}
			out[i] = resign(t, priv, l, func(cp *Checkpoint) { cp.PrevCheckpoint = nil })
		}
	}
	return out
}

// forgedAfter returns a record line that extends the chain of lines.
func forgedAfter(t *testing.T, lines []string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "forger.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	return forgedNext(t, path)
}

func without(lines []string, idx ...int) []string {
	var out []string
	for i, l := range lines {
		drop := false
		for _, j := range idx {
			drop = drop || i == j
		}
		if !drop {
			out = append(out, l)
		}
	}
	return out
}

type wantProblem struct {
	kind string // "" = intact
	line int
	seq  uint64
}

func checkProblem(t *testing.T, rep *Report, want wantProblem) {
	t.Helper()
	p := rep.Problem
	switch {
	case want.kind == "" && p != nil:
		t.Fatalf("unexpected problem: %+v", p)
	case want.kind == "":
		return
	case p == nil:
		t.Fatalf("not detected (report %+v)", rep)
	case p.Kind != want.kind || p.Line != want.line || p.Seq != want.seq:
		t.Fatalf("problem %s at line %d seq %d (%s), want %s at line %d seq %d", p.Kind, p.Line, p.Seq, p.Message, want.kind, want.line, want.seq)
	}
}

// A checkpoint is not part of the record chain, so deleting one used to
// lower coverage only. Each checkpoint now names the one before it, and a
// checkpoint deleted anywhere (also the opening one, or the final one
// before a restart) is found at the next. Logs whose checkpoints carry no
// link verify as they always did.
func TestVerifyCheckpointLinks(t *testing.T) {
	pub, priv := newKey(t)
	// Layout: open cp (1), records 1-4 (2-5), cp (6), records 5-8
	// (7-10), cp (11), records 9-10 (12-13), final (14), open cp (15),
	// record 11 (16), final (17).
	base := writeRuns(t, priv, filepath.Join(t.TempDir(), "audit.log"), 4, 10, 1)
	if len(base) != 17 {
		t.Fatalf("layout changed: %d lines", len(base))
	}
	tests := []struct {
		name   string
		lines  []string
		linked wantProblem
	}{
		{"intact", base, wantProblem{}},
		{"middle checkpoint removed", without(base, 5), wantProblem{KindCheckpointRemoved, 10, 4}},
		{"two checkpoints in a row removed", without(base, 5, 10), wantProblem{KindCheckpointRemoved, 12, 8}},
		{"opening checkpoint removed", without(base, 0), wantProblem{KindCheckpointRemoved, 5, 0}},
		{"final checkpoint before a restart removed", without(base, 13), wantProblem{KindCheckpointRemoved, 14, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkProblem(t, verifyLines(t, pub, tc.lines), tc.linked)
		})
		t.Run(tc.name+", unlinked log", func(t *testing.T) {
			// Removing the same lines from a log written before links
			// existed: verified as before, the later checkpoints cover.
			legacy := unlinked(t, priv, base)
			var lines []string
			for i, l := range base {
				for _, kept := range tc.lines {
					if kept == l {
						lines = append(lines, legacy[i])
						break
					}
				}
			}
			rep := verifyLines(t, pub, lines)
			checkProblem(t, rep, wantProblem{})
			if rep.LastSeq != 11 || rep.CoveredSeq != 11 || !rep.Final {
				t.Fatalf("report %+v", rep)
			}
		})
	}

	// A writer opening an unlinked log links its first checkpoint to the
	// last one there.
	path := filepath.Join(t.TempDir(), "audit.log")
	if err := os.WriteFile(path, []byte(strings.Join(unlinked(t, priv, base), "")), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := writeRuns(t, priv, path, 4, 1)
	if rep := verifyLines(t, pub, lines); !rep.OK() || rep.LastSeq != 12 {
		t.Fatalf("unlinked log continued by a linking writer: %+v %+v", rep, rep.Problem)
	}
	checkProblem(t, verifyLines(t, pub, without(lines, 16)), wantProblem{KindCheckpointRemoved, 17, 11})
}

// After a final checkpoint the writer has stopped: a restarted one
// starts with an opening checkpoint. A genuine checkpoint copied there
// (or anywhere later) with a forged record after it must not pass as
// intact with one uncovered record, whether or not the log links its
// checkpoints.
func TestVerifyReplayedCheckpoint(t *testing.T) {
	pub, priv := newKey(t)
	// Layout: open cp (1), records 1-3 (2-4), cp at seq 3 (5), final at
	// seq 3 (6), open cp at seq 3 (7), final at seq 3 (8): a restart
	// that wrote nothing.
	base := writeRuns(t, priv, filepath.Join(t.TempDir(), "audit.log"), 3, 3, 0)
	if len(base) != 8 {
		t.Fatalf("layout changed: %d lines", len(base))
	}
	then := func(lines []string, extra ...string) []string {
		return append(append([]string(nil), lines...), extra...)
	}
	tests := []struct {
		name  string
		lines func(base []string) []string
		want  wantProblem
		// uncovered is the count of records no checkpoint covers, for
		// an intact log.
		uncovered int
	}{
		{"intact", func(b []string) []string { return b }, wantProblem{}, 0},
		{"copy of a checkpoint for the final seq, then a forged record", func(b []string) []string {
			l := then(b, b[4])
			return then(l, forgedAfter(t, l))
		}, wantProblem{KindAppended, 9, 3}, 0},
		{"copy of an opening checkpoint after the final, then a forged record", func(b []string) []string {
			l := then(b, b[6])
			return then(l, forgedAfter(t, l))
		}, wantProblem{KindReplayed, 9, 3}, 0},
		{"copy of the final checkpoint", func(b []string) []string { return then(b, b[7]) }, wantProblem{KindAppended, 9, 3}, 0},
		{"copy of the log's opening checkpoint after the final", func(b []string) []string { return then(b, b[0]) }, wantProblem{KindReplayed, 9, 0}, 0},
		{"checkpoint repeated mid-log", func(b []string) []string {
			return append(then(b[:5], b[4]), b[5:]...)
		}, wantProblem{KindReplayed, 6, 3}, 0},
		{"checkpoint dated before the one before it", func(b []string) []string {
			l := then(b)
			l[7] = resign(t, priv, l[7], func(cp *Checkpoint) { cp.Time = "2024-12-31T23:59:59Z" })
			return l
		}, wantProblem{KindReplayed, 8, 3}, 0},
		{"restart after the final, then a record", func(b []string) []string {
			path := filepath.Join(t.TempDir(), "audit.log")
			if err := os.WriteFile(path, []byte(strings.Join(b, "")), 0o600); err != nil {
				t.Fatal(err)
			}
			w, err := OpenFile(path, Options{Key: priv, Interval: -1, Now: func() time.Time { return time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC) }})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Append(auditRec{Method: "GET", Path: "/pets", Status: 200}); err != nil {
				t.Fatal(err)
			}
			crash(t, w)
			return readLines(t, path)
		}, wantProblem{}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := verifyLines(t, pub, tc.lines(base))
			checkProblem(t, rep, tc.want)
			if tc.want.kind == "" && rep.Uncovered != tc.uncovered {
				t.Fatalf("uncovered %d, want %d", rep.Uncovered, tc.uncovered)
			}
		})
		t.Run(tc.name+", unlinked log", func(t *testing.T) {
			want := tc.want
			lines := tc.lines(unlinked(t, priv, base))
			rep := verifyLines(t, pub, lines)
			checkProblem(t, rep, want)
			if want.kind == KindReplayed && strings.Contains(lines[want.line-1], "2024-12-31") && !strings.Contains(rep.Problem.Message, "clock") {
				t.Errorf("an unlinked log's writer did not keep times in order: %q does not say so", rep.Problem.Message)
			}
		})
	}
}

// The writer dates a checkpoint no earlier than the one before it, in
// the same run and after a restart, even when the clock goes back: the
// log it writes then verifies, instead of showing a checkpoint that looks
// copied back.
func TestCheckpointTimesNeverGoBack(t *testing.T) {
	pub, priv := newKey(t)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name string
		// runs holds, per writer run, the clock readings for its
		// checkpoints; each run writes one record between checkpoints.
		runs [][]string
	}{
		{"clock set back within a run", [][]string{{"2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z", "2025-01-01T09:00:00Z", "2025-01-01T12:00:00Z"}}},
		{"clock set back before a restart", [][]string{{"2025-01-01T10:00:00Z", "2025-01-01T11:00:00Z"}, {"2025-01-01T08:00:00Z", "2025-01-01T08:30:00Z"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.log")
			for _, readings := range tc.runs {
				i := 0
				now := func() time.Time {
					r := at(readings[min(i, len(readings)-1)])
					i++
					return r
				}
				w, err := OpenFile(path, Options{Key: priv, Every: 1, Interval: -1, Now: now})
				if err != nil {
					t.Fatal(err)
				}
				for range len(readings) - 2 {
					if err := w.Append(auditRec{Method: "GET", Path: "/pets", Status: 200}); err != nil {
						t.Fatal(err)
					}
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
			lines := readLines(t, path)
			var last time.Time
			n := 0
			for i, l := range lines {
				var cl checkpointLine
				if json.Unmarshal([]byte(l), &cl) != nil || cl.Sig == "" {
					continue
				}
				n++
				tm := at(cl.Checkpoint.Time)
				if tm.Before(last) {
					t.Fatalf("checkpoint at line %d dated %s, after one dated %s", i+1, tm, last)
				}
				last = tm
			}
			want := 0
			for _, readings := range tc.runs {
				want += len(readings)
			}
			if n != want {
				t.Fatalf("%d checkpoints, want one per clock reading: %d", n, want)
			}
			if rep := verifyLines(t, pub, lines); !rep.OK() {
				t.Fatalf("problem %+v", rep.Problem)
			}
		})
	}
}

// recomputeChain rewrites every record's prev to match the lines before
// it, as someone who altered a record would to hide it from the chain.
func recomputeChain(t *testing.T, lines []string) []string {
	t.Helper()
	out := append([]string(nil), lines...)
	var prev [32]byte
	for i, l := range out {
		var rl recordLine
		if json.Unmarshal([]byte(l), &rl) != nil || rl.Rec == nil {
			continue
		}
		rl.Prev = hex.EncodeToString(prev[:])
		line, err := marshalCanonical(rl)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = string(line) + "\n"
		prev = chainHash(line)
	}
	return out
}

// When records between two checkpoints are changed and the chain is
// recomputed after them, only the later checkpoint's hash shows it, and
// any record since the checkpoint before may be the one changed: the
// report names that range, not the last record.
func TestVerifyChainMismatch(t *testing.T) {
	pub, priv := newKey(t)
	// Layout: open cp (1), records 1-4 (2-5), cp (6), records 5-8
	// (7-10), cp (11), records 9-12 (12-15), cp (16), record 13 (17),
	// final (18).
	base := writeRuns(t, priv, filepath.Join(t.TempDir(), "audit.log"), 4, 13)
	if len(base) != 18 {
		t.Fatalf("layout changed: %d lines", len(base))
	}
	alter := func(idx int, rechain bool) []string {
		l := append([]string(nil), base...)
		if !strings.Contains(l[idx], `"status":200`) {
			t.Fatalf("line %d is not a record: %q", idx+1, l[idx])
		}
		l[idx] = strings.Replace(l[idx], `"status":200`, `"status":403`, 1)
		if rechain {
			l = recomputeChain(t, l)
		}
		return l
	}
	tests := []struct {
		name     string
		lines    []string
		line     int
		seq, to  uint64
		contains []string
	}{
		{"record 10 changed, chain recomputed", alter(12, true), 16, 9, 12,
			[]string{"a record in seq 9-12 (lines 12-15) was altered, removed or inserted", "from the checkpoint for seq 8 at line 11", "checkpoint signed at line 16"}},
		{"first record changed, chain recomputed up to the first checkpoint", alter(1, true), 6, 1, 4,
			[]string{"a record in seq 1-4 (lines 2-5)", "from the checkpoint for seq 0 at line 1"}},
		{"last record of a range changed", alter(14, false), 16, 9, 12,
			[]string{"a record in seq 9-12"}},
		{"a record alone after its checkpoint", alter(16, false), 17, 13, 0,
			[]string{"record seq 13 (line 17) was altered", "from the checkpoint for seq 12 at line 16", "signed at line 18"}},
		{"change before the chain is recomputed shows at the record", alter(12, false), 13, 10, 0,
			[]string{"record seq 10 (line 13) was altered"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := verifyLines(t, pub, tc.lines).Problem
			if p == nil || p.Kind != KindAltered || p.Line != tc.line || p.Seq != tc.seq || p.ToSeq != tc.to {
				t.Fatalf("problem %+v, want altered at line %d seq %d-%d", p, tc.line, tc.seq, tc.to)
			}
			for _, s := range tc.contains {
				if !strings.Contains(p.Message, s) {
					t.Errorf("message %q does not say %q", p.Message, s)
				}
			}
		})
	}
}

// Each file a rotation opens names, in its first checkpoint, the last
// checkpoint of the file before it: Continues finds that one removed even
// though both files verify on their own. A rotation before the first
// record starts the new file like a new log, which verifies on its own
// although its first checkpoint follows the final one of the file
// rotated away.
func TestContinuesCheckpointLink(t *testing.T) {
	pub, priv := newKey(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.log")
	w, err := OpenFile(path, Options{Key: priv, Every: 2, Interval: -1, Now: tickingClock()})
	if err != nil {
		t.Fatal(err)
	}
	rotate := func(name string) {
		if err := os.Rename(path, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		if err := w.Reopen(); err != nil {
			t.Fatal(err)
		}
	}
	rotate("audit.log.2") // no record yet
	for range 2 {
		if err := w.Append(auditRec{Method: "GET", Path: "/pets", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	rotate("audit.log.1")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	reps := map[string]*Report{}
	for _, name := range []string{"audit.log.2", "audit.log.1", "audit.log"} {
		rep := verifyFile(t, pub, filepath.Join(dir, name))
		if !rep.OK() || !rep.Final {
			t.Fatalf("%s: %+v problem %+v", name, rep, rep.Problem)
		}
		reps[name] = rep
	}
	if p := Continues(reps["audit.log.1"], reps["audit.log"]); p != nil {
		t.Fatalf("audit.log does not continue audit.log.1: %v", p)
	}
	// audit.log.1 without its final checkpoint (at seq 2, like the
	// checkpoint before it) still verifies, but audit.log names it.
	lines := readLines(t, filepath.Join(dir, "audit.log.1"))
	cut := verifyLines(t, pub, lines[:len(lines)-1])
	if !cut.OK() || cut.LastSeq != 2 {
		t.Fatalf("audit.log.1 without its final checkpoint: %+v %+v", cut, cut.Problem)
	}
	if p := Continues(cut, reps["audit.log"]); p == nil || p.Kind != KindCheckpointRemoved || p.Seq != 2 {
		t.Fatalf("final checkpoint of the file before removed: %+v", p)
	}
}
