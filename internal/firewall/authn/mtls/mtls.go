// Package mtls finds and verifies the client certificate of a request and
// checks certificate-bound access tokens (RFC 8705).
//
// The certificate comes from the TLS connection when TLS ends at the
// firewall. When TLS ends at a proxy in front of it, the proxy passes the
// certificate in the RFC 9440 Client-Cert header; that header is believed
// only when the direct peer is a configured trusted proxy, since anybody
// else could write it.
package mtls

import (
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"
)

// Config is the YAML configuration.
type Config struct {
	// CAFile is a PEM bundle of the CAs that issue client certificates.
	CAFile string `yaml:"ca_file"`
	// TrustedProxies are CIDRs of proxies allowed to pass the certificate
	// in Client-Cert / Client-Cert-Chain.
	TrustedProxies []string `yaml:"trusted_proxies,omitempty"`
}

// Validate reports configuration mistakes.
func (c *Config) Validate() error {
	var errs []error
	if c.CAFile == "" {
		errs = append(errs, errors.New("mtls.ca_file is required"))
	}
	for _, p := range c.TrustedProxies {
		if _, err := parsePrefix(p); err != nil {
			errs = append(errs, fmt.Errorf("mtls.trusted_proxies: %w", err))
		}
	}
	return errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
		}
		return netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
	}
	return p.Masked(), nil
}

// ParseTrustedProxies reads a trusted_proxies list (addresses or CIDRs).
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Errors a caller may test for.
var (
	ErrNoCert      = errors.New("no client certificate")
	ErrUntrusted   = errors.New("client certificate not trusted")
	ErrMalformed   = errors.New("malformed Client-Cert header")
	ErrBinding     = errors.New("token is not bound to this client certificate")
	ErrNotBoundCnf = errors.New("token has no x5t#S256 confirmation")
)

// Headers of RFC 9440.
const (
	HeaderCert  = "Client-Cert"
	HeaderChain = "Client-Cert-Chain"
)

// Verifier is safe for concurrent use.
type Verifier struct {
	roots   *x509.CertPool
	proxies []netip.Prefix
	Now     func() time.Time
}

// New loads the CA bundle.
func New(c Config) (*Verifier, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(c.CAFile)
	if err != nil {
		return nil, fmt.Errorf("mtls.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("mtls.ca_file %s: no PEM certificates", c.CAFile)
	}
	v := &Verifier{roots: pool, Now: time.Now}
	for _, p := range c.TrustedProxies {
		pp, _ := parsePrefix(p)
		v.proxies = append(v.proxies, pp)
	}
	return v, nil
}

// NewWithPool is New with an already loaded pool.
func NewWithPool(roots *x509.CertPool, trustedProxies []netip.Prefix) *Verifier {
	return &Verifier{roots: roots, proxies: trustedProxies, Now: time.Now}
}

// TrustedProxies are the peers this verifier takes for TLS-terminating
// proxies.
func (v *Verifier) TrustedProxies() []netip.Prefix {
	return append([]netip.Prefix(nil), v.proxies...)
}

// WithTrustedProxies is a copy of v that also takes the peers in extra for
// TLS-terminating proxies, so that their own TLS certificate is never
// taken for a client's. The copy shares v's CA bundle.
func (v *Verifier) WithTrustedProxies(extra []netip.Prefix) *Verifier {
	cp := *v
	cp.proxies = append([]netip.Prefix(nil), v.proxies...)
	for _, p := range extra {
		if !slices.Contains(cp.proxies, p) {
			cp.proxies = append(cp.proxies, p)
		}
	}
	return &cp
}

// FromTrustedProxy reports whether the direct peer is a trusted proxy.
func (v *Verifier) FromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range v.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientCert returns the leaf certificate and any intermediates. From a
// trusted proxy, TLS ended there: the client's certificate is the one the
// RFC 9440 headers carry, and the connection's own certificate, if any, is
// the proxy's, never taken for the client's (else every client behind a
// proxy holding a certificate from the CA would pass). From anybody else
// the connection's certificate counts and the headers are ignored (the
// pipeline strips them before forwarding, see StripUntrusted).
func (v *Verifier) ClientCert(r *http.Request) (*x509.Certificate, []*x509.Certificate, error) {
	if !v.FromTrustedProxy(r) {
		if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			return r.TLS.PeerCertificates[0], r.TLS.PeerCertificates[1:], nil
		}
		return nil, nil, ErrNoCert
	}
	hv := r.Header.Values(HeaderCert)
	if len(hv) == 0 {
		return nil, nil, ErrNoCert
	}
	if len(hv) > 1 {
		return nil, nil, fmt.Errorf("%w: several Client-Cert fields", ErrMalformed)
	}
	der, err := sfBinary(hv[0])
	if err != nil {
		return nil, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	var chain []*x509.Certificate
	for _, line := range r.Header.Values(HeaderChain) {
		for _, item := range strings.Split(line, ",") {
			der, err := sfBinary(item)
			if err != nil {
				return nil, nil, err
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: chain: %v", ErrMalformed, err)
			}
			chain = append(chain, c)
			if len(chain) > 8 {
				return nil, nil, fmt.Errorf("%w: chain too long", ErrMalformed)
			}
		}
	}
	return leaf, chain, nil
}

// StripUntrusted removes RFC 9440 headers a client wrote itself, so the
// upstream never sees a forged certificate.
func (v *Verifier) StripUntrusted(r *http.Request) {
	if !v.FromTrustedProxy(r) {
		r.Header.Del(HeaderCert)
		r.Header.Del(HeaderChain)
	}
}

// sfBinary decodes an RFC 8941 byte sequence ":base64:".
func sfBinary(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != ':' || s[len(s)-1] != ':' {
		return nil, fmt.Errorf("%w: not a structured-field byte sequence", ErrMalformed)
	}
	// RFC 8941 section 4.2.7: a parser should not fail when the '='
	// padding is left out, so it is optional here.
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s[1:len(s)-1], "="))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return b, nil
}

// EncodeHeader is the RFC 9440 field value for a certificate.
func EncodeHeader(cert *x509.Certificate) string {
	return ":" + base64.StdEncoding.EncodeToString(cert.Raw) + ":"
}

// Verify returns the request's client certificate verified against the
// CA bundle for client authentication.
func (v *Verifier) Verify(r *http.Request) (*x509.Certificate, error) {
	leaf, chain, err := v.ClientCert(r)
	if err != nil {
		return nil, err
	}
	inter := x509.NewCertPool()
	for _, c := range chain {
		inter.AddCert(c)
	}
	_, err = leaf.Verify(x509.VerifyOptions{
		Roots:         v.roots,
		Intermediates: inter,
		CurrentTime:   v.Now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUntrusted, err)
	}
	// TLS client authentication is a signature by the certificate's key;
	// a certificate whose key usage (RFC 5280 section 4.2.1.3) does not
	// allow signing is not fit for it, as openssl's sslclient purpose
	// says too. crypto/x509 checks the extended key usage only.
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return nil, fmt.Errorf("%w: the certificate's key usage does not allow digital signatures", ErrUntrusted)
	}
	return leaf, nil
}

// Thumbprint is the RFC 8705 x5t#S256 value of a certificate.
func Thumbprint(cert *x509.Certificate) string {
	s := sha256.Sum256(cert.Raw)
	return base64.RawURLEncoding.EncodeToString(s[:])
}

// CheckBinding verifies that a token's cnf claim names this certificate.
func CheckBinding(cert *x509.Certificate, cnf map[string]any) error {
	want, _ := cnf["x5t#S256"].(string)
	if want == "" {
		return ErrNotBoundCnf
	}
	if cert == nil {
		return fmt.Errorf("%w: no client certificate presented", ErrBinding)
	}
	if subtle.ConstantTimeCompare([]byte(Thumbprint(cert)), []byte(want)) != 1 {
		return ErrBinding
	}
	return nil
}
