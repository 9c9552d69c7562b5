package firewall

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

type txKey struct{}

// blockedResponse is returned by ModifyResponse to turn an invalid
// response into a 502: the client never sees the undocumented body. It
// carries every violation found (the first is the one answered), and
// upstreamError records them: a response refused is a blocked
// transaction with its reasons, however it was refused.
type blockedResponse struct{ vs []plan.Violation }

func (b *blockedResponse) Error() string { return b.vs[0].Reason }

func blocked(v plan.Violation) *blockedResponse { return &blockedResponse{[]plan.Violation{v}} }

func (s *Server) newProxy() *httputil.ReverseProxy {
	tr := &http.Transport{
		Proxy:                 nil, // the upstream is addressed directly, never via environment proxies
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   1024,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: s.cfg.Timeouts.Upstream,
		// The same bound as a request's header: net/http's default (10
		// MiB) let an upstream have that much buffered per response and
		// relayed, unchecked, to the client.
		MaxResponseHeaderBytes: int64(maxHeaderBytes(s.cfg.Limits.MaxHeaderBytes)),
		ExpectContinueTimeout:  time.Second,
		ForceAttemptHTTP2:      true,
		// The firewall validates what it forwards; it must see the
		// upstream's bytes, not a transparently decompressed copy.
		DisableCompression: true,
	}
	up := s.upstream
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(up)
			// The query as the client sent it and the firewall read it.
			// ReverseProxy re-encodes one that url.ParseQuery refuses,
			// dropping each pair with a semicolon: "q=a;b" (data to the
			// firewall, which refuses ";name=") would reach the upstream
			// without q, after q was validated.
			// An upstream URL's own query goes first, as SetURL puts it.
			switch q := pr.In.URL.RawQuery; {
			case up.RawQuery == "":
				pr.Out.URL.RawQuery = q
			case q == "":
				pr.Out.URL.RawQuery = up.RawQuery
			default:
				pr.Out.URL.RawQuery = up.RawQuery + "&" + q
			}
			pr.Out.Host = pr.In.Host
			// The body was read (so the client got its 100 Continue) and
			// validated already; asking the upstream for a 100 of its own
			// would only delay the request (respWriter drops any 100 the
			// upstream sends anyway).
			pr.Out.Header.Del("Expect")
			// No protocol upgrades (WebSocket, h2c): what would follow a
			// 101 is not HTTP, so neither the contract nor the firewall
			// could see it.
			pr.Out.Header.Del("Upgrade")
			pr.Out.Header.Del("Connection")
			// Responses are validated as the contract describes them:
			// uncompressed.
			pr.Out.Header.Del("Accept-Encoding")
			tx, ok := pr.In.Context().Value(txKey{}).(*Tx)
			if !ok {
				pr.SetXForwarded() // not reached: forward always attaches the transaction
				return
			}
			h := pr.Out.Header
			h.Set(RequestIDHeader, tx.ID)
			// A byte range of a response is not a document its schema
			// could judge (nor strip): unless the contract declares 206
			// itself, checked responses are asked for whole.
			if tx.Op != nil && tx.Op.RespMode != plan.Off && !tx.Op.DeclaresStatus("206") {
				h.Del("Range")
				h.Del("If-Range")
			}
			// The forwarding fields say what the firewall resolved, not
			// what SetXForwarded would (the TCP peer, a trusted load
			// balancer's address and "http" behind it).
			// ReverseProxy removes only Forwarded, X-Forwarded-For, -Host
			// and -Proto; the other fields frameworks read the client's
			// scheme, port or path prefix from would still carry whatever
			// the client wrote. A trusted proxy's port and prefix are its
			// own statements and pass; the scheme is X-Forwarded-Proto's,
			// as the firewall judged it.
			// A field the operation declares as a parameter was validated
			// and is the upstream's to read.
			trusted := tx.C.pol.ip.FromTrustedProxy(pr.In)
			for k := range h {
				if len(k) > len(forwardedPrefix) && strings.EqualFold(k[:len(forwardedPrefix)], forwardedPrefix) &&
					(!trusted || schemeFields[http.CanonicalHeaderKey(k)]) && !declared(tx, k) {
					delete(h, k)
				}
			}
			for _, f := range clientForwardingFields {
				if _, ok := h[f]; ok && !declared(tx, f) {
					delete(h, f)
				}
			}
			if tx.Client.IsValid() {
				// One entry: the peer, or the first untrusted hop behind a
				// trusted proxy; never addresses the client wrote itself.
				// X-Real-IP says the same, for applications that read it.
				client := tx.Client.Unmap().String()
				h.Set("X-Forwarded-For", client)
				h.Set("X-Real-Ip", client)
			}
			// Whether the client used TLS, as judged for HSTS.
			proto := "http"
			if tx.C.pol.ip.IsTLS(pr.In) {
				proto = "https"
			}
			h.Set("X-Forwarded-Proto", proto)
			// The host the firewall received; a request without one
			// (HTTP/1.0) gets no field rather than an empty one, which
			// frameworks that honour the field take as an invalid host.
			if pr.In.Host != "" {
				h.Set("X-Forwarded-Host", pr.In.Host)
			}
		},
		Transport: tr,
		// FlushInterval 0: validated bodies are written whole; ReverseProxy
		// still flushes at once for event streams and bodies of unknown length.
		FlushInterval:  0,
		ModifyResponse: s.modifyResponse,
		ErrorHandler:   s.upstreamError,
		// What the reverse proxy reports itself (a body cut mid-stream)
		// goes to the structured log, not as a bare line through the
		// standard logger into the JSON on standard error.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Without a pool ReverseProxy allocates a 32 KiB copy buffer per
		// response: a third of the bytes allocated per request, and GC work.
		BufferPool: copyBuffers{},
	}
}

// declared reports whether the transaction's operation declares the
// header field name as a parameter.
func declared(tx *Tx, name string) bool {
	return tx.Op != nil && declaredHeader(tx.Op, name)
}

// forwardedPrefix starts the names of the de facto forwarding fields
// (X-Forwarded-Ssl, -Scheme, -Port, -Prefix, ...). Rack reads the scheme
// from X-Forwarded-Ssl and -Scheme, Spring and others build URLs from
// -Port and -Prefix; none reaches the upstream from a client that is not
// a trusted proxy.
const forwardedPrefix = "X-Forwarded-"

// schemeFields restate the scheme X-Forwarded-Proto carries (Rack reads
// X-Forwarded-Ssl before X-Forwarded-Proto); they are removed even from a
// trusted proxy, so that the upstream reads only the firewall's judgement.
var schemeFields = map[string]bool{"X-Forwarded-Ssl": true, "X-Forwarded-Scheme": true}

// clientForwardingFields are request fields, besides Forwarded and
// X-Forwarded-*, from which frameworks, proxies and CDN integrations take
// the client address (X-Real-IP by nginx's realip module, True-Client-IP
// and X-Real-IP by chi's RealIP, the CDN fields by applications written
// for those CDNs) or its scheme (Front-End-Https, X-Url-Scheme), in
// canonical form. Written by the client, they would give the upstream an
// address the IP rules never saw, or have it take plain HTTP for HTTPS.
// The upstream gets X-Real-IP set to the address the firewall resolved
// and none of the others, unless the operation declares them.
var clientForwardingFields = []string{"X-Real-Ip", "True-Client-Ip", "X-Client-Ip", "X-Cluster-Client-Ip", "Cf-Connecting-Ip",
	"Fastly-Client-Ip", "X-Original-Forwarded-For", "Forwarded-For", "X-Forwarded", "X-Proxyuser-Ip",
	"Front-End-Https", "X-Url-Scheme"}

// copyBuffers is the reverse proxy's pool of response copy buffers.
type copyBuffers struct{}

var copyBufferPool = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (copyBuffers) Get() []byte { return *copyBufferPool.Get().(*[]byte) }

func (copyBuffers) Put(b []byte) {
	if cap(b) == 32<<10 {
		b = b[:cap(b)]
		copyBufferPool.Put(&b)
	}
}

// dropConnectionOptions removes the fields a request's Connection header
// names (RFC 9110 §7.6.1: options for this hop only), before any stage
// reads the request. The reverse proxy removes them on the way out, so
// "Connection: X-Api-Key" or "Connection: Content-Type" would otherwise
// let the firewall check a credential, a declared header parameter or the
// body's media type that the upstream then never receives. Connection
// itself stays: net/http reads it for close and keep-alive.
//
// It returns the first forwarding field it named, if any: those are not
// dropped, since without them the firewall would take a trusted proxy's
// own address for the client's (a front proxy that passes the client's
// Connection header on would let "Connection: X-Forwarded-For" slip a
// denied client past the IP rules); the ip-rules stage refuses the
// request instead.
func dropConnectionOptions(h http.Header) (forwarding string) {
	for _, f := range h["Connection"] {
		for opt := range strings.SplitSeq(f, ",") {
			opt = textproto.TrimString(opt)
			if opt == "" || strings.EqualFold(opt, "Connection") {
				continue
			}
			if slices.ContainsFunc(forwardingFields, func(n string) bool { return strings.EqualFold(n, opt) }) {
				if forwarding == "" {
					forwarding = opt
				}
				continue
			}
			h.Del(opt)
		}
	}
	return forwarding
}

// forwardingFields are the fields from which the firewall resolves the
// client and its scheme behind a trusted proxy.
var forwardingFields = []string{"X-Forwarded-For", "Forwarded", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-IP"}

// forward sends the request upstream with the body exactly as validated.
func (s *Server) forward(tx *Tx, rw *respWriter) {
	r := tx.R
	if tx.HasBody {
		r.Body = io.NopCloser(bytes.NewReader(tx.Body))
		r.ContentLength = int64(len(tx.Body))
		r.TransferEncoding = nil
		r.Header.Set("Content-Length", strconv.Itoa(len(tx.Body)))
		if tx.BodyRewritten {
			// The upstream gets the decoded body: digests of the bytes the
			// client sent no longer describe it.
			r.Header.Del("Content-Encoding")
			for _, h := range bodyDigestFields {
				delete(r.Header, h)
			}
		}
	}
	if tx.C.pol.certHeaders != nil {
		// RFC 9440 headers are believed only from a trusted proxy; a
		// client that writes them itself must not reach the upstream
		// with them.
		tx.C.pol.certHeaders.StripUntrusted(r)
	}
	tx.Upstream = true
	// ReverseProxy clears the response header map after relaying an
	// informational response (103 Early Hints); what the firewall set
	// before forwarding (request id, CORS, rate-limit fields) is put back
	// on the final response.
	rw.preset = rw.Header().Clone()
	// The upstream has timeouts.upstream to answer with its header (from
	// the dial, so an upstream that never reads the request body counts
	// too), and again to send a body the firewall buffers to validate.
	// Without the second bound an upstream that stalls mid-body held the
	// transaction for as long as it liked, and the client got nothing.
	ctx, cancel := context.WithCancelCause(context.WithValue(r.Context(), txKey{}, tx))
	defer cancel(nil)
	// A shutdown whose drain ran out of time abandons the exchange.
	defer context.AfterFunc(s.cut, func() { cancel(errShutdownCut) })()
	tx.upstreamClock = upstreamClock{cancel: cancel, d: s.cfg.Timeouts.Upstream}
	tx.upstreamClock.start()
	defer tx.upstreamClock.stop()
	// A body relayed as it arrives (see idleBody) that stalled: the
	// reverse proxy aborts the response (net/http cuts the client's
	// connection) and the record says why, beside upstream-aborted.
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler && errors.Is(context.Cause(ctx), errStreamIdle) {
				tx.Violations = append(tx.Violations, plan.Violation{Status: http.StatusGatewayTimeout, Reason: reasonStreamIdle, Detail: errStreamIdle.Error()})
			}
			if p == http.ErrAbortHandler && s.cut.Err() != nil {
				// The upstream answered; the firewall's own shutdown cut
				// the relay, and the record should not blame the upstream.
				// (s.cut, not ctx's cause: closing the client's connection
				// right after may abort the relay first.)
				tx.Violations = append(tx.Violations, plan.Violation{Status: http.StatusServiceUnavailable, Reason: reasonShutdownCut, Detail: "the firewall stopped (its drain ran out) while the response was being relayed"})
			}
			panic(p)
		}
	}()
	s.proxy.ServeHTTP(rw, r.WithContext(ctx))
	if tx.dropTrailers {
		// The header is out; what the reverse proxy added since are the
		// trailers of a streamed body, which net/http would send when
		// the handler returns.
		h := rw.Header()
		for k := range h {
			if strings.HasPrefix(k, http.TrailerPrefix) {
				delete(h, k)
			}
		}
	}
}

// bodyDigestFields (canonical form) describe a message's body bytes; they
// are dropped wherever the firewall forwards other bytes than it received.
var bodyDigestFields = []string{"Content-Md5", "Digest", "Repr-Digest", "Content-Digest"}

// reasonShutdownCut is the audit reason of a response whose relay a
// shutdown cut (server.go leaves upstream-aborted out beside it).
const reasonShutdownCut = "shutdown-cut"

// errShutdownCut cancels the upstream exchanges still in flight when a
// shutdown's drain runs out of time.
var errShutdownCut = errors.New("the firewall stopped before the upstream answered")

// errUpstreamTimeout cancels an upstream exchange that ran out of time.
var errUpstreamTimeout = errors.New("the upstream did not answer in time")

// errStreamIdle cancels an upstream exchange whose relayed body stalled.
var errStreamIdle = errors.New("the upstream sent nothing more of the response body within timeouts.stream_idle")

// reasonStreamIdle is the audit reason of a relayed body cut for stalling.
const reasonStreamIdle = "upstream-stream-idle"

// upstreamClock cancels the upstream exchange when it runs out of time.
type upstreamClock struct {
	cancel context.CancelCauseFunc
	d      time.Duration
	// cause is what the exchange is cancelled with (errUpstreamTimeout
	// when nil).
	cause error
	timer *time.Timer
}

// start gives the upstream d from now.
func (c *upstreamClock) start() {
	if c.cancel == nil || c.d <= 0 {
		return
	}
	if c.timer != nil {
		// Reset rather than a new timer: a stream restarts its clock on
		// every read.
		c.timer.Reset(c.d)
		return
	}
	cause := c.cause
	if cause == nil {
		cause = errUpstreamTimeout
	}
	c.timer = time.AfterFunc(c.d, func() { c.cancel(cause) })
}

func (c *upstreamClock) stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
}

// modifyResponse drops the upstream's CORS headers (the firewall is the
// authority on the policy), then runs response validation.
func (s *Server) modifyResponse(resp *http.Response) error {
	// The firewall's request id is the one the client and the audit log
	// share; an upstream's own would be added beside it.
	resp.Header.Del(RequestIDHeader)
	tx, _ := resp.Request.Context().Value(txKey{}).(*Tx)
	if tx != nil {
		// The header is in; a buffered body gets its own time.
		tx.upstreamClock.stop()
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// Refused whatever the mode or the route: what follows a 101 is
		// the upgraded connection, which neither the contract nor the
		// firewall's checks could see (and which a validator reading
		// the body would wait on for ever).
		return blocked(plan.Violation{Status: 502, Reason: plan.ReasonRespStatus, Detail: "the upstream switched protocols, which the firewall does not forward"})
	}
	// The firewall is the CORS authority: the upstream's own
	// Access-Control-* headers never pass, with CORS on or off. An
	// upstream that reflects any Origin with credentials (a common
	// mistake) would otherwise open its authenticated answers to every
	// site while the firewall refuses the preflights.
	for k := range resp.Header {
		if strings.HasPrefix(k, "Access-Control-") {
			delete(resp.Header, k)
		}
	}
	if err := s.checkResponse(resp); err != nil {
		return err
	}
	s.rewriteUpstreamLocations(resp)
	if tx != nil && !tx.bodyBuffered && resp.Body != nil && resp.Body != http.NoBody {
		// Relayed as it arrives: no other bound applies once the header
		// is in, so a stalled upstream would hold the transaction until
		// it closed or a shutdown cut it.
		resp.Body = &idleBody{ReadCloser: resp.Body, clock: upstreamClock{cancel: tx.upstreamClock.cancel, d: s.cfg.Timeouts.StreamIdle, cause: errStreamIdle}}
	}
	return nil
}

// idleBody bounds each read of a relayed response body by
// timeouts.stream_idle. Only the wait for the upstream is timed: a slow
// client, which makes the reverse proxy wait between reads, is the
// server write timeout's business.
type idleBody struct {
	io.ReadCloser
	clock upstreamClock
}

func (b *idleBody) Read(p []byte) (int, error) {
	b.clock.start()
	n, err := b.ReadCloser.Read(p)
	b.clock.stop()
	return n, err
}

func (b *idleBody) Close() error {
	b.clock.stop()
	return b.ReadCloser.Close()
}

// rewriteUpstreamLocations points Location and Content-Location fields
// that name the upstream itself (its internal scheme, address and base
// path, as frameworks write them from their own view of the request) at
// the firewall instead, as the client addressed it. Otherwise a redirect
// would reveal the internal address and send the client around the
// firewall. It runs after validation, which judges the upstream's own
// answer.
func (s *Server) rewriteUpstreamLocations(resp *http.Response) {
	up := s.upstream
	for _, f := range [...]string{"Location", "Content-Location"} {
		v := resp.Header.Get(f)
		if v == "" {
			continue
		}
		u, err := url.Parse(v)
		if err != nil || !strings.EqualFold(u.Scheme, up.Scheme) || !strings.EqualFold(u.Host, up.Host) {
			continue
		}
		path := u.EscapedPath()
		base := strings.TrimSuffix(up.EscapedPath(), "/")
		if base != "" {
			rest, ok := strings.CutPrefix(path, base)
			if !ok || (rest != "" && rest[0] != '/') {
				continue // outside the part of the upstream the firewall fronts
			}
			path = rest
		}
		if path == "" {
			path = "/"
		}
		out := &url.URL{Path: u.Path, RawPath: path, RawQuery: u.RawQuery, Fragment: u.Fragment}
		if p, err := url.PathUnescape(path); err == nil {
			out.Path = p
		}
		if in := resp.Request; in != nil {
			if host := in.Header.Get("X-Forwarded-Host"); host != "" {
				out.Host = host
				out.Scheme = in.Header.Get("X-Forwarded-Proto")
			}
		}
		resp.Header.Set(f, out.String())
	}
}

// checkResponse is the response-validation stage.
func (s *Server) checkResponse(resp *http.Response) error {
	tx, ok := resp.Request.Context().Value(txKey{}).(*Tx)
	if !ok || tx.Op == nil || tx.Op.RespMode == plan.Off {
		return nil
	}
	// Trailer fields come after the body, where no contract describes
	// them and no check could run before they went out (over HTTP/2, and
	// after a streamed body over HTTP/1.1): a declared header repeated as
	// a trailer, or any other field, would reach the client unchecked.
	// The reverse proxy announces and relays what resp.Trailer holds; the
	// transport fills it when the body ends, so it is emptied after the
	// body is read here, and forward removes what a streamed body's end
	// adds (dropTrailers).
	tx.dropTrailers = true
	defer func() { resp.Trailer = nil }()
	cfg := &tx.Plan.Config
	mode := tx.Op.RespMode
	in := plan.ResponseIn{Method: tx.R.Method, Status: resp.StatusCode, Header: resp.Header, BodyChecked: true, Conditional: plan.IsConditional(tx.R)}
	eventStream := tx.Op.EventStream(resp.StatusCode, resp.Header.Get("Content-Type"))
	streaming := eventStream || resp.ContentLength > cfg.MaxResponse
	var data []byte
	if !streaming && resp.Body != nil && resp.Body != http.NoBody && tx.R.Method != http.MethodHead {
		var buf bytes.Buffer
		if resp.ContentLength > 0 {
			buf.Grow(int(resp.ContentLength))
		}
		tx.upstreamClock.start()
		n, err := buf.ReadFrom(io.LimitReader(resp.Body, cfg.MaxResponse+1))
		tx.upstreamClock.stop()
		if err != nil {
			resp.Body.Close()
			return err
		}
		if n > cfg.MaxResponse {
			// Larger than validated bodies may be: stream the rest on.
			streaming = true
			resp.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(buf.Bytes()), resp.Body), resp.Body}
		} else {
			resp.Body.Close()
			data = buf.Bytes()
			tx.bodyBuffered = true
		}
	}
	rewritten := false
	if data != nil {
		// The contract describes the representation, so a compressed
		// response is validated, and forwarded, decoded. (Accept-Encoding
		// is not passed upstream, so this is for upstreams that compress
		// regardless.)
		ce, ok := contentCoding(resp.Header.Values("Content-Encoding"))
		var dec []byte
		var err error
		if ok && ce != "" {
			dec, err = body.Decompress(data, ce, cfg.MaxResponse)
		}
		switch {
		case !ok || err != nil:
			v := plan.Violation{Status: 502, Reason: plan.ReasonRespBodyMalformed, Detail: "the response's content coding cannot be decoded"}
			var be *body.Error
			if errors.As(err, &be) && be.Reason == body.ReasonDecodedTooLarge {
				// Decodable, but larger decoded than validated bodies may
				// be (a compression bomb, or a big document): said as such.
				v = plan.Violation{Status: 502, Reason: plan.ReasonRespTooLarge, Detail: "the response decodes to more than " + strconv.FormatInt(cfg.MaxResponse, 10) + " bytes"}
			}
			if mode >= plan.Strip {
				return blocked(v)
			}
			tx.Violations = append(tx.Violations, v)
		case ce != "":
			data, rewritten = dec, true
			resp.Header.Del("Content-Encoding")
		}
	}
	if streaming {
		in.BodyChecked = false
		refuse := cfg.StreamingPolicy == "block" ||
			(cfg.StreamingPolicy == "auto" && !eventStream && tx.Op.ValidatesBody(resp.StatusCode, resp.Header.Get("Content-Type")))
		if refuse {
			v := plan.Violation{Status: 502, Reason: plan.ReasonRespTooLarge, Detail: "the response is larger than the " + strconv.FormatInt(cfg.MaxResponse, 10) + " bytes validated (max_response_bytes)"}
			if eventStream {
				v.Detail = "the response is an event stream, which is not buffered to be validated"
			}
			if mode >= plan.Strip {
				if resp.Body != nil {
					resp.Body.Close()
				}
				return blocked(v)
			}
			tx.Violations = append(tx.Violations, v)
		}
	}
	// Let through without its body checked: the record says so (once the
	// response is let through), so that an operator can tell "valid" from
	// "not looked at".
	unchecked := streaming && resp.Body != nil && resp.Body != http.NoBody && tx.R.Method != http.MethodHead
	in.Body = data
	vs, stripped := tx.Op.CheckResponse(&in, cfg, mode)
	if stripped != nil {
		data, rewritten = stripped, true
		tx.Notes = append(tx.Notes, NoteResponseStripped)
	}
	if rewritten {
		// Validators and digests of the upstream's bytes no longer hold.
		resp.Header.Del("Etag")
		for _, h := range bodyDigestFields {
			delete(resp.Header, h)
		}
	}
	if len(vs) > 0 {
		if mode >= plan.Strip {
			if resp.Body != nil && streaming {
				resp.Body.Close()
			}
			return &blockedResponse{vs}
		}
		tx.Violations = append(tx.Violations, vs...)
	}
	if unchecked {
		tx.Notes = append(tx.Notes, NoteResponseBodyUnchecked)
	}
	if !streaming && data != nil {
		resp.Body = io.NopCloser(bytes.NewReader(data))
		resp.ContentLength = int64(len(data))
		resp.Header.Set("Content-Length", strconv.Itoa(len(data)))
		resp.TransferEncoding = nil
	} else if !streaming {
		resp.Body = http.NoBody
	}
	return nil
}

// Notes of the audit record (auditlog.Record.Notes).
const (
	NoteResponseStripped      = "response-stripped"
	NoteResponseBodyUnchecked = "response-body-unchecked"
	// NoteAuthenticationNotEnforced: the operation has security
	// requirements, and the configuration has no authentication section
	// to verify them with.
	NoteAuthenticationNotEnforced = "authentication-not-enforced"
)

// upstreamError answers when the upstream cannot be reached, times out, or
// its response was blocked by response validation.
func (s *Server) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	tx, _ := r.Context().Value(txKey{}).(*Tx)
	if tx == nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	rw, _ := w.(*respWriter)
	var v plan.Violation
	var br *blockedResponse
	var ne net.Error
	switch {
	case errors.As(err, &br):
		tx.Violations = append(tx.Violations, br.vs...)
		v = br.vs[0]
		v.Status = http.StatusBadGateway
	case errors.Is(context.Cause(r.Context()), errShutdownCut) || s.cut.Err() != nil:
		// The firewall's own drain ran out, whichever noticed first: the
		// exchange's cancellation or the client's connection closing.
		// Neither the upstream nor the client is to blame.
		v = plan.Violation{Status: http.StatusServiceUnavailable, Reason: reasonShutdownCut, Detail: errShutdownCut.Error()}
		tx.Violations = append(tx.Violations, v)
	case errors.Is(context.Cause(r.Context()), errUpstreamTimeout):
		v = plan.Violation{Status: http.StatusGatewayTimeout, Reason: "upstream-timeout", Detail: "the upstream did not answer in time"}
		tx.Violations = append(tx.Violations, v)
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nothing to answer.
		if rw != nil {
			rw.status = 499
		}
		tx.Violations = append(tx.Violations, plan.Violation{Status: 499, Reason: reasonClientClosed})
		return
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		v = plan.Violation{Status: http.StatusGatewayTimeout, Reason: "upstream-timeout", Detail: "the upstream did not answer in time"}
		tx.Violations = append(tx.Violations, v)
	default:
		v = plan.Violation{Status: http.StatusBadGateway, Reason: "upstream-unavailable", Detail: "the upstream's response could not be read"}
		var oe *net.OpError
		if errors.As(err, &oe) && oe.Op == "dial" {
			// Refused, unresolvable, unroutable: nothing reached it.
			v.Detail = "the upstream cannot be reached"
			tx.Upstream = false
		}
		tx.Violations = append(tx.Violations, v)
		s.log.Warn("upstream error", "request_id", tx.ID, "err", err)
	}
	if rw != nil {
		rw.blocked = true
	}
	s.problem(w, tx, v, "")
}
