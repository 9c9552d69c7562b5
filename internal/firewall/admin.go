package firewall

import (
	"context"
	"encoding/json"
	"errors"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
)

type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	violations *prometheus.CounterVec
	reloads    *prometheus.CounterVec
	// clientClosed counts the clients that left before the whole answer:
	// an outcome, not a violation, so not among the violations.
	clientClosed prometheus.Counter
}

// newMetrics uses a registry of the server's own, so that several servers
// (tests, reload) never collide in the global one.
func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_requests_total", Help: "Transactions by operation and decision."}, []string{"operation", "decision"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rampart_request_duration_seconds", Help: "Time from request to response, upstream included.", Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"decision"})
	m.violations = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_violations_total", Help: "Contract violations by reason code."}, []string{"reason"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_contract_reloads_total", Help: "Contract loads by result."}, []string{"result"})
	m.clientClosed = prometheus.NewCounter(prometheus.CounterOpts{Name: "rampart_client_closed_total", Help: "Transactions whose client went away before the whole answer."})
	audit := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rampart_audit_records_written_total", Help: "Audit records written."}, func() float64 {
		if s.audit == nil {
			return 0
		}
		return float64(s.audit.Written())
	})
	m.reg.MustRegister(m.requests, m.latency, m.violations, m.reloads, m.clientClosed, audit, limiterCollector{s},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if c := s.shared.dpopReplayErrors; c != nil {
		m.reg.MustRegister(c)
	}
	return m
}

func (m *metrics) observe(tx *Tx, decision string, reasons []string) {
	op := "unmatched"
	if tx.Op != nil {
		op = tx.Op.ID
	}
	m.requests.WithLabelValues(op, decision).Inc()
	m.latency.WithLabelValues(decision).Observe(time.Since(tx.Start).Seconds())
	for _, r := range reasons {
		if r == reasonClientClosed {
			m.clientClosed.Inc()
			continue
		}
		m.violations.WithLabelValues(r).Inc()
	}
}

// adminHandler serves the admin endpoints. On a loopback listener, the
// default, requests must name the host as localhost or an IP address.
func (s *Server) adminHandler(loopback bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !s.Ready() {
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte("not ready\n"))
			return
		}
		p := s.Plan()
		_, _ = w.Write([]byte("ready contract=" + p.ID + "\n"))
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("POST /denylist", s.denylistAdd)
	mux.HandleFunc("GET /denylist/count", s.denylistCount)
	if !loopback {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !localHost(r.Host) {
			adminProblem(w, http.StatusMisdirectedRequest, "host-not-allowed", "the admin listener answers only to localhost or an IP address")
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// localHost reports whether a request's Host names this machine without a
// DNS name an outsider controls: an IP literal, localhost or a name under
// .localhost (RFC 6761, never resolved by DNS). A web page open on this
// machine can rebind its own host name to 127.0.0.1 and then read the
// loopback admin listener as same-origin (DNS rebinding); its requests
// still carry its own name in Host.
func localHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	_, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil
}

// maxDenylistBody bounds a revocation request; the largest legitimate one
// carries a whole token.
const maxDenylistBody = 64 << 10

// denylistAdd revokes one token (POST /denylist). The admin listener has
// no authentication of its own, which is why it must stay private.
func (s *Server) denylistAdd(w http.ResponseWriter, r *http.Request) {
	if s.shared.deny == nil {
		adminProblem(w, http.StatusNotFound, "denylist-not-configured", "no token denylist is configured (authentication.denylist)")
		return
	}
	// A web page open in a browser on this host can POST text/plain or a
	// form to the loopback admin address without a CORS preflight; asking
	// for application/json forces the preflight, which this listener never
	// grants. A page that rebinds its own host name to this address (DNS
	// rebinding) is same-origin and needs no preflight, but browsers send
	// Origin with every POST, and operators' tools send none.
	if r.Header.Get("Origin") != "" {
		adminProblem(w, http.StatusForbidden, "cross-origin-request", "revocations are not accepted from web pages")
		return
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		adminProblem(w, http.StatusUnsupportedMediaType, "unsupported-media-type", "send the revocation as application/json")
		return
	}
	e, err := denylist.ParseRequest(http.MaxBytesReader(w, r.Body, maxDenylistBody), time.Now(), s.shared.denyMaxTTL)
	if tooBig := (*http.MaxBytesError)(nil); errors.As(err, &tooBig) {
		adminProblem(w, http.StatusRequestEntityTooLarge, "body-too-large", "a revocation is a small JSON object")
		return
	}
	if err != nil {
		adminProblem(w, http.StatusBadRequest, "denylist-bad-request", err.Error())
		return
	}
	if err := s.shared.deny.Add(r.Context(), e); err != nil {
		s.log.Error("token denylist: adding a revocation failed", "err", err)
		w.Header().Set("Retry-After", "5")
		adminProblem(w, http.StatusServiceUnavailable, "denylist-unavailable", "the denylist store could not record the revocation")
		return
	}
	// The token itself is never logged; its hash is shortened because the
	// log only needs to tell revocations apart.
	attrs := []any{"until", e.Until.UTC().Format(time.RFC3339), "client", clientAddr(r.RemoteAddr)}
	if e.JTI != "" {
		attrs = append(attrs, "jti", e.JTI)
	} else {
		attrs = append(attrs, "token_sha256_prefix", e.TokenHash[:12])
	}
	s.log.Info("token revoked", attrs...)
	w.WriteHeader(http.StatusNoContent)
}

// denylistCount reports how many revocations are in force.
func (s *Server) denylistCount(w http.ResponseWriter, r *http.Request) {
	c, ok := s.shared.deny.(denylist.Counter)
	if !ok {
		adminProblem(w, http.StatusNotFound, "denylist-not-configured", "no token denylist is configured (authentication.denylist)")
		return
	}
	n, err := c.Count(r.Context())
	if err != nil {
		s.log.Error("token denylist: counting failed", "err", err)
		w.Header().Set("Retry-After", "5")
		adminProblem(w, http.StatusServiceUnavailable, "denylist-unavailable", "the denylist store could not be read")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(struct {
		Count int `json:"count"`
	}{n})
}

// adminProblem writes an RFC 9457 problem on the admin listener, shaped
// like the proxy's (without a request id: admin calls are not audited
// transactions).
func adminProblem(w http.ResponseWriter, status int, reason, detail string) {
	b, _ := json.Marshal(struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
		Detail string `json:"detail,omitempty"`
		Reason string `json:"reason"`
	}{"urn:rampart:problem:" + reason, http.StatusText(status), status, detail, reason})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// onSignals acts on SIGHUP (reload the contract) and SIGUSR1 (reopen
// the audit log, the way log rotators expect a daemon to: nginx and
// HAProxy answer the same signal so).
func (s *Server) onSignals(ctx context.Context, ch <-chan os.Signal) {
	for {
		select {
		case <-ctx.Done():
			return
		case sig := <-ch:
			switch sig {
			case syscall.SIGHUP:
				s.log.Info("SIGHUP: reloading the contract and the configuration file")
				_ = s.Reload(ctx)
			case syscall.SIGUSR1:
				s.ReopenLog()
			}
		}
	}
}

// ReopenLog switches the audit log to the file now at its path. On
// failure the old file stays in use, and the failure is logged.
func (s *Server) ReopenLog() {
	if s.reopen == nil {
		s.log.Info("SIGUSR1: the audit log is not a file; nothing to reopen")
		return
	}
	if err := s.reopen(); err != nil {
		s.log.Error("reopening the audit log; still writing the old file", "file", s.cfg.Log, "err", err)
		return
	}
	s.log.Info("audit log reopened", "file", s.cfg.Log)
}

// watch polls the spec's files and the configuration file and reloads
// when one changes. Polling (not
// inotify) works the same on every platform and on network and container
// volumes, where change notifications are unreliable.
func (s *Server) watch(ctx context.Context) {
	if s.cfg.WatchInterval < 0 {
		return
	}
	t := time.NewTicker(s.cfg.WatchInterval)
	defer t.Stop()
	last := s.fileStamps()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cur := s.fileStamps()
			if cur != last {
				last = cur
				s.log.Info("a spec or configuration file changed: reloading")
				_ = s.Reload(ctx)
			}
		}
	}
}

// fileStamps summarises size and modification time of the spec's files
// and the configuration file.
func (s *Server) fileStamps() string {
	var files []string
	if s.configFile != "" {
		files = append(files, s.configFile)
	}
	if c := s.cur.Load(); c != nil {
		files = append(files, c.pol.cfg.Spec)
		files = append(files, c.plan.Doc.FileKeys()...)
	}
	var out []byte
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			out = append(out, f+":missing;"...)
			continue
		}
		out = append(out, f+":"+st.ModTime().String()+":"+itoa(st.Size())+";"...)
	}
	return string(out)
}
