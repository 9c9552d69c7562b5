package firewall

// Header fields that make the upstream read a request differently from
// the firewall: fields that replace the request line, and spellings of a
// checked field that CGI-style servers conflate with it. The routing stage
// refuses them (docs/protect.md, Routing).

import (
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/requestline"
)

// methodOverrideHeaders and pathOverrideHeaders are the fields that
// replace the request line (package requestline, shared with the audit and
// the scanner).
var (
	methodOverrideHeaders = canonical(requestline.MethodOverrides...)
	pathOverrideHeaders   = canonical(requestline.PathOverrides...)
)

// fieldName is a header field's name as usually written and in net/http's
// canonical form, so the hot path can index the header map without
// canonicalising (which allocates for a name such as X-HTTP-Method).
type fieldName struct{ display, key string }

func canonical(names ...string) []fieldName {
	out := make([]fieldName, len(names))
	for i, n := range names {
		out[i] = fieldName{n, http.CanonicalHeaderKey(n)}
	}
	return out
}

// undeclaredOverride returns the name of one of the override fields names
// that the request carries and the contract does not declare for the
// operation, or "". The firewall routes and authorizes by the request
// line; an upstream that obeys the override would run another operation
// (a DELETE authorized as a POST, /admin served for /public).
func undeclaredOverride(op *plan.Op, h http.Header, names []fieldName) string {
	for _, name := range names {
		if len(h[name.key]) > 0 && !declaredHeader(op, name.key) {
			return name.display
		}
	}
	return ""
}

// sensitiveFields are header fields the firewall reads or sets whatever
// the contract says: forwarding information (client IP rules), the client
// certificate from a trusted proxy, the request id, the body's framing.
// The forwarding fields the firewall drops are among them: a CGI-style
// upstream would read X_Client_IP as the HTTP_X_CLIENT_IP it never got.
// The method and path overrides the firewall refuses are among them too:
// X_HTTP_Method_Override reached a WSGI app as the
// HTTP_X_HTTP_METHOD_OVERRIDE that ran a DELETE the firewall authorized
// as a POST.
var sensitiveFields = slices.Concat([]string{"X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP",
	"Client-Cert", "Client-Cert-Chain", "X-Request-Id", "Content-Type", "Content-Length", "Transfer-Encoding", "Content-Encoding"},
	clientForwardingFields, requestline.MethodOverrides, requestline.PathOverrides)

// lookalikeHeader returns a request field whose name differs from one the
// firewall checks only by '-' versus '_' (X_Api_Key beside X-Api-Key,
// api-key for a declared api_key), or "". CGI, WSGI, PHP and the servers
// modelled on them name a field HTTP_X_API_KEY either way, so the upstream
// may read the lookalike the firewall never checked. The fields checked
// are sensitiveFields and those the contract names (op.HeaderNames).
func lookalikeHeader(op *plan.Op, h http.Header) string {
	for name := range h {
		if declaredHeader(op, name) {
			continue // the contract names this spelling itself
		}
		for _, list := range [][]string{sensitiveFields, op.HeaderNames} {
			for _, c := range list {
				if lookalike(name, c) {
					return name
				}
			}
		}
		// A header that chose the operation ("/svc#X-Target=Svc.Read"):
		// X_Target beside X-Target would choose another one upstream.
		for _, pp := range op.Key.Fragment {
			if lookalike(name, pp.Name) {
				return name
			}
		}
	}
	return ""
}

// declaredHeader reports whether the contract names the field for op.
func declaredHeader(op *plan.Op, name string) bool {
	for _, n := range op.HeaderNames {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// lookalike reports whether a and b name the same field once case is
// ignored and '_' is read as '-', without being the same name.
func lookalike(a, b string) bool {
	if len(a) != len(b) || strings.EqualFold(a, b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == '_' {
			x = '-'
		}
		if y == '_' {
			y = '-'
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// lookalikeOf names the field a CGI-style server makes of name.
func lookalikeOf(name string) string {
	return "HTTP_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
