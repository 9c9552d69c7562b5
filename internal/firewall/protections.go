package firewall

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/http/httpguts"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
	"github.com/rampart-sec/rampart/internal/firewall/authn/signed"
	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
	"github.com/rampart-sec/rampart/internal/firewall/clientip"
	"github.com/rampart-sec/rampart/internal/firewall/harden"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/firewall/ratelimit"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Spec extensions read by the firewall. Each may appear at the root of the
// document, on a path item or on an operation; the most specific one wins
// (operation > path > global).
const (
	ExtMode          = "x-rampart-mode"
	ExtResponseMode  = "x-rampart-response-mode"
	ExtRateLimit     = "x-rampart-rate-limit"
	ExtIPRules       = "x-rampart-ip-rules"
	ExtBlacklist     = "x-rampart-blacklist"
	ExtBlacklistTier = "x-rampart-blacklist-tier"
	ExtMTLS          = "x-rampart-mtls"
	ExtSigned        = "x-rampart-signed"
)

// shared holds what outlives every reload, of the contract and of the
// configuration file alike: the stores that keep state. Rate-limit
// counters, the token denylist (revocations held in memory and those
// added through the admin listener), accepted DPoP proofs and the Redis
// connections behind them survive a reload; the settings that choose
// these stores take a restart (restartOnly).
type shared struct {
	rlStore ratelimit.Store
	// deny is the token denylist handed to each contract's verifiers; nil
	// when authentication.denylist is not configured.
	deny         denylist.Store
	denyClose    func() error
	denyFailOpen bool
	denyMaxTTL   time.Duration
	// dpopReplay records the DPoP proofs accepted by every contract's
	// verifiers, so a reload does not forget them; nil when no scheme has
	// a dpop section. dpopReplayErrors counts its store's failures.
	dpopReplay       *authn.DPoPReplay
	dpopReplayErrors *prometheus.CounterVec
}

// policy is one configuration and the protections built from it alone,
// which hold no state: it is rebuilt when the configuration file is
// reloaded and swapped in with the contract that uses it, so a request
// never sees the rules of one configuration and the plan of another.
type policy struct {
	cfg     Config
	pcfg    plan.Config
	ip      *clientip.Policy
	headers *harden.Headers
	cors    *harden.CORS
	checker blacklist.Checker
	// tiers holds the checker of the other tier, built on first use by an
	// operation that selects it (x-rampart-blacklist-tier): the CRS tier
	// costs a few hundred milliseconds and megabytes to load, so only when
	// some operation asks for it.
	tiersMu  sync.Mutex
	tiers    map[string]blacklist.Checker
	blConfig blacklist.Config
	certs    *mtls.Verifier
	// certHeaders strips RFC 9440 headers not written by a proxy that
	// some mTLS section trusts; nil when no section reads certificates.
	certHeaders *mtls.Verifier
	signed      *signed.Verifier
}

// contract is a compiled plan plus the protections that depend on it. It
// is swapped in as one unit, so a request never sees the plan of one
// version and the policy of another.
type contract struct {
	plan    *plan.Plan
	pol     *policy
	auth    *authn.Runtime // nil: authentication not configured
	limiter *ratelimit.Limiter
	specIP  *clientip.Policy // x-rampart-ip-rules; nil when none
	ops     map[*plan.Op]*opPolicy
	stop    context.CancelFunc
	// apiKeyQuery names the query parameters that carry API keys.
	apiKeyQuery map[string]bool
	// credentialOps are the credential operations given the default
	// limit (rate_limits.credential_endpoints), reported at load.
	credentialOps []string
}

// opPolicy is what the protections need per operation, prepared at load.
type opPolicy struct {
	// blacklist: "" (off), blacklist.ModeBlock or blacklist.ModeMonitor.
	blacklist string
	// checker is the operation's blacklist tier when it differs from the
	// configuration's (x-rampart-blacklist-tier); nil: the shared one.
	checker   blacklist.Checker
	mtls      bool
	signed    bool
	ipOpRules bool                             // config or spec lists for this operation
	paramSkip map[string]*blacklist.SkipPolicy // "in\x00name"
	bodySkip  map[string]*blacklist.SkipPolicy // media name
	checkKeys bool
}

func (c *contract) op(o *plan.Op) *opPolicy {
	if o == nil || c == nil {
		return nil
	}
	return c.ops[o]
}

// prefixStore namespaces the keys of a shared rate-limit store, which the
// store itself does not do when a limiter is built over it.
type prefixStore struct {
	ratelimit.Store
	prefix string
}

func (p prefixStore) Take(ctx context.Context, key string, pr ratelimit.Params) (ratelimit.Outcome, error) {
	return p.Store.Take(ctx, p.prefix+key, pr)
}

// validate checks every protection section, naming the section.
func (c Config) validateProtections() error {
	var errs []error
	add := func(section string, err error) {
		if err != nil {
			errs = append(errs, prefixLines(section, err))
		}
	}
	if c.Authentication != nil {
		// authn prefixes its own messages with "authentication.".
		if err := c.Authentication.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.SignedPayloads != nil {
		if err := c.SignedPayloads.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.ClientCertificates != nil {
		add("client_certificates", c.ClientCertificates.Config.Validate())
	}
	add("ip_rules", c.IPRules.Validate())
	add("rate_limits", c.RateLimits.Validate())
	add("response_headers", c.ResponseHeaders.Validate())
	add("cors", c.CORS.Validate())
	if err := c.Blacklist.Validate(); err != nil {
		errs = append(errs, err) // already prefixed with "blacklist."
	}
	add("audit.tamper_evident", c.Audit.TamperEvident.Validate())
	return errors.Join(errs...)
}

func prefixLines(p string, err error) error {
	var out []error
	for _, line := range strings.Split(err.Error(), "\n") {
		if strings.HasPrefix(line, p+".") || strings.HasPrefix(line, p+":") {
			out = append(out, errors.New(line))
			continue
		}
		out = append(out, fmt.Errorf("%s.%s", p, strings.TrimPrefix(line, "ip rules: ")))
	}
	return errors.Join(out...)
}

// buildShared builds the stores that keep state (see shared).
func buildShared(cfg Config, logger *slog.Logger) (*shared, error) {
	sh := &shared{}
	rc := cfg.RateLimits
	if rc.Store == "redis" {
		rs, err := ratelimit.NewRedisStore(rc.Redis)
		if err != nil {
			return nil, prefixLines("rate_limits", err) // rate_limits.redis.ca_file: ...
		}
		p := rc.Redis.KeyPrefix
		if p == "" {
			p = "rampart:rl:"
		}
		sh.rlStore = prefixStore{Store: rs, prefix: p}
	} else {
		sh.rlStore = ratelimit.NewMemoryStore(rc.Memory.MaxKeys, rc.Memory.Shards)
	}
	var err error
	if a := cfg.Authentication; a != nil && a.Denylist != nil {
		d := a.Denylist
		if sh.deny, sh.denyClose, err = d.NewStore(); err != nil {
			sh.close()
			return nil, err
		}
		sh.denyFailOpen, sh.denyMaxTTL = d.FailOpen, d.MaxTTL
		if sh.denyMaxTTL <= 0 {
			sh.denyMaxTTL = denylist.DefaultMaxTTL
		}
	}
	if a := cfg.Authentication; a != nil {
		if sh.dpopReplay, err = a.NewDPoPReplay(logger); err != nil {
			sh.close()
			return nil, err
		}
		if sh.dpopReplay != nil {
			sh.dpopReplayErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "rampart_dpop_replay_store_errors_total",
				Help: "DPoP replay store (Redis) failures, by the action taken (fail_open, fail_closed).",
			}, []string{"action"})
			sh.dpopReplay.OnError = func(action string) { sh.dpopReplayErrors.WithLabelValues(action).Inc() }
		}
	}
	return sh, nil
}

// buildPolicy checks a configuration (defaults applied) and builds the
// protections that depend on it alone.
func buildPolicy(cfg Config) (*policy, error) {
	pcfg, err := cfg.planConfig()
	if err != nil {
		return nil, err
	}
	if err := cfg.validateProtections(); err != nil {
		return nil, err
	}
	pol := &policy{cfg: cfg, pcfg: pcfg}
	if pol.ip, err = clientip.New(cfg.IPRules); err != nil {
		return nil, err
	}
	if pol.headers, err = harden.NewHeaders(cfg.ResponseHeaders); err != nil {
		return nil, err
	}
	if pol.cors, err = harden.NewCORS(cfg.CORS); err != nil {
		return nil, fmt.Errorf("cors: %w", err)
	}
	if cfg.Blacklist.Enabled {
		pol.blConfig = cfg.Blacklist
		if pol.checker, err = blacklist.New(cfg.Blacklist); err != nil {
			return nil, err
		}
	}
	if pol.certHeaders, err = certHeaderPolicy(cfg); err != nil {
		return nil, err
	}
	if cc := cfg.ClientCertificates; cc != nil {
		if pol.certs, err = mtls.New(cc.Config); err != nil {
			return nil, fmt.Errorf("client_certificates: %w", err)
		}
		// A proxy a scheme's mtls section trusts is a proxy for the
		// x-rampart-mtls check too: its own certificate is never the
		// client's, and the certificate it forwards is. Without this, a
		// re-encrypting proxy's certificate admitted every client behind
		// it.
		pol.certs = pol.certs.WithTrustedProxies(pol.certHeaders.TrustedProxies())
	}
	if cfg.SignedPayloads != nil {
		if pol.signed, err = signed.New(*cfg.SignedPayloads); err != nil {
			return nil, err
		}
	}
	return pol, nil
}

// certHeaderPolicy decides who may pass a client certificate in the RFC
// 9440 headers: the proxies trusted by client_certificates or by any
// scheme's mtls section. The certificate-bound token check reads the
// headers from the scheme's proxies even without client_certificates, so
// the headers must be stripped for everybody else in that case too.
func certHeaderPolicy(cfg Config) (*mtls.Verifier, error) {
	var lists [][]string
	if cc := cfg.ClientCertificates; cc != nil {
		lists = append(lists, cc.TrustedProxies)
	}
	if a := cfg.Authentication; a != nil {
		for _, name := range sortedKeys(a.Schemes) {
			if sc := a.Schemes[name]; sc != nil && sc.MTLS != nil {
				lists = append(lists, sc.MTLS.TrustedProxies)
			}
		}
	}
	if lists == nil {
		return nil, nil
	}
	var all []netip.Prefix
	for _, l := range lists {
		ps, err := mtls.ParseTrustedProxies(l)
		if err != nil {
			return nil, fmt.Errorf("mtls trusted_proxies: %w", err)
		}
		all = append(all, ps...)
	}
	return mtls.NewWithPool(nil, all), nil
}

// tier returns the checker of the named blacklist tier, building it on
// first use from the configuration's blacklist section.
func (pol *policy) tier(name string) (blacklist.Checker, error) {
	pol.tiersMu.Lock()
	defer pol.tiersMu.Unlock()
	if c, ok := pol.tiers[name]; ok {
		return c, nil
	}
	cfg := pol.blConfig
	cfg.Tier = name
	c, err := blacklist.New(cfg)
	if err != nil {
		return nil, err
	}
	if pol.tiers == nil {
		pol.tiers = map[string]blacklist.Checker{}
	}
	pol.tiers[name] = c
	return c, nil
}

func (sh *shared) close() {
	if sh.rlStore != nil {
		_ = sh.rlStore.Close()
	}
	if sh.denyClose != nil {
		_ = sh.denyClose()
	}
	_ = sh.dpopReplay.Close()
}

// extAt returns the most specific value of an extension for an operation
// and the level it came from.
func extAt(doc *spec.Document, so *spec.Operation, key string) (any, string, bool) {
	if v, ok := so.Extensions[key]; ok {
		return v, "operation", true
	}
	if v, ok := so.PathExtensions[key]; ok {
		return v, "path", true
	}
	if v, ok := doc.Extensions[key]; ok {
		return v, "global", true
	}
	return nil, "", false
}

// buildContract prepares the protections of one compiled plan. Problems
// that only concern one operation are recorded in p.Problems or make the
// operation Broken (refused, fail closed); errors that would leave the
// contract unenforced are returned.
func (s *Server) buildContract(ctx context.Context, p *plan.Plan, conf *policy) (*contract, error) {
	cfg := conf.cfg
	doc := p.Doc
	c := &contract{plan: p, pol: conf, ops: make(map[*plan.Op]*opPolicy, len(p.Ops)), apiKeyQuery: map[string]bool{}}
	for _, name := range sortedKeys(doc.SecuritySchemes) {
		sch := doc.SecuritySchemes[name]
		if sch.Type == "apiKey" && sch.In == "query" {
			c.apiKeyQuery[sch.ParamName] = true
		}
		if sch.Type == "apiKey" && sch.In == "header" && !httpguts.ValidHeaderFieldName(sch.ParamName) && cfg.Authentication != nil {
			// Said at load: otherwise only a 401 on every request tells.
			p.Problems = append(p.Problems, fmt.Sprintf("security scheme %s: its header name %q is not a valid HTTP field name, so no request carries the key and the operations that require only it are always refused", name, sch.ParamName))
		}
	}
	specIP := clientip.Config{Operations: map[string]clientip.Rules{}}
	cfgRules := resolveRuleOperations(p, cfg.RateLimits.Rules)
	rules := slices.Clone(cfgRules)
	ruleNames := map[string]bool{}
	for _, r := range rules {
		ruleNames[r.Name] = true
	}
	specRules := map[string]*ratelimit.Rule{} // by extension occurrence
	nextSuffix := map[string]int{}            // by rule name, for uniqueRuleName

	var checkKeys bool
	if cfg.Blacklist.Enabled {
		checkKeys = *cfg.Blacklist.WithDefaults().CheckKeys
	}
	baseBL := ""
	if cfg.Blacklist.Enabled {
		baseBL = cfg.Blacklist.WithDefaults().Mode
	}
	cred := cfg.RateLimits.CredentialEndpoints
	var credOps []*plan.Op // credential operations without a limit of their own
	for _, op := range p.Ops {
		so := op.Spec
		pol := &opPolicy{checkKeys: checkKeys}
		c.ops[op] = pol
		problem := func(format string, a ...any) {
			p.Problems = append(p.Problems, op.ID+": "+fmt.Sprintf(format, a...))
		}
		broken := func(why string) {
			if op.Broken == "" {
				op.Broken = why
			} else {
				op.Broken += "; " + why
			}
			problem("requests are refused (fail closed) because %s", why)
		}

		// Global-level modes (the plan applies operation and path levels).
		if _, okOp := so.Extensions[ExtMode]; !okOp {
			if _, okPath := so.PathExtensions[ExtMode]; !okPath {
				if raw, ok := doc.Extensions[ExtMode].(string); ok {
					op.ReqMode = tightenMode(op, raw, op.ReqMode, false, cfg.AllowSpecOverrides, problem)
				}
			}
		}
		if _, okOp := so.Extensions[ExtResponseMode]; !okOp {
			if _, okPath := so.PathExtensions[ExtResponseMode]; !okPath {
				if raw, ok := doc.Extensions[ExtResponseMode].(string); ok {
					op.RespMode = tightenMode(op, raw, op.RespMode, true, cfg.AllowSpecOverrides, problem)
				}
			}
		}

		// Blacklist: off < monitor < block.
		pol.blacklist = baseBL
		if v, lvl, ok := extAt(doc, so, ExtBlacklist); ok {
			want, err := parseBlacklistExt(v)
			switch {
			case err != nil:
				problem("%s (%s level) ignored: %v", ExtBlacklist, lvl, err)
			case want != "" && conf.checker == nil:
				problem("%s (%s level) asks for the blacklist, which is not enabled in the configuration; ignored", ExtBlacklist, lvl)
			case blRank(want) >= blRank(baseBL) || cfg.AllowSpecOverrides:
				pol.blacklist = want
			default:
				problem("%s %q (%s level) would loosen the configured blacklist and is ignored (set allow_spec_overrides to permit it)", ExtBlacklist, blacklistModeName(want), lvl)
			}
		}
		if v, lvl, ok := extAt(doc, so, ExtBlacklistTier); ok && pol.blacklist != "" {
			base := conf.blConfig.WithDefaults().Tier
			switch want, _ := v.(string); {
			case want != blacklist.TierDefault && want != blacklist.TierCRS:
				problem("%s %v (%s level) ignored: not one of default, crs", ExtBlacklistTier, v, lvl)
			case want == base:
			case want == blacklist.TierCRS || cfg.AllowSpecOverrides:
				// The crs tier runs the default tier first: choosing it
				// only adds detection.
				c, err := conf.tier(want)
				if err != nil {
					problem("%s %q (%s level) ignored: %v", ExtBlacklistTier, want, lvl, err)
				} else {
					pol.checker = c
				}
			default:
				problem("%s %q (%s level) would loosen the configured blacklist tier and is ignored (set allow_spec_overrides to permit it)", ExtBlacklistTier, want, lvl)
			}
		}
		if pol.blacklist != "" {
			pol.paramSkip, pol.bodySkip = skipPolicies(doc, so, blacklist.SkipOptions{
				Exemptions: cfg.AllowSpecOverrides,
				Ignored: func(at spec.NodeRef, v any) {
					if v == false || v == "off" {
						problem("%s: off on the schema at %s would loosen the configured blacklist and is ignored (set allow_spec_overrides to permit it)", ExtBlacklist, doc.Locate(at))
					} else {
						problem("%s %v on the schema at %s is ignored: on a schema only off (or false) is meaningful", ExtBlacklist, v, doc.Locate(at))
					}
				},
			})
		}

		// mTLS.
		pol.mtls = cfg.ClientCertificates != nil && cfg.ClientCertificates.Required
		if v, lvl, ok := extAt(doc, so, ExtMTLS); ok {
			want, err := parseRequiredExt(v)
			switch {
			case err != nil:
				// Ignoring it could leave the operation without the
				// certificate its author asked for.
				broken(fmt.Sprintf("%s (%s level) cannot be read: %v", ExtMTLS, lvl, err))
			case want || cfg.AllowSpecOverrides:
				pol.mtls = want
			case pol.mtls:
				problem("%s: optional (%s level) would loosen the configured requirement and is ignored (set allow_spec_overrides to permit it)", ExtMTLS, lvl)
			}
		}
		if pol.mtls {
			if conf.certs == nil {
				broken("it requires a client certificate but client_certificates is not configured")
			}
		}

		// Signed payloads.
		if v, lvl, ok := extAt(doc, so, ExtSigned); ok {
			want, err := parseRequiredExt(v)
			if err != nil {
				broken(fmt.Sprintf("%s (%s level) cannot be read: %v", ExtSigned, lvl, err))
			}
			pol.signed = want
			if want && conf.signed == nil {
				broken("it requires signed payloads but signed_payloads is not configured")
			}
		}

		// IP rules: lists from the contract apply on top of the
		// configuration's, so they can only tighten.
		if v, lvl, ok := extAt(doc, so, ExtIPRules); ok {
			r, err := parseIPRules(v)
			if err != nil {
				// Ignoring an allow list with a typo would open the
				// operation to every address.
				broken(fmt.Sprintf("%s (%s level) cannot be read: %v", ExtIPRules, lvl, err))
			} else {
				specIP.Operations[op.ID] = r
			}
		}
		pol.ipOpRules = conf.ip.HasOperationRules(op.ID) || len(specIP.Operations[op.ID].Allow)+len(specIP.Operations[op.ID].Deny) > 0

		// Rate limits: extra rules, charged in addition to the
		// configuration's, so they can only tighten.
		var ownSpecIP bool // an operation- or path-level limit keyed by ip
		if v, lvl, ok := extAt(doc, so, ExtRateLimit); ok {
			list, err := parseRateLimits(v)
			if err != nil {
				broken(fmt.Sprintf("%s (%s level) cannot be read: %v", ExtRateLimit, lvl, err))
			}
			ownSpecIP = lvl != "global" && slices.ContainsFunc(list, func(r ratelimit.Rule) bool { return r.Key == ratelimit.KeyIP })
			for i, r := range list {
				// One rule per occurrence in the document: a global or
				// path-level limit is shared by the operations it covers.
				occ := lvl + "\x00" + fmt.Sprint(i)
				switch lvl {
				case "operation":
					occ += "\x00" + op.ID
				case "path":
					occ += "\x00" + so.Path
				}
				if existing, ok := specRules[occ]; ok {
					existing.Operations = append(existing.Operations, op.ID)
					continue
				}
				if r.Name == "" {
					r.Name = specRuleName(lvl, so, op, i)
				}
				r.Name = uniqueRuleName(r.Name, ruleNames, nextSuffix)
				ruleNames[r.Name] = true
				r.Operations = []string{op.ID}
				rr := r
				specRules[occ] = &rr
			}
		}
		// The contract's own limit stands in for the configured default
		// only where the configuration lets the contract loosen it
		// (allow_spec_overrides): otherwise a login could declare 100,000
		// attempts a second and so switch the brute-force limit off. Its
		// limit is charged beside the default instead.
		if cred.On() && !(ownSpecIP && cfg.AllowSpecOverrides) && !ipRuleNames(cfgRules, op) && doc.CredentialKind(so) != spec.NotCredential {
			credOps = append(credOps, op)
		}
	}
	for _, k := range sortedKeys(specRules) {
		rules = append(rules, *specRules[k])
	}
	// After the contract's rules: a name they took is not reused.
	for _, op := range credOps {
		name := uniqueRuleName(credentialRuleName(op), ruleNames, nextSuffix)
		ruleNames[name] = true
		rules = append(rules, cred.Rule(name, op.ID))
		c.credentialOps = append(c.credentialOps, op.ID)
	}
	for _, key := range sortedKeys(cfg.IPRules.Operations) {
		if !hasOp(p, key) {
			p.Problems = append(p.Problems, fmt.Sprintf("ip_rules.operations.%s: the contract has no such operation", key))
		}
	}
	for _, key := range sortedKeys(cfg.Operations) {
		if !hasOp(p, key) {
			p.Problems = append(p.Problems, fmt.Sprintf("operations.%s: the contract has no such operation, so these settings apply to none", key))
		}
	}
	// A rule limited to operations the contract lacks never applies: a
	// typo would leave the limit silently inert.
	for i, r := range cfg.RateLimits.Rules {
		for _, key := range r.Operations {
			if !hasOp(p, key) {
				p.Problems = append(p.Problems, fmt.Sprintf("rate_limits.rules[%d] (%s).operations: the contract has no operation %s, so the rule never applies to it", i, r.Name, key))
			}
		}
	}

	var err error
	if len(specIP.Operations) > 0 {
		if c.specIP, err = clientip.New(specIP); err != nil {
			return nil, fmt.Errorf("%s: %w", ExtIPRules, err)
		}
	}
	if len(rules) > 0 {
		rc := cfg.RateLimits
		rc.Rules = rules
		if c.limiter, err = ratelimit.NewWithStore(rc, s.shared.rlStore, s.log); err != nil {
			return nil, fmt.Errorf("%s: %w", ExtRateLimit, err)
		}
	}
	if cfg.Authentication != nil {
		// The denylist and the DPoP replay store are the shared ones: a
		// runtime building its own would start empty at each reload and
		// lose in-memory revocations, or accept a proof replayed across
		// the reload.
		ac := *cfg.Authentication
		ac.Denylist, ac.DPoPReplay = nil, nil
		rt, err := ac.Build(doc.SecuritySchemes, s.log)
		if err != nil {
			return nil, err
		}
		if s.shared.deny != nil {
			rt.UseDenylist(s.shared.deny, s.shared.denyFailOpen)
		}
		rt.UseDPoPReplay(s.shared.dpopReplay)
		// Certificate-bound tokens find the client certificate as the
		// mutualTLS schemes do, behind the same trusted proxies.
		rt.UseClientCertificates(conf.certHeaders)
		if err := rt.Check(doc.Operations); err != nil {
			_ = rt.Close()
			return nil, err
		}
		for _, op := range p.Ops {
			op.RefusesBodyToken = rt.RefusesQueryToken(op.Spec.Security)
		}
		for _, op := range rt.QueryTokenConflicts(doc.Operations) {
			p.Problems = append(p.Problems, op+" declares an access_token query parameter, but a token scheme protects it and access tokens in the query are refused (400): every call sending it is refused; send the token in Authorization")
		}
		if old := s.cur.Load(); old != nil && old.auth != nil {
			// A reload: the keys in force stay so while the new
			// sources refresh, even with the identity provider down.
			rt.InheritKeys(old.auth)
		}
		actx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c.auth, c.stop = rt, cancel
		rt.Start(actx)
	} else if secured(doc) {
		p.Problems = append(p.Problems, "the contract declares security requirements but the configuration has no authentication section: they are NOT enforced")
	}
	return c, nil
}

// close stops the contract's background work (JWKS refresh) and releases
// its connections.
func (c *contract) close() {
	if c == nil {
		return
	}
	if c.stop != nil {
		c.stop()
	}
	if c.auth != nil {
		_ = c.auth.Close()
	}
}

func (c *contract) ready() bool { return c != nil && (c.auth == nil || c.auth.Ready()) }

func secured(doc *spec.Document) bool {
	for _, op := range doc.Operations {
		if op.IsSecured() {
			return true
		}
	}
	return false
}

func hasOp(p *plan.Plan, key string) bool {
	for _, op := range p.Ops {
		if op.ID == key || op.Spec.Key() == key {
			return true
		}
	}
	return false
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func tightenMode(op *plan.Op, raw string, cur plan.Mode, resp, overrides bool, problem func(string, ...any)) plan.Mode {
	key := ExtMode
	if resp {
		key = ExtResponseMode
	}
	m, err := plan.ParseMode(raw, resp)
	if err != nil {
		problem("%s (global level) ignored: %v", key, err)
		return cur
	}
	if m >= cur || overrides {
		return m
	}
	problem("%s %q (global level) would loosen the configured %s mode and is ignored (set allow_spec_overrides to permit it)", key, raw, cur)
	return cur
}

func blRank(m string) int {
	switch m {
	case blacklist.ModeBlock:
		return 2
	case blacklist.ModeMonitor:
		return 1
	}
	return 0
}

func parseBlacklistExt(v any) (string, error) {
	switch x := v.(type) {
	case bool:
		if x {
			return blacklist.ModeBlock, nil
		}
		return "", nil
	case string:
		switch x {
		case "off":
			return "", nil
		case blacklist.ModeBlock, blacklist.ModeMonitor:
			return x, nil
		}
	}
	return "", fmt.Errorf("want block, monitor, off, true or false, not %v", v)
}

func parseRequiredExt(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case string:
		switch x {
		case "required":
			return true, nil
		case "optional", "off":
			return false, nil
		}
	}
	return false, fmt.Errorf("want required, optional, true or false, not %v", v)
}

func stringList(v any, field string) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%s: want a list of addresses or CIDR ranges", field)
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			return nil, fmt.Errorf("%s[%d]: want a string", field, i)
		}
		out = append(out, s)
	}
	return out, nil
}

func parseIPRules(v any) (clientip.Rules, error) {
	var r clientip.Rules
	m, ok := v.(map[string]any)
	if !ok {
		return r, errors.New("want an object with allow and/or deny lists")
	}
	for k := range m {
		if k != "allow" && k != "deny" {
			return r, fmt.Errorf("unknown key %q (want allow, deny)", k)
		}
	}
	var err error
	if r.Allow, err = stringList(m["allow"], "allow"); err != nil {
		return r, err
	}
	if r.Deny, err = stringList(m["deny"], "deny"); err != nil {
		return r, err
	}
	// Validate through the package so messages match the config file's.
	if _, err := clientip.New(clientip.Config{Operations: map[string]clientip.Rules{"x": r}}); err != nil {
		return r, errors.New(strings.ReplaceAll(err.Error(), "operations.x.", ""))
	}
	return r, nil
}

// parseRateLimits reads one limit object or a list of them:
//
//	x-rampart-rate-limit: {key: ip, rate: 10, period: 1m, burst: 5}
func parseRateLimits(v any) ([]ratelimit.Rule, error) {
	var items []any
	switch x := v.(type) {
	case []any:
		items = x
	case map[string]any:
		items = []any{x}
	default:
		return nil, errors.New("want a limit object or a list of them")
	}
	var out []ratelimit.Rule
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("[%d]: want an object", i)
		}
		r := ratelimit.Rule{Key: ratelimit.KeyIP, Scope: ratelimit.ScopeAPI}
		for k, val := range m {
			var err error
			switch k {
			case "name":
				r.Name, err = str(val)
			case "key":
				r.Key, err = str(val)
			case "rate":
				r.Rate, err = integer(val)
			case "burst":
				r.Burst, err = integer(val)
			case "period":
				var s string
				if s, err = str(val); err == nil {
					r.Period, err = time.ParseDuration(s)
				}
			default:
				err = fmt.Errorf("unknown key (want name, key, rate, period, burst)")
			}
			if err != nil {
				return nil, fmt.Errorf("[%d].%s: %v", i, k, err)
			}
		}
		// Check the rule alone, with a placeholder name when unnamed.
		probe := r
		if probe.Name == "" {
			probe.Name = "probe"
		}
		if err := (&ratelimit.Config{Rules: []ratelimit.Rule{probe}}).Validate(); err != nil {
			return nil, fmt.Errorf("[%d]: %s", i, strings.ReplaceAll(err.Error(), "rules[0] (probe).", ""))
		}
		out = append(out, r)
	}
	return out, nil
}

func str(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", errors.New("want a string")
	}
	return s, nil
}

func integer(v any) (int64, error) {
	var s string
	switch x := v.(type) {
	case interface{ String() string }: // json.Number
		s = x.String()
	case int:
		return int64(x), nil
	case int64:
		return x, nil
	case float64:
		s = fmt.Sprint(x)
	default:
		return 0, errors.New("want an integer")
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || fmt.Sprint(n) != s {
		return 0, errors.New("want an integer")
	}
	return n, nil
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// maxRuleName is the longest rule name the rate-limit configuration takes.
const maxRuleName = 64

// uniqueRuleName returns name, or when another rule has it, name with the
// first free "-2", "-3", ... suffix, the name cut to keep the result a
// valid rule name: a contract may reuse one name on any number of
// operations, each with its own counter. next remembers the last suffix
// tried per name, so n rules sharing a name cost n tries, not n squared.
func uniqueRuleName(name string, taken map[string]bool, next map[string]int) string {
	if !taken[name] {
		return name
	}
	for n := max(next[name], 2); ; n++ {
		suffix := "-" + strconv.Itoa(n)
		cand := name[:min(len(name), maxRuleName-len(suffix))] + suffix
		if !taken[cand] {
			next[name] = n + 1
			return cand
		}
	}
}

// specRuleName names a rate-limit rule from the contract; the name shows
// in RateLimit-Policy, so it says where the limit was declared.
func specRuleName(lvl string, so *spec.Operation, op *plan.Op, i int) string {
	var base string
	switch lvl {
	case "operation":
		base = "op." + op.ID
	case "path":
		base = "path." + so.Path
	default:
		base = "global"
	}
	base = safeName(base)
	if i > 0 {
		base += fmt.Sprintf(".%d", i)
	}
	return "spec." + cappedName(base)
}

// credentialRuleName names the default limit of a credential operation;
// the name shows in RateLimit-Policy, so a client refused there can tell
// it from the limits the configuration or the contract declare.
func credentialRuleName(op *plan.Op) string {
	return "credential." + cappedName(safeName(op.ID))
}

// safeName replaces what a rule name may not hold ("POST /login").
func safeName(s string) string {
	return strings.Trim(unsafeName.ReplaceAllString(s, "_"), "_.-")
}

// cappedName shortens a long name part to 48 characters, a hash of the
// whole keeping two long names apart, so a prefix and a uniqueness suffix
// still fit in a rule name.
func cappedName(s string) string {
	if len(s) <= 48 {
		return s
	}
	h := sha256.Sum256([]byte(s))
	return s[:40] + "." + hex.EncodeToString(h[:3])
}

// resolveRuleOperations copies the configuration's rules and adds, beside
// each "METHOD /path" an operations list holds, that operation's
// operationId. The limiter matches the id routing gives (the operationId
// when there is one), so without it a rule naming an operation by method
// and path, as the other per-operation settings may, would never apply.
func resolveRuleOperations(p *plan.Plan, rules []ratelimit.Rule) []ratelimit.Rule {
	out := slices.Clone(rules)
	for i := range out {
		var ops []string
		for _, key := range out[i].Operations {
			ops = append(ops, key)
			for _, op := range p.Ops {
				if op.Spec.Key() == key && op.ID != key {
					ops = append(ops, op.ID)
				}
			}
		}
		out[i].Operations = ops
	}
	return out
}

// ipRuleNames reports whether a configuration rule keyed by ip (its
// operations resolved by resolveRuleOperations) names the operation: that
// rule is the operation's own limit. A rule without a list covers the
// whole API, so it is not: 600 requests a minute for the whole API still
// lets 600 guesses through.
func ipRuleNames(rules []ratelimit.Rule, op *plan.Op) bool {
	for _, r := range rules {
		if r.Key == ratelimit.KeyIP && slices.Contains(r.Operations, op.ID) {
			return true
		}
	}
	return false
}

// skipPolicies builds, for each parameter and JSON body media type, what
// the blacklist may skip. A schema the builder cannot read gets no policy:
// everything there is checked.
func skipPolicies(doc *spec.Document, so *spec.Operation, o blacklist.SkipOptions) (map[string]*blacklist.SkipPolicy, map[string]*blacklist.SkipPolicy) {
	params := map[string]*blacklist.SkipPolicy{}
	for _, prm := range so.Parameters {
		if prm.Schema == nil {
			continue
		}
		if sp, err := blacklist.BuildSkipPolicyWith(doc, prm.Schema, o); err == nil {
			params[prm.In+"\x00"+prm.Name] = sp
		}
	}
	bodies := map[string]*blacklist.SkipPolicy{}
	if rb := so.RequestBody; rb != nil {
		for name, mt := range rb.Content {
			if mt.Schema == nil {
				continue
			}
			if sp, err := blacklist.BuildSkipPolicyWith(doc, mt.Schema, o); err == nil {
				bodies[strings.ToLower(name)] = sp
			}
		}
	}
	return params, bodies
}

// limiterCollector exposes the rate-limit metrics of the contract in force;
// the limiter is rebuilt with each contract, so its collectors cannot be
// registered once.
type limiterCollector struct{ s *Server }

func (limiterCollector) Describe(chan<- *prometheus.Desc) {}

func (l limiterCollector) Collect(ch chan<- prometheus.Metric) {
	c := l.s.cur.Load()
	if c == nil || c.limiter == nil {
		return
	}
	for _, col := range c.limiter.Collectors() {
		col.Collect(ch)
	}
}

// blacklistModeName names a blacklist mode as a spec writes it: the
// blacklist off is the empty mode.
func blacklistModeName(mode string) string {
	if mode == "" {
		return "off"
	}
	return mode
}
