package requestline

import "testing"

func TestIsOverride(t *testing.T) {
	for name, want := range map[string]bool{
		"X-HTTP-Method-Override": true, "x-http-method": true, "X-METHOD-OVERRIDE": true,
		"X-Original-URL": true, "x-rewrite-url": true, "X-Override-URL": true,
		"X-Request-Id": false, "X-HTTP-Methods": false, "": false,
	} {
		if got := IsOverride(name); got != want {
			t.Errorf("IsOverride(%q) = %v, want %v", name, got, want)
		}
	}
}
