package firewall

import (
	"net/http"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

func TestUndeclaredOverride(t *testing.T) {
	plain := &plan.Op{}
	declares := &plan.Op{HeaderNames: []string{"X-HTTP-Method-Override"}}
	tests := []struct {
		name   string
		op     *plan.Op
		header http.Header
		want   string
	}{
		{"none", plain, http.Header{"Content-Type": {"application/json"}}, ""},
		{"X-HTTP-Method-Override", plain, hdr("X-HTTP-Method-Override", "DELETE"), "X-HTTP-Method-Override"},
		{"X-HTTP-Method", plain, hdr("x-http-method", "PUT"), "X-HTTP-Method"},
		{"X-Method-Override", plain, hdr("X-Method-Override", "PATCH"), "X-Method-Override"},
		{"empty value still refused", plain, hdr("X-HTTP-Method-Override", ""), "X-HTTP-Method-Override"},
		{"declared by the operation", declares, hdr("X-HTTP-Method-Override", "DELETE"), ""},
		{"declared one does not cover another", declares, hdr("X-HTTP-Method", "DELETE"), "X-HTTP-Method"},
		{"path override is another list", plain, hdr("X-Original-URL", "/admin"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := undeclaredOverride(tc.op, tc.header, methodOverrideHeaders); got != tc.want {
				t.Fatalf("undeclaredOverride = %q, want %q", got, tc.want)
			}
		})
	}
}

func hdr(name, value string) http.Header {
	h := http.Header{}
	h.Add(name, value)
	return h
}

func TestLookalike(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"X_Api_Key", "X-Api-Key", true},
		{"x_api_key", "X-API-KEY", true},
		{"Api-Key", "api_key", true},
		{"X-Api-Key", "X-Api-Key", false}, // the same field
		{"x-api-key", "X-Api-Key", false}, // case only: the same field
		{"X_Api_Keys", "X-Api-Key", false},
		{"X-Api_Kez", "X-Api-Key", false},
		{"Authorization", "Authorization", false},
	}
	for _, tc := range tests {
		if got := lookalike(tc.a, tc.b); got != tc.want {
			t.Errorf("lookalike(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
