package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/redisconn"
)

// gcraScript is GCRA in one atomic step. Times are microseconds from the
// Redis server's clock (TIME), so every firewall of a fleet sees the same
// "now" whatever its own clock says. The key expires when its TAT passes,
// which is exactly when it would be equivalent to an absent key, so Redis
// memory stays bounded by the number of active clients.
//
// KEYS[1] the key; ARGV[1] interval (µs); ARGV[2] tolerance (µs).
// Returns {allowed (0|1), reset (µs), retry after (µs)}.
var gcraScript = redis.NewScript(`
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now) or now
if tat < now then tat = now end
local nxt = tat + interval
local allow_at = nxt - tolerance
if allow_at > now then
  return {0, tat - now, allow_at - now}
end
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.max(1, math.ceil((nxt - now) / 1000)))
return {1, nxt - now, 0}
`)

// RedisStore shares limits across a fleet through one Redis server (or a
// cluster: each decision touches a single key).
type RedisStore struct {
	client  redis.UniversalClient
	timeout time.Duration
}

// DefaultRedisTimeout bounds a decision when redis.timeout is not set.
const DefaultRedisTimeout = 50 * time.Millisecond

// options is how the section reaches Redis; the keys are relative to
// rate_limits, as the section's errors name them.
func (c RedisConfig) options() redisconn.Options {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultRedisTimeout
	}
	return redisconn.Options{
		Addr:        c.Addr,
		Username:    c.Username,
		PasswordEnv: c.PasswordEnv,
		DB:          c.DB,
		TLS:         c.TLS,
		CAFile:      c.CAFile,
		Timeout:     timeout,
		PoolSize:    c.PoolSize,
		Keys: redisconn.Keys{
			PasswordEnv: "redis.password_env",
			DB:          "redis.db",
			TLS:         "redis.tls",
			CAFile:      "redis.ca_file",
			Timeout:     "redis.timeout",
		},
	}
}

// NewRedisStore connects lazily (go-redis dials on first use), so a Redis
// that is down at start-up is handled like one that goes down later. Each
// decision waits at most the timeout, dial included (see redisconn).
func NewRedisStore(c RedisConfig) (*RedisStore, error) {
	o := c.options()
	// One attempt: a retry would double the latency of every request
	// while Redis is down, and the failure policy decides anyway.
	cl, err := redisconn.New(o, redisconn.NeverRetry)
	if err != nil {
		return nil, err
	}
	return &RedisStore{client: cl, timeout: o.Timeout}, nil
}

// NewRedisStoreClient wraps an existing client (tests, or a client shared
// with another protection such as the token denylist).
func NewRedisStoreClient(c redis.UniversalClient, timeout time.Duration) *RedisStore {
	if timeout <= 0 {
		timeout = DefaultRedisTimeout
	}
	return &RedisStore{client: c, timeout: timeout}
}

// Take runs the script (EVALSHA, loading it on first use).
func (s *RedisStore) Take(ctx context.Context, key string, p Params) (Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	iv := p.Interval.Microseconds()
	if iv < 1 {
		iv = 1
	}
	vals, err := gcraScript.Run(ctx, s.client, []string{key}, iv, p.Tolerance.Microseconds()).Int64Slice()
	if err != nil {
		return Outcome{}, fmt.Errorf("redis rate-limit script: %w", err)
	}
	if len(vals) != 3 {
		return Outcome{}, fmt.Errorf("redis rate-limit script: unexpected reply %v", vals)
	}
	return Outcome{
		Allowed:    vals[0] == 1,
		Reset:      time.Duration(vals[1]) * time.Microsecond,
		RetryAfter: time.Duration(vals[2]) * time.Microsecond,
	}, nil
}

// Close closes the client.
func (s *RedisStore) Close() error { return s.client.Close() }
