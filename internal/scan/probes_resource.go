package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/sensitive"
	"github.com/rampart-sec/rampart/internal/spec"
)

// massMarker is the value mass-assignment probes write into string fields.
const massMarker = "rampart-mass-assignment"

// tempting are privileged fields APIs often bind by mistake, with the
// values an attacker would send.
var tempting = map[string]any{"isAdmin": true, "admin": true, "role": "admin", "roles": []any{"admin"},
	"owner": massMarker, "ownerId": massMarker, "balance": json.Number("1000000"), "verified": true, "permissions": []any{"admin"}}

// massAssignment sends the create or update body twice more: once with
// the schema's readOnly properties set, once with tempting privileged
// fields the schema does not declare. Accepted values are read back: a
// field that kept the scanner's value was bound from the request.
func (e *engine) massAssignment(ctx context.Context, op *spec.Operation, r0 *request) {
	if op.Method != "POST" && op.Method != "PUT" && op.Method != "PATCH" {
		return
	}
	body, ok := r0.body.(map[string]any)
	if !ok || !r0.hasBody || !isJSON(r0.media) || r0.rawBody != nil {
		return
	}
	_, mt := pickMedia(op.RequestBody)
	if mt == nil || mt.Schema == nil {
		return
	}
	props := e.gen.Properties(mt.Schema.Ref, mt.Schema.Value)
	readOnly := map[string]any{}
	for _, name := range sortedKeys(props) {
		n, ok := e.gen.Resolve(props[name].At, props[name].Raw)
		if !ok {
			continue
		}
		if ro, _ := n.V["readOnly"].(bool); !ro || strings.EqualFold(name, "id") {
			continue // a client-chosen id is not a privilege escalation
		}
		if v := markerFor(n); v != nil {
			readOnly[name] = v
		}
	}
	extra := map[string]any{}
	for k, v := range tempting {
		if _, declared := props[k]; !declared && sensitive.Privileged(k) {
			extra[k] = v
		}
	}
	// A field the API sets by itself (every account active) reads back
	// with its own value: a marker equal to it proves nothing. Booleans
	// are sent flipped, other markers dropped.
	own := e.ownValues(op)
	for _, fields := range []map[string]any{readOnly, extra} {
		for k, v := range fields {
			for _, ov := range own[k] {
				if !sameValue(ov, v) {
					continue
				}
				if b, isBool := v.(bool); isBool {
					fields[k] = !b
				} else {
					delete(fields, k)
				}
				break
			}
		}
	}
	for _, set := range []struct {
		what   string
		fields map[string]any
	}{{"read-only properties", readOnly}, {"undeclared privileged fields", extra}} {
		if len(set.fields) == 0 || e.halted(ctx) {
			continue
		}
		r := r0.clone()
		b := make(map[string]any, len(body)+len(set.fields))
		for k, v := range body {
			b[k] = v
		}
		for k, v := range set.fields {
			b[k] = v
		}
		r.body = b
		e.stats["attack_probes"]++
		x := e.send(ctx, r, "mass assignment: "+set.what)
		if x.Err != nil {
			e.stop(x.Err)
			return
		}
		if x.Status < 200 || x.Status >= 300 {
			continue
		}
		back, rx := e.readBack(ctx, op, r, x)
		if back == nil {
			continue
		}
		var stuck []string
		for _, k := range sortedKeys(set.fields) {
			if v, ok := back[k]; ok && sameValue(v, set.fields[k]) {
				stuck = append(stuck, k)
			}
		}
		if len(stuck) == 0 {
			continue
		}
		xs := []*exchange{x}
		if rx != nil && rx != x {
			xs = append(xs, rx)
		}
		e.add(RuleMassAssignment, op, "mass-assignment",
			fmt.Sprintf("%s stored %s sent by the client: %s.", op.Key(), set.what, strings.Join(stuck, ", ")),
			"read-only and privileged fields ignored or refused", "stored: "+strings.Join(stuck, ", "), xs...)
		return
	}
}

// ownValues collects the top-level values of the answers the happy paths
// got from op and from the GET that reads its resource back: what the API
// sets without being asked.
func (e *engine) ownValues(op *spec.Operation) map[string][]any {
	out := map[string][]any{}
	xs := []*exchange{e.happyX[op]}
	for _, cand := range e.doc.Operations {
		if cand.Method != "GET" {
			continue
		}
		_, isItem := itemOf(cand.Path, op.Path)
		item := op.Method == "POST" && isItem
		if item || (op.Method != "POST" && sameTemplate(cand.Path, op.Path)) {
			xs = append(xs, e.happyX[cand])
		}
	}
	for _, x := range xs {
		if x == nil {
			continue
		}
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(x.RespBody))
		d.UseNumber()
		if d.Decode(&m) != nil {
			continue
		}
		for k, v := range m {
			out[k] = append(out[k], v)
		}
	}
	return out
}

// markerFor is a recognisable value of the schema's type.
func markerFor(n gen.Node) any {
	switch gen.SchemaType(n.V) {
	case "string", "":
		if _, ok := n.V["enum"]; ok {
			return nil
		}
		return massMarker
	case "integer", "number":
		return json.Number("987654")
	case "boolean":
		return true
	}
	return nil
}

func sameValue(a, b any) bool {
	return bytes.Equal(bodyBytes(a), bodyBytes(b))
}

// readBack returns the resource a successful write produced: read with
// the GET operation on the item path (the created id for POST, the same
// path for PUT/PATCH), else the write's own answer.
func (e *engine) readBack(ctx context.Context, op *spec.Operation, r *request, x *exchange) (map[string]any, *exchange) {
	var get *spec.Operation
	rr := (*request)(nil)
	if op.Method == "POST" {
		id := createdID(x)
		for _, cand := range e.doc.Operations {
			_, ok := itemOf(cand.Path, op.Path)
			if cand.Method == "GET" && ok && e.tmpl[cand] != nil && id != "" {
				get = cand
				rr = e.tmpl[cand].clone()
				// Under the parents the write named.
				setPathValues(rr, cand.Path, append(pathValues(op.Path, r), id))
				break
			}
		}
	} else if g := e.opAt("GET", op.Path); g != nil && e.tmpl[g] != nil {
		get = g
		rr = e.tmpl[g].clone()
		setPathValues(rr, g.Path, pathValues(op.Path, r))
	}
	src := x
	if get != nil {
		if r.id != nil {
			if idx := satisfies(r.id, get); idx >= 0 {
				rr.id, rr.reqIdx = r.id, idx
			}
		}
		gx := e.send(ctx, rr, "read back")
		if gx.Err != nil {
			e.stop(gx.Err)
			return nil, nil
		}
		if gx.Status >= 200 && gx.Status < 300 {
			src = gx
		}
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(src.RespBody))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return nil, nil
	}
	return m, src
}

var urlNameRe = regexp.MustCompile(`(?i)(url|uri|callback|webhook|redirect|endpoint|link|href|image|avatar|feed|source|src|target|host|domain)s?$`)

// canary is the scanner's own listener on 127.0.0.1 that SSRF probes
// point at: a request reaching it proves the API fetched a URL it was
// given.
type canary struct {
	srv  *http.Server
	addr string
	mu   sync.Mutex
	hits map[string]string // token -> "METHOD path from remote"
	sent map[string]ssrfProbe
}

type ssrfProbe struct {
	op *spec.Operation
	in string
	x  *exchange
}

func startCanary() (*canary, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("SSRF canary: %w", err)
	}
	c := &canary{addr: l.Addr().String(), hits: map[string]string{}, sent: map[string]ssrfProbe{}}
	c.srv = &http.Server{ReadHeaderTimeout: 2 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.URL.Path, "/rampart-ssrf/"); ok {
			c.mu.Lock()
			c.hits[tok] = r.Method + " " + r.URL.Path + " from " + r.RemoteAddr
			c.mu.Unlock()
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() {
		if err := c.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the scan reports what it did receive
		}
	}()
	return c, nil
}

func (c *canary) url(tok string) string { return "http://" + c.addr + "/rampart-ssrf/" + tok }

func (c *canary) close() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = c.srv.Shutdown(ctx)
}

// ssrf points every URL-like input (format uri/url, or a URL-ish name) at
// the canary (or at --callback-url).
func (e *engine) ssrf(ctx context.Context, op *spec.Operation, r0 *request) {
	if e.canary == nil && e.opts.CallbackURL == "" {
		return
	}
	ins := e.inputs(op, r0, func(name string, n gen.Node) bool {
		if t := gen.SchemaType(n.V); t != "string" && t != "" {
			return false
		}
		f, _ := n.V["format"].(string)
		return f == "uri" || f == "url" || f == "iri" || f == "uri-reference" || urlNameRe.MatchString(name)
	})
	for _, in := range ins {
		if e.halted(ctx) {
			return
		}
		tok := token()
		target := ""
		if e.opts.CallbackURL != "" {
			target = strings.TrimRight(e.opts.CallbackURL, "/") + "/rampart-ssrf/" + tok
		} else {
			target = e.canary.url(tok)
		}
		x := e.probe(ctx, r0, in, target, "SSRF canary in "+in.name)
		if x.Err != nil {
			return
		}
		if e.canary != nil {
			e.canary.mu.Lock()
			e.canary.sent[tok] = ssrfProbe{op, in.name, x}
			e.canary.mu.Unlock()
		} else {
			e.stats["ssrf_callback_probes"]++
			e.callbacks = append(e.callbacks, fmt.Sprintf("%s %s: %s", op.Key(), in.name, target))
		}
	}
}

// collectSSRF waits briefly for late (asynchronous) fetches, then reports
// every canary hit.
func (e *engine) collectSSRF(ctx context.Context) {
	c := e.canary
	if c == nil {
		return
	}
	c.mu.Lock()
	n := len(c.sent)
	c.mu.Unlock()
	if n == 0 {
		return
	}
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		c.mu.Lock()
		all := len(c.hits) >= n
		c.mu.Unlock()
		if all {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	toks := make([]string, 0, len(c.hits))
	for t := range c.hits {
		toks = append(toks, t)
	}
	sort.Strings(toks)
	for _, tok := range toks {
		p, ok := c.sent[tok]
		if !ok {
			continue
		}
		e.add(RuleSSRF, p.op, "ssrf",
			fmt.Sprintf("%s fetched the URL given in %s: the scanner's canary received %s.", p.op.Key(), p.in, c.hits[tok]),
			"no request to a URL supplied by the client (or only to allowlisted hosts)", c.hits[tok], p.x)
	}
}

// pagingNames are query parameters that size a page.
var pagingNames = map[string]bool{"limit": true, "size": true, "pagesize": true, "perpage": true, "count": true,
	"top": true, "take": true, "max": true, "maxresults": true, "pagelimit": true, "first": true, "rows": true, "batchsize": true}

// hugePage is the page size the probe asks for.
const hugePage = 100000

// pageSize asks for a huge page on paging parameters whose schema sets no
// maximum (declared maximums are already tested by the conformance
// mutations).
func (e *engine) pageSize(ctx context.Context, op *spec.Operation, r0 *request) {
	if op.Method != "GET" {
		return
	}
	for _, p := range op.Parameters {
		if p.In != "query" || p.Schema == nil || !pagingNames[sensitive.Normalize(p.Name)] {
			continue
		}
		n, ok := e.gen.Resolve(p.Schema.Ref, p.Schema.Value)
		if !ok {
			continue
		}
		if t := gen.SchemaType(n.V); t != "integer" && t != "number" {
			continue
		}
		if _, has := n.V["maximum"]; has {
			continue
		}
		if _, has := n.V["exclusiveMaximum"]; has {
			continue
		}
		r := r0.clone()
		r.params[paramKey(p)] = json.Number(fmt.Sprint(hugePage))
		e.stats["attack_probes"]++
		x := e.send(ctx, r, "huge page size")
		if x.Err != nil {
			e.stop(x.Err)
			return
		}
		if x.Status >= 200 && x.Status < 300 {
			e.add(RuleUnboundedPage, op, "page-size",
				fmt.Sprintf("%s accepted %s=%d; the parameter declares no maximum.", op.Key(), p.Name, hugePage),
				"400 for page sizes above a documented maximum", fmt.Sprintf("%d to %s=%d", x.Status, p.Name, hugePage), x)
			return
		}
	}
}

// largeBodySize is the size of the large-body probe (2 MiB).
const largeBodySize = 2 << 20

// largeBody fills one free-text body property without maxLength with
// 2 MiB; properties with a maxLength are the conformance tests' job.
func (e *engine) largeBody(ctx context.Context, op *spec.Operation, r0 *request) {
	if op.Method != "POST" && op.Method != "PUT" && op.Method != "PATCH" {
		return
	}
	if _, ok := r0.body.(map[string]any); !ok || !r0.hasBody || !isJSON(r0.media) {
		return
	}
	ins := e.inputs(op, r0, func(_ string, n gen.Node) bool {
		_, hasMax := n.V["maxLength"]
		_, hasPat := n.V["pattern"]
		return stringLike(n) && !hasMax && !hasPat
	})
	for _, in := range ins {
		if !strings.HasPrefix(in.name, "body ") {
			continue
		}
		x := e.probe(ctx, r0, in, strings.Repeat("A", largeBodySize), "2 MiB in "+in.name)
		if x.Err != nil {
			return
		}
		if x.Status >= 200 && x.Status < 300 {
			e.add(RuleLargeBody, op, "large-body",
				fmt.Sprintf("%s accepted a %d MiB body (%s has no maxLength).", op.Key(), largeBodySize>>20, in.name),
				"413 or 400 for bodies beyond a limit", fmt.Sprintf("%d to a %d-byte body", x.Status, len(x.Body)), x)
		}
		return
	}
}
