package authn

import (
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/redisconn"
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
	// RedisUsername is the Redis ACL user (Redis 6+); empty for the
	// default user.
	RedisUsername string `yaml:"redis_username,omitempty"`
	// RedisPasswordEnv names the environment variable holding the
	// password; start-up stops when it is not set.
	RedisPasswordEnv string `yaml:"redis_password_env,omitempty"`
	RedisDB          int    `yaml:"redis_db,omitempty"`
	// RedisTLS connects with TLS (1.2 at least), verifying the server's
	// certificate and name against the system roots, or against the CAs
	// of RedisCAFile (PEM) when it is set.
	RedisTLS    bool   `yaml:"redis_tls,omitempty"`
	RedisCAFile string `yaml:"redis_ca_file,omitempty"`
	Prefix      string `yaml:"prefix,omitempty"`
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

// options is how the section named section ("authentication.denylist")
// reaches Redis.
func (b *RedisBackend) options(section string) redisconn.Options {
	return redisconn.Options{
		Addr:        b.RedisAddr,
		Username:    b.RedisUsername,
		PasswordEnv: b.RedisPasswordEnv,
		DB:          b.RedisDB,
		TLS:         b.RedisTLS,
		CAFile:      b.RedisCAFile,
		Timeout:     b.timeout(),
		Keys: redisconn.Keys{
			PasswordEnv: section + ".redis_password_env",
			DB:          section + ".redis_db",
			TLS:         section + ".redis_tls",
			CAFile:      section + ".redis_ca_file",
			Timeout:     section + ".timeout",
		},
	}
}

// validate checks the section named section; kept says what the memory
// backend keeps on one node.
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
	o := b.options(section)
	o.Timeout = b.Timeout // as written: a negative one is a mistake
	return append(errs, o.Validate()...)
}

// newClient makes the client of the section named section; every wait is
// bounded by the timeout (see redisconn). The caller says whether a failed
// command may be sent again.
func (b *RedisBackend) newClient(section string, retry redisconn.Retry) (*redis.Client, error) {
	return redisconn.New(b.options(section), retry)
}
