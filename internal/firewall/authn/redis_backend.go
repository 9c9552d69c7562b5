package authn

import (
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultRedisTimeout is how long one lookup of the token denylist or the
// DPoP replay store waits on Redis when no timeout is set. Both refuse
// the request (503) by default when Redis cannot answer, so the bound
// leaves a Redis a network hop away ample room, while a Redis that is
// down or unreachable holds no request for longer.
const DefaultRedisTimeout = 100 * time.Millisecond

// RedisBackend is what the denylist and the DPoP replay sections share:
// the choice of store and how to reach Redis.
type RedisBackend struct {
	Backend   string `yaml:"backend"` // memory (default) or redis
	RedisAddr string `yaml:"redis_addr,omitempty"`
	// RedisPasswordEnv names the environment variable holding the
	// password; start-up stops when it is not set.
	RedisPasswordEnv string `yaml:"redis_password_env,omitempty"`
	RedisDB          int    `yaml:"redis_db,omitempty"`
	Prefix           string `yaml:"prefix,omitempty"`
	// Timeout is the longest one lookup waits on Redis, dial included
	// (DefaultRedisTimeout when zero). Then the store has failed: 503,
	// unless the section fails open.
	Timeout time.Duration `yaml:"timeout,omitempty"`
}

// isRedis reports whether the section selects the Redis store.
func (b *RedisBackend) isRedis() bool { return b.Backend == "redis" }

// timeout is Timeout or its default.
func (b *RedisBackend) timeout() time.Duration {
	if b.Timeout > 0 {
		return b.Timeout
	}
	return DefaultRedisTimeout
}

// validate checks the section named section ("authentication.denylist");
// kept says what the memory backend keeps on one node.
func (b *RedisBackend) validate(section, kept string) []error {
	var errs []error
	switch b.Backend {
	case "", "memory":
		if b.RedisAddr != "" {
			errs = append(errs, fmt.Errorf("%s.redis_addr: set, but the backend is memory, which keeps %s on one node (add backend: redis)", section, kept))
		}
	case "redis":
		if b.RedisAddr == "" {
			errs = append(errs, fmt.Errorf("%s.redis_addr: required for the redis backend", section))
		}
	default:
		errs = append(errs, fmt.Errorf("%s.backend: %q is not supported (use memory or redis)", section, b.Backend))
	}
	if b.RedisDB < 0 {
		errs = append(errs, fmt.Errorf("%s.redis_db: must not be negative", section))
	}
	if b.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s.timeout: must not be negative", section))
	}
	return errs
}

// newClient makes the client of the section named section. It connects
// on first use, so a Redis that is down at start-up is handled like one
// that goes down later. Every wait is bounded by the timeout: one dial
// attempt, socket reads and writes, and the context deadline of each
// call (the stores set it), which the client honours. retry allows one
// more attempt of a failed command within that deadline: only for
// commands that may safely run twice.
func (b *RedisBackend) newClient(section string, retry bool) (*redis.Client, error) {
	t := b.timeout()
	opts := &redis.Options{
		Addr:         b.RedisAddr,
		DB:           b.RedisDB,
		DialTimeout:  t,
		ReadTimeout:  t,
		WriteTimeout: t,
		// One dial attempt per call (the default is five, 100ms apart):
		// the next lookup dials again.
		DialerRetries:         1,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	}
	if retry {
		opts.MaxRetries = 1
	}
	if b.RedisPasswordEnv != "" {
		pw, ok := os.LookupEnv(b.RedisPasswordEnv)
		if !ok {
			return nil, fmt.Errorf("%s.redis_password_env: environment variable %s is not set", section, b.RedisPasswordEnv)
		}
		opts.Password = pw
	}
	return redis.NewClient(opts), nil
}
