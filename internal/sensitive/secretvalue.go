package sensitive

import (
	"regexp"
	"slices"
	"strings"
)

// This file recognises secret values, where sensitive.go recognises
// secret names: credentials in well-known formats (CredentialSpans), and
// the values a YAML or JSON document writes under a secret name
// (SourceRedactor). Reports quote definitions (the audit's excerpts) and
// answers (the scan's evidence), and neither may repeat a credential: an
// API key pasted into an example is as live in a SARIF upload as in the
// definition.

// credentialHeaders are names of headers (and of the parameters and
// members named after them) whose values are credentials. They are not in
// Match's lists, which name what the audit and the scan report as exposed
// data; a value written under them is still never quoted.
var credentialHeaders = map[string]bool{
	"authorization": true, "proxyauthorization": true, "cookie": true, "setcookie": true,
	"xauthtoken": true, "sessionid": true,
}

// SecretName reports whether a value written under this member,
// parameter or header name is a credential: Match's Secret and Token
// classes, and the headers that carry credentials. Personal data is left
// out: it is not a credential, and example personal data is invented.
func SecretName(name string) bool {
	if class, ok := Match(name); ok && class != Personal {
		return true
	}
	return credentialHeaders[Normalize(name)]
}

// credentialFormats matches credentials whose format says what they are,
// whatever name they are written under: AWS access key ids, GitHub
// tokens, Stripe secret and restricted keys, Slack tokens and Google API
// keys. Each format starts with a literal prefix at a word boundary and
// has a minimum length, so ordinary words ("ASIA", "gh_pages") are not
// taken for one. Signed JWTs (signedJWT) and private key blocks are found
// beside it.
var credentialFormats = regexp.MustCompile(`\b(?:` +
	`(?:AKIA|ASIA)[A-Z0-9]{16}\b` +
	`|gh[pousr]_[A-Za-z0-9]{30,}` +
	`|github_pat_[A-Za-z0-9_]{22,}` +
	`|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}` +
	`|xox[abposr]-[A-Za-z0-9-]{10,}` +
	`|AIza[0-9A-Za-z_-]{35}` +
	`)`)

// credentialPrefixes are literals one of which every credential
// CredentialSpans finds contains: a line without any is skipped without
// running the expressions.
var credentialPrefixes = []string{"AKIA", "ASIA", "gh", "_live_", "_test_", "xox", "AIza", "-----BEGIN", "eyJ"}

const (
	privateKeyBegin = "-----BEGIN"
	privateKeyTail  = "PRIVATE KEY-----"
	privateKeyEnd   = "-----END"
)

// Span is a byte range [Start, End) of a text.
type Span struct{ Start, End int }

// CredentialSpans returns the ranges of text that hold a credential in a
// well-known format, in order and not overlapping. A private key block
// runs from its BEGIN line to the end of its END line, or to the end of
// text when that has none (open is then true: a caller feeding lines
// masks the following ones up to the END line).
func CredentialSpans(text string) (spans []Span, open bool) {
	if !mayHoldCredential(text) {
		return nil, false
	}
	for _, m := range credentialFormats.FindAllStringIndex(text, -1) {
		spans = append(spans, Span{m[0], m[1]})
	}
	for _, m := range signedJWT.FindAllStringIndex(text, -1) {
		spans = append(spans, Span{m[0], m[1]})
	}
	for from := 0; ; {
		i := strings.Index(text[from:], privateKeyBegin)
		if i < 0 {
			break
		}
		i += from
		head := text[i+len(privateKeyBegin):]
		// "-----BEGIN RSA PRIVATE KEY-----": the label is a few words.
		j := strings.Index(head[:min(len(head), 40)], privateKeyTail)
		if j < 0 {
			from = i + len(privateKeyBegin)
			continue
		}
		rest := i + len(privateKeyBegin) + j + len(privateKeyTail)
		e := strings.Index(text[rest:], privateKeyEnd)
		if e < 0 {
			spans = append(spans, Span{i, len(text)})
			open = true
			break
		}
		e += rest
		t := strings.Index(text[e:], privateKeyTail)
		if t < 0 || t > 40 {
			spans = append(spans, Span{i, len(text)})
			open = true
			break
		}
		end := e + t + len(privateKeyTail)
		spans = append(spans, Span{i, end})
		from = end
	}
	return mergeSpans(spans), open
}

// LooksLikeCredential reports whether text holds a credential in a
// well-known format.
func LooksLikeCredential(text string) bool {
	spans, _ := CredentialSpans(text)
	return len(spans) > 0
}

// RedactCredentials replaces with mark every credential in a well-known
// format in text (CredentialSpans).
func RedactCredentials(text, mark string) string {
	spans, _ := CredentialSpans(text)
	return ApplySpans(text, spans, mark)
}

func mayHoldCredential(text string) bool {
	for _, p := range credentialPrefixes {
		if strings.Contains(text, p) {
			return true
		}
	}
	return false
}

// ApplySpans replaces each span of text (in order, not overlapping, as
// CredentialSpans and SourceRedactor.Spans return them) with mark.
func ApplySpans(text string, spans []Span, mark string) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, s := range spans {
		b.WriteString(text[at:s.Start])
		b.WriteString(mark)
		at = s.End
	}
	b.WriteString(text[at:])
	return b.String()
}

// mergeSpans sorts spans and joins the overlapping ones.
func mergeSpans(spans []Span) []Span {
	if len(spans) < 2 {
		return spans
	}
	slices.SortFunc(spans, func(a, b Span) int { return a.Start - b.Start })
	out := spans[:1]
	for _, s := range spans[1:] {
		last := &out[len(out)-1]
		if s.Start <= last.End {
			last.End = max(last.End, s.End)
			continue
		}
		out = append(out, s)
	}
	return out
}

// valueKeywords are the members of a schema, parameter or header whose
// values are instances of it: when the schema describes a secret (a
// property named password, a parameter named api_key), these values are
// secrets.
//
// enum is not one of them: its values are the contract's closed list of
// what the API accepts, documentation rather than sample data, and names
// that contain "secret" or "token" often enumerate states and permission
// levels (secret_scanning_alerts: [read, write]).
var valueKeywords = map[string]bool{
	"example": true, "examples": true, "default": true, "const": true,
	"x-example": true, "x-examples": true, "value": true,
}

// schemaCarriers are the members through which a parameter, header or
// schema that describes a secret describes it further: the schema of a
// parameter named api_key, the items of a property named tokens.
var schemaCarriers = map[string]bool{
	"schema": true, "items": true, "allOf": true, "anyOf": true, "oneOf": true, "not": true,
}

// exampleMetadata are the members of an OpenAPI Example Object that
// describe the example rather than being it.
var exampleMetadata = map[string]bool{"summary": true, "description": true, "externalValue": true}

// keywordValues are values that say what a member is, not what it holds:
// `password: string` in a sketch of a body, `token: {type: ...}`. A
// member under a secret name that holds one of them is not a secret.
var keywordValues = map[string]bool{
	"": true, "string": true, "number": true, "integer": true, "boolean": true, "object": true,
	"array": true, "null": true, "true": true, "false": true, "~": true,
}

// keywordValue also takes references ("#/components/...") and runtime
// expressions ("$request.header.token", a link's parameter) for what
// they are.
func keywordValue(v string) bool {
	return keywordValues[v] || strings.HasPrefix(v, "#/") || strings.HasPrefix(v, "$")
}

// plainMembers are members whose keys are names of other things, not of
// the values beside them: OAuth scopes ("read:secrets": "Read secrets")
// and a discriminator's mapping (token: TokenCredential).
var plainMembers = map[string]bool{"scopes": true, "mapping": true}

// frame is an open mapping or sequence of the document SourceRedactor
// reads.
type frame struct {
	// indent is the column of the member's key or of the item's dash that
	// opened a block collection; for a flow collection ({...}, [...], all
	// of a JSON document), the indentation of the block line it began on,
	// -1 at the top of the document.
	indent int
	key    string // the member whose value the collection is ("" at the top)
	// secret: the collection describes or holds a secret (it is the value
	// of a secret name, or a sibling said so: name: api_key, format:
	// password), so its value keywords (example, default ...) are secret.
	secret bool
	// data: the collection is itself example data of a secret, so every
	// scalar in it is.
	data bool
	// plain: nothing in the collection is masked by name: the scopes of a
	// security requirement (`- api_key: [read]`) are no secrets.
	plain  bool
	item   bool   // a block sequence item
	flow   bool   // a flow collection
	object bool   // a flow mapping
	inKey  bool   // a flow mapping whose next scalar is a key
	member string // a flow mapping: the key of the value being read
}

// SourceRedactor finds the secrets in a YAML or JSON document (an OpenAPI
// definition) given to it line by line, in order: the credentials
// CredentialSpans finds, and the values written under a secret name
// (SecretName): `password: hunter2`, `"api_key": "..."`, a block scalar
// under `client_secret: |`, and the example, examples, default and const
// values of a property, parameter or header with a secret name (or
// `format: password`). Only values are masked; keys stay readable, and so
// does what describes a secret: descriptions, `type: string`, `format:
// password`, `$ref`s, `writeOnly: true`, and a member whose value is an
// object or a schema keyword.
//
// It reads indentation and flow brackets, not full YAML: one pass, no
// parse tree, cheap enough for every line of a large definition. A sibling
// that makes a parameter secret (`name: api_key`) counts for the members
// after it, which is the order definitions write them in.
type SourceRedactor struct {
	stack     []frame
	blockAt   int  // the indentation of the member whose block scalar the lines continue, or -1
	blockMask bool // that block scalar is a secret
	inKey     bool // the lines continue a private key block
}

// NewSourceRedactor returns a redactor at the start of a document.
func NewSourceRedactor() *SourceRedactor {
	return &SourceRedactor{stack: []frame{{indent: -1}}, blockAt: -1}
}

// RedactLines returns the lines of a document with every secret
// SourceRedactor finds replaced by mark.
func RedactLines(lines []string, mark string) []string {
	r := NewSourceRedactor()
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = ApplySpans(l, r.Spans(l), mark)
	}
	return out
}

// Spans returns the ranges of line (the next line of the document, without
// its line break) that hold a secret, in order and not overlapping.
func (r *SourceRedactor) Spans(line string) []Span {
	var out []Span
	if r.inKey {
		// The body of a private key block begun on an earlier line.
		ind := indentOf(line)
		if e := strings.Index(line, privateKeyEnd); e >= 0 {
			r.inKey = false
			end := len(line)
			if t := strings.Index(line[e:], privateKeyTail); t >= 0 {
				end = e + t + len(privateKeyTail)
			}
			return []Span{{ind, end}}
		}
		if keyBody(line[ind:]) {
			if ind < len(line) {
				out = append(out, Span{ind, len(line)})
			}
			return out
		}
		r.inKey = false // a truncated key: the document goes on
	}
	cred, open := CredentialSpans(line)
	out = append(out, cred...)
	r.inKey = open
	r.structure(line, &out)
	return mergeSpans(out)
}

// keyBody reports whether a line can be part of a PEM body: base64, or
// one of the headers of an encrypted key.
func keyBody(s string) bool {
	s = strings.TrimRight(s, " \t\r\"',")
	if strings.HasPrefix(s, "Proc-Type:") || strings.HasPrefix(s, "DEK-Info:") {
		return true
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=' || c == '\\') {
			return false
		}
	}
	return true
}

func indentOf(line string) int {
	i := 0
	for i < len(line) && line[i] == ' ' {
		i++
	}
	return i
}

func (r *SourceRedactor) top() *frame { return &r.stack[len(r.stack)-1] }

// child is the frame of the collection that is the value of member key of
// p.
func child(p *frame, key string) frame {
	return frame{
		key:    key,
		secret: !p.plain && (SecretName(key) || p.secret && schemaCarriers[key]),
		data:   p.data && !exampleMetadata[key] || !p.plain && p.secret && valueKeywords[key],
		plain:  p.plain || plainMembers[key],
	}
}

// itemOf is the frame of a collection that is an item of sequence p.
func itemOf(p *frame) frame {
	return frame{
		key:    p.key,
		secret: p.secret && (p.key == "allOf" || p.key == "anyOf" || p.key == "oneOf"),
		data:   p.data,
		// The items of a security requirement list map scheme names to
		// scopes.
		plain: p.plain || p.key == "security",
	}
}

// memberSecret reports whether the scalar value of member key of p is a
// secret.
func memberSecret(p *frame, key, value string) bool {
	switch {
	case p.plain || keywordValue(value):
		return false
	case p.data:
		return !exampleMetadata[key]
	case SecretName(key):
		return true
	}
	return p.secret && valueKeywords[key]
}

// itemSecret reports whether a scalar item of sequence p is a secret.
func itemSecret(p *frame, value string) bool {
	if p.plain || keywordValue(value) {
		return false
	}
	return p.data || SecretName(p.key)
}

// sibling notes the members that make the collection p describes a
// secret for the members after them: a parameter or header `name`, a
// `format: password`.
func sibling(p *frame, key, value string) {
	if p.plain {
		return
	}
	if key == "name" && SecretName(value) || key == "format" && value == "password" {
		p.secret = true
	}
}

// structure adds to out the values of line that its place in the
// document makes secret.
func (r *SourceRedactor) structure(line string, out *[]Span) {
	ind := indentOf(line)
	blank := ind == len(line) || line[ind] == '\r'
	if r.blockAt >= 0 {
		if blank || ind > r.blockAt {
			if r.blockMask && !blank {
				*out = append(*out, Span{ind, len(strings.TrimRight(line, " \t\r"))})
			}
			return
		}
		r.blockAt = -1
	}
	if blank {
		return
	}
	if t := r.top(); t.flow {
		// A flow collection (a JSON document) continues, unless a YAML
		// one was left open and the block structure has resumed.
		first := r.firstFlow()
		if r.stack[first].indent < 0 || ind > r.stack[first].indent || strings.ContainsRune("]},", rune(line[ind])) {
			r.flow(line, ind, out)
			return
		}
		r.stack = r.stack[:first]
	}
	rest := line[ind:]
	if rest[0] == '#' {
		return
	}
	if ind == 0 && (strings.HasPrefix(rest, "---") || strings.HasPrefix(rest, "...")) {
		r.stack = r.stack[:1] // a new document
		return
	}
	pos, dash := ind, false
	for pos < len(line) && line[pos] == '-' && (pos+1 == len(line) || line[pos+1] == ' ') {
		// A sequence item: it ends the previous item at its column,
		// and belongs to the member above (at its column, too, in an
		// indentless sequence).
		for len(r.stack) > 1 && (r.top().indent > pos || r.top().indent == pos && r.top().item) {
			r.stack = r.stack[:len(r.stack)-1]
		}
		f := itemOf(r.top())
		f.indent, f.item = pos, true
		r.stack = append(r.stack, f)
		dash = true
		pos++
		for pos < len(line) && line[pos] == ' ' {
			pos++
		}
	}
	if pos >= len(line) {
		return
	}
	key, valAt, ok := blockKey(line, pos)
	if !ok {
		switch {
		case dash:
			// A scalar or flow item.
			r.value(line, pos, pos, "", true, out)
		case line[pos] == '{' || line[pos] == '[':
			// A JSON document, or a YAML one written in flow style.
			f := child(r.top(), "")
			f.indent = ind
			if len(r.stack) == 1 {
				f.indent = -1 // the whole document: it has no block structure to resume
			}
			f.flow, f.object, f.inKey = true, line[pos] == '{', line[pos] == '{'
			r.stack = append(r.stack, f)
			r.flow(line, pos+1, out)
		}
		return
	}
	if !dash {
		for len(r.stack) > 1 && r.top().indent >= pos {
			r.stack = r.stack[:len(r.stack)-1]
		}
	}
	r.value(line, valAt, pos, key, false, out)
}

// firstFlow is the index of the outermost open flow collection.
func (r *SourceRedactor) firstFlow() int {
	i := len(r.stack) - 1
	for i > 0 && r.stack[i-1].flow {
		i--
	}
	return i
}

// value reads the value at line[at:] of member key of the top collection
// (or, for an item, the item itself), which begins at column col.
func (r *SourceRedactor) value(line string, at, col int, key string, item bool, out *[]Span) {
	p := r.top()
	for at < len(line) && (line[at] == ' ' || line[at] == '\t') {
		at++
	}
	// Anchors and tags come before the value they name.
	for at < len(line) && (line[at] == '&' || line[at] == '!') {
		for at < len(line) && line[at] != ' ' {
			at++
		}
		for at < len(line) && line[at] == ' ' {
			at++
		}
	}
	if at >= len(line) || line[at] == '#' || line[at] == '\r' {
		if !item {
			f := child(p, key)
			f.indent = col
			r.stack = append(r.stack, f)
		}
		return
	}
	secret := func(v string) bool {
		if item {
			return itemSecret(p, v)
		}
		return memberSecret(p, key, v)
	}
	switch c := line[at]; c {
	case '|', '>':
		// A block scalar: the lines below, more indented than the
		// member (or the item's dash), are its text.
		r.continued(p, col, item, secret("a block scalar"))
	case '{', '[':
		var f frame
		if item {
			f = *p // the item is the collection
			f.item = false
		} else {
			f = child(p, key)
			f.indent = col
		}
		f.flow, f.object, f.inKey = true, c == '{', c == '{'
		r.stack = append(r.stack, f)
		r.flow(line, at+1, out)
	case '*':
		// An alias repeats a value written elsewhere, masked there.
	default:
		_, _, vs, ve := scalarAt(line, at, false)
		v := line[vs:ve]
		masked := secret(v) && ve > vs
		if masked {
			*out = append(*out, Span{vs, ve})
		}
		if !item {
			sibling(p, key, v)
		}
		// Lines below that are more indented continue the scalar (a
		// long description folded over lines): they are its text, not
		// members, whatever colons they hold.
		r.continued(p, col, item, masked)
	}
}

// continued makes the lines more indented than the member at column col
// (or than the item's dash) continue its scalar value, masked or not.
func (r *SourceRedactor) continued(p *frame, col int, item, mask bool) {
	r.blockAt = col
	if item {
		r.blockAt = p.indent
	}
	r.blockMask = mask
}

// blockKey finds the key of a block mapping member at line[pos:]: a plain
// or quoted scalar followed by ':' and a space or the end of the line. at
// is where the value starts.
func blockKey(line string, pos int) (key string, at int, ok bool) {
	switch c := line[pos]; c {
	case '"', '\'':
		end := quotedEnd(line, pos)
		if end < 0 {
			return "", 0, false
		}
		j := end
		for j < len(line) && (line[j] == ' ' || line[j] == '\t') {
			j++
		}
		if j < len(line) && line[j] == ':' && (j+1 == len(line) || line[j+1] == ' ' || line[j+1] == '\t' || line[j+1] == '\r') {
			return line[pos+1 : end-1], j + 1, true
		}
		return "", 0, false
	case '{', '[', '?', '#', '|', '>', '&', '*', '!', '%', '@', '`':
		return "", 0, false
	}
	for j := pos; j < len(line); j++ {
		switch line[j] {
		case ':':
			if j+1 == len(line) || line[j+1] == ' ' || line[j+1] == '\t' || line[j+1] == '\r' {
				return strings.TrimRight(line[pos:j], " \t"), j + 1, true
			}
		case '#':
			if line[j-1] == ' ' || line[j-1] == '\t' {
				return "", 0, false // a comment
			}
		}
	}
	return "", 0, false
}

// quotedEnd returns the index just past the quoted scalar starting at
// line[pos], or -1 when it does not end on the line.
func quotedEnd(line string, pos int) int {
	q := line[pos]
	for j := pos + 1; j < len(line); j++ {
		switch {
		case q == '"' && line[j] == '\\':
			j++
		case line[j] == q:
			if q == '\'' && j+1 < len(line) && line[j+1] == '\'' {
				j++ // '' is a quote inside a single-quoted scalar
				continue
			}
			return j + 1
		}
	}
	return -1
}

// scalarAt reads the scalar starting at line[at]: [start, end) is all of
// it, [vs, ve) its text (inside the quotes). A quoted scalar that does not
// end on the line runs to its end; a plain one ends at a comment and, in
// a flow collection, at the indicators that end flow scalars.
func scalarAt(line string, at int, inFlow bool) (start, end, vs, ve int) {
	if c := line[at]; c == '"' || c == '\'' {
		e := quotedEnd(line, at)
		if e < 0 {
			ve = len(strings.TrimRight(line, " \t\r"))
			return at, len(line), at + 1, max(ve, at+1)
		}
		return at, e, at + 1, e - 1
	}
	j := at
	for ; j < len(line); j++ {
		c := line[j]
		if c == '#' && j > at && (line[j-1] == ' ' || line[j-1] == '\t') {
			break
		}
		if inFlow {
			if c == ',' || c == ']' || c == '}' {
				break
			}
			if c == ':' && (j+1 == len(line) || strings.IndexByte(" \t\r,]}", line[j+1]) >= 0) {
				break
			}
		}
	}
	ve = j
	for ve > at && (line[ve-1] == ' ' || line[ve-1] == '\t' || line[ve-1] == '\r') {
		ve--
	}
	return at, j, at, ve
}

// flow reads line[i:] inside the flow collection at the top of the stack,
// to the end of the line or of the outermost flow collection.
func (r *SourceRedactor) flow(line string, i int, out *[]Span) {
	for i < len(line) {
		t := r.top()
		if !t.flow {
			return // the rest is a comment, or nothing
		}
		switch c := line[i]; c {
		case ' ', '\t', '\r':
			i++
		case '{', '[':
			var f frame
			if t.object {
				f = child(t, t.member)
			} else {
				f = itemOf(t)
			}
			f.indent = t.indent
			f.flow, f.object, f.inKey = true, c == '{', c == '{'
			r.stack = append(r.stack, f)
			i++
		case '}', ']':
			r.stack = r.stack[:len(r.stack)-1]
			i++
		case ',':
			if t.object {
				t.inKey, t.member = true, ""
			}
			i++
		case ':':
			if t.object {
				t.inKey = false
			}
			i++
		case '#':
			if i == 0 || line[i-1] == ' ' || line[i-1] == '\t' {
				return // a YAML comment
			}
			fallthrough
		default:
			_, end, vs, ve := scalarAt(line, i, true)
			if end == i {
				end = i + 1 // a stray indicator: move on
			}
			v := line[vs:ve]
			switch {
			case t.object && t.inKey:
				t.member, t.inKey = v, false
			case t.object:
				if memberSecret(t, t.member, v) && ve > vs {
					*out = append(*out, Span{vs, ve})
				}
				sibling(t, t.member, v)
			default:
				if itemSecret(t, v) && ve > vs {
					*out = append(*out, Span{vs, ve})
				}
			}
			i = end
		}
	}
}
