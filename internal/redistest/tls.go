package redistest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TLSServer is a redis-server that speaks TLS only.
type TLSServer struct {
	Addr string // 127.0.0.1:port
	// CAFile is the PEM file of the throwaway CA that signed the server's
	// certificate, which names 127.0.0.1 only: a client that reaches it
	// as localhost must refuse it.
	CAFile string
	// Stop stops the server early; it also stops when the test ends.
	Stop func()
	// Clients are the ways a client reaches the server, for table tests:
	// over TLS trusting its CA (the one that works), over TLS trusting
	// another CA, and over plain TCP.
	Clients []TLSClient
}

// TLSClient is one way a client reaches a TLSServer.
type TLSClient struct {
	Name   string
	TLS    bool
	CAFile string // the only CA the client trusts; "" for plain TCP
	Works  bool
}

// Timeout is the timeout to give the client in a test whose failures must
// come within short: the client that works gets seconds, so that a first
// handshake slowed by a loaded machine or the race detector is not taken
// for a failure.
func (c TLSClient) Timeout(short time.Duration) time.Duration {
	if c.Works {
		return 5 * time.Second
	}
	return short
}

// StartTLS runs redis-server with TLS on its only port (no plain TCP
// listener) and no client certificates asked for. Its certificate is
// made in the test by a CA of its own. The test is skipped when
// redis-server is not installed or was built without TLS.
func StartTLS(t testing.TB) TLSServer {
	t.Helper()
	dir := t.TempDir()
	ca, caKey := newCA(t, "redistest CA")
	caFile := writePEM(t, dir, "ca.pem", "CERTIFICATE", ca.Raw)
	cert, key := issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}, ca, caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	stop := run(t, "--port", "0", "--tls-port", port,
		"--tls-cert-file", writePEM(t, dir, "server.pem", "CERTIFICATE", cert.Raw),
		"--tls-key-file", writePEM(t, dir, "server-key.pem", "PRIVATE KEY", keyDER),
		"--tls-ca-cert-file", caFile,
		"--tls-auth-clients", "no")
	return TLSServer{Addr: "127.0.0.1:" + port, CAFile: caFile, Stop: stop, Clients: []TLSClient{
		{Name: "the server's CA", TLS: true, CAFile: caFile, Works: true},
		{Name: "another CA", TLS: true, CAFile: OtherCAFile(t)},
		{Name: "plain TCP to the TLS port"},
	}}
}

// OtherCAFile returns the PEM file of a CA that signed nothing: a client
// that trusts it alone must refuse every server of StartTLS.
func OtherCAFile(t testing.TB) string {
	t.Helper()
	ca, _ := newCA(t, "redistest other CA")
	return writePEM(t, t.TempDir(), "other-ca.pem", "CERTIFICATE", ca.Raw)
}

// newCA makes a self-signed CA.
func newCA(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	return issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: name},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}, nil, nil)
}

// issue makes a P-256 key and its certificate from tmpl, valid for a day
// and signed by parent (self-signed when parent is nil).
func issue(t testing.TB, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64)); err != nil {
		t.Fatal(err)
	}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// writePEM writes one PEM block to dir/name, readable by its owner only,
// and returns the path.
func writePEM(t testing.TB, dir, name, typ string, der []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
