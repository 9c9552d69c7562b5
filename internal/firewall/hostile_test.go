package firewall

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

// Requests and upstreams that misbehave on purpose: each gets a clear
// answer, and every transaction keeps its one audit record.

func post(t *testing.T, url, ct, body string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url, ct, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// recordsAfterShutdown stops the firewall (which flushes the audit log)
// and counts the records written. Shutdown succeeds even when the drain
// runs out and cuts what is left: that is the documented way to stop, and
// `rampart protect` exits 0 after it.
func recordsAfterShutdown(t *testing.T, fw *Server, sink *syncBuffer) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fw.Shutdown(ctx); err != nil {
		t.Fatalf("shutdown: %v", err)
	}
	return len(auditLines(t, sink))
}

// auditLines returns the audit records written so far.
func auditLines(t *testing.T, sink *syncBuffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(sink.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("bad record %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// A number whose exponent the schema engine cannot represent made it
// panic (nil *big.Rat), and the lost audit reservation of each such
// request eventually stopped the firewall. It is now a 400, and the
// firewall keeps answering.
func TestHugeExponentIsRefusedNotFatal(t *testing.T) {
	up := startUpstream(t)
	sink := &syncBuffer{}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}
	cfg.Audit = AuditConfig{Queue: 2, Wait: 50 * time.Millisecond}
	fw := startFirewall(t, cfg, sink)
	base := "http://" + fw.Addr()
	for i := 0; i < 10; i++ { // far more than the queue holds
		resp, body := post(t, base+"/v1/items", "application/json", `{"name":"ab","price":1e10000000}`)
		if resp.StatusCode != 400 || !strings.Contains(body, "schema-violation") {
			t.Fatalf("huge exponent in the body: %d %s", resp.StatusCode, body)
		}
		resp, body = get(t, base+"/v1/items?ratio=1e10000000", nil)
		if resp.StatusCode != 400 {
			t.Fatalf("huge exponent in a parameter: %d %s", resp.StatusCode, body)
		}
	}
	if resp, _ := get(t, base+"/v1/items", nil); resp.StatusCode != 200 {
		t.Fatalf("after the refusals: %d", resp.StatusCode)
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 21 {
		t.Fatalf("%d audit records for 21 transactions", n)
	}
	up.mu.Lock()
	defer up.mu.Unlock()
	if len(up.seen) != 1 {
		t.Fatalf("the upstream saw %d requests, want only the valid one", len(up.seen))
	}
}

// blockedSink never completes a write until released: a stuck log pipe.
type blockedSink struct {
	syncBuffer
	release chan struct{}
}

func (b *blockedSink) Write(p []byte) (int, error) {
	<-b.release
	return b.syncBuffer.Write(p)
}

// With the audit sink stuck, a request gets its 503 after the configured
// wait, not when the sink comes back; its record is still written later.
func TestAuditBackpressureAnswersWhileSinkIsStuck(t *testing.T) {
	up := startUpstream(t)
	sink := &blockedSink{release: make(chan struct{})}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}
	cfg.Audit = AuditConfig{Queue: 1, Wait: 50 * time.Millisecond}
	fw := startFirewall(t, cfg, sink)
	client := &http.Client{Timeout: 3 * time.Second}
	got503 := false
	for i := 0; i < 6 && !got503; i++ {
		resp, err := client.Get("http://" + fw.Addr() + "/v1/items")
		if err != nil {
			continue // an earlier request of this loop may be the one waiting
		}
		resp.Body.Close()
		got503 = resp.StatusCode == 503
	}
	// Every request is refused now: /readyz says so, so that a load
	// balancer sends them elsewhere (a blocked sink never fails a write,
	// and readiness stayed "ready").
	ready := fw.Ready()
	close(sink.release)
	if !got503 {
		t.Fatal("no 503 while the audit sink was stuck")
	}
	if ready {
		t.Error("ready while the audit sink was stuck and requests got 503")
	}
	waitFor(t, "ready again once the sink moves", fw.Ready)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := fw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// rawUpstream serves each request it reads with answer, which writes raw
// bytes on the connection: for upstreams that break HTTP on purpose.
// stallUntilCleanup returns a function that blocks an upstream handler
// until the test ends (at most 20 s): an upstream that stops sending.
func stallUntilCleanup(t *testing.T) func() {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	return func() {
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		}
	}
}

func rawUpstream(t *testing.T, answer func(c net.Conn, req *http.Request)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil {
					return
				}
				answer(c, req)
			}()
		}
	}()
	return ln.Addr().String()
}

// An upstream that dies in the middle of a response body: the client's
// connection is aborted, and the transaction still has its record.
func TestUpstreamAbortKeepsTheRecord(t *testing.T) {
	addr := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n{\"ok\":")
	})
	sink := &syncBuffer{}
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr}, sink)
	resp, err := http.Get("http://" + fw.Addr() + "/v1/items")
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 1 {
		t.Fatalf("%d audit records for one transaction", n)
	}
}

// An upstream that sends its header and then stalls in the body the
// firewall buffers to validate: the client gets a 504 within the upstream
// timeout, with its record, instead of waiting on the upstream for ever
// (and getting nothing once the write timeout had passed).
func TestUpstreamStallingMidBodyTimesOut(t *testing.T) {
	stall := stallUntilCleanup(t)
	addr := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":")
		stall()
	})
	sink := &syncBuffer{}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr}
	cfg.Timeouts.Upstream = 300 * time.Millisecond
	fw := startFirewall(t, cfg, sink)
	start := time.Now()
	resp, body := get(t, "http://"+fw.Addr()+"/v1/items", nil)
	if resp.StatusCode != 504 || !strings.Contains(body, "upstream-timeout") {
		t.Fatalf("status %d %s, want 504 upstream-timeout", resp.StatusCode, body)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("answered after %v", d)
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 1 {
		t.Fatalf("%d audit records for one transaction", n)
	}
	rec := auditLines(t, sink)[0]
	if rec["status"] != float64(504) || !strings.Contains(fmt.Sprint(rec["reasons"]), "upstream-timeout") {
		t.Errorf("record %v", rec)
	}
}

// A response header is bounded like a request's (limits.max_header_bytes):
// an upstream's huge header is refused with a 502 and its record, not
// buffered and relayed to the client.
func TestHugeResponseHeaderIsRefused(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		w.Header().Set("X-Filler", strings.Repeat("a", n<<10))
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer up.Close()
	sink := &syncBuffer{}
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: up.URL}, sink)
	for kib, want := range map[int]int{8: 200, 100: 502} {
		resp, body := get(t, "http://"+fw.Addr()+"/v1/items?limit="+strconv.Itoa(kib), nil)
		if resp.StatusCode != want {
			t.Errorf("%d KiB response header: status %d, want %d (%.80s)", kib, resp.StatusCode, want, body)
		}
		if want == 502 && resp.Header.Get("X-Filler") != "" {
			t.Errorf("%d KiB response header relayed", kib)
		}
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 2 {
		t.Fatalf("%d audit records for two transactions", n)
	}
}

// The query the upstream gets is the one the firewall validated, byte for
// byte. ReverseProxy re-encodes a query url.ParseQuery refuses, dropping
// every pair with a semicolon: "q=a;b", data to the firewall (a ';' not
// followed by name=), reached the upstream without q at all.
func TestQueryForwardedAsSent(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	for _, q := range []string{"q=a;b", "q=ab&space=a%20b;c", "space=x&q=a%3Bb", "q=a+b&pipe=1%7C2"} {
		resp, body := get(t, "http://"+fw.Addr()+"/v1/search?"+q, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d %s", q, resp.StatusCode, body)
		}
		r := up.request(resp.Header.Get(RequestIDHeader))
		if r == nil {
			t.Fatalf("%s: not forwarded", q)
		}
		if r.URL.RawQuery != q {
			t.Errorf("sent %q, the upstream got %q", q, r.URL.RawQuery)
		}
	}
}

// An HTTP/1.0 request without a Host reaches the upstream without an
// X-Forwarded-Host, not with an empty one.
func TestNoHostNoForwardedHost(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	resps, _ := rawExchange(t, func() (net.Conn, error) { return net.Dial("tcp", fw.Addr()) }, "GET /v1/items HTTP/1.0\r\n\r\n", 1)
	r := up.request(resps[0].Header.Get(RequestIDHeader))
	if resps[0].StatusCode != 200 || r == nil {
		t.Fatalf("status %d, forwarded: %v", resps[0].StatusCode, r != nil)
	}
	if v, ok := r.Header["X-Forwarded-Host"]; ok {
		t.Errorf("X-Forwarded-Host %q", v)
	}
}

// A transaction that outlives the drain (an event stream that never ends)
// is cut when the drain runs out, and its record is still written: the
// audit flush does not share the drain's exhausted deadline.
func TestShutdownCutsStreamsAndKeepsTheirRecords(t *testing.T) {
	stall := stallUntilCleanup(t)
	addr := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n8\r\ndata: x\n\r\n")
		stall()
	})
	sink := &syncBuffer{}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr}
	cfg.Timeouts.Drain = 300 * time.Millisecond
	fw := startFirewall(t, cfg, sink)
	resp, err := http.Get("http://" + fw.Addr() + "/v1/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := bufio.NewReader(resp.Body).ReadString('\n'); err != nil {
		t.Fatalf("the stream did not start: %v", err)
	}
	start := time.Now()
	n := recordsAfterShutdown(t, fw, sink)
	if n != 1 {
		t.Fatalf("%d audit records for one transaction", n)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("shutdown took %v", d)
	}
	// The upstream answered: the record blames the shutdown, not it.
	rec := auditLines(t, sink)[0]
	if reasons := fmt.Sprint(rec["reasons"]); !strings.Contains(reasons, "shutdown-cut") || strings.Contains(reasons, "upstream-aborted") {
		t.Errorf("reasons %s, want shutdown-cut alone", reasons)
	}
}

// What the reverse proxy reports itself (an upstream's stream broken in
// the middle) is in the firewall's structured log, not written bare to
// standard error by the standard logger.
func TestProxyErrorsAreStructured(t *testing.T) {
	addr := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n8\r\ndata: x\n\r\nZZZ\r\n")
	})
	fw, logs := startFirewallLogged(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr})
	resp, err := http.Get("http://" + fw.Addr() + "/v1/stream")
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	waitFor(t, "the proxy's report in the log", func() bool {
		return strings.Contains(logs.String(), "ReverseProxy read error during body copy")
	})
}

// A compressed request body is forwarded decoded, without the digests of
// the compressed bytes, as a decoded response is.
func TestDecodedRequestLosesItsDigests(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+"/v1/notes", strings.NewReader(gz("hello")))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Digest", "sha-256=:abc=:")
	req.Header.Set("Digest", "sha-256=abc=")
	req.Header.Set("Content-MD5", "abc=")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	r := up.request(resp.Header.Get(RequestIDHeader))
	if resp.StatusCode != 201 || r == nil || string(up.received(resp.Header.Get(RequestIDHeader))) != "hello" {
		t.Fatalf("status %d, forwarded %v", resp.StatusCode, r != nil)
	}
	for _, f := range []string{"Content-Encoding", "Content-Digest", "Digest", "Content-Md5"} {
		if v := r.Header.Values(f); len(v) > 0 {
			t.Errorf("%s %q reached the upstream with the decoded body", f, v)
		}
	}
}

// Monitor mode forwards what breaks the contract, but the body size limit
// holds for every request: an undeclared content type or an unknown path
// does not let a 5 MB body through.
func TestMonitorModeKeepsTheSizeLimit(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr, Mode: "monitor"}, nil)
	big := strings.Repeat("x", 5<<20)
	for _, c := range []struct{ path, ct string }{
		{"/v1/items", "text/html"},
		{"/v1/nothere", "application/json"},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+c.path, io.MultiReader(strings.NewReader(big))) // chunked: no length
		req.Header.Set("Content-Type", c.ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 413 {
			t.Errorf("%s %s: status %d, want 413", c.path, c.ct, resp.StatusCode)
		}
		up.mu.Lock()
		r := up.seen[resp.Header.Get(RequestIDHeader)]
		up.mu.Unlock()
		if r != nil {
			t.Errorf("%s: the body reached the upstream", c.path)
		}
	}
	// Under the limit, an undeclared content type is still forwarded.
	resp, _ := post(t, "http://"+fw.Addr()+"/v1/notes", "text/html", "<p>hi</p>")
	if resp.StatusCode >= 400 {
		t.Fatalf("a small monitored request: %d", resp.StatusCode)
	}
}

// Content-Encoding fields are one list: an empty first field does not hide
// a gzip bomb in the second, and stacked codings are refused.
func TestContentEncodingFieldsAreOneList(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(make([]byte, 50<<20))
	_ = zw.Close()
	for _, c := range []struct {
		fields []string
		want   int
	}{
		{[]string{"", "gzip"}, 413},
		{[]string{"identity", "gzip"}, 413},
		{[]string{"gzip", "gzip"}, 415},
		{[]string{"gzip, deflate"}, 415},
	} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+"/v1/notes", bytes.NewReader(bomb.Bytes()))
		req.Header.Set("Content-Type", "application/octet-stream")
		for _, f := range c.fields {
			req.Header.Add("Content-Encoding", f)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("Content-Encoding %q: status %d, want %d", c.fields, resp.StatusCode, c.want)
		}
	}
}

// An upstream that switches protocols gets a 502, at once, with its
// record; the firewall does not ask upstreams to upgrade.
func TestSwitchingProtocolsIsRefused(t *testing.T) {
	upgradeAsked := make(chan string, 4)
	addr := rawUpstream(t, func(c net.Conn, req *http.Request) {
		upgradeAsked <- req.Header.Get("Upgrade")
		_, _ = io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		time.Sleep(5 * time.Second) // the upgraded stream never ends on its own
	})
	sink := &syncBuffer{}
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr}, sink)
	req, _ := http.NewRequest(http.MethodGet, "http://"+fw.Addr()+"/v1/items", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 502 {
		t.Fatalf("status %d, want 502", resp.StatusCode)
	}
	if u := <-upgradeAsked; u != "" {
		t.Errorf("the upstream was asked to upgrade to %q", u)
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 1 {
		t.Fatalf("%d audit records for one transaction", n)
	}
}

// An ambiguous path outside the base path is refused as ambiguous, hard,
// in monitor mode too: an upstream may normalise it into the base path.
func TestAmbiguousPathOutsideTheBasePath(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr, Mode: "monitor"}, nil)
	for _, p := range []string{"/foo/%2e%2e/v1/items", "//v1/items", "/foo/..%2fv1/items", "/v1%2fitems", "/foo/%00/v1/items"} {
		c, err := net.Dial("tcp", fw.Addr())
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.WriteString(c, "GET "+p+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400", p, resp.StatusCode)
		}
		up.mu.Lock()
		reached := up.seen[resp.Header.Get(RequestIDHeader)] != nil
		up.mu.Unlock()
		if reached {
			t.Errorf("%s reached the upstream", p)
		}
	}
}

// A compressed response is validated and forwarded decoded; one that
// claims a coding it does not have is blocked. Accept-Encoding is not
// passed upstream.
func TestCompressedResponses(t *testing.T) {
	var askedEncoding sync.Map
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ae := r.Header.Get("Accept-Encoding"); ae != "" {
			askedEncoding.Store(ae, true)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Digest", "sha-256=stale")
		if r.URL.Query().Get("limit") == "2" {
			_, _ = io.WriteString(w, `{"ok":true}`) // says gzip, is not
			return
		}
		zw := gzip.NewWriter(w)
		_, _ = io.WriteString(zw, `{"ok":true}`)
		_ = zw.Close()
	}))
	defer up.Close()
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: up.URL}, nil)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	req, _ := http.NewRequest(http.MethodGet, "http://"+fw.Addr()+"/v1/items?limit=1", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"ok":true}` || resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Digest") != "" {
		t.Fatalf("gzip response: %d %q %v", resp.StatusCode, b, resp.Header)
	}
	resp, body := get(t, "http://"+fw.Addr()+"/v1/items?limit=2", nil)
	if resp.StatusCode != 502 || !strings.Contains(body, "response-body-malformed") {
		t.Fatalf("a false gzip label: %d %s", resp.StatusCode, body)
	}
	askedEncoding.Range(func(k, _ any) bool {
		t.Errorf("the upstream was offered Accept-Encoding %q", k)
		return true
	})
}

// OPTIONS * is the firewall's to answer (and record), not net/http's.
func TestOptionsAsteriskIsRecorded(t *testing.T) {
	up := startUpstream(t)
	sink := &syncBuffer{}
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, sink)
	c, err := net.Dial("tcp", fw.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, _ = io.WriteString(c, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || resp.Header.Get(RequestIDHeader) == "" {
		t.Fatalf("status %d, request id %q", resp.StatusCode, resp.Header.Get(RequestIDHeader))
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 1 {
		t.Fatalf("%d audit records", n)
	}
}

// The client gets one request id, the firewall's, even when the upstream
// sets its own.
func TestOneRequestID(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(RequestIDHeader, "upstream-id")
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer up.Close()
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: up.URL}, nil)
	resp, _ := get(t, "http://"+fw.Addr()+"/v1/items", nil)
	if ids := resp.Header.Values(RequestIDHeader); resp.StatusCode != 200 || len(ids) != 1 || ids[0] == "upstream-id" {
		t.Fatalf("status %d, request ids %q", resp.StatusCode, ids)
	}
}

// Parser differentials: what the firewall validates must be what the
// upstream reads. A JSON body in another charset and two Content-Type
// fields are refused (multipart parts the upstream might base64-decode:
// TestParseMultipart in package body).
func TestBodyReadTheSameWay(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	item := `{"name":"ab","price":1}`
	send := func(cts []string, body string, path string) int {
		req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+path, strings.NewReader(body))
		for _, ct := range cts {
			req.Header.Add("Content-Type", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		name string
		cts  []string
		body string
		path string
		want int
	}{
		{"UTF-8 declared", []string{"application/json; charset=UTF-8"}, item, "/v1/items", 201},
		{"UTF-16 declared", []string{"application/json; charset=utf-16"}, item, "/v1/items", 415},
		{"malformed content type", []string{"application/json; charset"}, item, "/v1/items", 415},
		{"two Content-Type fields", []string{"application/json", "text/plain"}, item, "/v1/items", 400},
	} {
		if got := send(c.cts, c.body, c.path); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
}

// A response whose charset is not UTF-8 is not what was validated (the
// client would decode other text): blocked. UTF-8 declared passes.
func TestResponseCharset(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	for ct, want := range map[string]int{
		"application/json; charset=utf-16":  502,
		"application/json; charset=UTF-8":   200,
		"application/json; charset=latin-1": 502,
	} {
		resp, body := get(t, "http://"+fw.Addr()+"/v1/items", h("X-Up-CT", ct))
		if resp.StatusCode != want {
			t.Errorf("%s: status %d, want %d (%s)", ct, resp.StatusCode, want, body)
		}
	}
}

// A response with several Content-Type fields is refused: the firewall
// would validate the body as the first, and a browser read it as the last
// (JSON with markup in a string, rendered as text/html).
func TestResponseContentTypeFields(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Content-Type"] = r.Header.Values("X-Up-CT")
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer up.Close()
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: up.URL}, nil)
	for _, c := range []struct {
		method string
		cts    []string
		want   int
	}{
		{http.MethodGet, []string{"application/json"}, 200},
		{http.MethodGet, []string{"application/json", "text/html"}, 502},
		{http.MethodGet, []string{"application/json", "application/json"}, 502},
		{http.MethodHead, []string{"application/json", "text/html"}, 502},
	} {
		req, _ := http.NewRequest(c.method, "http://"+fw.Addr()+"/v1/items", nil)
		for _, ct := range c.cts {
			req.Header.Add("X-Up-CT", ct)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s answered with Content-Type %q: status %d, want %d", c.method, c.cts, resp.StatusCode, c.want)
		}
		if c.want == 502 && c.method == http.MethodGet && !strings.Contains(string(b), "response-media-type-undeclared") {
			t.Errorf("%q: %s", c.cts, b)
		}
	}
}

// HEAD has no body, but its Content-Type still describes the GET's body:
// an undeclared one is blocked.
func TestHeadContentTypeIsChecked(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	for ct, want := range map[string]int{"text/html": 502, "application/json": 200} {
		req, _ := http.NewRequest(http.MethodHead, "http://"+fw.Addr()+"/v1/items", nil)
		req.Header.Set("X-Up-CT", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("HEAD answered with %s: status %d, want %d", ct, resp.StatusCode, want)
		}
	}
}

// A byte range of a checked response could not be validated or stripped:
// the upstream is asked for the whole response unless the operation
// declares 206, or its responses are not checked.
func TestRangeOnlyWhereResponsesAllowIt(t *testing.T) {
	up := startUpstream(t)
	for _, tc := range []struct {
		mode      string
		wantRange bool
	}{
		{"block", false},
		{"strip", false},
		{"off", true},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr, ResponseMode: tc.mode}, nil)
			resp, body := get(t, "http://"+fw.Addr()+"/v1/items/5", map[string]string{"X-Need": "yes", "Range": "bytes=0-3", "If-Range": `"v1"`})
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			r := up.request(resp.Header.Get(RequestIDHeader))
			if r == nil {
				t.Fatal("not forwarded")
			}
			if got := r.Header.Get("Range") != "" && r.Header.Get("If-Range") != ""; got != tc.wantRange {
				t.Errorf("upstream got Range %q If-Range %q; want them: %v", r.Header.Get("Range"), r.Header.Get("If-Range"), tc.wantRange)
			}
		})
	}
}

// A redirect the upstream writes with its own internal address is pointed
// at the firewall as the client addressed it; other locations are left
// alone.
func TestUpstreamLocationsPointAtTheFirewall(t *testing.T) {
	var loc atomic.Value
	addr := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		l := strings.ReplaceAll(loc.Load().(string), "UP", c.LocalAddr().String())
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nLocation: "+l+"\r\nContent-Location: "+l+"\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
	})
	for _, tc := range []struct {
		name, upstreamPath, loc, want string
	}{
		{"upstream address", "", "http://UP/v1/items/7?x=1#f", "http://FW/v1/items/7?x=1#f"},
		{"under the upstream base path", "/api", "http://UP/api/v1/items/7", "http://FW/v1/items/7"},
		{"escaped path kept", "", "http://UP/v1/items/a%2Fb", "http://FW/v1/items/a%2Fb"},
		{"outside the base path", "/api", "http://UP/other/7", "http://UP/other/7"},
		{"base path prefix of a longer segment", "/api", "http://UP/apix/7", "http://UP/apix/7"},
		{"another host", "", "https://login.example.com/cb", "https://login.example.com/cb"},
		{"relative", "", "/v1/items/7", "/v1/items/7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			loc.Store(tc.loc)
			fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr + tc.upstreamPath, ResponseMode: "off"}, nil)
			resp, body := get(t, "http://"+fw.Addr()+"/v1/items/5", map[string]string{"X-Need": "yes"})
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %s", resp.StatusCode, body)
			}
			want := strings.ReplaceAll(strings.ReplaceAll(tc.want, "UP", addr), "FW", fw.Addr())
			for _, f := range []string{"Location", "Content-Location"} {
				if got := resp.Header.Get(f); got != want {
					t.Errorf("%s %q, want %q", f, got, want)
				}
			}
		})
	}
}

// A response body relayed as it arrives (an event stream the contract
// declares, a body over max_response_bytes, a response not checked) whose
// upstream then stalls is cut after timeouts.stream_idle: the client's
// connection is closed, as when the upstream aborts, and the record says
// why. A stream that keeps sending outlives the idle timeout.
func TestStalledStreamIsCut(t *testing.T) {
	stall := stallUntilCleanup(t)
	addr := rawUpstream(t, func(c net.Conn, req *http.Request) {
		switch req.URL.Path {
		case "/v1/stream":
			if req.Header.Get("X-Live") != "" {
				// Events every 100 ms for a second, then the end.
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
				for range 10 {
					_, _ = io.WriteString(c, "8\r\ndata: x\n\r\n")
					time.Sleep(100 * time.Millisecond)
				}
				_, _ = io.WriteString(c, "0\r\n\r\n")
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n8\r\ndata: x\n\r\n")
		case "/v1/items":
			// Over max_response_bytes: streamed on after the first KiB.
			_, _ = fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n{\"ok\":\"%s\n\r\n", 2008, strings.Repeat("x", 2000))
		case "/v1/items/special":
			// Not checked (response_mode off for this operation).
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n{\"ok\":\n\r\n")
		}
		stall()
	})
	sink := &syncBuffer{}
	// exempt: the oversized JSON body of /v1/items is relayed as it comes
	// (the default would refuse it before relaying anything).
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr, Streaming: "exempt",
		Operations: map[string]plan.OpConfig{"special": {ResponseMode: "off"}}}
	cfg.Timeouts.StreamIdle = 300 * time.Millisecond
	cfg.Limits.MaxResponseBytes = 1024
	fw := startFirewall(t, cfg, sink)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableCompression: true}}
	for _, path := range []string{"/v1/stream", "/v1/items", "/v1/items/special"} {
		start := time.Now()
		resp, err := client.Get("http://" + fw.Addr() + path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		line, err := bufio.NewReader(resp.Body).ReadString('\n')
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("%s: status %d, the body did not start: %v", path, resp.StatusCode, err)
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("%s: the body ended cleanly after %q; want the connection cut", path, line)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: cut after %v", path, d)
		}
	}
	// A live stream longer than the idle timeout goes through whole.
	resp, body := get(t, "http://"+fw.Addr()+"/v1/stream", map[string]string{"X-Live": "1"})
	if resp.StatusCode != 200 || strings.Count(body, "data: x") != 10 {
		t.Errorf("live stream: status %d, body %q", resp.StatusCode, body)
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 4 {
		t.Fatalf("%d audit records for four transactions", n)
	}
	cut := 0
	for _, rec := range auditLines(t, sink) {
		reasons := fmt.Sprint(rec["reasons"])
		if strings.Contains(reasons, reasonStreamIdle) && strings.Contains(reasons, "upstream-aborted") {
			cut++
		} else if rec["decision"] != "allowed" {
			t.Errorf("record %v", rec)
		}
	}
	if cut != 3 {
		t.Errorf("%d records of a stalled body cut, want 3", cut)
	}
}
