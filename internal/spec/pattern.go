package spec

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// maxRE2Repeat is the largest repetition count Go's RE2 syntax accepts.
const maxRE2Repeat = 1000

// posixClasses maps the POSIX character classes Java spells \p{Name}
// (AWS's definitions are full of them) to RE2's ASCII class names, which
// have the same US-ASCII meaning.
var posixClasses = map[string]string{
	"Lower": "lower", "Upper": "upper", "ASCII": "ascii", "Alpha": "alpha", "Digit": "digit",
	"Alnum": "alnum", "Punct": "punct", "Graph": "graph", "Print": "print", "Blank": "blank",
	"Cntrl": "cntrl", "XDigit": "xdigit", "Space": "space",
}

// javaProperties maps the other \p{...} names of Java's regular
// expressions that AWS's definitions use to the RE2 class items (written
// as they go inside a class) that stand for them: Java's "Is" binary
// properties (by their general categories: Java's Uppercase and
// Lowercase also take the few Other_Uppercase/Other_Lowercase marks) and
// its predefined "all", "LD" (letter or digit) and "L1" (Latin-1).
var javaProperties = map[string]string{
	"IsLetter": `\p{L}`, "IsDigit": `\p{Nd}`, "IsUppercase": `\p{Lu}`, "IsLowercase": `\p{Ll}`,
	"IsPunctuation": `\p{P}`, "IsControl": `\p{Cc}`,
	"LD": `\p{L}\p{Nd}`, "all": `\x{0}-\x{10FFFF}`, "L1": `\x{0}-\x{FF}`,
}

// ecmaSpace is ECMA-262's \s as items of an RE2 class: its WhiteSpace
// (tab, vertical tab, form feed, U+FEFF and every Zs space) and its
// LineTerminators (LF, CR, U+2028, U+2029). RE2's \s is ASCII only, so a
// contract's `^\S+$` would let a no-break space through and `\s` refuse
// one.
const ecmaSpace = `\t\n\v\f\r\p{Zs}\x{2028}\x{2029}\x{FEFF}`

// RE2Pattern rewrites a schema pattern into the syntax of Go's RE2, which
// every engine runs patterns with. Patterns are ECMA-262 regular
// expressions, and real definitions also use Java's; where the two
// syntaxes spell the same thing differently it is rewritten:
//
//   - \uXXXX and \u{X...} become \x{...};
//   - Java's POSIX classes \p{Alnum}, \P{XDigit}, ... become [[:alnum:]],
//     [[:^xdigit:]] (or [:alnum:] inside a class), and its other
//     properties (\p{IsLetter}, \p{LD}, \p{all}) the Unicode classes
//     they stand for;
//   - Java's \Z (end of input) becomes \z;
//   - \s and \S take ECMA-262's Unicode meaning (ecmaSpace) rather
//     than RE2's ASCII one (except \S inside a class).
//
// A repetition above RE2's limit of 1000 (x{0,2048}, common in AWS's
// definitions) cannot be written in RE2; it becomes x{m,} with m at most
// 1000, which accepts more repetitions than the pattern does, and exact
// is false so callers can say that the upper bound is not enforced. A
// counted repetition at an unanchored end of the pattern, where its upper
// bound changes nothing, is written X{m} whatever its size (see
// patternbounds.go; RelaxedBounds gives the lengths that make other
// simple shapes exact). Counts are written as numbers ({01,3} is a
// repetition in ECMA-262, literal text in RE2). Everything else is left
// to RE2 to accept or refuse: the result is not checked here
// (CompilePattern does).
func RE2Pattern(p string) (re2 string, exact bool) {
	return re2Pattern(p, maxRE2Repeat)
}

// re2Pattern is RE2Pattern with the largest repetition count to write
// as given (maxRE2Repeat; tests check the relaxed forms with less).
func re2Pattern(p string, limit int) (re2 string, exact bool) {
	var b strings.Builder
	b.Grow(len(p) + 4)
	if inner, flags, ok := DelimitedPattern(p); ok {
		// Read as the literal its author wrote; its i, m and s flags
		// are RE2's too (g, u, y and d say nothing of what matches).
		var rf []byte
		for _, f := range []byte("ims") {
			if strings.IndexByte(flags, f) >= 0 {
				rf = append(rf, f)
			}
		}
		if len(rf) > 0 {
			b.WriteString("(?" + string(rf) + ")")
		}
		p = inner
	}
	exact = re2Body(&b, p, limit)
	return b.String(), exact
}

// re2Body writes the RE2 form of a pattern without delimiters (see
// re2Pattern) and reports whether it is exact.
func re2Body(b *strings.Builder, p string, limit int) (exact bool) {
	relaxed := 0 // repetitions written {m,}
	freeEnds := freeEndRepeats(p)
	inClass := false
	atomEnd := false // the last thing written can take a quantifier
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n, text := translateEscape(p[i:], inClass)
			b.WriteString(text)
			i += n
			// A hyphen after a class escape (\s, \d, \p{...}) is a
			// literal in ECMA-262 ([\s-_] is space, hyphen, underscore);
			// after an expansion into several items RE2 would read a
			// range from its last item.
			if inClass && i+1 < len(p) && p[i] == '-' && p[i+1] != ']' && isClassEscape(p[i-n:i]) {
				b.WriteString(`\-`)
				i++
			}
			atomEnd = !inClass
			continue
		case c == '[' && !inClass:
			// A ] right after [ or [^: ECMA-262 reads [] as a class of
			// nothing and [^] as any character; RE2 (and Java, PCRE,
			// Python) read the ] as a member ([]a] is ] or a). Where a
			// later ] can close the class, RE2's reading is kept: under
			// ECMA-262 such a pattern matches nothing, so it was
			// written for one of those engines, as the API behind is
			// likely to read it. Where none can, RE2 refuses the
			// pattern, and ECMA-262's reading is the only one: the
			// JavaScript idiom [^]* (any character, newlines too).
			negated := strings.HasPrefix(p[i+1:], "^")
			open := i + 1
			if negated {
				open++
			}
			if open < len(p) && p[open] == ']' && !strings.Contains(p[open+1:], "]") {
				if negated {
					b.WriteString(`[\x00-\x{10FFFF}]`)
				} else {
					b.WriteString(`[^\x00-\x{10FFFF}]`)
				}
				i = open + 1
				atomEnd = true
				continue
			}
			inClass = true
			b.WriteByte(c)
			i++
			// RE2 reads a ] right after [ or [^ as a literal; it is
			// copied so that it does not end the class here.
			if i < len(p) && p[i] == '^' {
				b.WriteByte('^')
				i++
			}
			if i < len(p) && p[i] == ']' {
				b.WriteByte(']')
				i++
			}
			continue
		case c == '[' && inClass && strings.HasPrefix(p[i:], "[:"):
			// An RE2 ASCII class already ([[:alpha:]]).
			if end := strings.Index(p[i+2:], ":]"); end >= 0 {
				b.WriteString(p[i : i+2+end+2])
				i += 2 + end + 2
				continue
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
			i++
			atomEnd = true
			continue
		case c == '{' && !inClass && atomEnd:
			if n, m, max, ok := parseRepeat(p[i:]); ok {
				// Counts are written as numbers: ECMA-262 reads
				// {01,3} as a repetition, RE2 as literal text.
				switch {
				case m <= limit && slices.Contains(freeEnds, i):
					fmt.Fprintf(b, "{%d}", m)
				case m > limit || max > limit:
					relaxed++
					fmt.Fprintf(b, "{%d,}", min(m, limit))
				case max < 0:
					fmt.Fprintf(b, "{%d,}", m)
				case max == m && !strings.Contains(p[i:i+n], ","):
					fmt.Fprintf(b, "{%d}", m)
				default:
					fmt.Fprintf(b, "{%d,%d}", m, max)
				}
				i += n
				atomEnd = false
				continue
			}
		}
		b.WriteByte(c)
		i++
		atomEnd = !inClass && c != '(' && c != '|' && c != '^'
	}
	return relaxed == 0
}

// DelimitedPattern reads a pattern written as a JavaScript regular
// expression literal, delimiters and flags included ("/^[a-z0-9._]+$/",
// "/^SAP[0-9]{9}$/i"; PeerTube's user names, and 140 date-times of one
// published definition). Read as written, its ^ comes after a "/" (or its
// $ before one), so no string can match and every value would be refused;
// only then is it read as the literal: a pattern that could match
// something is never reinterpreted.
func DelimitedPattern(p string) (inner, flags string, ok bool) {
	if len(p) < 3 || p[0] != '/' {
		return "", "", false
	}
	end := strings.LastIndexByte(p, '/')
	if end < 2 {
		return "", "", false
	}
	flags = p[end+1:]
	for i := 0; i < len(flags); i++ {
		if strings.IndexByte("dgimsuy", flags[i]) < 0 {
			return "", "", false
		}
	}
	inner = p[1:end]
	anchoredStart := strings.HasPrefix(inner, "^")
	anchoredEnd := strings.HasSuffix(inner, "$") && !strings.HasSuffix(inner, `\$`)
	if !anchoredStart && !anchoredEnd {
		return "", "", false
	}
	// A literal whose pattern is no pattern (/*$/) is not one. Parsed,
	// not compiled: a value of format regex is read here too, and
	// compiling takes time in the program's size.
	var b strings.Builder
	re2Body(&b, inner, maxRE2Repeat)
	if _, err := syntax.Parse(b.String(), syntax.Perl); err != nil {
		return "", "", false
	}
	return inner, flags, true
}

// isClassEscape reports an escape that stands for a set of characters, not
// one: no range can start or end at it.
func isClassEscape(esc string) bool {
	return len(esc) >= 2 && strings.IndexByte("dDsSwWpP", esc[1]) >= 0
}

// translateEscape reads the escape at the start of s (a backslash and at
// least one byte after it) and returns its length and its RE2 spelling.
func translateEscape(s string, inClass bool) (n int, text string) {
	braced := len(s) >= 3 && s[2] == '{'
	end := -1
	if braced {
		end = strings.IndexByte(s, '}')
	}
	switch s[1] {
	case 'u':
		if end > 3 && isHex(s[3:end]) {
			return end + 1, `\x{` + s[3:end] + `}`
		}
		if len(s) >= 6 && isHex(s[2:6]) {
			return 6, `\x{` + s[2:6] + `}`
		}
	case 'p', 'P':
		if end > 3 {
			name := s[3:end]
			if items, ok := javaProperties[name]; ok {
				switch {
				case !inClass && s[1] == 'p':
					return end + 1, "[" + items + "]"
				case !inClass:
					return end + 1, "[^" + items + "]"
				case s[1] == 'p':
					return end + 1, items
				}
				// A negated union cannot be an item of a class: left
				// as written, for RE2 to refuse.
				return end + 1, s[:end+1]
			}
			class, known := posixClasses[name]
			if !known {
				return end + 1, s[:end+1] // \p{Greek}: RE2's own
			}
			if s[1] == 'P' {
				class = "^" + class
			}
			text := "[:" + class + ":]"
			if !inClass {
				text = "[" + text + "]"
			}
			return end + 1, text
		}
	case 'x':
		if end > 2 {
			return end + 1, s[:end+1] // \x{1F600}, whose braces are no quantifier
		}
	case 'Z':
		if !inClass {
			return 2, `\z`
		}
	case 's':
		if inClass {
			return 2, ecmaSpace
		}
		return 2, "[" + ecmaSpace + "]"
	case 'S':
		if !inClass {
			return 2, "[^" + ecmaSpace + "]"
		}
		// A negated union cannot be an item of a class: [\S...] keeps
		// RE2's ASCII reading ([\s\S], "any character", is unchanged).
	}
	// Anything else is RE2's to read: the backslash and the character
	// after it (a multi-byte one whole).
	_, size := utf8.DecodeRuneInString(s[1:])
	return 1 + size, s[:1+size]
}

// parseRepeat reads a {m}, {m,} or {m,n} quantifier at the start of s;
// max is -1 when unbounded.
func parseRepeat(s string) (n, m, max int, ok bool) {
	end := strings.IndexByte(s, '}')
	if end < 2 {
		return 0, 0, 0, false
	}
	body := s[1:end]
	lo, hi, comma := strings.Cut(body, ",")
	m, err := strconv.Atoi(lo)
	if err != nil || m < 0 || !isDigits(lo) {
		return 0, 0, 0, false
	}
	max = m
	if comma {
		max = -1
		if hi != "" {
			if !isDigits(hi) {
				return 0, 0, 0, false
			}
			if max, err = strconv.Atoi(hi); err != nil {
				return 0, 0, 0, false
			}
		}
	}
	return end + 1, m, max, true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// sourcePattern is a compiled schema pattern that names itself as the
// contract writes it: the schema engine quotes String() in its errors
// ("does not match the pattern ..."), and a client should read the
// contract's pattern there, not the RE2 form it runs as.
type sourcePattern struct {
	*regexp.Regexp
	source string
}

func (p sourcePattern) String() string { return p.source }

// ParsePattern parses a schema pattern as the engines read it (in RE2's
// syntax, RE2Pattern), without compiling it: enough to know whether it is
// valid, and to read its structure.
func ParsePattern(p string) (*syntax.Regexp, error) {
	re2, _ := RE2Pattern(p)
	return syntax.Parse(re2, syntax.Perl)
}

// viewPattern is the views' regexp engine: the transformed schemas keep
// patterns as written, and they are compiled as RE2Pattern reads them,
// once for the definition (patternCache).
func (fs *fileSet) viewPattern(p string) (jsonschema.Regexp, error) {
	re, _, err := fs.compilePattern(p)
	if err != nil {
		return nil, err
	}
	return sourcePattern{re, p}, nil
}
