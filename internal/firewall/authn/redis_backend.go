package authn

import (
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"
)

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
}

// isRedis reports whether the section selects the Redis store.
func (b *RedisBackend) isRedis() bool { return b.Backend == "redis" }

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
	return errs
}

// newClient makes the client of the section named section. It connects
// on first use, so a Redis that is down at start-up is handled like one
// that goes down later. retry allows the client to send a failed command
// again: only for commands that may safely run twice.
func (b *RedisBackend) newClient(section string, retry bool) (*redis.Client, error) {
	opts := &redis.Options{Addr: b.RedisAddr, DB: b.RedisDB}
	if !retry {
		opts.MaxRetries = -1
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
