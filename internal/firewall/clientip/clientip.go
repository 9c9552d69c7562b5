package clientip

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Header names accepted in Config.Header.
const (
	HeaderXFF       = "x-forwarded-for"
	HeaderForwarded = "forwarded"
)

// Reason codes for refused addresses (all answered with 403).
const (
	ReasonDenied     = "ip-denied"
	ReasonNotAllowed = "ip-not-allowed"
	ReasonUnknown    = "ip-unknown"
)

// maxHops bounds how many forwarding entries are examined, so a huge
// header costs a bounded amount of work. Real chains have a handful.
const maxHops = 32

// Config is the client-address and IP-rule configuration.
type Config struct {
	// TrustedProxies are the addresses or CIDR ranges of the proxies and
	// load balancers in front of the firewall. Forwarding headers are read
	// only when the direct peer is one of them.
	TrustedProxies []string `yaml:"trusted_proxies"`
	// Header is the forwarding header read from trusted proxies:
	// "x-forwarded-for" (default) or "forwarded" (RFC 7239).
	Header string `yaml:"header"`
	// Allow and Deny apply to every operation. Deny wins; when Allow is
	// not empty an address must match it.
	Allow []string `yaml:"allow"`
	Deny  []string `yaml:"deny"`
	// Operations adds lists for single operations, keyed by operationId
	// (or "METHOD /path" for operations without one). They apply on top
	// of the global lists: an address must pass both.
	Operations map[string]Rules `yaml:"operations"`
}

// Rules is an allow/deny pair of address or CIDR lists.
type Rules struct {
	Allow []string `yaml:"allow"`
	Deny  []string `yaml:"deny"`
}

// Validate reports every malformed entry, naming the list and position.
func (c *Config) Validate() error {
	var errs []error
	if _, err := parsePrefixes("trusted_proxies", c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	switch strings.ToLower(c.Header) {
	case "", HeaderXFF, HeaderForwarded:
	default:
		errs = append(errs, fmt.Errorf("header: %q is not supported (want %q or %q)", c.Header, HeaderXFF, HeaderForwarded))
	}
	if _, err := compileRules("", Rules{Allow: c.Allow, Deny: c.Deny}); err != nil {
		errs = append(errs, err)
	}
	for op, r := range c.Operations {
		if op == "" {
			errs = append(errs, errors.New("operations: empty operation key"))
		}
		if _, err := compileRules("operations."+op+".", r); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// parsePrefixes accepts single addresses ("10.0.0.1", "::1") and CIDR
// ranges ("10.0.0.0/8"). A range with host bits set ("10.0.0.1/8") is
// refused: it is almost always a typo for something narrower or wider.
func parsePrefixes(field string, in []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for i, s := range in {
		s = strings.TrimSpace(s)
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s[%d]: %q is not a CIDR range: %v", field, i, s, err))
				continue
			}
			if p.Masked() != p {
				errs = append(errs, fmt.Errorf("%s[%d]: %q has host bits set (did you mean %s?)", field, i, s, p.Masked()))
				continue
			}
			if p.Addr().Is4In6() {
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s[%d]: %q is not an IP address or CIDR range", field, i, s))
			continue
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, errors.Join(errs...)
}

type compiledRules struct {
	allow, deny []netip.Prefix
}

func compileRules(prefix string, r Rules) (compiledRules, error) {
	a, err1 := parsePrefixes(prefix+"allow", r.Allow)
	d, err2 := parsePrefixes(prefix+"deny", r.Deny)
	return compiledRules{allow: a, deny: d}, errors.Join(err1, err2)
}

func contains(list []netip.Prefix, a netip.Addr) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Policy is a compiled Config. It is safe for concurrent use.
type Policy struct {
	trusted   []netip.Prefix
	forwarded bool
	global    compiledRules
	ops       map[string]compiledRules
}

// New validates and compiles a configuration.
func New(c Config) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("ip rules: %w", err)
	}
	p := &Policy{forwarded: strings.EqualFold(c.Header, HeaderForwarded), ops: map[string]compiledRules{}}
	p.trusted, _ = parsePrefixes("", c.TrustedProxies)
	p.global, _ = compileRules("", Rules{Allow: c.Allow, Deny: c.Deny})
	for op, r := range c.Operations {
		p.ops[op], _ = compileRules("", r)
	}
	return p, nil
}

// Source says where a resolved address came from.
type Source string

// Sources.
const (
	SourcePeer      Source = "peer"
	SourceXFF       Source = "x-forwarded-for"
	SourceForwarded Source = "forwarded"
)

// Result is a resolved client address.
type Result struct {
	Addr netip.Addr
	// Peer is the direct TCP peer.
	Peer   netip.Addr
	Source Source
	// Incomplete is set when a trusted proxy reported a client it could
	// not name (Forwarded "for=unknown", an obfuscated identifier, or a
	// malformed entry). Addr is then that proxy's address: the nearest
	// hop that is known.
	Incomplete bool
}

// PeerAddr parses http.Request.RemoteAddr ("ip:port", "[v6]:port", or a
// bare address), unmapping IPv4-in-IPv6 so that rules written as IPv4
// match. It returns the zero Addr when the value cannot be parsed.
func PeerAddr(remote string) netip.Addr {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	host := remote
	if h, _, err := net.SplitHostPort(remote); err == nil {
		host = h
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

func (p *Policy) isTrusted(a netip.Addr) bool { return a.IsValid() && contains(p.trusted, a) }

// FromTrustedProxy reports whether the direct peer of r is a trusted
// proxy, whose forwarding fields are its own statements rather than the
// client's.
func (p *Policy) FromTrustedProxy(r *http.Request) bool {
	return p.isTrusted(PeerAddr(r.RemoteAddr))
}

// Resolve finds the client address of r.
func (p *Policy) Resolve(r *http.Request) Result {
	peer := PeerAddr(r.RemoteAddr)
	res := Result{Addr: peer, Peer: peer, Source: SourcePeer}
	if !p.isTrusted(peer) {
		return res
	}
	var hops []hop
	src := SourceXFF
	if p.forwarded {
		src = SourceForwarded
		hops = forwardedHops(r.Header.Values("Forwarded"))
	} else {
		hops = xffHops(r.Header.Values("X-Forwarded-For"))
	}
	// Walk from the nearest hop outwards. Each entry was appended by the
	// hop to its right, which we trust for as long as that hop is one of
	// our proxies.
	for i := len(hops) - 1; i >= 0 && len(hops)-i <= maxHops; i-- {
		h := hops[i]
		if !h.addr.IsValid() {
			res.Incomplete = true
			res.Source = src
			return res
		}
		res.Addr, res.Source = h.addr, src
		if !p.isTrusted(h.addr) {
			return res
		}
	}
	// Every hop was a trusted proxy (or the chain was longer than we
	// walk): the leftmost examined address is the best we know.
	return res
}

// IsTLS reports whether the client's connection used TLS: r.TLS for a
// direct connection; for a request from a trusted proxy, the proxy's
// X-Forwarded-Proto (or Forwarded proto= when that header is configured).
func (p *Policy) IsTLS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	if !p.isTrusted(PeerAddr(r.RemoteAddr)) {
		return false
	}
	if p.forwarded {
		lines := r.Header.Values("Forwarded")
		if len(lines) == 0 {
			return false
		}
		// The last element was added by the nearest (trusted) proxy.
		els := forwardedElements(lines[len(lines)-1])
		last := els[len(els)-1]
		if _, open := splitQuoted(last, ','); open {
			return false
		}
		pairs, _ := splitQuoted(last, ';')
		for _, pair := range pairs {
			k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(k, "proto") {
				return strings.EqualFold(unquote(v), "https")
			}
		}
		return false
	}
	vals := strings.Split(strings.Join(r.Header.Values("X-Forwarded-Proto"), ","), ",")
	return strings.EqualFold(strings.TrimSpace(vals[len(vals)-1]), "https")
}

// Decision is the outcome of Check.
type Decision struct {
	Allowed bool
	// Reason is the reason code when refused (403).
	Reason string
	// Rule names the list that decided: "deny", "allow",
	// "operations.<op>.deny", ...
	Rule string
}

// Check applies the global lists and, when operation is not empty, that
// operation's lists. Deny lists win over allow lists.
func (p *Policy) Check(a netip.Addr, operation string) Decision {
	if d := checkRules(p.global, a, ""); !d.Allowed {
		return d
	}
	if operation != "" {
		if r, ok := p.ops[operation]; ok {
			return checkRules(r, a, "operations."+operation+".")
		}
	}
	return Decision{Allowed: true}
}

func checkRules(r compiledRules, a netip.Addr, prefix string) Decision {
	if !a.IsValid() {
		if len(r.allow) > 0 {
			return Decision{Reason: ReasonUnknown, Rule: prefix + "allow"}
		}
		return Decision{Allowed: true}
	}
	a = a.Unmap().WithZone("")
	if contains(r.deny, a) {
		return Decision{Reason: ReasonDenied, Rule: prefix + "deny"}
	}
	if len(r.allow) > 0 && !contains(r.allow, a) {
		return Decision{Reason: ReasonNotAllowed, Rule: prefix + "allow"}
	}
	return Decision{Allowed: true}
}

// HasOperationRules reports whether an operation has lists of its own, so
// a stage can skip the second check when it has none.
func (p *Policy) HasOperationRules(operation string) bool {
	_, ok := p.ops[operation]
	return ok
}
