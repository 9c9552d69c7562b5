package authn

import (
	"errors"
	"net/http"
	"strings"
)

// CredentialType names the kind of credential that authenticated a call.
type CredentialType string

const (
	CredentialJWT    CredentialType = "jwt"
	CredentialOpaque CredentialType = "opaque-token" // via introspection
	CredentialAPIKey CredentialType = "api-key"
	CredentialBasic  CredentialType = "basic"
	CredentialMTLS   CredentialType = "client-certificate"
)

// Identity is who made the call. It holds no secrets (no token, no key),
// so it may be logged.
type Identity struct {
	Anonymous bool
	Subject   string
	ClientID  string
	Scopes    []string
	Claims    map[string]any
	// Schemes are the security schemes that matched (one requirement).
	Schemes     []string
	Credentials []CredentialType
	// Binding is "mtls" or "dpop" for sender-constrained tokens.
	Binding string
}

// HasScopes reports whether every scope in want is granted.
func (id *Identity) HasScopes(want []string) bool {
	for _, w := range want {
		found := false
		for _, s := range id.Scopes {
			if s == w {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// ScopesFromClaims reads "scope" (RFC 8693/9068: scope-tokens delimited by
// U+0020 only, RFC 6749 section 3.3) and "scp" (an array whose every element
// is one scope, or a space-delimited string as some providers send it).
// Only U+0020 delimits: a scope-token cannot contain whitespace, so a claim
// such as "files:mine\u00a0admin" or the element "files:mine admin" is one
// scope that grants neither "files:mine" nor "admin". Splitting on every
// Unicode space would let whoever chooses part of a scope's text (dynamic or
// parameterised scopes) append another scope to it.
func ScopesFromClaims(claims map[string]any) []string {
	var out []string
	seen := map[string]bool{}
	addOne := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	addDelimited := func(s string) {
		for _, f := range strings.Split(s, " ") {
			addOne(f)
		}
	}
	if s, ok := claims["scope"].(string); ok {
		addDelimited(s)
	}
	switch v := claims["scp"].(type) {
	case string:
		addDelimited(v)
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				addOne(s)
			}
		}
	case []string:
		for _, s := range v {
			addOne(s)
		}
	}
	return out
}

// Kind classifies a failure; each kind has one HTTP status.
type Kind int

const (
	// KindMissing: no credential for any alternative (401, no error code,
	// as RFC 6750 section 3.1 asks).
	KindMissing Kind = iota + 1
	// KindInvalid: a credential was presented and is not valid (401
	// invalid_token).
	KindInvalid
	// KindInsufficientScope: authenticated, but the scopes are not enough
	// (403 insufficient_scope).
	KindInsufficientScope
	// KindUnavailable: verification cannot run yet or now (signing keys
	// not loaded, introspection or denylist unreachable) (503).
	KindUnavailable
	// KindBadRequest: the credential is malformed at the HTTP level, e.g.
	// several Authorization fields (400 invalid_request).
	KindBadRequest
)

// Reason codes for audit records and problem responses.
const (
	ReasonMissing           = "auth-missing"
	ReasonInvalid           = "auth-invalid"
	ReasonInsufficientScope = "insufficient-scope"
	ReasonUnavailable       = "auth-unavailable"
	ReasonBadRequest        = "auth-bad-request"
)

// Failure is why a request was not authenticated or authorized.
type Failure struct {
	Kind Kind
	// Scheme is the security scheme the failure is about, when one.
	Scheme string
	// Description is safe to show the client: it never contains the
	// credential.
	Description string
	// Scopes are the scopes needed, for insufficient_scope.
	Scopes []string
	// Challenge is the WWW-Authenticate scheme: "Bearer" (also when
	// empty), "DPoP", "Basic", "APIKey", or NoChallenge.
	Challenge string
	// ErrorCode replaces the error code the Kind gives in the challenge
	// (RFC 9449 invalid_dpop_proof for a bad DPoP proof).
	ErrorCode string
	// DPoPAlgs are the proof algorithms of a scheme that accepts
	// DPoP-bound tokens: the challenge offers the DPoP scheme with them
	// (RFC 9449 section 7.1), beside Bearer unless the scheme requires
	// DPoP.
	DPoPAlgs []string
	Realm    string
	Err      error
}

// NoChallenge marks a failure no WWW-Authenticate challenge fits: a
// client certificate is asked for in the TLS handshake, not by an HTTP
// authentication scheme, so a refused or missing certificate gets a 401
// with a problem body only. A Bearer challenge would send a client that
// holds no token looking for one.
const NoChallenge = "none"

// RFC 9449 section 7.1 error code for a DPoP proof that is missing,
// malformed, replayed or does not match the request.
const errInvalidDPoPProof = "invalid_dpop_proof"

func (f *Failure) Error() string {
	if f.Err != nil {
		return f.Reason() + ": " + f.Description + ": " + f.Err.Error()
	}
	return f.Reason() + ": " + f.Description
}

func (f *Failure) Unwrap() error { return f.Err }

// Status is the HTTP status to answer with.
func (f *Failure) Status() int {
	switch f.Kind {
	case KindInsufficientScope:
		return http.StatusForbidden
	case KindUnavailable:
		return http.StatusServiceUnavailable
	case KindBadRequest:
		return http.StatusBadRequest
	}
	return http.StatusUnauthorized
}

// Reason is the stable reason code.
func (f *Failure) Reason() string {
	switch f.Kind {
	case KindInvalid:
		return ReasonInvalid
	case KindInsufficientScope:
		return ReasonInsufficientScope
	case KindUnavailable:
		return ReasonUnavailable
	case KindBadRequest:
		return ReasonBadRequest
	}
	return ReasonMissing
}

// WWWAuthenticate is the challenge header value (RFC 6750 section 3 for
// Bearer, RFC 9449 section 7.1 for DPoP, RFC 7617 for Basic), "" when none
// applies (503, or a client certificate failure).
func (f *Failure) WWWAuthenticate() string {
	if f.Kind == KindUnavailable || f.Challenge == NoChallenge {
		return ""
	}
	realm := f.Realm
	if realm == "" {
		realm = "api"
	}
	ch := f.Challenge
	if ch == "" {
		ch = "Bearer"
	}
	if ch == "Basic" {
		return `Basic realm="` + quote(realm) + `", charset="UTF-8"`
	}
	if ch == "APIKey" {
		return `APIKey realm="` + quote(realm) + `"`
	}
	parts := []string{`realm="` + quote(realm) + `"`}
	code := f.ErrorCode
	if code == "" {
		switch f.Kind {
		case KindInvalid:
			code = "invalid_token"
		case KindInsufficientScope:
			code = "insufficient_scope"
		case KindBadRequest:
			code = "invalid_request"
		}
	}
	if code != "" && f.Kind != KindMissing {
		parts = append(parts, `error="`+quote(code)+`"`)
	}
	if f.Description != "" && f.Kind != KindMissing {
		parts = append(parts, `error_description="`+quote(f.Description)+`"`)
	}
	if f.Kind == KindInsufficientScope && len(f.Scopes) > 0 {
		parts = append(parts, `scope="`+quote(strings.Join(f.Scopes, " "))+`"`)
	}
	algs := `algs="` + quote(strings.Join(f.DPoPAlgs, " ")) + `"`
	if ch == "DPoP" && len(f.DPoPAlgs) > 0 {
		parts = append(parts, algs)
	}
	out := ch + " " + strings.Join(parts, ", ")
	if ch == "Bearer" && len(f.DPoPAlgs) > 0 {
		// RFC 9449 section 7.2: a resource that takes both schemes
		// offers both; the error belongs to the one the client used.
		out += `, DPoP realm="` + quote(realm) + `", ` + algs
	}
	return out
}

// WriteHeaders sets WWW-Authenticate (and Retry-After for 503).
func (f *Failure) WriteHeaders(h http.Header) {
	if v := f.WWWAuthenticate(); v != "" {
		h.Set("WWW-Authenticate", v)
	}
	if f.Kind == KindUnavailable {
		h.Set("Retry-After", "5")
	}
}

// quote keeps a value inside an RFC 9110 quoted-string: RFC 6750 limits
// error_description to printable ASCII without '"' and '\'.
func quote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// AsFailure extracts a *Failure from err.
func AsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}
