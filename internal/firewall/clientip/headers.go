package clientip

import (
	"net/netip"
	"strings"
)

// hop is one entry of a forwarding chain; addr is invalid when the entry
// does not name an address (unknown, obfuscated, malformed).
type hop struct {
	addr netip.Addr
}

// maxHeaderBytes bounds the header text parsed; only the rightmost part
// matters, so a longer value is cut on the left.
const maxHeaderBytes = 8 << 10

func tail(s string) string {
	if len(s) > maxHeaderBytes {
		s = s[len(s)-maxHeaderBytes:]
		// Drop the (probably cut) leftmost entry.
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[i+1:]
		} else {
			s = ""
		}
	}
	return s
}

// xffHops parses X-Forwarded-For. Several header lines form one list, in
// order (RFC 9110 section 5.3).
func xffHops(lines []string) []hop {
	s := tail(strings.Join(lines, ","))
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]hop, 0, len(parts))
	for _, p := range parts {
		out = append(out, hop{addr: parseNode(strings.TrimSpace(p))})
	}
	return out
}

// forwardedHops parses RFC 7239 Forwarded elements and keeps their for=
// parameter. An element without for= counts as an unknown hop.
func forwardedHops(lines []string) []hop {
	s := tail(strings.Join(lines, ","))
	var out []hop
	for _, el := range splitQuoted(s, ',') {
		if strings.TrimSpace(el) == "" {
			continue
		}
		h := hop{}
		for _, pair := range splitQuoted(el, ';') {
			k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
				h.addr = parseNode(unquote(strings.TrimSpace(v)))
			}
		}
		out = append(out, h)
	}
	return out
}

// parseNode reads an address with an optional port: "192.0.2.1",
// "192.0.2.1:8080", "2001:db8::1", "[2001:db8::1]:8080". Anything else
// (including "unknown" and "_obfuscated") gives the zero Addr.
func parseNode(s string) netip.Addr {
	if s == "" {
		return netip.Addr{}
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil {
			return a.Unmap().WithZone("")
		}
	}
	return netip.Addr{}
}

// splitQuoted splits on sep outside double-quoted strings.
func splitQuoted(s string, sep byte) []string {
	var out []string
	inQuote, esc := false, false
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case esc:
			esc = false
		case inQuote && c == '\\':
			esc = true
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		if strings.IndexByte(s, '\\') >= 0 {
			var b strings.Builder
			for i := 0; i < len(s); i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			s = b.String()
		}
	}
	return s
}
