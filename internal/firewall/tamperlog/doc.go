// Package tamperlog makes an audit log tamper-evident: each record is
// chained to the one before it by hash, and signed checkpoints anchor the
// chain so that rewriting it needs the signing key.
//
// # Format
//
// The log is JSON lines. Each line is written in RFC 8785 canonical form
// (sorted keys, no insignificant whitespace), so a verifier hashes the same
// bytes whatever a log shipper later does to whitespace or key order.
//
// A record line wraps the audit record as the writer received it:
//
//	{"prev":"<hex SHA-256 of the previous record line>","rec":{...},"seq":42}
//
// seq starts at 1 and grows by one; the first record's prev is 64 zeros.
// The chain hash of record n is SHA-256 of its canonical line, which
// includes prev, so it covers every record before it.
//
// A checkpoint line signs a sequence number and its chain hash with
// Ed25519, and names the checkpoint signed before it:
//
//	{"checkpoint":{"final":false,"hash":"<hex>","key":"<key id>","prev_checkpoint":{"seq":40,"sha256":"<hex>"},"seq":42,"time":"..."},"sig":"<base64url>"}
//
// The signature covers "rampart-tamperlog-checkpoint-v1\n" followed by the
// canonical checkpoint object. Checkpoints are written when the Writer
// starts (covering the chain as it stands, seq 0 for a new log), every
// Every records or Interval after the first record not yet covered,
// whichever comes first, and on Close (final=true). They are not part of
// the record chain, but prev_checkpoint chains them: the seq and the
// SHA-256 of the canonical line of the checkpoint written before (64
// zeros for a new log's first one; for a writer opening an existing log,
// the last checkpoint in it; for a file a rotation opened, the final
// checkpoint of the file rotated away). A checkpoint's time is never
// before the previous one's, whatever the clock says. Logs written before
// prev_checkpoint existed have none and verify as they did; there,
// removing a checkpoint only lowers coverage. A log with no checkpoint at
// all fails Verify, since the writer always signs one.
//
// # What Verify finds
//
// The first altered record (its hash no longer matches the next record's
// prev, or a checkpoint's signed hash), removed records (a gap in seq, or a
// checkpoint beyond the last record), reordered or duplicated records, a
// checkpoint whose signature does not verify or that was signed by another
// key, a line that is not canonical-able JSON, a log cut in the middle
// of a line, a log with no checkpoint, a record or a non-opening
// checkpoint straight after a final checkpoint (a restarted writer signs
// an opening checkpoint first), a checkpoint removed (the next one names
// it), and a genuine checkpoint copied elsewhere (its seq, time or link
// goes back before the checkpoint preceding it). When a checkpoint's hash
// differs but every record's prev matches (the chain was recomputed after
// a change), the change lies somewhere between the last valid checkpoint
// and that one, and Verify names that range. What no check can see:
// records removed from the end after the last checkpoint; Verify reports
// how many trailing records no checkpoint covers, and whether the log
// ends with a final (shutdown) checkpoint.
//
// # Crashes
//
// A writer that dies leaves records after its last checkpoint, and
// perhaps a line cut mid-write. The next writer's opening checkpoint
// ("open":true) signs the chain as found and, for a cut line, its hash
// ("torn"): Verify accepts that one foreign line only when such a
// checkpoint follows it with the same hash, and lists each restart after
// a run without a final checkpoint in Report.Restarts, with the records
// signed only then. Nothing can tell those records from ones appended
// between the crash and the restart; naming them is what is possible.
//
// # Rotation
//
// Writer.Reopen (the firewall calls it on SIGUSR1) ends the file with a
// final checkpoint and starts the file now at the path with an opening
// checkpoint marked "rotated", holding the chain's seq and hash. Verify
// starts a file from such a checkpoint only when it is the file's first
// line; Continues checks that one file takes up where another ends, and
// that the rotation checkpoint names the last checkpoint of the file
// before.
//
// # How the firewall uses it
//
// The audit log writer takes an io.Writer; a *Writer is one, consuming
// JSON lines and emitting chained lines:
//
//	tw, err := tamperlog.OpenFile(path, tamperlog.Options{Key: priv})
//	aw := auditlog.New(tw, auditlog.Options{})
//	...
//	aw.Close(); tw.Close()   // Close writes the final checkpoint
//
// OpenFile continues the chain of an existing file. Keys come from
// GenerateKeyFiles (the `rampart log keygen` command) and
// LoadPrivateKeyFile; `rampart log verify FILE --key PUB` runs Verify.
package tamperlog
