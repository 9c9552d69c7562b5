package scan

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/identity"
	"github.com/rampart-sec/rampart/internal/spec"
)

// scenarios runs the user's scenarios in order. A step whose assertions
// fail is a finding (at the scenario's severity) and ends its scenario,
// since later steps depend on it.
func (e *engine) scenarios(ctx context.Context) {
	for _, sc := range e.cfg.Scenarios {
		if e.halted(ctx) {
			return
		}
		if e.opts.Safe && writes(sc) {
			e.stats["scenarios_skipped"]++
			continue
		}
		e.stats["scenarios_run"]++
		vars := map[string]string{}
		for k, v := range e.cfg.Variables {
			vars[k] = serialize(v)
		}
		for i, st := range sc.Steps {
			if !e.runStep(ctx, sc, i, st, vars) {
				e.stats["scenarios_failed"]++
				break
			}
		}
	}
}

func expand(s string, vars map[string]string) string {
	return expandEscaped(s, vars, nil)
}

// expandEscaped substitutes the variables, each value passed through
// escape when it is not nil.
func expandEscaped(s string, vars map[string]string, escape func(string) string) string {
	return config.ScenarioVar().ReplaceAllStringFunc(s, func(m string) string {
		name := config.ScenarioVar().FindStringSubmatch(m)[1]
		if v, ok := vars[name]; ok {
			if escape != nil {
				return escape(v)
			}
			return v
		}
		return m
	})
}

// pathSegmentEscape escapes a value for one path segment: a captured id
// such as "a/b", "x?y", "#" or ".." must stay one segment, not add
// segments, start a query or climb the path.
func pathSegmentEscape(v string) string {
	if v == "." || v == ".." {
		return strings.ReplaceAll(v, ".", "%2E")
	}
	return url.PathEscape(v)
}

// expandRequestLine substitutes the variables of a step's request line
// ("GET /orders/{{id}}?q={{q}}"), escaped for where each one stands: a
// value cannot change which path is requested or add query pairs.
func expandRequestLine(line string, vars map[string]string) string {
	method, target, _ := strings.Cut(strings.TrimSpace(line), " ")
	path, query, hasQuery := strings.Cut(strings.TrimSpace(target), "?")
	out := method + " " + expandEscaped(path, vars, pathSegmentEscape)
	if hasQuery {
		out += "?" + expandEscaped(query, vars, url.QueryEscape)
	}
	return out
}

func expandAny(v any, vars map[string]string) any {
	switch x := v.(type) {
	case string:
		return expand(x, vars)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, el := range x {
			out[k] = expandAny(el, vars)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			out[i] = expandAny(el, vars)
		}
		return out
	}
	return v
}

// matchOp finds the operation whose template matches a concrete path.
func (e *engine) matchOp(method, p string) *spec.Operation {
	segs := strings.Split(strings.TrimRight(p, "/"), "/")
	var best *spec.Operation
	bestFixed := -1
	for _, op := range e.doc.Operations {
		if op.Method != method {
			continue
		}
		other := strings.Split(strings.TrimRight(op.Path, "/"), "/")
		if len(other) != len(segs) {
			continue
		}
		fixed, match := 0, true
		for i := range segs {
			switch {
			case segs[i] == other[i]:
				fixed++
			case strings.HasPrefix(other[i], "{"):
			default:
				match = false
			}
		}
		if match && fixed > bestFixed {
			best, bestFixed = op, fixed
		}
	}
	return best
}

func (e *engine) runStep(ctx context.Context, sc config.Scenario, i int, st config.Step, vars map[string]string) bool {
	method, rawPath, _ := strings.Cut(expandRequestLine(st.Request, vars), " ")
	method = strings.ToUpper(method)
	rawPath = strings.TrimSpace(rawPath)
	pathOnly, rawQuery, _ := strings.Cut(rawPath, "?")
	op := e.matchOp(method, pathOnly)
	opKey := method + " " + pathOnly
	at := spec.NodeRef{}
	if op != nil {
		opKey, at = op.Key(), op.Ref
	}
	u, err := e.base.Parse(e.basePath(op) + pathOnly)
	if err != nil {
		e.scenarioFailed(sc, i, opKey, at, "the request path does not parse: "+err.Error(), nil)
		return false
	}
	q, _ := url.ParseQuery(rawQuery)
	for k, v := range st.Query {
		q.Set(k, expand(serialize(v), vars))
	}
	var pairs []string
	if enc := q.Encode(); enc != "" {
		pairs = strings.Split(enc, "&")
	}
	u.RawQuery = strings.Join(e.withTargetQuery(pairs, nil), "&")
	var body []byte
	h := http.Header{"Accept": {"application/json, */*;q=0.5"}}
	if st.Body != nil {
		body, err = json.Marshal(expandAny(st.Body, vars))
		if err != nil {
			e.scenarioFailed(sc, i, opKey, at, "the body cannot be encoded as JSON: "+err.Error(), nil)
			return false
		}
		h.Set("Content-Type", "application/json")
	}
	for k, v := range st.Headers {
		h.Set(k, expand(v, vars))
	}
	if st.As != "" {
		id := e.identity(st.As)
		if id == nil {
			e.scenarioFailed(sc, i, opKey, at, "no identity named "+st.As, nil)
			return false
		}
		if op == nil || satisfies(id, op) < 0 {
			e.scenarioFailed(sc, i, opKey, at, fmt.Sprintf("%s matches no operation whose security %s can satisfy", opKey, st.As), nil)
			return false
		}
		req, _ := http.NewRequestWithContext(ctx, method, u.String(), nil)
		req.Header = h
		if err := id.Apply(ctx, req, op.Security[satisfies(id, op)], ""); err != nil {
			e.scenarioFailed(sc, i, opKey, at, "credentials for "+st.As+": "+err.Error(), nil)
			return false
		}
		e.red.addSecret(id.Secrets()...)
		h = req.Header
	}
	e.stats["scenario_steps"]++
	x := e.c.send(ctx, method, u.String(), h, body)
	x.Label = fmt.Sprintf("scenario %q step %d", sc.Name, i+1)
	if x.Err != nil {
		if e.stop(x.Err) {
			return false
		}
		e.scenarioFailed(sc, i, opKey, at, "request failed: "+x.Err.Error(), x)
		return false
	}
	// The path parameters the request line gave, for the resource a
	// POST creates under its parents, or the one a DELETE removes.
	stepReq := &request{op: op, params: map[string]any{}, id: e.identity(st.As), reqIdx: -1}
	if op != nil {
		if vals, ok := concreteValues(op.Path, pathOnly); ok {
			setPathValues(stepReq, op.Path, vals)
		}
	}
	if method == "POST" && op != nil && x.Status >= 200 && x.Status < 300 {
		// Resources a scenario creates are cleaned up like the others.
		e.learn(op, stepReq, x)
	}
	if method == "DELETE" && op != nil && x.Status >= 200 && x.Status < 300 {
		e.markDeleted(op, stepReq)
	}
	if problems := checkExpect(st.Expect, x); len(problems) > 0 {
		e.scenarioFailed(sc, i, opKey, at, strings.Join(problems, "; "), x)
		return false
	}
	for name, expr := range st.Capture {
		v, err := identity.Extract(x.RespBody, expr)
		if err != nil {
			e.scenarioFailed(sc, i, opKey, at, fmt.Sprintf("capture %s: %v", name, err), x)
			return false
		}
		vars[name] = v
	}
	return true
}

// checkExpect returns the assertions a response fails.
func checkExpect(exp config.Expect, x *exchange) []string {
	var out []string
	if len(exp.Status) > 0 {
		ok := false
		for _, s := range exp.Status {
			ok = ok || s == x.Status
		}
		if !ok {
			out = append(out, fmt.Sprintf("status %d, expected one of %v", x.Status, exp.Status))
		}
	} else if x.Status < 200 || x.Status >= 300 {
		out = append(out, fmt.Sprintf("status %d, expected 2xx", x.Status))
	}
	for _, p := range sortedKeys(exp.Body) {
		got, err := identity.Extract(x.RespBody, p)
		want := serialize(exp.Body[p])
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", p, err))
		} else if got != want {
			out = append(out, fmt.Sprintf("%s is %q, expected %q", p, got, want))
		}
	}
	for k, v := range exp.Headers {
		if got := x.RespHead.Get(k); !strings.Contains(got, v) {
			out = append(out, fmt.Sprintf("header %s is %q, expected it to contain %q", k, got, v))
		}
	}
	return out
}

func (e *engine) scenarioFailed(sc config.Scenario, i int, opKey string, at spec.NodeRef, why string, x *exchange) {
	var xs []*exchange
	if x != nil {
		xs = append(xs, x)
	}
	f := e.addAt(RuleScenarioFailed, opKey, at, "scenario "+sc.Name,
		fmt.Sprintf("Scenario %q failed at step %d (%s): %s.", sc.Name, i+1, sc.Steps[i].Request, why),
		"every assertion of the step", why, xs...)
	if sev, err := report.ParseSeverity(sc.Severity); err == nil && sc.Severity != "" {
		f.Severity = sev
	}
}

// identity returns the configured identity with that name.
func (e *engine) identity(name string) *identity.Identity {
	for _, id := range e.ids {
		if id.Name() == name {
			return id
		}
	}
	return nil
}

// writes reports whether a scenario sends anything but GET, HEAD or
// OPTIONS (skipped with --safe).
func writes(sc config.Scenario) bool {
	for _, st := range sc.Steps {
		m, _, _ := strings.Cut(strings.TrimSpace(st.Request), " ")
		switch strings.ToUpper(m) {
		case "GET", "HEAD", "OPTIONS":
		default:
			return true
		}
	}
	return false
}
