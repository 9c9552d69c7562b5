package blacklist

import (
	"strings"
	"unicode/utf8"

	libinjection "github.com/corazawaf/libinjection-go"
)

// Family is an attack family.
type Family string

// Attack families. None is the zero value: nothing detected.
const (
	None      Family = ""
	SQLi      Family = "sqli"
	XSS       Family = "xss"
	Traversal Family = "traversal"
	CmdI      Family = "cmdi"
)

// AllFamilies lists the families in detection order.
func AllFamilies() []Family { return []Family{SQLi, XSS, Traversal, CmdI} }

func (f Family) valid() bool {
	switch f {
	case SQLi, XSS, Traversal, CmdI:
		return true
	}
	return false
}

// Where a value comes from. The detector treats every place the same; the
// context is carried into findings so logs and audit records say where the
// attack was.
type Context struct {
	// In is "path", "query", "header", "cookie" or "body".
	In string
	// Name is the parameter name, or the JSON pointer of a body value.
	Name string
	// Key marks an object key or parameter name rather than a value.
	Key bool
}

// Finding is the result of one check. The zero Finding means clean.
type Finding struct {
	Family Family
	// Reason is a stable kebab-case code naming the rule that matched,
	// e.g. "sqli-libinjection", "xss-event-handler", "traversal-dotdot".
	Reason string
	// Evidence is an excerpt of the (decoded) value around the match:
	// at most EvidenceMax bytes, control characters escaped, so it is safe
	// to write to logs and audit records.
	Evidence string
	// Where repeats the context of the checked value.
	Where Context
}

// Detected reports whether the finding is an attack.
func (f Finding) Detected() bool { return f.Family != None }

// Checker inspects one string.
type Checker interface {
	Check(value string, where Context) Finding
}

// EvidenceMax bounds Finding.Evidence.
const EvidenceMax = 64

// Detector is the default tier: libinjection for SQL injection and XSS plus
// the package's own rules for what libinjection misses, run over the raw
// value and its decoded forms. It is safe for concurrent use and every
// matcher runs in linear time (RE2 and libinjection's tokenizers), so a
// hostile value cannot make it backtrack.
type Detector struct {
	families [5]bool
	maxBytes int
}

// NewDetector builds the default-tier detector from a validated Config.
func NewDetector(c Config) *Detector {
	c = c.WithDefaults()
	d := &Detector{maxBytes: c.MaxValueBytes}
	for _, f := range c.Families {
		d.families[familyIndex(f)] = true
	}
	return d
}

func familyIndex(f Family) int {
	switch f {
	case SQLi:
		return 1
	case XSS:
		return 2
	case Traversal:
		return 3
	case CmdI:
		return 4
	}
	return 0
}

func (d *Detector) on(f Family) bool { return d.families[familyIndex(f)] }

// Check inspects value and returns the first family it matches.
func (d *Detector) Check(value string, where Context) Finding {
	if len(value) > d.maxBytes {
		if f := d.check(value[:d.maxBytes], where); f.Detected() {
			return f
		}
		return d.check(value[len(value)-d.maxBytes:], where)
	}
	return d.check(value, where)
}

func (d *Detector) check(value string, where Context) Finding {
	if len(value) < 2 {
		return Finding{}
	}
	if !mayCarryAttack(value) {
		if len(value) < 4 {
			return Finding{}
		}
		// Letters, digits and spaces only: no quoting, markup or shell
		// syntax to break out with, but a bare statement ("union select
		// x from y") or command line ("nohup ifconfig") is still possible.
		if f := d.checkWords(strings.ToLower(value)); f.Detected() {
			f.Where = where
			return f
		}
		return Finding{}
	}
	views := normalise(value)
	for _, v := range views.all() {
		if f := d.checkView(v, views); f.Detected() {
			f.Where = where
			return f
		}
	}
	return Finding{}
}

// mayCarryAttack is the fast path: a value made only of letters, digits,
// spaces and a few inert punctuation marks cannot break out of any SQL,
// HTML, shell or path context, so none of the matchers need to run.
func mayCarryAttack(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == ' ', c == '_', c == '-', c == ',', c == '@', c == ':':
		default:
			return true
		}
	}
	return false
}

func (d *Detector) checkView(v string, views *variants) Finding {
	lower := strings.ToLower(v)
	lv := newView(lower)
	if d.on(SQLi) {
		// libinjection needs a string, operator, comment or parenthesis to
		// build an injection fingerprint from; values of words and inert
		// punctuation are left to the keyword rules below.
		if ok, fp := sqlMetaCheck(v); ok {
			return Finding{Family: SQLi, Reason: "sqli-libinjection", Evidence: excerpt(v, 0, len(v)) + fingerprintNote(fp)}
		}
		if f := matchRules(sqlRules, lv.derive(sqlView(lower))); f.Detected() {
			return f
		}
	}
	if d.on(XSS) {
		// libinjection's XSS check needs a tag, an attribute assignment
		// or a URL scheme; without '<', '=', ':' or '`' it cannot match.
		if strings.ContainsAny(v, "<=:`") && libinjection.IsXSS(v) {
			return Finding{Family: XSS, Reason: "xss-libinjection", Evidence: excerpt(v, 0, len(v))}
		}
		if f := matchRules(xssRules, lv.derive(xssView(lower))); f.Detected() {
			return f
		}
	}
	// Commands before traversal: "; cat /etc/passwd" is a command
	// injection that happens to name a sensitive file.
	if d.on(CmdI) {
		if f := matchRules(cmdRules, lv.derive(shellView(lower))); f.Detected() {
			return f
		}
		if f := matchRules(cmdRawRules, lv); f.Detected() {
			return f
		}
	}
	if d.on(Traversal) {
		if f := matchRules(traversalRules, lv); f.Detected() {
			return f
		}
	}
	return Finding{}
}

// checkWords runs the rules that can match a value with no punctuation.
func (d *Detector) checkWords(lower string) Finding {
	lv := newView(lower)
	if d.on(SQLi) {
		if f := matchRules(sqlWordRules, lv); f.Detected() {
			return f
		}
	}
	if d.on(CmdI) {
		if f := matchRules(cmdWordRules, lv); f.Detected() {
			return f
		}
	}
	return Finding{}
}

func sqlMetaCheck(v string) (bool, string) {
	if !strings.ContainsAny(v, "'\"`;#=<>|&!(*") {
		return false, ""
	}
	// libinjection upper-cases every word it looks up, one allocation
	// each; SQL keywords are case-insensitive and its tokenizer treats
	// both cases alike, so handing it the value upper-cased once gives
	// the same fingerprint (checked on every CRS corpus payload) for one
	// allocation.
	return libinjection.IsSQLi(asciiUpper(v))
}

// asciiUpper upper-cases ASCII letters only, so byte offsets and
// non-ASCII text are unchanged.
func asciiUpper(s string) string {
	i := 0
	for i < len(s) && (s[i] < 'a' || s[i] > 'z') {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

func fingerprintNote(fp string) string {
	if fp == "" {
		return ""
	}
	return " [fingerprint " + fp + "]"
}

// excerpt returns at most EvidenceMax bytes of s around [start, end),
// with control and non-printable characters escaped.
func excerpt(s string, start, end int) string {
	const ctx = 16
	lo := max(start-ctx, 0)
	hi := min(max(end, start)+ctx, len(s))
	if hi-lo > EvidenceMax {
		hi = lo + EvidenceMax
	}
	// Do not cut a UTF-8 sequence in half.
	for lo > 0 && lo < len(s) && !utf8.RuneStart(s[lo]) {
		lo--
	}
	for hi < len(s) && hi > lo && !utf8.RuneStart(s[hi]) {
		hi--
	}
	var b strings.Builder
	if lo > 0 {
		b.WriteString("…")
	}
	// Escapes make the excerpt longer than its source (an invalid byte
	// becomes six), so the bound applies to what is written.
	written := 0
	var esc [6]byte
	for i, r := range s[lo:hi] {
		piece := esc[:0]
		switch {
		case r == utf8.RuneError:
			piece = append(piece, `\ufffd`...)
		case r < 0x20 || r == 0x7f:
			piece = append(piece, '\\', 'x', "0123456789abcdef"[r>>4], "0123456789abcdef"[r&15])
		default:
			piece = utf8.AppendRune(piece, r)
		}
		if written+len(piece) > EvidenceMax {
			hi = lo + i
			break
		}
		b.Write(piece)
		written += len(piece)
	}
	if hi < len(s) {
		b.WriteString("…")
	}
	return b.String()
}
