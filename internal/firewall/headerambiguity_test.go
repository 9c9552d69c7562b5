package firewall

import (
	"net/http"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/spec"
)

func TestUndeclaredOverride(t *testing.T) {
	plain := &plan.Op{}
	declares := &plan.Op{HeaderNames: []string{"X-HTTP-Method-Override"}}
	checkHeaderCases(t, "undeclaredOverride", func(op *plan.Op, h http.Header) string {
		return undeclaredOverride(op, h, methodOverrideHeaders)
	}, []headerCase{
		{"none", plain, http.Header{"Content-Type": {"application/json"}}, ""},
		{"X-HTTP-Method-Override", plain, hdr("X-HTTP-Method-Override", "DELETE"), "X-HTTP-Method-Override"},
		{"X-HTTP-Method", plain, hdr("x-http-method", "PUT"), "X-HTTP-Method"},
		{"X-Method-Override", plain, hdr("X-Method-Override", "PATCH"), "X-Method-Override"},
		{"empty value still refused", plain, hdr("X-HTTP-Method-Override", ""), "X-HTTP-Method-Override"},
		{"declared by the operation", declares, hdr("X-HTTP-Method-Override", "DELETE"), ""},
		{"declared one does not cover another", declares, hdr("X-HTTP-Method", "DELETE"), "X-HTTP-Method"},
		{"path override is another list", plain, hdr("X-Original-URL", "/admin"), ""},
	})
}

// headerCase is a request header and the field a check of op should name
// in it ("" for none).
type headerCase struct {
	name   string
	op     *plan.Op
	header http.Header
	want   string
}

func checkHeaderCases(t *testing.T, what string, check func(*plan.Op, http.Header) string, cases []headerCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := check(tc.op, tc.header); got != tc.want {
				t.Fatalf("%s = %q, want %q", what, got, tc.want)
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

// Look-alikes of the fields the firewall reads are refused, whatever the
// contract declares: the overrides it refuses (CGI-style servers read
// X_HTTP_Method_Override as HTTP_X_HTTP_METHOD_OVERRIDE) and the header
// that chose the operation ("/svc#X-Target=Svc.Read").
func TestLookalikeHeader(t *testing.T) {
	plain := &plan.Op{}
	keyed := &plan.Op{Key: spec.PathKey{Path: "/svc", Fragment: []spec.PathPair{{Name: "X-Target", Value: "Svc.Read"}}}}
	checkHeaderCases(t, "lookalikeHeader", lookalikeHeader, []headerCase{
		{"nothing", plain, hdr("Accept", "*/*"), ""},
		{"method override with underscores", plain, hdr("X_HTTP_Method_Override", "DELETE"), "X_http_method_override"},
		{"X_HTTP_Method", plain, hdr("X_HTTP_Method", "DELETE"), "X_http_method"},
		{"X_Method_Override", plain, hdr("X_Method_Override", "DELETE"), "X_method_override"},
		{"path override with underscores", plain, hdr("X_Original_URL", "/admin"), "X_original_url"},
		{"X_Rewrite_URL", plain, hdr("X_Rewrite_URL", "/admin"), "X_rewrite_url"},
		{"forwarding field", plain, hdr("X_Forwarded_For", "10.0.0.1"), "X_forwarded_for"},
		{"the header that chose the operation", keyed, hdr("X_Target", "Svc.Delete"), "X_target"},
		{"that header itself", keyed, hdr("X-Target", "Svc.Read"), ""},
		{"another operation's selector is no field of this one", plain, hdr("X_Target", "Svc.Delete"), ""},
	})
}
