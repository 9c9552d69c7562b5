// Package cookies reads the Cookie header the way the most lenient server
// behind the firewall would, so that what the firewall checks is what the
// upstream gets.
//
// net/http's own parser is strict: it silently drops a pair whose value
// holds a double quote or a backslash, and keeps "a=b,session=x" as one
// cookie named a. Servers that follow RFC 2109 split pairs at commas too,
// and lenient parsers keep values net/http drops. Either way the upstream
// would read a cookie the firewall never validated. Parse keeps every pair
// as written and reports a comma-hidden pair as ambiguous.
package cookies

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ows is the whitespace trimmed around names and values (net/http's
// textproto.TrimString set).
const ows = " \t\r\n"

// Pair is one name=value of a Cookie header, the value unquoted.
type Pair struct {
	Name, Value string
}

// ErrAmbiguous reports a Cookie header that servers read differently: a
// value that holds ", name=" is one cookie to an RFC 6265 parser and two
// to an RFC 2109 one.
var ErrAmbiguous = errors.New("the Cookie header hides a cookie after a comma inside a value (servers split it differently)")

// Parse returns every pair of the request's Cookie fields in order. Pairs
// are separated by ';'; a pair without '=' is a name with an empty value,
// as net/http reads it; surrounding spaces and one pair of wrapping double
// quotes are removed from the value. Pairs with an empty name are skipped
// (no server maps them to a cookie).
func Parse(h http.Header) ([]Pair, error) {
	var out []Pair
	for _, line := range h.Values("Cookie") {
		for part := range strings.SplitSeq(line, ";") {
			name, value, _ := strings.Cut(part, "=")
			name = strings.Trim(name, ows)
			if name == "" {
				continue
			}
			value = strings.Trim(value, ows)
			if hidesPair(value) {
				return nil, ErrAmbiguous
			}
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			out = append(out, Pair{Name: name, Value: value})
		}
	}
	return out, nil
}

// Values returns the values of the cookies called name, in order.
func Values(pairs []Pair, name string) []string {
	var out []string
	for _, p := range pairs {
		if p.Name == name {
			out = append(out, p.Value)
		}
	}
	return out
}

// HasLookalike reports whether a pair's name differs from name but some
// server reads it as the same cookie, so the firewall would check one value
// and the upstream could read the other. Frameworks disagree on names:
// ASP.NET Core compares them without case (the last one wins), PHP
// percent-decodes them and turns ' ', '.' and '[' into '_' (the first one
// wins). A cookie named exactly name is not a lookalike; its repeats are
// Values' business.
func HasLookalike(pairs []Pair, name string) bool {
	return Lookalike(pairs, name, nil) != ""
}

// Lookalike returns the name of a cookie some server reads as name (see
// HasLookalike), leaving out the names in declared (cookies the contract
// names itself); "" when there is none. PHP also reads name[...] as an
// array under name.
func Lookalike(pairs []Pair, name string, declared []string) string {
	want := foldName(name)
	for _, p := range pairs {
		if p.Name == name || slices.Contains(declared, p.Name) {
			continue
		}
		if foldName(p.Name) == want || phpArrayBase(p.Name) == want {
			return p.Name
		}
	}
	return ""
}

// phpArrayBase is the folded name PHP files a cookie called base[...]
// under (an array), or "" for other names.
func phpArrayBase(name string) string {
	if un, err := url.PathUnescape(name); err == nil {
		name = un
	}
	i := strings.IndexByte(name, '[')
	if i <= 0 || !strings.Contains(name[i:], "]") {
		return ""
	}
	return foldName(name[:i])
}

// foldName maps a cookie name to the form under which the most lenient
// server frameworks look it up.
func foldName(name string) string {
	if un, err := url.PathUnescape(name); err == nil {
		name = un
	}
	name = strings.ToLower(name)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '[':
			return '_'
		}
		return r
	}, name)
}

// hidesPair reports whether value holds a comma followed by optional
// spaces, a token and '=': where an RFC 2109 parser starts a new cookie.
// A comma followed by anything else ("1,2,3", `{"a":1,"b":2}`) is data.
func hidesPair(value string) bool {
	for i := 0; i < len(value); i++ {
		if value[i] != ',' {
			continue
		}
		j := i + 1
		for j < len(value) && (value[j] == ' ' || value[j] == '\t') {
			j++
		}
		k := j
		for k < len(value) && isTokenByte(value[k]) {
			k++
		}
		if k > j && k < len(value) && value[k] == '=' {
			return true
		}
	}
	return false
}

// isTokenByte reports whether b is a tchar of RFC 9110 5.6.2.
func isTokenByte(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}
