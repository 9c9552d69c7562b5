package scan

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/sensitive"
	"github.com/rampart-sec/rampart/internal/spec"
)

// stackTraceRe matches stack traces and framework debug pages of the
// common server stacks; each alternative is specific enough not to match
// ordinary JSON.
var stackTraceRe = regexp.MustCompile(`Traceback \(most recent call last\)` +
	`|goroutine \d+ \[[a-z ]+\]:` +
	`|\.go:\d+ \+0x[0-9a-f]+` +
	`|\bat [\w$.]+\([\w$]+\.java:\d+\)` +
	`|Exception in thread "` +
	`|\bat [\w.<>` + "`" + `]+\(.*\) in [^\n]+:line \d+` +
	`|\bat (?:[\w.<>]+ )?\((?:/|[A-Za-z]:\\|node:)[^)]+:\d+:\d+\)` +
	`|Whitelabel Error Page` +
	`|Werkzeug Debugger` +
	`|<title>[^<]*(?:Django|Action Controller: Exception caught|Error 500 \(Server Error\))` +
	`|PHP (?:Fatal|Parse) error|on line <b>\d+</b>` +
	`|\bat [\w\\]+->\w+\(\) in /`)

var versionRe = regexp.MustCompile(`\d+\.\d+`)

// passive checks every response the scan gets, at no request cost: stack
// traces, version banners, X-Content-Type-Options, and Cache-Control on
// authenticated answers.
func (e *engine) passive(r *request, x *exchange) {
	if r.op == nil || x.Status == 0 {
		return
	}
	sent, ok := e.sentAs(r)
	if !ok {
		return
	}
	body := x.RespBody
	if len(body) > 64<<10 {
		body = body[:64<<10]
	}
	if m := stackTraceRe.Find(body); m != nil {
		e.addAt(RuleStackTrace, sent.key, sent.at, "stack-trace",
			fmt.Sprintf("The %d response to %s (%s) shows a stack trace or debug page (%q).", x.Status, sent.name, x.Label, clip(string(m), 80)),
			"a generic error body", clip(string(m), 120), x)
	}
	for _, h := range []string{"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version"} {
		v := x.RespHead.Get(h)
		if v == "" || (h == "Server" && !versionRe.MatchString(v)) {
			continue
		}
		e.addAt(RuleServerBanner, sent.key, sent.at, "banner", fmt.Sprintf("Responses of %s carry %s: %s.", sent.name, h, v),
			"no software or version banner", h+": "+v, x)
		break
	}
	if len(bytes.TrimSpace(x.RespBody)) > 0 && !strings.EqualFold(strings.TrimSpace(x.RespHead.Get("X-Content-Type-Options")), "nosniff") {
		e.addAt(RuleNoSniff, sent.key, sent.at, "nosniff", fmt.Sprintf("The %d response of %s has no X-Content-Type-Options: nosniff.", x.Status, sent.name),
			"X-Content-Type-Options: nosniff", "X-Content-Type-Options: "+quoteOrMissing(x.RespHead.Get("X-Content-Type-Options")), x)
	}
	authed := r.id != nil && !r.noAuth && r.reqIdx >= 0 && r.auth == nil && !r.expectDenied
	if authed && x.Status >= 200 && x.Status < 300 && x.Method == http.MethodGet && len(bytes.TrimSpace(x.RespBody)) > 0 {
		cc := strings.ToLower(x.RespHead.Get("Cache-Control"))
		if !strings.Contains(cc, "no-store") && !strings.Contains(cc, "private") {
			e.addAt(RuleCacheControl, sent.key, sent.at, "cache-control",
				fmt.Sprintf("The authenticated %d response of %s can be stored by shared caches.", x.Status, sent.name),
				"Cache-Control: no-store (or private)", "Cache-Control: "+quoteOrMissing(x.RespHead.Get("Cache-Control")), x)
		}
	}
}

// sentRequest names the request a response answered, for the findings the
// response gives: its operation key, where the definition has it, and how
// messages name it.
type sentRequest struct {
	key  string
	at   spec.NodeRef
	name string
}

// sentAs says which request of the contract r went out as. Probes start
// from an operation's request and change its method (the undeclared-method
// probe, the method override's POST) or its path (the path override's
// random control), and what the answer shows belongs to the request that
// was sent, not to the operation the probe started from: the API's answer
// to PUT /items is no evidence about POST /items, and a finding filed
// there would show a curl command for a request the operation never
// makes. So the request is the operation its method declares at its path;
// one the path does not declare is named by its method and path, at the
// path item, as the undeclared-method finding names it. A path the
// contract does not have is not judged (ok is false), as the hidden
// endpoint probes' are not: its name is made up for one scan, and a
// finding under it would change fingerprint on every run.
func (e *engine) sentAs(r *request) (sentRequest, bool) {
	p := r.op.Path
	if r.pathTpl != "" {
		p = r.pathTpl
	}
	if r.method == r.op.Method && p == r.op.Path {
		return sentRequest{key: r.op.Key(), at: r.op.Ref, name: r.op.Key()}, true
	}
	var pathItem *spec.Operation
	for _, op := range e.doc.Operations {
		if op.Path != p {
			continue
		}
		if op.Method == r.method {
			return sentRequest{key: op.Key(), at: op.Ref, name: op.Key()}, true
		}
		if pathItem == nil {
			pathItem = op
		}
	}
	if pathItem == nil {
		return sentRequest{}, false
	}
	key := r.method + " " + p
	return sentRequest{key: key, at: pathItem.PathRef, name: key + " (not declared)"}, true
}

func quoteOrMissing(s string) string {
	if s == "" {
		return "(missing)"
	}
	return s
}

// sensitiveData reports values of sensitive properties (the shared list)
// in a decoded response body. Properties the schema does not declare are
// left to scan-excessive-data, which already reports them.
func (e *engine) sensitiveData(op *spec.Operation, x *exchange, body any, undeclared []string) {
	skip := map[string]bool{}
	for _, u := range undeclared {
		skip[strings.TrimLeft(u, "/")] = true
	}
	login := isLoginLike(op)
	var found []string
	var walk func(v any, path string, depth int)
	walk = func(v any, path string, depth int) {
		if depth > 6 || len(found) >= 10 {
			return
		}
		switch c := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(c) {
				p := strings.TrimPrefix(path+"/"+k, "/")
				if skip[p] {
					continue
				}
				if class, ok := sensitive.Match(k); ok && !(login && class == sensitive.Token) && revealing(c[k]) {
					found = append(found, p+" ("+string(class)+")")
					continue
				}
				walk(c[k], p, depth+1)
			}
		case []any:
			for i, el := range c {
				if i >= 20 {
					break
				}
				walk(el, strings.TrimPrefix(path+"/"+itoa(i), "/"), depth+1)
			}
		}
	}
	walk(body, "", 0)
	if len(found) == 0 {
		return
	}
	e.add(RuleSensitiveData, op, fmt.Sprintf("sensitive-%d", x.Status),
		fmt.Sprintf("The %d response of %s returns %s.", x.Status, op.Key(), strings.Join(found, ", ")),
		"no secrets or unneeded personal data in responses", strings.Join(found, ", "), x)
}

// revealing reports whether a value discloses something: masked values
// ("****"), empty strings, booleans and objects do not.
func revealing(v any) bool {
	switch x := v.(type) {
	case string:
		t := strings.Trim(x, "*•xX#-. ")
		return t != "" && len(x) >= 3
	case nil, bool, map[string]any, []any:
		return false
	}
	return true
}

// isLoginLike reports whether op issues credentials: tokens in its
// answers are its purpose, not a leak.
func isLoginLike(op *spec.Operation) bool {
	p := strings.ToLower(op.Path)
	for _, w := range []string{"login", "token", "auth", "session", "signin", "sign-in", "oauth", "register", "signup", "apikey", "api-key", "keys"} {
		if strings.Contains(p, w) {
			return true
		}
	}
	return false
}

// hiddenPaths are common admin, debug and configuration endpoints.
var hiddenPaths = []string{"/debug", "/_debug", "/debug/vars", "/debug/pprof/", "/admin", "/actuator", "/actuator/env",
	"/.env", "/swagger.json", "/openapi.json", "/.git/config", "/server-status", "/phpinfo.php", "/console", "/trace", "/env", "/config.json"}

// hiddenEndpoints asks, without credentials, for common undocumented
// paths under the base path and at the origin's root. A random path is
// asked first: when it answers 2xx (a catch-all route), a hidden path
// only counts if its answer differs.
func (e *engine) hiddenEndpoints(ctx context.Context) {
	prefixes := []string{strings.TrimRight(e.base.Path, "/")}
	if prefixes[0] != "" {
		prefixes = append(prefixes, "")
	}
	for _, pre := range prefixes {
		ctrl := e.get(ctx, pre+"/rampart-"+token(), "control (random path)")
		if ctrl.Err != nil {
			e.stop(ctrl.Err)
			return
		}
		catchAll := ctrl.Status >= 200 && ctrl.Status < 300
		// A catch-all route may vary its page on every answer (a nonce,
		// a time): a second control shows by how much.
		var ctrl2 *exchange
		if catchAll {
			if ctrl2 = e.get(ctx, pre+"/rampart-"+token(), "second control (random path)"); ctrl2.Err != nil {
				e.stop(ctrl2.Err)
				return
			}
		}
		for _, hp := range hiddenPaths {
			if e.halted(ctx) {
				return
			}
			if e.declared(strings.TrimPrefix(pre+hp, strings.TrimRight(e.base.Path, "/"))) {
				continue
			}
			e.stats["hidden_endpoint_tests"]++
			x := e.get(ctx, pre+hp, "undocumented path")
			if x.Err != nil {
				e.stop(x.Err)
				continue
			}
			if x.Status < 200 || x.Status >= 300 || len(bytes.TrimSpace(x.RespBody)) == 0 {
				continue
			}
			if catchAll && sameCatchAll(x, ctrl, ctrl2) {
				continue
			}
			key := "GET " + pre + hp
			e.addAt(RuleHiddenEndpoint, key, spec.NodeRef{}, "hidden-endpoint",
				fmt.Sprintf("%s is not in the definition, yet it answered %d without credentials.", pre+hp, x.Status),
				"404 (or 401/403)", fmt.Sprintf("%d, %d bytes", x.Status, len(x.RespBody)), x)
		}
	}
}

// sameCatchAll reports whether x is the catch-all route's page that the
// two controls got: the same body, or, when the controls differ from each
// other, the same status and content type and a length within the
// controls' own variation (at least 5%). A page that names the path it
// was asked for ("Sorry, /.env does not exist") is compared without it,
// so a soft 404 is not read as 34 hidden endpoints.
func sameCatchAll(x, ctrl, ctrl2 *exchange) bool {
	if bytes.Equal(x.RespBody, ctrl.RespBody) {
		return true
	}
	xb, cb := withoutEcho(x), withoutEcho(ctrl)
	if bytes.Equal(xb, cb) {
		return true
	}
	if ctrl2 == nil {
		return false
	}
	c2b := withoutEcho(ctrl2)
	if bytes.Equal(cb, c2b) {
		return false
	}
	if x.Status != ctrl.Status || essence(x.RespHead.Get("Content-Type")) != essence(ctrl.RespHead.Get("Content-Type")) {
		return false
	}
	spread := max(2*abs(len(cb)-len(c2b)), len(cb)/20)
	return abs(len(xb)-len(cb)) <= spread
}

// withoutEcho returns the response body with the request's path taken
// out wherever the page repeats it: as sent, decoded, HTML-escaped, and
// its last segment alone.
func withoutEcho(x *exchange) []byte {
	u, err := url.Parse(x.URL)
	if err != nil || u.Path == "" {
		return x.RespBody
	}
	forms := []string{u.EscapedPath(), u.Path, html.EscapeString(u.Path)}
	if i := strings.LastIndexByte(u.Path, '/'); i >= 0 && i+1 < len(u.Path) {
		last := u.Path[i+1:]
		forms = append(forms, last, html.EscapeString(last))
	}
	// Longest first, so a segment is not taken out of a path that is
	// taken out whole.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	body := x.RespBody
	for _, f := range forms {
		if len(f) > 1 {
			body = bytes.ReplaceAll(body, []byte(f), nil)
		}
	}
	return body
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// declared reports whether a path relative to the base matches one of the
// definition's path templates.
func (e *engine) declared(p string) bool {
	segs := strings.Split(strings.TrimRight(p, "/"), "/")
	for _, op := range e.doc.Operations {
		other := strings.Split(strings.TrimRight(op.Path, "/"), "/")
		if len(other) != len(segs) {
			continue
		}
		match := true
		for i := range segs {
			if segs[i] != other[i] && !strings.HasPrefix(other[i], "{") {
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

// get sends an anonymous GET for a path on the target's origin.
func (e *engine) get(ctx context.Context, p, label string) *exchange {
	u := *e.base
	u.Path = p
	u.RawQuery = ""
	h := http.Header{"Accept": {"application/json, */*;q=0.5"}}
	x := e.c.send(ctx, http.MethodGet, u.String(), h, nil)
	x.Label = label
	return x
}

// corsOrigin is the arbitrary origin the CORS probe claims.
const corsOrigin = "https://rampart-cors-probe.invalid"

// cors sends a GET operation's happy path with a foreign Origin, then
// with Origin: null. Expected: no Access-Control-Allow-Origin for either.
func (e *engine) cors(ctx context.Context, op *spec.Operation, r0 *request) {
	if op.Method != "GET" {
		return
	}
	for _, other := range e.doc.Operations {
		if other.Path == op.Path && other.Method == "GET" && other != op {
			return
		}
	}
	for _, origin := range []string{corsOrigin, "null"} {
		r := r0.clone()
		r.auth = func(hr *http.Request) { hr.Header.Set("Origin", origin) }
		// Credentials stay: a reflected origin matters most on
		// authenticated answers.
		e.stats["cors_tests"]++
		x := e.send(ctx, r, "Origin: "+origin)
		if x.Err != nil {
			e.stop(x.Err)
			return
		}
		acao := x.RespHead.Get("Access-Control-Allow-Origin")
		creds := strings.EqualFold(x.RespHead.Get("Access-Control-Allow-Credentials"), "true")
		var why string
		switch {
		case acao == origin && origin == "null":
			why = "allows the null origin (sandboxed iframes, local files)"
		case acao == origin:
			why = "reflects an arbitrary Origin"
		case acao == "*" && creds:
			why = "allows any origin (*) with credentials"
		}
		if why == "" {
			continue
		}
		if creds {
			why += ", with Access-Control-Allow-Credentials: true"
		}
		e.add(RuleCORS, op, "cors", fmt.Sprintf("%s %s.", op.Key(), why),
			"no Access-Control-Allow-Origin for untrusted origins",
			fmt.Sprintf("Origin: %s -> Access-Control-Allow-Origin: %s", origin, acao), x)
		return
	}
}

// unresponsive reports, once, that the target stopped answering.
func (e *engine) unresponsive() {
	if e.stats["target_unresponsive"] > 0 {
		return
	}
	e.stats["target_unresponsive"] = 1
	x := e.c.lastFailed.Load()
	what := "the last requests"
	var xs []*exchange
	if x != nil {
		what = x.Label + ": " + x.Err.Error()
		xs = append(xs, x)
	}
	e.addAt(RuleTargetUnreachable, "", spec.NodeRef{}, "unresponsive",
		fmt.Sprintf("The target did not answer %d requests in a row (last: %s); the scan stopped instead of waiting on it.", maxFailures, what),
		"an answer within --timeout", what, xs...)
}
