package scan

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"maps"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

// probes runs, after conformance, the checks that look for what an
// attacker can do: stateful flows, injection, mass assignment, SSRF,
// exposure, resource consumption, CORS, then the user's scenarios and,
// for https targets, the transport checks. Each probe is a handful of
// requests through the same client (rate, budget, timeouts, scope).
func (e *engine) probes(ctx context.Context, ops []*spec.Operation) {
	// First, before other probes send failed logins that could get the
	// account throttled.
	e.userEnumeration(ctx)
	for _, op := range ops {
		r := e.tmpl[op]
		if r == nil {
			continue
		}
		for _, probe := range []func(context.Context, *spec.Operation, *request){
			e.leakage, e.hierarchy, e.injection, e.massAssignment, e.ssrf,
			e.pageSize, e.largeBody, e.cors, e.redos,
		} {
			if e.halted(ctx) {
				return
			}
			if !e.mayWrite(op) && op.Method != "GET" {
				continue
			}
			probe(ctx, op, r)
		}
	}
	if e.halted(ctx) {
		return
	}
	e.collectSSRF(ctx)
	e.hiddenEndpoints(ctx)
	e.requestLineOverrides(ctx)
	e.scenarios(ctx)
}

// mayWrite says whether probes may send op's method (not with --safe).
func (e *engine) mayWrite(op *spec.Operation) bool {
	if !e.opts.Safe {
		return true
	}
	return op.Method == "GET" || op.Method == "HEAD" || op.Method == "OPTIONS"
}

// token is a random marker that ties a probe to what it caused.
func token() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// input is one string value of a request a probe can replace: a
// parameter or a body property.
type input struct {
	name   string // "query q", "body address.city"
	schema gen.Node
	value  string
	set    func(r *request, v any)
}

// maxInputs bounds the inputs probed per operation.
const maxInputs = 10

// inputs lists the parameters and body properties of the happy-path
// request whose schema is a string (or untyped), in a stable order.
func (e *engine) inputs(op *spec.Operation, r0 *request, want func(name string, n gen.Node) bool) []input {
	var out []input
	for _, p := range op.Parameters {
		if p.Schema == nil || p.In == "cookie" {
			continue
		}
		if p.Ignored() {
			continue
		}
		k := paramKey(p)
		v, ok := r0.params[k]
		if !ok {
			continue
		}
		n, ok := e.gen.Resolve(p.Schema.Ref, p.Schema.Value)
		if !ok || !want(p.Name, n) {
			continue
		}
		out = append(out, input{name: p.In + " " + p.Name, schema: n, value: serialize(v),
			set: func(r *request, v any) { r.params[k] = v }})
	}
	if r0.hasBody && r0.rawBody == nil && isJSON(r0.media) {
		if _, mt := pickMedia(op.RequestBody); mt != nil && mt.Schema != nil {
			e.bodyInputs(mt.Schema.Ref, mt.Schema.Value, r0.body, nil, 0, want, &out)
		}
	}
	if len(out) > maxInputs {
		out = out[:maxInputs]
	}
	return out
}

func (e *engine) bodyInputs(at spec.NodeRef, raw any, v any, path []string, depth int, want func(string, gen.Node) bool, out *[]input) {
	obj, ok := v.(map[string]any)
	if !ok || depth > 3 {
		return
	}
	props := e.gen.Properties(at, raw)
	for _, name := range sortedKeys(obj) {
		pr, ok := props[name]
		if !ok {
			continue
		}
		n, ok := e.gen.Resolve(pr.At, pr.Raw)
		if !ok {
			continue
		}
		p := append(append([]string(nil), path...), name)
		switch val := obj[name].(type) {
		case string:
			if want(name, n) {
				pp := p
				*out = append(*out, input{name: "body " + strings.Join(p, "."), schema: n, value: val,
					set: func(r *request, nv any) { r.body = setPath(r.body, pp, nv) }})
			}
		case map[string]any:
			e.bodyInputs(pr.At, pr.Raw, val, p, depth+1, want, out)
		}
	}
}

// setPath returns a copy of body with the value at path replaced.
func setPath(body any, path []string, v any) any {
	if len(path) == 0 {
		return v
	}
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	c := make(map[string]any, len(m))
	for k, x := range m {
		c[k] = x
	}
	c[path[0]] = setPath(m[path[0]], path[1:], v)
	return c
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// stringLike reports whether a schema accepts free text: a string (or
// untyped) without enum or a format that constrains it.
func stringLike(n gen.Node) bool {
	t := gen.SchemaType(n.V)
	if t != "string" && t != "" {
		return false
	}
	if _, ok := n.V["enum"]; ok {
		return false
	}
	if _, ok := n.V["const"]; ok {
		return false
	}
	switch f, _ := n.V["format"].(string); f {
	case "", "password", "search", "text":
		return true
	}
	return false
}
