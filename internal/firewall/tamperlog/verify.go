package tamperlog

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
)

// Problem kinds.
const (
	KindAltered      = "altered"
	KindRemoved      = "removed"
	KindReordered    = "reordered"
	KindMalformed    = "malformed"
	KindTruncated    = "truncated"
	KindBadSignature = "bad-signature"
	KindWrongKey     = "wrong-key"
	// KindUnsigned: the log holds no valid checkpoint at all. The writer
	// signs one when it opens a log, so such a log was emptied, replaced
	// by a chain built without the key, or not written by the firewall.
	KindUnsigned = "unsigned"
	// KindAppended: a record, or a checkpoint other than an opening one,
	// follows a final checkpoint. The writer had stopped, and a restarted
	// one signs an opening checkpoint before anything else, so the line
	// was put there by someone else (a chain needs no key to extend, and
	// a genuine checkpoint can be copied from elsewhere in the log).
	KindAppended = "appended"
	// KindCheckpointRemoved: a checkpoint names, as the one signed before
	// it, a checkpoint that is not the one before it in the log. Seq is
	// the seq the missing checkpoint covered.
	KindCheckpointRemoved = "checkpoint-removed"
	// KindReplayed: a checkpoint goes back before the one preceding it
	// (a lower seq, the same seq where the writer never signs two, an
	// earlier time, the same line, or a link to an earlier checkpoint):
	// a genuine checkpoint copied to another place in the log.
	KindReplayed = "replayed"
)

// Problem is the first inconsistency found.
type Problem struct {
	Kind string `json:"kind"`
	// Line is the 1-based line where the problem shows.
	Line int `json:"line"`
	// Seq is the record concerned (the altered one, the first missing
	// one, the one out of place), when known.
	Seq uint64 `json:"seq,omitempty"`
	// ToSeq is set when the problem lies somewhere in records Seq-ToSeq
	// and no check can say which one: a checkpoint's chain hash differs,
	// but each record's prev matches the one before it (the chain was
	// recomputed after a change).
	ToSeq   uint64 `json:"to_seq,omitempty"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return fmt.Sprintf("line %d: %s", p.Line, p.Message) }

// Report is the outcome of Verify.
type Report struct {
	// Records and Checkpoints count the lines read up to the first
	// problem (the whole log when there is none).
	Records     int `json:"records"`
	Checkpoints int `json:"checkpoints"`
	// StartSeq and StartHash are where the chain stood when the log
	// began: zero for a log that starts the chain, the rotated-away
	// file's last seq and chain hash for a file a rotation opened.
	StartSeq  uint64 `json:"start_seq,omitempty"`
	StartHash string `json:"start_hash,omitempty"`
	LastSeq   uint64 `json:"last_seq"`
	// LastHash is the chain hash at LastSeq (hex), which the file after
	// this one in a rotation starts from.
	LastHash string `json:"last_hash"`
	// CoveredSeq is the highest seq a valid checkpoint covers.
	CoveredSeq uint64 `json:"covered_seq"`
	// StartCheckpoint is, for a file a rotation opened, the checkpoint
	// its first line names as signed before it: the last one of the file
	// rotated away. Nil when the file does not start with a rotation
	// checkpoint or the log predates linked checkpoints.
	StartCheckpoint *CheckpointLink `json:"start_checkpoint,omitempty"`
	// LastCheckpoint names the last valid checkpoint line, which the
	// first line of the next file in a rotation names.
	LastCheckpoint *CheckpointLink `json:"last_checkpoint,omitempty"`
	// Uncovered is how many records after CoveredSeq no checkpoint covers
	// yet: they could be removed or altered without a trace.
	Uncovered int `json:"uncovered"`
	// Final is set when the log ends with a final (shutdown) checkpoint:
	// a log that does not was cut, or its writer is still running or
	// crashed.
	Final bool   `json:"final"`
	KeyID string `json:"key_id"`
	// Restarts lists the writer's restarts after a run that ended without
	// a final checkpoint (a crash, a kill, a power cut). Not a problem:
	// the log is intact, but what each entry names was signed only at the
	// restart, so nothing attests it was not changed in between.
	Restarts []Restart `json:"restarts_after_crash,omitempty"`
	Problem  *Problem  `json:"problem,omitempty"`
}

// Restart is one opening checkpoint that followed a run which did not
// stop cleanly.
type Restart struct {
	// Line is the opening checkpoint's line.
	Line int `json:"line"`
	// FromSeq-ToSeq are the records the crashed run wrote after its last
	// checkpoint: the restart signed them as it found them. Both are 0
	// when the crashed run had checkpointed everything it wrote.
	FromSeq uint64 `json:"from_seq,omitempty"`
	ToSeq   uint64 `json:"to_seq,omitempty"`
	// TornLine is the line the crash cut mid-write, which the restart's
	// checkpoint attests by its hash (0 when there was none).
	TornLine int `json:"torn_line,omitempty"`
}

// Unattested counts the records signed only at a restart after a crash.
func (r *Report) Unattested() int {
	n := 0
	for _, x := range r.Restarts {
		if x.ToSeq >= x.FromSeq && x.FromSeq > 0 {
			n += int(x.ToSeq - x.FromSeq + 1)
		}
	}
	return n
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return r.Problem == nil }

// MaxLine bounds one line, so a corrupt file without newlines cannot make
// Verify hold gigabytes.
const MaxLine = 16 << 20

// Verify reads a whole log and checks its chain and checkpoints against
// pub. The error is for I/O failures only; what the log contains is in
// the Report.
func Verify(r io.Reader, pub ed25519.PublicKey) (*Report, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, errors.New("verification needs an Ed25519 public key")
	}
	rep := &Report{KeyID: KeyID(pub)}
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		hash    [sha256.Size]byte
		lastSeq uint64
		lineNo  int
		// prevLine is the line of the last record, for "record seq N-1
		// (line L) was altered".
		prevLine int
		// firstUncoveredLine is the line of the first record after the
		// last valid checkpoint, for the range a checkpoint whose hash
		// does not match leaves in doubt.
		firstUncoveredLine int
	)
	// lastCP is the last valid checkpoint (line 0 before the first),
	// which the next one must follow: it names it (when the log links
	// checkpoints), does not go back before it, and after a final one
	// is a restart's opening checkpoint.
	var lastCP struct {
		line int
		link CheckpointLink
		time time.Time
	}
	// After a gap, the rest of the log is scanned for the missing seqs to
	// tell "removed" from "reordered".
	var gap *Problem
	var gapLo, gapHi uint64
	// finalLine is the line of the last checkpoint when it was final and
	// no record or checkpoint has followed it yet.
	finalLine := 0
	// torn is a line that is not a log line, held until the next line
	// shows whether a restart's opening checkpoint attests it as cut by a
	// crash (see Checkpoint.Torn).
	var torn *Problem
	var tornHash string
	for {
		line, eof, err := readLine(br)
		if errors.Is(err, errLineTooLong) {
			// The writer never writes such a line: it was put there, and
			// is reported like any other foreign line rather than as an
			// unreadable file.
			if gap == nil {
				rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo + 1, Seq: lastSeq + 1, Message: fmt.Sprintf("line longer than %d bytes: not written by the firewall", MaxLine)}
			}
			break
		}
		if err != nil {
			return nil, err
		}
		if line == nil && eof {
			break
		}
		lineNo++
		trimmed := bytes.TrimSpace(line)
		if len(trimmed) == 0 {
			if eof && len(line) == 0 {
				break
			}
			// The writer never writes an empty line; one put between
			// records hides nothing from verification, but a log that is
			// not byte for byte what the firewall wrote is not intact.
			if gap == nil && torn == nil {
				rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo, Seq: lastSeq + 1, Message: "blank line: not written by the firewall"}
				break
			}
			if eof {
				break
			}
			continue
		}
		c, cerr := canonical(trimmed)
		var rl struct {
			Seq        *uint64          `json:"seq"`
			Prev       *string          `json:"prev"`
			Rec        json.RawMessage  `json:"rec"`
			Checkpoint *json.RawMessage `json:"checkpoint"`
		}
		if cerr == nil {
			cerr = json.Unmarshal(c, &rl)
		}
		if gap != nil {
			if cerr == nil && rl.Seq != nil && rl.Checkpoint == nil && *rl.Seq >= gapLo && *rl.Seq <= gapHi {
				gap.Kind = KindReordered
				gap.Message = fmt.Sprintf("record seq %d is out of order: expected seq %d at line %d, found it at line %d", *rl.Seq, gapLo, gap.Line, lineNo)
				break
			}
			if eof {
				break
			}
			continue
		}
		isLogLine := cerr == nil && (rl.Checkpoint != nil || rl.Seq != nil && rl.Prev != nil && rl.Rec != nil)
		if torn != nil && rl.Checkpoint == nil {
			// Only a restart's opening checkpoint may follow a cut line.
			rep.Problem = torn
			break
		}
		if !isLogLine {
			kind, msg := KindMalformed, "line is neither a chained record (seq, prev, rec) nor a checkpoint: inserted or rewritten"
			if cerr != nil {
				msg = fmt.Sprintf("not a valid log line: %v", cerr)
			}
			if eof && len(line) > 0 && line[len(line)-1] != '\n' {
				kind, msg = KindTruncated, "the log ends in the middle of a line (cut or still being written)"
			}
			p := &Problem{Kind: kind, Line: lineNo, Seq: lastSeq + 1, Message: msg}
			if kind == KindTruncated || torn != nil {
				if torn != nil {
					p = torn
				}
				rep.Problem = p
				break
			}
			// Possibly a write cut by a crash: decided by the next line.
			torn = p
			sum := sha256.Sum256(bytes.TrimSuffix(line, []byte("\n")))
			tornHash = hex.EncodeToString(sum[:])
			if eof {
				rep.Problem = torn
				break
			}
			continue
		}
		if rl.Checkpoint == nil && !bytes.Equal(bytes.TrimSuffix(line, []byte("\n")), c) {
			// The chain hashes the canonical form, so a record rewritten
			// with escapes ("\u0044ELETE") or other spacing verified, yet
			// hid from grep and SIEM searches what the firewall wrote.
			rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo, Seq: *rl.Seq, Message: "record line is not in the canonical form the firewall writes (escapes, spacing or key order changed): rewritten"}
			break
		}
		switch {
		case rl.Checkpoint != nil:
			var cl checkpointLine
			if err := json.Unmarshal(c, &cl); err != nil {
				rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo, Message: fmt.Sprintf("checkpoint cannot be read: %v", err)}
				break
			}
			// The signature covers the checkpoint's known fields only, and
			// the line is outside the chain: anything else on it (a "rec"
			// a log reader would take for a record, a field in another
			// case) would pass unseen. A checkpoint line is exactly what
			// the writer writes.
			if want, err := marshalCanonical(cl); err != nil || !bytes.Equal(want, c) {
				rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo, Seq: cl.Checkpoint.Seq, Message: "checkpoint line holds more than the signed checkpoint and its signature: inserted or rewritten"}
				break
			}
			rep.Checkpoints++
			if cl.Checkpoint.Key != rep.KeyID {
				rep.Problem = &Problem{Kind: KindWrongKey, Line: lineNo, Seq: cl.Checkpoint.Seq,
					Message: fmt.Sprintf("checkpoint names key %s, not the verification key %s: signed by another key, or forged", cl.Checkpoint.Key, rep.KeyID)}
				break
			}
			if !verifyCheckpoint(pub, cl) {
				rep.Problem = &Problem{Kind: KindBadSignature, Line: lineNo, Seq: cl.Checkpoint.Seq, Message: "checkpoint signature does not verify: the checkpoint was altered or forged"}
				break
			}
			cpTime, err := time.Parse(time.RFC3339Nano, cl.Checkpoint.Time)
			if err != nil {
				rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo, Seq: cl.Checkpoint.Seq, Message: fmt.Sprintf("checkpoint time %q is not an RFC 3339 time: not written by the firewall", cl.Checkpoint.Time)}
				break
			}
			if torn != nil && (!cl.Checkpoint.Open || cl.Checkpoint.Torn != tornHash) {
				// The line before is not one a restart found cut: that
				// line is the first problem, whatever this checkpoint is.
				rep.Problem = torn
				break
			}
			link := linkTo(cl.Checkpoint.Seq, c)
			if lastCP.line > 0 {
				if p := checkpointOutOfPlace(cl.Checkpoint, cpTime, link, lineNo, lastCP.line, lastCP.link, lastCP.time, finalLine); p != nil {
					rep.Problem = p
					break
				}
			}
			if cl.Checkpoint.Rotated && rep.Checkpoints == 1 && rep.Records == 0 && torn == nil {
				// The first line of a file a rotation opened: the chain
				// continues from where the signed checkpoint says it
				// stood.
				h, err := hex.DecodeString(cl.Checkpoint.Hash)
				if err != nil || len(h) != sha256.Size {
					rep.Problem = &Problem{Kind: KindMalformed, Line: lineNo, Seq: cl.Checkpoint.Seq, Message: "rotation checkpoint holds no chain hash"}
					break
				}
				copy(hash[:], h)
				lastSeq = cl.Checkpoint.Seq
				rep.StartSeq, rep.StartHash, rep.LastSeq = lastSeq, cl.Checkpoint.Hash, lastSeq
				// What it names is in the file rotated away; Continues
				// checks it.
				rep.StartCheckpoint = cl.Checkpoint.PrevCheckpoint
			} else if lastCP.line == 0 && cl.Checkpoint.PrevCheckpoint != nil && *cl.Checkpoint.PrevCheckpoint != noCheckpoint {
				// Only a log's first checkpoint names none before it.
				missing := cl.Checkpoint.PrevCheckpoint.Seq
				rep.Problem = &Problem{Kind: KindCheckpointRemoved, Line: lineNo, Seq: missing,
					Message: fmt.Sprintf("checkpoint covering seq %d is missing before line %d: the checkpoint there names it as the one signed before it, and no checkpoint precedes it in the log", missing, lineNo)}
				break
			}
			switch {
			case cl.Checkpoint.Seq > lastSeq:
				rep.Problem = &Problem{Kind: KindRemoved, Line: lineNo, Seq: lastSeq + 1,
					Message: fmt.Sprintf("checkpoint covers seq %d but the last record before it is seq %d: records %d-%d were removed", cl.Checkpoint.Seq, lastSeq, lastSeq+1, cl.Checkpoint.Seq)}
			case cl.Checkpoint.Seq < lastSeq:
				rep.Problem = &Problem{Kind: KindReordered, Line: lineNo, Seq: cl.Checkpoint.Seq,
					Message: fmt.Sprintf("checkpoint for seq %d appears after record seq %d: lines were moved", cl.Checkpoint.Seq, lastSeq)}
			case cl.Checkpoint.Hash != hex.EncodeToString(hash[:]):
				rep.Problem = chainMismatch(lineNo, lastSeq, rep.CoveredSeq, lastCP.line, firstUncoveredLine, prevLine)
			default:
				if cl.Checkpoint.Open && (torn != nil || rep.Checkpoints > 1 && !rep.Final) {
					// The run before this restart did not stop cleanly:
					// what it wrote after its last checkpoint was signed
					// only now.
					rs := Restart{Line: lineNo}
					if lastSeq > rep.CoveredSeq {
						rs.FromSeq, rs.ToSeq = rep.CoveredSeq+1, lastSeq
					}
					if torn != nil {
						rs.TornLine = torn.Line
					}
					rep.Restarts = append(rep.Restarts, rs)
				}
				torn = nil
				rep.CoveredSeq = lastSeq
				rep.Uncovered = 0
				rep.Final = cl.Checkpoint.Final
				rep.LastCheckpoint = &link
				lastCP.line, lastCP.link, lastCP.time = lineNo, link, cpTime
				finalLine = 0
				if cl.Checkpoint.Final {
					finalLine = lineNo
				}
			}
		case rl.Seq != nil && rl.Prev != nil && rl.Rec != nil:
			seq := *rl.Seq
			switch {
			case finalLine > 0:
				rep.Problem = &Problem{Kind: KindAppended, Line: lineNo, Seq: seq,
					Message: fmt.Sprintf("record seq %d follows the final checkpoint at line %d with no opening checkpoint: the writer had stopped, so the record was appended by someone else", seq, finalLine)}
			case seq > lastSeq+1:
				gap = &Problem{Kind: KindRemoved, Line: lineNo, Seq: lastSeq + 1,
					Message: fmt.Sprintf("records seq %d-%d are missing before line %d", lastSeq+1, seq-1, lineNo)}
				gapLo, gapHi = lastSeq+1, seq-1
				rep.Problem = gap
			case seq <= lastSeq:
				rep.Problem = &Problem{Kind: KindReordered, Line: lineNo, Seq: seq,
					Message: fmt.Sprintf("record seq %d appears after seq %d: reordered or duplicated", seq, lastSeq)}
			case *rl.Prev != hex.EncodeToString(hash[:]):
				if lastSeq == 0 {
					rep.Problem = &Problem{Kind: KindAltered, Line: lineNo, Seq: seq, Message: fmt.Sprintf("record seq %d does not start the chain (its prev is not all zeros): altered, or the log's beginning was removed", seq)}
				} else {
					rep.Problem = &Problem{Kind: KindAltered, Line: prevLine, Seq: lastSeq,
						Message: fmt.Sprintf("record seq %d (line %d) was altered: its hash no longer matches the prev of record seq %d (line %d)", lastSeq, prevLine, seq, lineNo)}
				}
			default:
				hash = chainHash(c)
				lastSeq = seq
				prevLine = lineNo
				if rep.Uncovered == 0 {
					firstUncoveredLine = lineNo
				}
				rep.Records++
				rep.Uncovered++
				rep.LastSeq = seq
				rep.Final = false
			}
		}
		if rep.Problem != nil && gap == nil {
			break
		}
		if eof {
			break
		}
	}
	rep.LastHash = hex.EncodeToString(hash[:])
	if rep.Problem == nil && rep.Checkpoints == 0 {
		rep.Problem = &Problem{Kind: KindUnsigned, Line: 1, Seq: 0,
			Message: "the log holds no signed checkpoint: the firewall signs one when it opens a log, so this log was emptied, replaced by a chain built without the key, or not written by it"}
		if rep.Records == 0 {
			rep.Problem.Message = "the log is empty: the firewall signs a checkpoint when it opens a log, so an empty log was emptied or not written by it"
		}
	}
	return rep, nil
}

// checkpointOutOfPlace checks a checkpoint (at line, with the given time
// and link to its own line) against the last valid one before it (at
// prevLine). finalLine is prevLine when that one was final, else 0. The
// writer only moves forward: it dates a checkpoint no earlier than the
// one before, signs a second one for the same seq only when it stops
// (final) or starts (open), after stopping writes nothing before its next
// opening checkpoint, and names in each checkpoint the one before it. A
// genuine checkpoint copied to a later place in the log breaks one of
// these.
func checkpointOutOfPlace(cp Checkpoint, cpTime time.Time, link CheckpointLink, line, prevLine int, prev CheckpointLink, prevTime time.Time, finalLine int) *Problem {
	switch {
	case finalLine > 0 && !cp.Open:
		return &Problem{Kind: KindAppended, Line: line, Seq: cp.Seq,
			Message: fmt.Sprintf("checkpoint for seq %d follows the final checkpoint at line %d but is not an opening one: the writer had stopped, and a restarted writer starts with an opening checkpoint, so this one was copied there", cp.Seq, finalLine)}
	case link == prev:
		return &Problem{Kind: KindReplayed, Line: line, Seq: cp.Seq,
			Message: fmt.Sprintf("checkpoint at line %d is a copy of the one at line %d", line, prevLine)}
	case cp.Seq < prev.Seq:
		return &Problem{Kind: KindReplayed, Line: line, Seq: cp.Seq,
			Message: fmt.Sprintf("checkpoint for seq %d goes back before the checkpoint for seq %d at line %d: a copy of an earlier checkpoint, or lines were moved", cp.Seq, prev.Seq, prevLine)}
	case cp.Seq == prev.Seq && !cp.Open && !cp.Final:
		return &Problem{Kind: KindReplayed, Line: line, Seq: cp.Seq,
			Message: fmt.Sprintf("checkpoint repeats seq %d of the checkpoint at line %d: the writer signs a second checkpoint for a seq only when it stops or starts, so this one is a copy", cp.Seq, prevLine)}
	case cpTime.Before(prevTime):
		msg := fmt.Sprintf("checkpoint is dated %s, before the checkpoint at line %d (%s): a copy of an earlier checkpoint, or lines were moved", cpTime.Format(time.RFC3339Nano), prevLine, prevTime.Format(time.RFC3339Nano))
		if cp.PrevCheckpoint == nil {
			// Writers from before linked checkpoints took the clock as
			// it was, even when it had been set back.
			msg += ", or the clock of the writer was set back"
		}
		return &Problem{Kind: KindReplayed, Line: line, Seq: cp.Seq, Message: msg}
	case cp.PrevCheckpoint == nil:
		// A log from before linked checkpoints: nothing more to check.
		return nil
	case *cp.PrevCheckpoint == prev:
		return nil
	case *cp.PrevCheckpoint == noCheckpoint:
		return &Problem{Kind: KindReplayed, Line: line, Seq: cp.Seq,
			Message: fmt.Sprintf("checkpoint starts a log (it names no checkpoint before it) but follows the checkpoint at line %d: copied from the start of this log or of another signed with the same key", prevLine)}
	case cp.PrevCheckpoint.Seq < prev.Seq:
		return &Problem{Kind: KindReplayed, Line: line, Seq: cp.Seq,
			Message: fmt.Sprintf("checkpoint was signed right after a checkpoint for seq %d, but follows the checkpoint for seq %d at line %d: a copy of an earlier checkpoint, or lines were moved", cp.PrevCheckpoint.Seq, prev.Seq, prevLine)}
	default:
		missing := cp.PrevCheckpoint.Seq
		return &Problem{Kind: KindCheckpointRemoved, Line: line, Seq: missing,
			Message: fmt.Sprintf("checkpoint covering seq %d is missing before line %d: the checkpoint there names it as the one signed before it, but the one before it in the log is the checkpoint for seq %d at line %d", missing, line, prev.Seq, prevLine)}
	}
}

// chainMismatch describes a checkpoint (at line, for seq lastSeq) whose
// signed chain hash differs from the chain read. Every record's prev
// matched the one before it, so the change lies between the last valid
// checkpoint (for coveredSeq, at cpLine, 0 for none) and this one:
// records changed and the chain recomputed after them show only here,
// and which one changed cannot be known unless there is only one.
func chainMismatch(line int, lastSeq, coveredSeq uint64, cpLine, firstLine, lastLine int) *Problem {
	from := "the start of the log"
	if cpLine > 0 {
		from = fmt.Sprintf("the checkpoint for seq %d at line %d", coveredSeq, cpLine)
	}
	switch {
	case lastSeq == coveredSeq:
		return &Problem{Kind: KindAltered, Line: line, Seq: lastSeq,
			Message: fmt.Sprintf("checkpoint signs a chain hash for seq %d that differs from the one at %s: one of them comes from another log signed with the same key", lastSeq, from)}
	case lastSeq == coveredSeq+1:
		return &Problem{Kind: KindAltered, Line: lastLine, Seq: lastSeq,
			Message: fmt.Sprintf("record seq %d (line %d) was altered: the chain from %s through it does not match the checkpoint signed at line %d", lastSeq, lastLine, from, line)}
	}
	return &Problem{Kind: KindAltered, Line: line, Seq: coveredSeq + 1, ToSeq: lastSeq,
		Message: fmt.Sprintf("a record in seq %d-%d (lines %d-%d) was altered, removed or inserted: the chain from %s through seq %d does not match the checkpoint signed at line %d", coveredSeq+1, lastSeq, firstLine, lastLine, from, lastSeq, line)}
}

// KindUnlinked: of two files verified as one rotated log, the later one
// does not continue the earlier one's chain.
const KindUnlinked = "unlinked"

// Continues checks that next, a file verified on its own, continues the
// chain where prev, the file rotated away before it, ends. Line numbers
// in the problem are next's.
func Continues(prev, next *Report) *Problem {
	switch {
	case next.StartSeq == 0 && prev.LastSeq > 0:
		return &Problem{Kind: KindUnlinked, Line: 1, Message: fmt.Sprintf("starts a new chain instead of continuing from seq %d: opened by a firewall that did not write the file before it (started on an empty file), so what lies between cannot be checked", prev.LastSeq)}
	case next.StartSeq > prev.LastSeq:
		return &Problem{Kind: KindRemoved, Line: 1, Seq: prev.LastSeq + 1, Message: fmt.Sprintf("continues from seq %d but the file before it ends at seq %d: records %d-%d (a whole file?) are missing", next.StartSeq, prev.LastSeq, prev.LastSeq+1, next.StartSeq)}
	case next.StartSeq < prev.LastSeq:
		return &Problem{Kind: KindReordered, Line: 1, Seq: next.StartSeq, Message: fmt.Sprintf("continues from seq %d but the file before it ends at seq %d: files given out of order, or overlapping", next.StartSeq, prev.LastSeq)}
	case next.StartHash != prev.LastHash:
		return &Problem{Kind: KindAltered, Line: 1, Seq: prev.LastSeq, Message: fmt.Sprintf("continues from a chain hash at seq %d that is not the one the file before it ends with: that file was altered or replaced", prev.LastSeq)}
	case next.StartCheckpoint != nil && prev.LastCheckpoint != nil && *next.StartCheckpoint != *prev.LastCheckpoint:
		return &Problem{Kind: KindCheckpointRemoved, Line: 1, Seq: next.StartCheckpoint.Seq, Message: fmt.Sprintf("continues from a checkpoint for seq %d that is not the last checkpoint of the file before it (one for seq %d): that file's last checkpoint was removed, or the file was replaced", next.StartCheckpoint.Seq, prev.LastCheckpoint.Seq)}
	}
	return nil
}

var errLineTooLong = errors.New("line too long")

// readLine returns the next line with its newline, and whether the input
// ended. A line longer than MaxLine is errLineTooLong.
func readLine(br *bufio.Reader) ([]byte, bool, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		out = append(out, chunk...)
		if len(out) > MaxLine {
			return nil, false, errLineTooLong
		}
		switch {
		case err == nil:
			// Peek so that the last line reports eof together.
			if _, perr := br.Peek(1); perr == io.EOF {
				return out, true, nil
			}
			return out, false, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF:
			if len(out) == 0 {
				return nil, true, nil
			}
			return out, true, nil
		default:
			return nil, false, err
		}
	}
}
