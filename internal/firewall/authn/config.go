package authn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/authn/introspect"
	"github.com/rampart-sec/rampart/internal/firewall/authn/jwt"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Config is the `authentication:` section of the firewall configuration.
type Config struct {
	// Realm appears in WWW-Authenticate challenges.
	Realm string `yaml:"realm,omitempty"`
	// Schemes configures verification per security scheme name of the
	// contract (components.securitySchemes).
	Schemes  map[string]*SchemeConfig `yaml:"schemes"`
	Denylist *DenylistConfig          `yaml:"denylist,omitempty"`
	// DPoPReplay selects where DPoP proofs are recorded against replay;
	// without it each scheme keeps them in memory.
	DPoPReplay *DPoPReplayConfig `yaml:"dpop_replay,omitempty"`
}

// SchemeConfig configures one security scheme. Which fields apply depends
// on the scheme's type in the contract.
type SchemeConfig struct {
	JWT           *jwt.Config         `yaml:"jwt,omitempty"`           // http bearer, oauth2, openIdConnect
	Introspection *introspect.Config  `yaml:"introspection,omitempty"` // the same, for opaque tokens
	APIKeys       *apikey.Config      `yaml:"api_keys,omitempty"`      // apiKey
	Basic         *apikey.BasicConfig `yaml:"basic,omitempty"`         // http basic
	// MTLS is required for mutualTLS schemes, which take no other
	// setting; for token schemes it tells where certificate-bound tokens
	// find the client certificate; apiKey and basic schemes refuse it.
	MTLS *mtls.Config `yaml:"mtls,omitempty"`
	DPoP *dpop.Config `yaml:"dpop,omitempty"`
	// RequireBinding: "", "mtls" or "dpop".
	RequireBinding string `yaml:"require_binding,omitempty"`
}

// DenylistConfig selects the token denylist store.
type DenylistConfig struct {
	// Prefix defaults to "rampart:deny:".
	RedisBackend `yaml:",inline"`
	// FailOpen accepts tokens when Redis cannot answer (logged); by
	// default they get 503.
	FailOpen bool `yaml:"fail_open,omitempty"`
	// MaxTTL bounds how long a revocation sent to the admin listener is
	// kept (default and maximum; denylist.DefaultMaxTTL when zero).
	MaxTTL time.Duration `yaml:"max_ttl,omitempty"`
}

// Validate checks the configuration on its own.
func (c *Config) Validate() error {
	var errs []error
	names := make([]string, 0, len(c.Schemes))
	for n := range c.Schemes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := c.Schemes[n].Validate(); err != nil {
			errs = append(errs, prefix("authentication.schemes."+n, err))
		}
	}
	if d := c.Denylist; d != nil {
		errs = append(errs, d.RedisBackend.validate("authentication.denylist", "revocations")...)
		if d.MaxTTL < 0 {
			errs = append(errs, errors.New("authentication.denylist.max_ttl: must not be negative"))
		}
	}
	if d := c.DPoPReplay; d != nil {
		errs = append(errs, d.validate(c)...)
	}
	return errors.Join(errs...)
}

func prefix(p string, err error) error {
	var out []error
	for _, line := range strings.Split(err.Error(), "\n") {
		out = append(out, fmt.Errorf("%s: %s", p, line))
	}
	return errors.Join(out...)
}

// Validate checks one scheme's configuration.
func (s *SchemeConfig) Validate() error {
	if s == nil {
		return errors.New("empty scheme configuration")
	}
	var errs []error
	n := 0
	for _, set := range []bool{s.JWT != nil || s.Introspection != nil, s.APIKeys != nil, s.Basic != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		errs = append(errs, errors.New("configure one kind of credential: jwt/introspection, api_keys or basic"))
	}
	if n == 0 && s.MTLS == nil {
		errs = append(errs, errors.New("no verifier: configure jwt, introspection, api_keys, basic or mtls"))
	}
	add := func(name string, v interface{ Validate() error }) {
		if err := v.Validate(); err != nil {
			errs = append(errs, prefix(name, err))
		}
	}
	if s.JWT != nil {
		// Without the contract the scheme's type is unknown: an
		// openIdConnect scheme needs no key source here (its
		// openIdConnectUrl is the default), which Build checks.
		if err := s.JWT.ValidateSettings(); err != nil {
			errs = append(errs, prefix("jwt", err))
		}
	}
	if s.Introspection != nil {
		add("introspection", s.Introspection)
	}
	if s.APIKeys != nil {
		add("api_keys", s.APIKeys)
	}
	if s.Basic != nil {
		add("basic", s.Basic)
	}
	if s.MTLS != nil {
		add("mtls", s.MTLS)
	}
	if s.DPoP != nil {
		add("dpop", s.DPoP)
	}
	switch s.RequireBinding {
	case "":
	case "dpop":
		if s.DPoP == nil {
			errs = append(errs, errors.New("require_binding: dpop needs a dpop section"))
		}
	case "mtls":
	default:
		errs = append(errs, fmt.Errorf("require_binding %q: use mtls or dpop", s.RequireBinding))
	}
	if (s.DPoP != nil || s.RequireBinding != "") && s.JWT == nil && s.Introspection == nil {
		errs = append(errs, errors.New("dpop and require_binding apply to token schemes only"))
	}
	return errors.Join(errs...)
}

// fits checks the configuration against the scheme's type in the contract.
// Each type has one kind of credential, and a setting of another kind is
// refused rather than ignored or obeyed: obeyed, a token setting on a
// mutualTLS scheme would let a token stand in for the certificate the
// contract requires; ignored, an mtls section on an apiKey scheme would
// look like a certificate requirement that is never enforced.
func (s *SchemeConfig) fits(sch *spec.SecurityScheme) error {
	token := s.JWT != nil || s.Introspection != nil
	var extra []string
	set := func(name string, on bool) {
		if on {
			extra = append(extra, name)
		}
	}
	switch {
	case sch.Type == "mutualTLS":
		if s.MTLS == nil {
			return errors.New("mutualTLS scheme: configure mtls")
		}
		set("jwt", s.JWT != nil)
		set("introspection", s.Introspection != nil)
		set("api_keys", s.APIKeys != nil)
		set("basic", s.Basic != nil)
		set("dpop", s.DPoP != nil)
		set("require_binding", s.RequireBinding != "")
		if len(extra) > 0 {
			return fmt.Errorf("mutualTLS scheme: only the client certificate (mtls) authenticates it; remove %s, or declare a scheme of its own for the other credential", strings.Join(extra, ", "))
		}
	case sch.Type == "apiKey":
		if s.APIKeys == nil {
			return errors.New("apiKey scheme: configure api_keys")
		}
		if s.MTLS != nil {
			return errors.New("apiKey scheme: mtls does not apply (it verifies mutualTLS schemes and certificate-bound tokens); to require a client certificate too, declare a mutualTLS scheme and list both in one requirement")
		}
	case sch.Type == "http" && sch.Scheme == "basic":
		if s.Basic == nil {
			return errors.New("http basic scheme: configure basic")
		}
		if s.MTLS != nil {
			return errors.New("http basic scheme: mtls does not apply (it verifies mutualTLS schemes and certificate-bound tokens); to require a client certificate too, declare a mutualTLS scheme and list both in one requirement")
		}
	case sch.Type == "http" && sch.Scheme == "bearer", sch.Type == "oauth2", sch.Type == "openIdConnect":
		if !token {
			if sch.Type == "http" {
				return errors.New("http bearer scheme: configure jwt or introspection")
			}
			return fmt.Errorf("%s scheme: configure jwt or introspection", sch.Type)
		}
	case sch.Type == "http":
		return fmt.Errorf("http scheme %q is not supported", sch.Scheme)
	default:
		return fmt.Errorf("security scheme type %q is not supported", sch.Type)
	}
	return nil
}

// Runtime is the built authentication: an evaluator plus the background
// work (JWKS refresh) it needs.
type Runtime struct {
	*Evaluator
	remotes []*jwt.RemoteKeys
	closers []func() error
}

// Start begins loading remote keys; it returns at once. The loaders stop
// when ctx ends.
func (rt *Runtime) Start(ctx context.Context) {
	for _, r := range rt.remotes {
		go r.Run(ctx)
	}
}

// InheritKeys gives each remote key source the last good key set of the
// source in prev that reads the same URL, so that a reload while the
// identity provider is down keeps the keys in force. It returns how many
// sources took a set.
func (rt *Runtime) InheritKeys(prev *Runtime) int {
	if prev == nil {
		return 0
	}
	n := 0
	for _, r := range rt.remotes {
		for _, p := range prev.remotes {
			if r.Inherit(p) {
				n++
				break
			}
		}
	}
	return n
}

// Close releases connections (Redis).
func (rt *Runtime) Close() error {
	var errs []error
	for _, c := range rt.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}

// Build makes the runtime for a contract's security schemes. Every scheme
// configured must exist in the contract; schemes the contract uses but
// the configuration omits are reported by Evaluator.Check.
func (c *Config) Build(schemes map[string]*spec.SecurityScheme, logger *slog.Logger) (_ *Runtime, err error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	rt := &Runtime{}
	defer func() {
		if err != nil {
			_ = rt.Close() // the stores' connections
		}
	}()
	var deny denylist.Store
	failOpen := false
	if d := c.Denylist; d != nil {
		failOpen = d.FailOpen
		var closeDeny func() error
		if deny, closeDeny, err = d.NewStore(); err != nil {
			return nil, err
		}
		rt.closers = append(rt.closers, closeDeny)
	}
	// One replay store for every scheme (memory without a dpop_replay
	// section), so a proof is not accepted once per scheme.
	replay, err := c.NewDPoPReplay(logger)
	if err != nil {
		return nil, err
	}
	rt.closers = append(rt.closers, replay.Close)
	proxies, err := c.trustedProxies()
	if err != nil {
		return nil, err
	}
	// Without an mtls section of its own, a token scheme finds the client
	// certificate as the mutualTLS schemes do: from a peer trusted as a
	// proxy only in Client-Cert, from anybody else on the connection.
	certs := mtls.NewWithPool(nil, proxies)
	verifiers := map[string]Verifier{}
	for name, sc := range c.Schemes {
		sch, ok := schemes[name]
		if !ok {
			return nil, fmt.Errorf("authentication.schemes.%s: the contract defines no such security scheme", name)
		}
		if err := sc.fits(sch); err != nil {
			return nil, fmt.Errorf("authentication.schemes.%s: %w", name, err)
		}
		v, remote, err := sc.build(sch, deny, failOpen, certs, proxies, logger)
		if err != nil {
			return nil, fmt.Errorf("authentication.schemes.%s: %w", name, err)
		}
		if remote != nil {
			rt.remotes = append(rt.remotes, remote)
		}
		verifiers[name] = v
	}
	rt.Evaluator = NewEvaluator(schemes, verifiers, c.Realm)
	rt.UseDPoPReplay(replay)
	return rt, nil
}

// build makes the verifier the scheme's type calls for (fits has checked
// that the configuration gives what it needs and nothing else). certs is
// where token schemes without an mtls section of their own find the client
// certificate of certificate-bound tokens; proxies are the peers every
// certificate source takes for TLS-terminating proxies.
func (s *SchemeConfig) build(sch *spec.SecurityScheme, deny denylist.Store, failOpen bool, certs *mtls.Verifier, proxies []netip.Prefix, logger *slog.Logger) (Verifier, *jwt.RemoteKeys, error) {
	if s.MTLS != nil {
		v, err := mtls.New(*s.MTLS)
		if err != nil {
			return nil, nil, err
		}
		certs = v.WithTrustedProxies(proxies)
	}
	switch {
	case sch.Type == "mutualTLS":
		return &MutualTLS{Verifier: certs}, nil, nil
	case sch.Type == "apiKey":
		ch, err := apikey.New(sch.In, sch.ParamName, *s.APIKeys)
		if err != nil {
			return nil, nil, err
		}
		return &APIKey{Checker: ch}, nil, nil
	case sch.Type == "http" && sch.Scheme == "basic":
		b, err := apikey.NewBasic(*s.Basic)
		if err != nil {
			return nil, nil, err
		}
		return &Basic{Checker: b}, nil, nil
	}
	b := &Bearer{Denylist: deny, DenylistFailOpen: failOpen, Certs: certs, RequireBinding: s.RequireBinding, Logger: logger}
	var remote *jwt.RemoteKeys
	if s.JWT != nil {
		built, err := s.JWT.Build(sch.OpenIDConnectURL, logger)
		if err != nil {
			return nil, nil, fmt.Errorf("jwt: %w", err)
		}
		b.JWT, remote = built.Verifier, built.Remote
	}
	if s.Introspection != nil {
		ic, err := introspect.New(*s.Introspection)
		if err != nil {
			return nil, nil, err
		}
		b.Introspect = ic
	}
	if s.DPoP != nil {
		dv, err := dpop.New(*s.DPoP)
		if err != nil {
			return nil, nil, err
		}
		b.DPoP = dv
	}
	return b, remote, nil
}

// trustedProxies gathers the trusted_proxies of every mtls section. A peer
// one section trusts to pass the client's certificate in Client-Cert has
// ended TLS itself: its own TLS certificate is not the client's, whichever
// scheme asks.
func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, name := range sortedNames(c.Schemes) {
		sc := c.Schemes[name]
		if sc == nil || sc.MTLS == nil {
			continue
		}
		ps, err := mtls.ParseTrustedProxies(sc.MTLS.TrustedProxies)
		if err != nil {
			return nil, fmt.Errorf("authentication.schemes.%s.mtls.trusted_proxies: %w", name, err)
		}
		out = append(out, ps...)
	}
	return out, nil
}

func sortedNames[V any](m map[string]V) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// UseClientCertificates makes the runtime take v's trusted proxies (the
// firewall's client_certificates and every mtls section together) for
// TLS-terminating proxies, besides the ones the schemes' mtls sections
// name: from such a peer the client certificate is the one in the RFC 9440
// Client-Cert header, never the peer's own. Token schemes without an mtls
// section of their own check certificate-bound tokens against the
// certificate v finds. Call it before the runtime serves; nil changes
// nothing.
func (rt *Runtime) UseClientCertificates(v *mtls.Verifier) {
	if v == nil {
		return
	}
	proxies := v.TrustedProxies()
	for _, ver := range rt.verifiers {
		switch x := ver.(type) {
		case *Bearer:
			if x.Certs == nil {
				x.Certs = mtls.NewWithPool(nil, proxies)
			} else {
				x.Certs = x.Certs.WithTrustedProxies(proxies)
			}
		case *MutualTLS:
			x.Verifier = x.Verifier.WithTrustedProxies(proxies)
		}
	}
}
