package authn

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/logthrottle"
	"github.com/rampart-sec/rampart/internal/firewall/redisconn"
)

// DPoPReplayConfig selects where the schemes' DPoP verifiers record the
// proofs they accept, so that each is accepted once: in memory (one
// node) or in a Redis shared by a fleet of firewalls.
type DPoPReplayConfig struct {
	// Prefix defaults to "rampart:dpop:".
	RedisBackend `yaml:",inline"`
	// FailOpen accepts proofs when Redis cannot answer (logged), checked
	// against this node's memory only; by default such requests get 503.
	FailOpen bool `yaml:"fail_open,omitempty"`
}

func (d *DPoPReplayConfig) validate(c *Config) []error {
	errs := d.RedisBackend.validate("authentication.dpop_replay", "proofs")
	if len(c.dpopSchemes()) == 0 {
		errs = append(errs, errors.New("authentication.dpop_replay: no scheme has a dpop section, so it would apply to nothing"))
	}
	return errs
}

// dpopSchemes names the schemes with a dpop section.
func (c *Config) dpopSchemes() []string {
	var out []string
	for name, sc := range c.Schemes {
		if sc != nil && sc.DPoP != nil {
			out = append(out, name)
		}
	}
	return out
}

// DPoPReplay is the replay store of every DPoP verifier of a
// configuration: one for all the schemes, so a proof accepted under one
// scheme is a replay under every other (an operation may offer two schemes
// that accept the same token). A caller that outlives several runtimes
// (the firewall across contract reloads) builds it once and hands it to
// each runtime with UseDPoPReplay, so the proofs already accepted stay
// refused after a reload, in memory as in Redis.
type DPoPReplay struct {
	store dpop.ReplayStore
	// local is this node's memory: the store itself with the memory
	// backend; with Redis and fail_open, where proofs are checked and
	// recorded too, for the times Redis cannot answer.
	local    *dpop.Memory
	failOpen bool
	close    func() error
	log      *slog.Logger
	// OnError, when set before use, is told of each failure of the store
	// with the action taken ("fail_open" or "fail_closed"), for metrics.
	OnError func(action string)

	logThrottle logthrottle.Throttle
}

// NewDPoPReplay builds the replay store of the schemes with a dpop
// section: one bounded memory store (of the schemes'
// dpop.replay_cache_size together) unless authentication.dpop_replay
// selects Redis. It returns nil when no scheme has a dpop section. Redis is
// dialled on first use, so a Redis that is down at start-up is handled
// like one that goes down later.
func (c *Config) NewDPoPReplay(logger *slog.Logger) (*DPoPReplay, error) {
	names := c.dpopSchemes()
	if len(names) == 0 {
		return nil, nil
	}
	if logger == nil {
		logger = slog.Default()
	}
	size := 0
	for _, n := range names {
		if s := c.Schemes[n].DPoP.ReplayCacheSize; s > 0 {
			size += s
		} else {
			size += dpop.DefaultReplayCacheSize
		}
	}
	d := &DPoPReplay{local: dpop.NewMemory(size), close: func() error { return nil }, log: logger}
	d.store = d.local
	rc := c.DPoPReplay
	if rc == nil || !rc.isRedis() {
		return d, nil
	}
	// No retry: a SET NX whose reply was lost, sent again, would find its
	// own key and refuse the proof as a replay.
	cl, err := rc.newClient("authentication.dpop_replay", redisconn.NeverRetry)
	if err != nil {
		return nil, err
	}
	s := dpop.NewRedis(cl, rc.Prefix, "")
	s.Timeout = rc.timeout()
	d.store = &reportingStore{ReplayStore: s, d: d}
	d.failOpen, d.close = rc.FailOpen, cl.Close
	return d, nil
}

// Close releases the Redis connections.
func (d *DPoPReplay) Close() error {
	if d == nil {
		return nil
	}
	return d.close()
}

// reportingStore logs and counts the failures of a shared store.
type reportingStore struct {
	dpop.ReplayStore
	d *DPoPReplay
}

func (s *reportingStore) Claim(ctx context.Context, jkt, jti string, ttl time.Duration) (bool, error) {
	first, err := s.ReplayStore.Claim(ctx, jkt, jti, ttl)
	if err != nil {
		s.d.failed(ctx, err)
	}
	return first, err
}

// failed counts the failure and logs it, at most once per 10 s so that a
// Redis outage does not flood the log at request rate.
func (d *DPoPReplay) failed(ctx context.Context, err error) {
	action := "fail_closed"
	if d.failOpen {
		action = "fail_open"
	}
	if d.OnError != nil {
		d.OnError(action)
	}
	ok, suppressed := d.logThrottle.Allow()
	if !ok {
		return
	}
	msg := "DPoP replay store unavailable; refusing DPoP-bound requests (503)"
	if d.failOpen {
		msg = "DPoP replay store unavailable; failing open: proofs are checked against this node's memory only"
	}
	d.log.WarnContext(ctx, msg, "action", action, "error", err, "suppressed_since_last", suppressed)
}

// UseDPoPReplay makes each scheme's DPoP verifier record proofs in d.
// The runtime does not own d: Close leaves it open.
func (rt *Runtime) UseDPoPReplay(d *DPoPReplay) {
	if d == nil {
		return
	}
	var fallback *dpop.Memory
	if d.failOpen {
		fallback = d.local
	}
	for _, v := range rt.verifiers {
		if b, ok := v.(*Bearer); ok && b.DPoP != nil {
			b.DPoP.UseReplayStore(d.store, fallback)
		}
	}
}
