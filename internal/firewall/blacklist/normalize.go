package blacklist

import (
	"html"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// variants are the forms of one value the matchers see: the value as
// received and, when it differs, the value with every encoding layer an
// attacker may use to hide a payload peeled off.
type variants struct {
	raw     string
	decoded string
}

func (v *variants) all() []string {
	if v.decoded == v.raw {
		return []string{v.raw}
	}
	return []string{v.raw, v.decoded}
}

// maxDecodeRounds bounds repeated URL decoding: double and triple encoding
// are common evasions, deeper nesting is not, and the bound keeps the cost
// linear in the input.
const maxDecodeRounds = 3

// normalise peels the encoding layers off s: URL escapes (repeated, with
// %uXXXX and overlong UTF-8 forms), HTML character references, JavaScript
// and C-style escapes (\uXXXX, \u{X}, \xXX), literal "0x2e"-style bytes,
// NUL bytes, and Unicode compatibility forms (fullwidth brackets and
// the like fold to ASCII under NFKC).
func normalise(s string) *variants {
	v := &variants{raw: s, decoded: s}
	if !needsDecoding(s) {
		return v
	}
	d := s
	for range maxDecodeRounds {
		n := urlDecode(d)
		n = htmlDecode(n)
		n = escapeDecode(n)
		if n == d {
			break
		}
		d = n
	}
	d = fixOverlong(d)
	d = hexLiteralDecode(d)
	if strings.IndexByte(d, 0) >= 0 {
		d = strings.ReplaceAll(d, "\x00", "")
	}
	if !isASCII(d) {
		d = norm.NFKC.String(strings.ToValidUTF8(d, "\ufffd"))
	}
	// A value with no spaces but with '+' is almost always a form-encoded
	// string whose '+' stand for spaces; treat them so, as the application
	// behind may.
	if !strings.ContainsAny(s, " \t\n") && strings.IndexByte(d, '+') >= 0 {
		d = strings.ReplaceAll(d, "+", " ")
	}
	v.decoded = d
	return v
}

func needsDecoding(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%', c == '&', c == '\\', c == 0, c == '+', c >= 0x80:
			return true
		case c == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X'):
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// urlDecode decodes %XX and %uXXXX escapes and leaves malformed ones as
// they are (a strict decoder would give up on the whole value, which is
// exactly what an evasion wants).
func urlDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		if i+2 < len(s) {
			if h, ok := unhex(s[i+1]); ok {
				if l, ok := unhex(s[i+2]); ok {
					b.WriteByte(h<<4 | l)
					i += 2
					continue
				}
			}
		}
		if i+5 < len(s) && (s[i+1] == 'u' || s[i+1] == 'U') {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
				b.WriteRune(rune(r))
				i += 5
				continue
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

func htmlDecode(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	return html.UnescapeString(s)
}

// escapeDecode decodes \uXXXX, \u{X...}, \xXX and backslash-escaped
// punctuation the way JavaScript string literals and shells read them.
func escapeDecode(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case 'u', 'U':
			if i+2 < len(s) && s[i+2] == '{' {
				if j := strings.IndexByte(s[i+3:], '}'); j > 0 && j <= 6 {
					if r, err := strconv.ParseUint(s[i+3:i+3+j], 16, 32); err == nil && r <= utf8.MaxRune {
						b.WriteRune(rune(r))
						i += 3 + j
						continue
					}
				}
			}
			if i+5 < len(s) {
				if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil {
					b.WriteRune(rune(r))
					i += 5
					continue
				}
			}
		case 'x', 'X':
			if i+3 < len(s) {
				if h, ok := unhex(s[i+2]); ok {
					if l, ok := unhex(s[i+3]); ok {
						b.WriteByte(h<<4 | l)
						i += 3
						continue
					}
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String()
}

// fixOverlong maps overlong UTF-8 encodings of ASCII (0xC0 0xAE for '.',
// 0xE0 0x80 0xAF for '/') to the ASCII they stand for. Go's decoder
// rightly refuses them, but lenient back ends have accepted them, which is
// what makes them a traversal evasion.
func fixOverlong(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	changed := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == 0xC0 || c == 0xC1) && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			b.WriteByte((c&0x1F)<<6 | s[i+1]&0x3F)
			i++
			changed = true
			continue
		}
		if c == 0xE0 && i+2 < len(s) && s[i+1]&0xE0 == 0x80 && s[i+2]&0xC0 == 0x80 {
			if r := rune(s[i+1]&0x3F)<<6 | rune(s[i+2]&0x3F); r < 0x80 {
				b.WriteByte(byte(r))
				i += 2
				changed = true
				continue
			}
		}
		b.WriteByte(c)
	}
	if !changed {
		return s
	}
	return b.String()
}

// hexLiteralDecode turns "0x2e", "0x2f" and "0x5c" (dot, slashes) written
// out as text into the characters, a known path traversal evasion for
// back ends that decode them. Other 0x numbers are left alone: they are
// ordinary hexadecimal values.
func hexLiteralDecode(s string) string {
	if !strings.Contains(s, "0x") && !strings.Contains(s, "0X") {
		return s
	}
	r := strings.NewReplacer("0x2e", ".", "0x2E", ".", "0X2E", ".", "0x2f", "/", "0x2F", "/", "0X2F", "/", "0x5c", `\`, "0x5C", `\`, "0X5C", `\`)
	return r.Replace(s)
}

// sqlView prepares a lower-cased value for the SQL rules: inline comments
// become spaces (they are a classic way to split keywords, "UN/**/ION") and
// runs of white space collapse to one space.
func sqlView(s string) string {
	if strings.Contains(s, "/*") {
		var b strings.Builder
		for {
			i := strings.Index(s, "/*")
			if i < 0 {
				b.WriteString(s)
				break
			}
			b.WriteString(s[:i])
			b.WriteByte(' ')
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				break
			}
			// Keep the body of MySQL version comments (/*!50000select*/):
			// the server executes it.
			body := s[i+2 : i+2+j]
			if strings.HasPrefix(body, "!") {
				b.WriteString(strings.TrimLeft(body[1:], "0123456789"))
				b.WriteByte(' ')
			}
			s = s[i+2+j+2:]
		}
		s = b.String()
	}
	return collapseSpace(s)
}

// shellView prepares a lower-cased value for the command rules: the
// quoting tricks shells ignore ("w'h'o'am'i", "c\at", "ca$@t", "$IFS")
// are removed so a command name is seen whole.
func shellView(s string) string {
	if strings.ContainsAny(s, `'"\$`+"`") {
		s = dropInnerQuotes(shellUnquote.Replace(dropGluedVars(s)))
	}
	return collapseSpace(s)
}

// dropGluedVars removes variable expansions glued to the end of a word
// ("cat$u /etc$u/passwd", "uname$x -a"): an unset variable expands to
// nothing, so the shell runs the word alone. $IFS is left to
// shellUnquote, which turns it into the space it stands for; "${x}" is
// left to the substitution rule, which flags it wherever it is.
func dropGluedVars(s string) string {
	if strings.IndexByte(s, '$') < 0 {
		return s
	}
	var b []byte
	last := 0
	for i := 1; i < len(s); i++ {
		if s[i] != '$' || !isWordByte(s[i-1]) {
			continue
		}
		if n := gluedVar(s, i); n > 0 {
			if b == nil {
				b = make([]byte, 0, len(s))
			}
			b = append(b, s[last:i]...)
			last = i + n
			i += n - 1
		}
	}
	if b == nil {
		return s
	}
	return string(append(b, s[last:]...))
}

// gluedVar returns the length of the "$name" at s[i:] (0 if there is
// none, or if it is $IFS). Positional and special parameters ($1, $@)
// are shellUnquote's.
func gluedVar(s string, i int) int {
	k := i + 1
	if k >= len(s) || !(s[k] >= 'a' && s[k] <= 'z' || s[k] == '_') {
		return 0
	}
	for k < len(s) && isWordByte(s[k]) {
		k++
	}
	if s[i+1:k] == "ifs" {
		return 0
	}
	return k - i
}

// dropInnerQuotes removes quotes standing between two word characters,
// where a shell would simply join the pieces ("w'h'o'am'i" is whoami).
func dropInnerQuotes(s string) string {
	if !strings.ContainsAny(s, `'"`) {
		return s
	}
	word := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c >= 'A' && c <= 'Z'
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == '\'' || c == '"') && len(b) > 0 && word(b[len(b)-1]) && i+1 < len(s) && (word(s[i+1]) || s[i+1] == '\'' || s[i+1] == '"') {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

var shellUnquote = strings.NewReplacer(
	`''`, "", `""`, "", "``", "", `\`, "", "$@", "", "$*", "", "$-", "", "$!", "", "$_", "", "$?", "",
	"${ifs}", " ", "$ifs$9", " ", "$ifs", " ", "${9}", "",
	// Empty command and process substitutions ("pi$()ng").
	"$()", "", "<()", "", ">()", "",
)

func collapseSpace(s string) string {
	needs := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\v' || c == '\f' || (c == ' ' && i+1 < len(s) && s[i+1] == ' ') {
			needs = true
			break
		}
	}
	if !needs {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

// xssView prepares a lower-cased value for the XSS rules: browsers ignore
// tabs and line breaks inside a URL scheme ("java\tscript:"), so they go.
func xssView(s string) string {
	if !strings.ContainsAny(s, "\t\r\n") {
		return s
	}
	return strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(s)
}
