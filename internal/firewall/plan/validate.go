package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/rampart-sec/rampart/internal/casefold"
	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/cookies"
	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/params"
	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Violation is one way a request or response breaks the contract. Detail
// is safe to send to the client: it names locations and schema keywords,
// never raw values.
type Violation struct {
	Status int
	Reason string
	Detail string
}

// Reason codes (stable; documented in docs/protect.md).
const (
	ReasonParamMissing      = "parameter-missing"
	ReasonParamInvalid      = "parameter-invalid"
	ReasonParamMalformed    = "parameter-malformed"
	ReasonParamAmbiguous    = "parameter-ambiguous"
	ReasonQueryUndeclared   = "query-parameter-undeclared"
	ReasonQueryMalformed    = "query-malformed"
	ReasonBodyMissing       = "body-missing"
	ReasonBodyUndeclared    = "body-undeclared"
	ReasonMediaType         = "unsupported-media-type"
	ReasonSchema            = "schema-violation"
	ReasonUndeclaredProp    = "undeclared-property"
	ReasonReadOnly          = "read-only-property"
	ReasonWriteOnly         = "write-only-property"
	ReasonMissingProp       = "missing-property"
	ReasonTypeMismatch      = "type-mismatch"
	ReasonRespStatus        = "response-status-undeclared"
	ReasonRespMediaType     = "response-media-type-undeclared"
	ReasonRespBodyInvalid   = "response-body-invalid"
	ReasonRespBodyMalformed = "response-body-malformed"
	ReasonRespHeader        = "response-header-invalid"
	ReasonRespTooLarge      = "response-too-large"
	ReasonTooCostly         = "body-too-costly"
)

// Request is what request validation reads.
type Request struct {
	PathParams  []route.PathParam
	RawQuery    string
	Header      http.Header
	ContentType string
	Body        []byte
	HasBody     bool
	// JSON is set by CheckRequest to the decoded JSON body, so later
	// stages (the blacklist) reuse it instead of decoding the body again.
	JSON any
}

// CheckRequest validates a request against the operation. With all false
// it stops at the first violation (block mode); with all true it collects
// every violation (monitor mode).
func (op *Op) CheckRequest(in *Request, cfg *Config, all bool) []Violation {
	var out []Violation
	add := func(v Violation) bool {
		out = append(out, v)
		return !all
	}
	if done := op.checkParams(in, cfg, add); done {
		return out
	}
	op.checkBody(in, cfg, add)
	return out
}

func (op *Op) checkParams(in *Request, cfg *Config, add func(Violation) bool) bool {
	var q []params.Pair
	var consumed []bool
	if in.RawQuery != "" {
		var err error
		q, err = params.ParseQuery(in.RawQuery, op.MaxQueryParams(cfg))
		if errors.Is(err, params.ErrAmbiguous) {
			return add(Violation{400, ReasonParamAmbiguous, err.Error()})
		}
		if err != nil {
			return add(Violation{400, ReasonQueryMalformed, err.Error()})
		}
		consumed = make([]bool, len(q))
		for i, kv := range q {
			// An API key sent in the query is declared by the
			// operation's security requirements: authentication reads
			// it (when configured), and no parameter or free-form object
			// takes it.
			consumed[i] = slices.Contains(op.CredentialQuery, kv.Key) || op.keyQuery(kv.Key)
			if prototypeKey(kv.Key) {
				if add(Violation{400, body.ReasonPrototypeKey, "query parameter " + quoteName(kv.Key) + " reaches JavaScript prototypes (qs builds objects from such keys)"}) {
					return true
				}
				continue
			}
			if name := aliasOf(kv.Key, op.queryNames); name != "" {
				detail := "query parameter " + quoteName(kv.Key) + " is read as " + quoteName(name) + " by lenient frameworks (brackets, PHP name mangling, case-insensitive binding), but is not how it is sent"
				if name == kv.Key {
					// The bare name of a deepObject parameter: qs reads
					// it as the object, the contract sends members.
					detail = "query parameter " + quoteName(kv.Key) + " is a deepObject parameter: send its members as " + kv.Key + "[member]=value"
					if slices.ContainsFunc(op.queryNames, func(n queryName) bool { return n.name == name && n.array }) {
						detail = "query parameter " + quoteName(kv.Key) + " is a deepObject array: send its items as " + kv.Key + "[]=value or " + kv.Key + "[0]=value"
					}
				}
				if add(Violation{400, ReasonParamAmbiguous, detail}) {
					return true
				}
			}
		}
	}
	var jar []cookies.Pair
	jarRead := false
	var declaredTaken []bool // the query keys taken before the free-form objects
	for _, p := range op.Params {
		var v any
		var present bool
		var err error
		switch p.In {
		case "path":
			pp, ok := pathParam(in.PathParams, p.Name)
			switch {
			case ok && p.Style != "matrix" && strings.IndexByte(pp.Escaped, ';') >= 0:
				// Java servers (Tomcat, Jetty, Spring) cut ";..." out of a
				// segment as a path parameter: the upstream would route
				// "/pages/admin;x" as "/pages/admin" while this value was
				// validated whole. An encoded %3B is data to them too.
				present = true
				err = errPathSemicolon
			case ok && p.Style == "matrix" && matrixSemicolon(&p.Param, pp.Escaped):
				present = true
				err = errMatrixSemicolon
			case ok:
				present = true
				v, err = p.Path(pp.Raw)
			default:
				if name, inKey := op.keyVar(p.Name); inKey {
					// The path key's query carries it
					// ("/alerts?lat={lat}"): a form pair, read as a
					// query parameter of that name would be.
					qp := p.Param
					qp.Name, qp.In, qp.Style, qp.Explode = name, "query", "form", true
					v, present, err = qp.Query(q, make([]bool, len(q)))
				}
			}
		case "query":
			if !p.FreeForm() {
				v, present, err = p.Query(q, consumed)
				break
			}
			// Free-form objects come last. Each takes every key no
			// declared parameter took, as binders hand all of them to
			// every such map, so each validates them by its own
			// additionalProperties (not only the first one).
			if declaredTaken == nil {
				declaredTaken = slices.Clone(consumed)
			}
			mine := slices.Clone(declaredTaken)
			v, present, err = p.Query(q, mine)
			for i, c := range mine {
				consumed[i] = consumed[i] || c
			}
		case "header":
			vals := in.Header.Values(p.Name)
			if !isText(vals) {
				present, err = true, errNotText
				break
			}
			v, present, err = p.Header(vals)
			if err == nil && len(vals) > 1 {
				// One list over several field lines (RFC 9110 §5.3) is
				// forwarded as the one line validated: servers that read
				// only the first line (Go's Header.Get) would otherwise
				// see a shorter list than minItems or required allowed.
				in.Header.Set(p.Name, strings.Join(vals, ", "))
			}
		case "cookie":
			if !jarRead {
				jarRead = true
				var cerr error
				if jar, cerr = cookies.Parse(in.Header); cerr != nil {
					if add(Violation{400, ReasonParamAmbiguous, cerr.Error()}) {
						return true
					}
				}
			}
			// A cookie some server reads as this one (SESS, se%73s,
			// sess[] for sess) would reach the upstream unchecked.
			if alias := cookies.Lookalike(jar, p.Name, op.cookieNames); alias != "" {
				if add(Violation{400, ReasonParamAmbiguous, p.In + " parameter " + quoteName(p.Name) + " is also sent as the cookie " + quoteName(alias) + ", which some servers read as the same one"}) {
					return true
				}
				continue
			}
			notText := false
			v, present, err = p.CookieFrom(func(name string) []string {
				vals := cookies.Values(jar, name)
				notText = notText || !isText(vals)
				return vals
			})
			if notText {
				v, present, err = nil, true, errNotText
			}
		}
		where := p.In + " parameter " + quoteName(p.Name)
		if err != nil {
			reason := ReasonParamMalformed
			if errors.Is(err, params.ErrAmbiguous) {
				reason = ReasonParamAmbiguous
			}
			if add(Violation{400, reason, where + " " + err.Error()}) {
				return true
			}
			continue
		}
		if !present {
			if p.Required {
				if add(Violation{400, ReasonParamMissing, where + " is required"}) {
					return true
				}
			}
			continue
		}
		if p.NestedJSON {
			var bad *Violation
			if v, bad = decodeJSONText(v, cfg.requestJSON()); bad != nil {
				bad.Detail = where + ": " + bad.Detail
				if add(*bad) {
					return true
				}
				continue
			}
		}
		if p.JSON {
			s, _ := v.(string)
			jv, jerr := body.DecodeJSON([]byte(s), cfg.requestJSON())
			if jerr != nil {
				if add(Violation{400, ReasonParamMalformed, where + " is not valid JSON"}) {
					return true
				}
				continue
			}
			v = jv
		}
		if vio, costly := tooCostly(p.Cost, v, 400, where); costly {
			if add(vio) {
				return true
			}
			continue
		}
		if p.Schema != nil {
			if verr := validate(p.Schema, v); verr != nil {
				_, detail := describe(verr, false)
				if add(Violation{400, ReasonParamInvalid, where + ": " + detail}) {
					return true
				}
			}
		}
	}
	if !op.AllowUndeclaredQuery {
		for i, c := range consumed {
			if !c {
				if add(Violation{400, ReasonQueryUndeclared, op.undeclaredQueryDetail(q[i].Key)}) {
					return true
				}
			}
		}
	}
	return false
}

// undeclaredQueryDetail says why key is not a query parameter of op: the
// name of an exploded form object (style form, explode true) is not sent
// itself, its properties are, each under its own name.
func (op *Op) undeclaredQueryDetail(key string) string {
	for _, p := range op.Params {
		if p.In == "query" && p.Name == key && p.Style == "form" && p.Explode && p.Shape.Has(params.TObject) {
			props := sortedKeys(p.Shape.Props)
			if len(props) > 3 {
				props = append(props[:3], "...")
			}
			how := "each property as its own key"
			if len(props) > 0 {
				how += " (" + strings.Join(props, ", ") + ")"
			}
			return "query parameter " + quoteName(key) + " is an exploded object, sent as its properties, not under its name: send " + how
		}
	}
	return "query parameter " + quoteName(key) + " is not declared"
}

func pathParam(ps []route.PathParam, name string) (route.PathParam, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return route.PathParam{}, false
}

// errNotText refuses header and cookie values that are not text, as query
// values are refused (params.ParseQuery): net/http lets obs-text bytes
// through in header values, and the cookie reader keeps values net/http's
// own parser drops.
var errNotText = errors.New("is not valid UTF-8 text or holds NUL")

func isText(vals []string) bool {
	for _, v := range vals {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return false
		}
	}
	return true
}

// errPathSemicolon is an ambiguity: reported as parameter-ambiguous.
var errPathSemicolon = params.Ambiguous("holds a literal ';', which servers that read path parameters cut off (send it encoded, as %3B)")

// errMatrixSemicolon is an ambiguity: reported as parameter-ambiguous.
var errMatrixSemicolon = params.Ambiguous("holds a ';' inside a matrix value: servers that read path parameters (Tomcat, Jetty, Spring) split the value there (send a ';' in a value encoded, as %3B)")

// matrixSemicolon reports a ';' in a matrix segment where the firewall and
// a Java server would split it differently. A primitive or non-exploded
// value is one ";name=value": a second literal ';' (";id=5;x",
// ";id=5;id=6") starts what those servers read as another path
// parameter, while the firewall would validate "5;x" as the value. An
// exploded array or object is ";k=v;k=v": there an encoded %3B would be
// split by the firewall (it decodes the segment first) and kept as data
// by those servers.
func matrixSemicolon(p *params.Param, escaped string) bool {
	if p.Explode && p.Shape.Has(params.TArray|params.TObject) && !p.Shape.Has(params.TString) {
		return strings.Contains(escaped, "%3B") || strings.Contains(escaped, "%3b")
	}
	return strings.Count(escaped, ";") > 1
}

// PathValues unescapes the captured path parameters. The router already
// refused encoded slashes and dot-segments.
func PathValues(ps []route.PathParam) error {
	for i := range ps {
		if strings.IndexByte(ps[i].Raw, '%') >= 0 {
			u, err := url.PathUnescape(ps[i].Raw)
			if err != nil {
				return err
			}
			ps[i].Raw = u
		}
	}
	return nil
}

// requestJSON is the JSON decoding of request bodies and parameters: the
// configured limits, and prototype-polluting keys and keys that differ only
// in case refused (what a client sends may be merged into objects by a
// JavaScript upstream or bound case-insensitively; what the upstream
// answers is not).
func (c *Config) requestJSON() body.Limits {
	l := c.JSON
	l.RefusePrototypeKeys = true
	l.RefuseCaseVariantKeys = true
	l.RefuseNUL = true
	return l
}

// requestBodyJSON is requestJSON for a body of media m: keys that differ
// only in case pass when m's schema itself declares such properties.
func (c *Config) requestBodyJSON(m *Media) body.Limits {
	l := c.requestJSON()
	l.RefuseCaseVariantKeys = !m.CaseVariantKeys
	return l
}

func (op *Op) checkBody(in *Request, cfg *Config, add func(Violation) bool) {
	if op.Body == nil {
		if in.HasBody && len(in.Body) > 0 {
			add(Violation{400, ReasonBodyUndeclared, "the operation takes no request body"})
		}
		return
	}
	if !in.HasBody || len(in.Body) == 0 {
		if op.Body.Required {
			add(Violation{400, ReasonBodyMissing, "a request body is required"})
		}
		return
	}
	m := MatchMedia(op.Body.Media, in.ContentType)
	if m == nil {
		add(Violation{415, ReasonMediaType, "the content type is not one the operation accepts: " + declared(op.Body.Media)})
		return
	}
	var v any
	switch m.KindOf(in.ContentType) {
	case KindJSON:
		var err error
		v, err = body.DecodeJSON(in.Body, cfg.requestBodyJSON(m))
		if err != nil {
			add(bodyErr(err))
			return
		}
		in.JSON = v
		// Rails merges a JSON body's members into params, where
		// token libraries look for access_token.
		if obj, ok := v.(map[string]any); ok && op.RefusesBodyToken {
			for k := range obj {
				if params.IsAccessToken(k) {
					add(errBodyToken)
					return
				}
			}
		}
	case KindForm:
		pairs, err := body.ParseForm(string(in.Body))
		if err != nil {
			add(bodyErr(err))
			return
		}
		if v := op.bodyToken(pairs); v != nil {
			add(*v)
			return
		}
		if v := op.bodySelector(pairs); v != nil {
			add(*v)
			return
		}
		if len(pairs) > cfg.JSON.MaxElements && cfg.JSON.MaxElements > 0 {
			add(Violation{400, body.ReasonTooManyValues, "the form has too many fields"})
			return
		}
		obj, verr := formObject(pairs, m, cfg)
		if verr != nil {
			add(*verr)
			return
		}
		v = obj
	case KindMultipart:
		boundary, err := body.Boundary(in.ContentType)
		if err != nil {
			add(bodyErr(err))
			return
		}
		parts, err := body.ParseMultipart(in.Body, boundary, cfg.MaxParts)
		if err != nil {
			add(bodyErr(err))
			return
		}
		pairs := make([][2]string, 0, len(parts))
		position := map[string]int{} // item index of each repeated part
		for _, p := range parts {
			i := position[p.Name]
			position[p.Name]++
			if v := partTypeProblem(m, p, i); v != nil {
				add(*v)
				return
			}
			if p.HasFileName && p.FileName == "" && !m.fileField(p.Name) {
				// Go's reader takes such a part for a field, PHP, busboy
				// (Node) and commons-fileupload for an upload with no
				// file: the value validated here would be missing from
				// the upstream's form fields.
				add(Violation{400, ReasonParamAmbiguous, "multipart field " + quoteName(p.Name) + " has an empty filename, which some parsers read as a field and others as a file upload"})
				return
			}
			pairs = append(pairs, [2]string{p.Name, string(p.Data)})
		}
		if v := op.bodyToken(pairs); v != nil {
			add(*v)
			return
		}
		if v := op.bodySelector(pairs); v != nil {
			add(*v)
			return
		}
		obj, verr := formObject(pairs, m, cfg)
		if verr != nil {
			add(*verr)
			return
		}
		v = obj
	case KindText:
		if !utf8.Valid(in.Body) {
			add(Violation{400, body.ReasonInvalidUTF8, "the text body is not valid UTF-8"})
			return
		}
		if bytes.IndexByte(in.Body, 0) >= 0 {
			// As in JSON strings, form fields and parameters: C-string
			// code in the upstream stops at the NUL, and sees less than
			// was validated.
			add(Violation{400, body.ReasonInvalidUTF8, "the text body holds NUL"})
			return
		}
		v = string(in.Body)
	default:
		// Opaque media (images, octet streams): the size limit applies,
		// there is nothing for a schema to check.
		return
	}
	if m.Schema == nil {
		return
	}
	if vio, costly := tooCostly(m.Cost, v, 400, "request body"); costly {
		add(vio)
		return
	}
	if err := validate(m.Schema, v); err != nil {
		reasons, details := describeAll(err, false)
		for i := range reasons {
			if add(Violation{400, reasons[i], "request body: " + details[i]}) {
				return
			}
		}
	}
}

// ReasonBodyToken is authentication's reason for a credential sent where
// the firewall does not accept one (auth-bad-request).
const ReasonBodyToken = "auth-bad-request"

// bodyToken refuses a form or multipart field read as access_token (under
// any lenient spelling) where the operation refuses tokens outside the
// Authorization header (RefusesBodyToken); checkBody does the same for a
// JSON body's top-level members.
func (op *Op) bodyToken(pairs [][2]string) *Violation {
	if !op.RefusesBodyToken {
		return nil
	}
	for _, p := range pairs {
		if params.IsAccessToken(p[0]) {
			v := errBodyToken
			return &v
		}
	}
	return nil
}

var errBodyToken = Violation{400, ReasonBodyToken, "access tokens in the request body are not accepted; send the token in the Authorization header"}

// ReasonOperationAmbiguous: the request does not say which of the
// operations sharing its path it is for.
const ReasonOperationAmbiguous = "operation-ambiguous"

// bodySelector refuses a form or multipart field that names a selector of
// the operation's path key ("/?Action=Public") with another value: the
// operation was chosen by the query or a header, and an upstream reading
// the field (Go's FormValue, PHP's $_REQUEST) would run another one.
func (op *Op) bodySelector(pairs [][2]string) *Violation {
	for _, sel := range op.selectors {
		for _, f := range pairs {
			if sel.readAs(f[0]) && (sel.Value == "" || f[1] != sel.Value) {
				return &Violation{400, ReasonOperationAmbiguous, "the body's field " + quoteName(f[0]) + " names another operation than the one the query or headers chose"}
			}
		}
	}
	return nil
}

// keyVar returns the name of the query pair of the operation's path key
// whose value is the template variable v ("lat" for "/alerts?lat={lat}").
func (op *Op) keyVar(v string) (string, bool) {
	for _, pp := range op.Key.Query {
		if pp.Var == v {
			return pp.Name, true
		}
	}
	return "", false
}

// keyQuery reports whether name is in the query or fragment of the
// operation's path key ("/?Action=X", "/#Action=X"): a selector of the
// operation (Choose read it), not an undeclared parameter.
func (op *Op) keyQuery(name string) bool {
	for _, pp := range op.Key.Query {
		if pp.Name == name {
			return true
		}
	}
	for _, pp := range op.Key.Fragment {
		if pp.Name == name {
			return true
		}
	}
	return false
}

// decodeJSONText replaces the params.JSONText atoms of a decoded
// parameter (the value itself, its items, its properties) with the JSON
// they hold. Text that is not JSON stays a string, for validation to
// refuse as the wrong type; JSON with duplicate or prototype keys, or
// beyond the limits, is refused as it is in a body.
func decodeJSONText(v any, lim body.Limits) (any, *Violation) {
	one := func(x any) (any, *Violation) {
		t, ok := x.(params.JSONText)
		if !ok {
			return x, nil
		}
		jv, err := body.DecodeJSON([]byte(t), lim)
		var be *body.Error
		if errors.As(err, &be) && be.Reason == body.ReasonInvalidJSON {
			return string(t), nil
		}
		if err != nil {
			v := bodyErr(err)
			return nil, &v
		}
		return jv, nil
	}
	// The atoms sit at any depth the decoders build: an item of an
	// exploded object's array property, a leaf of a nested deepObject
	// (ShapeOf bounds the depth).
	var bad *Violation
	switch x := v.(type) {
	case []any:
		for i := range x {
			if x[i], bad = decodeJSONText(x[i], lim); bad != nil {
				return nil, bad
			}
		}
		return x, nil
	case map[string]any:
		for k := range x {
			if x[k], bad = decodeJSONText(x[k], lim); bad != nil {
				return nil, bad
			}
		}
		return x, nil
	}
	return one(v)
}

// formObject builds the object a form or multipart body stands for, typed
// by the schema's properties.
func formObject(pairs [][2]string, m *Media, cfg *Config) (map[string]any, *Violation) {
	obj := make(map[string]any, len(pairs))
	for _, kv := range pairs {
		if prototypeKey(kv[0]) {
			return nil, &Violation{400, body.ReasonPrototypeKey, "form field " + quoteName(kv[0]) + " reaches JavaScript prototypes"}
		}
		if kv[0] == "_charset_" && !body.UTF8Charset(strings.TrimSpace(kv[1])) {
			// RFC 7578 §4.6 (and the HTML form rules): Jetty and Apache
			// Sling decode the other fields with the charset this field
			// names, the firewall read them as UTF-8.
			return nil, &Violation{415, ReasonMediaType, "the form's _charset_ field names a charset other than UTF-8"}
		}
	}
	var consumed []bool
	if len(m.FormParams) > 0 {
		q := make([]params.Pair, len(pairs))
		for i, kv := range pairs {
			q[i] = params.Pair{Key: kv[0], Value: kv[1]}
		}
		consumed = make([]bool, len(q))
		for _, prop := range sortedKeys(m.FormParams) {
			v, present, err := m.FormParams[prop].Query(q, consumed)
			switch {
			case errors.Is(err, params.ErrAmbiguous):
				return nil, &Violation{400, ReasonParamAmbiguous, "form field " + quoteName(prop) + " is given more than once or in more than one form"}
			case err != nil:
				return nil, &Violation{400, body.ReasonInvalidForm, "form field " + quoteName(prop) + " is not serialised as its encoding declares"}
			case present:
				obj[prop] = v
			}
		}
	}
	var names casefold.Set
	wholeArray := map[string]bool{} // array fields sent as one JSON array
	for i, kv := range pairs {
		k, raw := kv[0], kv[1]
		if consumed != nil && consumed[i] {
			continue
		}
		if fp, styled := m.FormParams[k]; styled && !fp.Shape.Has(params.ScalarTypes|params.TNull) {
			if _, both := obj[k]; both {
				return nil, &Violation{400, ReasonParamAmbiguous, "form field " + quoteName(k) + " is given more than once or in more than one form"}
			}
			// A field whose encoding sets a style that did not take
			// this pair (a bare filter=x for a deepObject filter), and
			// whose schema admits no scalar it could be: parsers of
			// that style read it as something else than the plain
			// field validation would see. (Stripe's deepObject fields
			// that may also be a scalar, cancel_at=now, are read
			// plainly below.)
			return nil, &Violation{400, body.ReasonInvalidForm, "form field " + quoteName(k) + " is not serialised as its encoding declares"}
		}
		if !m.CaseVariantKeys {
			// As in JSON bodies: ASP.NET and other binders match form
			// field names case-insensitively.
			if _, variant := names.Variant(k); variant {
				return nil, &Violation{400, body.ReasonDuplicateKey, "form field " + quoteName(k) + " differs from another only in case: case-insensitive binders read them as one"}
			}
		}
		var ps *params.Shape
		if m.Shape != nil {
			ps = m.Shape.Props[k]
		}
		decodeJSON := func() (any, *Violation) {
			jv, err := body.DecodeJSON([]byte(raw), cfg.requestBodyJSON(m))
			if err != nil {
				v := bodyErr(err)
				v.Detail = "form field " + quoteName(k) + ": " + v.Detail
				return nil, &v
			}
			return jv, nil
		}
		var val any
		if m.JSONFields[k] {
			jv, bad := decodeJSON()
			if bad != nil {
				return nil, bad
			}
			if ps.Has(params.TArray) && !ps.Has(params.TObject) {
				// An array of objects goes as one JSON part holding
				// the array (OpenAPI 3.0's reading) or as one part per
				// item (3.1.1 and 3.2: repeated parts, Telegram's
				// caption_entities). Either alone; mixed, ambiguous.
				_, whole := jv.([]any)
				arr, have := obj[k].([]any)
				switch {
				case have && (whole || wholeArray[k]):
					return nil, &Violation{400, ReasonParamAmbiguous, "form field " + quoteName(k) + " is given both as one JSON array and as items"}
				case whole:
					obj[k], wholeArray[k] = jv, true
				default:
					obj[k] = append(arr, jv)
				}
				continue
			}
			val = jv
		} else if ps.Has(params.TArray) {
			arr, _ := obj[k].([]any)
			item := params.Scalar(raw, ps.Item(len(arr)))
			if m.jsonItem(k, len(arr)) {
				jv, bad := decodeJSON()
				if bad != nil {
					return nil, bad
				}
				item = jv
			}
			obj[k] = append(arr, item)
			continue
		} else {
			val = params.Scalar(raw, ps)
		}
		if _, dup := obj[k]; dup {
			return nil, &Violation{400, ReasonParamAmbiguous, "form field " + quoteName(k) + " is given more than once"}
		}
		obj[k] = val
	}
	if m.NestedJSON {
		for k, v := range obj {
			dv, bad := decodeJSONText(v, cfg.requestBodyJSON(m))
			if bad != nil {
				bad.Detail = "form field " + quoteName(k) + ": " + bad.Detail
				return nil, bad
			}
			obj[k] = dv
		}
	}
	return obj, nil
}

// jsonItem reports whether item i of a tuple field (prefixItems) is JSON
// text: OpenAPI's default content type for an object value, decided
// position by position, as the tuple types its items. An encoding that
// names the field's content type decides for every item instead
// (JSONFields).
func (m *Media) jsonItem(name string, i int) bool {
	if m.Shape == nil {
		return false
	}
	ps := m.Shape.Props[name]
	if !ps.Has(params.TArray) || len(ps.Prefix) == 0 {
		return false
	}
	if _, named := m.PartTypes[name]; named {
		return false
	}
	return ps.Item(i).Has(params.TObject)
}

// fileField reports whether the contract describes a multipart property
// as file content: a binary schema (or an array of them), or an encoding
// that declares a media type other than text or JSON.
func (m *Media) fileField(name string) bool {
	if m.Shape != nil {
		if m.Shape.Props[name].HoldsFiles() {
			return true
		}
	}
	for _, t := range m.PartTypes[name] {
		if !strings.HasPrefix(t, "text/") && !isJSON(t) {
			return true
		}
	}
	return false
}

// partTypeProblem refuses a part whose Content-Type contradicts what the
// contract says its field holds: the field's encoding.contentType, or
// OpenAPI's default (application/json for an object, text/plain for a
// primitive). Upstreams that honour the part's label (Spring's
// @RequestPart picks its message converter by it) would decode the value
// as JSON (or not)
// where the firewall validated the other reading. A file part (with a
// filename) of a field without a declared type carries its file's type.
// i is the part's position among the parts of its name (a tuple types its
// items by position).
func partTypeProblem(m *Media, p body.Part, i int) *Violation {
	pct := MediaName(p.ContentType)
	if pct == "" {
		return nil
	}
	bad := &Violation{415, ReasonMediaType, "multipart field " + quoteName(p.Name) + " has a Content-Type that its encoding in the contract does not allow"}
	if types, ok := m.PartTypes[p.Name]; ok {
		for _, t := range types {
			if mediaMatches(t, pct) {
				return nil
			}
		}
		return bad
	}
	declared := m.Shape != nil && m.Shape.Props[p.Name] != nil
	switch {
	case m.JSONFields[p.Name] || m.jsonItem(p.Name, i):
		if !isJSON(pct) {
			return bad
		}
	case p.FileName != "":
	case pct == "text/plain", pct == "application/octet-stream":
	case !declared && !isJSON(pct):
		// A field the contract does not describe (a free-form body) has
		// no default type to contradict; a JSON label is still refused,
		// as the firewall reads the value as text.
	default:
		return bad
	}
	return nil
}

func bodyErr(err error) Violation {
	var be *body.Error
	if errors.As(err, &be) {
		status := 400
		switch be.Reason {
		case body.ReasonTooLarge, body.ReasonDecodedTooLarge:
			status = 413
		case body.ReasonMediaType:
			status = 415
		}
		return Violation{status, be.Reason, be.Detail}
	}
	return Violation{400, body.ReasonInvalidJSON, "the body cannot be read"}
}

func declared(ms []*Media) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// describe maps a schema validation error to a reason code and a safe
// detail: the instance location (client-chosen keys, quoted and bounded)
// and the failing keyword with the schema's expectation.
// tooCostly returns the violation (with status) for a value whose schema
// can multiply the validation work and would here exceed the linear bound
// (spec.ValidationCost); ok is false for any other value, nil c included.
func tooCostly(c *spec.ValidationCost, v any, status int, what string) (vio Violation, ok bool) {
	if c == nil {
		return Violation{}, false
	}
	count, within := c.Check(v)
	if within {
		return Violation{}, false
	}
	return Violation{status, ReasonTooCostly, fmt.Sprintf("%s: %s; refused unvalidated", what, count)}, true
}

// validate runs the compiled schema over v. A value the engine fails on
// instead of judging it (spec.EngineFailure) is refused: the firewall
// fails closed, and one request cannot take its handler down.
func validate(s *jsonschema.Schema, v any) error { return spec.Validate(s, v) }

// bannedProperty reports whether a false schema is a property's own (the
// compiled views turn readOnly properties of requests and writeOnly ones of
// responses into `false`), not some other false schema below a property,
// such as `items: false`.
func bannedProperty(schemaURL string) bool {
	i := strings.LastIndexByte(schemaURL, '/')
	return i > 0 && strings.HasSuffix(schemaURL[:i], "/properties")
}

func describe(err error, response bool) (reason, detail string) {
	var uv *spec.EngineFailure
	if errors.As(err, &uv) {
		return ReasonSchema, "a value cannot be checked against the schema (for example a number out of any representable range)"
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return ReasonSchema, "the value does not match the schema"
	}
	return describeLeaf(firstLeaf(ve), response)
}

// maxDescribed bounds the violations one value's validation is reported
// as (one per distinct reason).
const maxDescribed = 8

// describeAll is describe for each distinct reason among the causes of
// err, the first one first (describe's): a body with an undeclared
// property and a type mismatch is recorded with both, so that a monitor
// rollout counts the leak too.
func describeAll(err error, response bool) (reasons, details []string) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		r, d := describe(err, response)
		return []string{r}, []string{d}
	}
	var walk func(*jsonschema.ValidationError)
	walk = func(v *jsonschema.ValidationError) {
		if len(reasons) >= maxDescribed {
			return
		}
		_, combinator := v.ErrorKind.(*kind.AnyOf)
		if _, one := v.ErrorKind.(*kind.OneOf); one {
			combinator = true
		}
		if len(v.Causes) == 0 || combinator {
			r, d := describeLeaf(v, response)
			if !slices.Contains(reasons, r) {
				reasons, details = append(reasons, r), append(details, d)
			}
			return
		}
		for _, c := range v.Causes {
			walk(c)
		}
	}
	walk(ve)
	return reasons, details
}

// describeLeaf is the reason and detail of one cause of a validation
// error.
func describeLeaf(leaf *jsonschema.ValidationError, response bool) (reason, detail string) {
	loc := "/" + strings.Join(leaf.InstanceLocation, "/")
	where := "at " + quoteName(loc)
	switch k := leaf.ErrorKind.(type) {
	case *kind.FalseSchema:
		name := ""
		if n := len(leaf.InstanceLocation); n > 0 {
			name = leaf.InstanceLocation[n-1]
		}
		switch {
		case strings.HasSuffix(leaf.SchemaURL, "/unevaluatedProperties") || strings.HasSuffix(leaf.SchemaURL, "/additionalProperties"):
			return ReasonUndeclaredProp, where + ": property " + quoteName(name) + " is not declared"
		case bannedProperty(leaf.SchemaURL) && response:
			return ReasonWriteOnly, where + ": write-only property " + quoteName(name) + " must not appear in a response"
		case bannedProperty(leaf.SchemaURL):
			return ReasonReadOnly, where + ": read-only property " + quoteName(name) + " must not be sent"
		}
		return ReasonSchema, where + ": no value is allowed here"
	case *kind.AdditionalProperties:
		return ReasonUndeclaredProp, where + ": undeclared properties " + quoteList(k.Properties)
	case *kind.Required:
		return ReasonMissingProp, where + ": missing required properties " + quoteList(k.Missing)
	case *kind.Type:
		return ReasonTypeMismatch, where + ": expected " + strings.Join(k.Want, " or ") + ", got " + k.Got
	case *kind.Enum:
		return ReasonSchema, where + ": not one of the allowed values"
	case *kind.Const:
		return ReasonSchema, where + ": not the constant value"
	case *kind.Format:
		return ReasonSchema, where + ": not a valid " + quoteName(spec.FormatName(k.Want))
	case *kind.MinLength:
		return ReasonSchema, where + ": shorter than " + strconv.Itoa(k.Want) + " characters"
	case *kind.MaxLength:
		return ReasonSchema, where + ": longer than " + strconv.Itoa(k.Want) + " characters"
	case *kind.Pattern:
		return ReasonSchema, where + ": does not match the pattern " + quoteName(k.Want)
	case *kind.Minimum:
		return ReasonSchema, where + ": less than the minimum " + ratString(k.Want)
	case *kind.Maximum:
		return ReasonSchema, where + ": greater than the maximum " + ratString(k.Want)
	case *kind.ExclusiveMinimum:
		return ReasonSchema, where + ": not greater than " + ratString(k.Want)
	case *kind.ExclusiveMaximum:
		return ReasonSchema, where + ": not less than " + ratString(k.Want)
	case *kind.MultipleOf:
		return ReasonSchema, where + ": not a multiple of " + ratString(k.Want)
	case *kind.MinItems:
		return ReasonSchema, where + ": fewer than " + strconv.Itoa(k.Want) + " items"
	case *kind.MaxItems:
		return ReasonSchema, where + ": more than " + strconv.Itoa(k.Want) + " items"
	case *kind.UniqueItems:
		return ReasonSchema, where + ": items are not unique"
	case *kind.MinProperties:
		return ReasonSchema, where + ": fewer than " + strconv.Itoa(k.Want) + " properties"
	case *kind.MaxProperties:
		return ReasonSchema, where + ": more than " + strconv.Itoa(k.Want) + " properties"
	case *kind.OneOf:
		return ReasonSchema, where + ": must match exactly one alternative"
	case *kind.AnyOf:
		return ReasonSchema, where + ": matches none of the alternatives"
	case *kind.Not:
		return ReasonSchema, where + ": matches a forbidden schema"
	}
	kw := leaf.ErrorKind.KeywordPath()
	return ReasonSchema, where + ": fails " + quoteName(strings.Join(kw, "/"))
}

// firstLeaf descends to the most specific cause. For anyOf/oneOf the
// alternatives' causes are not more helpful than the combinator itself.
func firstLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	for len(ve.Causes) > 0 {
		switch ve.ErrorKind.(type) {
		case *kind.AnyOf, *kind.OneOf:
			return ve
		}
		ve = ve.Causes[0]
	}
	return ve
}

func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.RatString()
	}
	f, _ := r.Float64()
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// quoteName bounds and quotes client-controlled text for a detail message.
func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return strconv.Quote(s)
}

func quoteList(ss []string) string {
	if len(ss) > 5 {
		ss = append(ss[:5:5], "...")
	}
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quoteName(s)
	}
	return strings.Join(q, ", ")
}

// jsonValue re-encodes a value for strip mode.
func jsonValue(v any) ([]byte, error) { return json.Marshal(v) }
