package firewall

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/auditlog"
	"github.com/rampart-sec/rampart/internal/firewall/framing"
	"github.com/rampart-sec/rampart/internal/firewall/harden"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/firewall/tamperlog"
	"github.com/rampart-sec/rampart/internal/spec"
)

// RequestIDHeader carries the transaction id to the upstream and back to
// the client.
const RequestIDHeader = "X-Request-Id"

// Server is a running firewall.
type Server struct {
	// cfg is the configuration the server started with. What a reload
	// may change lives in the contract in force (contract.pol.cfg);
	// cfg's other settings (listeners, timeouts, the audit log, the
	// stores) stay as started.
	cfg Config
	// initial is the policy of the first contract, built by New.
	initial *policy
	// configFile and readConfig read the configuration again at each
	// reload; nil when it came from the command line alone.
	configFile string
	readConfig func() (Config, error)
	log        *slog.Logger
	cur        atomic.Pointer[contract]
	shared     *shared
	stages     []Stage
	proxy      *httputil.ReverseProxy
	audit      *auditlog.Writer
	metrics    *metrics
	upstream   *url.URL

	idPrefix string
	idSeq    atomic.Uint64
	ready    atomic.Bool
	draining atomic.Bool

	reloadMu sync.Mutex
	srv      *http.Server
	admin    *http.Server
	ln       net.Listener
	adminLn  net.Listener
	serveErr chan error
	stopOnce sync.Once
	stopped  chan struct{}
	// cut is cancelled when draining runs out of time: the upstream
	// exchanges still in flight (event streams, slow upstreams) are
	// abandoned so their transactions end and are recorded.
	cut      context.Context
	cutAll   context.CancelFunc
	inFlight atomic.Int64
	// closers run after the audit log is flushed (the tamper-evident
	// writer's final checkpoint, the log file).
	closers []io.Closer
	// reopen switches the audit log to the file now at its path (after
	// a rotation; SIGUSR1); nil when the log is not a file.
	reopen func() error
}

// New loads the spec, compiles the plan, builds the protections and
// prepares the server. Records go to auditOut; when it is nil they go to
// the file named by cfg.Log (standard output for "" or "-"), which the
// server then owns. Logs go to logger.
func New(ctx context.Context, cfg Config, logger *slog.Logger, auditOut io.Writer) (*Server, error) {
	cfg = cfg.WithDefaults()
	pol, err := buildPolicy(cfg)
	if err != nil {
		return nil, err
	}
	up, _ := url.Parse(cfg.Upstream)
	if logger == nil {
		logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.WarnAdminExposure(logger)
	sh, err := buildShared(cfg, logger)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, initial: pol, log: logger, shared: sh, upstream: up, stopped: make(chan struct{})}
	s.cut, s.cutAll = context.WithCancel(context.Background())
	s.stages = s.Stages()
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	s.idPrefix = hex.EncodeToString(rb[:]) + "-"
	s.metrics = newMetrics(s)
	if err := s.Reload(ctx); err != nil {
		sh.close()
		return nil, err
	}
	out, err := s.openAudit(auditOut)
	if err != nil {
		s.cur.Load().close()
		sh.close()
		return nil, err
	}
	s.audit = auditlog.New(out, auditlog.Options{Queue: cfg.Audit.Queue, Wait: cfg.Audit.Wait, OnError: func(err error) {
		logger.Error("audit log", "err", err)
	}})
	s.proxy = s.newProxy()
	return s, nil
}

// openAudit returns the audit sink, chained and checkpointed when the
// tamper-evident log is enabled.
func (s *Server) openAudit(out io.Writer) (io.Writer, error) {
	te := s.cfg.Audit.TamperEvident
	file := s.cfg.Log != "" && s.cfg.Log != "-"
	if te.Enabled {
		opts, err := te.Options()
		if err != nil {
			return nil, fmt.Errorf("audit.tamper_evident: %w", err)
		}
		opts.OnError = func(err error) { s.log.Error("tamper-evident log checkpoint", "err", err) }
		var tw *tamperlog.Writer
		if out == nil && file {
			// OpenFile continues the chain of an existing log.
			tw, err = tamperlog.OpenFile(s.cfg.Log, opts)
			if err == nil && tw.Opened().Crashed() {
				// Said now, while someone is watching the restart: the
				// opening checkpoint signs these as found, and `rampart
				// log verify` will name them as signed only at restart.
				o := tw.Opened()
				s.log.Warn("audit log: the previous run ended without a final checkpoint (crash or kill); signing the log as found",
					"file", s.cfg.Log, "records_not_checkpointed", o.Uncovered, "cut_line", o.Torn != nil)
			}
		} else {
			if out == nil {
				out = os.Stdout
			}
			tw, err = tamperlog.NewWriter(out, tamperlog.State{}, opts)
		}
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		s.closers = append(s.closers, tw)
		if out == nil && file {
			s.reopen = tw.Reopen
		}
		return tw, nil
	}
	if out != nil {
		return out, nil
	}
	if !file {
		return os.Stdout, nil
	}
	f, err := auditlog.OpenFile(s.cfg.Log, 0o640)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, f)
	s.reopen = f.Reopen
	return f, nil
}

// Plan returns the contract in force.
func (s *Server) Plan() *plan.Plan {
	if c := s.cur.Load(); c != nil {
		return c.plan
	}
	return nil
}

// Ready reports whether the server can enforce the whole contract now:
// the contract is loaded, every signing key set (JWKS) is, and the audit
// log is being written (a load balancer should send traffic elsewhere
// while the log sink fails, since this instance answers 503 then).
func (s *Server) Ready() bool {
	return s.ready.Load() && !s.draining.Load() && s.cur.Load().ready() && !s.audit.Failing() && !s.audit.Saturated()
}

// readyWait bounds how long a reload waits for the new contract's key
// sets before swapping it in anyway.
const readyWait = 10 * time.Second

// Reload reads the configuration file again (when there is one, see
// SetConfigSource), loads and compiles the spec, and swaps the new
// contract and policy in atomically. On any error the contract and the
// configuration in force stay, and the error is returned.
func (s *Server) Reload(ctx context.Context) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	pol, err := s.nextPolicy()
	specPath := s.cfg.Spec
	if err == nil {
		specPath = pol.cfg.Spec
		err = s.swapContract(ctx, pol)
	}
	if err == nil {
		return nil
	}
	s.metrics.reloads.WithLabelValues("error").Inc()
	if s.cur.Load() != nil {
		s.log.Error("reload failed; the previous contract and configuration stay in force", "spec", specPath, "config", s.configFile, "err", err)
	}
	return err
}

// swapContract loads and compiles the spec under pol and swaps the result
// in.
func (s *Server) swapContract(ctx context.Context, pol *policy) error {
	opts := pol.cfg.SpecOptions
	opts.OpenObjects = opts.OpenObjects || pol.cfg.OpenObjects
	doc, err := spec.Load(ctx, pol.cfg.Spec, opts)
	if err != nil {
		return fmt.Errorf("loading %s: %w", pol.cfg.Spec, err)
	}
	p, err := plan.Build(ctx, doc, pol.pcfg)
	if err != nil {
		return fmt.Errorf("loading %s: %w", pol.cfg.Spec, err)
	}
	c, err := s.buildContract(ctx, p, pol)
	if err != nil {
		return fmt.Errorf("loading %s: %w", pol.cfg.Spec, err)
	}
	if prev := s.cur.Load(); prev != nil && prev.ready() {
		// Do not trade a working contract for one that would answer 503
		// until its keys load.
		deadline := time.Now().Add(readyWait)
		for !c.ready() && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	oldC := s.cur.Swap(c)
	if oldC != nil {
		// Requests in flight may still use the old contract.
		time.AfterFunc(s.cfg.Timeouts.Drain+s.cfg.Timeouts.Upstream, oldC.close)
	}
	for _, prob := range p.Problems {
		s.log.Warn("contract", "problem", prob)
	}
	s.logCredentialLimits(c)
	attrs := []any{"spec", pol.cfg.Spec, "contract", p.ID, "operations", len(p.Ops), "compile", p.Duration.Round(time.Millisecond).String(), "reload", oldC != nil}
	if oldC != nil && s.configFile != "" {
		attrs = append(attrs, "config", s.configFile, "config_changed", oldC.pol != pol)
	}
	s.log.Info("contract loaded", attrs...)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	s.ready.Store(true)
	return nil
}

// logCredentialLimits says which operations the default credential limit
// covers, so an operator learns of a limit the configuration does not
// spell out (and of an operation it took for a login) before a client
// meets it.
func (s *Server) logCredentialLimits(c *contract) {
	if len(c.credentialOps) == 0 {
		return
	}
	r := c.pol.cfg.RateLimits.CredentialEndpoints.Rule("", "")
	s.log.Info("credential operations limited by default", "operations", c.credentialOps,
		"rate", r.Rate, "period", r.Period.String(), "burst", r.Burst, "key", r.Key,
		"setting", "rate_limits.credential_endpoints")
}

func (s *Server) nextID() string {
	return s.idPrefix + strconv.FormatUint(s.idSeq.Add(1), 36)
}

// ServeHTTP runs one transaction through the pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	c := s.cur.Load()
	tx := &Tx{R: r, ID: s.nextID(), Start: time.Now(), Plan: c.plan, C: c}
	s.takeFraming(tx)
	tx.redacted = redactedFields(r)
	tx.connForwarding = dropConnectionOptions(r.Header)
	rw := &respWriter{ResponseWriter: w, s: s, tx: tx}
	tx.W = rw
	w.Header().Set(RequestIDHeader, tx.ID)
	defer func() {
		if tx.buf != nil {
			tx.buf.Reset()
			bufPool.Put(tx.buf)
		}
	}()
	if err := s.audit.Reserve(); err != nil {
		// Fail closed: nothing passes unrecorded.
		// Headers first: problem writes the response.
		rw.Header().Set("Retry-After", "1")
		s.problem(rw, tx, plan.Violation{Status: 503, Reason: "audit-backpressure", Detail: "the audit log cannot keep up; retry later"}, "")
		// The client has its answer now; the handler then waits for room
		// to write the record (net/http sends a handler's response only
		// when it returns or flushes).
		_ = http.NewResponseController(w).Flush()
		s.audit.SubmitOverflow(s.record(tx, rw, auditlog.Blocked, []string{"audit-backpressure"}))
		s.metrics.observe(tx, auditlog.Blocked, []string{"audit-backpressure"})
		return
	}
	// The reservation is a promise of one record. A panic (a bug, or the
	// reverse proxy aborting a response whose upstream failed mid-body)
	// must still keep it, or the queue's places leak until nothing passes.
	defer func() {
		if tx.finished {
			return
		}
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			// The reverse proxy aborts a relay that failed on either side.
			reasons := reasonsOf(tx.Violations)
			decision := auditlog.Blocked
			switch {
			case slices.Contains(reasons, reasonShutdownCut):
			case rw.writeFailed || tx.R.Context().Err() != nil:
				// The client went away while the answer was being
				// relayed (a write to it failed, or net/http saw its
				// connection close and cancelled the request, which
				// then failed the relay's read): nothing the firewall
				// refused, nor the upstream's doing.
				reasons = append(reasons, reasonClientClosed)
				decision = decisionOf(tx, rw)
			default:
				reasons = append(reasons, "upstream-aborted")
			}
			s.finish(tx, rw, decision, reasons)
			panic(p) // net/http closes the connection
		}
		s.log.Error("request handler failed", "request_id", tx.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		if rw.status == 0 {
			s.problem(rw, tx, plan.Violation{Status: 500, Reason: "internal-error", Detail: "the firewall failed on this request, which was not forwarded"}, "")
		}
		s.finish(tx, rw, auditlog.Blocked, append(reasonsOf(tx.Violations), "internal-error"))
	}()
	mode := tx.Plan.Config.Mode
	for _, st := range s.stages {
		rej := st.Process(tx)
		if tx.Op != nil {
			mode = tx.Op.ReqMode
		}
		if rej == nil {
			continue
		}
		if rej.Hard || mode == plan.Block {
			for k, vs := range rej.Headers {
				rw.Header()[k] = vs
			}
			if rej.Status == http.StatusNoContent {
				rw.WriteHeader(http.StatusNoContent)
			} else {
				s.problem(rw, tx, rej.Violation, rej.Allow)
			}
			s.finish(tx, rw, auditlog.Blocked, []string{rej.Reason})
			return
		}
		tx.Violations = append(tx.Violations, rej.Violation)
	}
	s.forward(tx, rw)
	s.finish(tx, rw, decisionOf(tx, rw), reasonsOf(tx.Violations))
}

// reasonClientClosed is an outcome, not a violation: the client went away
// before it had the whole answer.
const reasonClientClosed = "client-closed"

// decisionOf is the decision on a forwarded transaction: blocked when the
// firewall answered in the upstream's place, a monitored violation when
// violations were let through, allowed otherwise. A client that went away
// is not a violation of anything: alone it leaves the transaction allowed.
func decisionOf(tx *Tx, rw *respWriter) string {
	if rw.blocked {
		return auditlog.Blocked
	}
	for _, v := range tx.Violations {
		if v.Reason != reasonClientClosed {
			return auditlog.Monitored
		}
	}
	return auditlog.Allowed
}

func reasonsOf(vs []plan.Violation) []string {
	if len(vs) == 0 {
		return nil
	}
	out := make([]string, 0, len(vs))
	seen := map[string]bool{}
	for _, v := range vs {
		if !seen[v.Reason] {
			seen[v.Reason] = true
			out = append(out, v.Reason)
		}
	}
	return out
}

func (s *Server) finish(tx *Tx, rw *respWriter, decision string, reasons []string) {
	tx.finished = true
	s.audit.Submit(s.record(tx, rw, decision, reasons))
	s.metrics.observe(tx, decision, reasons)
	if decision != auditlog.Allowed {
		for _, v := range tx.Violations {
			s.log.Debug("violation", "request_id", tx.ID, "reason", v.Reason, "detail", v.Detail)
		}
	}
}

func (s *Server) record(tx *Tx, rw *respWriter, decision string, reasons []string) *auditlog.Record {
	rec := &auditlog.Record{
		Time:      tx.Start.UTC().Format(time.RFC3339Nano),
		RequestID: tx.ID,
		Client:    clientOf(tx),
		Method:    tx.R.Method,
		Path:      tx.R.URL.EscapedPath(),
		Status:    rw.status,
		Decision:  decision,
		Reasons:   reasons,
		Notes:     tx.Notes,
		LatencyMS: float64(time.Since(tx.Start).Microseconds()) / 1000,
		ReqBytes:  max(tx.R.ContentLength, int64(len(tx.Body))),
		RespBytes: rw.n,
		Upstream:  tx.Upstream,
		Redacted:  tx.redacted,
	}
	if rec.Status == 0 {
		rec.Status = 200
	}
	if tx.Op != nil {
		rec.Operation = tx.Op.ID
		rec.Mode = tx.Op.ReqMode.String()
		rec.RespMode = tx.Op.RespMode.String()
	}
	if tx.Plan != nil {
		rec.ContractID = tx.Plan.ID
	}
	return rec
}

// redactedFields names the credentials the request carried. Their values
// never reach the audit log or the logs; the names tell an operator which
// were present.
func redactedFields(r *http.Request) []string {
	var out []string
	for _, h := range []string{"Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key"} {
		if _, ok := r.Header[h]; ok {
			out = append(out, h)
		}
	}
	return out
}

func clientOf(tx *Tx) string {
	if tx.Client.IsValid() {
		return tx.Client.String()
	}
	return clientAddr(tx.R.RemoteAddr)
}

func clientAddr(ra string) string {
	if h, _, err := net.SplitHostPort(ra); err == nil {
		return h
	}
	return ra
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// problem writes an RFC 9457 problem response.
func (s *Server) problem(w http.ResponseWriter, tx *Tx, v plan.Violation, allow string) {
	type problem struct {
		Type      string `json:"type"`
		Title     string `json:"title"`
		Status    int    `json:"status"`
		Detail    string `json:"detail,omitempty"`
		Reason    string `json:"reason"`
		RequestID string `json:"request_id"`
	}
	b, _ := json.Marshal(problem{
		Type:      "urn:rampart:problem:" + v.Reason,
		Title:     http.StatusText(v.Status),
		Status:    v.Status,
		Detail:    v.Detail,
		Reason:    v.Reason,
		RequestID: tx.ID,
	})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if allow != "" {
		h.Set("Allow", allow)
	}
	w.WriteHeader(v.Status)
	if tx.R.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// respWriter records status and size. Unwrap lets http.ResponseController
// reach Flush for streamed responses.
type respWriter struct {
	http.ResponseWriter
	status  int
	n       int64
	blocked bool
	s       *Server
	tx      *Tx
	// preset is the header the firewall had set when the request went
	// upstream; informational is set once one was relayed.
	preset        http.Header
	informational bool
	// writeFailed is set when writing to the client failed: the client
	// went away, which tells a relay the client abandoned from one the
	// upstream broke off.
	writeFailed bool
}

// WriteHeader applies response hardening to every response, forwarded or
// generated, just before its header goes out.
func (w *respWriter) WriteHeader(code int) {
	if code < 200 {
		// Informational responses (103 Early Hints) are not the answer,
		// and go out before the final response is validated: they carry
		// the upstream's links (what a hint is for, RFC 8297) and the
		// firewall's own fields, nothing else the upstream put in them
		// (fields hardening removes, cookies, a request id of its own).
		w.informational = true
		if code != http.StatusEarlyHints {
			// Only hints are relayed. The firewall answers a client's
			// Expect itself and removes Expect upstream, so an upstream
			// 100 was asked for by no one (to a client that sent Expect,
			// it would be a second 100); 102 Processing and other codes
			// are not the firewall's to pass on unchecked either. The
			// reverse proxy clears the fields it copied from the
			// upstream's header once this returns, and the final
			// response gets the firewall's own back (informational).
			return
		}
		if w.tx != nil && !w.tx.R.ProtoAtLeast(1, 1) {
			// Never to an HTTP/1.0 client (RFC 9110 §15.2), which would
			// take it for the answer: nginx, by default, asks its
			// upstreams in HTTP/1.0.
			return
		}
		h := w.ResponseWriter.Header()
		link := h["Link"]
		clear(h)
		maps.Copy(h, w.preset)
		if len(link) > 0 {
			h["Link"] = link
		}
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if w.status == 0 {
		w.status = code
		if w.informational {
			h := w.ResponseWriter.Header()
			for k, v := range w.preset {
				if _, ok := h[k]; !ok {
					h[k] = v
				}
			}
		}
		if w.s != nil {
			w.s.harden(w.tx, w.ResponseWriter.Header())
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	if err != nil {
		w.writeFailed = true
	}
	return n, err
}

func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// takeFraming pairs the request with the head package framing saw for it,
// first thing, so the queue of heads advances with every request whatever
// stage answers it. Over TLS it also restores Request.TLS, which net/http
// fills only for connections it reads as a *tls.Conn.
func (s *Server) takeFraming(tx *Tx) {
	r := tx.R
	fc, ok := framing.FromContext(r.Context())
	if !ok || r.ProtoMajor != 1 {
		return
	}
	if r.TLS == nil {
		if st, ok := fc.TLSState(); ok {
			r.TLS = &st
		}
	}
	h, found := fc.Take(r.Method, r.RequestURI)
	tx.Framing = &framingVerdict{Head: h, Found: found}
}

// Start listens on the proxy and admin addresses and serves in the
// background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	aln, err := net.Listen("tcp", s.cfg.Admin)
	if err != nil {
		ln.Close()
		return fmt.Errorf("admin listener on %s: %w", s.cfg.Admin, err)
	}
	s.ln, s.adminLn = ln, aln
	t := s.cfg.Timeouts
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: t.ReadHeader,
		ReadTimeout:       t.Read,
		WriteTimeout:      t.Write,
		IdleTimeout:       t.Idle,
		MaxHeaderBytes:    s.cfg.Limits.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests reach the handler with the framing of their head
		// (package framing), for the routing stage's smuggling defence.
		ConnContext: framing.ConnContext,
		// OPTIONS * goes through the pipeline (and the audit log) like
		// any other request, instead of net/http answering it.
		DisableGeneralOptionsHandler: true,
	}
	maxHead := maxHeaderBytes(s.cfg.Limits.MaxHeaderBytes) + 4096 // net/http's own slack over MaxHeaderBytes
	s.admin = &http.Server{Handler: s.adminHandler(isLoopback(aln.Addr())), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	s.serveErr = make(chan error, 2)
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			aln.Close()
			return fmt.Errorf("loading TLS key pair: %w", err)
		}
		s.srv.TLSConfig = TLSConfig(cert)
		if s.wantsClientCerts() {
			// Certificates are verified per operation, against the
			// configured CA bundle, by the authentication stage; the
			// handshake only asks for one so clients without one can
			// still call the other operations.
			s.srv.TLSConfig.ClientAuth = tls.RequestClientCert
		}
		// A copy: Serve configures HTTP/2 on s.srv.TLSConfig while the
		// listener may already be handshaking.
		tln := framing.NewTLSListener(ln, s.srv.TLSConfig.Clone(), maxHead, t.ReadHeader, s.log)
		go func() { s.serveErr <- s.srv.Serve(tln) }()
	} else {
		go func() { s.serveErr <- s.srv.Serve(framing.Listener{Listener: ln, MaxHead: maxHead}) }()
	}
	go func() { s.serveErr <- s.admin.Serve(aln) }()
	s.log.Info("protect listening", "addr", ln.Addr().String(), "admin", aln.Addr().String(), "upstream", s.upstream.Redacted(), "tls", s.cfg.TLSCert != "")
	return nil
}

// maxHeaderBytes is the configured bound on a message header, or
// net/http's default for requests when none is set.
func maxHeaderBytes(configured int) int {
	if configured <= 0 {
		return http.DefaultMaxHeaderBytes
	}
	return configured
}

// TLSConfig is TLS 1.2 or later with forward-secret AEAD suites only (TLS
// 1.3 suites are not configurable and are all modern), offering HTTP/2.
func TLSConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
	}
}

// Addr is the proxy listener's address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// AdminAddr is the admin listener's address.
func (s *Server) AdminAddr() string { return s.adminLn.Addr().String() }

// Shutdown stops accepting connections, drains in-flight requests (up to
// the drain timeout or ctx), then flushes the audit log.
func (s *Server) Shutdown(ctx context.Context) error {
	var errs []error
	s.stopOnce.Do(func() {
		s.draining.Store(true)
		s.ready.Store(false)
		dctx, cancel := context.WithTimeout(ctx, s.cfg.Timeouts.Drain)
		defer cancel()
		if s.srv != nil {
			if err := s.srv.Shutdown(dctx); err != nil {
				if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
					// The drain ran its configured course: cutting what
					// is left (event streams, slow downloads) is the
					// documented shutdown, not a failure to exit with.
					s.log.Warn("drain time ran out: cutting the transactions still in flight", "in_flight", s.inFlight.Load(), "drain", s.cfg.Timeouts.Drain.String())
				} else {
					errs = append(errs, fmt.Errorf("draining: %w", err))
				}
				// What outlived the drain (an event stream, an upstream
				// still sending) is cut: its upstream exchange abandoned,
				// its connection closed, so its handler ends and its
				// record is written below instead of being lost with the
				// process.
				s.cutAll()
				_ = s.srv.Close()
			}
		}
		if s.admin != nil {
			_ = s.admin.Shutdown(dctx)
		}
		// The flush has time of its own: the drain may have used all of
		// dctx, and the records of the transactions just cut are still
		// to come.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Timeouts.Drain)
		defer fcancel()
		for s.inFlight.Load() > 0 && fctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
		if err := s.audit.Close(fctx); err != nil {
			errs = append(errs, err)
		}
		for _, c := range s.closers {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing the audit log: %w", err))
			}
		}
		s.cur.Load().close()
		s.shared.close()
		close(s.stopped)
	})
	return errors.Join(errs...)
}

// Run starts the server and blocks until ctx ends (then drains) or a
// listener fails. SIGHUP and spec file changes reload the contract;
// SIGUSR1 reopens the audit log file.
func (s *Server) Run(ctx context.Context) error {
	// Registered before the listeners open: a signal that arrived before
	// would still have its default action, which ends the process (a log
	// rotation at start-up would kill the firewall).
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	if err := s.Start(); err != nil {
		_ = s.audit.Close(context.Background())
		return err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.watch(wctx)
	go s.onSignals(wctx, sigs)
	select {
	case <-ctx.Done():
		s.log.Info("shutting down: draining in-flight requests", "drain", s.cfg.Timeouts.Drain.String())
		return s.Shutdown(context.Background())
	case err := <-s.serveErr:
		_ = s.Shutdown(context.Background())
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

var _ = bytes.MinRead

// harden sets the security and CORS response headers.
func (s *Server) harden(tx *Tx, h http.Header) {
	if tx == nil {
		return
	}
	tx.C.pol.headers.Apply(h, harden.ResponseInfo{TLS: tx.C.pol.ip.IsTLS(tx.R), Authenticated: tx.Authenticated()})
	if !harden.IsPreflight(tx.R) || !tx.corsStageRan {
		// Preflights get their headers from the CORS stage; every other
		// response, whichever stage answered it, gets them here, and so
		// does a preflight refused before that stage (an address rule, a
		// rate limit), so that the browser can read why.
		tx.C.pol.cors.ActualHeaders(tx.R, h)
	}
}

// wantsClientCerts tells whether any operation may verify a client
// certificate from the TLS handshake.
func (s *Server) wantsClientCerts() bool { return wantsClientCerts(s.cfg) }

// wantsClientCerts reports whether a configuration asks clients for a
// certificate in the TLS handshake.
func wantsClientCerts(cfg Config) bool {
	if cfg.ClientCertificates != nil {
		return true
	}
	if a := cfg.Authentication; a != nil {
		for _, sc := range a.Schemes {
			if sc != nil && sc.MTLS != nil {
				return true
			}
		}
	}
	return false
}

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}
