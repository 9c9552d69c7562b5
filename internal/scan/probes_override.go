package scan

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/rampart-sec/rampart/internal/requestline"
	"github.com/rampart-sec/rampart/internal/spec"
)

// requestLineOverrides checks, once for the API (overrides are a
// framework's behaviour, not an operation's), whether the API obeys the
// fields that replace the request line (package requestline). A gateway or
// firewall that authorizes by the request line is bypassed when it does;
// `rampart protect` refuses them unless an operation declares them. Both
// probes only read: a GET operation with a working happy path is asked for
// through a method the path does not route (POST, refused without the
// field) or through a random path (404 without the field), with the field
// naming GET or the operation's URL. The happy path's answer means the
// field was obeyed.
func (e *engine) requestLineOverrides(ctx context.Context) {
	op := e.overrideTarget()
	if op == nil || e.halted(ctx) {
		return
	}
	e.methodOverride(ctx, op)
	e.pathOverride(ctx, op)
}

// answeredAs reports whether x got the happy path's status.
func answeredAs(x, happy *exchange) bool {
	return x.Err == nil && x.Status == happy.Status
}

// methodOverride sends POST (not routed on the path) asking for GET. Not
// with --safe: the scanner's POST is what --safe rules out.
func (e *engine) methodOverride(ctx context.Context, op *spec.Operation) {
	if e.opts.Safe {
		return
	}
	happy := e.happyX[op]
	post := e.tmpl[op].clone()
	post.method, post.hasBody = http.MethodPost, false
	if ctrl := e.send(ctx, post, "control (POST, not routed)"); ctrl.Err != nil {
		e.stop(ctrl.Err)
		return
	} else if ctrl.Status < 400 {
		return // POST is routed after all: undeclaredMethods reports it
	}
	for _, field := range requestline.MethodOverrides {
		if e.halted(ctx) {
			return
		}
		r := post.clone()
		r.extra = http.Header{field: {http.MethodGet}}
		e.stats["override_tests"]++
		x := e.send(ctx, r, "method override ("+field+": GET)")
		if answeredAs(x, happy) {
			e.add(RuleMethodOverride, op, "method-override",
				fmt.Sprintf("A POST to %s carrying %s: GET was answered as %s: the API runs the method the field names, so a gateway that authorizes by the request line's method can be bypassed.", op.Path, field, op.Key()),
				"405 (the field ignored)", fmt.Sprintf("%d, as the GET", x.Status), x, happy)
			break
		}
	}

}

// pathOverride sends GET to a random path asking for the operation's URL.
func (e *engine) pathOverride(ctx context.Context, op *spec.Operation) {
	happy := e.happyX[op]
	target, err := url.Parse(happy.URL)
	if err != nil {
		return
	}
	random := e.tmpl[op].clone()
	random.pathTpl = "/rampart-" + token()
	if ctrl := e.send(ctx, random, "control (random path)"); ctrl.Err != nil {
		e.stop(ctrl.Err)
		return
	} else if ctrl.Status < 400 {
		return // a catch-all route: nothing to compare against
	}
	for _, field := range requestline.PathOverrides {
		if e.halted(ctx) {
			return
		}
		r := random.clone()
		r.extra = http.Header{field: {target.RequestURI()}}
		e.stats["override_tests"]++
		x := e.send(ctx, r, "path override ("+field+")")
		if answeredAs(x, happy) {
			e.add(RulePathOverride, op, "path-override",
				fmt.Sprintf("A GET to a path that does not exist, carrying %s: %s, was answered as %s: the API serves the path the field names, so a gateway that authorizes by the request line's path can be bypassed.", field, target.RequestURI(), op.Key()),
				"404 (the field ignored)", fmt.Sprintf("%d, as the GET", x.Status), x, happy)
			break
		}
	}
}

// overrideTarget picks the first GET operation (in definition order) with
// a working happy path on a path that neither declares nor routes POST.
func (e *engine) overrideTarget() *spec.Operation {
	for _, op := range e.doc.Operations {
		if op.Method != http.MethodGet || e.tmpl[op] == nil || e.cfg.Op(op.Key()).Skip {
			continue
		}
		if x := e.happyX[op]; x == nil || x.Status < 200 || x.Status >= 300 {
			continue
		}
		if e.routedElsewhere(http.MethodPost, op.Path) {
			continue
		}
		postDeclared := false
		for _, other := range e.doc.Operations {
			if other.Path == op.Path && other.Method == http.MethodPost {
				postDeclared = true
			}
		}
		if !postDeclared {
			return op
		}
	}
	return nil
}
