package spec

import (
	"errors"
	"net/url"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// uriTemplateFormat checks format uri-template by RFC 6570. The schema
// engine's own check splits the template's path at '/' and wants braces
// balanced in each piece, so it refuses the path-segment expansion {/var}
// (GitHub's root document answers
// "https://github.com/settings/connections/applications{/client_id}",
// which the firewall would have turned into a 502).
var uriTemplateFormat = &jsonschema.Format{Name: "uri-template", Validate: func(v any) error {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	return validURITemplate(s)
}}

// validURITemplate checks each expression ({op varspec,...}) and that the
// text around them, with each expression standing for one value, is a
// URI reference.
func validURITemplate(s string) error {
	var literal strings.Builder
	for {
		open := strings.IndexAny(s, "{}")
		if open < 0 {
			literal.WriteString(s)
			break
		}
		if s[open] == '}' {
			return errors.New("'}' without '{'")
		}
		end := strings.IndexAny(s[open+1:], "{}")
		if end < 0 || s[open+1+end] == '{' {
			return errors.New("'{' without '}'")
		}
		if err := validExpression(s[open+1 : open+1+end]); err != nil {
			return err
		}
		literal.WriteString(s[:open])
		literal.WriteString("x") // where a value goes
		s = s[open+1+end+1:]
	}
	if _, err := url.Parse(literal.String()); err != nil {
		return errors.New("not a URI reference once its expressions are expanded")
	}
	return nil
}

// validExpression checks the inside of one expression: an optional
// operator, then variable specifications separated by commas, each a
// name (letters, digits, '_', percent-escapes, dots between them) with an
// optional prefix length (:1 to :9999) or explode modifier (*).
func validExpression(e string) error {
	if e != "" && strings.IndexByte("+#./;?&=,!@|", e[0]) >= 0 {
		e = e[1:]
	}
	if e == "" {
		return errors.New("an expression without a variable")
	}
	for _, spec := range strings.Split(e, ",") {
		name, mod := spec, ""
		if i := strings.IndexAny(spec, ":*"); i >= 0 {
			name, mod = spec[:i], spec[i:]
		}
		if !validVarName(name) {
			return errors.New("an invalid variable name in an expression")
		}
		switch {
		case mod == "" || mod == "*":
		case mod[0] == ':' && len(mod) >= 2 && len(mod) <= 5 && mod[1] != '0' && allDigits(mod[1:]):
		default:
			return errors.New("an invalid modifier in an expression")
		}
	}
	return nil
}

func validVarName(n string) bool {
	if n == "" || n[0] == '.' || n[len(n)-1] == '.' || strings.Contains(n, "..") {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.':
		case c == '%' && i+2 < len(n) && isHex(n[i+1:i+3]):
			i += 2
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
