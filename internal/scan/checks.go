package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// learn records what a successful response tells about the API: the id of
// a created resource (from the body or the Location header), ids seen in
// listings, and top-level values reusable as parameters.
func (e *engine) learn(op *spec.Operation, r *request, x *exchange) {
	var body any
	if len(x.RespBody) > 0 {
		d := json.NewDecoder(bytes.NewReader(x.RespBody))
		d.UseNumber()
		if d.Decode(&body) != nil {
			body = nil
		}
	}
	owner := ""
	if r.id != nil && !r.noAuth {
		owner = r.id.Name()
	}
	if op.Method == "POST" && x.Status >= 200 && x.Status < 300 {
		id := ""
		if m, ok := body.(map[string]any); ok {
			id = idOf(m)
		}
		if id == "" {
			if loc := x.RespHead.Get("Location"); loc != "" {
				if u, err := url.Parse(loc); err == nil {
					id = path.Base(u.Path)
				}
			}
		}
		parents := pathValues(op.Path, r)
		if id != "" && !addressed(op, r, id) && !e.holds(op.Path, parents, id) && e.hasItemOp(op.Path) {
			e.resources = append(e.resources, &resource{collection: op.Path, parents: parents, id: id, owner: owner, createdBy: op})
			e.stats["resources_created"]++
		}
	}
	if op.Method == "GET" {
		if arr, ok := body.([]any); ok && len(arr) > 0 {
			if m, ok := arr[0].(map[string]any); ok {
				if id := idOf(m); id != "" {
					e.seen[tmplKey(op.Path)] = seenID{id: id, parents: pathValues(op.Path, r)}
				}
			}
		}
	}
	e.learnLinks(op, r, x, body)
	if m, ok := body.(map[string]any); ok {
		for k, v := range m {
			switch v.(type) {
			case string, json.Number, bool:
				if _, fixed := e.cfg.Variables[k]; !fixed {
					e.vars[k] = v
				}
			}
		}
	}
}

// hasItemOp reports whether the contract reads or deletes single elements
// of the collection (GET or DELETE collection/{id}). Only then is an id a
// create answers a resource at a URL: POST /user/register answering the
// new account's id made no /user/register/{id} to read back, test for
// BOLA, clean up or report as left behind.
func (e *engine) hasItemOp(collection string) bool {
	for _, op := range e.doc.Operations {
		if op.Method != "GET" && op.Method != "DELETE" {
			continue
		}
		if _, ok := itemOf(op.Path, collection); ok {
			return true
		}
	}
	return false
}

// holds reports whether the scan already holds the resource id under
// parents: an API that answers several creates with one id (an idempotent
// create) made one resource, to be counted and cleaned up once; the same
// id under another parent is another resource.
func (e *engine) holds(collection string, parents []string, id string) bool {
	for _, res := range e.resources {
		if !res.deleted && res.in(collection, parents, id) {
			return true
		}
	}
	return false
}

// addressed reports whether id is the resource the request addressed: a
// POST to /pets/{petId} (an update or an action in place) answers with
// the pet it was sent to, which it did not create.
func addressed(op *spec.Operation, r *request, id string) bool {
	for _, p := range op.Parameters {
		if p.In == "path" && strings.HasSuffix(op.Path, "{"+p.Name+"}") {
			if v, ok := r.params[paramKey(p)]; ok && serialize(v) == id {
				return true
			}
		}
	}
	return false
}

func idOf(m map[string]any) string {
	for _, k := range []string{"id", "ID", "Id", "uuid", "_id"} {
		if v, ok := m[k]; ok {
			switch x := v.(type) {
			case string:
				return x
			case json.Number:
				return string(x)
			}
		}
	}
	return ""
}

// checkResponse checks one response against the contract: 5xx anywhere;
// and for declared statuses, the media type, the headers and the body.
// positive says the request was in contract: only then is an undeclared
// status reported, since APIs rightly answer negative tests with 4xx codes
// their definitions rarely list.
func (e *engine) checkResponse(op *spec.Operation, x *exchange, positive bool, test string) {
	if x.Err != nil || x.Status == 0 {
		return
	}
	if x.Status >= 500 {
		e.add(RuleServerError, op, "server-error", fmt.Sprintf("%s answered %d.", op.Key(), x.Status),
			"a 2xx or 4xx answer", fmt.Sprintf("%d to %s", x.Status, test), x)
		return
	}
	resp := op.Response(x.Status)
	if resp == nil {
		if positive {
			e.add(RuleUndeclaredStatus, op, fmt.Sprintf("status-%d", x.Status),
				fmt.Sprintf("%s answered %d, which the operation does not declare.", op.Key(), x.Status),
				"a declared status ("+declaredStatuses(op)+")", fmt.Sprintf("%d to %s", x.Status, test), x)
			e.undeclaredStatusContent(op, x)
		}
		return
	}
	for name, h := range resp.Headers {
		if strings.EqualFold(name, "Content-Type") {
			continue
		}
		v := x.RespHead.Get(name)
		if v == "" {
			if h.Required {
				e.add(RuleResponseHeader, op, fmt.Sprintf("header-%d-%s", x.Status, strings.ToLower(name)),
					fmt.Sprintf("The %d response lacks the required header %s.", x.Status, name),
					"header "+name, "missing", x)
			}
			continue
		}
		if h.Schema == nil {
			continue
		}
		sch, err := e.doc.Compile(h.Schema, spec.ResponseView)
		if err != nil {
			continue
		}
		if verr := e.doc.ValidateBounded(sch, spec.ResponseView, coerce(e.gen, h.Schema, v)); outOfContract(verr) {
			e.add(RuleResponseHeader, op, fmt.Sprintf("header-%d-%s", x.Status, strings.ToLower(name)),
				fmt.Sprintf("The %d response header %s is invalid: %s.", x.Status, name, shortErr(verr)),
				"header "+name+" valid against its schema", fmt.Sprintf("%s: %s", name, v), x)
		}
	}
	// A cut body is not empty, whatever its start holds.
	if len(resp.Content) == 0 || (len(bytes.TrimSpace(x.RespBody)) == 0 && !x.RespCut) || x.Method == http.MethodHead {
		return
	}
	ct := x.RespHead.Get("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		media = strings.ToLower(strings.TrimSpace(ct))
	}
	mt := matchMedia(resp.Content, media)
	if mt == nil {
		e.add(RuleUndeclaredContent, op, fmt.Sprintf("content-type-%d", x.Status),
			fmt.Sprintf("The %d response is %q, which the operation does not declare for that status.", x.Status, ct),
			"one of "+strings.Join(contentNames(resp.Content), ", "), "Content-Type: "+ct, x)
		return
	}
	if mt.Schema == nil || !isJSON(media) {
		return
	}
	if x.RespCut {
		// Its start is not a JSON document, and judging it as one would
		// report the cap, not the API. Status, media type and headers
		// were checked above; the body was not, and the report says so.
		body, size := "its body, of no declared length,", "a body of no declared length, over "+byteSize(e.c.maxBody)
		if x.RespLen > 0 {
			body, size = fmt.Sprintf("its body (%d bytes)", x.RespLen), fmt.Sprintf("a body of %d bytes", x.RespLen)
		}
		e.bodyUnchecked(op, x,
			fmt.Sprintf("%s exceeds the scan's cap of %s (max_response_bytes)", body, byteSize(e.c.maxBody)), size)
		return
	}
	body, err := decodeWholeJSON(x.RespBody)
	if err != nil {
		e.add(RuleResponseSchema, op, fmt.Sprintf("body-%d", x.Status),
			fmt.Sprintf("The %d response says %s but its body is not valid JSON.", x.Status, media),
			"a JSON body valid against the schema", "invalid JSON: "+err.Error(), x)
		return
	}
	sch, err := e.doc.Compile(mt.Schema, spec.ResponseView)
	if err != nil {
		return
	}
	// Nor one whose numbers the schema engine would take quadratic time
	// to read (the firewall refuses them: json-number-too-long).
	if n := longestNumber(body); n > spec.MaxNumberLen {
		e.log.Warn("response body not validated: it holds a number too long to validate", "operation", op.Key(), "status", x.Status, "digits", n)
		e.bodyUnchecked(op, x,
			fmt.Sprintf("its body holds a number of %d characters, longer than the %d the scan reads", n, spec.MaxNumberLen),
			fmt.Sprintf("a number of %d characters", n))
		return
	}
	// A target answering with a body whose validation the schema's shape
	// makes exponential must not stall the scan (spec.ValidationCost).
	verr := e.doc.ValidateBounded(sch, spec.ResponseView, body)
	var ce *spec.CostError
	if errors.As(verr, &ce) {
		e.log.Warn("response body not validated: its validation would take too long", "operation", op.Key(), "status", x.Status, "schema_visits", ce.Count.Visits, "values", ce.Count.Nodes, "pattern_steps", ce.Count.PatternSteps, "why", ce.Why)
		e.bodyUnchecked(op, x,
			"validating its body against the schema would take too long ("+ce.Why+")",
			fmt.Sprintf("validation too costly: %d schema visits, %d values", ce.Count.Visits, ce.Count.Nodes))
		return
	}
	var undeclared, other []string
	if verr != nil {
		undeclared, other = classify(verr)
	}
	if !e.opts.NoProbes {
		e.sensitiveData(op, x, body, undeclared)
	}
	if verr == nil {
		return
	}
	if len(undeclared) > 0 {
		e.add(RuleExcessiveData, op, fmt.Sprintf("body-%d", x.Status),
			fmt.Sprintf("The %d response carries properties its schema does not declare: %s.", x.Status, strings.Join(undeclared, ", ")),
			"only the properties the schema declares", "undeclared: "+strings.Join(undeclared, ", "), x)
	}
	if len(other) > 0 {
		e.add(RuleResponseSchema, op, fmt.Sprintf("body-%d", x.Status),
			fmt.Sprintf("The %d response body does not match its schema: %s.", x.Status, strings.Join(limit(other, 5), "; ")),
			"a body valid against the schema", strings.Join(limit(other, 5), "; "), x)
	}
}

// bodyUnchecked records a response body the scan could not validate
// against its schema (why says why): an info finding, with the exchange,
// and a manual check, once per operation and status. Without them a
// defect in that body (an undeclared property, a leaked field) would pass
// with no word in the report, and a clean report would read as a
// validated one. rampart protect notes the same situation as
// response-body-unchecked.
func (e *engine) bodyUnchecked(op *spec.Operation, x *exchange, why, actual string) {
	msg := fmt.Sprintf("The %d response of %s was not validated against its schema: %s. Its status, content type and headers were checked.", x.Status, op.Key(), why)
	e.add(RuleBodyUnchecked, op, fmt.Sprintf("body-%d", x.Status), msg,
		"a body the scan can validate", actual, x)
	key := fmt.Sprintf("%s\x00%d", op.Key(), x.Status)
	if e.uncheckedSeen == nil {
		e.uncheckedSeen = map[string]bool{}
	}
	if !e.uncheckedSeen[key] {
		e.uncheckedSeen[key] = true
		e.unchecked = append(e.unchecked, fmt.Sprintf("%s, %d response: %s", op.Key(), x.Status, why))
	}
}

// byteSize writes n in the largest binary unit that divides it ("1 MiB").
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// undeclaredStatusContent checks the media type of an answer whose status
// the operation does not declare. No response says what that status
// carries, but the operation's declared responses say what its clients
// read: a body in none of their types (an HTML error page where every
// response is JSON) is a second defect, which declaring the status would
// not fix, so it is reported on its own, under the same rule and test as
// an undeclared type for a declared status: once the status is declared
// with a type the body still lacks, it is that finding, with the same
// fingerprint. An operation that declares no body at all has no type the
// body could be in (the firewall's "the contract declares no body").
// Empty bodies and answers to HEAD carry no body to type, as for
// declared statuses; nor does a redirect the contract does not describe:
// its body is a note for user agents that do not follow it (net/http
// writes a line of HTML), not a document the declared types describe.
func (e *engine) undeclaredStatusContent(op *spec.Operation, x *exchange) {
	if (len(bytes.TrimSpace(x.RespBody)) == 0 && !x.RespCut) || x.Method == http.MethodHead || (x.Status >= 300 && x.Status < 400) {
		return
	}
	all := map[string]*spec.MediaType{}
	for _, r := range op.Responses {
		for k, mt := range r.Content {
			all[k] = mt
		}
	}
	ct := x.RespHead.Get("Content-Type")
	media, _, err := mime.ParseMediaType(ct)
	if err != nil {
		media = strings.ToLower(strings.TrimSpace(ct))
	}
	if matchMedia(all, media) != nil {
		return
	}
	expected := "no body: the operation declares none"
	msg := fmt.Sprintf("The %d response (a status the operation does not declare) is %q, and the operation declares no response body.", x.Status, ct)
	if len(all) > 0 {
		names := strings.Join(contentNames(all), ", ")
		expected = "one of " + names + ", the types the operation declares"
		msg = fmt.Sprintf("The %d response (a status the operation does not declare) is %q, which none of the operation's responses declares (they declare %s).", x.Status, ct, names)
	}
	e.add(RuleUndeclaredContent, op, fmt.Sprintf("content-type-%d", x.Status), msg, expected, "Content-Type: "+ct, x)
}

// printer renders schema error messages (the engine needs one; English is
// what reports use).
var printer = message.NewPrinter(language.English)

// classify splits validation errors into undeclared properties (refused by
// additionalProperties or unevaluatedProperties) and everything else.
func classify(err error) (undeclared, other []string) {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil, []string{err.Error()}
	}
	seenU, seenO := map[string]bool{}, map[string]bool{}
	for _, v := range spec.ValidationLeaves(ve) {
		loc := "/" + strings.Join(v.InstanceLocation, "/")
		switch k := v.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				name := strings.TrimPrefix(loc+"/"+p, "/")
				if !seenU[name] {
					seenU[name] = true
					undeclared = append(undeclared, name)
				}
			}
			continue
		case *kind.FalseSchema:
			name := strings.TrimPrefix(loc, "/")
			if !seenU[name] {
				seenU[name] = true
				undeclared = append(undeclared, name)
			}
			continue
		case *kind.Group, *kind.Schema, *kind.Reference:
			continue
		}
		msg := loc + ": " + v.ErrorKind.LocalizedString(printer)
		if !seenO[msg] {
			seenO[msg] = true
			other = append(other, msg)
		}
	}
	sort.Strings(undeclared)
	sort.Strings(other)
	return undeclared, other
}

// outOfContract reports whether err, from spec.ValidateBounded, says the
// value is invalid: not when it is valid, nor when the schema's shape
// made it too costly to check (spec.CostError), which proves nothing.
func outOfContract(err error) bool {
	return err != nil && !spec.TooCostly(err)
}

func shortErr(err error) string {
	u, o := classify(err)
	all := append(o, u...)
	if len(all) == 0 {
		return err.Error()
	}
	return strings.Join(limit(all, 3), "; ")
}

func matchMedia(content map[string]*spec.MediaType, media string) *spec.MediaType {
	media = essence(media)
	for k, mt := range content {
		if essence(k) == media {
			return mt
		}
	}
	for k, mt := range content {
		k = essence(k)
		if k == "*/*" || (strings.HasSuffix(k, "/*") && strings.HasPrefix(media, strings.TrimSuffix(k, "*"))) {
			return mt
		}
	}
	return nil
}

func contentNames(m map[string]*spec.MediaType) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func declaredStatuses(op *spec.Operation) string {
	var out []string
	for _, r := range op.Responses {
		out = append(out, r.Code)
	}
	return strings.Join(out, ", ")
}

// maxMutations bounds the mutations sent per operation.
const maxMutations = 80

// conformance sends one mutation per request: each parameter and body
// property made invalid in one way, plus a wrong content type. Each is
// confirmed out of contract by the compiled schema before it is sent.
// Expected: 4xx; 2xx is a defect, 5xx an error.
func (e *engine) conformance(ctx context.Context, op *spec.Operation, r0 *request) {
	type mut struct {
		name string
		r    *request
		// dups are the parser-differential probes the mutation makes
		// possible when the API refuses it.
		dups []*duplicate
	}
	var muts []mut
	key := spec.ParsePathKey(op.Path)
	for _, p := range op.Parameters {
		// A parameter that carries the request's credential is sent as
		// the credential, whatever it is set to: its mutations would not
		// go out. The authentication tests send it missing or wrong.
		if p.Ignored() || e.credentialParam(r0, p) || selectsOperation(key, p) {
			continue
		}
		if p.In == "header" && transportSets(p.Name) {
			// The transport writes this field from the request itself:
			// no value the scan sets for it goes out.
			continue
		}
		k := paramKey(p)
		if p.Required && p.In != "path" && !(p.In == "header" && alwaysSent(p.Name)) {
			r := r0.clone()
			r.omit[k] = true
			muts = append(muts, mut{p.In + " " + p.Name + ": missing-required", r, nil})
		}
		if p.Schema == nil {
			continue
		}
		sch, err := e.doc.Compile(p.Schema, spec.RequestView)
		if err != nil {
			continue
		}
		for _, m := range e.gen.ValueMutations(p.Schema.Ref, p.Schema.Value) {
			if p.In == "path" && serialize(m.Value) == "" {
				continue
			}
			// Judged by what the server reads back for the parameter's
			// style: an exploded form object's keys are the query's
			// names, so attrs=123 is {"attrs": "123"}, and an empty
			// exploded array sends nothing (absent, which the
			// missing-required mutation covers when it is required).
			if back, present := e.wireParam(p, m.Value); !present || !outOfContract(e.doc.ValidateBounded(sch, spec.RequestView, back)) {
				continue
			}
			r := r0.clone()
			r.params[k] = m.Value
			name := p.In + " " + p.Name + ": " + m.Kind
			muts = append(muts, mut{name, r, e.duplicateCandidates(op, r0, p, "", m.Value, name)})
		}
	}
	if r0.hasBody && r0.rawBody == nil && (isJSON(r0.media) || isForm(r0.media) || isMultipart(r0.media)) {
		if mt := op.RequestBody.Content[r0.media]; mt != nil && mt.Schema != nil {
			if sch, err := e.doc.Compile(mt.Schema, spec.RequestView); err == nil {
				for _, m := range e.gen.BodyMutations(mt.Schema, r0.body, e.opts.StrictObjects) {
					b := gen.Apply(r0.body, m)
					// Form and multipart bodies carry only objects: a
					// whole body replaced by a string or a number would
					// go out as an empty body, which is no body at all
					// rather than a wrong type.
					if _, isObj := b.(map[string]any); !isObj && !isJSON(r0.media) {
						continue
					}
					// Form and multipart bodies lose their scalar types on
					// the wire: a mutation is sent only when the body the
					// server reads back is still out of contract.
					if !outOfContract(e.doc.ValidateBounded(sch, spec.RequestView, e.wireView(r0.media, mt, b))) {
						continue
					}
					if isForm(r0.media) && !op.RequestBody.Required {
						// A form with no field left is a zero-length
						// body, which is no body at all: in contract
						// when the body is optional.
						if fb, err := formBody(b, mt); err == nil && len(fb) == 0 {
							continue
						}
					}
					r := r0.clone()
					r.body = b
					if m.Drop && len(m.Path) == 0 {
						r.hasBody = false
					}
					var dups []*duplicate
					if len(m.Path) == 1 && !m.Drop && m.Kind != "additional-property" {
						dups = e.duplicateCandidates(op, r0, nil, m.Path[0], m.Value, "body "+m.Name())
					}
					muts = append(muts, mut{"body " + m.Name(), r, dups})
				}
			}
		}
		if matchMedia(op.RequestBody.Content, "text/plain") == nil {
			r := r0.clone()
			r.rawBody = bodyBytes(r0.body)
			r.rawType = "text/plain"
			muts = append(muts, mut{"body: wrong-content-type", r, nil})
		}
	}
	if len(muts) > maxMutations {
		muts = muts[:maxMutations]
	}
	dups := map[string]*duplicate{} // the best refused candidate of each kind
	for _, m := range muts {
		if e.halted(ctx) {
			return
		}
		e.stats["mutations_sent"]++
		x := e.send(ctx, m.r, "mutation "+m.name)
		if x.Err != nil {
			e.stop(x.Err)
			continue
		}
		e.checkResponse(op, x, false, "mutation "+m.name)
		if x.Status >= 200 && x.Status < 300 {
			e.add(RuleNegativeAccepted, op, "conformance",
				fmt.Sprintf("%s accepted a request outside its contract (%s).", op.Key(), m.name),
				"4xx for out-of-contract input", fmt.Sprintf("%d to %s", x.Status, m.name), e.happyX[op], x)
		}
		if refusedAsInvalid(x.Status) {
			for _, d := range m.dups {
				if d.better(dups[d.kind()]) {
					dups[d.kind()] = d
				}
			}
		}
	}
	if !e.opts.NoProbes {
		for _, kind := range []string{"query", "form", "body", "case"} {
			if d := dups[kind]; d != nil {
				e.duplicateRead(ctx, op, r0, d)
			}
		}
	}
}

// alwaysSent reports the header fields every request carries whatever the
// scan sets: the transport writes Host, Content-Length, Transfer-Encoding
// and Connection itself, and the scan always sends a User-Agent. A request
// "without" one of them would carry it anyway, so it is no test of a
// required header parameter of that name.
func alwaysSent(name string) bool {
	return transportSets(name) || http.CanonicalHeaderKey(name) == "User-Agent"
}

// transportSets reports the header fields Go's transport writes from the
// request itself (Host from the URL, the body's framing, the connection's
// reuse), replacing or dropping whatever value the scan gives them: a
// mutation of one (Content-Length: abc) would not be sent.
func transportSets(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return true
	}
	return false
}

// selectsOperation reports whether parameter p is named by the query or
// fragment of its operation's path key ("/blobs/{id}#mode=chunk"): such a
// parameter tells operations of one path apart, so a request without it
// (or with another value) is a request to the sibling operation, not an
// out-of-contract one to this.
func selectsOperation(key spec.PathKey, p *spec.Parameter) bool {
	for _, pp := range append(append([]spec.PathPair(nil), key.Query...), key.Fragment...) {
		if pp.Name == p.Name || (p.In == "header" && strings.EqualFold(pp.Name, p.Name)) {
			return true
		}
	}
	return false
}

// undeclaredMethods sends, on each path, one method the definition does
// not declare (never HEAD or OPTIONS, which servers answer generically).
// Expected: 405; a 2xx means the API routes more than its contract.
func (e *engine) undeclaredMethods(ctx context.Context) {
	byPath := map[string][]*spec.Operation{}
	var paths []string
	for _, op := range e.doc.Operations {
		if _, ok := byPath[op.Path]; !ok {
			paths = append(paths, op.Path)
		}
		byPath[op.Path] = append(byPath[op.Path], op)
	}
	sort.Strings(paths)
	for _, p := range paths {
		ops := byPath[p]
		declared := map[string]bool{}
		var base *spec.Operation
		for _, op := range ops {
			declared[op.Method] = true
			if e.tmpl[op] != nil && base == nil {
				base = op
			}
		}
		if base == nil || e.cfg.Op(base.Key()).Skip {
			continue
		}
		method := ""
		for _, m := range []string{"PUT", "PATCH", "POST", "GET", "DELETE"} {
			if !declared[m] && !e.routedElsewhere(m, p) {
				method = m
				break
			}
		}
		if method == "" || e.halted(ctx) {
			continue
		}
		r := e.tmpl[base].clone()
		r.method = method
		r.hasBody = false
		x := e.send(ctx, r, "undeclared method "+method)
		if x.Err != nil {
			e.stop(x.Err)
			continue
		}
		e.stats["method_tests"]++
		opKey := method + " " + p
		if x.Status >= 500 {
			e.addAt(RuleServerError, opKey, base.PathRef, "server-error", fmt.Sprintf("%s (not declared) answered %d.", opKey, x.Status),
				"405", fmt.Sprint(x.Status), x)
		} else if x.Status >= 200 && x.Status < 300 {
			e.addAt(RuleUndeclaredMethod, opKey, base.PathRef, "undeclared-method",
				fmt.Sprintf("%s is not declared, yet the API answered %d.", opKey, x.Status),
				"405 Method Not Allowed", fmt.Sprint(x.Status), x)
			if method == "POST" {
				e.learn(&spec.Operation{Method: "POST", Path: p}, r, x)
			}
		}
	}
}

// routedElsewhere reports whether another path template declaring method
// could match the URL of path (e.g. PUT /user/login matches PUT
// /user/{username}): the method is then declared for that URL after all.
func (e *engine) routedElsewhere(method, p string) bool {
	segs := strings.Split(p, "/")
	for _, op := range e.doc.Operations {
		if op.Method != method || op.Path == p {
			continue
		}
		other := strings.Split(op.Path, "/")
		if len(other) != len(segs) {
			continue
		}
		match := true
		for i := range segs {
			if segs[i] != other[i] && !strings.HasPrefix(segs[i], "{") && !strings.HasPrefix(other[i], "{") {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// longestNumber returns the length of the longest number literal in a
// decoded JSON value.
func longestNumber(v any) int {
	longest := 0
	switch x := v.(type) {
	case json.Number:
		longest = len(x)
	case map[string]any:
		for _, c := range x {
			longest = max(longest, longestNumber(c))
		}
	case []any:
		for _, c := range x {
			longest = max(longest, longestNumber(c))
		}
	}
	return longest
}

// decodeWholeJSON decodes a body that must be one JSON value. Data after
// the first value ({"id":"a"}{"id":"a","ssn":...}) is an error: a client
// that reads the whole body, or a second value, sees what the schema
// check would otherwise never have looked at.
func decodeWholeJSON(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	end := d.InputOffset()
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value at offset %d", end)
	}
	return v, nil
}
