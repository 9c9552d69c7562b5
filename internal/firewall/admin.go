package firewall

import (
	"context"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

type metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	violations *prometheus.CounterVec
	reloads    *prometheus.CounterVec
}

// newMetrics uses a registry of the server's own, so that several servers
// (tests, reload) never collide in the global one.
func newMetrics(s *Server) *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_requests_total", Help: "Transactions by operation and decision."}, []string{"operation", "decision"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "rampart_request_duration_seconds", Help: "Time from request to response, upstream included.", Buckets: []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}}, []string{"decision"})
	m.violations = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_violations_total", Help: "Contract violations by reason code."}, []string{"reason"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "rampart_contract_reloads_total", Help: "Contract loads by result."}, []string{"result"})
	audit := prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "rampart_audit_records_written_total", Help: "Audit records written."}, func() float64 {
		if s.audit == nil {
			return 0
		}
		return float64(s.audit.Written())
	})
	m.reg.MustRegister(m.requests, m.latency, m.violations, m.reloads, audit, limiterCollector{s},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
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
		m.violations.WithLabelValues(r).Inc()
	}
}

func (s *Server) adminHandler() http.Handler {
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
	return mux
}

// onSIGHUP reloads the contract on SIGHUP.
func (s *Server) onSIGHUP(ctx context.Context) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			s.log.Info("SIGHUP: reloading the contract")
			_ = s.Reload(ctx)
		}
	}
}

// watch polls the spec's files and reloads when one changes. Polling (not
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
				s.log.Info("spec file changed: reloading the contract")
				_ = s.Reload(ctx)
			}
		}
	}
}

// fileStamps summarises size and modification time of the spec's files.
func (s *Server) fileStamps() string {
	files := []string{s.cfg.Spec}
	if p := s.Plan(); p != nil {
		files = append(files, p.Doc.FileKeys()...)
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
