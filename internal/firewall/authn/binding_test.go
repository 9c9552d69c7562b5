package authn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/authn/jwt"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
)

func selfSigned(t *testing.T, cn string) *x509.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func TestSenderConstraints(t *testing.T) {
	s := newTokenSigner(t, "k")
	set := jwk.NewSet()
	_ = set.AddKey(s.jwk(t))
	v, err := jwt.NewVerifier(jwt.StaticKeys{Set: set}, jwt.Options{RequireExp: true})
	if err != nil {
		t.Fatal(err)
	}
	dv, _ := dpop.New(dpop.Config{})
	certA, certB := selfSigned(t, "a"), selfSigned(t, "b")
	bound := s.token(t, map[string]any{"cnf": map[string]any{"x5t#S256": mtls.Thumbprint(certA)}})
	jktBound := s.token(t, map[string]any{"cnf": map[string]any{"jkt": "aGVsbG8"}})
	plain := s.token(t, nil)

	tests := []struct {
		name    string
		require string
		auth    string
		cert    *x509.Certificate
		ok      bool
	}{
		{"certificate-bound, right cert", "", "Bearer " + bound, certA, true},
		{"certificate-bound, other cert", "", "Bearer " + bound, certB, false},
		{"certificate-bound, no cert", "", "Bearer " + bound, nil, false},
		{"DPoP-bound sent as Bearer", "", "Bearer " + jktBound, nil, false},
		{"DPoP-bound without proof", "", "DPoP " + jktBound, nil, false},
		{"plain token with DPoP scheme", "", "DPoP " + plain, nil, false},
		{"plain token", "", "Bearer " + plain, nil, true},
		{"plain token when binding required", "mtls", "Bearer " + plain, certA, false},
		{"bound token when binding required", "mtls", "Bearer " + bound, certA, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &Bearer{JWT: v, DPoP: dv, RequireBinding: tc.require}
			r := httptest.NewRequest("GET", "https://api.example/orders", nil)
			r.Header.Set("Authorization", tc.auth)
			if tc.cert != nil {
				r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tc.cert}}
			} else {
				r.TLS = &tls.ConnectionState{}
			}
			id, err := b.Authenticate(context.Background(), r)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if f, ok := AsFailure(err); !ok || f.Kind != KindInvalid {
					t.Fatalf("failure = %#v, want KindInvalid", err)
				}
			} else if tc.require != "" && id.Binding != tc.require {
				t.Errorf("binding = %q", id.Binding)
			}
		})
	}
}
