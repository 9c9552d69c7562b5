package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/spec"
)

// handshakeTimeout bounds each TLS handshake of the transport checks.
const handshakeTimeout = 5 * time.Second

// expirySoon is how close to expiry a certificate gets flagged.
const expirySoon = 30 * 24 * time.Hour

// errCertificate stops a scan whose target certificate does not verify
// (unless --insecure): the scan would send credentials over it.
var errCertificate = errors.New("the target's TLS certificate does not verify (see the scan-tls-certificate finding; pass --ca-cert for a private CA, or --insecure)")

// transport checks an https target with its own TLS handshakes: protocol
// versions, weak cipher suites, the certificate (chain, host name,
// validity, expiry), HSTS, and whether plain HTTP redirects to HTTPS. It
// returns false when the certificate does not verify and the scan must
// not go on.
func (e *engine) transport(ctx context.Context) bool {
	host := e.base.Hostname()
	port := e.base.Port()
	if port == "" {
		port = "443"
	}
	addr := net.JoinHostPort(host, port)
	hs := func(min, maxV uint16, suites []uint16) (*tls.ConnectionState, error) {
		e.stats["tls_handshakes"]++
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: handshakeTimeout},
			Config: &tls.Config{ServerName: host, MinVersion: min, MaxVersion: maxV, CipherSuites: suites, InsecureSkipVerify: true}} // #nosec G402 -- the chain is verified below, separately, to report every problem
		hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
		defer cancel()
		c, err := d.DialContext(hctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		defer c.Close()
		st := c.(*tls.Conn).ConnectionState()
		return &st, nil
	}
	at := spec.NodeRef{}
	ok := true

	// Certificate.
	st, err := hs(tls.VersionTLS12, tls.VersionTLS13, nil)
	if err != nil {
		st, err = hs(tls.VersionTLS10, tls.VersionTLS13, allSuites())
	}
	if err != nil {
		e.addAt(RuleTLSCertificate, "", at, "tls-handshake", fmt.Sprintf("No TLS handshake with %s succeeded: %v.", addr, err),
			"a TLS 1.2+ handshake", err.Error())
		e.stopped = fmt.Errorf("no TLS handshake with %s: %w", addr, err)
		return false
	}
	if len(st.PeerCertificates) > 0 {
		leaf := st.PeerCertificates[0]
		inter := x509.NewCertPool()
		for _, c := range st.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		now := time.Now()
		var problems []string
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: e.opts.RootCAs, Intermediates: inter, CurrentTime: now}); err != nil {
			problems = append(problems, "chain: "+certErr(err))
		}
		if err := leaf.VerifyHostname(host); err != nil {
			problems = append(problems, "host name: "+err.Error())
		}
		if len(problems) > 0 {
			e.addAt(RuleTLSCertificate, "", at, "certificate",
				fmt.Sprintf("The certificate of %s (subject %q, issuer %q) does not verify: %s.", addr, leaf.Subject.String(), leaf.Issuer.String(), strings.Join(problems, "; ")),
				"a certificate from a trusted CA, naming "+host+", within its validity", strings.Join(problems, "; "))
			if !e.opts.Insecure {
				ok = false
			}
		}
		if left := leaf.NotAfter.Sub(now); left > 0 && left < expirySoon {
			e.addAt(RuleTLSExpiry, "", at, "expiry",
				fmt.Sprintf("The certificate of %s expires on %s (in %d days).", addr, leaf.NotAfter.UTC().Format("2006-01-02"), int(left.Hours()/24)),
				"more than 30 days of validity", leaf.NotAfter.UTC().Format(time.RFC3339))
		}
	}

	// Protocol versions.
	var legacy []string
	for _, v := range []uint16{tls.VersionTLS10, tls.VersionTLS11} {
		if ctx.Err() != nil {
			return false
		}
		if _, err := hs(v, v, allSuites()); err == nil {
			legacy = append(legacy, tls.VersionName(v))
		}
	}
	if len(legacy) > 0 {
		e.addAt(RuleTLSVersion, "", at, "tls-version",
			fmt.Sprintf("%s completes handshakes with %s.", addr, strings.Join(legacy, " and ")),
			"TLS 1.2 and 1.3 only", "accepted: "+strings.Join(legacy, ", "))
	}

	// Cipher suites, one handshake each, TLS 1.2 at most (TLS 1.3 suites
	// are all strong and not configurable).
	var weak []string
	for _, s := range weakSuites() {
		if ctx.Err() != nil {
			return false
		}
		if st, err := hs(tls.VersionTLS10, tls.VersionTLS12, []uint16{s.ID}); err == nil && st.CipherSuite == s.ID {
			weak = append(weak, s.Name)
		}
	}
	if len(weak) > 0 {
		e.addAt(RuleTLSCipher, "", at, "tls-cipher",
			fmt.Sprintf("%s negotiates %d weak cipher suite(s): %s.", addr, len(weak), strings.Join(weak, ", ")),
			"ECDHE with AES-GCM or ChaCha20-Poly1305 only", strings.Join(weak, ", "))
	}

	// HSTS and the plain-HTTP redirect, without credentials.
	hc := &http.Client{Timeout: handshakeTimeout,
		Transport:     &http.Transport{Proxy: nil, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, // #nosec G402 -- no credentials are sent; the certificate is judged above
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer hc.CloseIdleConnections()
	get := func(u string) (*exchange, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "rampart-scan")
		e.stats["transport_requests"]++
		start := time.Now()
		resp, err := hc.Do(req)
		if err != nil {
			return nil, err
		}
		resp.Body.Close()
		return &exchange{Label: "transport check", Method: http.MethodGet, URL: u, Header: req.Header, Status: resp.StatusCode,
			RespHead: resp.Header, Duration: time.Since(start)}, nil
	}
	if x, err := get(withoutQuery(e.base).String()); err == nil {
		if !strings.Contains(strings.ToLower(x.RespHead.Get("Strict-Transport-Security")), "max-age=") ||
			strings.Contains(strings.ToLower(x.RespHead.Get("Strict-Transport-Security")), "max-age=0") {
			e.addAt(RuleHSTS, "", at, "hsts", fmt.Sprintf("HTTPS responses of %s carry no Strict-Transport-Security header.", addr),
				"Strict-Transport-Security: max-age=31536000", "Strict-Transport-Security: "+quoteOrMissing(x.RespHead.Get("Strict-Transport-Security")), x)
		}
	}
	if e.opts.NoPlainHTTP {
		return e.transportVerdict(ok)
	}
	plain := plainHTTPURL(e.base, e.opts.HTTPURL)
	if x, err := get(plain); err == nil {
		loc := x.RespHead.Get("Location")
		redirected := x.Status >= 300 && x.Status < 400 && strings.HasPrefix(strings.ToLower(loc), "https://")
		if !redirected {
			e.addAt(RuleHTTPSRedirect, "", at, "https-redirect",
				fmt.Sprintf("%s answered %d over plain HTTP instead of redirecting to HTTPS.", plain, x.Status),
				"301/308 to https://", fmt.Sprintf("%d%s", x.Status, map[bool]string{true: ", Location: " + loc, false: ""}[loc != ""]), x)
		}
	} else {
		e.stats["plain_http_closed"]++
	}
	return e.transportVerdict(ok)
}

// transportVerdict stops the scan when the certificate did not verify.
func (e *engine) transportVerdict(ok bool) bool {
	if !ok {
		e.stopped = errCertificate
	}
	return ok
}

// plainHTTPURL is the URL whose redirect to HTTPS is checked: --http-url
// when given, else the target URL's path with http:// on the default port
// 80 of the target's host, where a server that also listens in plain text
// usually does. It is the one request of a scan outside the target's
// origin, on the same host (docs/scan.md, "Target and scope"). The
// target's query is left out: it may carry a key
// (https://host/api?api_key=...), and this request travels in clear
// text; a redirect to HTTPS does not depend on it.
func plainHTTPURL(base *url.URL, override string) string {
	if override != "" {
		return override
	}
	u := withoutQuery(base)
	host := base.Hostname()
	u.Scheme, u.Host = "http", host
	if strings.Contains(host, ":") {
		u.Host = "[" + host + "]"
	}
	return u.String()
}

// withoutQuery copies u without its query and fragment. The transport
// checks send no credentials, and a query may hold one; the HSTS check
// in particular runs before the scan stops on a certificate that does
// not verify, so it may be talking to someone else.
func withoutQuery(u *url.URL) *url.URL {
	c := *u
	c.RawQuery, c.ForceQuery, c.Fragment, c.RawFragment = "", false, "", ""
	return &c
}

func certErr(err error) string {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &ua):
		return "signed by an unknown authority"
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return "expired or not yet valid"
	}
	return err.Error()
}

// allSuites lists every suite Go implements, so legacy-version handshakes
// are not refused for want of a suite the server has.
func allSuites() []uint16 {
	var out []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		out = append(out, s.ID)
	}
	return out
}

// weakSuites are the TLS 1.2-and-below suites without forward secrecy
// (RSA key exchange) or with CBC, 3DES or RC4.
func weakSuites() []*tls.CipherSuite {
	var out []*tls.CipherSuite
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		tls13 := false
		for _, v := range s.SupportedVersions {
			tls13 = tls13 || v == tls.VersionTLS13
		}
		if tls13 {
			continue
		}
		n := s.Name
		if s.Insecure || strings.Contains(n, "_CBC_") || strings.Contains(n, "RC4") || strings.Contains(n, "3DES") || strings.HasPrefix(n, "TLS_RSA_") {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
