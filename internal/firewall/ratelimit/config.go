package ratelimit

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Config is the rate-limit section of the firewall configuration.
type Config struct {
	// Store is "memory" (default) or "redis".
	Store string `yaml:"store"`
	// OnStoreError is "open" (default: let the request through) or
	// "closed" (answer 503) when the store cannot be reached.
	OnStoreError string       `yaml:"on_store_error"`
	Memory       MemoryConfig `yaml:"memory"`
	Redis        RedisConfig  `yaml:"redis"`
	Rules        []Rule       `yaml:"rules"`
	// CredentialEndpoints limits, by client address, every operation
	// where a caller proves a secret before it has a session (login,
	// sign-up, password recovery, one-time code check, token grant) and
	// that has no limit of its own keyed by ip.
	CredentialEndpoints CredentialLimit `yaml:"credential_endpoints"`
}

// MemoryConfig bounds the in-memory store.
type MemoryConfig struct {
	// MaxKeys is the most keys kept (default 1,000,000, about 100 MB at
	// worst). When full, the entry closest to expiry in a small random
	// sample is evicted, which only ever gives that key back some quota.
	MaxKeys int `yaml:"max_keys"`
	// Shards splits the map to reduce lock contention (default 64).
	Shards int `yaml:"shards"`
}

// RedisConfig is how to reach the Redis server shared by the fleet.
type RedisConfig struct {
	// Addr is host:port.
	Addr     string `yaml:"addr"`
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password,
	// so the secret stays out of the configuration file.
	PasswordEnv string `yaml:"password_env"`
	DB          int    `yaml:"db"`
	// TLS connects with TLS (1.2 at least), verifying the server's
	// certificate and name against the system roots, or against the CAs
	// of CAFile (PEM) when it is set.
	TLS    bool   `yaml:"tls"`
	CAFile string `yaml:"ca_file"`
	// KeyPrefix namespaces the keys (default "rampart:rl:").
	KeyPrefix string `yaml:"key_prefix"`
	// Timeout bounds each decision, dial included (default 50ms); a
	// request waits for a failing store once, whatever its rules. A
	// rate limit that waits longer than this costs more than it saves.
	Timeout  time.Duration `yaml:"timeout"`
	PoolSize int           `yaml:"pool_size"`
}

// Rule is one limit.
type Rule struct {
	// Name identifies the rule in headers (RateLimit-Policy), logs and
	// store keys. Changing it starts fresh counters.
	Name string `yaml:"name"`
	// Key is what is counted: "ip", "api-key", or "claim:<name>" (a JWT
	// claim such as claim:sub or claim:client_id).
	Key string `yaml:"key"`
	// Rate requests are allowed per Period on average.
	Rate   int64         `yaml:"rate"`
	Period time.Duration `yaml:"period"`
	// Burst is how many requests may arrive at once (default Rate).
	Burst int64 `yaml:"burst"`
	// Scope "api" (default) counts all operations together; "operation"
	// gives each operation its own counter.
	Scope string `yaml:"scope"`
	// Operations restricts the rule to these operations (operationId or
	// "METHOD /path"); empty means every operation.
	Operations []string `yaml:"operations"`
}

// CredentialLimit is the default limit of the credential operations. Each
// call to one is a guess at a password or a code, so an operation left
// without a limit lets one client try them as fast as the upstream
// answers (brute force, credential stuffing). Rate and Period are pointers
// so that an explicit 0 is refused rather than read as "the default".
type CredentialLimit struct {
	// Enabled is true unless set to false.
	Enabled *bool `yaml:"enabled"`
	// Rate guesses are allowed per Period on average (default 10 a minute).
	Rate   *int64         `yaml:"rate"`
	Period *time.Duration `yaml:"period"`
	// Burst is how many may arrive at once (default Rate).
	Burst int64 `yaml:"burst"`
}

// Defaults of CredentialLimit: a person who mistypes a password a few
// times is never refused, a script trying a list is held to ten a minute.
const (
	DefaultCredentialRate   = 10
	DefaultCredentialPeriod = time.Minute
)

// On reports whether the default limit applies.
func (c CredentialLimit) On() bool { return c.Enabled == nil || *c.Enabled }

// Rule is the limit of one credential operation: keyed by ip and counted
// per operation, so it is charged after routing and before
// authentication, and a guess on one operation spends nothing of another.
func (c CredentialLimit) Rule(name, operation string) Rule {
	r := Rule{Name: name, Key: KeyIP, Rate: DefaultCredentialRate, Period: DefaultCredentialPeriod,
		Burst: c.Burst, Scope: ScopeOperation, Operations: []string{operation}}
	if c.Rate != nil {
		r.Rate = *c.Rate
	}
	if c.Period != nil {
		r.Period = *c.Period
	}
	if r.Burst == 0 {
		r.Burst = r.Rate
	}
	return r
}

// validate reports the problems of the section, naming the field.
func (c CredentialLimit) validate(add func(format string, a ...any)) {
	const p = "credential_endpoints"
	if c.Rate != nil && *c.Rate < 1 {
		add("%s.rate: must be at least 1", p)
	}
	if c.Period != nil && *c.Period <= 0 {
		add("%s.period: must be a positive duration such as 1s or 1m", p)
	}
	if c.Burst < 0 {
		add("%s.burst: must not be negative", p)
	}
	if r := c.Rule("", ""); r.Rate > 0 && r.Period > 0 && r.Period/time.Duration(r.Rate) < time.Microsecond {
		add("%s: %d per %s is more than one request per microsecond", p, r.Rate, r.Period)
	}
}

// Key kinds.
const (
	KeyIP     = "ip"
	KeyAPIKey = "api-key"
	keyClaim  = "claim:"
)

// Scopes.
const (
	ScopeAPI       = "api"
	ScopeOperation = "operation"
)

var ruleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate reports every problem, naming the field.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Store {
	case "", "memory":
	case "redis":
		if c.Redis.Addr == "" {
			add("redis.addr: required when store is redis")
		}
	default:
		add("store: %q is not supported (want memory or redis)", c.Store)
	}
	switch c.OnStoreError {
	case "", "open", "closed":
	default:
		add("on_store_error: %q is not supported (want open or closed)", c.OnStoreError)
	}
	if c.Memory.MaxKeys < 0 {
		add("memory.max_keys: must not be negative")
	}
	if c.Memory.Shards < 0 || c.Memory.Shards > 4096 {
		add("memory.shards: must be between 1 and 4096")
	}
	ro := c.Redis.options()
	ro.Timeout = c.Redis.Timeout // as written: a negative one is a mistake
	errs = append(errs, ro.Validate()...)
	seen := map[string]bool{}
	for i, r := range c.Rules {
		p := fmt.Sprintf("rules[%d]", i)
		if r.Name != "" {
			p = fmt.Sprintf("rules[%d] (%s)", i, r.Name)
		}
		if !ruleName.MatchString(r.Name) {
			add("%s.name: %q must be 1-64 letters, digits, '_', '.' or '-'", p, r.Name)
		} else if seen[r.Name] {
			add("%s.name: %q is used by another rule", p, r.Name)
		}
		seen[r.Name] = true
		switch {
		case r.Key == KeyIP, r.Key == KeyAPIKey:
		case strings.HasPrefix(r.Key, keyClaim) && len(r.Key) > len(keyClaim):
		default:
			add("%s.key: %q is not supported (want ip, api-key or claim:<name>)", p, r.Key)
		}
		if r.Rate <= 0 {
			add("%s.rate: must be at least 1", p)
		}
		if r.Period <= 0 {
			add("%s.period: must be a positive duration such as 1s or 1m", p)
		} else if r.Rate > 0 && r.Period/time.Duration(r.Rate) < time.Microsecond {
			add("%s: %d per %s is more than one request per microsecond", p, r.Rate, r.Period)
		}
		if r.Burst < 0 {
			add("%s.burst: must not be negative", p)
		}
		switch r.Scope {
		case "", ScopeAPI, ScopeOperation:
		default:
			add("%s.scope: %q is not supported (want api or operation)", p, r.Scope)
		}
		for j, op := range r.Operations {
			if strings.TrimSpace(op) == "" {
				add("%s.operations[%d]: empty", p, j)
			}
		}
	}
	c.CredentialEndpoints.validate(add)
	return errors.Join(errs...)
}
