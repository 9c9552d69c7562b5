package dpop

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

func TestVerify(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := jwk.PublicKeyOf(priv)
	tp, _ := pub.Thumbprint(crypto.SHA256)
	jkt := base64.RawURLEncoding.EncodeToString(tp)
	access := "eyJ.access.token"
	ath := sha256.Sum256([]byte(access))
	now := time.Now()

	proof := func(key *ecdsa.PrivateKey, claims map[string]any, hdr map[string]any) string {
		c := map[string]any{"jti": "p1", "htm": "POST", "htu": "https://api.example/orders", "iat": now.Unix(), "ath": base64.RawURLEncoding.EncodeToString(ath[:])}
		for k, v := range claims {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		payload, _ := json.Marshal(c)
		pk, _ := jwk.PublicKeyOf(key)
		h := jws.NewHeaders()
		_ = h.Set(jws.TypeKey, "dpop+jwt")
		_ = h.Set(jws.JWKKey, pk)
		for k, v := range hdr {
			_ = h.Set(k, v)
		}
		out, err := jws.Sign(payload, jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(h)))
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	privJWK, _ := jwk.Import(priv)

	tests := []struct {
		name  string
		proof string
		url   string
		want  error
	}{
		{"valid", proof(priv, map[string]any{"jti": "ok-1"}, nil), "https://api.example/orders?x=1", nil},
		{"default port and host case ignored", proof(priv, map[string]any{"jti": "ok-2", "htu": "https://API.example:443/orders"}, nil), "https://api.example/orders", nil},
		// RFC 9449 section 4.3 asks for RFC 3986 syntax-based
		// normalization: escapes of unreserved characters and the case of
		// hex digits do not make another URI; an escaped "/" does.
		{"escaped unreserved character", proof(priv, map[string]any{"jti": "ok-3", "htu": "https://api.example/orders/%7Ealice"}, nil), "https://api.example/orders/~alice", nil},
		{"lower-case escape", proof(priv, map[string]any{"jti": "ok-4", "htu": "https://api.example/orders/a%2fb"}, nil), "https://api.example/orders/a%2Fb", nil},
		{"escaped slash is another path", proof(priv, map[string]any{"jti": "ok-5", "htu": "https://api.example/orders/a%2Fb"}, nil), "https://api.example/orders/a/b", ErrInvalid},
		{"replayed", proof(priv, map[string]any{"jti": "ok-1"}, nil), "https://api.example/orders", ErrReplay},
		{"other key than cnf.jkt", proof(other, map[string]any{"jti": "k"}, nil), "https://api.example/orders", ErrBinding},
		{"wrong method", proof(priv, map[string]any{"jti": "m", "htm": "GET"}, nil), "https://api.example/orders", ErrInvalid},
		{"wrong URI", proof(priv, map[string]any{"jti": "u", "htu": "https://api.example/admin"}, nil), "https://api.example/orders", ErrInvalid},
		{"too old", proof(priv, map[string]any{"jti": "o", "iat": now.Add(-time.Hour).Unix()}, nil), "https://api.example/orders", ErrInvalid},
		{"from the future", proof(priv, map[string]any{"jti": "f", "iat": now.Add(time.Hour).Unix()}, nil), "https://api.example/orders", ErrInvalid},
		{"other access token", proof(priv, map[string]any{"jti": "a", "ath": "AAAA"}, nil), "https://api.example/orders", ErrInvalid},
		{"no jti", proof(priv, map[string]any{"jti": nil}, nil), "https://api.example/orders", ErrInvalid},
		{"wrong typ", proof(priv, map[string]any{"jti": "t"}, map[string]any{"typ": "JWT"}), "https://api.example/orders", ErrInvalid},
		{"private key in jwk header", proof(priv, map[string]any{"jti": "pk"}, map[string]any{"jwk": privJWK}), "https://api.example/orders", ErrInvalid},
		{"iat a string", proof(priv, map[string]any{"jti": "is", "iat": fmt.Sprint(now.Unix())}, nil), "https://api.example/orders", ErrInvalid},
		// htu names the configured origin; the Host and scheme a request
		// arrives with are the client's (or a proxy's) to choose.
		{"proof for another server, sent with its Host", proof(priv, map[string]any{"jti": "h1", "htu": "https://api.other.example/orders"}, nil), "https://api.other.example/orders", ErrInvalid},
		{"proof for the origin, whatever the Host", proof(priv, map[string]any{"jti": "h2"}, nil), "http://10.0.0.7:8080/orders", nil},
		{"proof for another scheme of the origin", proof(priv, map[string]any{"jti": "h3", "htu": "http://api.example/orders"}, nil), "http://api.example/orders", ErrInvalid},
	}
	v, err := New(Config{ExternalOrigin: "https://api.example"})
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tc.url, nil)
			r.Header.Set("DPoP", tc.proof)
			err := v.Verify(context.Background(), r, access, jkt)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	r := httptest.NewRequest("POST", "https://api.example/orders", nil)
	if err := v.Verify(context.Background(), r, access, jkt); !errors.Is(err, ErrMissing) {
		t.Fatalf("no proof: err = %v", err)
	}
}

// The origin clients call must be configured, and be an origin.
func TestConfigExternalOrigin(t *testing.T) {
	for _, tc := range []struct{ origin, want string }{
		{"", "dpop.external_origin: required"},
		{"https://api.example", ""},
		{"http://127.0.0.1:8080", ""},
		{"api.example", "must be scheme://host[:port]"},
		{"https://api.example/v1", "must be scheme://host[:port]"},
		{"https://api.example/?a=1", "must be scheme://host[:port]"},
		{"https://user@api.example", "must be scheme://host[:port]"},
		{"ftp://api.example", "must be scheme://host[:port]"},
	} {
		err := (&Config{ExternalOrigin: tc.origin}).Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%q: err = %v, want %q", tc.origin, err, tc.want)
		}
	}
}
