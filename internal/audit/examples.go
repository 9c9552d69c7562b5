package audit

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/sensitive"
	"github.com/rampart-sec/rampart/internal/spec"
)

// checkExamples validates the examples written beside a schema, outside
// it: a media type's, a parameter's and a response header's `example`
// and `examples` (each example's value, through components/examples
// $refs). The values inside a schema are checked where the schema is
// (checkValues, against the node's own keywords); these are whole values,
// checked against the whole schema as the firewall compiles it, in the
// direction they travel: an example request body that carries a readOnly
// property is one the firewall refuses. Only JSON media types are
// checked: other examples are text in the media type's own syntax.
func (r *run) checkExamples() {
	type job struct {
		op     *spec.Operation
		schema *spec.Schema
		view   spec.View
		node   spec.NodeRef // the object holding example(s)
		what   string       // "the request body application/json"
		name   string       // the parameter's or header's name: its examples are secrets when it is one
	}
	var jobs []job
	for _, op := range r.doc.AllOperations() {
		for _, p := range op.Parameters {
			if p.Schema != nil {
				jobs = append(jobs, job{op, p.Schema, spec.RequestView, p.Ref, fmt.Sprintf("parameter %s (%s)", p.Name, p.In), p.Name})
			}
			for _, mt := range sortedMedia(p.Content) {
				if mt.Schema != nil && jsonMedia(mt.Name) {
					jobs = append(jobs, job{op, mt.Schema, spec.RequestView, mt.Ref, fmt.Sprintf("parameter %s (%s) %s", p.Name, p.In, mt.Name), p.Name})
				}
			}
		}
		if op.RequestBody != nil {
			for _, mt := range sortedMedia(op.RequestBody.Content) {
				if mt.Schema != nil && jsonMedia(mt.Name) {
					jobs = append(jobs, job{op, mt.Schema, spec.RequestView, mt.Ref, "the request body " + mt.Name, ""})
				}
			}
		}
		for _, resp := range op.Responses {
			for _, mt := range sortedMedia(resp.Content) {
				if mt.Schema != nil && jsonMedia(mt.Name) {
					jobs = append(jobs, job{op, mt.Schema, spec.ResponseView, mt.Ref, fmt.Sprintf("response %s %s", resp.Code, mt.Name), ""})
				}
			}
			for _, name := range sortedKeys(resp.Headers) {
				if h := resp.Headers[name]; h.Schema != nil {
					jobs = append(jobs, job{op, h.Schema, spec.ResponseView, h.Ref, fmt.Sprintf("response %s header %s", resp.Code, cmp.Or(h.Name, name)), cmp.Or(h.Name, name)})
				}
			}
		}
	}
	seen := map[spec.NodeRef]bool{}
	for i, j := range jobs {
		if i%256 == 0 && r.ctx.Err() != nil {
			r.canceled = r.ctx.Err()
			return
		}
		for _, ex := range r.examplesAt(j.node) {
			if seen[ex.at] {
				continue
			}
			sch, err := r.doc.Compile(j.schema, j.view)
			if err != nil {
				break // struct-invalid or the pattern rules say why
			}
			err = r.doc.ValidateBounded(sch, j.view, ex.value)
			if err == nil || spec.TooCostly(err) || spec.IsEngineFailure(err) {
				continue
			}
			seen[ex.at] = true
			dir := dirRequest
			if j.view == spec.ResponseView {
				dir = dirResponse
			}
			why := strings.ReplaceAll(spec.ValidationSummary(err, 3), "at '': ", "") // the value itself
			// The summary can quote the example's values ("at
			// '/password': 'hunter2' does not match pattern ..."): a
			// report must not repeat its secrets.
			why = withoutValues(why, secretsOf(ex.value, j.name != "" && sensitive.SecretName(j.name))...)
			if r.doc.StrictObjects() && (strings.Contains(why, "additional properties") || strings.Contains(why, "undeclared property")) {
				why += " (objects that do not say additionalProperties are closed, as rampart protect enforces them; --open-objects opens them)"
			}
			r.add("data-value-invalid", ex.at, dir, fmt.Sprintf("The example %sof %s of %s does not match its schema: %s.", ex.name, j.what, j.op.Key(), why), []string{j.op.Key()})
		}
	}
}

// secretsOf returns the scalars of an example value that are secrets:
// all of it when secret (the example of a parameter or header with a
// secret name), the values of members with a secret name
// (sensitive.SecretName) anywhere in it, and strings that look like
// credentials.
func secretsOf(v any, secret bool) []any {
	switch x := v.(type) {
	case map[string]any:
		var out []any
		for k, e := range x {
			out = append(out, secretsOf(e, secret || sensitive.SecretName(k))...)
		}
		return out
	case []any:
		var out []any
		for _, e := range x {
			out = append(out, secretsOf(e, secret)...)
		}
		return out
	case string:
		if secret || sensitive.LooksLikeCredential(x) {
			return []any{x}
		}
	case nil, bool:
	default:
		if secret {
			return []any{x}
		}
	}
	return nil
}

// anExample is one example value and where it is written.
type anExample struct {
	at    spec.NodeRef
	name  string // `"name" ` for an entry of examples, "" for example
	value any
}

// examplesAt returns the examples of the object at node: its `example`,
// and the `value` of each entry of its `examples` (following $refs to
// components/examples). An entry with an externalValue has no value here.
func (r *run) examplesAt(node spec.NodeRef) []anExample {
	v, ok := r.doc.Value(node)
	if !ok {
		return nil
	}
	at, v, ok := r.doc.Deref(node, v)
	if !ok {
		return nil
	}
	m := asMap(v)
	var out []anExample
	if ex, ok := m["example"]; ok {
		out = append(out, anExample{at: ref(at.File, at.Pointer, "example"), value: ex})
	}
	examples := asMap(m["examples"])
	for _, name := range sortedKeys(examples) {
		eat := ref(at.File, at.Pointer, "examples", name)
		eat, ev, ok := r.doc.Deref(eat, examples[name])
		if !ok {
			continue
		}
		em := asMap(ev)
		if val, ok := em["value"]; ok {
			out = append(out, anExample{at: ref(eat.File, eat.Pointer, "value"), name: fmt.Sprintf("%q ", name), value: val})
		}
	}
	return out
}

// sortedMedia returns a content map's media types in name order.
func sortedMedia(content map[string]*spec.MediaType) []*spec.MediaType {
	out := make([]*spec.MediaType, 0, len(content))
	for _, name := range sortedKeys(content) {
		out = append(out, content[name])
	}
	return out
}

// jsonMedia reports a JSON media type (application/json, a +json
// suffix), whose examples are JSON values.
func jsonMedia(name string) bool {
	base, _, _ := strings.Cut(strings.ToLower(name), ";")
	base = strings.TrimSpace(base)
	return base == "application/json" || strings.HasSuffix(base, "+json") || slices.Contains([]string{"text/json"}, base)
}
