package plan

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// ResponseIn is what response validation reads.
type ResponseIn struct {
	Method string
	Status int
	Header http.Header
	Body   []byte
	// BodyChecked is false when the body was not buffered (streamed or too
	// large, and exempt by policy): only status and headers are checked.
	BodyChecked bool
	// Conditional is true for a GET or HEAD that carried If-None-Match or
	// If-Modified-Since, which 304 Not Modified may answer.
	Conditional bool
}

// IsConditional reports whether a request is a conditional GET or HEAD
// (RFC 9110 §13.1.1, §13.1.3), which a 304 may answer.
func IsConditional(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) &&
		(r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "")
}

// CheckResponse validates a response. In Strip mode undeclared properties
// of a JSON body are removed and the new body returned (nil when nothing
// was removed); violations are what remains.
func (op *Op) CheckResponse(in *ResponseIn, cfg *Config, mode Mode) (vs []Violation, stripped []byte) {
	r := op.Response(in.Status)
	if r == nil && in.Status == http.StatusNotModified && in.Conditional {
		// The answer to a conditional request whose cached copy is still
		// good: no body, nothing the contract has to describe. Contracts
		// seldom list it, and refusing it would break every cache.
		return nil, nil
	}
	if r == nil {
		vs = []Violation{{502, ReasonRespStatus, "the upstream answered with status " + strconv.Itoa(in.Status) + ", which the contract does not declare"}}
		if op.mediaUndeclaredAnywhere(in) {
			// Two defects, as the scanner reports them: declaring the
			// status would not make an HTML page where the operation
			// only ever answers JSON any better.
			vs = append(vs, Violation{502, ReasonRespMediaType, "the response content type is declared for none of the operation's responses"})
		}
		return vs, nil
	}
	for _, h := range r.Headers {
		v, present, err := h.Param.Header(in.Header.Values(h.Name))
		where := "response header " + quoteName(h.Name)
		if err == nil && h.NestedJSON {
			var bad *Violation
			if v, bad = decodeJSONText(v, body.Limits{}); bad != nil {
				vs = append(vs, Violation{502, ReasonRespHeader, where + ": " + bad.Detail})
				continue
			}
		}
		switch {
		case err != nil:
			vs = append(vs, Violation{502, ReasonRespHeader, where + " " + err.Error()})
		case !present && h.Required:
			vs = append(vs, Violation{502, ReasonRespHeader, where + " is required"})
		case present && h.Schema != nil:
			if verr := validate(h.Schema, v); verr != nil {
				_, d := describe(verr, true)
				vs = append(vs, Violation{502, ReasonRespHeader, where + ": " + d})
			}
		}
	}
	if len(in.Header.Values("Content-Type")) > 1 {
		// The body is validated as the first; browsers sniff by the last
		// (Fetch takes the last valid one), so JSON checked as JSON could
		// be rendered as the text/html named after it.
		return append(vs, Violation{502, ReasonRespMediaType, "the response has several Content-Type fields"}), nil
	}
	if ct := in.Header.Get("Content-Type"); ct != "" && in.Status != 204 && in.Status != 304 {
		// The same in one field ("application/json, text/html"), or a
		// type no parser reads alike: a media range such as */* would
		// match it with nothing to validate it as.
		if _, _, err := mime.ParseMediaType(ct); err != nil {
			return append(vs, Violation{502, ReasonRespMediaType, "the response content type is malformed"}), nil
		}
	}
	if in.Method == http.MethodHead && len(r.Media) > 0 {
		// No body, but the header describes the one a GET would carry.
		if ct := in.Header.Get("Content-Type"); ct != "" && MatchMedia(r.Media, ct) == nil {
			vs = append(vs, Violation{502, ReasonRespMediaType, "the response content type is not declared for status " + strconv.Itoa(in.Status)})
		}
	}
	noBody := in.Method == http.MethodHead || in.Status == 204 || in.Status == 304 || (in.Status >= 100 && in.Status < 200)
	if noBody || (in.BodyChecked && len(in.Body) == 0 && in.Header.Get("Content-Type") == "") {
		return vs, nil
	}
	if len(r.Media) == 0 {
		// A body where the contract declares none is refused by the
		// header alone, like an undeclared type: also when it is relayed
		// unbuffered (past max_response_bytes, or an event stream), which
		// padding would otherwise make the way past the check.
		if !in.BodyChecked || len(in.Body) > 0 {
			vs = append(vs, Violation{502, ReasonRespMediaType, "the contract declares no body for status " + strconv.Itoa(in.Status)})
		}
		return vs, nil
	}
	ct := in.Header.Get("Content-Type")
	if ct == "" {
		// A body of no declared type: the client reads it as it likes
		// (net/http would label it by sniffing), and a media range such
		// as */* would otherwise match it with nothing to validate.
		return append(vs, Violation{502, ReasonRespMediaType, "the response has a body but no Content-Type"}), nil
	}
	m := MatchMedia(r.Media, ct)
	if m == nil {
		return append(vs, Violation{502, ReasonRespMediaType, "the response content type is not declared for status " + strconv.Itoa(in.Status)}), nil
	}
	kind := m.KindOf(ct)
	// A multipart response is not read as form data: its charset rule
	// (none at all) is the request's, against parsers of what clients send.
	if why := CharsetProblem(kind, ct); why != "" && kind != KindMultipart && in.BodyChecked && len(in.Body) > 0 {
		return append(vs, Violation{502, ReasonRespMediaType, "response: " + why}), nil
	}
	if !in.BodyChecked || m.Schema == nil {
		return vs, nil
	}
	var v any
	switch kind {
	case KindJSON:
		var err error
		v, err = body.DecodeJSON(in.Body, cfg.JSON)
		if err != nil {
			be := bodyErr(err)
			return append(vs, Violation{502, ReasonRespBodyMalformed, "response body: " + be.Detail}), nil
		}
	case KindText:
		v = string(in.Body)
	default:
		return vs, nil
	}
	if vio, costly := tooCostly(m.Cost, v, 502, "response body"); costly {
		return append(vs, vio), nil
	}
	err := validate(m.Schema, v)
	if err == nil {
		return vs, nil
	}
	if mode == Strip && kind == KindJSON {
		// Remove what the schema calls undeclared and check again; a few
		// rounds cover properties revealed by removing their parents'
		// siblings (allOf/oneOf branches that start matching). A body
		// stripping cannot make valid is reported as it came.
		first := err
		removed := false
		for round := 0; round < 4 && err != nil; round++ {
			paths := undeclared(err)
			if len(paths) == 0 {
				break
			}
			for _, p := range paths {
				if deletePath(v, p) {
					removed = true
				}
			}
			err = validate(m.Schema, v)
		}
		if err == nil && removed {
			out, merr := jsonValue(v)
			if merr == nil {
				return vs, out
			}
		}
		if err != nil {
			err = first
		}
	}
	if err != nil {
		// Each distinct reason (an undeclared property beside a type
		// mismatch): monitor mode records, and the metrics count, the
		// leak too.
		reasons, details := describeAll(err, true)
		seen := map[string]bool{}
		for i, reason := range reasons {
			if reason == ReasonSchema || reason == ReasonTypeMismatch || reason == ReasonMissingProp {
				reason = ReasonRespBodyInvalid
			}
			if !seen[reason] {
				seen[reason] = true
				vs = append(vs, Violation{502, reason, "response body: " + details[i]})
			}
		}
	}
	return vs, nil
}

// EventStream reports whether a response of this status and content type
// is a server-sent event stream the contract declares as such: exempt from
// body validation under streaming: exempt. A media range (*/*, text/*)
// covering text/event-stream does not make a stream of it; such a body is
// buffered and validated like any other.
func (op *Op) EventStream(status int, contentType string) bool {
	if MediaName(contentType) != "text/event-stream" {
		return false
	}
	r := op.Response(status)
	if r == nil {
		return false
	}
	m := MatchMedia(r.Media, contentType)
	return m != nil && m.Name == "text/event-stream"
}

// undeclared lists the instance locations of the properties to remove so
// that err goes away, or nil when removing properties cannot fix it.
//
// Those a schema's own additionalProperties (or a write-only property's
// false schema) refuses come first: when one is in a branch of a union
// or an allOf, the branch fails, and a failed branch evaluates nothing,
// so the unevaluatedProperties that closes the union then calls every
// property of the value undeclared, declared ones included. Those are
// listed only when nothing else is, and the caller validates again after
// each removal.
func undeclared(err error) [][]string {
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return nil
	}
	var r removal
	if !r.read(ve) {
		return nil
	}
	if len(r.own) > 0 {
		return r.own
	}
	return r.unevaluated
}

// removal is what stripping removes to fix a validation error.
type removal struct {
	own, unevaluated [][]string
}

func (r *removal) size() int { return len(r.own) + len(r.unevaluated) }

// read adds what removing properties would fix in e, and reports whether
// that fixes all of it. Of a union's failed branches the one needing the
// fewest removals is taken (the first of those): the others are
// alternatives the value is not, and what they do not declare (the taken
// branch's own properties) stays.
func (r *removal) read(e *jsonschema.ValidationError) bool {
	switch k := e.ErrorKind.(type) {
	case *kind.FalseSchema:
		switch {
		case strings.HasSuffix(e.SchemaURL, "/unevaluatedProperties"):
			r.unevaluated = append(r.unevaluated, e.InstanceLocation)
		case strings.HasSuffix(e.SchemaURL, "/additionalProperties") || bannedProperty(e.SchemaURL):
			r.own = append(r.own, e.InstanceLocation)
		default:
			return false
		}
		return true
	case *kind.AdditionalProperties:
		for _, p := range k.Properties {
			r.own = append(r.own, append(append([]string(nil), e.InstanceLocation...), p))
		}
		return true
	case *kind.OneOf, *kind.AnyOf:
		if o, ok := k.(*kind.OneOf); ok && o.Subschemas != nil {
			return false // several branches match: removing makes more match
		}
		var best *removal
		for _, c := range e.Causes {
			var branch removal
			if branch.read(c) && (best == nil || branch.size() < best.size()) {
				best = &branch
			}
		}
		if best == nil {
			return false
		}
		r.own = append(r.own, best.own...)
		r.unevaluated = append(r.unevaluated, best.unevaluated...)
		return true
	case *kind.Schema, *kind.Group, *kind.AllOf, *kind.Reference:
		for _, c := range e.Causes {
			if !r.read(c) {
				return false
			}
		}
		return true
	}
	return false
}

func deletePath(v any, path []string) bool {
	if len(path) == 0 {
		return false
	}
	for _, seg := range path[:len(path)-1] {
		switch x := v.(type) {
		case map[string]any:
			v = x[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(x) {
				return false
			}
			v = x[i]
		default:
			return false
		}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	last := path[len(path)-1]
	if _, ok := m[last]; !ok {
		return false
	}
	delete(m, last)
	return true
}

// mediaUndeclaredAnywhere reports whether a response of a status the
// operation does not declare carries a body of a type none of its
// responses declares. Not for bodiless answers, HEAD, or redirects, whose
// one-line bodies (Go's http.Redirect writes HTML) nobody reads.
func (op *Op) mediaUndeclaredAnywhere(in *ResponseIn) bool {
	ct := in.Header.Get("Content-Type")
	if ct == "" || in.Method == http.MethodHead || (in.Status >= 300 && in.Status < 400) || (in.BodyChecked && len(in.Body) == 0) {
		return false
	}
	for _, r := range op.Responses {
		if MatchMedia(r.Media, ct) != nil {
			return false
		}
	}
	return true
}

// ValidatesBody reports whether the contract validates the body of a
// response of this status and content type: a JSON or text media type
// with a schema. Other bodies (images, archives, octet streams) are only
// size-checked, so a large one loses nothing by passing unbuffered; and a
// status or type the contract does not declare is refused by its header
// alone.
func (op *Op) ValidatesBody(status int, contentType string) bool {
	r := op.Response(status)
	if r == nil {
		return false
	}
	m := MatchMedia(r.Media, contentType)
	if m == nil || m.Schema == nil {
		return false
	}
	switch m.KindOf(contentType) {
	case KindJSON, KindText:
		return true
	}
	return false
}
