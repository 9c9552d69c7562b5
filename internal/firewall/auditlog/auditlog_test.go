package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// sink is a thread-safe audit destination that can be held (writes block
// until released) and made to fail.
type sink struct {
	mu      sync.Mutex
	b       bytes.Buffer
	gate    chan struct{} // nil: never blocks
	entered chan struct{} // told once when a write blocks on the gate
	once    sync.Once
	failN   atomic.Int64 // the next failN writes fail
}

func (s *sink) Write(p []byte) (int, error) {
	if s.gate != nil {
		s.once.Do(func() { close(s.entered) })
		<-s.gate
	}
	if s.failN.Add(-1) >= 0 {
		return 0, errors.New("disk full")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *sink) records(t *testing.T) []Record {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	sc := bufio.NewScanner(bytes.NewReader(s.b.Bytes()))
	for sc.Scan() {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d is not a record: %v: %q", len(out)+1, err, sc.Text())
		}
		out = append(out, r)
	}
	return out
}

// checkSeq asserts that records are numbered 1..n in the order written.
func checkSeq(t *testing.T, recs []Record) {
	t.Helper()
	for i, r := range recs {
		if r.Seq != uint64(i+1) {
			t.Fatalf("record %d has seq %d: sequence numbers must follow file order without gaps", i+1, r.Seq)
		}
	}
}

func closeNow(t *testing.T, w *Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestConcurrentOrderAndSeq(t *testing.T) {
	for _, queue := range []int{1, 8, 4096} {
		t.Run(fmt.Sprintf("queue %d", queue), func(t *testing.T) {
			s := &sink{}
			w := New(s, Options{Queue: queue, Wait: time.Minute})
			const producers, each = 16, 200
			var wg sync.WaitGroup
			for g := 0; g < producers; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < each; i++ {
						if err := w.Reserve(); err != nil {
							t.Error(err)
							return
						}
						w.Submit(&Record{RequestID: fmt.Sprintf("%d-%d", g, i), Status: 200})
					}
				}()
			}
			wg.Wait()
			closeNow(t, w)
			recs := s.records(t)
			if len(recs) != producers*each {
				t.Fatalf("%d records, want %d", len(recs), producers*each)
			}
			checkSeq(t, recs)
			// Each producer's records keep the order it submitted them in.
			next := make([]int, producers)
			for _, r := range recs {
				var g, i int
				if _, err := fmt.Sscanf(r.RequestID, "%d-%d", &g, &i); err != nil {
					t.Fatal(err)
				}
				if i != next[g] {
					t.Fatalf("producer %d: record %d written before %d", g, i, next[g])
				}
				next[g]++
			}
			if w.Written() != producers*each || w.Errors() != 0 {
				t.Fatalf("Written %d Errors %d", w.Written(), w.Errors())
			}
		})
	}
}

// TestFullQueue: with the sink stuck, reservations beyond the queue wait
// the configured time and fail; the records of refused transactions are
// still written once the sink moves, in sequence.
func TestFullQueue(t *testing.T) {
	s := &sink{gate: make(chan struct{}), entered: make(chan struct{})}
	const wait = 50 * time.Millisecond
	w := New(s, Options{Queue: 2, Wait: wait})

	// The first record takes the writer into the stuck sink.
	if err := w.Reserve(); err != nil {
		t.Fatal(err)
	}
	w.Submit(&Record{RequestID: "first"})
	<-s.entered
	// Two more fill the queue.
	for _, id := range []string{"q1", "q2"} {
		if err := w.Reserve(); err != nil {
			t.Fatalf("reserving %s: %v", id, err)
		}
		w.Submit(&Record{RequestID: id})
	}
	start := time.Now()
	err := w.Reserve()
	if !errors.Is(err, ErrFull) {
		t.Fatalf("Reserve on a full queue = %v, want ErrFull", err)
	}
	if d := time.Since(start); d < wait {
		t.Fatalf("Reserve gave up after %v, before the %v wait", d, wait)
	}
	// The refused transaction's record waits for room instead of being lost.
	done := make(chan struct{})
	go func() {
		w.SubmitOverflow(&Record{RequestID: "refused", Decision: Blocked, Reasons: []string{"audit-backpressure"}})
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("SubmitOverflow returned while the queue was full")
	case <-time.After(30 * time.Millisecond):
	}
	close(s.gate)
	<-done
	closeNow(t, w)
	recs := s.records(t)
	checkSeq(t, recs)
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.RequestID)
	}
	if got := strings.Join(ids, ","); got != "first,q1,q2,refused" {
		t.Fatalf("records %s, want first,q1,q2,refused", got)
	}
}

func TestCloseFlushesAndLateRecords(t *testing.T) {
	s := &sink{}
	w := New(s, Options{Queue: 1024})
	for i := 0; i < 500; i++ {
		if err := w.Reserve(); err != nil {
			t.Fatal(err)
		}
		w.Submit(&Record{RequestID: fmt.Sprint(i)})
	}
	// A transaction that reserved before Close submits after it.
	if err := w.Reserve(); err != nil {
		t.Fatal(err)
	}
	closeNow(t, w)
	if n := len(s.records(t)); n != 500 {
		t.Fatalf("after Close %d records in the sink, want 500", n)
	}
	w.Submit(&Record{RequestID: "late"})
	w.SubmitOverflow(&Record{RequestID: "overflow-late"})
	if err := w.Reserve(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Reserve after Close = %v, want ErrClosed", err)
	}
	recs := s.records(t)
	checkSeq(t, recs)
	if len(recs) != 502 || recs[500].RequestID != "late" || recs[501].RequestID != "overflow-late" {
		t.Fatalf("%d records; the late ones must be written after the queue", len(recs))
	}
	// Closing twice is harmless.
	closeNow(t, w)
}

func TestCloseGivesUpAtDeadline(t *testing.T) {
	s := &sink{gate: make(chan struct{}), entered: make(chan struct{})}
	w := New(s, Options{Queue: 4})
	_ = w.Reserve()
	w.Submit(&Record{RequestID: "stuck"})
	<-s.entered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := w.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want a deadline error", err)
	}
	close(s.gate)
}

// TestWriteErrorsLoseNothing: a sink that fails is retried until it takes
// the records; nothing is dropped, and while it fails the queue fills so
// that Reserve refuses new transactions (the firewall then answers 503).
func TestWriteErrorsLoseNothing(t *testing.T) {
	s := &sink{}
	var reported atomic.Int64
	w := New(s, Options{Queue: 2, Wait: 20 * time.Millisecond, OnError: func(error) { reported.Add(1) }})
	put := func(id string) error {
		if err := w.Reserve(); err != nil {
			return err
		}
		w.Submit(&Record{RequestID: id})
		return nil
	}
	// A transient failure: retried, nothing lost.
	s.failN.Store(1)
	if err := put("retried"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return len(s.records(t)) == 1 })
	// A longer failure: the writer keeps the record and retries; the
	// queue fills and Reserve fails closed.
	s.failN.Store(6) // about 0.6 s of retries
	if err := put("kept"); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, func() bool { return w.Failing() })
	_ = put("queued-1")
	_ = put("queued-2")
	refused := false
	for i := 0; i < 5 && !refused; i++ {
		refused = errors.Is(put("extra"), ErrFull)
	}
	waitUntil(t, func() bool { return !w.Failing() })
	closeNow(t, w)
	var ids []string
	for _, r := range s.records(t) {
		ids = append(ids, r.RequestID)
	}
	got := strings.Join(ids, ",")
	if !strings.HasPrefix(got, "retried,kept") || strings.Count(got, "queued-") != 2 {
		t.Fatalf("records %q: a record was lost or reordered", got)
	}
	checkSeq(t, s.records(t))
	if !refused {
		t.Fatal("Reserve kept succeeding while the sink failed: the firewall would serve unrecorded traffic")
	}
	if reported.Load() < 6 {
		t.Fatalf("reported %d write errors, want each failure reported", reported.Load())
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5s")
		}
		time.Sleep(time.Millisecond)
	}
}

// Records carry metadata only; the JSON shape is what log pipelines parse.
func TestRecordShape(t *testing.T) {
	s := &sink{}
	w := New(s, Options{})
	_ = w.Reserve()
	w.Submit(&Record{RequestID: "r1", Method: "GET", Path: "/v1/items", Status: 200, Decision: Allowed, Upstream: true})
	closeNow(t, w)
	line := strings.TrimSpace(s.b.String())
	var m map[string]any
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"seq", "time", "request_id", "client", "method", "path", "status", "decision", "latency_ms", "request_bytes", "response_bytes", "upstream"} {
		if _, ok := m[k]; !ok {
			t.Errorf("record has no %q: %s", k, line)
		}
	}
	for _, k := range []string{"reasons", "redacted", "operation", "mode", "contract"} {
		if _, ok := m[k]; ok {
			t.Errorf("empty %q should be omitted: %s", k, line)
		}
	}
}

// TestSaturatedWhileTheSinkBlocks: a sink that blocks without failing
// fills the queue; Saturated says so (for /readyz), where Failing, which
// waits for a write to fail, never did. It clears once the sink moves.
func TestSaturatedWhileTheSinkBlocks(t *testing.T) {
	pr, pw := io.Pipe()
	w := New(pw, Options{Queue: 2, Wait: 10 * time.Millisecond})
	if w.Saturated() {
		t.Fatal("saturated before any record")
	}
	for i := range 3 { // one written (blocked in the pipe), two queued
		if err := w.Reserve(); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		w.Submit(&Record{RequestID: fmt.Sprint(i)})
		if i == 0 {
			waitUntil(t, func() bool { return len(w.slots) == 0 })
		}
	}
	if !w.Saturated() || w.Failing() {
		t.Fatalf("saturated %v, failing %v; want true, false", w.Saturated(), w.Failing())
	}
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	waitUntil(t, func() bool { return !w.Saturated() })
	closeNow(t, w)
}
