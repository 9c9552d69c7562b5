package clientip

import (
	"net/http/httptest"
	"testing"
)

// FuzzResolve: any forwarding header yields an address that is the peer
// or appears in the header, never a panic.
func FuzzResolve(f *testing.F) {
	xff, _ := New(Config{TrustedProxies: []string{"10.0.0.0/8"}})
	fwd, _ := New(Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: "forwarded"})
	f.Add("198.51.100.7, 10.0.0.2")
	f.Add(`for="[2001:db8::1]:80";proto=https, for=unknown`)
	f.Add(`for="\"x, for=1.2.3.4`)
	f.Fuzz(func(t *testing.T, h string) {
		for _, p := range []*Policy{xff, fwd} {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "10.1.1.1:1234"
			r.Header.Set("X-Forwarded-For", h)
			r.Header.Set("Forwarded", h)
			res := p.Resolve(r)
			if !res.Addr.IsValid() {
				t.Fatalf("invalid address for %q", h)
			}
			p.IsTLS(r)
		}
	})
}
