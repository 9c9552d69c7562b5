// Package firewall is the contract-enforcing reverse proxy behind
// `rampart protect`: a fixed pipeline of named stages in front of an
// upstream, driven by a plan compiled from the OpenAPI contract.
package firewall

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
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
	// Streaming is "exempt" (streamed or oversized responses pass without
	// body validation) or "block".
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

// LoadConfigFile reads a YAML configuration. Unknown keys are errors, so a
// typo cannot silently leave a protection at its default.
func LoadConfigFile(path string) (Config, error) {
	var c Config
	data, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("reading config: %w", err)
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
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
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
	if c.Limits.MaxHeaderBytes <= 0 {
		c.Limits.MaxHeaderBytes = 64 << 10
	}
	return c
}

// planConfig checks the configuration and returns the plan settings.
func (c Config) planConfig() (plan.Config, error) {
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
	case "", "exempt", "block":
	default:
		return pc, fmt.Errorf("unknown streaming policy %q (want exempt or block)", c.Streaming)
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
