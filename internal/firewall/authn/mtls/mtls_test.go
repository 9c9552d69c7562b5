package mtls

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

type issued struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func issue(t *testing.T, cn string, parent *issued, isCA bool, eku x509.ExtKeyUsage) issued {
	t.Helper()
	return issueKU(t, cn, parent, isCA, eku, x509.KeyUsageDigitalSignature|x509.KeyUsageCertSign)
}

func issueKU(t *testing.T, cn string, parent *issued, isCA bool, eku x509.ExtKeyUsage, ku x509.KeyUsage) issued {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IsCA:         isCA, BasicConstraintsValid: true,
		KeyUsage: ku,
	}
	if !isCA {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{eku}
	}
	signer, parentCert := key, tmpl
	if parent != nil {
		signer, parentCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parentCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return issued{cert: c, key: key}
}

func TestClientCertificates(t *testing.T) {
	ca := issue(t, "clients CA", nil, true, 0)
	otherCA := issue(t, "other CA", nil, true, 0)
	good := issue(t, "svc-a", &ca, false, x509.ExtKeyUsageClientAuth)
	serverOnly := issue(t, "svc-b", &ca, false, x509.ExtKeyUsageServerAuth)
	foreign := issue(t, "svc-c", &otherCA, false, x509.ExtKeyUsageClientAuth)
	encipherOnly := issueKU(t, "svc-d", &ca, false, x509.ExtKeyUsageClientAuth, x509.KeyUsageDataEncipherment)
	noKeyUsage := issueKU(t, "svc-a", &ca, false, x509.ExtKeyUsageClientAuth, 0)
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)

	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}

	// A real TLS listener on loopback: the certificate comes from the
	// handshake; the Client-Cert header comes only from a trusted peer.
	run := func(proxies []netip.Prefix, client *issued, header *issued) (int, string) {
		v := NewWithPool(pool, proxies)
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := v.Verify(r)
			switch {
			case errors.Is(err, ErrNoCert):
				w.WriteHeader(401)
			case err != nil:
				w.WriteHeader(403)
			default:
				w.Header().Set("X-CN", c.Subject.CommonName)
			}
		}))
		srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
		srv.StartTLS()
		defer srv.Close()
		tr := srv.Client().Transport.(*http.Transport).Clone()
		if client != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{{Certificate: [][]byte{client.cert.Raw}, PrivateKey: client.key}}
		}
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if header != nil {
			req.Header.Set(HeaderCert, EncodeHeader(header.cert))
		}
		resp, err := (&http.Client{Transport: tr}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("X-CN")
	}
	tests := []struct {
		name    string
		proxies []netip.Prefix
		client  *issued
		header  *issued
		status  int
	}{
		{"TLS client cert from the CA", nil, &good, nil, 200},
		{"no cert", nil, nil, nil, 401},
		{"cert from another CA", nil, &foreign, nil, 403},
		{"cert without clientAuth usage", nil, &serverOnly, nil, 403},
		{"cert whose key usage forbids signing", nil, &encipherOnly, nil, 403},
		{"forwarded cert whose key usage forbids signing", loopback, nil, &encipherOnly, 403},
		{"cert without a key usage extension (unrestricted)", nil, &noKeyUsage, nil, 200},
		{"Client-Cert from a trusted proxy", loopback, nil, &good, 200},
		{"Client-Cert from an untrusted peer is ignored", elsewhere, nil, &good, 401},
		// When TLS ends at a trusted proxy, the certificate of the
		// connection is the proxy's own, not the client's.
		{"a trusted proxy's own TLS cert is not the client's", loopback, &good, nil, 401},
		{"from a trusted proxy the header wins over its TLS cert", loopback, &foreign, &good, 200},
		{"from an untrusted peer the TLS cert counts, the header not", elsewhere, &foreign, &good, 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, cn := run(tc.proxies, tc.client, tc.header)
			if status != tc.status {
				t.Fatalf("status = %d, want %d", status, tc.status)
			}
			if status == 200 && cn != "svc-a" {
				t.Errorf("CN = %q", cn)
			}
		})
	}
}

func TestBinding(t *testing.T) {
	ca := issue(t, "ca", nil, true, 0)
	a := issue(t, "a", &ca, false, x509.ExtKeyUsageClientAuth)
	b := issue(t, "b", &ca, false, x509.ExtKeyUsageClientAuth)
	cnf := map[string]any{"x5t#S256": Thumbprint(a.cert)}
	if err := CheckBinding(a.cert, cnf); err != nil {
		t.Fatalf("own cert: %v", err)
	}
	if err := CheckBinding(b.cert, cnf); !errors.Is(err, ErrBinding) {
		t.Fatalf("other cert: %v", err)
	}
	if err := CheckBinding(nil, cnf); !errors.Is(err, ErrBinding) {
		t.Fatalf("no cert: %v", err)
	}
	if err := CheckBinding(a.cert, map[string]any{}); !errors.Is(err, ErrNotBoundCnf) {
		t.Fatalf("no cnf: %v", err)
	}
}

func TestMalformedHeader(t *testing.T) {
	v := NewWithPool(x509.NewCertPool(), []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")})
	for _, h := range []string{"not-sf-binary", ":!!!:", ":AAAA:"} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "192.0.2.1:1234"
		r.Header.Set(HeaderCert, h)
		if _, _, err := v.ClientCert(r); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: err = %v, want ErrMalformed", h, err)
		}
	}
}

// RFC 8941 byte sequences may come without their '=' padding (section
// 4.2.7: parsers should not fail on it); other alphabets stay malformed.
func TestHeaderPadding(t *testing.T) {
	ca := issue(t, "ca", nil, true, 0)
	// ECDSA signatures vary in length: issue until the DER's base64 is
	// padded.
	var good issued
	for i := 0; i < 50 && (good.cert == nil || len(good.cert.Raw)%3 == 0); i++ {
		good = issue(t, "a", &ca, false, x509.ExtKeyUsageClientAuth)
	}
	v := NewWithPool(x509.NewCertPool(), []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")})
	padded := EncodeHeader(good.cert)
	if !strings.HasSuffix(padded, "=:") {
		t.Fatalf("the test certificate's encoding has no padding: %s", padded)
	}
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"padded", padded, true},
		{"unpadded", strings.ReplaceAll(padded, "=", ""), true},
		{"url-safe alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(padded), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "192.0.2.1:1234"
			r.Header.Set(HeaderCert, tc.value)
			leaf, _, err := v.ClientCert(r)
			if tc.ok && (err != nil || !leaf.Equal(good.cert)) {
				t.Fatalf("err = %v", err)
			}
			if !tc.ok && !errors.Is(err, ErrMalformed) {
				t.Fatalf("err = %v, want ErrMalformed", err)
			}
		})
	}
}
