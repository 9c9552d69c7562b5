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

func tail(s string) string { return tailN(s, maxHeaderBytes) }

// tailN keeps the rightmost n bytes of s, without the entry the cut
// probably went through.
func tailN(s string, n int) string {
	if len(s) > n {
		s = s[len(s)-n:]
		// Drop the (probably cut) leftmost entry.
		if i := strings.IndexByte(s, ','); i >= 0 {
			s = s[i+1:]
		} else {
			s = ""
		}
	}
	return s
}

// tailLines keeps the rightmost maxHeaderBytes of several field lines, the
// leftmost kept line cut as tail cuts one.
func tailLines(lines []string) []string {
	budget := maxHeaderBytes
	for i := len(lines) - 1; i >= 0; i-- {
		if len(lines[i]) > budget {
			out := lines[i+1:]
			if cut := tailN(lines[i], max(budget, 0)); cut != "" {
				out = append([]string{cut}, out...)
			}
			return out
		}
		budget -= len(lines[i]) + 1
	}
	return lines
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
	var out []hop
	for _, line := range tailLines(lines) {
		for _, el := range forwardedElements(line) {
			if strings.TrimSpace(el) == "" {
				continue
			}
			out = append(out, hop{addr: forwardedFor(el)})
		}
	}
	return out
}

// forwardedFor is the address of an element's for= parameter, invalid
// when it has none or the element is not well formed.
func forwardedFor(el string) netip.Addr {
	if _, open := splitQuoted(el, ','); open {
		return netip.Addr{}
	}
	var addr netip.Addr
	pairs, _ := splitQuoted(el, ';')
	for _, pair := range pairs {
		k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "for") {
			addr = parseNode(unquote(strings.TrimSpace(v)))
		}
	}
	return addr
}

// maxResync bounds the commas tried for one element when a line is
// resynchronised from the right, so a line of quoted commas costs bounded
// work.
const maxResync = 16

// forwardedElements splits one Forwarded field line into its elements. A
// quoted string never spans field lines, so a line is parsed on its own.
// A line whose quoted string is never closed was not written whole by a
// proxy: proxies append their element after whatever the client sent, so
// a client that opens a quote would otherwise swallow the proxies'
// elements into its own and pick the address the firewall believes. Such
// a line is read from the right instead: each element is the shortest
// well-formed text after a comma, and the text left over is one malformed
// element (an unknown hop).
func forwardedElements(line string) []string {
	els, open := splitQuoted(line, ',')
	if !open {
		return els
	}
	var right []string
	end := len(line)
	for end > 0 && len(right) <= maxHops {
		found := false
		c := end
		for try := 0; try < maxResync; try++ {
			c = strings.LastIndexByte(line[:c], ',')
			if c < 0 {
				break
			}
			if _, open := splitQuoted(line[c+1:end], ','); !open {
				right = append(right, line[c+1:end])
				end, found = c, true
				break
			}
		}
		if !found {
			break
		}
	}
	out := make([]string, 0, len(right)+1)
	if end > 0 {
		// Malformed (it holds the open quote): forwardedFor gives no
		// address for it.
		out = append(out, line[:end])
	}
	for i := len(right) - 1; i >= 0; i-- {
		out = append(out, right[i])
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

// splitQuoted splits on sep outside double-quoted strings. open reports a
// quoted string that is never closed.
func splitQuoted(s string, sep byte) (parts []string, open bool) {
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
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:]), inQuote
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
