// Package credentials reads the Authorization field the same way for
// every scheme, so that bearer, DPoP and basic verification agree with
// each other on what the request carries.
package credentials

import (
	"errors"
	"net/http"
	"strings"
)

// Errors a caller may test for.
var (
	// ErrNone: no Authorization field.
	ErrNone = errors.New("no Authorization header field")
	// ErrSeveral: more than one Authorization field. The firewall would
	// check one and the upstream might use another.
	ErrSeveral = errors.New("several Authorization header fields")
	// ErrMalformed: the scheme is followed by something other than
	// spaces and a credential.
	ErrMalformed = errors.New("malformed Authorization header field")
)

// Authorization returns the scheme of the request's single Authorization
// field and what follows it, without the separating spaces; rest is empty
// for a bare scheme. The scheme ends at the first space or tab: RFC 9110
// section 11.4 separates it from the credential by spaces only, so a tab
// after it is ErrMalformed rather than part of the scheme's name. Read
// that way, a request cannot pass as carrying some other credential (or
// none) while an upstream that also splits on tabs uses a credential the
// firewall never checked.
func Authorization(h http.Header) (scheme, rest string, err error) {
	vals := h.Values("Authorization")
	switch {
	case len(vals) == 0:
		return "", "", ErrNone
	case len(vals) > 1:
		return "", "", ErrSeveral
	}
	v := strings.TrimSpace(vals[0])
	i := strings.IndexAny(v, " \t")
	if i < 0 {
		return v, "", nil
	}
	scheme, rest = v[:i], strings.TrimLeft(v[i:], " ")
	if strings.ContainsAny(rest, "\t") || rest == "" {
		return scheme, "", ErrMalformed
	}
	return scheme, rest, nil
}
