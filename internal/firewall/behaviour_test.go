package firewall

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

func get(t testing.TB, url string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestStripAndForwardedBody(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr, ResponseMode: "strip"}, nil)
	resp, body := get(t, "http://"+fw.Addr()+"/v1/resp-strip", h("X-Up-Body", `{"id":1,"debug":"x","secret":"s"}`))
	if resp.StatusCode != 200 || strings.Contains(body, "debug") || strings.Contains(body, "secret") || !strings.Contains(body, `"id":1`) {
		t.Fatalf("strip: %d %s", resp.StatusCode, body)
	}
	// A gzip body is validated decoded and forwarded decoded, so the
	// upstream reads exactly what was checked.
	req, _ := http.NewRequest("POST", "http://"+fw.Addr()+"/v1/items", strings.NewReader(gz(`{"name":"pen","price":2}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get(RequestIDHeader)
	if got := string(up.received(id)); got != `{"name":"pen","price":2}` {
		t.Fatalf("upstream received %q", got)
	}
	if r := up.seen[id]; r.Header.Get("Content-Encoding") != "" || r.Header.Get(RequestIDHeader) != id {
		t.Fatalf("forwarded headers: %v", r.Header)
	}
}

func TestBrokenOperationFailsClosed(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/broken.yaml", Upstream: "http://" + up.addr}, nil)
	resp, body := get(t, "http://"+fw.Addr()+"/b", nil)
	if resp.StatusCode != 500 || !strings.Contains(body, "operation-unenforceable") || up.reached(resp.Header.Get(RequestIDHeader)) {
		t.Fatalf("broken operation: %d %s", resp.StatusCode, body)
	}
	if resp, _ := get(t, "http://"+fw.Addr()+"/ok", nil); resp.StatusCode != 200 {
		t.Fatalf("healthy operation: %d", resp.StatusCode)
	}
	found := false
	for _, p := range fw.Plan().Problems {
		found = found || strings.Contains(p, "broken")
	}
	if !found {
		t.Fatalf("the refusal is not reported: %v", fw.Plan().Problems)
	}
}

// rawExchange writes raw bytes on one connection, reads n responses, and
// reports whether the firewall then closed the connection.
func rawExchange(t *testing.T, dial func() (net.Conn, error), raw string, n int) ([]*http.Response, bool) {
	t.Helper()
	c, err := dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("response %d: %v", i+1, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		out = append(out, resp)
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = br.ReadByte()
	return out, err == io.EOF
}

// TestAmbiguousFraming sends raw bytes, in clear and over TLS (HTTP/1.1).
// A request framed two ways (Content-Length and Transfer-Encoding, or
// several Content-Length fields) is refused with 400 before the upstream
// sees it, and the connection is closed after the answer (RFC 9112 6.1),
// although net/http hides both from handlers. Ordinary keep-alive and
// pipelined traffic, chunked or not, passes on the same connections.
func TestAmbiguousFraming(t *testing.T) {
	up := startUpstream(t)
	plainFW := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	tlsFW, pool := startTLSFirewall(t, up)
	dials := map[string]func() (net.Conn, error){
		"clear": func() (net.Conn, error) { return net.Dial("tcp", plainFW.Addr()) },
		"TLS": func() (net.Conn, error) {
			return tls.Dial("tcp", tlsFW.Addr(), &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
		},
	}
	const note = "POST /v1/notes HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
	cases := []struct {
		name     string
		raw      string
		statuses []int
		closed   bool
	}{
		{"Content-Length and Transfer-Encoding", note + "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n", []int{400}, true},
		{"Transfer-Encoding first, lower case", note + "transfer-encoding: chunked\r\ncontent-length: 11\r\n\r\n6\r\nabcdef\r\n0\r\n\r\n", []int{400}, true},
		{"both on HTTP/1.0", "POST /v1/notes HTTP/1.0\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\nabcd", []int{400}, true},
		// RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has
		// faulty framing. net/http reads no body; a front proxy that
		// honours the chunks would see the chunk data as its own request.
		{"Transfer-Encoding on HTTP/1.0, keep-alive", "POST /v1/notes HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n25\r\nGET /v1/items HTTP/1.1\r\nHost: x\r\n\r\n\r\n0\r\n\r\n", []int{400}, true},
		{"equal Content-Length fields", note + "Content-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", []int{400}, true},
		{"conflicting Content-Length fields", note + "Content-Length: 4\r\nContent-Length: 5\r\n\r\nabcde", []int{400}, true},
		{"smuggled second request after a refused one", note + "Content-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /v1/items HTTP/1.1\r\nHost: x\r\n\r\n", []int{400}, true},
		{"keep-alive: chunked with trailer, Content-Length, pipelined GET",
			note + "Transfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n" +
				note + "Content-Length: 2\r\n\r\nhi" +
				"GET /v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]int{201, 201, 200}, true},
		{"folded Transfer-Encoding (obs-fold), then a GET",
			note + "Transfer-Encoding:\r\n chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n" +
				"GET /v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]int{201, 200}, true},
		{"a refused body left unread does not desynchronise the next request",
			"POST /v1/notes HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 5\r\n\r\nGET /" +
				"GET /v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
			[]int{415, 200}, true},
	}
	for transport, dial := range dials {
		for _, c := range cases {
			t.Run(transport+"/"+c.name, func(t *testing.T) {
				resps, closed := rawExchange(t, dial, c.raw, len(c.statuses))
				for i, resp := range resps {
					if resp.StatusCode != c.statuses[i] {
						t.Fatalf("response %d: status %d, want %d", i+1, resp.StatusCode, c.statuses[i])
					}
					id := resp.Header.Get(RequestIDHeader)
					up.mu.Lock()
					r := up.seen[id]
					up.mu.Unlock()
					if c.statuses[i] == 400 && r != nil {
						t.Fatalf("response %d: a refused request reached the upstream", i+1)
					}
					if c.statuses[i] < 300 && (r == nil || (r.Method == "POST" && (len(r.TransferEncoding) != 0 || r.ContentLength != int64(len(up.received(id)))))) {
						t.Fatalf("response %d: the upstream did not get one framing: %+v", i+1, r)
					}
				}
				if closed != c.closed {
					t.Fatalf("connection closed: %v, want %v", closed, c.closed)
				}
			})
		}
	}
}

// TestTLSStateOverHTTP1 checks that HTTP/1.1 over TLS, which package
// framing watches, still reaches the handler as TLS: HSTS is sent.
func TestTLSStateOverHTTP1(t *testing.T) {
	up := startUpstream(t)
	fw, pool := startTLSFirewall(t, up)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get("https://" + fw.Addr() + "/v1/items")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 1 || resp.Header.Get("Strict-Transport-Security") == "" {
		t.Fatalf("status %d over %s, HSTS %q", resp.StatusCode, resp.Proto, resp.Header.Get("Strict-Transport-Security"))
	}
	// Plain HTTP to the TLS port gets net/http's answer.
	c, err := net.Dial("tcp", fw.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	_, _ = c.Write([]byte("GET /v1/items HTTP/1.1\r\nHost: x\r\n\r\n"))
	plain, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || plain.StatusCode != 400 {
		t.Fatalf("plain HTTP to the TLS port: %v %v", plain, err)
	}
}

func TestUpstreamDownAndTimeout(t *testing.T) {
	up := startUpstream(t)
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}
	cfg.Timeouts.Upstream = 200 * time.Millisecond
	fw := startFirewall(t, cfg, nil)
	resp, body := get(t, "http://"+fw.Addr()+"/v1/items", h("X-Up-Sleep", "2s"))
	if resp.StatusCode != 504 || !strings.Contains(body, "upstream-timeout") {
		t.Fatalf("timeout: %d %s", resp.StatusCode, body)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := ln.Addr().String()
	ln.Close()
	fw2 := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + dead}, nil)
	resp, body = get(t, "http://"+fw2.Addr()+"/v1/items", nil)
	if resp.StatusCode != 502 || !strings.Contains(body, "upstream-unavailable") {
		t.Fatalf("upstream down: %d %s", resp.StatusCode, body)
	}
}

func TestAuditRecordsAndRedaction(t *testing.T) {
	up := startUpstream(t)
	var sink syncBuffer
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, &sink)
	get(t, "http://"+fw.Addr()+"/v1/items?limit=5", h("Authorization", "Bearer s3cr3t-token", "Cookie", "session=c00k1e"))
	get(t, "http://"+fw.Addr()+"/v1/items?limit=0", h("X-Api-Key", "k3y-value"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	out := sink.String()
	for _, secret := range []string{"s3cr3t-token", "c00k1e", "k3y-value"} {
		if strings.Contains(out, secret) {
			t.Fatalf("audit log leaks %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d records, want 2:\n%s", len(lines), out)
	}
	var recs []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, m)
	}
	if recs[0]["decision"] != "allowed" || recs[0]["operation"] != "listItems" || recs[0]["status"] != 200.0 {
		t.Errorf("first record: %v", recs[0])
	}
	if recs[1]["decision"] != "blocked" || recs[1]["status"] != 400.0 || fmt.Sprint(recs[1]["reasons"]) != "[parameter-invalid]" {
		t.Errorf("second record: %v", recs[1])
	}
	if recs[0]["seq"] != 1.0 || recs[1]["seq"] != 2.0 {
		t.Errorf("sequence numbers %v %v", recs[0]["seq"], recs[1]["seq"])
	}
	if fmt.Sprint(recs[0]["redacted"]) != "[Authorization Cookie]" {
		t.Errorf("redacted %v", recs[0]["redacted"])
	}
}

// slowWriter takes a while per write, like a saturated disk or pipe.
type slowWriter struct {
	syncBuffer
	delay time.Duration
}

func (s *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(s.delay)
	return s.syncBuffer.Write(p)
}

// TestSlowAuditWriterLosesNothing: with a tiny queue and a slow sink, some
// requests are refused with 503, and every transaction (allowed or
// refused) still has exactly one record.
func TestSlowAuditWriterLosesNothing(t *testing.T) {
	up := startUpstream(t)
	sink := &slowWriter{delay: 2 * time.Millisecond}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}
	cfg.Audit = AuditConfig{Queue: 2, Wait: 5 * time.Millisecond}
	fw := startFirewall(t, cfg, sink)
	const workers, each = 16, 20
	var ok, refused atomic.Int64
	ids := sync.Map{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				resp, _ := get(t, "http://"+fw.Addr()+"/v1/items", nil)
				ids.Store(resp.Header.Get(RequestIDHeader), resp.StatusCode)
				switch resp.StatusCode {
				case 200:
					ok.Add(1)
				case 503:
					refused.Add(1)
					if resp.Header.Get("Retry-After") == "" {
						t.Errorf("503 without Retry-After")
					}
				default:
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := fw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(sink.String()), "\n")
	if len(lines) != workers*each {
		t.Fatalf("%d records for %d transactions (%d ok, %d refused)", len(lines), workers*each, ok.Load(), refused.Load())
	}
	seen := map[string]bool{}
	for i, l := range lines {
		var r struct {
			Seq       int    `json:"seq"`
			RequestID string `json:"request_id"`
			Status    int    `json:"status"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		if r.Seq != i+1 {
			t.Fatalf("record %d has seq %d", i+1, r.Seq)
		}
		st, known := ids.Load(r.RequestID)
		if !known || st.(int) != r.Status || seen[r.RequestID] {
			t.Fatalf("record %s: status %d, client saw %v", r.RequestID, r.Status, st)
		}
		seen[r.RequestID] = true
	}
	if refused.Load() == 0 {
		t.Log("no request was refused: the sink kept up")
	}
}

// TestHotReloadUnderLoad swaps the contract many times while clients run:
// no request fails, each gets an answer from one whole contract, and an
// invalid spec leaves the old contract in force.
func TestHotReloadUnderLoad(t *testing.T) {
	up := startUpstream(t)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "api.yaml")
	v1, _ := os.ReadFile("testdata/api31.yaml")
	// v2 drops the limit parameter's maximum: the answer to limit=500
	// tells which contract served a request.
	v2 := []byte(strings.Replace(string(v1), "{type: integer, minimum: 1, maximum: 100}", "{type: integer, minimum: 1}", 1))
	if string(v1) == string(v2) {
		t.Fatal("test spec variant not built")
	}
	if err := os.WriteFile(specPath, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	fw := startFirewall(t, Config{Spec: specPath, Upstream: "http://" + up.addr}, nil)
	stop := keepSending("http://"+fw.Addr()+"/v1/items?limit=500", 8, func(resp *http.Response) bool {
		return resp.StatusCode == 200 || resp.StatusCode == 400
	})
	ctx := context.Background()
	for i := 0; i < 10; i++ {
		src := v1
		if i%2 == 0 {
			src = v2
		}
		if err := os.WriteFile(specPath, src, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := fw.Reload(ctx); err != nil {
			t.Fatalf("reload %d: %v", i, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// v1 is in force now: limit=500 is refused. An invalid spec keeps it.
	id := fw.Plan().ID
	if err := os.WriteFile(specPath, []byte("openapi: 3.1.0\npaths: {/x: {get: {responses: {'200': {$ref: '#/nope'}}}}}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := fw.Reload(ctx); err == nil {
		t.Fatal("an invalid spec was accepted")
	}
	total, bad := stop()
	if fw.Plan().ID != id {
		t.Fatal("a failed reload replaced the contract")
	}
	if resp, _ := get(t, "http://"+fw.Addr()+"/v1/items?limit=500", nil); resp.StatusCode != 400 {
		t.Fatalf("after reloads: %d", resp.StatusCode)
	}
	if bad != 0 || total == 0 {
		t.Fatalf("%d of %d requests failed during reloads", bad, total)
	}
}

func TestFileChangeReloads(t *testing.T) {
	up := startUpstream(t)
	dir := t.TempDir()
	specPath := filepath.Join(dir, "api.yaml")
	v1, _ := os.ReadFile("testdata/api31.yaml")
	if err := os.WriteFile(specPath, v1, 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Spec: specPath, Upstream: "http://" + up.addr, WatchInterval: 50 * time.Millisecond}
	cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, cfg, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() { cancel(); <-done }()
	before := s.Plan().ID
	v2 := strings.Replace(string(v1), "Firewall test 3.1", "Firewall test 3.1 changed", 1)
	time.Sleep(100 * time.Millisecond)
	if err := os.WriteFile(specPath, []byte(v2), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for s.Plan().ID == before {
		if time.Now().After(deadline) {
			t.Fatal("the file change was not picked up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAdminEndpointsAndDrain(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	admin := "http://" + fw.AdminAddr()
	if resp, _ := get(t, admin+"/healthz", nil); resp.StatusCode != 200 {
		t.Fatalf("healthz %d", resp.StatusCode)
	}
	if resp, body := get(t, admin+"/readyz", nil); resp.StatusCode != 200 || !strings.Contains(body, fw.Plan().ID) {
		t.Fatalf("readyz %d %s", resp.StatusCode, body)
	}
	get(t, "http://"+fw.Addr()+"/v1/items?limit=0", nil)
	_, metrics := get(t, admin+"/metrics", nil)
	for _, want := range []string{
		`rampart_requests_total{decision="blocked",operation="listItems"} 1`,
		`rampart_violations_total{reason="parameter-invalid"} 1`,
		`rampart_request_duration_seconds_bucket`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	// A slow request in flight when shutdown starts still completes.
	res := make(chan int, 1)
	go func() {
		resp, _ := get(t, "http://"+fw.Addr()+"/v1/items", h("X-Up-Sleep", "300ms"))
		res <- resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := fw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if st := <-res; st != 200 {
		t.Fatalf("in-flight request got %d during drain", st)
	}
}

func TestTLSAndHTTP2(t *testing.T) {
	up := startUpstream(t)
	fw, pool := startTLSFirewall(t, up)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := c.Get("https://" + fw.Addr() + "/v1/items")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.ProtoMajor != 2 {
		t.Fatalf("status %d over %s", resp.StatusCode, resp.Proto)
	}
	old := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost", MaxVersion: tls.VersionTLS11}}
	if _, err := (&http.Client{Transport: old, Timeout: 5 * time.Second}).Get("https://" + fw.Addr() + "/v1/items"); err == nil {
		t.Fatal("TLS 1.1 was accepted")
	}
}

// Response trailers are not forwarded: the contract cannot describe them,
// so a declared header sent again as a trailer, or any field after the
// body, would reach the client unchecked (over HTTP/2, and with streamed
// bodies over HTTP/1.1).
func TestResponseTrailersAreDropped(t *testing.T) {
	up := startUpstream(t)
	fw, pool := startTLSFirewall(t, up)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for _, tc := range []struct {
		name, path, ct string
		h2             bool
	}{
		{"validated body, HTTP/2", "/v1/items", "application/json", true},
		{"streamed body, HTTP/2", "/v1/stream", "text/event-stream", true},
		{"streamed body, HTTP/1.1", "/v1/stream", "text/event-stream", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := c
			if !tc.h2 {
				h1 := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}, TLSNextProto: map[string]func(string, *tls.Conn) http.RoundTripper{}}
				defer h1.CloseIdleConnections()
				client = &http.Client{Transport: h1, Timeout: 5 * time.Second}
			}
			req, _ := http.NewRequest(http.MethodGet, "https://"+fw.Addr()+tc.path, nil)
			req.Header.Set("X-Up-Trailer", "leaked")
			req.Header.Set("X-Up-CT", tc.ct)
			if tc.ct == "text/event-stream" {
				req.Header.Set("X-Up-Body", "data: x")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || (resp.ProtoMajor == 2) != tc.h2 {
				t.Fatalf("status %d over %s", resp.StatusCode, resp.Proto)
			}
			if len(resp.Trailer) > 0 || resp.Header.Get("Trailer") != "" {
				t.Errorf("trailers reached the client: %v (announced %q)", resp.Trailer, resp.Header.Get("Trailer"))
			}
		})
	}
}

// A malformed host is refused over HTTP/2 as net/http refuses it over
// HTTP/1.1: its HTTP/2 server takes any :authority, and its client then
// forwards the request without a Host, so the upstream would route by a
// host other than the one the firewall saw. The frames are written by
// hand, since no client sends such an authority.
func TestMalformedHostOverHTTP2(t *testing.T) {
	up := startUpstream(t)
	fw, pool := startTLSFirewall(t, up)
	frame := func(typ, flags byte, stream uint32, payload []byte) []byte {
		n := len(payload)
		h := []byte{byte(n >> 16), byte(n >> 8), byte(n), typ, flags, byte(stream >> 24), byte(stream >> 16), byte(stream >> 8), byte(stream)}
		return append(h, payload...)
	}
	// HPACK literals without indexing, names and values as plain strings.
	literal := func(kv ...string) []byte {
		var b []byte
		for i := 0; i+1 < len(kv); i += 2 {
			b = append(b, 0x00, byte(len(kv[i])))
			b = append(b, kv[i]...)
			b = append(b, byte(len(kv[i+1])))
			b = append(b, kv[i+1]...)
		}
		return b
	}
	for _, c := range []struct {
		authority string
		status    byte // first byte of the answer's header block: static-table :status
	}{
		{"localhost", 0x88},      // 200
		{"a b", 0x8c},            // 400
		{"evil.example#x", 0x8c}, // 400
	} {
		conn, err := tls.Dial("tcp", fw.Addr(), &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"h2"}})
		if err != nil {
			t.Fatal(err)
		}
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		_, _ = conn.Write([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
		_, _ = conn.Write(frame(0x4, 0, 0, nil)) // SETTINGS
		block := literal(":method", "GET", ":scheme", "https", ":authority", c.authority, ":path", "/v1/items", "x-up-body", `{"ok":true}`)
		_, _ = conn.Write(frame(0x1, 0x5, 1, block)) // HEADERS, END_STREAM|END_HEADERS
		var got byte
		for got == 0 {
			var h [9]byte
			if _, err := io.ReadFull(conn, h[:]); err != nil {
				t.Fatalf("%q: %v", c.authority, err)
			}
			payload := make([]byte, int(h[0])<<16|int(h[1])<<8|int(h[2]))
			if _, err := io.ReadFull(conn, payload); err != nil {
				t.Fatalf("%q: %v", c.authority, err)
			}
			switch {
			case h[3] == 0x1 && h[8] == 1 && len(payload) > 0:
				got = payload[0]
			case h[3] == 0x3 || h[3] == 0x7: // RST_STREAM, GOAWAY
				t.Fatalf("%q: the stream was reset (frame type %d)", c.authority, h[3])
			}
		}
		conn.Close()
		if got != c.status {
			t.Errorf(":authority %q: answer header block starts with %#x, want %#x", c.authority, got, c.status)
		}
	}
}

// startTLSFirewall starts the firewall on api31.yaml with a fresh
// self-signed certificate for localhost; pool trusts it.
func startTLSFirewall(t *testing.T, up *upstream) (*Server, *x509.CertPool) {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	cert, key := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	_ = os.WriteFile(cert, certPEM, 0o600)
	_ = os.WriteFile(key, keyPEM, 0o600)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr, TLSCert: cert, TLSKey: key}, nil)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	return fw, pool
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// TestExpectContinue: a client that waits for 100 Continue before sending
// its body is served, with the body reaching the upstream once and the
// firewall's headers on the answer; the upstream is not asked for a 100
// of its own (the body was read and validated already).
func TestExpectContinue(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second, MaxIdleConnsPerHost: 1}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+"/v1/notes", strings.NewReader("hello"))
		req.Header.Set("Content-Type", "text/plain")
		req.Header.Set("Expect", "100-continue")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		id := resp.Header.Get(RequestIDHeader)
		up.mu.Lock()
		r := up.seen[id]
		up.mu.Unlock()
		if resp.StatusCode != 201 || id == "" || r == nil || string(up.received(id)) != "hello" || r.Header.Get("Expect") != "" {
			t.Fatalf("request %d: status %d, id %q, upstream saw %v", i+1, resp.StatusCode, id, r)
		}
	}
}

// TestEarlyHintsKeepFirewallHeaders: an upstream 103 is relayed, and the
// final response still carries the request id and hardening headers.
func TestEarlyHintsKeepFirewallHeaders(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	var hints []http.Header
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		hints = append(hints, http.Header(h).Clone())
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, "http://"+fw.Addr()+"/v1/items", nil)
	req.Header.Set("X-Up-Early-Hints", "1")
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get(RequestIDHeader)
	if resp.StatusCode != 200 || id == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Link") != "" {
		t.Fatalf("status %d, headers %v", resp.StatusCode, resp.Header)
	}
	// The hint carries its links and the firewall's own fields, not what
	// else the upstream put in it (fields hardening removes from final
	// responses, cookies, a second request id).
	if len(hints) != 1 {
		t.Fatalf("%d informational responses relayed", len(hints))
	}
	want := http.Header{"Link": {"</style.css>; rel=preload"}, RequestIDHeader: {id}}
	if !reflect.DeepEqual(hints[0], want) {
		t.Errorf("103 header %v, want %v", hints[0], want)
	}
	// An HTTP/1.0 client gets no informational response at all (it would
	// read it as the answer), and the final one with the firewall's fields.
	resps, _ := rawExchange(t, func() (net.Conn, error) { return net.Dial("tcp", fw.Addr()) }, "GET /v1/items HTTP/1.0\r\nHost: x\r\nX-Up-Early-Hints: 1\r\n\r\n", 1)
	if r := resps[0]; r.StatusCode != 200 || r.Header.Get(RequestIDHeader) == "" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("HTTP/1.0: first answer %d, headers %v", r.StatusCode, r.Header)
	}
}

// TestUnsolicitedInformationalNotRelayed: an upstream that sends 100
// Continue (the firewall removed Expect, so it never asked for one) or 102
// Processing before its answer has neither relayed; 103 Early Hints still
// is, and a client that sent Expect gets the firewall's own 100 once.
func TestUnsolicitedInformationalNotRelayed(t *testing.T) {
	addr := rawUpstream(t, func(c net.Conn, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		_, _ = io.WriteString(c, "HTTP/1.1 100 Continue\r\n\r\n"+
			"HTTP/1.1 100 Continue\r\nX-Leak: 1\r\n\r\n"+
			"HTTP/1.1 102 Processing\r\nX-Leak: 2\r\n\r\n"+
			"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\nX-Leak: 3\r\n\r\n"+
			// The handler closes the connection once it has answered; said
			// in the response, so that the firewall's transport does not
			// reuse it for the next request and get 502 on a dead one.
			"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":true}")
	})
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr, ResponseMode: "monitor"}, nil)
	var codes []int
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
		codes = append(codes, code)
		if h.Get("X-Leak") != "" {
			t.Errorf("%d relayed with the upstream's X-Leak", code)
		}
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), http.MethodGet, "http://"+fw.Addr()+"/v1/items", nil)
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get(RequestIDHeader) == "" || resp.Header.Get("X-Leak") != "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("final response %d, headers %v", resp.StatusCode, resp.Header)
	}
	if !slices.Equal(codes, []int{http.StatusEarlyHints}) {
		t.Errorf("informational responses relayed: %v, want only 103", codes)
	}
	// With Expect: 100-continue the client gets the firewall's 100 (sent
	// when it reads the body), the upstream's 103, and the answer.
	resps, _ := rawExchange(t, func() (net.Conn, error) { return net.Dial("tcp", fw.Addr()) },
		"POST /v1/notes HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi", 3)
	var got []int
	for _, r := range resps {
		got = append(got, r.StatusCode)
	}
	if !slices.Equal(got, []int{100, 103, 200}) {
		t.Errorf("with Expect: responses %v, want [100 103 200]", got)
	}
}

// TestPipelinedBurst: hundreds of requests written at once on one
// connection (far more than net/http reads ahead) are all answered, in
// order, by the upstream.
func TestPipelinedBurst(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	const n = 300
	var raw strings.Builder
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			raw.WriteString("POST /v1/notes HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n")
		} else {
			fmt.Fprintf(&raw, "GET /v1/items?limit=%d HTTP/1.1\r\nHost: x\r\n\r\n", i%100+1)
		}
	}
	raw.WriteString("GET /v1/items HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resps, closed := rawExchange(t, func() (net.Conn, error) { return net.Dial("tcp", fw.Addr()) }, raw.String(), n+1)
	for i, resp := range resps {
		want := 200
		if i < n && i%3 == 0 {
			want = 201
		}
		if resp.StatusCode != want {
			t.Fatalf("response %d: status %d, want %d", i+1, resp.StatusCode, want)
		}
	}
	if !closed {
		t.Fatal("Connection: close was not honoured")
	}
}

// TestUnreadableProtectionExtensionFailsClosed: an extension that adds a
// protection the configuration does not have (an address list, a client
// certificate, a signature, a limit) and cannot be read leaves the
// operation refused, not open: ignoring it would serve, say, an admin path
// to every address because of a typo in its allow list.
func TestUnreadableProtectionExtensionFailsClosed(t *testing.T) {
	doc := `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /ip:
    x-rampart-ip-rules: {allow: [10.20.0.1/16]}
    get: {operationId: ip, responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}}
  /mtls:
    get:
      operationId: mtls
      x-rampart-mtls: requried
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
  /signed:
    get:
      operationId: signed
      x-rampart-signed: yes
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
  /limited:
    get:
      operationId: limited
      x-rampart-rate-limit: {rate: 0, period: 1m}
      responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}
  /ok:
    get: {operationId: ok, responses: {"200": {description: ok, content: {application/json: {schema: {type: object}}}}}}
`
	path := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: path, Upstream: "http://" + up.addr}, nil)
	tests := []struct {
		path, ext string
		status    int
	}{
		{"/ip", ExtIPRules, 500},
		{"/mtls", ExtMTLS, 500},
		{"/signed", ExtSigned, 500},
		{"/limited", ExtRateLimit, 500},
		{"/ok", "", 200},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, "http://"+fw.Addr()+tc.path, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, body, tc.status)
			}
			if tc.status != 500 {
				return
			}
			if !strings.Contains(body, "operation-unenforceable") || up.reached(resp.Header.Get(RequestIDHeader)) {
				t.Fatalf("not refused as unenforceable: %s", body)
			}
			found := false
			for _, p := range fw.Plan().Problems {
				found = found || strings.Contains(p, tc.ext)
			}
			if !found {
				t.Fatalf("the reason is not reported: %v", fw.Plan().Problems)
			}
		})
	}
}

// TestManyRateLimitsSharingAName: a contract may give the same name to the
// limits of many operations (a YAML anchor does it); each operation keeps
// its own counter under a distinct name that stays a valid rule name, and
// the contract loads however many there are.
func TestManyRateLimitsSharingAName(t *testing.T) {
	var b strings.Builder
	b.WriteString("openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths:\n")
	const n = 40
	for i := range n {
		fmt.Fprintf(&b, "  /r%d:\n    get:\n      operationId: r%d\n      x-rampart-rate-limit: {name: writes, rate: 1, period: 1h}\n      responses: {\"200\": {description: ok, content: {application/json: {schema: {type: object}}}}}\n", i, i)
	}
	path := filepath.Join(t.TempDir(), "api.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: path, Upstream: "http://" + up.addr}, nil)
	names := map[string]bool{}
	for i := range n {
		p := fmt.Sprintf("http://%s/r%d", fw.Addr(), i)
		resp, body := get(t, p, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("/r%d: %d %s", i, resp.StatusCode, body)
		}
		pol := resp.Header.Get("RateLimit-Policy")
		name, _, _ := strings.Cut(strings.Trim(pol, `"`), `"`)
		if names[name] || len(name) > 64 {
			t.Fatalf("/r%d: rule name %q reused or too long", i, name)
		}
		names[name] = true
		if resp, _ := get(t, p, nil); resp.StatusCode != 429 {
			t.Fatalf("/r%d: second call %d, want 429 (its own limit of 1)", i, resp.StatusCode)
		}
	}
}

// TestRateLimitRuleForUnknownOperation: a configured rule that names an
// operation the contract does not have would never apply; like an
// ip_rules entry for one, it is reported rather than silently inert.
func TestRateLimitRuleForUnknownOperation(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, `rate_limits:
  rules:
    - {name: writes, key: ip, rate: 1, period: 1h, operations: [createOrdr, createOrder]}
`)
	fw := startFirewall(t, cfg, nil)
	found := false
	for _, p := range fw.Plan().Problems {
		found = found || (strings.Contains(p, "rate_limits.rules[0]") && strings.Contains(p, "createOrdr") && !strings.Contains(p, "createOrder,"))
	}
	if !found {
		t.Fatalf("the unknown operation is not reported: %v", fw.Plan().Problems)
	}
}

// TestOperationSettingsForUnknownOperation: per-operation settings keyed
// by an operation the contract does not have (a misspelt operationId)
// would never apply; they are reported, as ip_rules entries are.
func TestOperationSettingsForUnknownOperation(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/protect.yaml", Upstream: "http://" + up.addr, Operations: map[string]plan.OpConfig{
		"createOrdr":  {Mode: "block"},
		"createOrder": {Mode: "block"},
	}}, nil)
	var found []string
	for _, p := range fw.Plan().Problems {
		if strings.Contains(p, "operations.") && strings.Contains(p, "no such operation") {
			found = append(found, p)
		}
	}
	if len(found) != 1 || !strings.Contains(found[0], "operations.createOrdr") {
		t.Fatalf("want exactly the unknown operation reported, got %v (all: %v)", found, fw.Plan().Problems)
	}
}

// TestServerBasePaths checks operations reachable under their own
// servers' base paths: the upstream gets the path the client sent, and
// two operations reachable at the same path are reported when the
// contract loads and refused when requested, since the upstream may run
// either.
func TestServerBasePaths(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	for _, p := range []string{"/internal/admin/audit", "/v2/reports", "/v3/jobs/batch/7?", "/v3/jobs/batch/%37"} {
		resp, body := get(t, "http://"+fw.Addr()+p, nil)
		id := resp.Header.Get(RequestIDHeader)
		r := up.request(id)
		if resp.StatusCode != 200 || r == nil {
			t.Fatalf("%s: %d %s", p, resp.StatusCode, body)
		}
		if got := r.URL.RequestURI(); got != p {
			t.Errorf("%s reached the upstream as %s", p, got)
		}
	}
	for _, prob := range fw.Plan().Problems {
		if strings.Contains(prob, "routable") || strings.Contains(prob, "same paths") {
			t.Errorf("unexpected routing problem: %s", prob)
		}
	}

	dir := t.TempDir()
	specPath := filepath.Join(dir, "api.yaml")
	src := `openapi: 3.1.0
info: {title: overlapping servers, version: "1"}
servers: [{url: /v1}]
paths:
  /admin/users:
    get:
      operationId: publicUsers
      security: []
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}
  /users:
    get:
      operationId: adminUsers
      servers: [{url: 'https://admin.example.com/v1/admin'}]
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}
    post:
      operationId: createUser
      servers: [{url: /v1/admin}]
      responses: {'201': {description: ok, content: {application/json: {schema: {type: object}}}}}
  /relative:
    get:
      operationId: relative
      servers: [{url: v9}]
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}
`
	if err := os.WriteFile(specPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	fw2 := startFirewall(t, Config{Spec: specPath, Upstream: "http://" + up.addr}, nil)
	probs := strings.Join(fw2.Plan().Problems, "\n")
	for _, want := range []string{
		"publicUsers (GET /v1/admin/users) and adminUsers (GET /v1/admin/users) are reachable at the same paths",
		`relative: not routable under the base path "v9"`,
	} {
		if !strings.Contains(probs, want) {
			t.Errorf("problems lack %q:\n%s", want, probs)
		}
	}
	for _, tc := range []struct {
		method, path string
		status       int
		reason       string
	}{
		{"GET", "/v1/admin/users", 500, "operation-unenforceable"},
		{"HEAD", "/v1/admin/users", 500, ""},
		{"POST", "/v1/admin/users", 201, ""},
		{"GET", "/v1/users", 404, "route-not-found"},
	} {
		resp, reason := call{tc.method, tc.path, nil, ""}.do(t, fw2)
		if resp.StatusCode != tc.status || (tc.reason != "" && reason != tc.reason) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, reason, tc.status, tc.reason)
		}
		if up.reached(resp.Header.Get(RequestIDHeader)) != (tc.status < 300) {
			t.Errorf("%s %s: reached the upstream = %v", tc.method, tc.path, !(tc.status < 300))
		}
	}

	// A base path in the configuration replaces every server's, the
	// operations' own included: nothing overlaps any more.
	base := "/api"
	fw3 := startFirewall(t, Config{Spec: specPath, Upstream: "http://" + up.addr, BasePath: &base}, nil)
	if probs := strings.Join(fw3.Plan().Problems, "\n"); strings.Contains(probs, "same paths") || strings.Contains(probs, "routable") {
		t.Errorf("routing problems under a configured base path:\n%s", probs)
	}
	for _, p := range []string{"/api/users", "/api/admin/users", "/api/relative"} {
		if resp, reason := (call{"GET", p, nil, ""}).do(t, fw3); resp.StatusCode != 200 {
			t.Errorf("GET %s under the configured base path: %d %s", p, resp.StatusCode, reason)
		}
	}
}

// A contract whose API-key header no request can carry is reported at
// load, when authentication enforces it: otherwise only 401s tell.
func TestInvalidAPIKeyHeaderNameIsReported(t *testing.T) {
	up := startUpstream(t)
	specPath := filepath.Join(t.TempDir(), "api.yaml")
	doc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\nsecurity: [{spaced: []}]\npaths:\n  /x:\n    get:\n      responses: {'200': {description: ok}}\ncomponents:\n  securitySchemes:\n    spaced: {type: apiKey, in: header, name: 'ADVICEment API Key'}\n"
	if err := os.WriteFile(specPath, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("k-1"))
	auth := &authn.Config{Schemes: map[string]*authn.SchemeConfig{"spaced": {APIKeys: &apikey.Config{Keys: []apikey.Key{{ID: "c", SHA256: hex.EncodeToString(sum[:])}}}}}}
	fw := startFirewall(t, Config{Spec: specPath, Upstream: "http://" + up.addr, Authentication: auth}, nil)
	for _, p := range fw.Plan().Problems {
		if strings.Contains(p, "not a valid HTTP field name") {
			return
		}
	}
	t.Fatalf("not reported: %v", fw.Plan().Problems)
}

// TestRawHashInQuery: a raw '#' in the query is refused. net/http keeps it
// in the query the firewall checks; Node, Express, gunicorn and uvicorn
// cut the query there, so what the firewall validated after it never
// reached the application. Encoded, it is data.
func TestRawHashInQuery(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr}, nil)
	dial := func() (net.Conn, error) { return net.Dial("tcp", fw.Addr()) }
	for _, tc := range []struct {
		name, target string
		status       int
	}{
		{"raw '#' before a checked parameter", "/v1/items?tags=a#&tags=b", 400},
		{"raw '#' at the end", "/v1/items?tags=a#", 400},
		{"encoded '#'", "/v1/items?tags=a%23", 200},
		{"no '#'", "/v1/items?tags=a", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resps, _ := rawExchange(t, dial, "GET "+tc.target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 1)
			if resps[0].StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resps[0].StatusCode, tc.status)
			}
			if up.reached(resps[0].Header.Get(RequestIDHeader)) != (tc.status == 200) {
				t.Fatal("upstream reached:", tc.status != 200)
			}
		})
	}
}
