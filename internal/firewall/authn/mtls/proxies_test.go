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
