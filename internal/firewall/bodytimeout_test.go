package firewall

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSlowBodyTimesOut: a body that is still arriving when the read
// timeout runs out is 408 body-timeout, not 400: the client can tell a
// stalled upload from a malformed one. Nothing reaches the upstream.
func TestSlowBodyTimesOut(t *testing.T) {
	up := startUpstream(t)
	sink := &syncBuffer{}
	cfg := Config{Spec: "testdata/protect.yaml", Upstream: "http://" + up.addr}
	cfg.Timeouts.Read = 400 * time.Millisecond
	fw := startFirewall(t, cfg, sink)
	c, err := net.Dial("tcp", fw.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	// 50 bytes announced, 10 sent, then nothing.
	head := "POST /public/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n"
	if _, err := c.Write([]byte(head + `{"title":"`)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408", resp.StatusCode)
	}
	id := resp.Header.Get(RequestIDHeader)
	if up.reached(id) {
		t.Fatal("the upstream was reached")
	}
	waitFor(t, "the audit record", func() bool { return strings.Contains(sink.String(), `"body-timeout"`) })
}

// TestSeveralContentTypes: two Content-Type fields are an ambiguity (the
// firewall would judge one, the upstream might read the other), refused
// with 400 ambiguous-header; its problem type used to be the 415's.
func TestSeveralContentTypes(t *testing.T) {
	up := startUpstream(t)
	fw := startFirewall(t, Config{Spec: "testdata/protect.yaml", Upstream: "http://" + up.addr}, nil)
	req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+"/public/articles", strings.NewReader(`{"title":"a"}`))
	req.Header["Content-Type"] = []string{"application/json", "text/plain"}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct{ Type, Reason string }
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || p.Reason != "ambiguous-header" || !strings.HasSuffix(p.Type, ":ambiguous-header") {
		t.Fatalf("got %d %+v, want 400 ambiguous-header", resp.StatusCode, p)
	}
}
