// Package redisconn builds the Redis clients of the firewall's shared
// state (rate limits, the token denylist, the DPoP replay store) from
// their configuration sections, so that every section reaches Redis the
// same way: password from an environment variable, every wait bounded by
// one timeout, TLS with the system roots or a CA bundle. What differs from
// one section to another is said by its caller: the key names in errors
// and whether a failed command may be sent again.
package redisconn

import (
	"crypto/tls"
	"crypto/x509"
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
	// certificate and name against the system roots, or against the
	// certificates of CAFile when it is set.
	TLS    bool
	CAFile string
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
	PasswordEnv, DB, TLS, CAFile, Timeout string
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

// Validate reports the mistakes that need no file or network: negative
// values, and a CA bundle without TLS.
func (o Options) Validate() []error {
	var errs []error
	if o.DB < 0 {
		errs = append(errs, fmt.Errorf("%s: must not be negative", o.Keys.DB))
	}
	if o.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s: must not be negative", o.Keys.Timeout))
	}
	if o.CAFile != "" && !o.TLS {
		errs = append(errs, fmt.Errorf("%s: set, but %s is not true (the CA bundle is used for TLS connections only)", o.Keys.CAFile, o.Keys.TLS))
	}
	return errs
}

// New makes the client. It connects on first use, so a Redis that is down
// at start-up is handled like one that goes down later. It fails when
// PasswordEnv names an unset variable, when CAFile cannot be read or holds
// no PEM certificate, or when TLS needs the system's roots and they cannot
// be loaded.
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
		if o.CAFile != "" {
			roots, err := loadCAFile(o.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", o.Keys.CAFile, err)
			}
			opts.TLSConfig.RootCAs = roots
		} else if err := checkSystemRoots(); err != nil {
			return nil, fmt.Errorf("%s: %w; give the server's CA in %s", o.Keys.TLS, err, o.Keys.CAFile)
		}
	}
	return redis.NewClient(opts), nil
}

// loadCAFile reads a PEM bundle of CA certificates; it is read once, when
// the client is made.
func loadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return roots, nil
}

// checkSystemRoots loads the system's roots, which verify the server when
// RootCAs is nil. They are loaded once, on first use: now, so that the
// first handshake does not spend a request's timeout reading them, and so
// that a system without any (an image without ca-certificates) is told at
// start-up rather than by every handshake failing.
func checkSystemRoots() error {
	roots, err := x509.SystemCertPool()
	if err != nil {
		return fmt.Errorf("the system's CA certificates cannot be loaded: %w", err)
	}
	if roots.Equal(x509.NewCertPool()) { // a platform verifier's pool never is
		return errors.New("the system has no CA certificates")
	}
	return nil
}
