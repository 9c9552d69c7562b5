// Package auditlog writes one JSON line per transaction, asynchronously,
// through a bounded queue that never drops a record.
//
// A transaction reserves its place in the queue before it is processed
// (Reserve). When the queue is full the reservation waits briefly and then
// fails, and the caller answers 503: under a slow log sink the firewall
// slows down and then refuses work rather than letting traffic through
// unrecorded. Records of refused transactions are still written
// (SubmitOverflow waits for room), so the log stays complete.
package auditlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Record is one transaction. Only metadata is recorded: no header values,
// no query string and no body, so credentials cannot reach the log.
type Record struct {
	Seq       uint64   `json:"seq"`
	Time      string   `json:"time"`
	RequestID string   `json:"request_id"`
	Client    string   `json:"client"`
	Method    string   `json:"method"`
	Path      string   `json:"path"`
	Operation string   `json:"operation,omitempty"`
	Status    int      `json:"status"`
	Decision  string   `json:"decision"`
	Reasons   []string `json:"reasons,omitempty"`
	// Notes say what the firewall did to, or could not check of, an
	// allowed transaction: response-stripped (undeclared properties
	// removed), response-body-unchecked (a streamed or oversized body
	// passed without body validation).
	Notes     []string `json:"notes,omitempty"`
	LatencyMS float64  `json:"latency_ms"`
	ReqBytes  int64    `json:"request_bytes"`
	RespBytes int64    `json:"response_bytes"`
	Redacted  []string `json:"redacted,omitempty"`
	Upstream  bool     `json:"upstream"`
	Mode      string   `json:"mode,omitempty"`
	// RespMode is the response side's mode, which the configuration sets
	// apart (response_mode): a response let through in monitor on an
	// operation whose requests are blocked reads mode block.
	RespMode   string `json:"response_mode,omitempty"`
	ContractID string `json:"contract,omitempty"`
}

// Decisions.
const (
	Allowed   = "allowed"
	Blocked   = "blocked"
	Monitored = "monitored-violation"
)

// ErrFull is returned by Reserve when the queue stayed full.
var ErrFull = errors.New("audit log queue is full")

// ErrClosed is returned after Close.
var ErrClosed = errors.New("audit log is closed")

// Writer is the asynchronous writer.
type Writer struct {
	// buf holds encoded records not yet written to dst; pending counts
	// them. A bufio.Writer is not used because it keeps its first write
	// error forever, which would silently end the log after one
	// transient failure of the sink.
	buf     []byte
	pending uint64
	failing atomic.Bool
	dst     io.Writer
	slots   chan struct{}
	queue   chan *Record
	wait    time.Duration
	seq     uint64
	done    chan struct{}
	closed  atomic.Bool
	mu      sync.RWMutex // held for reading while submitting, for writing by Close
	written atomic.Uint64
	errs    atomic.Uint64
	onErr   func(error)
}

// Options configure a Writer.
type Options struct {
	// Queue is the number of records that may wait to be written (default 4096).
	Queue int
	// Wait is how long Reserve waits for room (default 100ms).
	Wait time.Duration
	// OnError is told about write errors. Failed writes are retried until
	// they succeed; no record is dropped.
	OnError func(error)
}

// New starts a writer to dst.
func New(dst io.Writer, o Options) *Writer {
	if o.Queue <= 0 {
		o.Queue = 4096
	}
	if o.Wait <= 0 {
		o.Wait = 100 * time.Millisecond
	}
	w := &Writer{
		buf:   make([]byte, 0, bufSize),
		dst:   dst,
		slots: make(chan struct{}, o.Queue),
		queue: make(chan *Record, o.Queue),
		wait:  o.Wait,
		done:  make(chan struct{}),
		onErr: o.OnError,
	}
	go w.run()
	return w
}

// Reserve takes a place in the queue for one record, waiting at most the
// configured time. A successful Reserve must be followed by Submit.
func (w *Writer) Reserve() error {
	if w.closed.Load() {
		return ErrClosed
	}
	select {
	case w.slots <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(w.wait)
	defer t.Stop()
	select {
	case w.slots <- struct{}{}:
		return nil
	case <-t.C:
		return ErrFull
	}
}

// Submit queues a record for which a place was reserved. It never blocks
// on the sink.
func (w *Writer) Submit(r *Record) {
	w.mu.RLock()
	if !w.closed.Load() {
		// Cannot block: the reservation guarantees room in the queue.
		w.queue <- r
		w.mu.RUnlock()
		return
	}
	w.mu.RUnlock()
	<-w.slots
	w.writeNow(r)
}

// SubmitOverflow queues a record without a reservation, waiting for room as
// long as it takes: it is for the records of refused transactions, which
// must not be lost either.
func (w *Writer) SubmitOverflow(r *Record) {
	select {
	case w.slots <- struct{}{}:
		w.Submit(r)
	case <-w.done:
		w.writeNow(r)
	}
}

// writeNow is the path taken after Close: once the queue is drained,
// late records are written synchronously, in arrival order.
func (w *Writer) writeNow(r *Record) {
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	w.write(r)
	w.flush()
}

func (w *Writer) run() {
	defer close(w.done)
	for r := range w.queue {
		w.write(r)
		<-w.slots
		// Flush when the queue is drained, so records reach the sink
		// promptly at low rates and in large writes at high rates.
		if len(w.queue) == 0 {
			w.flush()
		}
	}
	w.flush()
}

func (w *Writer) write(r *Record) {
	w.seq++
	r.Seq = w.seq
	b, err := json.Marshal(r)
	if err != nil {
		w.report(fmt.Errorf("encoding audit record: %w", err))
		return
	}
	w.buf = append(w.buf, b...)
	w.buf = append(w.buf, '\n')
	w.pending++
	if len(w.buf) >= bufSize {
		w.flush()
	}
}

// bufSize is how much is gathered before a write to the sink.
const bufSize = 64 << 10

// flush writes the gathered records. A record is never dropped: when the
// sink fails, flush retries (backing off up to a second) until it succeeds.
// Meanwhile the writer takes no new records, the queue fills, Reserve
// fails, and the firewall answers 503: it stops serving rather than serve
// unrecorded traffic. Failing reports the state for /readyz.
func (w *Writer) flush() {
	backoff := 10 * time.Millisecond
	for len(w.buf) > 0 {
		n, err := w.dst.Write(w.buf)
		if n > 0 {
			w.buf = w.buf[:copy(w.buf, w.buf[n:])]
		}
		if err == nil && len(w.buf) == 0 {
			break
		}
		if err == nil {
			err = io.ErrShortWrite
		}
		w.failing.Store(true)
		w.report(fmt.Errorf("writing %d audit records (will retry): %w", w.pending, err))
		time.Sleep(backoff)
		backoff = min(2*backoff, time.Second)
	}
	w.failing.Store(false)
	w.written.Add(w.pending)
	w.pending = 0
}

// Failing reports whether the sink is refusing writes right now.
func (w *Writer) Failing() bool { return w.failing.Load() }

// Saturated reports whether every place of the queue is taken: new
// transactions wait and then get 503. A sink that blocks without failing
// (a stalled pipe, a hung disk) shows only this way, since its write never
// returns an error for Failing to report.
func (w *Writer) Saturated() bool { return len(w.slots) == cap(w.slots) }

func (w *Writer) report(err error) {
	w.errs.Add(1)
	if w.onErr != nil {
		w.onErr(err)
	}
}

// Written is the number of records written so far.
func (w *Writer) Written() uint64 { return w.written.Load() }

// Errors is the number of write errors so far.
func (w *Writer) Errors() uint64 { return w.errs.Load() }

// Close stops accepting queued records, writes everything queued and
// flushes. It waits at most until ctx ends.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed.Swap(true) {
		w.mu.Unlock()
		return nil
	}
	close(w.queue)
	w.mu.Unlock()
	select {
	case <-w.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("audit log not fully flushed: %w", ctx.Err())
	}
}
