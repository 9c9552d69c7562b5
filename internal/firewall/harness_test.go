package firewall

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a real HTTP server on 127.0.0.1 that records which requests
// reached it (by request id) and answers as the X-Up-* headers ask.
type upstream struct {
	srv  *http.Server
	addr string
	mu   sync.Mutex
	seen map[string]*http.Request
	body map[string][]byte
}

func startUpstream(t testing.TB) *upstream {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := &upstream{addr: ln.Addr().String(), seen: map[string]*http.Request{}, body: map[string][]byte{}}
	u.srv = &http.Server{Handler: http.HandlerFunc(u.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = u.srv.Serve(ln) }()
	t.Cleanup(func() { _ = u.srv.Close() })
	return u
}

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	id := r.Header.Get(RequestIDHeader)
	u.mu.Lock()
	u.seen[id] = r
	u.body[id] = b
	u.mu.Unlock()
	if d := r.Header.Get("X-Up-Sleep"); d != "" {
		dur, _ := time.ParseDuration(d)
		select {
		case <-time.After(dur):
		case <-r.Context().Done():
			return
		}
	}
	status := http.StatusOK
	switch r.Method {
	case http.MethodPost:
		status = http.StatusCreated
	case http.MethodDelete:
		status = http.StatusNoContent
	}
	if s := r.Header.Get("X-Up-Status"); s != "" {
		status, _ = strconv.Atoi(s)
	}
	ct := "application/json"
	if s := r.Header.Get("X-Up-CT"); s != "" {
		ct = s
	}
	body := `{"ok":true}`
	if s, ok := r.Header["X-Up-Body"]; ok {
		body = s[0]
	}
	if r.Header.Get("X-Up-Early-Hints") != "" {
		w.Header().Set("Link", "</style.css>; rel=preload")
		// Fields that have no business in a hint, and that hardening
		// removes from final responses.
		w.Header().Set("X-Powered-By", "PHP/5.2.1")
		w.Header().Set("Set-Cookie", "sid=1")
		w.Header().Set(RequestIDHeader, "upstream-id")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Del("X-Powered-By")
		w.Header().Del("Set-Cookie")
		w.Header().Del(RequestIDHeader)
	}
	if s := r.Header.Get("X-Up-Trailer"); s != "" {
		// Announced now, sent after the body.
		w.Header().Set("Trailer", "X-Up-Trailer-Value")
		defer func() { w.Header().Set("X-Up-Trailer-Value", s) }()
	}
	if r.Header.Get("X-Up-Reflect-Origin") != "" {
		// A backend whose CORS reflects any origin with credentials.
		w.Header().Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
		w.Header().Set("Access-Control-Allow-Credentials", "true")
		w.Header().Set("Access-Control-Expose-Headers", "X-Secret")
	}
	if s := r.Header.Get("X-Up-Rate"); s != "" {
		w.Header().Set("X-Rate", s)
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	if ct == "none" {
		w.Header()["Content-Type"] = nil // no field, and no sniffing either
	} else {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

func (u *upstream) reached(id string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	_, ok := u.seen[id]
	return ok
}

// request returns the request the upstream got with this request id.
func (u *upstream) request(id string) *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen[id]
}

func (u *upstream) received(id string) []byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.body[id]
}

// syncBuffer is an audit sink tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startFirewall runs a firewall on 127.0.0.1 in front of up, logging to
// stderr when the tests run verbose.
func startFirewall(t testing.TB, cfg Config, audit io.Writer) *Server {
	t.Helper()
	var logger *slog.Logger
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return startFirewallWithLogger(t, cfg, logger, audit)
}

// startFirewallWithLogger runs a firewall on 127.0.0.1 that logs to logger,
// for the tests that read what the firewall logs; it is shut down when the
// test ends.
func startFirewallWithLogger(t testing.TB, cfg Config, logger *slog.Logger, audit io.Writer) *Server {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.Admin = "127.0.0.1:0"
	if cfg.WatchInterval == 0 {
		cfg.WatchInterval = -1
	}
	if audit == nil {
		audit = io.Discard
	}
	s, err := New(context.Background(), cfg, logger, audit)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

var testClient = &http.Client{
	Timeout:   10 * time.Second,
	Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64, DisableCompression: true},
}

// keepSending has workers send GET url until the returned stop is called,
// which waits for them and reports how many requests were sent and how
// many failed or got an answer ok refuses.
func keepSending(url string, workers int, ok func(*http.Response) bool) (stop func() (total, bad int64)) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var sent, failed atomic.Int64
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				resp, err := testClient.Get(url)
				sent.Add(1)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if !ok(resp) {
					failed.Add(1)
				}
			}
		}()
	}
	return func() (int64, int64) {
		close(done)
		wg.Wait()
		return sent.Load(), failed.Load()
	}
}
