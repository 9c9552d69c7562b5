package firewall

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

// TestRefusedResponsesAreRecordedBlocked: whatever refuses a response
// (its status, its size, its content coding, the upstream itself), the
// client's 502 or 504 and the audit record agree, and the record says why.
// A refused 101, a response decoding past the size limit and an oversized
// body under `streaming: block` were recorded "allowed" with no reason, and
// counted so in the metrics.
func TestRefusedResponsesAreRecordedBlocked(t *testing.T) {
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write([]byte(`{"ok":"` + strings.Repeat("a", 64<<10) + `"}`))
	_ = zw.Close()
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := closed.Addr().String()
	closed.Close()
	type want struct {
		status   int
		decision string
		reason   string
		upstream bool
		detail   string // the problem's detail starts with it
	}
	// A contract whose one status declares no body.
	bodiless := filepath.Join(t.TempDir(), "bodiless.yaml")
	if err := os.WriteFile(bodiless, []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\nservers: [{url: /v1}]\npaths:\n  /items:\n    get:\n      responses:\n        '200': {description: nothing}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	padded := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4024\r\n\r\n{\"leak\":\"ssn\",\"pad\":\"" + strings.Repeat("a", 4000) + "\"}"
	cases := []struct {
		name      string
		answer    string // raw upstream response; "" for no upstream
		streaming string
		spec      string // testdata/api31.yaml unless set
		want      want
	}{
		{"switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "", "",
			want{502, "blocked", "response-status-undeclared", true, "the upstream switched protocols"}},
		{"decodes past the limit", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: " + fmt.Sprint(bomb.Len()) + "\r\n\r\n" + bomb.String(), "", "",
			want{502, "blocked", "response-too-large", true, "the response decodes to more than"}},
		{"too large under streaming block", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4010\r\n\r\n{\"ok\":\"" + strings.Repeat("a", 4000) + "\"}", "block", "",
			want{502, "blocked", "response-too-large", true, "the response is larger than the 1024 bytes validated"}},
		// The default (auto) refuses an oversized body the contract would
		// have validated: padding a response carried any data past the
		// check.
		{"too large under the default", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nfa5\r\n{\"ok\":\"" + strings.Repeat("a", 3996) + "\"}\r\n0\r\n\r\n", "", "",
			want{502, "blocked", "response-too-large", true, "the response is larger than the 1024 bytes validated"}},
		{"invalid body", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"ok\":1", "", "",
			want{502, "blocked", "response-body-malformed", true, "response body"}},
		// A body where the contract declares none, padded past the limit
		// so that it is relayed unbuffered: it passed as "unchecked",
		// under the default and exempt alike.
		{"padded body on a bodiless status", padded, "", bodiless,
			want{502, "blocked", "response-media-type-undeclared", true, "the contract declares no body for status 200"}},
		{"padded body on a bodiless status, streaming exempt", padded, "exempt", bodiless,
			want{502, "blocked", "response-media-type-undeclared", true, "the contract declares no body for status 200"}},
		{"garbage", "garbage\r\n\r\n", "", "",
			want{502, "blocked", "upstream-unavailable", true, "the upstream's response could not be read"}},
		{"connection refused", "", "", "",
			want{502, "blocked", "upstream-unavailable", false, "the upstream cannot be reached"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := refused
			if c.answer != "" {
				addr = rawUpstream(t, func(conn net.Conn, _ *http.Request) { _, _ = io.WriteString(conn, c.answer) })
			}
			sink := &syncBuffer{}
			spec := "testdata/api31.yaml"
			if c.spec != "" {
				spec = c.spec
			}
			cfg := Config{Spec: spec, Upstream: "http://" + addr, Streaming: c.streaming}
			cfg.Limits.MaxResponseBytes = 1024
			fw := startFirewall(t, cfg, sink)
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: nil, DisableCompression: true}}
			resp, err := client.Get("http://" + fw.Addr() + "/v1/items")
			if err != nil {
				t.Fatal(err)
			}
			var problem struct{ Detail string }
			_ = json.NewDecoder(resp.Body).Decode(&problem)
			resp.Body.Close()
			if resp.StatusCode != c.want.status || !strings.HasPrefix(problem.Detail, c.want.detail) {
				t.Errorf("answer %d %q, want %d %q...", resp.StatusCode, problem.Detail, c.want.status, c.want.detail)
			}
			if n := recordsAfterShutdown(t, fw, sink); n != 1 {
				t.Fatalf("%d records", n)
			}
			rec := auditLines(t, sink)[0]
			reasons, _ := rec["reasons"].([]any)
			// A refused response was not let through unchecked.
			_, noted := rec["notes"]
			if noted || rec["decision"] != c.want.decision || !slices.Contains(reasons, any(c.want.reason)) || rec["upstream"] != c.want.upstream || rec["status"] != float64(c.want.status) {
				t.Errorf("record %v: want decision %s, reason %s, upstream %v, status %d", rec, c.want.decision, c.want.reason, c.want.upstream, c.want.status)
			}
		})
	}
}

// TestClientGoneIsNotAViolation: a client that leaves while the answer is
// relayed is client-closed, not upstream-aborted (the upstream did nothing
// wrong), and a client that leaves is no violation: the transaction stays
// allowed in block mode. It read "upstream-aborted", blocked.
func TestClientGoneIsNotAViolation(t *testing.T) {
	addr := rawUpstream(t, func(c net.Conn, _ *http.Request) {
		_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
		chunk := fmt.Sprintf("%x\r\n%s\r\n", 16<<10, strings.Repeat("x", 16<<10))
		for range 2000 { // 32 MB, far past what socket buffers hold
			if _, err := io.WriteString(c, chunk); err != nil {
				return
			}
		}
	})
	sink := &syncBuffer{}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + addr,
		Operations: map[string]plan.OpConfig{"listItems": {ResponseMode: "off"}}}
	fw := startFirewall(t, cfg, sink)
	conn, err := net.Dial("tcp", fw.Addr())
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.WriteString(conn, "GET /v1/items HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	if _, err := io.ReadFull(conn, buf); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	// Counted as what it is, not among the violations.
	var metrics string
	waitFor(t, "the client's leaving counted", func() bool {
		_, metrics = get(t, "http://"+fw.AdminAddr()+"/metrics", nil)
		return strings.Contains(metrics, "rampart_client_closed_total 1")
	})
	if strings.Contains(metrics, `reason="client-closed"`) {
		t.Error("client-closed counted among the violations")
	}
	if n := recordsAfterShutdown(t, fw, sink); n != 1 {
		t.Fatalf("%d records", n)
	}
	rec := auditLines(t, sink)[0]
	reasons := fmt.Sprint(rec["reasons"])
	if rec["decision"] != "allowed" || !strings.Contains(reasons, "client-closed") || strings.Contains(reasons, "upstream-aborted") {
		t.Errorf("record %v: want allowed, client-closed alone", rec)
	}
}
