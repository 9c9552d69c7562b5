package framing

import (
	"reflect"
	"strings"
	"testing"
)

// scan feeds in whole, then one byte at a time, and checks both agree:
// net/http reads a connection in pieces of any size.
func scan(t *testing.T, in string) ([]Head, state) {
	t.Helper()
	whole := scanner{maxHead: 1 << 16}
	whole.feed([]byte(in))
	bytewise := scanner{maxHead: 1 << 16}
	for i := 0; i < len(in); i++ {
		bytewise.feed([]byte{in[i]})
	}
	if !reflect.DeepEqual(whole.queue, bytewise.queue) || whole.st != bytewise.st {
		t.Fatalf("split reads disagree:\nwhole    %+v %v\nbytewise %+v %v", whole.queue, whole.st, bytewise.queue, bytewise.st)
	}
	return whole.queue, whole.st
}

func TestScannerHeads(t *testing.T) {
	get := Head{Method: "GET", Target: "/a"}
	cases := []struct {
		name  string
		in    string
		heads []Head
		state state
	}{
		{"one GET", "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", []Head{get}, stHead},
		{"bare LF line ends", "GET /a HTTP/1.1\nHost: x\n\n", []Head{get}, stHead},
		{"Content-Length body is skipped",
			"POST /p HTTP/1.1\r\nContent-Length: 22\r\n\r\nGET /fake HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p", LengthFields: 1}, get}, stHead},
		{"chunked body with extension and trailer is skipped",
			"POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nGET /\r\n0\r\nX-Trailer: 1\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p"}, get}, stHead},
		{"chunk data holding a fake head", "POST /p HTTP/1.1\r\ntransfer-encoding: CHUNKED\r\n\r\n16\r\nGET /fake HTTP/1.1\r\n\r\n\r\n0\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p"}}, stHead},
		{"both lengths: chunked wins, as in net/http",
			"POST /p HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p", BothLengths: true, LengthFields: 1}, get}, stHead},
		{"HTTP/1.0 ignores Transfer-Encoding, still ambiguous",
			"POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\nxGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p", BothLengths: true, LengthFields: 1, LegacyTransferEncoding: true}, get}, stHead},
		{"HTTP/1.0 with Transfer-Encoding alone: faulty framing",
			"POST /p HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p", LegacyTransferEncoding: true}, get}, stHead},
		{"equal Content-Length fields are counted",
			"POST /p HTTP/1.1\r\nContent-Length: 1\r\ncontent-length:  1 \r\n\r\nx",
			[]Head{{Method: "POST", Target: "/p", LengthFields: 2}}, stHead},
		{"different Content-Length fields: net/http closes", "POST /p HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
			[]Head{{Method: "POST", Target: "/p", LengthFields: 2}}, stOff},
		{"gzip transfer coding: net/http answers 501 and closes", "POST /p HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p"}}, stOff},
		{"two Transfer-Encoding fields: net/http refuses", "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p"}}, stOff},
		{"bad chunk size", "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", []Head{{Method: "POST", Target: "/p"}}, stOff},
		{"CR/LF after a POST body is tolerated", "POST /p HTTP/1.1\r\nContent-Length: 1\r\n\r\nx\r\nGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p", LengthFields: 1}, get}, stHead},
		{"pipelined GETs", "GET /a HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET /b?x=1 HTTP/1.1\r\n\r\n",
			[]Head{get, get, {Method: "GET", Target: "/b?x=1"}}, stHead},
		{"folded Transfer-Encoding is joined, as net/http does",
			"POST /p HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\nX: 1\r\n\r\n1\r\nx\r\n0\r\n\r\nGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p"}, get}, stHead},
		{"folded Content-Length", "POST /p HTTP/1.1\r\nContent-Length:\r\n\t2\r\n\r\nxxGET /a HTTP/1.1\r\n\r\n",
			[]Head{{Method: "POST", Target: "/p", LengthFields: 1}, get}, stHead},
		{"malformed request line", "GARBAGE\r\n\r\n", nil, stOff},
		{"head still arriving", "GET /a HTTP/1.1\r\nHost:", nil, stHead},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			heads, st := scan(t, c.in)
			if !reflect.DeepEqual(heads, c.heads) || st != c.state {
				t.Fatalf("got %+v (state %v), want %+v (state %v)", heads, st, c.heads, c.state)
			}
		})
	}
}

func TestScannerHeadLimit(t *testing.T) {
	s := scanner{maxHead: 64}
	s.feed([]byte("GET /a HTTP/1.1\r\nX-Long: " + string(make([]byte, 100)) + "\r\n\r\n"))
	if s.st != stOff || len(s.queue) != 0 {
		t.Fatalf("a head over the limit was followed: %v %+v", s.st, s.queue)
	}
}

// A head just under the limit is followed however it is read: a client
// that sends one byte at a time must not be cut off early (each partial
// read once counted an extra byte for a line end not yet seen).
func TestScannerHeadLimitBytewise(t *testing.T) {
	head := "GET /a HTTP/1.1\r\nX-Long: " + strings.Repeat("v", 200) + "\r\n\r\n"
	s := scanner{maxHead: len(head)}
	for i := 0; i < len(head); i++ {
		s.feed([]byte{head[i]})
	}
	if s.st != stHead || len(s.queue) != 1 {
		t.Fatalf("a head within the limit read bytewise was lost: %v %+v", s.st, s.queue)
	}
}

func TestScannerQueueBound(t *testing.T) {
	s := scanner{maxHead: 1 << 16}
	for i := 0; i < maxQueued+1; i++ {
		s.feed([]byte("GET / HTTP/1.1\r\n\r\n"))
	}
	if s.st != stOff || len(s.queue) != maxQueued {
		t.Fatalf("queue %d, state %v", len(s.queue), s.st)
	}
}

func TestTakeMatchesAndDropsSkipped(t *testing.T) {
	s := scanner{maxHead: 1 << 16}
	s.feed([]byte("OPTIONS * HTTP/1.1\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"))
	if h, ok := s.take("GET", "/a"); !ok || h.Target != "/a" {
		t.Fatalf("take /a: %+v %v", h, ok)
	}
	if _, ok := s.take("OPTIONS", "*"); ok {
		t.Fatal("a head before the taken one was kept")
	}
	if _, ok := s.take("GET", "/b"); !ok {
		t.Fatal("take /b")
	}
	if _, ok := s.take("GET", "/b"); ok {
		t.Fatal("a head was taken twice")
	}
}

// BenchmarkScanner follows a keep-alive stream of 1 KB JSON POSTs, read
// in 4 KiB pieces as net/http reads them.
func BenchmarkScanner(b *testing.B) {
	body := strings.Repeat("x", 1024)
	req := "POST /orders HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: Go-http-client/1.1\r\nContent-Length: 1024\r\nContent-Type: application/json\r\nAccept-Encoding: gzip\r\n\r\n" + body
	stream := []byte(strings.Repeat(req, 64))
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	s := scanner{maxHead: 1 << 20}
	for i := 0; i < b.N; i += 64 {
		for off := 0; off < len(stream); off += 4096 {
			s.feed(stream[off:min(off+4096, len(stream))])
		}
		for range 64 {
			s.take("POST", "/orders")
		}
	}
}
