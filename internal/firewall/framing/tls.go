package framing

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"time"
)

// TLSListener terminates TLS itself so that HTTP/1.x over TLS can be
// watched too: net/http only sees plaintext bytes through a *tls.Conn it
// reads itself, so the handshake happens here and each connection is
// handed over by its negotiated protocol. HTTP/2 connections are passed as
// the *tls.Conn net/http needs to serve HTTP/2 (HTTP/2 frames its messages
// itself and net/http checks Content-Length against them); HTTP/1.x ones
// as a Conn over the *tls.Conn, whose handshake state the handler restores
// with TLSState (net/http fills Request.TLS only for a *tls.Conn).
//
// Handshakes run concurrently, each bounded by HandshakeTimeout, so a slow
// client cannot hold up the others.
type TLSListener struct {
	inner            net.Listener
	config           *tls.Config
	maxHead          int
	handshakeTimeout time.Duration
	log              *slog.Logger

	ready     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	errMu     sync.Mutex
	err       error
}

// NewTLSListener starts accepting on inner. config must offer "h2" in
// NextProtos for HTTP/2 to be negotiated.
func NewTLSListener(inner net.Listener, config *tls.Config, maxHead int, handshakeTimeout time.Duration, log *slog.Logger) *TLSListener {
	if handshakeTimeout <= 0 {
		handshakeTimeout = 10 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &TLSListener{
		inner: inner, config: config, maxHead: maxHead, handshakeTimeout: handshakeTimeout, log: log,
		ready: make(chan net.Conn), done: make(chan struct{}),
	}
	go l.acceptLoop()
	return l
}

func (l *TLSListener) acceptLoop() {
	for {
		raw, err := l.inner.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(5 * time.Millisecond)
				continue
			}
			l.errMu.Lock()
			l.err = err
			l.errMu.Unlock()
			l.Close()
			return
		}
		go l.handshake(raw)
	}
}

func (l *TLSListener) handshake(raw net.Conn) {
	tc := tls.Server(raw, l.config)
	ctx, cancel := context.WithTimeout(context.Background(), l.handshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		// Plain HTTP sent to the TLS port gets the answer net/http gives.
		var re tls.RecordHeaderError
		if errors.As(err, &re) && re.Conn != nil && looksLikeHTTP(re.RecordHeader[:]) {
			_ = re.Conn.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = re.Conn.Write([]byte("HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n"))
		}
		l.log.Debug("TLS handshake failed", "remote", raw.RemoteAddr().String(), "err", err)
		_ = raw.Close()
		return
	}
	var c net.Conn = tc
	if tc.ConnectionState().NegotiatedProtocol != "h2" {
		c = NewConn(tc, l.maxHead)
	}
	select {
	case l.ready <- c:
	case <-l.done:
		_ = tc.Close()
	}
}

func looksLikeHTTP(hdr []byte) bool {
	switch string(hdr) {
	case "GET /", "HEAD ", "POST ", "PUT /", "OPTIO":
		return true
	}
	return false
}

// Accept returns the next connection whose handshake completed.
func (l *TLSListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		l.errMu.Lock()
		defer l.errMu.Unlock()
		if l.err != nil {
			return nil, l.err
		}
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections already handed over stay open.
func (l *TLSListener) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.inner.Close()
	})
	return err
}

// Addr is the inner listener's address.
func (l *TLSListener) Addr() net.Addr { return l.inner.Addr() }

// TLSState returns the TLS state of a watched connection over TLS.
func (c *Conn) TLSState() (tls.ConnectionState, bool) {
	if tc, ok := c.Conn.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// CloseWrite half-closes the connection when the transport can, as
// net/http does before closing after an error so the client reads the
// response.
func (c *Conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
