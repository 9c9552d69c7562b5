// Package firewall is the contract-enforcing reverse proxy behind
// `rampart protect`: a fixed pipeline of named stages in front of an
// upstream, driven by a plan compiled from the OpenAPI contract.
package firewall

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
	"github.com/rampart-sec/rampart/internal/firewall/authn/signed"
	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/clientip"
	"github.com/rampart-sec/rampart/internal/firewall/harden"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/firewall/ratelimit"
	"github.com/rampart-sec/rampart/internal/firewall/tamperlog"
	"github.com/rampart-sec/rampart/internal/smallfile"
	"github.com/rampart-sec/rampart/internal/spec"
	"gopkg.in/yaml.v3"
)

// Config is the firewall configuration. The YAML file and the command-line
// flags fill the same structure; flags win.
type Config struct {
	// Version is the configuration format's version: 1, the only one so
	// far. Optional; a file written for a later format is refused by the
	// schema rather than misread.
	Version  int    `yaml:"version"`
	Spec     string `yaml:"spec"`
	Upstream string `yaml:"upstream"`
	Listen   string `yaml:"listen"`
	Admin    string `yaml:"admin"`
	// Mode applies to requests: block or monitor.
	Mode string `yaml:"mode"`
	// ResponseMode: block, strip, monitor or off.
	ResponseMode       string `yaml:"response_mode"`
	AllowSpecOverrides bool   `yaml:"allow_spec_overrides"`
	OpenObjects        bool   `yaml:"open_objects"`
	TLSCert            string `yaml:"tls_cert"`
	TLSKey             string `yaml:"tls_key"`
	// Log is the audit log file; "" or "-" is standard output.
	Log string `yaml:"log"`
	// BasePath, when set, replaces the base paths of the spec's servers
	// (the document's, path items' and operations' alike).
	BasePath *string `yaml:"base_path"`

	Limits     Limits                   `yaml:"limits"`
	Timeouts   Timeouts                 `yaml:"timeouts"`
	Audit      AuditConfig              `yaml:"audit"`
	Operations map[string]plan.OpConfig `yaml:"operations"`
	// Streaming is "auto" (the default: event streams and oversized bodies
	// the contract would not validate pass without body validation, an
	// oversized JSON or text body it would validate is refused), "exempt"
	// (all of them pass) or "block" (all of them are refused).
	Streaming string `yaml:"streaming"`
	// WatchInterval is how often the spec files are checked for changes
	// (default 2s; negative disables watching; SIGHUP always reloads).
	WatchInterval time.Duration `yaml:"watch_interval"`
	// SpecOptions are the loader options (strict-objects policy etc.).
	SpecOptions spec.Options `yaml:"-"`

	// The protections. Each section is the configuration type of its
	// package, so the file, the JSON Schema and the package's own
	// validation never drift apart.

	// Authentication verifies the security requirements of the contract.
	// Without it the contract's security is not enforced (a warning is
	// logged); with it every scheme the contract uses must be configured.
	Authentication *authn.Config `yaml:"authentication"`
	// SignedPayloads verifies JWS-signed request bodies (application/jose
	// or a detached signature header) on operations that ask for it.
	SignedPayloads *signed.Config `yaml:"signed_payloads"`
	// ClientCertificates is the CA bundle that client certificates must
	// chain to on operations requiring mTLS (required, or
	// x-rampart-mtls: required in the contract).
	ClientCertificates *ClientCertConfig    `yaml:"client_certificates"`
	IPRules            clientip.Config      `yaml:"ip_rules"`
	RateLimits         ratelimit.Config     `yaml:"rate_limits"`
	ResponseHeaders    harden.HeadersConfig `yaml:"response_headers"`
	CORS               harden.CORSConfig    `yaml:"cors"`
	Blacklist          blacklist.Config     `yaml:"blacklist"`
}

// ClientCertConfig requires verified client certificates.
type ClientCertConfig struct {
	mtls.Config `yaml:",inline"`
	// Required makes every operation require a client certificate; the
	// contract can still ask for it per operation with x-rampart-mtls.
	Required bool `yaml:"required"`
}

// Limits bound what a request may cost.
type Limits struct {
	MaxBodyBytes     int64 `yaml:"max_body_bytes"`
	MaxDecodedBytes  int64 `yaml:"max_decoded_body_bytes"`
	MaxJSONDepth     int   `yaml:"max_json_depth"`
	MaxJSONElements  int   `yaml:"max_json_elements"`
	MaxJSONNumberLen int   `yaml:"max_json_number_length"`
	MaxQueryParams   int   `yaml:"max_query_params"`
	MaxResponseBytes int64 `yaml:"max_response_bytes"`
	MaxHeaderBytes   int   `yaml:"max_header_bytes"`
}

// Timeouts of the server and the upstream client.
type Timeouts struct {
	ReadHeader time.Duration `yaml:"read_header"`
	Read       time.Duration `yaml:"read"`
	Write      time.Duration `yaml:"write"`
	Idle       time.Duration `yaml:"idle"`
	Upstream   time.Duration `yaml:"upstream"`
	// StreamIdle bounds each wait for the next bytes of a response body
	// relayed as it arrives (event streams, bodies over the validated
	// size, responses that are not checked), which no other timeout
	// covers once the header is in.
	StreamIdle time.Duration `yaml:"stream_idle"`
	Drain      time.Duration `yaml:"drain"`
}

// AuditConfig sizes the audit log queue.
type AuditConfig struct {
	Queue int           `yaml:"queue"`
	Wait  time.Duration `yaml:"wait"`
	// TamperEvident chains the records by hash and signs checkpoints.
	TamperEvident tamperlog.Config `yaml:"tamper_evident"`
}

// Defaults.
const (
	DefaultListen = "127.0.0.1:8080"
	DefaultAdmin  = "127.0.0.1:9901"
)

// MaxConfigFileSize bounds a configuration file. A real one is a few
// kilobytes; without a bound, `--config /dev/zero` (or a huge file given
// by mistake) was read until memory ran out, and YAML parsing takes
// several times the file's size on top.
const MaxConfigFileSize = 4 << 20

// readConfigFile reads a configuration file, refusing one over
// MaxConfigFileSize and anything that is not a regular file (a device
// never ends, a named pipe blocks until written to).
func readConfigFile(path string) ([]byte, error) {
	data, err := smallfile.Read(path, MaxConfigFileSize)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return data, nil
}

// LoadConfigFile reads a YAML configuration. Unknown keys are errors, so a
// typo cannot silently leave a protection at its default.
func LoadConfigFile(path string) (Config, error) {
	var c Config
	data, err := readConfigFile(path)
	if err != nil {
		return c, err
	}
	// The same checks as `rampart config validate`, so a mistake is
	// reported with its line before anything starts.
	if ps := ValidateConfig(data); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.Format(path)
		}
		return c, errors.New(strings.Join(msgs, "\n"))
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	return c, nil
}

// adminEndpoints are what the admin listener serves, none of it behind
// authentication (admin.go).
const adminEndpoints = "/metrics, POST /denylist (token revocation), GET /denylist/count, /healthz, /readyz"

// AdminExposure says how the admin address addr is reachable from beyond
// this host, "" when it is a loopback address (or not an address at all,
// which the listener refuses). The admin endpoints have no
// authentication: on a public interface anyone can read the metrics and
// revoke tokens through /denylist, denying their holders service.
func AdminExposure(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	if host == "" {
		return addr + " listens on every interface"
	}
	if strings.EqualFold(host, "localhost") {
		return ""
	}
	ip, err := netip.ParseAddr(host)
	ip = ip.Unmap() // ::ffff:127.0.0.1 is loopback too
	switch {
	case err != nil:
		// A name may resolve to anything: only loopback is safe.
		return addr + " names host " + host + ", not a loopback address"
	case ip.IsUnspecified():
		return addr + " listens on every interface"
	case ip.IsLoopback():
		return ""
	}
	return addr + " is not a loopback address"
}

// adminWarning is the advice that goes with AdminExposure's finding.
const adminWarning = "the admin endpoints (" + adminEndpoints + ") have no authentication: bind the admin address to 127.0.0.1, or keep its port off untrusted networks"

// WarnAdminExposure logs a warning when the admin listener (c.Admin,
// from the file or --admin) is reachable from beyond this host. It is
// allowed, for a private network or a container, but should be a choice.
func (c Config) WarnAdminExposure(logger *slog.Logger) {
	addr := c.Admin
	if addr == "" {
		addr = DefaultAdmin
	}
	if why := AdminExposure(addr); why != "" {
		logger.Warn("admin listener reachable from beyond this host: "+adminWarning, "admin", addr, "reason", why, "exposed", adminEndpoints)
	}
}

// WithDefaults fills unset fields.
func (c Config) WithDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.Admin == "" {
		c.Admin = DefaultAdmin
	}
	if c.Mode == "" {
		c.Mode = "block"
	}
	t := &c.Timeouts
	// Zero only: a negative value is a mistake that planConfig reports,
	// not one to cover with the default.
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&t.ReadHeader, 5*time.Second)
	def(&t.Read, 30*time.Second)
	def(&t.Write, 60*time.Second)
	def(&t.Idle, 120*time.Second)
	def(&t.Upstream, 30*time.Second)
	def(&t.StreamIdle, 60*time.Second)
	def(&t.Drain, 15*time.Second)
	if c.WatchInterval == 0 {
		c.WatchInterval = 2 * time.Second
	}
	if c.Limits.MaxHeaderBytes == 0 {
		c.Limits.MaxHeaderBytes = 64 << 10
	}
	return c
}

// planConfig checks the configuration and returns the plan settings.
func (c Config) planConfig() (plan.Config, error) {
	if err := c.checkSettings(); err != nil {
		return plan.Config{}, err
	}
	return c.planSettings()
}

// checkSettings refuses the negative limits, timeouts and sizes that the
// firewall would replace by their defaults, for configurations that do
// not come from a file (flags such as --max-body, or code): a file's are
// refused by ValidateConfig, zeros included, with their lines.
func (c Config) checkSettings() error {
	var errs []error
	atLeast1 := func(path string, v int64) {
		if v < 0 {
			errs = append(errs, fmt.Errorf("%s: %d must be at least 1", path, v))
		}
	}
	positive := func(path string, d time.Duration) {
		if d < 0 {
			errs = append(errs, fmt.Errorf("%s: %s must be positive", path, d))
		}
	}
	l := c.Limits
	atLeast1("limits.max_body_bytes", l.MaxBodyBytes)
	atLeast1("limits.max_decoded_body_bytes", l.MaxDecodedBytes)
	atLeast1("limits.max_json_depth", int64(l.MaxJSONDepth))
	atLeast1("limits.max_json_elements", int64(l.MaxJSONElements))
	atLeast1("limits.max_json_number_length", int64(l.MaxJSONNumberLen))
	atLeast1("limits.max_query_params", int64(l.MaxQueryParams))
	atLeast1("limits.max_response_bytes", l.MaxResponseBytes)
	atLeast1("limits.max_header_bytes", int64(l.MaxHeaderBytes))
	for _, k := range slices.Sorted(maps.Keys(c.Operations)) {
		atLeast1("operations."+k+".max_body_bytes", c.Operations[k].MaxBody)
	}
	t := c.Timeouts
	positive("timeouts.read_header", t.ReadHeader)
	positive("timeouts.read", t.Read)
	positive("timeouts.write", t.Write)
	positive("timeouts.idle", t.Idle)
	positive("timeouts.upstream", t.Upstream)
	positive("timeouts.stream_idle", t.StreamIdle)
	positive("timeouts.drain", t.Drain)
	atLeast1("audit.queue", int64(c.Audit.Queue))
	positive("audit.wait", c.Audit.Wait)
	atLeast1("rate_limits.redis.pool_size", int64(c.RateLimits.Redis.PoolSize))
	return errors.Join(errs...)
}

// planSettings checks the configuration, but for checkSettings, and
// returns the plan settings.
func (c Config) planSettings() (plan.Config, error) {
	var pc plan.Config
	if c.Spec == "" {
		return pc, errors.New("no spec: set --spec or spec in the config file")
	}
	if c.Upstream == "" {
		return pc, errors.New("no upstream: set --upstream or upstream in the config file")
	}
	u, err := url.Parse(c.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return pc, fmt.Errorf("upstream %q is not an http(s) URL", c.Upstream)
	}
	m, err := plan.ParseMode(c.Mode, false)
	if err != nil {
		return pc, err
	}
	// Responses follow the request mode unless a response mode is set,
	// and so do an operation's when its mode is set and the response
	// mode is not (plan.Config.ResponseModeFollows).
	rm := m
	if c.ResponseMode != "" {
		if rm, err = plan.ParseMode(c.ResponseMode, true); err != nil {
			return pc, err
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return pc, errors.New("--tls-cert and --tls-key go together")
	}
	switch c.Streaming {
	case "", "auto", "exempt", "block":
	default:
		return pc, fmt.Errorf("unknown streaming policy %q (want auto, exempt or block)", c.Streaming)
	}
	for key, oc := range c.Operations {
		if oc.Mode != "" {
			if _, err := plan.ParseMode(oc.Mode, false); err != nil {
				return pc, fmt.Errorf("operations.%s: %w", key, err)
			}
		}
		if oc.ResponseMode != "" {
			if _, err := plan.ParseMode(oc.ResponseMode, true); err != nil {
				return pc, fmt.Errorf("operations.%s: %w", key, err)
			}
		}
	}
	pc = plan.Config{
		Mode:                m,
		ResponseMode:        rm,
		ResponseModeFollows: c.ResponseMode == "",
		AllowSpecOverrides:  c.AllowSpecOverrides,
		MaxBody:             c.Limits.MaxBodyBytes,
		MaxDecodedBody:      c.Limits.MaxDecodedBytes,
		JSON:                body.Limits{MaxDepth: c.Limits.MaxJSONDepth, MaxElements: c.Limits.MaxJSONElements, MaxNumberLen: c.Limits.MaxJSONNumberLen},
		MaxQueryParams:      c.Limits.MaxQueryParams,
		MaxResponse:         c.Limits.MaxResponseBytes,
		StreamingPolicy:     c.Streaming,
		Operations:          c.Operations,
	}
	if c.BasePath != nil {
		pc.BasePaths = []string{*c.BasePath}
	}
	return pc.WithDefaults(), nil
}
