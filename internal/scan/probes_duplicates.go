package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// Parser differentials: a request that names one query parameter or one
// JSON property twice is read differently by different parsers. Go's
// net/http, Express and PHP's $_GET take one occurrence or the other (or
// all); encoding/json, Python and most JSON libraries keep the last
// duplicate key, some the first. A gateway or firewall that checks one
// occurrence while the API acts on the other is bypassed: the value it
// validated (or matched against its rules) is not the one the API uses.
// `rampart protect` refuses both kinds of duplicate.
//
// The probe needs a value the API refuses on its own: the conformance
// tests find one (a mutation answered 4xx). The request then carries the
// happy path's value and that one, in both orders. An API that refuses
// both is consistent; one that accepts exactly one order reads the other
// occurrence silently, and the finding says which. Which occurrence is
// read is the framework's behaviour, not an operation's, so each kind is
// probed once per scan: on the first operation that offers a candidate,
// or the next ones (up to maxDuplicateProbes) while the answers are
// inconclusive (both orders accepted: the API may ignore the name when
// it is repeated).

// duplicate is a name to repeat: a query parameter or a top-level
// property of a JSON body, with its happy-path value and one the API
// refused alone.
type duplicate struct {
	param *spec.Parameter // nil: a JSON body property
	prop  string
	// variant is the name the second occurrence goes under: prop itself,
	// or for a case probe prop in another case ("QTY" for "qty"), which
	// Go's encoding/json, ASP.NET Core and some Jackson set-ups bind to
	// the same field while a case-sensitive validator sees an unknown
	// property.
	variant string
	valid   any
	bad     any
	// refused names the conformance test that showed bad refused alone.
	refused string
	// form marks a field of a url-encoded body, repeated like a query
	// parameter.
	form bool
}

// maxDuplicateProbes bounds the operations probed per kind.
const maxDuplicateProbes = 3

func (d *duplicate) kind() string {
	switch {
	case d.param != nil:
		return "query"
	case d.form:
		return "form"
	case d.variant != d.prop:
		return "case"
	}
	return "body"
}

func (d *duplicate) where() string {
	switch {
	case d.param != nil:
		return "query parameter " + d.param.Name
	case d.form:
		return "form field " + d.prop
	case d.variant != d.prop:
		return "JSON property " + d.prop + " and " + d.variant
	}
	return "JSON property " + d.prop
}

// better reports whether d makes a more telling probe than o: a refused
// value of the valid one's JSON type. A parser that binds to typed fields
// (Go's encoding/json into a struct) fails on a wrong type wherever it
// stands, and reports the error even when a later occurrence is valid,
// so a wrong-type value would show every order refused.
func (d *duplicate) better(o *duplicate) bool {
	return o == nil || (sameJSONType(d.valid, d.bad) && !sameJSONType(o.valid, o.bad))
}

func sameJSONType(a, b any) bool {
	return jsonType(a) == jsonType(b)
}

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number, float64, float32, int, int64, int32, uint64:
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// queryDuplicate is how a request repeats one query parameter: the
// parameter's own pairs plus those of value, before them when first.
type queryDuplicate struct {
	key   string
	value any
	first bool
}

// duplicateCandidates returns the probes a refused mutation makes
// possible: for a scalar query parameter the happy path sends, the
// parameter repeated; for a top-level scalar property of the happy path's
// JSON object body, the property repeated and, when its name has a case
// variant the schema does not declare, the property repeated under it.
func (e *engine) duplicateCandidates(op *spec.Operation, r0 *request, p *spec.Parameter, prop string, bad any, test string) []*duplicate {
	if !scalar(bad) {
		return nil
	}
	if p != nil {
		v, ok := r0.params[paramKey(p)]
		if p.In != "query" || !ok || r0.omit[paramKey(p)] || !scalar(v) {
			return nil
		}
		return []*duplicate{{param: p, valid: v, bad: bad, refused: test}}
	}
	obj, ok := r0.body.(map[string]any)
	if !ok || !r0.hasBody || r0.rawBody != nil || !(isJSON(r0.media) || isForm(r0.media)) {
		return nil
	}
	v, ok := obj[prop]
	if !ok || !scalar(v) {
		return nil
	}
	if isForm(r0.media) {
		if mt := op.RequestBody.Content[r0.media]; mt != nil && styleParam(prop, mt.Encoding[prop]) != nil {
			return nil // a styled field is written as a query parameter of its style would be
		}
		return []*duplicate{{prop: prop, variant: prop, valid: v, bad: bad, refused: test, form: true}}
	}
	out := []*duplicate{{prop: prop, variant: prop, valid: v, bad: bad, refused: test}}
	if variant := caseVariant(prop); variant != "" && !e.declaresName(op, r0.media, obj, variant) {
		out = append(out, &duplicate{prop: prop, variant: variant, valid: v, bad: bad, refused: test})
	}
	return out
}

// caseVariant is name in another case: upper case, or lower case when it
// is upper case already; "" when it has no cased letter.
func caseVariant(name string) string {
	if v := strings.ToUpper(name); v != name {
		return v
	}
	if v := strings.ToLower(name); v != name {
		return v
	}
	return ""
}

// declaresName reports whether name is a property the body sends or its
// schema declares (beside or inside allOf/anyOf/oneOf members, as
// propNode finds them): then it is a property of its own, not a variant
// of another.
func (e *engine) declaresName(op *spec.Operation, media string, body map[string]any, name string) bool {
	if _, ok := body[name]; ok {
		return true
	}
	root, ok := e.mediaNode(op.RequestBody.Content[media])
	if !ok {
		return false
	}
	_, ok = e.propNode(root, "properties", name)
	return ok
}

func scalar(v any) bool {
	switch v.(type) {
	case nil, map[string]any, []any:
		return false
	}
	return true
}

// duplicateRead sends d's name twice, the refused value last and then
// first, and reports an API that accepts exactly one of the two orders.
func (e *engine) duplicateRead(ctx context.Context, op *spec.Operation, r0 *request, d *duplicate) {
	if e.dupSettled[d.kind()] || e.dupProbes[d.kind()] >= maxDuplicateProbes {
		return
	}
	e.dupProbes[d.kind()]++
	var xs [2]*exchange // [0]: refused value last, [1]: first
	for i, first := range []bool{false, true} {
		if e.halted(ctx) {
			return
		}
		r, err := e.repeated(r0, d, first)
		if err != nil {
			return
		}
		order := "its refused value last"
		if first {
			order = "its refused value first"
		}
		e.stats["duplicate_tests"]++
		x := e.send(ctx, r, "duplicate "+d.where()+", "+order)
		if x.Err != nil {
			e.stop(x.Err)
			return
		}
		xs[i] = x
	}
	okLast, okFirst := success(xs[0]), success(xs[1])
	switch {
	case okLast && okFirst:
		return // inconclusive: try the next operation
	case !okLast && !okFirst:
		// Both refused for what they carry: the API is consistent. A
		// 401 or 429 says nothing of its parser: try again elsewhere.
		e.dupSettled[d.kind()] = refusedAsInvalid(xs[0].Status) && refusedAsInvalid(xs[1].Status)
		return
	}
	reads, accepted, refused := "first", xs[0], xs[1]
	if okFirst {
		reads, accepted, refused = "last", xs[1], xs[0]
	}
	if !refusedAsInvalid(refused.Status) && refused.Status < 500 {
		return // refused for its credentials or rate, not its value
	}
	e.dupSettled[d.kind()] = true
	rule, test := RuleDuplicateParam, "duplicate-query-parameter"
	msg := fmt.Sprintf("%s reads the %s of two occurrences of %s and ignores the other", op.Key(), reads, d.where())
	switch d.kind() {
	case "form":
		test = "duplicate-form-field"
	case "body":
		rule, test = RuleDuplicateKey, "duplicate-json-key"
	case "case":
		rule, test = RuleCaseVariantKey, "case-variant-json-key"
		msg = fmt.Sprintf("%s reads JSON property %s under the name %s too (its name matched without regard to case), taking the %s of the two", op.Key(), d.prop, d.variant, reads)
	}
	e.add(rule, op, test,
		fmt.Sprintf("%s: with a value it refuses alone (%s) in the other place, the request was answered %d. A gateway or firewall that checks the other occurrence is bypassed. Probed once per scan: the parser is likely the same for every operation.",
			msg, d.refused, accepted.Status),
		"400 for the repeated name, whatever the order", fmt.Sprintf("%d with the refused value %s, %d with it %s", accepted.Status, other(reads), refused.Status, reads),
		accepted, refused)
}

func other(reads string) string {
	if reads == "first" {
		return "last"
	}
	return "first"
}

// refusedAsInvalid reports a status that refuses the request for what it
// carries: a 4xx other than those about credentials, time or rate.
func refusedAsInvalid(status int) bool {
	switch status {
	case 401, 403, 408, 429:
		return false
	}
	return status >= 400 && status < 500
}

func success(x *exchange) bool { return x.Status >= 200 && x.Status < 300 }

// repeated is r0 with d's name carried twice.
func (e *engine) repeated(r0 *request, d *duplicate, first bool) (*request, error) {
	r := r0.clone()
	if d.param != nil {
		r.dupQuery = &queryDuplicate{key: paramKey(d.param), value: d.bad, first: first}
		return r, nil
	}
	b, ctype, err := e.encodeBody(r0)
	if err != nil {
		return nil, err
	}
	if d.form {
		pair := queryEscape(d.prop) + "=" + queryEscape(serialize(d.bad))
		if first {
			b = append([]byte(pair+"&"), b...)
		} else {
			b = append(append(b, '&'), pair...)
		}
		r.rawBody, r.rawType = b, ctype
		return r, nil
	}
	b, err = withDuplicateKey(b, d.variant, d.bad, first)
	if err != nil {
		return nil, err
	}
	r.rawBody, r.rawType = b, ctype
	return r, nil
}

// withDuplicateKey adds "key": value to a JSON object that already has
// key: as its first member when first, else as its last.
func withDuplicateKey(obj []byte, key string, value any, first bool) ([]byte, error) {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 || obj[0] != '{' || obj[len(obj)-1] != '}' {
		return nil, fmt.Errorf("not a JSON object")
	}
	if len(bytes.TrimSpace(obj[1:len(obj)-1])) == 0 {
		return nil, fmt.Errorf("an empty object has no member to repeat")
	}
	k, err := json.Marshal(key)
	if err != nil {
		return nil, err
	}
	v, err := json.Marshal(value)
	if err != nil {
		return nil, err
	}
	member := append(append(k, ':'), v...)
	var out []byte
	if first {
		out = append(append(append([]byte{'{'}, member...), ','), obj[1:]...)
	} else {
		out = append(append(append(append([]byte(nil), obj[:len(obj)-1]...), ','), member...), '}')
	}
	return out, nil
}
