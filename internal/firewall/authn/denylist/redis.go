package denylist

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a store shared by a fleet of firewalls. Each entry is a key
// that expires with the token, so Redis drops it by itself.
type Redis struct {
	Client redis.UniversalClient
	Prefix string // default "rampart:deny:"
	Now    func() time.Time
	// Timeout, when positive, bounds each call to Redis (each page of
	// Count), on top of the caller's context. The client should bound its
	// dials and socket waits the same way.
	Timeout time.Duration
}

// bound applies Timeout to one call.
func (s *Redis) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.Timeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.Timeout)
}

// NewRedis wraps a client.
func NewRedis(c redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = "rampart:deny:"
	}
	return &Redis{Client: c, Prefix: prefix, Now: time.Now}
}

func (s *Redis) Add(ctx context.Context, e Entry) error {
	k, err := key(e)
	if err != nil {
		return err
	}
	ttl := e.Until.Sub(s.Now())
	if ttl <= 0 {
		return nil // already expired: nothing to deny
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := extendScript.Run(ctx, s.Client, []string{s.Prefix + k}, max(ttl.Milliseconds(), 1)).Err(); err != nil {
		return fmt.Errorf("denylist: redis revocation script: %w", err)
	}
	return nil
}

// extendScript sets the entry's lifetime to ARGV[1] milliseconds unless it
// already lasts longer, in one atomic step: a revocation only ever grows,
// so a later one with an earlier end (from this firewall or another of
// the fleet) does not lift the token back into use.
var extendScript = redis.NewScript(`
local cur = redis.call('PTTL', KEYS[1])
if cur == -1 or cur >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`)

func (s *Redis) Denied(ctx context.Context, jti, tokenHash string) (bool, error) {
	var keys []string
	if jti != "" {
		keys = append(keys, s.Prefix+"jti:"+jti)
	}
	if tokenHash != "" {
		keys = append(keys, s.Prefix+"sha256:"+tokenHash)
	}
	if len(keys) == 0 {
		return false, nil
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.Client.Exists(ctx, keys...).Result()
	if err != nil {
		return false, fmt.Errorf("denylist: redis EXISTS: %w", err)
	}
	return n > 0, nil
}

// Count is the number of revocations in force under the prefix, by SCAN
// (not KEYS, which would block Redis for other clients on a large set).
// It is approximate: SCAN may report a key twice while Redis rehashes.
func (s *Redis) Count(ctx context.Context) (int, error) {
	match := globEscape(s.Prefix) + "*"
	n := 0
	var cursor uint64
	for {
		pctx, cancel := s.bound(ctx)
		keys, next, err := s.Client.Scan(pctx, cursor, match, 1000).Result()
		cancel()
		if err != nil {
			return 0, fmt.Errorf("denylist: redis SCAN: %w", err)
		}
		n += len(keys)
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}

// globEscape quotes the characters SCAN MATCH treats as a pattern, so a
// prefix is matched literally.
func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
