package firewall

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/spec"
)

// SetConfigSource makes every reload (SIGHUP, a changed watched file,
// Reload) read the configuration again through read, and adds file to
// the files watched for changes. read returns the configuration as the
// server was started with it: the file, then whatever the command line
// overrides. Call it before Run.
func (s *Server) SetConfigSource(file string, read func() (Config, error)) {
	s.configFile, s.readConfig = file, read
}

// nextPolicy returns the policy the next contract is built with: the
// current one when there is no configuration file, or when the file says
// what the current one does; else one built from the file read again.
func (s *Server) nextPolicy() (*policy, error) {
	cur := s.cur.Load()
	if cur == nil {
		return s.initial, nil
	}
	if s.readConfig == nil {
		return cur.pol, nil
	}
	cfg, err := s.readConfig()
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	cfg = cfg.WithDefaults()
	if sameConfig(cfg, cur.pol.cfg) {
		// A spec-only change keeps the built protections (and the
		// blacklist tiers they loaded on first use).
		return cur.pol, nil
	}
	if changed := restartOnly(s.cfg, cfg); len(changed) > 0 {
		return nil, fmt.Errorf("configuration %s: %s changed, which takes a restart; nothing of the new file is applied", s.configFile, strings.Join(changed, ", "))
	}
	pol, err := buildPolicy(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuration %s: %w", s.configFile, err)
	}
	return pol, nil
}

// sameConfig reports whether two configurations say the same. The spec
// loader options come from the command line, not the file, and hold a
// reader and a logger that do not compare.
func sameConfig(a, b Config) bool {
	a.SpecOptions, b.SpecOptions = spec.Options{}, spec.Options{}
	return reflect.DeepEqual(a, b)
}

// restartOnly names the settings that differ between the configuration
// the server started with and a new one, among those a reload cannot
// apply: the listeners and their TLS, the upstream and its transport's
// timeouts, the audit log, and the stores that keep state (rate-limit
// counters, revocations, DPoP proofs), which a reload keeps rather than
// empties.
func restartOnly(started, next Config) []string {
	var changed []string
	diff := func(name string, a, b any) {
		if !reflect.DeepEqual(a, b) {
			changed = append(changed, name)
		}
	}
	diff("upstream", started.Upstream, next.Upstream)
	diff("listen", started.Listen, next.Listen)
	diff("admin", started.Admin, next.Admin)
	diff("tls_cert", started.TLSCert, next.TLSCert)
	diff("tls_key", started.TLSKey, next.TLSKey)
	diff("log", started.Log, next.Log)
	diff("audit", started.Audit, next.Audit)
	diff("timeouts", started.Timeouts, next.Timeouts)
	diff("limits.max_header_bytes", started.Limits.MaxHeaderBytes, next.Limits.MaxHeaderBytes)
	diff("watch_interval", started.WatchInterval, next.WatchInterval)
	diff("rate_limits.store", started.RateLimits.Store, next.RateLimits.Store)
	diff("rate_limits.memory", started.RateLimits.Memory, next.RateLimits.Memory)
	diff("rate_limits.redis", started.RateLimits.Redis, next.RateLimits.Redis)
	a, b := started.Authentication, next.Authentication
	switch {
	case a == nil && b == nil:
	case a == nil || b == nil:
		// The section comes or goes: so do the stores it builds.
		if hasStores(a) || hasStores(b) {
			changed = append(changed, "authentication (its denylist or a scheme's dpop section)")
		}
	default:
		diff("authentication.denylist", a.Denylist, b.Denylist)
		diff("authentication.dpop_replay", a.DPoPReplay, b.DPoPReplay)
		diff("the schemes with a dpop section (their replay cache)", dpopCaches(a.Schemes), dpopCaches(b.Schemes))
	}
	// The TLS handshake asks for a client certificate or not; a reload
	// cannot change how the listener was set up.
	if wantsClientCerts(started) != wantsClientCerts(next) {
		changed = append(changed, "whether client certificates are requested (client_certificates, a scheme's mtls section)")
	}
	return changed
}

// hasStores reports whether an authentication section builds a store that
// keeps state.
func hasStores(a *authn.Config) bool {
	return a != nil && (a.Denylist != nil || a.DPoPReplay != nil || len(dpopCaches(a.Schemes)) > 0)
}

// dpopCaches lists the schemes with a dpop section and the replay cache
// size each asks for, which together size the shared replay store.
func dpopCaches(schemes map[string]*authn.SchemeConfig) []string {
	var out []string
	for name, sc := range schemes {
		if sc != nil && sc.DPoP != nil {
			out = append(out, fmt.Sprintf("%s:%d", name, sc.DPoP.ReplayCacheSize))
		}
	}
	slices.Sort(out)
	return out
}
