package tamperlog

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"
)

// sigContext separates checkpoint signatures from any other use of the
// key.
const sigContext = "rampart-tamperlog-checkpoint-v1\n"

// recordLine is a record line; fields in canonical (sorted) order.
type recordLine struct {
	Prev string          `json:"prev"`
	Rec  json.RawMessage `json:"rec"`
	Seq  uint64          `json:"seq"`
}

// Checkpoint is the signed part of a checkpoint line.
type Checkpoint struct {
	Final bool   `json:"final"`
	Hash  string `json:"hash"`
	Key   string `json:"key"`
	// Open marks the checkpoint a writer signs when it opens a log, so
	// Verify can tell a restart from a timed checkpoint and see which
	// records a crashed run left for the restart to sign.
	Open bool `json:"open,omitempty"`
	// PrevCheckpoint names the checkpoint the writer signed (or, opening
	// an existing log, found) before this one. Checkpoints are outside
	// the record chain, so without it a checkpoint deleted from the
	// middle of a log would only lower coverage. Nil in logs written
	// before checkpoints were linked, which Verify accepts as before.
	PrevCheckpoint *CheckpointLink `json:"prev_checkpoint,omitempty"`
	// Rotated marks the opening checkpoint of a file that continues a
	// chain from a file rotated away: its Seq and Hash are where that
	// chain stood, and Verify starts from them. Only the first line of a
	// file may carry it, so a log cut at a later checkpoint still fails.
	Rotated bool   `json:"rotated,omitempty"`
	Seq     uint64 `json:"seq"`
	// Torn is the hex SHA-256 of an incomplete last line (a write cut by
	// a crash) that the opening writer found: the restart attests that
	// the fragment was there, so Verify accepts that one line, and only
	// with those exact bytes, instead of failing the log forever.
	Torn string `json:"torn,omitempty"`
	Time string `json:"time"`
}

// CheckpointLink names a checkpoint line from a later one.
type CheckpointLink struct {
	// Seq is the seq the named checkpoint covers.
	Seq uint64 `json:"seq"`
	// SHA256 is the hex SHA-256 of the named checkpoint's canonical line
	// (64 zeros when there is none: the first checkpoint of a new log).
	SHA256 string `json:"sha256"`
}

// noCheckpoint is the link of a log's first checkpoint: like the first
// record's prev, all zeros.
var noCheckpoint = CheckpointLink{SHA256: hex.EncodeToString(make([]byte, sha256.Size))}

// linkTo returns the link to a checkpoint line as written (canonical).
func linkTo(seq uint64, line []byte) CheckpointLink {
	sum := sha256.Sum256(line)
	return CheckpointLink{Seq: seq, SHA256: hex.EncodeToString(sum[:])}
}

type checkpointLine struct {
	Checkpoint Checkpoint `json:"checkpoint"`
	Sig        string     `json:"sig"`
}

// canonical returns the RFC 8785 form of a JSON text. It rejects invalid
// JSON and duplicate object names: with duplicates, two readers could see
// two different records behind one hash.
func canonical(b []byte) ([]byte, error) {
	v := jsontext.Value(append([]byte(nil), b...))
	if err := v.Canonicalize(); err != nil {
		return nil, err
	}
	return v, nil
}

func marshalCanonical(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return canonical(b)
}

func chainHash(line []byte) [sha256.Size]byte { return sha256.Sum256(line) }

func signedBytes(cp Checkpoint) ([]byte, error) {
	b, err := marshalCanonical(cp)
	if err != nil {
		return nil, err
	}
	return append([]byte(sigContext), b...), nil
}

func signCheckpoint(priv ed25519.PrivateKey, cp Checkpoint) ([]byte, error) {
	msg, err := signedBytes(cp)
	if err != nil {
		return nil, fmt.Errorf("encoding checkpoint: %w", err)
	}
	sig := ed25519.Sign(priv, msg)
	return marshalCanonical(checkpointLine{Checkpoint: cp, Sig: base64.RawURLEncoding.EncodeToString(sig)})
}

func verifyCheckpoint(pub ed25519.PublicKey, cl checkpointLine) bool {
	sig, err := base64.RawURLEncoding.DecodeString(cl.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	msg, err := signedBytes(cl.Checkpoint)
	if err != nil {
		return false
	}
	return ed25519.Verify(pub, msg, sig)
}
