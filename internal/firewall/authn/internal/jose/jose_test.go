package jose

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"slices"
	"testing"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

// publicKey is the public JWK of a fresh key, with kid when not "".
func publicKey(t *testing.T, kind, kid string) jwk.Key {
	t.Helper()
	var priv any
	var err error
	switch kind {
	case "RSA":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case "EC":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.PublicKeyOf(priv)
	if err != nil {
		t.Fatal(err)
	}
	if kid != "" {
		if err := k.Set(jwk.KeyIDKey, kid); err != nil {
			t.Fatal(err)
		}
	}
	return k
}

// TestCandidates: a key with a kid matches only its kid; a key without
// one (as PEM files give them) matches any kid, after the keys that name
// it; the algorithm must still fit the key.
func TestCandidates(t *testing.T) {
	rsaA, rsaB := publicKey(t, "RSA", "a"), publicKey(t, "RSA", "b")
	rsaPEM, ecPEM := publicKey(t, "RSA", ""), publicKey(t, "EC", "")
	set := jwk.NewSet()
	for _, k := range []jwk.Key{rsaPEM, rsaA, ecPEM, rsaB} {
		if err := set.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		kid  string
		alg  jwa.SignatureAlgorithm
		want []jwk.Key
	}{
		{"kid of a key, then the keys without kid", "a", jwa.RS256(), []jwk.Key{rsaA, rsaPEM}},
		{"unknown kid: only the keys without kid", "c", jwa.RS256(), []jwk.Key{rsaPEM}},
		{"no kid: every fitting key", "", jwa.RS256(), []jwk.Key{rsaPEM, rsaA, rsaB}},
		{"the algorithm must fit a key without kid", "a", jwa.ES256(), []jwk.Key{ecPEM}},
		{"no key fits", "a", jwa.EdDSA(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Candidates(set, tc.kid, tc.alg)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %d keys %v, want %d %v", len(got), kids(got), len(tc.want), kids(tc.want))
			}
		})
	}
}

func kids(keys []jwk.Key) []string {
	var out []string
	for _, k := range keys {
		id, _ := k.KeyID()
		out = append(out, id+"/"+k.KeyType().String())
	}
	return out
}

// A token without kid is tried against the first MaxCandidates fitting
// keys of the set: the fifth key of a set signed tokens that were refused
// when the bound was four.
func TestCandidatesBound(t *testing.T) {
	set := jwk.NewSet()
	var keys []jwk.Key
	for i := range MaxCandidates + 3 {
		k := publicKey(t, "RSA", fmt.Sprint("k", i))
		keys = append(keys, k)
		if err := set.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	got := Candidates(set, "", jwa.RS256())
	if !slices.Equal(got, keys[:MaxCandidates]) {
		t.Fatalf("got %d keys %v, want the first %d", len(got), kids(got), MaxCandidates)
	}
}
