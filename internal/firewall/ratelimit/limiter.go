package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rampart-sec/rampart/internal/firewall/logthrottle"
)

// Phase says which stage is asking.
type Phase int

// Phases.
const (
	// PhaseIP is the stage before routing: only per-IP, API-wide rules.
	PhaseIP Phase = iota
	// PhaseOperationIP is the stage after routing and before
	// authentication: the other rules keyed by ip (limited to some
	// operations, or counted per operation). Failed authentications
	// count against them.
	PhaseOperationIP
	// PhaseIdentity is the stage after authentication: the rules keyed by
	// API key or claim.
	PhaseIdentity
)

// Reason codes.
const (
	ReasonLimited     = "rate-limited"           // 429
	ReasonUnavailable = "rate-limit-unavailable" // 503 (store down, fail closed)
)

// Input is what a stage knows about the request.
type Input struct {
	Phase     Phase
	Operation string
	IP        netip.Addr
	APIKey    string
	Claims    map[string]any
	// StoreDown, shared by the checks of one request, records that the
	// store failed for it: the checks after that do not ask again, so a
	// store that times out costs a request one redis.timeout, not one
	// per rule and stage. nil: the check keeps the mark to itself.
	StoreDown *bool
}

// Result is the decision for one Check.
type Result struct {
	Allowed bool
	// Status is 429 or 503 when refused, 0 when allowed.
	Status int
	// Reason is the reason code when refused.
	Reason string
	// Rule is the rule that refused, or the applied rule with the fewest
	// requests left.
	Rule       string
	Remaining  int64
	RetryAfter time.Duration
	// StoreError is set when the store failed for at least one rule
	// (the request was then let through or refused per on_store_error).
	StoreError bool
	items      []item
}

// item is one applied rule's header data.
type item struct {
	name      string
	quota     int64
	window    int64 // seconds
	remaining int64
	reset     int64 // seconds
}

// Applied reports whether any rule applied to the request.
func (r Result) Applied() bool { return len(r.items) > 0 }

// SetHeaders adds the IETF RateLimit-Policy and RateLimit fields (draft-
// ietf-httpapi-ratelimit-headers, structured-field lists, one item per
// applied rule) and, when refused with 429, Retry-After. It adds rather
// than replaces so that both rate-limit stages can report their rules.
func (r Result) SetHeaders(h http.Header) {
	if len(r.items) > 0 {
		pol := make([]string, 0, len(r.items))
		cur := make([]string, 0, len(r.items))
		for _, it := range r.items {
			name := strconv.Quote(it.name) // rule names are restricted to sf-string-safe characters
			pol = append(pol, fmt.Sprintf("%s;q=%d;w=%d", name, it.quota, it.window))
			cur = append(cur, fmt.Sprintf("%s;r=%d;t=%d", name, it.remaining, it.reset))
		}
		appendList(h, "RateLimit-Policy", pol)
		appendList(h, "RateLimit", cur)
	}
	if r.Status == http.StatusTooManyRequests {
		h.Set("Retry-After", strconv.FormatInt(ceilSeconds(r.RetryAfter), 10))
	}
}

func appendList(h http.Header, name string, items []string) {
	v := strings.Join(items, ", ")
	if old := h.Get(name); old != "" {
		v = old + ", " + v
	}
	h.Set(name, v)
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}

type compiledRule struct {
	Rule
	params Params
	ops    map[string]bool
	claim  string
	window int64
	// phase is the stage that charges the rule.
	phase Phase
	// Counters resolved once: WithLabelValues hashes its labels on every
	// call, which would dominate the cost of a memory-store decision.
	allowedCtr, limitedCtr prometheus.Counter
}

// Limiter applies the configured rules. It is safe for concurrent use.
type Limiter struct {
	rules    []compiledRule
	store    Store
	failOpen bool
	prefix   string
	log      *slog.Logger

	storeErrors atomic.Uint64
	logThrottle logthrottle.Throttle

	decisions *prometheus.CounterVec
	errCount  *prometheus.CounterVec
}

// New validates cfg and builds the limiter with the configured store.
func New(cfg Config, log *slog.Logger) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	var st Store
	prefix := ""
	if cfg.Store == "redis" {
		rs, err := NewRedisStore(cfg.Redis)
		if err != nil {
			return nil, fmt.Errorf("rate limits: %w", err)
		}
		st = rs
		prefix = cfg.Redis.KeyPrefix
		if prefix == "" {
			prefix = "rampart:rl:"
		}
	} else {
		st = NewMemoryStore(cfg.Memory.MaxKeys, cfg.Memory.Shards)
	}
	l, err := NewWithStore(cfg, st, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	l.prefix = prefix
	return l, nil
}

// NewWithStore builds a limiter over a given store.
func NewWithStore(cfg Config, st Store, log *slog.Logger) (*Limiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("rate limits: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	l := &Limiter{
		store:    st,
		failOpen: cfg.OnStoreError != "closed",
		log:      log,
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rampart_ratelimit_decisions_total",
			Help: "Rate-limit decisions by rule and outcome (allowed, limited).",
		}, []string{"rule", "outcome"}),
		errCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "rampart_ratelimit_store_errors_total",
			Help: "Rate-limit store failures, by the action taken (fail_open, fail_closed).",
		}, []string{"action"}),
	}
	for _, r := range cfg.Rules {
		if r.Burst == 0 {
			r.Burst = r.Rate
		}
		if r.Scope == "" {
			r.Scope = ScopeAPI
		}
		iv := r.Period / time.Duration(r.Rate)
		cr := compiledRule{Rule: r, params: Params{Interval: iv, Tolerance: iv * time.Duration(r.Burst)}}
		cr.window = max(ceilSeconds(cr.params.Tolerance), 1)
		if strings.HasPrefix(r.Key, keyClaim) {
			cr.claim = strings.TrimPrefix(r.Key, keyClaim)
		}
		if len(r.Operations) > 0 {
			cr.ops = map[string]bool{}
			for _, op := range r.Operations {
				cr.ops[op] = true
			}
		}
		cr.phase = ruleRunsIn(r, cr.ops != nil)
		cr.allowedCtr = l.decisions.WithLabelValues(r.Name, "allowed")
		cr.limitedCtr = l.decisions.WithLabelValues(r.Name, "limited")
		l.rules = append(l.rules, cr)
	}
	return l, nil
}

// Collectors are the Prometheus metrics, for the caller to register.
func (l *Limiter) Collectors() []prometheus.Collector {
	return []prometheus.Collector{l.decisions, l.errCount}
}

// StoreErrors is how many store calls failed since start.
func (l *Limiter) StoreErrors() uint64 { return l.storeErrors.Load() }

// Close releases the store.
func (l *Limiter) Close() error { return l.store.Close() }

// ruleRunsIn is the phase that charges a rule: a rule keyed by ip runs
// before routing when it covers the whole API as one counter, and right
// after routing (before authentication, so failed authentications count)
// when it needs the operation; rules keyed by an identity run once it is
// known.
func ruleRunsIn(r Rule, hasOps bool) Phase {
	switch {
	case r.Key != KeyIP:
		return PhaseIdentity
	case r.Scope == ScopeAPI && !hasOps:
		return PhaseIP
	}
	return PhaseOperationIP
}

func (r *compiledRule) applies(in *Input) bool {
	if in.Phase != r.phase {
		return false
	}
	if r.ops != nil && !r.ops[in.Operation] {
		return false
	}
	return true
}

// identity is the counted value, or "" when the request does not carry it.
func (r *compiledRule) identity(in *Input) string {
	switch {
	case r.Key == KeyIP:
		if !in.IP.IsValid() {
			// Counted together rather than not at all.
			return "unknown"
		}
		return ipKey(in.IP)
	case r.Key == KeyAPIKey:
		if in.APIKey == "" {
			return ""
		}
		return hashID(in.APIKey)
	default:
		v := claimString(in.Claims[r.claim])
		if v == "" {
			return ""
		}
		return hashID(v)
	}
}

// ipv6Prefix is how much of an IPv6 address names one client. A
// subscriber is given at least a /64 and may send from any address in it,
// so counting single addresses would let one client rotate past any limit.
const ipv6Prefix = 64

// ipKey is the counted form of a client address: IPv4 as is (IPv4-mapped
// IPv6 included), IPv6 by its /64.
func ipKey(a netip.Addr) string {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, ipv6Prefix).Masked().String()
}

func claimString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case fmt.Stringer:
		return x.String()
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return ""
		}
		return string(b)
	}
}

// hashID keeps secrets (API keys, claim values) out of the store while
// keeping keys short: 128 bits of SHA-256 leave collisions out of reach.
func hashID(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// Check charges every applicable rule and returns the decision. Rules are
// checked in configuration order and the first refusal stops the walk.
func (l *Limiter) Check(ctx context.Context, in Input) Result {
	res := Result{Allowed: true, Remaining: -1}
	if in.StoreDown == nil {
		in.StoreDown = new(bool)
	}
	for i := range l.rules {
		r := &l.rules[i]
		if !r.applies(&in) {
			continue
		}
		id := r.identity(&in)
		if id == "" {
			continue
		}
		scope := "*"
		if r.Scope == ScopeOperation && in.Operation != "" {
			scope = in.Operation
		}
		if *in.StoreDown {
			// Failed already in this request (and failing open): the
			// rule is not applied, as it would not be after waiting.
			res.StoreError = true
			continue
		}
		key := l.prefix + r.Name + "|" + scope + "|" + id
		out, err := l.store.Take(ctx, key, r.params)
		if err != nil {
			res.StoreError = true
			*in.StoreDown = true
			l.storeFailed(r.Name, err)
			if !l.failOpen {
				return Result{Status: http.StatusServiceUnavailable, Reason: ReasonUnavailable, Rule: r.Name, StoreError: true, items: res.items}
			}
			continue
		}
		it := item{name: r.Name, quota: r.Burst, window: r.window, reset: ceilSeconds(out.Reset)}
		if out.Allowed {
			it.remaining = (int64(r.params.Tolerance) - int64(out.Reset)) / int64(r.params.Interval)
			it.remaining = max(it.remaining, 0)
			r.allowedCtr.Inc()
		} else {
			r.limitedCtr.Inc()
		}
		res.items = append(res.items, it)
		if !out.Allowed {
			res.Allowed, res.Status, res.Reason = false, http.StatusTooManyRequests, ReasonLimited
			res.Rule, res.Remaining, res.RetryAfter = r.Name, 0, out.RetryAfter
			return res
		}
		if res.Remaining < 0 || it.remaining < res.Remaining {
			res.Rule, res.Remaining = r.Name, it.remaining
		}
	}
	return res
}

// storeFailed counts the failure and logs it, at most once per 10 s so a
// Redis outage does not flood the log at request rate.
func (l *Limiter) storeFailed(rule string, err error) {
	l.storeErrors.Add(1)
	action := "fail_open"
	if !l.failOpen {
		action = "fail_closed"
	}
	l.errCount.WithLabelValues(action).Inc()
	if ok, suppressed := l.logThrottle.Allow(); ok {
		l.log.Warn("rate-limit store unavailable", "rule", rule, "action", action, "error", err, "suppressed_since_last", suppressed)
	}
}
