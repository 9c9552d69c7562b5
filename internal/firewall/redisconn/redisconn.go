// Package redisconn builds the Redis clients of the firewall's shared
// state (rate limits, the token denylist, the DPoP replay store) from
// their configuration sections, so that every section reaches Redis the
// same way: password from an environment variable, every wait bounded by
// one timeout, TLS with the system roots. What differs from
// one section to another is said by its caller: the key names in errors
// and whether a failed command may be sent again.
package redisconn

import (
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options is how one section reaches Redis.
type Options struct {
	Addr     string // host:port
	Username string
	// PasswordEnv names the environment variable holding the password;
	// New fails when it is not set (an empty variable is an empty
	// password).
	PasswordEnv string
	DB          int
	// TLS connects with TLS 1.2 at least, verifying the server's
	// certificate and name against the system roots.
	TLS bool
	// Timeout bounds every wait: one dial (the TLS handshake included),
	// socket reads and writes, and the deadline of each call's context,
	// which the client honours. It must be positive: each section has
	// its own default.
	Timeout  time.Duration
	PoolSize int // 0: the client's default
	// Keys name the fields in the section, for errors.
	Keys Keys
}

// Keys are the configuration keys of a section's fields as its errors
// name them ("authentication.denylist.redis_ca_file").
type Keys struct {
	PasswordEnv, DB, Timeout string
}

// Retry says whether a command that failed may be sent once more, within
// the same deadline. Each caller chooses: only a command that may safely
// run twice can be retried.
type Retry int

const (
	// NeverRetry sends each command once: for a command whose effect a
	// second run would change (SET NX), or one that must not wait twice
	// (a rate-limit decision).
	NeverRetry Retry = iota
	// RetryOnce sends a failed command once more if time is left.
	RetryOnce
)

// Validate reports the mistakes that need no file or network.
func (o Options) Validate() []error {
	var errs []error
	if o.DB < 0 {
		errs = append(errs, fmt.Errorf("%s: must not be negative", o.Keys.DB))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s: must not be negative", o.Keys.Timeout))
	}
	return errs
}

// New makes the client. It connects on first use, so a Redis that is down
// at start-up is handled like one that goes down later. It fails when
// PasswordEnv names an unset variable.
func New(o Options, retry Retry) (*redis.Client, error) {
	if o.Timeout <= 0 {
		return nil, errors.New("redisconn: the timeout must be positive")
	}
	opts := &redis.Options{
		Addr:         o.Addr,
		Username:     o.Username,
		DB:           o.DB,
		PoolSize:     o.PoolSize,
		DialTimeout:  o.Timeout,
		ReadTimeout:  o.Timeout,
		WriteTimeout: o.Timeout,
		// One dial attempt per call (the default is five, 100ms apart):
		// the next call dials again.
		DialerRetries:         1,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	}
	if retry == RetryOnce {
		opts.MaxRetries = 1
	}
	if o.PasswordEnv != "" {
		pw, ok := os.LookupEnv(o.PasswordEnv)
		if !ok {
			return nil, fmt.Errorf("%s: environment variable %s is not set", o.Keys.PasswordEnv, o.PasswordEnv)
		}
		opts.Password = pw
	}
	if o.TLS {
		// The server name is taken from Addr when the connection is made,
		// and verified: an address by the certificate's IP names.
		opts.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return redis.NewClient(opts), nil
}
