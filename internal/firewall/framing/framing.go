// Package framing follows the message framing of HTTP/1.x connections as
// their bytes arrive, to recover what net/http normalises away before a
// handler runs: a request head carrying both Content-Length and
// Transfer-Encoding (net/http drops Content-Length, as RFC 9112 §6.3
// allows) or several Content-Length fields (net/http keeps one when they
// agree). Such a request is how HTTP request smuggling starts: a proxy in
// front of the firewall that frames it by Content-Length sees a different
// sequence of requests than the firewall, which frames it by
// Transfer-Encoding. The firewall refuses it and closes the connection
// (RFC 9112 §6.1).
//
// The package does not parse requests for the server: net/http still does.
// A Conn only watches the bytes net/http reads, finds each request head and
// skips each body by the same rules net/http applies (chunked on HTTP/1.1,
// else Content-Length, else no body), and queues one Head per request. The
// handler takes the Head of its request with Lookup. When the two ever
// disagree (no Head matches the request), the handler learns that too:
// that disagreement is itself a framing ambiguity.
package framing

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Head is what a request head said about its framing.
type Head struct {
	Method, Target string
	// BothLengths: Content-Length and Transfer-Encoding fields together.
	BothLengths bool
	// LengthFields counts the Content-Length fields.
	LengthFields int
	// LegacyTransferEncoding: Transfer-Encoding on an HTTP/1.0 request,
	// which RFC 9112 §6.1 says to treat as faulty framing. net/http
	// ignores the field there (no body, or Content-Length's); a front
	// proxy that honours it frames the chunks as the body.
	LegacyTransferEncoding bool
}

// Ambiguous reports whether the head frames its body in more than one way.
func (h Head) Ambiguous() bool {
	return h.BothLengths || h.LengthFields > 1 || h.LegacyTransferEncoding
}

// maxQueued bounds the heads waiting for their handler. net/http reads
// ahead of the request it serves at most its 4 KiB buffer plus one
// background byte, and the shortest head it accepts ("A / HTTP/1.1" and
// two bare line feeds) is 14 bytes: about 293 heads. A longer queue means
// the stream is not what this package thinks it is.
const maxQueued = 512

type state int

const (
	stHead      state = iota // reading a request head, line by line
	stFixed                  // skipping a Content-Length body
	stChunkSize              // reading a chunk-size line
	stChunkData              // skipping chunk data
	stChunkCRLF              // the line end after chunk data
	stTrailer                // trailer fields after the last chunk
	stOff                    // lost: no further heads are reported
)

const (
	fieldOther = iota
	fieldCL
	fieldTE
)

// scanner is the framing state machine over one connection's bytes.
type scanner struct {
	maxHead int // bytes allowed in one head (net/http: MaxHeaderBytes + 4096)

	st        state
	line      []byte // the current line, without its end
	headBytes int
	lineNo    int // lines of the current head or trailer
	cur       Head
	proto     string
	te        []string
	cls       []string
	remaining int64
	afterPost bool // net/http drops CR/LF before a head that follows a POST
	lastField int  // the field an obs-fold line continues

	queue []Head
}

func (s *scanner) feed(b []byte) {
	for len(b) > 0 && s.st != stOff {
		switch s.st {
		case stFixed, stChunkData:
			n := int64(len(b))
			if n > s.remaining {
				n = s.remaining
			}
			s.remaining -= n
			b = b[n:]
			if s.remaining == 0 {
				if s.st == stFixed {
					s.st = stHead
				} else {
					s.st = stChunkCRLF
				}
			}
		default:
			if s.st == stHead && s.lineNo == 0 && len(s.line) == 0 && s.afterPost && (b[0] == '\r' || b[0] == '\n') {
				b = b[1:]
				continue
			}
			i := bytes.IndexByte(b, '\n')
			part := b
			if i >= 0 {
				part = b[:i]
			}
			// Count the line end only once it has arrived, so a line read in
			// several pieces costs what it costs read whole.
			s.headBytes += len(part)
			if i >= 0 {
				s.headBytes++
			}
			if s.headBytes > s.maxHead {
				s.st = stOff
				return
			}
			s.line = append(s.line, part...)
			if i < 0 {
				return
			}
			b = b[i+1:]
			line := bytes.TrimSuffix(s.line, []byte("\r"))
			s.endLine(line)
			s.line = s.line[:0]
		}
	}
}

// endLine handles one complete line in the line-oriented states.
func (s *scanner) endLine(line []byte) {
	switch s.st {
	case stHead:
		if s.lineNo == 0 {
			// net/http: method SP request-target SP protocol.
			method, rest, ok1 := strings.Cut(string(line), " ")
			target, proto, ok2 := strings.Cut(rest, " ")
			if !ok1 || !ok2 {
				s.st = stOff
				return
			}
			s.cur = Head{Method: method, Target: target}
			s.proto, s.te, s.cls, s.lastField = proto, s.te[:0], s.cls[:0], fieldOther
			s.lineNo++
			return
		}
		if len(line) == 0 {
			s.endHead()
			return
		}
		s.lineNo++
		if line[0] == ' ' || line[0] == '\t' {
			// obs-fold: net/http joins the line to the previous field
			// with one space.
			var last *string
			switch s.lastField {
			case fieldCL:
				last = &s.cls[len(s.cls)-1]
			case fieldTE:
				last = &s.te[len(s.te)-1]
			}
			if last != nil {
				*last = strings.TrimSpace(*last + " " + strings.TrimSpace(string(line)))
			}
			return
		}
		s.lastField = fieldOther
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return // net/http rejects the head
		}
		switch {
		case asciiEqualFold(name, "content-length"):
			s.cls = append(s.cls, strings.TrimSpace(string(value)))
			s.lastField = fieldCL
		case asciiEqualFold(name, "transfer-encoding"):
			s.te = append(s.te, strings.TrimSpace(string(value)))
			s.lastField = fieldTE
		}
	case stChunkSize:
		size, _, _ := bytes.Cut(line, []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimRight(size, " \t")), 16, 63)
		if err != nil {
			s.st = stOff
			return
		}
		if n == 0 {
			s.st, s.lineNo = stTrailer, 0
			return
		}
		s.st, s.remaining = stChunkData, int64(n)
	case stChunkCRLF:
		if len(line) != 0 {
			s.st = stOff
			return
		}
		s.st, s.headBytes = stChunkSize, 0
	case stTrailer:
		if len(line) == 0 {
			s.startHead()
			return
		}
		s.lineNo++
	}
}

// endHead queues the head and decides how its body is framed, the way
// net/http does (transfer.go: parseTransferEncoding, fixLength).
func (s *scanner) endHead() {
	s.cur.BothLengths = len(s.te) > 0 && len(s.cls) > 0
	s.cur.LengthFields = len(s.cls)
	if len(s.queue) >= maxQueued {
		s.st = stOff
		return
	}
	http11 := s.proto != "HTTP/1.0" && strings.HasPrefix(s.proto, "HTTP/1.")
	s.cur.LegacyTransferEncoding = len(s.te) > 0 && !http11
	s.queue = append(s.queue, s.cur)
	s.afterPost = s.cur.Method == "POST"
	switch {
	case len(s.te) > 0 && http11:
		if len(s.te) != 1 || !strings.EqualFold(s.te[0], "chunked") {
			s.st = stOff // net/http answers 501 and closes
			return
		}
		s.st, s.headBytes = stChunkSize, 0
	case len(s.cls) > 0:
		for _, v := range s.cls[1:] {
			if v != s.cls[0] {
				s.st = stOff // net/http answers 400 and closes
				return
			}
		}
		n, err := strconv.ParseUint(s.cls[0], 10, 63)
		if err != nil {
			s.st = stOff
			return
		}
		if n == 0 {
			s.startHead()
			return
		}
		s.st, s.remaining = stFixed, int64(n)
		s.headBytes, s.lineNo = 0, 0
	default:
		s.startHead()
	}
}

func (s *scanner) startHead() {
	s.st, s.headBytes, s.lineNo = stHead, 0, 0
}

// take removes and returns the oldest queued head for method and target.
// Heads before it belong to requests net/http answered without the
// handler (OPTIONS *, an unmet Expect) and are dropped.
func (s *scanner) take(method, target string) (Head, bool) {
	for i, h := range s.queue {
		if h.Method == method && h.Target == target {
			s.queue = s.queue[i+1:]
			return h, true
		}
	}
	return Head{}, false
}

func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range b {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// Conn watches the bytes net/http reads from an HTTP/1.x connection.
type Conn struct {
	net.Conn
	mu sync.Mutex
	s  scanner
}

// NewConn wraps c. maxHead is the most bytes one request head may take
// (net/http allows MaxHeaderBytes plus 4096).
func NewConn(c net.Conn, maxHead int) *Conn {
	return &Conn{Conn: c, s: scanner{maxHead: maxHead}}
}

func (c *Conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.s.feed(p[:n])
		c.mu.Unlock()
	}
	return n, err
}

// Take returns the head of the request with this method and request
// target (http.Request.RequestURI); false when none was seen, which means
// this package and net/http framed the connection differently.
func (c *Conn) Take(method, target string) (Head, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s.take(method, target)
}

// Listener wraps every accepted connection in a Conn.
type Listener struct {
	net.Listener
	MaxHead int
}

func (l Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return NewConn(c, l.MaxHead), nil
}

type ctxKey struct{}

// ConnContext is an http.Server ConnContext hook: it makes a Conn
// reachable from the requests served on it.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if fc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, ctxKey{}, fc)
	}
	return ctx
}

// FromContext returns the Conn a request arrived on, if it was watched.
func FromContext(ctx context.Context) (*Conn, bool) {
	fc, ok := ctx.Value(ctxKey{}).(*Conn)
	return fc, ok
}
