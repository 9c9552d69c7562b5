package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Stateful checks follow resources through their life: created, read,
// refused, nested and deleted. They reuse the happy-path templates, so a
// check only runs where the API's own flow worked.

// notReadable turns a GET happy path that answered 404 for a resource the
// scan just created into a finding of its own: the API said "created" and
// cannot find what it created.
func (e *engine) notReadable(op *spec.Operation, r *request, x *exchange) bool {
	if op.Method != "GET" || r == nil || x == nil || x.Err != nil || x.Status != 404 {
		return false
	}
	owner := ""
	if r.id != nil {
		owner = r.id.Name()
	}
	res := e.ownedResource(op, r, owner)
	if res == nil {
		return false
	}
	e.add(RuleNotReadable, op, "read-after-create",
		fmt.Sprintf("%s created %s, but %s answered 404 for it.", res.createdBy.Key(), res.path(), op.Key()),
		"2xx for a resource just created", "404 for "+res.path(), x)
	return true
}

// ownedResource returns the resource of owner a path parameter of r
// names, with the parents the parameters before it name.
func (e *engine) ownedResource(op *spec.Operation, r *request, owner string) *resource {
	vals := pathValues(op.Path, r)
	for k, name := range spec.TemplateNames(op.Path) {
		i := strings.Index(op.Path, "{"+name+"}")
		if i <= 0 {
			continue
		}
		coll := strings.TrimRight(op.Path[:i], "/")
		for _, res := range e.resources {
			if res.in(coll, vals[:k], vals[k]) && res.owner == owner {
				return res
			}
		}
	}
	return nil
}

// useAfterFree runs after a successful DELETE happy path: the deleted
// resource is read (GET) and modified (PATCH) on the same path, as the
// same identity. Expected 404 or 410. PUT is left out: many APIs create
// with PUT, so a 2xx there proves nothing.
func (e *engine) useAfterFree(ctx context.Context, del *spec.Operation, rDel *request) {
	hx := e.happyX[del]
	if hx == nil || hx.Status < 200 || hx.Status >= 300 {
		return
	}
	for _, method := range []string{"GET", "PATCH"} {
		other := e.opAt(method, del.Path)
		if other == nil || e.tmpl[other] == nil || e.halted(ctx) {
			continue
		}
		r := e.tmpl[other].clone()
		// By position: the two may name their parameters differently.
		setPathValues(r, other.Path, pathValues(del.Path, rDel))
		if rDel.id != nil {
			if idx := satisfies(rDel.id, other); idx >= 0 {
				r.id, r.reqIdx = rDel.id, idx
			}
		}
		e.stats["stateful_tests"]++
		x := e.send(ctx, r, "after delete: "+method)
		if x.Err != nil {
			e.stop(x.Err)
			return
		}
		if x.Status >= 200 && x.Status < 300 {
			e.add(RuleUseAfterFree, del, "use-after-free",
				fmt.Sprintf("%s answered %d, yet %s %s on the deleted resource answered %d.", del.Key(), hx.Status, method, del.Path, x.Status),
				"404 or 410 once deleted", fmt.Sprintf("%d to %s after delete", x.Status, method), hx, x)
			return
		}
	}
}

// opAt returns the operation declared for method on path template p,
// whatever either names its parameters.
func (e *engine) opAt(method, p string) *spec.Operation {
	for _, op := range e.doc.Operations {
		if op.Method == method && sameTemplate(op.Path, p) {
			return op
		}
	}
	return nil
}

// leakage sends one create the contract refuses and compares the size of
// the collection's listing before and after: a refused create must not
// leave anything behind.
func (e *engine) leakage(ctx context.Context, op *spec.Operation, r0 *request) {
	if op.Method != "POST" || !r0.hasBody || !isJSON(r0.media) || r0.rawBody != nil {
		return
	}
	list := e.opAt("GET", op.Path)
	if list == nil || e.tmpl[list] == nil {
		return
	}
	lr := e.tmpl[list]
	if (lr.id == nil) != (r0.id == nil) || (lr.id != nil && lr.id.Name() != r0.id.Name()) {
		return
	}
	_, mt := pickMedia(op.RequestBody)
	if mt == nil || mt.Schema == nil {
		return
	}
	sch, err := e.doc.Compile(mt.Schema, spec.RequestView)
	if err != nil {
		return
	}
	var bad *request
	var what string
	for _, m := range e.gen.BodyMutations(mt.Schema, r0.body, false) {
		if len(m.Path) == 0 {
			continue // a whole-body mutation may not be stored at all
		}
		b := gen.Apply(r0.body, m)
		if !outOfContract(e.doc.ValidateBounded(sch, spec.RequestView, b)) {
			continue
		}
		bad = r0.clone()
		bad.body = b
		what = m.Name()
		break
	}
	if bad == nil {
		return
	}
	count := func(label string) (int, *exchange, bool) {
		x := e.send(ctx, lr.clone(), label)
		if x.Err != nil || x.Status < 200 || x.Status >= 300 {
			e.stop(x.Err)
			return 0, x, false
		}
		n, ok := listLen(x.RespBody)
		return n, x, ok
	}
	e.stats["stateful_tests"]++
	n0, _, ok := count("listing before a refused create")
	if !ok {
		return
	}
	x := e.send(ctx, bad, "refused create ("+what+")")
	if x.Err != nil || x.Status < 400 || x.Status >= 500 {
		e.stop(x.Err)
		return
	}
	n1, lx, ok := count("listing after a refused create")
	if ok && n1 > n0 {
		e.add(RuleLeakage, op, "leakage",
			fmt.Sprintf("%s refused a request (%s) with %d, yet %s then listed %d entries instead of %d.", op.Key(), what, x.Status, list.Key(), n1, n0),
			"the same listing after a refused create", fmt.Sprintf("%d entries before, %d after", n0, n1), x, lx)
	}
}

// listLen counts the entries of a listing: a JSON array, or the array
// under a common wrapper property.
func listLen(body []byte) (int, bool) {
	var v any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&v) != nil {
		return 0, false
	}
	if arr, ok := v.([]any); ok {
		return len(arr), true
	}
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"items", "data", "results", "content", "records", "entries"} {
			if arr, ok := m[k].([]any); ok {
				return len(arr), true
			}
		}
	}
	return 0, false
}

// hierarchy reaches a child resource through a second parent the same
// identity created: /projects/{B}/tasks/{task of A} must be 404.
func (e *engine) hierarchy(ctx context.Context, op *spec.Operation, r0 *request) {
	if op.Method != "GET" {
		return
	}
	var pathParams []*spec.Parameter
	for _, p := range op.Parameters {
		if p.In == "path" {
			pathParams = append(pathParams, p)
		}
	}
	if len(pathParams) < 2 {
		return
	}
	// The last parameter must name a child the scan created in its
	// collection: a trailing enum or a size every parent has answers
	// under any parent, rightly.
	var child *spec.Parameter
	for _, p := range pathParams {
		if strings.HasSuffix(op.Path, "{"+p.Name+"}") {
			child = p
		}
	}
	if child == nil {
		return
	}
	coll := strings.TrimRight(strings.TrimSuffix(op.Path, "{"+child.Name+"}"), "/")
	vals := pathValues(op.Path, r0)
	if len(vals) == 0 || !e.holds(coll, vals[:len(vals)-1], vals[len(vals)-1]) {
		return
	}
	for _, parent := range pathParams {
		i := strings.Index(op.Path, "{"+parent.Name+"}")
		if i <= 0 || strings.HasSuffix(op.Path, "{"+parent.Name+"}") {
			continue
		}
		create := e.opAt("POST", strings.TrimRight(op.Path[:i], "/"))
		if create == nil || e.tmpl[create] == nil || e.halted(ctx) {
			continue
		}
		cr := e.tmpl[create].clone()
		if r0.id != nil {
			idx := satisfies(r0.id, create)
			if idx < 0 {
				continue
			}
			cr.id, cr.reqIdx = r0.id, idx
		}
		e.stats["stateful_tests"]++
		cx := e.send(ctx, cr, "second parent for the hierarchy test")
		if cx.Err != nil || cx.Status < 200 || cx.Status >= 300 {
			e.stop(cx.Err)
			continue
		}
		other := createdID(cx)
		if other == "" || other == serialize(r0.params[paramKey(parent)]) {
			continue
		}
		r := r0.clone()
		r.params[paramKey(parent)] = other
		x := e.send(ctx, r, "through another parent")
		if x.Err != nil {
			e.stop(x.Err)
			return
		}
		if x.Status >= 200 && x.Status < 300 {
			e.add(RuleHierarchy, op, "resource-hierarchy",
				fmt.Sprintf("%s returned a child of %s %s when asked for it under %s %s (another parent of the same identity).",
					op.Key(), parent.Name, serialize(r0.params[paramKey(parent)]), parent.Name, other),
				"404 under a parent the child does not belong to", fmt.Sprintf("%d under %s=%s", x.Status, parent.Name, other), e.happyX[op], x)
		}
	}
}

// createdID is the id a create answer names (body id or Location).
func createdID(x *exchange) string {
	var body any
	d := json.NewDecoder(bytes.NewReader(x.RespBody))
	d.UseNumber()
	if d.Decode(&body) == nil {
		if m, ok := body.(map[string]any); ok {
			if id := idOf(m); id != "" {
				return id
			}
		}
	}
	if loc := x.RespHead.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil {
			return path.Base(u.Path)
		}
	}
	return ""
}

// existenceLeak runs when another identity was refused with 403: the same
// identity asks for a resource that does not exist. A 404 there tells an
// attacker which ids exist.
func (e *engine) existenceLeak(ctx context.Context, op *spec.Operation, r *request, denied *exchange) {
	var last *spec.Parameter
	for _, p := range op.Parameters {
		if p.In == "path" && strings.HasSuffix(op.Path, "{"+p.Name+"}") {
			last = p
		}
	}
	if last == nil {
		return
	}
	missing := r.clone()
	missing.params[paramKey(last)] = missingID(serialize(r.params[paramKey(last)]))
	e.stats["stateful_tests"]++
	x := e.send(ctx, missing, "missing resource as "+r.id.Name())
	if x.Err != nil {
		e.stop(x.Err)
		return
	}
	if x.Status == 404 || x.Status == 410 {
		e.add(RuleExistenceLeak, op, "existence-leak",
			fmt.Sprintf("%s answers %d for another identity's resource but %d for a missing one, so callers can tell which ids exist.", op.Key(), denied.Status, x.Status),
			"the same status (404) for both", fmt.Sprintf("%d for another's, %d for a missing one", denied.Status, x.Status), denied, x)
	}
}

var uuidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// missingID is an id of the same shape as v that is very unlikely to exist.
func missingID(v string) string {
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return "987654321"
	}
	if uuidRe.MatchString(v) {
		return "00000000-0000-4000-8000-00000000d1e7"
	}
	return v + "-missing"
}

// learnLinks records the values OpenAPI links of the response announce
// for other operations' parameters ($response.body#/id and the like).
func (e *engine) learnLinks(op *spec.Operation, r *request, x *exchange, body any) {
	resp := op.Response(x.Status)
	if resp == nil {
		return
	}
	for _, ref := range resp.Links {
		v, ok := e.doc.Value(ref)
		if !ok {
			continue
		}
		_, v, ok = e.doc.Deref(ref, v)
		if !ok {
			continue
		}
		link, ok := v.(map[string]any)
		if !ok {
			continue
		}
		target := e.linkTarget(link)
		if target == nil {
			continue
		}
		params, _ := link["parameters"].(map[string]any)
		for name, expr := range params {
			val, ok := evalLink(expr, r, x, body)
			if !ok {
				continue
			}
			if i := strings.IndexByte(name, '.'); i > 0 {
				name = name[i+1:] // "path.petId"
			}
			if e.linked[target.Key()] == nil {
				e.linked[target.Key()] = map[string]string{}
			}
			e.linked[target.Key()][name] = val
		}
	}
}

func (e *engine) linkTarget(link map[string]any) *spec.Operation {
	if id, ok := link["operationId"].(string); ok {
		for _, op := range e.doc.Operations {
			if op.OperationID == id {
				return op
			}
		}
		return nil
	}
	ref, ok := link["operationRef"].(string)
	if !ok {
		return nil
	}
	// Local references only: #/paths/~1pets~1{petId}/get.
	ptr, ok := strings.CutPrefix(ref, "#/paths/")
	if !ok {
		return nil
	}
	i := strings.LastIndexByte(ptr, '/')
	if i <= 0 {
		return nil
	}
	p := spec.UnescapeToken(ptr[:i])
	return e.opAt(strings.ToUpper(ptr[i+1:]), p)
}

// evalLink evaluates the runtime expressions links use.
func evalLink(expr any, r *request, x *exchange, body any) (string, bool) {
	s, ok := expr.(string)
	if !ok {
		return serialize(expr), expr != nil
	}
	switch {
	case strings.HasPrefix(s, "$response.body"):
		ptr := strings.TrimPrefix(strings.TrimPrefix(s, "$response.body"), "#")
		v, ok := pointer(body, ptr)
		if !ok {
			return "", false
		}
		return serialize(v), true
	case strings.HasPrefix(s, "$response.header."):
		v := x.RespHead.Get(strings.TrimPrefix(s, "$response.header."))
		return v, v != ""
	case strings.HasPrefix(s, "$request.path."), strings.HasPrefix(s, "$request.query."), strings.HasPrefix(s, "$request.header."):
		rest := strings.TrimPrefix(s, "$request.")
		in, name, _ := strings.Cut(rest, ".")
		v, ok := r.params[in+":"+name]
		return serialize(v), ok
	case strings.HasPrefix(s, "$"):
		return "", false
	}
	return s, true
}

// pointer resolves a JSON pointer in a decoded document.
func pointer(v any, ptr string) (any, bool) {
	if ptr == "" {
		return v, true
	}
	for _, tok := range spec.SplitPointer(ptr) {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[tok]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

func itoa(i int) string { return strconv.Itoa(i) }

// tmplKey is a path template with its parameter names dropped
// ("/projects/{}/tasks") and no trailing slash. Templates that differ only
// in names are one path (OpenAPI forbids declaring both), so a create and
// its item operations pair up however each names its parameters
// (POST /projects/{projectId}/tasks, GET /projects/{id}/tasks/{taskId}).
func tmplKey(p string) string {
	return strings.TrimRight(spec.ExpandTemplate(p, func(int, string) string { return "{}" }), "/")
}

// sameTemplate reports whether two path templates are the same path.
func sameTemplate(a, b string) bool { return tmplKey(a) == tmplKey(b) }

// itemOf returns the name of item's last path parameter when item is an
// element of the collection coll: coll followed by one "/{name}" segment.
func itemOf(item, coll string) (string, bool) {
	i := strings.LastIndex(item, "/{")
	if i < 0 || !strings.HasSuffix(item, "}") {
		return "", false
	}
	name := item[i+2 : len(item)-1]
	if name == "" || strings.ContainsAny(name, "{}/") {
		return "", false
	}
	return name, sameTemplate(item[:i], coll)
}

// pathValues returns the values r gives the parameters of template tpl,
// in template order ("" for one it leaves out). Positions, not names,
// pair two templates of one path: POST /users/{userId}/orders and
// GET /users/{id}/orders/{orderId} both have the user first.
func pathValues(tpl string, r *request) []string {
	names := spec.TemplateNames(tpl)
	out := make([]string, len(names))
	for i, n := range names {
		if v, ok := r.params["path:"+n]; ok {
			out[i] = serialize(v)
		}
	}
	return out
}

// setPathValues gives r's path parameters of template tpl the values vals, by
// position; a parameter beyond vals is left as it is.
func setPathValues(r *request, tpl string, vals []string) {
	for i, n := range spec.TemplateNames(tpl) {
		if i < len(vals) {
			r.params["path:"+n] = vals[i]
		}
	}
}

// concreteValues reads the values of template tpl's parameters from a
// concrete path that matches it segment by segment (a scenario's request
// line), unescaped; ok is false when the two do not line up.
func concreteValues(tpl, p string) ([]string, bool) {
	ts := strings.Split(strings.Trim(tpl, "/"), "/")
	ps := strings.Split(strings.Trim(p, "/"), "/")
	if len(ts) != len(ps) {
		return nil, false
	}
	var out []string
	for i, t := range ts {
		if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") {
			continue
		}
		v, err := url.PathUnescape(ps[i])
		if err != nil {
			v = ps[i]
		}
		out = append(out, v)
	}
	return out, len(out) == len(spec.TemplateNames(tpl))
}
