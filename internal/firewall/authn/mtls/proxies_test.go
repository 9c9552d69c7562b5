package mtls

import (
	"net/http/httptest"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	ps, err := ParseTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8", "::ffff:192.0.2.1", "2001:db8::/32"})
	if err != nil {
		t.Fatal(err)
	}
	v := NewWithPool(nil, ps)
	for _, tc := range []struct {
		remote  string
		trusted bool
	}{
		{"127.0.0.1:4000", true},
		{"127.0.0.2:4000", false},
		{"10.9.8.7:1", true},
		{"192.0.2.1:1", true}, // the IPv4-mapped form is unmapped
		{"[2001:db8::5]:443", true},
		{"[2001:db9::5]:443", false},
		{"garbage", false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if got := v.FromTrustedProxy(r); got != tc.trusted {
			t.Errorf("%s: trusted = %v, want %v", tc.remote, got, tc.trusted)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "not-an-ip", ""} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestWithTrustedProxies: the copy trusts both lists, once each; the
// original is left as it was, since other schemes share it.
func TestWithTrustedProxies(t *testing.T) {
	base, _ := ParseTrustedProxies([]string{"10.0.0.0/8"})
	extra, _ := ParseTrustedProxies([]string{"127.0.0.1", "10.0.0.0/8"})
	v := NewWithPool(nil, base)
	w := v.WithTrustedProxies(extra)
	if got := len(w.TrustedProxies()); got != 2 {
		t.Fatalf("the copy has %d proxies, want 2", got)
	}
	for _, tc := range []struct {
		remote        string
		orig, updated bool
	}{
		{"10.1.2.3:1", true, true},
		{"127.0.0.1:1", false, true},
		{"127.0.0.2:1", false, false},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if got := v.FromTrustedProxy(r); got != tc.orig {
			t.Errorf("%s: the original trusts it = %v, want %v", tc.remote, got, tc.orig)
		}
		if got := w.FromTrustedProxy(r); got != tc.updated {
			t.Errorf("%s: the copy trusts it = %v, want %v", tc.remote, got, tc.updated)
		}
	}
}
