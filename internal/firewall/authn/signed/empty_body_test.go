package signed

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

// A request without a body is signed over the empty payload: a JWS made
// for other content must not pass as its signature.
func TestHeaderSignatureWithoutBody(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := jwk.PublicKeyOf(priv)
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	v, err := NewWithKeys(set, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	sign := func(payload []byte, detached bool) string {
		opts := []jws.SignOption{jws.WithKey(jwa.ES256(), priv)}
		if detached {
			opts = append(opts, jws.WithDetachedPayload(payload))
			payload = nil
		}
		out, err := jws.Sign(payload, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	tests := []struct {
		name string
		sig  string
		body []byte
		ok   bool
	}{
		{"detached over the empty payload, nil body", sign([]byte{}, true), nil, true},
		{"detached over the empty payload, empty body", sign([]byte{}, true), []byte{}, true},
		{"attached JWS of other content, nil body", sign([]byte(`{"amount":1}`), false), nil, false},
		{"detached over other content, nil body", sign([]byte(`{"amount":1}`), true), nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("DELETE", "/payments/1", nil)
			r.Header.Set("X-JWS-Signature", tc.sig)
			res, err := v.Verify(r, tc.body)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if err == nil && (!res.Detached || len(res.Payload) != 0) {
				t.Fatalf("result = %+v, want a detached empty payload", res)
			}
		})
	}
}
