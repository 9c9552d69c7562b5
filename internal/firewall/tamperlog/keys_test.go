package tamperlog

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A key given in the wrong place is named, not reported as an ASN.1
// error: the public key of the pair as signing_key, a key of another
// algorithm, a private key given to verify.
func TestKeyMistakes(t *testing.T) {
	edPub, edPriv := newKey(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	must := func(der []byte, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	block := func(typ string, der []byte) []byte {
		return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
	}
	edPubPEM := block("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(edPub)))
	edPrivPEM := block("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(edPriv)))
	rsaPKCS8 := block("PRIVATE KEY", must(x509.MarshalPKCS8PrivateKey(rsaKey)))
	rsaPKCS1 := block("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey))
	rsaPub := block("PUBLIC KEY", must(x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)))
	ecSEC1 := block("EC PRIVATE KEY", must(x509.MarshalECPrivateKey(ecKey)))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "audit"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	cert := block("CERTIFICATE", must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, edPub, edPriv)))
	ssh := block("OPENSSH PRIVATE KEY", []byte("openssh-key-v1\x00 not DER"))
	encrypted := block("ENCRYPTED PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00})
	junk := block("PRIVATE KEY", []byte{0x30, 0x03, 0x02, 0x01, 0x00})

	tests := []struct {
		name string
		data []byte
		// private: parsed as a signing key, else as a verification key.
		private bool
		want    string // "" = accepted
	}{
		{"signing key", edPrivPEM, true, ""},
		{"verification key", edPubPEM, false, ""},
		{"public key as signing key", edPubPEM, true, "this is a public key; signing takes the Ed25519 private key (verification takes the public one)"},
		{"public key labelled as private", block("PRIVATE KEY", must(x509.MarshalPKIXPublicKey(edPub))), true, "this is a public key"},
		{"RSA key in PKCS #8", rsaPKCS8, true, "this is an RSA private key; the audit log is signed with Ed25519"},
		{"RSA key in PKCS #1", rsaPKCS1, true, "this is an RSA private key; the audit log is signed with Ed25519"},
		{"RSA public key as signing key", rsaPub, true, "this is an RSA public key; the audit log is signed with Ed25519"},
		{"ECDSA key", ecSEC1, true, "this is an ECDSA private key; the audit log is signed with Ed25519"},
		{"certificate", cert, true, "this is a certificate, not a key"},
		{"OpenSSH key", ssh, true, "OpenSSH format"},
		{"encrypted key", encrypted, true, "encrypted private key"},
		{"unreadable key", junk, true, "parsing private key (want a PKCS #8 Ed25519 \"PRIVATE KEY\")"},
		{"not PEM", []byte("hello"), true, "no PEM block"},
		{"private key as verification key", edPrivPEM, false, "this is a private key; verification takes the public key"},
		{"RSA public key as verification key", rsaPub, false, "this is an RSA public key; the audit log is signed with Ed25519"},
		{"RSA private key as verification key", rsaPKCS1, false, "this is an RSA private key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.private {
				_, err = ParsePrivateKey(tc.data)
			} else {
				_, err = ParsePublicKey(tc.data)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tc.want == "":
			case err == nil:
				t.Fatalf("accepted, want %q", tc.want)
			case !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %q, want %q", err, tc.want)
			case strings.Contains(err.Error(), "asn1") && !strings.HasPrefix(tc.name, "unreadable"):
				t.Fatalf("error %q is an ASN.1 error, not what the key is", err)
			}
		})
	}

	// Through the configuration, the message names the setting and the
	// file.
	path := filepath.Join(t.TempDir(), "audit.pub")
	if err := os.WriteFile(path, edPubPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Enabled: true, SigningKey: path}
	_, err = cfg.Options()
	if want := "signing_key: " + path + ": this is a public key; signing takes the Ed25519 private key"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("public key as signing_key: %v, want %q", err, want)
	}
}
