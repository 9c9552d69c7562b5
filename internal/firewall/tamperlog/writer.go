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
	"os"
	"sync"
	"time"
)

// Options configure a Writer.
type Options struct {
	// Key signs checkpoints (required).
	Key ed25519.PrivateKey
	// Every is the number of records after which a checkpoint is written
	// (default 1000).
	Every int
	// Interval is the longest a record stays without a checkpoint
	// (default 10s; negative disables timed checkpoints).
	Interval time.Duration
	// Now is the clock for checkpoint times (default time.Now).
	Now func() time.Time
	// OnError is told about failures of timed checkpoints, which have no
	// caller to return them to.
	OnError func(error)
}

// Config is the YAML form of the tamper-evident log settings.
type Config struct {
	// Enabled turns chaining and checkpoints on for the audit log.
	Enabled bool `yaml:"enabled"`
	// SigningKey is the path of the Ed25519 private key (PEM, PKCS #8).
	SigningKey string `yaml:"signing_key"`
	// CheckpointEvery and CheckpointInterval: see Options.
	CheckpointEvery    int           `yaml:"checkpoint_every"`
	CheckpointInterval time.Duration `yaml:"checkpoint_interval"`
}

// Validate checks the settings without reading the key.
func (c *Config) Validate() error {
	var errs []error
	if c.Enabled && c.SigningKey == "" {
		errs = append(errs, errors.New("signing_key: required when the tamper-evident log is enabled (create one with `rampart log keygen`)"))
	}
	if c.CheckpointEvery < 0 {
		errs = append(errs, errors.New("checkpoint_every: must not be negative"))
	}
	if c.CheckpointInterval < 0 {
		errs = append(errs, errors.New("checkpoint_interval: must not be negative"))
	}
	return errors.Join(errs...)
}

// Options loads the key and returns writer options.
func (c *Config) Options() (Options, error) {
	if err := c.Validate(); err != nil {
		return Options{}, err
	}
	k, err := LoadPrivateKeyFile(c.SigningKey)
	if err != nil {
		return Options{}, fmt.Errorf("signing_key: %w", err)
	}
	return Options{Key: k, Every: c.CheckpointEvery, Interval: c.CheckpointInterval}, nil
}

// State is where a chain stands: the last record's seq and chain hash
// (all zero before the first record, which is also the first prev).
type State struct {
	Seq  uint64
	Hash [sha256.Size]byte
}

// Writer chains records and writes checkpoints. It is safe for concurrent
// use.
type Writer struct {
	mu        sync.Mutex
	dst       io.Writer
	closer    io.Closer
	opt       Options
	keyID     string
	st        State
	uncovered int
	partial   []byte
	closed    bool
	opened    Tail
	// lastCheckpoint is the checkpoint signed (or found in the log)
	// last, which the next one names, so Verify can tell when one is
	// missing.
	lastCheckpoint CheckpointLink
	// lastCheckpointTime is that checkpoint's time: the next one is
	// never dated before it, even if the clock is set back, because
	// Verify takes a checkpoint dated before the previous one for a
	// copy put back in the log.
	lastCheckpointTime time.Time
	// path is the file OpenFile opened, for Reopen.
	path     string
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// NewWriter starts a chain on dst at state st (the zero State for a new
// log).
func NewWriter(dst io.Writer, st State, o Options) (*Writer, error) {
	return newWriter(dst, Tail{State: st, EndsClean: true}, o)
}

func newWriter(dst io.Writer, tail Tail, o Options) (*Writer, error) {
	if len(o.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("tamper-evident log: an Ed25519 signing key is required")
	}
	if o.Every <= 0 {
		o.Every = 1000
	}
	if o.Interval == 0 {
		o.Interval = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Writer{dst: dst, opt: o, st: tail.State, keyID: KeyID(o.Key.Public().(ed25519.PublicKey)), opened: tail,
		lastCheckpoint: noCheckpoint, lastCheckpointTime: tail.LastCheckpointTime}
	if tail.LastCheckpoint != nil {
		w.lastCheckpoint = *tail.LastCheckpoint
	}
	// An opening checkpoint anchors the log the moment it is opened, so a
	// log the firewall wrote always holds a signed line: an emptied log,
	// or one replaced by a chain built without the key, then fails
	// Verify instead of passing as a log with no records yet.
	var buf bytes.Buffer
	cp := w.checkpointAt(false)
	cp.Open = true
	if tail.Torn != nil {
		cp.Torn = hex.EncodeToString(tail.Torn[:])
	}
	if err := w.writeCheckpointLocked(&buf, cp); err != nil {
		return nil, fmt.Errorf("tamper-evident log: opening checkpoint: %w", err)
	}
	if err := w.flushLocked(&buf); err != nil {
		return nil, err
	}
	if o.Interval > 0 {
		w.stop, w.done = make(chan struct{}), make(chan struct{})
		go w.tick()
	}
	return w, nil
}

// OpenFile opens (or creates, mode 0600) a log file for appending and
// continues its chain. A file that ends in the middle of a line (a crash
// during a write) gets a newline first, so the cut line is not glued to
// the next record, and the opening checkpoint names the cut line's hash,
// so Verify accepts it as left by a crash rather than inserted.
func OpenFile(path string, o Options) (*Writer, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening audit log: %w", err)
	}
	tail, err := ScanTail(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("reading chain state of %s: %w", path, err)
	}
	if !tail.EndsClean {
		if _, err := f.Write([]byte("\n")); err != nil {
			f.Close()
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	w, err := newWriter(f, tail, o)
	if err != nil {
		f.Close()
		return nil, err
	}
	w.closer = f
	w.path = path
	return w, nil
}

// Reopen ends the current file with a final checkpoint and continues the
// chain in the file now at the same path: what a log rotator needs after
// moving the file away (logrotate's create mode, newsyslog). A new, empty
// file starts with an opening checkpoint marked rotated, carrying the
// chain's seq and hash, so it verifies on its own, and verifying the old
// file then the new one shows that nothing between them is missing. When
// the path still names the file in use, Reopen does nothing.
func (w *Writer) Reopen() error {
	if w.path == "" {
		return errors.New("tamper-evident log: not opened from a file")
	}
	// Opened and read before taking the lock: records keep going to the
	// old file meanwhile, and a large file found at the path does not
	// hold up the audit writer.
	f, err := os.OpenFile(w.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("reopening audit log: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
		}
	}()
	old, ok := w.closer.(*os.File)
	if ok {
		oldInfo, err1 := old.Stat()
		newInfo, err2 := f.Stat()
		if err1 == nil && err2 == nil && os.SameFile(oldInfo, newInfo) {
			return nil
		}
	}
	tail, err := ScanTail(f)
	if err != nil {
		return fmt.Errorf("reading %s: %w", w.path, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return errors.New("tamper-evident log is closed")
	}
	var buf bytes.Buffer
	if err := w.checkpointLocked(&buf, true); err != nil {
		return err
	}
	if err := w.flushLocked(&buf); err != nil {
		return err
	}
	if w.closer != nil {
		_ = w.closer.Close()
	}
	w.dst, w.closer, keep = f, f, true
	buf.Reset()
	if !tail.EndsClean {
		buf.WriteByte('\n')
	}
	rotated := tail.Empty && w.st.Seq > 0
	if !rotated && tail.LastCheckpointTime.After(w.lastCheckpointTime) {
		w.lastCheckpointTime = tail.LastCheckpointTime
	}
	cp := w.checkpointAt(false)
	cp.Open = true
	// A file with lines of its own was not created by the rotation: the
	// chain continues there like after a restart, and Verify holds those
	// lines to it.
	cp.Rotated = rotated
	if !rotated {
		// Verify reads such a file on its own, so, like a restart, its
		// opening checkpoint names the last one in it, not the final one
		// of the file rotated away.
		link := noCheckpoint
		if tail.LastCheckpoint != nil {
			link = *tail.LastCheckpoint
		}
		cp.PrevCheckpoint = &link
	}
	if tail.Torn != nil {
		cp.Torn = hex.EncodeToString(tail.Torn[:])
	}
	if err := w.writeCheckpointLocked(&buf, cp); err != nil {
		return err
	}
	return w.flushLocked(&buf)
}

// Tail is what a writer opening an existing log needs from it: where the
// chain stands and how the last run ended. Nothing in it is verified:
// that is Verify's job.
type Tail struct {
	State
	// EndsClean: the data is empty or ends with a newline.
	EndsClean bool
	// Stopped: the last line is a final checkpoint, so the writer before
	// shut down cleanly. False for an empty log.
	Stopped bool
	// Empty: the log holds no line at all.
	Empty bool
	// Uncovered counts the records after the last checkpoint: written by
	// a run that ended before checkpointing them.
	Uncovered int
	// Torn is the SHA-256 of an incomplete last line that is not a
	// record (nil when there is none).
	Torn *[sha256.Size]byte
	// LastCheckpoint names the last checkpoint line (nil when there is
	// none), which the opening checkpoint links to, and
	// LastCheckpointTime is its time (zero when unreadable).
	LastCheckpoint     *CheckpointLink
	LastCheckpointTime time.Time
}

// Crashed reports whether the log was written before and its writer did
// not stop cleanly (no final checkpoint at the end, or a cut line).
func (t Tail) Crashed() bool { return !t.Empty && (!t.Stopped || t.Torn != nil) }

// ScanState reads a log and returns the state after its last well-formed
// record, and whether the data ends with a newline (or is empty).
func ScanState(r io.Reader) (st State, endsClean bool, err error) {
	t, err := ScanTail(r)
	return t.State, t.EndsClean, err
}

// ScanTail reads a log and describes its end; see Tail.
func ScanTail(r io.Reader) (Tail, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	t := Tail{EndsClean: true, Empty: true}
	for {
		line, rerr := readBounded(br)
		if len(line) > 0 {
			t.EndsClean = line[len(line)-1] == '\n'
			t.Torn = nil
			if len(line) > MaxLine {
				// Not a record (no writer produces such a line): skipped,
				// only its last byte kept for EndsClean.
				continue
			}
			trimmed := bytes.TrimSpace(line)
			if len(trimmed) > 0 {
				t.Empty = false
			}
			isRecord := false
			if c, e := canonical(trimmed); e == nil {
				var rl struct {
					Seq        *uint64         `json:"seq"`
					Rec        json.RawMessage `json:"rec"`
					Checkpoint *Checkpoint     `json:"checkpoint"`
				}
				if json.Unmarshal(c, &rl) == nil {
					switch {
					case rl.Checkpoint != nil:
						t.Stopped = rl.Checkpoint.Final
						t.Uncovered = 0
						isRecord = true
						link := linkTo(rl.Checkpoint.Seq, c)
						t.LastCheckpoint = &link
						t.LastCheckpointTime, _ = time.Parse(time.RFC3339Nano, rl.Checkpoint.Time)
						// A checkpoint states the chain as it stood; in a
						// file a rotation opened, the first one is all
						// there is before the first record.
						if h, err := hex.DecodeString(rl.Checkpoint.Hash); err == nil && len(h) == sha256.Size {
							t.State.Seq = rl.Checkpoint.Seq
							copy(t.State.Hash[:], h)
						}
					case rl.Seq != nil && rl.Rec != nil:
						t.State = State{Seq: *rl.Seq, Hash: chainHash(c)}
						t.Stopped = false
						t.Uncovered++
						isRecord = true
					}
				}
			}
			if !t.EndsClean && len(trimmed) > 0 && !isRecord {
				h := sha256.Sum256(line)
				t.Torn = &h
			}
		}
		if rerr == io.EOF {
			return t, nil
		}
		if rerr != nil {
			return t, rerr
		}
	}
}

// readBounded reads one line like ReadBytes('\n'), but holds at most
// MaxLine bytes of it: a longer line is returned as MaxLine+1 bytes ending
// with its real last byte, so that a huge line (inserted, or a crash
// leaving a long run without a newline) cannot make the firewall hold it
// all when it reopens the log.
func readBounded(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(out)+len(chunk) <= MaxLine {
			out = append(out, chunk...)
		} else if len(chunk) > 0 {
			if len(out) <= MaxLine {
				out = append(out[:len(out):len(out)], make([]byte, MaxLine+1-len(out))...)
			}
			out[MaxLine] = chunk[len(chunk)-1]
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		return out, err
	}
}

// Opened describes the log as the writer found it when it opened it (a
// new log is Empty), so the caller can say that the run before crashed.
func (w *Writer) Opened() Tail { return w.opened }

// State returns the current chain state.
func (w *Writer) State() State {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.st
}

// Append adds one record, marshalled as JSON.
func (w *Writer) Append(rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding audit record: %w", err)
	}
	return w.AppendJSON(b)
}

// AppendJSON adds one record given as a JSON text.
func (w *Writer) AppendJSON(rec []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	var buf bytes.Buffer
	if err := w.appendLocked(&buf, rec); err != nil {
		return err
	}
	return w.flushLocked(&buf)
}

// Write consumes JSON lines (one record per line) so that the Writer can
// sit under any line-oriented log writer. A line may arrive over several
// calls; it is chained once complete. Blank lines are skipped.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, errors.New("tamper-evident log is closed")
	}
	var buf bytes.Buffer
	data := p
	if len(w.partial) > 0 {
		data = append(w.partial, p...)
		w.partial = nil
	}
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSpace(data[:i])
		data = data[i+1:]
		if len(line) == 0 {
			continue
		}
		if err := w.appendLocked(&buf, line); err != nil {
			// Keep what was chained so far: the chain state already
			// includes it.
			if ferr := w.flushLocked(&buf); ferr != nil {
				return 0, ferr
			}
			return 0, err
		}
	}
	if len(data) > 0 {
		w.partial = append([]byte(nil), data...)
	}
	return len(p), w.flushLocked(&buf)
}

func (w *Writer) appendLocked(buf *bytes.Buffer, rec []byte) error {
	if w.closed {
		return errors.New("tamper-evident log is closed")
	}
	c, err := canonical(rec)
	if err != nil {
		return fmt.Errorf("audit record is not valid JSON: %w", err)
	}
	line, err := marshalCanonical(recordLine{Prev: hex.EncodeToString(w.st.Hash[:]), Rec: c, Seq: w.st.Seq + 1})
	if err != nil {
		return fmt.Errorf("encoding record line: %w", err)
	}
	buf.Write(line)
	buf.WriteByte('\n')
	w.st = State{Seq: w.st.Seq + 1, Hash: chainHash(line)}
	w.uncovered++
	if w.uncovered >= w.opt.Every {
		return w.checkpointLocked(buf, false)
	}
	return nil
}

func (w *Writer) checkpointAt(final bool) Checkpoint {
	now := w.opt.Now().UTC()
	if now.Before(w.lastCheckpointTime) {
		now = w.lastCheckpointTime
	}
	prev := w.lastCheckpoint
	return Checkpoint{Final: final, Hash: hex.EncodeToString(w.st.Hash[:]), Key: w.keyID, PrevCheckpoint: &prev, Seq: w.st.Seq, Time: now.Format(time.RFC3339Nano)}
}

func (w *Writer) checkpointLocked(buf *bytes.Buffer, final bool) error {
	return w.writeCheckpointLocked(buf, w.checkpointAt(final))
}

func (w *Writer) writeCheckpointLocked(buf *bytes.Buffer, cp Checkpoint) error {
	line, err := signCheckpoint(w.opt.Key, cp)
	if err != nil {
		return err
	}
	buf.Write(line)
	buf.WriteByte('\n')
	w.uncovered = 0
	w.lastCheckpoint = linkTo(cp.Seq, line)
	if t, err := time.Parse(time.RFC3339Nano, cp.Time); err == nil {
		w.lastCheckpointTime = t
	}
	return nil
}

func (w *Writer) flushLocked(buf *bytes.Buffer) error {
	if buf.Len() == 0 {
		return nil
	}
	if _, err := w.dst.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing audit log: %w", err)
	}
	return nil
}

// Checkpoint writes a checkpoint now if any record is uncovered.
func (w *Writer) Checkpoint() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.uncovered == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := w.checkpointLocked(&buf, false); err != nil {
		return err
	}
	return w.flushLocked(&buf)
}

func (w *Writer) tick() {
	defer close(w.done)
	t := time.NewTicker(w.opt.Interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
			if err := w.Checkpoint(); err != nil && w.opt.OnError != nil {
				w.opt.OnError(err)
			}
		}
	}
}

// Close chains a trailing line that lacked its newline, writes the final
// checkpoint and closes the file when the Writer opened it.
func (w *Writer) Close() error {
	if w.stop != nil {
		w.stopOnce.Do(func() { close(w.stop) })
		<-w.done
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	var buf bytes.Buffer
	var errs []error
	if line := bytes.TrimSpace(w.partial); len(line) > 0 {
		errs = append(errs, w.appendLocked(&buf, line))
		w.partial = nil
	}
	errs = append(errs, w.checkpointLocked(&buf, true), w.flushLocked(&buf))
	w.closed = true
	if w.closer != nil {
		errs = append(errs, w.closer.Close())
	}
	return errors.Join(errs...)
}
