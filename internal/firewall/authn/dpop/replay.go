package dpop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/ttlcache"
)

// ReplayStore remembers the proofs already accepted, by the thumbprint of
// their key (jkt) and their jti, for as long as they could be accepted.
// Implementations are safe for concurrent use.
type ReplayStore interface {
	// Claim records the proof for ttl and reports whether this is its
	// first use; false means it was seen before (a replay). An error means
	// the store could not answer: nothing is known about the proof then.
	Claim(ctx context.Context, jkt, jti string, ttl time.Duration) (first bool, err error)
}

// DefaultReplayCacheSize bounds a memory store when no size is given.
const DefaultReplayCacheSize = 100000

// Memory is the replay store of one firewall: a bounded cache. When it is
// full the least recently recorded proof is forgotten first; with the
// default size that needs over 1600 proofs per second within max_age.
type Memory struct {
	c *ttlcache.Cache[string, struct{}]
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// NewMemory returns a store of at most size proofs (DefaultReplayCacheSize
// when size is not positive).
func NewMemory(size int) *Memory {
	if size <= 0 {
		size = DefaultReplayCacheSize
	}
	m := &Memory{c: ttlcache.New[string, struct{}](size), Now: time.Now}
	m.c.Now = func() time.Time { return m.Now() }
	return m
}

// Claim implements ReplayStore; it never fails.
func (m *Memory) Claim(_ context.Context, jkt, jti string, ttl time.Duration) (bool, error) {
	return m.c.Add(jkt+"\x00"+jti, struct{}{}, ttl), nil
}

// DefaultRedisPrefix namespaces the keys of a Redis store.
const DefaultRedisPrefix = "rampart:dpop:"

// Redis is the replay store of a fleet: one key per proof, created only
// if absent (SET NX) with the proof's lifetime (PX), in one atomic step,
// so a proof accepted by one firewall is a replay at every other one.
// Redis drops each key by itself when the proof could no longer be
// accepted anyway.
//
// A key is Prefix followed by the base64url SHA-256 of the scope, jkt and
// jti: the jti is chosen by the client, so it is never used as is, and
// every key has the same short length whatever the client sends.
type Redis struct {
	Client redis.UniversalClient
	// Prefix namespaces the keys (DefaultRedisPrefix when empty).
	Prefix string
	// Scope keeps verifiers that share a Redis apart. The firewall
	// leaves it empty: its schemes share one store, so a proof accepted
	// under one scheme is a replay under another.
	Scope string
	// Timeout, when positive, bounds each Claim, on top of the caller's
	// context. The client should bound its dials and socket waits the
	// same way.
	Timeout time.Duration
}

// NewRedis wraps a client. The client should not retry commands: a SET
// whose reply was lost, sent again, would find its own key and report the
// proof as a replay.
func NewRedis(c redis.UniversalClient, prefix, scope string) *Redis {
	if prefix == "" {
		prefix = DefaultRedisPrefix
	}
	return &Redis{Client: c, Prefix: prefix, Scope: scope}
}

// Key is the Redis key of a proof.
func (s *Redis) Key(jkt, jti string) string {
	h := sha256.New()
	// Each part is preceded by its length, so no two (scope, jkt, jti)
	// triples give the same input.
	for _, p := range []string{s.Scope, jkt, jti} {
		fmt.Fprintf(h, "%d:%s", len(p), p)
	}
	return s.Prefix + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Claim implements ReplayStore with SET key 1 NX PX ttl. When the wait
// for the reply ends (Timeout, the caller's context), the SET may have
// reached Redis all the same: the proof is then recorded, and the same
// proof sent again is a replay.
func (s *Redis) Claim(ctx context.Context, jkt, jti string, ttl time.Duration) (bool, error) {
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	ms := max(ttl.Milliseconds(), 1)
	err := s.Client.Do(ctx, "SET", s.Key(jkt, jti), "1", "NX", "PX", ms).Err()
	switch {
	case errors.Is(err, redis.Nil):
		return false, nil // the key exists: seen before
	case err != nil:
		return false, fmt.Errorf("dpop: redis SET NX: %w", err)
	}
	return true, nil
}
