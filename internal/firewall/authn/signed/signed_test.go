package signed

import (
	"bytes"
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

func TestVerify(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pub, _ := jwk.PublicKeyOf(priv)
	_ = pub.Set(jwk.KeyIDKey, "bank-1")
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	v, err := NewWithKeys(set, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"amount":100,"to":"DE89"}`)
	hdr := func(extra map[string]any) jws.Headers {
		h := jws.NewHeaders()
		_ = h.Set(jws.KeyIDKey, "bank-1")
		for k, x := range extra {
			_ = h.Set(k, x)
		}
		return h
	}
	sign := func(key any, payload []byte, h jws.Headers, detached bool) string {
		opts := []jws.SignOption{jws.WithKey(jwa.ES256(), key, jws.WithProtectedHeaders(h))}
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
	detached := sign(priv, body, hdr(nil), true)
	unencoded := sign(priv, body, hdr(map[string]any{"b64": false}), true)
	compact := sign(priv, body, hdr(map[string]any{"cty": "json"}), false)

	tests := []struct {
		name   string
		ctype  string
		sig    string
		body   []byte
		want   error
		wantPL []byte
	}{
		{"application/jose body", "application/jose", "", []byte(compact), nil, body},
		{"detached header", "application/json", detached, body, nil, body},
		{"detached, unencoded payload (RFC 7797)", "application/json", unencoded, body, nil, body},
		{"detached, body altered", "application/json", detached, []byte(`{"amount":900,"to":"DE89"}`), ErrInvalid, nil},
		{"signed by an unknown key", "application/jose", "", []byte(sign(other, body, hdr(nil), false)), ErrInvalid, nil},
		{"embedded jwk not used", "application/jose", "", []byte(sign(other, body, hdr(map[string]any{"kid": "x", "jwk": mustPub(other)}), false)), ErrInvalid, nil},
		{"attached JWS in the detached header", "application/json", compact, body, ErrInvalid, nil},
		{"unsigned", "application/json", "", body, ErrUnsigned, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/transfers", bytes.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.ctype)
			if tc.sig != "" {
				r.Header.Set("X-JWS-Signature", tc.sig)
			}
			res, err := v.Verify(r, tc.body)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want == nil && !bytes.Equal(res.Payload, tc.wantPL) {
				t.Fatalf("payload = %s", res.Payload)
			}
		})
	}
}

func mustPub(k *ecdsa.PrivateKey) jwk.Key {
	p, _ := jwk.PublicKeyOf(k)
	return p
}
