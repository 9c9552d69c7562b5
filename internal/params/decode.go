package params

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"
)

// Errors of the decoders. Their text is safe to show: it never contains the
// raw value.
var (
	ErrMalformed = errors.New("is not serialised as its style requires")
	ErrAmbiguous = errors.New("is given more than once")
)

// Ambiguous returns an error with its own message that matches
// ErrAmbiguous (errors.Is): a value servers would read differently for
// another reason than repetition.
func Ambiguous(msg string) error { return ambiguity(msg) }

type ambiguity string

func (e ambiguity) Error() string        { return string(e) }
func (e ambiguity) Is(target error) bool { return target == ErrAmbiguous }

// Ambiguities of query keys that lenient parsers build structures from.
var (
	errEmptyProperty = Ambiguous("has an empty property name (name[]), which qs, PHP and Rails read as an array item")
	errIndexProperty = Ambiguous("has a numeric property name the schema does not declare, which qs reads as an array index")
	errBracketKey    = Ambiguous("has a key with brackets, which qs, PHP and Rails read as a nested value, not as one property")
	errBareAndDeep   = Ambiguous("is sent both as its bare name and with brackets (name=x&name[k]=y), which qs merges and PHP and Rails override")
)

// Param is a compiled parameter decoder.
type Param struct {
	Name    string
	In      string
	Style   string
	Explode bool
	Shape   *Shape
}

// Pair is one query (or form) key and value, already unescaped.
type Pair struct{ Key, Value string }

// ErrQuerySemicolon reports a literal ';' that starts what some servers
// read as another parameter ("q=x;role=admin": Rack before 3, Python before
// 3.9.2 and other servers split pairs at ';' as well as '&').
var ErrQuerySemicolon = Ambiguous("the query has a literal ';' followed by name=, which some servers read as another parameter (send it encoded, as %3B)")

// Errors of ParseQuery besides ErrQuerySemicolon and the pair limit.
var (
	ErrQueryEscape = errors.New("the query has an invalid percent-escape")
	ErrQueryText   = errors.New("the query has a name or value that is not valid UTF-8 text or holds NUL")
)

// ParseQuery splits a raw query string (or an
// application/x-www-form-urlencoded body, the same encoding) into pairs,
// in order. Invalid escapes
// are an error (url.ParseQuery would drop the pair silently, so the firewall
// and the upstream could disagree on what was sent). Semicolons are data,
// as in the WHATWG URL standard Go follows, except where one is followed
// by name= (ErrQuerySemicolon).
func ParseQuery(raw string, max int) ([]Pair, error) {
	if raw == "" {
		return nil, nil
	}
	out := make([]Pair, 0, 4)
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		if len(out) >= max {
			return nil, fmt.Errorf("the query has more than %d parameters", max)
		}
		if hidesQueryPair(part) {
			return nil, ErrQuerySemicolon
		}
		k, v, _ := strings.Cut(part, "=")
		uk, err := unescapeQuery(k)
		if err != nil {
			return nil, ErrQueryEscape
		}
		uv, err := unescapeQuery(v)
		if err != nil {
			return nil, ErrQueryEscape
		}
		// Parameter values are text: invalid UTF-8 and NUL are refused
		// here as they are in JSON bodies (a NUL truncates strings in C
		// and in some databases).
		if !utf8.ValidString(uk) || !utf8.ValidString(uv) || strings.IndexByte(uk, 0) >= 0 || strings.IndexByte(uv, 0) >= 0 {
			return nil, ErrQueryText
		}
		out = append(out, Pair{uk, uv})
	}
	return out, nil
}

// LenientQuery splits a raw query the way the most permissive server would
// (pairs at '&' and ';', undecodable escapes kept as written), at most max
// pairs. It is for scanning a query ParseQuery refused, in monitor mode,
// where the request is forwarded anyway.
func LenientQuery(raw string, max int) []Pair {
	var out []Pair
	for part := range strings.FieldsFuncSeq(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		if len(out) >= max {
			break
		}
		k, v, _ := strings.Cut(part, "=")
		if u, err := url.QueryUnescape(k); err == nil {
			k = u
		}
		if u, err := url.QueryUnescape(v); err == nil {
			v = u
		}
		out = append(out, Pair{k, v})
	}
	return out
}

// hidesQueryPair reports whether the raw pair holds ';' followed by a
// non-empty name and '='.
func hidesQueryPair(part string) bool {
	for {
		i := strings.IndexByte(part, ';')
		if i < 0 {
			return false
		}
		part = part[i+1:]
		if j := strings.IndexAny(part, ";="); j > 0 && part[j] == '=' {
			return true
		}
	}
}

// unescapeQuery avoids url.QueryUnescape's allocation when there is nothing
// to unescape, which is the common case.
func unescapeQuery(s string) (string, error) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, nil
	}
	return url.QueryUnescape(s)
}

// Path decodes a path parameter from its (already unescaped) segment value.
func (p *Param) Path(raw string) (any, error) {
	switch p.Style {
	case "label":
		rest, ok := strings.CutPrefix(raw, ".")
		if !ok {
			return nil, ErrMalformed
		}
		sep := ","
		if p.Explode {
			sep = "."
		}
		return p.delimited(rest, sep, p.Explode)
	case "matrix":
		rest, ok := strings.CutPrefix(raw, ";")
		if !ok {
			return nil, ErrMalformed
		}
		if p.Shape.Has(TObject) && p.Explode && !p.Shape.Has(TString) {
			return p.delimited(rest, ";", true)
		}
		if p.Shape.Has(TArray) && p.Explode {
			var items []any
			for _, seg := range strings.Split(rest, ";") {
				v, ok := strings.CutPrefix(seg, p.Name+"=")
				if !ok {
					return nil, ErrMalformed
				}
				items = append(items, Scalar(v, p.Shape.Item(len(items))))
			}
			return items, nil
		}
		v, ok := strings.CutPrefix(rest, p.Name)
		if !ok {
			return nil, ErrMalformed
		}
		if v == "" {
			// ";name" is an empty value in matrix style.
			return Scalar("", p.Shape), nil
		}
		v, ok = strings.CutPrefix(v, "=")
		if !ok {
			return nil, ErrMalformed
		}
		return p.delimited(v, ",", false)
	default: // simple
		return p.delimited(raw, ",", p.Explode)
	}
}

// delimited reads a primitive, an array or an object from s whose items are
// separated by sep. Exploded objects are name=value items; the others
// alternate names and values.
func (p *Param) delimited(s, sep string, explode bool) (any, error) {
	return p.items(s, sep, explode, false)
}

// items is delimited; with ows, optional whitespace (SP, HTAB) around
// each item is dropped, as in an RFC 9110 list ("1, 2").
func (p *Param) items(s, sep string, explode, ows bool) (any, error) {
	sh := p.Shape
	switch {
	case sh.Has(TArray) && !sh.Has(TString|TObject):
		if s == "" {
			return []any{}, nil
		}
		parts := splitItems(s, sep, itemWantsJSON(sh))
		out := make([]any, len(parts))
		for i, x := range parts {
			if ows {
				x = strings.Trim(x, " \t")
			}
			out[i] = Scalar(x, sh.Item(i))
		}
		return out, nil
	case sh.Has(TObject) && !sh.Has(TString|TArray):
		if sh.Has(TInteger|TNumber|TBoolean) && !strings.Contains(s, sep) && (!explode || !strings.Contains(s, "=")) {
			// An object or a number or boolean (anyOf [integer,
			// object]), sent as one atom: not an object's pairs
			// (R,5 or, exploded, R=5).
			if sc := Scalar(s, sh); !isString(sc) {
				return sc, nil
			}
		}
		obj := map[string]any{}
		if s == "" {
			return obj, nil
		}
		nested := wantsJSON(sh.AddProps)
		for _, ps := range sh.Props {
			nested = nested || wantsJSON(ps)
		}
		parts := splitItems(s, sep, nested)
		if ows {
			for i := range parts {
				parts[i] = strings.Trim(parts[i], " \t")
			}
		}
		if explode {
			for _, kv := range parts {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, ErrMalformed
				}
				if _, dup := obj[k]; dup {
					return nil, ErrAmbiguous
				}
				obj[k] = Scalar(v, sh.Props[k])
			}
			return obj, nil
		}
		if len(parts)%2 != 0 {
			return nil, ErrMalformed
		}
		for i := 0; i < len(parts); i += 2 {
			if _, dup := obj[parts[i]]; dup {
				return nil, ErrAmbiguous
			}
			obj[parts[i]] = Scalar(parts[i+1], sh.Props[parts[i]])
		}
		return obj, nil
	}
	return Scalar(s, sh), nil
}

// wantsJSON reports whether Scalar reads a value of shape s as JSONText:
// an object or an array and no string.
func wantsJSON(s *Shape) bool {
	return s != nil && s.Types&(TObject|TArray) != 0 && s.Types&TString == 0
}

// itemWantsJSON reports whether an item of the array shape s, at any
// position, is read as JSONText.
func itemWantsJSON(s *Shape) bool {
	if wantsJSON(s.Items) {
		return true
	}
	for _, p := range s.Prefix {
		if wantsJSON(p) {
			return true
		}
	}
	return false
}

// splitItems splits a delimited value at sep. With nested (an item may be
// an object or an array, which no RFC 6570 form spells, so it travels as
// JSON text), separators inside brackets and their JSON strings do not
// split: FieldDefinitions,[{"a":1,"b":2}] is two items, not three, and so
// is Fields=[{"a":1,"b":2}] exploded. Where a bracket does not close, the
// rest is split as plain text.
func splitItems(s, sep string, nested bool) []string {
	if !nested || !strings.ContainsAny(s, "[{") {
		return strings.Split(s, sep)
	}
	var out []string
	start, depth, inString := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inString:
			if c == '\\' {
				i++
			} else if c == '"' {
				inString = false
			}
		case depth > 0 && c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case (c == ']' || c == '}') && depth > 0:
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], sep):
			out = append(out, s[start:i])
			start = i + len(sep)
			i = start - 1
		}
	}
	if depth > 0 || inString {
		// Unclosed: what follows the last separator found is text.
		return append(out, strings.Split(s[start:], sep)...)
	}
	return append(out, s[start:])
}

// Query decodes a query parameter. present is false when the request does
// not carry it. consumed marks the pairs the parameter used, so that the
// caller can reject the rest as undeclared.
func (p *Param) Query(q []Pair, consumed []bool) (v any, present bool, err error) {
	sh := p.Shape
	if p.DeepScalar() {
		if v, present, err := p.deepBare(q, consumed); present {
			return v, true, err
		}
	}
	if p.Style == "deepObject" && p.DeepArray() {
		return p.deepArray(q, consumed)
	}
	if p.Style == "deepObject" {
		return p.deepObject(q, consumed)
	}
	exploded := p.Explode
	spread := sh.Has(TObject) && !sh.Has(TArray) && exploded
	if spread && sh.Has(ScalarTypes|TNull) {
		// An object or a scalar (oneOf [integer, {number, size}],
		// anyOf [object, string]): the scalar is the pair of the
		// parameter's own name (page=2), the object its properties'
		// pairs (number=2&size=50).
		if _, isProp := sh.Props[p.Name]; !isProp {
			if v, present, err := p.namedScalar(q, consumed); present {
				return v, true, err
			}
		}
	}
	if spread {
		// Exploded form objects spread their properties as top-level keys.
		// A free-form one (additionalProperties) also takes every key no
		// other parameter took, typed by additionalProperties, so that
		// what it admits is validated as the object the upstream binds
		// (the caller decodes it after the other parameters).
		free := p.FreeForm()
		obj := map[string]any{}
		for i, kv := range q {
			ps, declared := sh.Props[kv.Key]
			if !declared {
				if !free || consumed[i] {
					continue
				}
				if strings.ContainsAny(kv.Key, "[]") {
					// qs, PHP and Rails build a nested value from
					// a[b] or a[]: not the property validated here.
					return nil, true, errBracketKey
				}
				ps = sh.AddProps
			}
			if ps.Has(TArray) && !ps.Has(TString|TObject) {
				arr, _ := obj[kv.Key].([]any)
				consumed[i] = true
				obj[kv.Key] = append(arr, Scalar(kv.Value, ps.Item(len(arr))))
				continue
			}
			if _, dup := obj[kv.Key]; dup {
				return nil, true, ErrAmbiguous
			}
			consumed[i] = true
			obj[kv.Key] = Scalar(kv.Value, ps)
		}
		if len(obj) == 0 {
			return nil, false, nil
		}
		return obj, true, nil
	}
	if sh.Has(TArray) && !sh.Has(TObject) && sh.Has(ScalarTypes) && exploded && countPairs(q, p.Name) > 1 {
		// A scalar or an array of them (anyOf [string, array]: Vercel's
		// domain): one pair is the scalar, read below; repeated, the
		// pairs can only be the array, as an exploded array is sent.
		var out []any
		for i, kv := range q {
			if kv.Key == p.Name {
				consumed[i] = true
				out = append(out, Scalar(kv.Value, sh.Item(len(out))))
			}
		}
		return out, true, nil
	}
	if sh.Has(TArray) && !sh.Has(TString|TObject) && exploded {
		var out []any
		for i, kv := range q {
			if kv.Key == p.Name {
				consumed[i] = true
				out = append(out, Scalar(kv.Value, sh.Item(len(out))))
			}
		}
		if out == nil {
			return nil, false, nil
		}
		return out, true, nil
	}
	idx, err := onePair(q, p.Name)
	if idx < 0 {
		return nil, err != nil, err
	}
	consumed[idx] = true
	v, err = p.delimited(q[idx].Value, Separator(p.Style), false)
	return v, true, err
}

// Separator is the text between the items of a query parameter that is
// not exploded, once percent-decoded: a space for spaceDelimited, | for
// pipeDelimited, a comma for form.
func Separator(style string) string {
	switch style {
	case "spaceDelimited":
		return " "
	case "pipeDelimited":
		return "|"
	}
	return ","
}

// namedScalar reads the one pair named after p as a scalar of its shape;
// present is false when there is none.
func (p *Param) namedScalar(q []Pair, consumed []bool) (any, bool, error) {
	idx, err := onePair(q, p.Name)
	if idx < 0 {
		return nil, err != nil, err
	}
	consumed[idx] = true
	return Scalar(q[idx].Value, p.Shape), true, nil
}

func isString(v any) bool {
	_, ok := v.(string)
	return ok
}

// countPairs is how many pairs are called name.
func countPairs(q []Pair, name string) int {
	n := 0
	for _, kv := range q {
		if kv.Key == name {
			n++
		}
	}
	return n
}

// onePair is the index of the one pair called name: -1 when there is
// none, and -1 with ErrAmbiguous when there are several (a parameter that
// is not exploded is sent once).
func onePair(q []Pair, name string) (int, error) {
	idx := -1
	for i, kv := range q {
		if kv.Key == name {
			if idx >= 0 {
				return -1, ErrAmbiguous
			}
			idx = i
		}
	}
	return idx, nil
}

// ScalarTypes are the types one name=value pair can carry (a scalar, as
// opposed to an array or an object spread over pairs).
const ScalarTypes = TString | TInteger | TNumber | TBoolean

// DeepScalar reports a deepObject parameter whose schema admits a scalar
// too, or only: Stripe's created (anyOf [{gt, gte, lt, lte}, integer]) is
// sent as created=1700000000 or as created[gte]=1700000000. OpenAPI
// defines deepObject for objects only; qs, PHP and Rails read the bare
// name as that scalar, and so does the decoder (deepBare).
func (p *Param) DeepScalar() bool {
	return p.Style == "deepObject" && p.Shape.Has(ScalarTypes)
}

// deepBare reads a DeepScalar parameter sent under its bare name: once,
// and not beside bracket keys of the same name. The value is read as the
// schema's scalar types only (JSON text is not an object here: qs reads
// created={"gt":1} as a string).
func (p *Param) deepBare(q []Pair, consumed []bool) (any, bool, error) {
	idx, err := onePair(q, p.Name)
	if idx < 0 {
		return nil, err != nil, err
	}
	prefix := p.Name + "["
	for _, kv := range q {
		if strings.HasPrefix(kv.Key, prefix) {
			return nil, true, errBareAndDeep
		}
	}
	consumed[idx] = true
	scalar := *p.Shape
	scalar.Types &= ScalarTypes | TNull
	return Scalar(q[idx].Value, &scalar), true, nil
}

// DeepArray reports a deepObject parameter whose schema is an array (and
// not an object). OpenAPI defines deepObject for objects only; contracts
// that give it to arrays (Stripe's expand, for one) mean the bracket
// forms that qs, PHP and Rails read as an array: expand[]=a&expand[]=b,
// or with indices, expand[0]=a&expand[1]=b.
func (p *Param) DeepArray() bool {
	return p.Style == "deepObject" && p.Shape.Has(TArray) && !p.Shape.Has(TObject)
}

// deepArray decodes a DeepArray parameter. The two forms may not be mixed,
// and indices must count up from 0 in order: qs sorts indices and PHP keeps
// them as keys, so anything else would be read as another list than the
// one validated.
func (p *Param) deepArray(q []Pair, consumed []bool) (any, bool, error) {
	prefix := p.Name + "["
	var root any
	present := false
	for i, kv := range q {
		rest, ok := strings.CutPrefix(kv.Key, prefix)
		if !ok {
			continue
		}
		path, err := bracketPath(rest)
		if err != nil {
			return nil, true, err
		}
		consumed[i] = true
		present = true
		// The parameter is the array itself: its first bracket is an
		// item's index (items[0][price]=x, Stripe's subscription items)
		// or [] (expand[]=a), read as deepObject reads a nested array.
		if root, err = deepPut(root, p.Shape, false, path, kv.Value, 0); err != nil {
			return nil, true, err
		}
	}
	if !present {
		return nil, false, nil
	}
	return deepFinish(root), true, nil
}

// FreeForm reports whether p is an exploded form object that admits
// properties beyond those it declares: it takes any query key.
func (p *Param) FreeForm() bool {
	return p.In == "query" && p.Style == "form" && p.Explode && p.Shape.Has(TObject) && !p.Shape.Has(TString|TArray) && p.Shape.Additional
}

// Header decodes a header parameter (simple style) from its field lines.
func (p *Param) Header(values []string) (any, bool, error) {
	if len(values) == 0 {
		return nil, false, nil
	}
	if len(values) > 1 {
		if !p.Shape.Has(TArray) {
			return nil, true, ErrAmbiguous
		}
		// Repeated field lines are one comma-separated list (RFC 9110
		// 5.3), as the servers that combine them read it.
		v, err := p.items(strings.Join(values, ","), ",", p.Explode, true)
		return v, true, err
	}
	// An array or object header is an RFC 9110 list: "1, 2" is [1, 2]
	// (Spring, ASP.NET Core and others split and trim it so).
	v, err := p.items(strings.TrimSpace(values[0]), ",", p.Explode, true)
	return v, true, err
}

// CookieFrom decodes a cookie parameter from the request's cookies;
// values returns the values of the cookies with a name. An exploded
// object (explode defaults to true for cookies) spreads its properties
// over cookies of their own, R=100; G=200, as form spreads them over a
// query, so its declared properties are read from those cookies. A
// cookie named after the parameter itself, holding the object in the
// k1,v1,k2,v2 form, is read too, since servers that do not follow the
// specification read that one: the value is validated whichever form
// carries it, and a request carrying both is ambiguous.
func (p *Param) CookieFrom(values func(name string) []string) (any, bool, error) {
	own := values(p.Name)
	sh := p.Shape
	if !p.spreadsCookies() {
		return p.Cookie(own)
	}
	obj := map[string]any{}
	for name, ps := range sh.Props {
		vals := values(name)
		switch {
		case len(vals) == 0:
			continue
		case len(vals) > 1:
			return nil, true, ErrAmbiguous
		}
		obj[name] = Scalar(vals[0], ps)
	}
	switch {
	case len(obj) > 0 && len(own) > 0:
		return nil, true, ErrAmbiguous
	case len(obj) > 0:
		return obj, true, nil
	}
	return p.Cookie(own)
}

// spreadsCookies reports whether the parameter is an exploded object,
// whose properties travel as cookies of their own (an object or a scalar
// too: the scalar is the cookie of its name, as for query parameters).
func (p *Param) spreadsCookies() bool {
	return p.Explode && p.Shape.Has(TObject) && !p.Shape.Has(TArray)
}

// CookieNames lists the cookies CookieFrom reads: the parameter's name,
// and for an exploded object its declared properties, in order.
func (p *Param) CookieNames() []string {
	names := []string{p.Name}
	if p.spreadsCookies() {
		props := make([]string, 0, len(p.Shape.Props))
		for name := range p.Shape.Props {
			props = append(props, name)
		}
		sort.Strings(props)
		names = append(names, props...)
	}
	return names
}

// Cookie decodes a cookie parameter (form style) from the values of the
// cookies named after it.
func (p *Param) Cookie(values []string) (any, bool, error) {
	if len(values) == 0 {
		return nil, false, nil
	}
	if len(values) > 1 && (!p.Shape.Has(TArray) || !p.Explode) {
		// Only an exploded array is several cookies. A non-exploded one
		// is one cookie, ids=1,2; sent twice, servers keep the first
		// (most) or the last (some), and the firewall cannot know which.
		return nil, true, ErrAmbiguous
	}
	if len(values) > 1 {
		out := make([]any, len(values))
		for i, v := range values {
			out[i] = Scalar(v, p.Shape.Item(i))
		}
		return out, true, nil
	}
	v, err := p.delimited(values[0], ",", false)
	return v, true, err
}

// isIndex reports whether s is all ASCII digits.
func isIndex(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// LenientName is the name under which the most lenient servers file a
// query key (or form field name), lower-cased: PHP trims leading spaces,
// turns '.' and ' ' into '_', files name[...] as an array under name and
// turns an unclosed '[' into '_'; ASP.NET and others ignore case. A
// firewall refusing a parameter by its name compares LenientName of the
// key with it, or a spelling such as "access.token" or "access_token[]"
// would reach the upstream as the parameter refused.
func LenientName(key string) string {
	key = strings.TrimLeft(key, " ")
	if i := strings.IndexByte(key, '['); i >= 0 {
		if strings.IndexByte(key[i:], ']') >= 0 {
			key = key[:i]
		} else {
			key = key[:i] + "_" + key[i+1:]
		}
	}
	return strings.ToLower(phpMangle.Replace(key))
}

// AccessTokenName is the parameter RFC 6750 names for an access token sent
// outside the Authorization header (sections 2.2 and 2.3).
const AccessTokenName = "access_token"

// IsAccessToken reports whether a lenient server reads a query key or
// form field name as access_token (access.token, ACCESS_TOKEN,
// access_token[]).
func IsAccessToken(name string) bool { return LenientName(name) == AccessTokenName }

// phpMangle is what PHP does to '.' and ' ' in a parameter name.
var phpMangle = strings.NewReplacer(".", "_", " ", "_")
