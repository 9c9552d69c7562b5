package jwt

import (
	"context"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

// BenchmarkVerify is the per-request cost of verifying an access token
// with a cached key set: signature, header rules and claim checks.
func BenchmarkVerify(b *testing.B) {
	for _, tc := range []struct {
		name string
		s    signer
	}{{"RS256", newRSA(b, "r")}, {"ES256", newEC(b, "e")}} {
		b.Run(tc.name, func(b *testing.B) {
			set := jwk.NewSet()
			_ = set.AddKey(tc.s.public(b))
			v, err := NewVerifier(StaticKeys{Set: set}, Options{Issuer: "https://idp.example", Audiences: []string{"api://orders"}, Type: "at+jwt", RequireExp: true})
			if err != nil {
				b.Fatal(err)
			}
			tok := tc.s.sign(b, claims(time.Now(), map[string]any{"exp": time.Now().Add(time.Hour).Unix()}), nil)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := v.Verify(ctx, tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
