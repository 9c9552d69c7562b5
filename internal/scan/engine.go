// Package scan is the dynamic tester behind `rampart scan`: from the
// contract alone it sends real requests to a running API and reports where
// the implementation does not honour the contract (conformance, responses)
// or lets the wrong caller in (authentication, authorization).
//
// A scan runs in phases: a happy path per operation (creating resources
// first, reusing their ids), one mutation per request for conformance,
// authentication tests on secured operations, authorization tests across
// identities, and finally the DELETE operations and the cleanup of what the
// scan created. Every response is checked against the contract.
package scan

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/scan/identity"
	"github.com/rampart-sec/rampart/internal/spec"
	"golang.org/x/net/http/httpguts"
)

// Options are the command-line settings of a scan.
type Options struct {
	// Target is the API's base URL. When it has no path, the path of the
	// definition's first server is appended.
	Target      string
	Config      *config.Config
	Rate        float64       // requests per second (default 20)
	Timeout     time.Duration // per request (default 10s)
	MaxRequests int           // 0: unlimited
	MaxDuration time.Duration // 0: unlimited
	// Safe skips every POST, PUT, PATCH and DELETE request.
	Safe        bool
	ShowSecrets bool
	// StrictObjects expects objects closed only by the shared
	// strict-objects policy to refuse undeclared properties too.
	StrictObjects bool
	// KeepResources skips the DELETE happy paths and the final cleanup,
	// so findings about created objects can be reproduced afterwards.
	KeepResources bool
	// Aggressive enables the probes that cost time on the target:
	// time-based injection and ReDoS.
	Aggressive bool
	// CallbackURL replaces the loopback SSRF canary for remote targets:
	// probes point URL inputs at it, and hits are checked there by the
	// user (the report lists the tokens sent).
	CallbackURL string
	// RateLimitBurst, when positive, sends that many failed attempts to
	// the login operation and expects a 429 (overrides the config).
	RateLimitBurst int
	// RootCAs trusts extra certificate authorities for an https target.
	RootCAs *x509.CertPool
	// Insecure scans an https target whose certificate does not verify
	// (the certificate problem is still reported).
	Insecure bool
	// HTTPURL is the plain-HTTP URL whose redirect to HTTPS is checked
	// (default: http:// on port 80 of the target's host).
	HTTPURL string
	// NoPlainHTTP leaves out that plain-HTTP request (and the redirect
	// check it serves) while keeping the other transport checks.
	NoPlainHTTP bool
	// NoProbes limits the scan to conformance, authentication and
	// authorization (no attack probes, stateful checks or header checks).
	NoProbes bool
	// MaxResponseBytes is how much of a response body is read (0: the
	// config's max_response_bytes, else 1 MiB); a longer body is not
	// validated, and the report says so.
	MaxResponseBytes int64
	Logger           *slog.Logger
	// Progress, when set, is called after each operation phase.
	Progress func(done, total int, requests int64)
}

// Result is a scan's outcome.
type Result struct {
	Spec     report.SpecResult
	Requests int64
	Elapsed  time.Duration
	// HappyFailures says why each failed happy path failed, by operation.
	HappyFailures map[string]string
	// NotCleaned lists resources the scan created and could not delete.
	NotCleaned []string
	// Stopped is why the scan ended early (budget, duration), if it did.
	Stopped string
	// NeverAnswered is set when requests were sent and the target
	// answered none of them whole: nothing was tested.
	NeverAnswered bool
	// NothingTested is set when operations were tested and every one
	// failed its happy path (a wrong base path, identities that cannot
	// log in): no test beyond the happy paths ran.
	NothingTested bool
}

// resource is something the scan created. A nested resource is named by
// its parents' ids and its own together: parents holds the values the
// creating request gave the collection's path parameters, in template
// order (the user of POST /users/{userId}/orders), and every request for
// the item names the same parents.
type resource struct {
	collection string // path template of the creating operation
	parents    []string
	id         string
	owner      string
	deleted    bool
	// orphaned: a resource it lives under was deleted. No test picks it
	// (the API may have deleted it too, or answer 404 for its parent),
	// but cleanup still tries it, as APIs that keep orphans serve them.
	orphaned  bool
	createdBy *spec.Operation
}

// usable reports whether tests may name the resource.
func (r *resource) usable() bool { return !r.deleted && !r.orphaned }

// in reports whether the resource is id under parents in a collection of
// template coll.
func (r *resource) in(coll string, parents []string, id string) bool {
	return r.id == id && sameTemplate(r.collection, coll) && slices.Equal(r.parents, parents)
}

// path is where the resource is: its collection with the parents filled
// in, then its id ("/users/u1/orders/o1").
func (r *resource) path() string {
	p := spec.ExpandTemplate(r.collection, func(i int, name string) string {
		if i < len(r.parents) {
			return r.parents[i]
		}
		return "{" + name + "}"
	})
	return strings.TrimRight(p, "/") + "/" + r.id
}

type engine struct {
	doc  *spec.Document
	opts Options
	cfg  *config.Config
	gen  *gen.Generator
	c    *client
	red  *redactor
	log  *slog.Logger
	base *url.URL
	// docBase is the document's base path ("/api/v3"), the part of the
	// target's path an operation's own servers replace.
	docBase string
	ids     []*identity.Identity
	start   time.Time

	vars map[string]any
	seen map[string]seenID // by collection (tmplKey): an id a listing showed
	// refusedFresh holds the creating operations that did not give a
	// DELETE test an object of its own (freshItem): not asked again.
	refusedFresh map[*spec.Operation]bool
	resources    []*resource
	tmpl         map[*spec.Operation]*request
	happyX       map[*spec.Operation]*exchange
	// dupProbes counts the duplicate-name probes sent per kind ("query",
	// "body"); dupSettled marks a kind whose answer was conclusive.
	dupProbes  map[string]int
	dupSettled map[string]bool
	happyFail  map[string]string

	findings []*report.Finding
	byKey    map[string]*report.Finding
	details  map[*report.Finding][]string
	weakDone map[string]bool
	stats    map[string]int
	stopped  error

	// linked holds path-parameter values announced by OpenAPI links,
	// by target operation key and parameter name.
	linked map[string]map[string]string
	canary *canary
	// callbacks lists the SSRF probes sent to --callback-url.
	callbacks []string
	// authzNotRun holds, per identity, why a BOLA/BFLA request as that
	// identity could not be sent (its login failed, say): without it a
	// target with a BOLA flaw would scan clean and say nothing.
	authzNotRun map[string]string
	// runCtx is the scan's context (its deadline is --max-duration).
	runCtx context.Context
	// unchecked lists, once per operation and status, the response
	// bodies the scan could not validate (bodyUnchecked), for the
	// report's manual checks.
	unchecked     []string
	uncheckedSeen map[string]bool
}

// Run scans the API at opts.Target described by doc.
func Run(ctx context.Context, doc *spec.Document, opts Options) (*Result, error) {
	if opts.Rate <= 0 {
		opts.Rate = 20
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = &config.Config{}
	}
	target := opts.Target
	if target == "" {
		target = cfg.Target
	}
	if target == "" {
		return nil, errors.New("no target: pass --target URL or set target in the config")
	}
	// Checked before anything is sent: a target no request can reach
	// (port 99999) would otherwise end as "answered none of the requests".
	if err := config.CheckBaseURL(target); err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	base, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("target: %w", err)
	}
	docBase := ""
	if len(doc.Servers) > 0 {
		docBase = serverPath(doc.Servers[0])
	}
	if base.Path == "" && len(doc.Servers) > 0 {
		base.Path = doc.Servers[0].BasePath()
	}
	if err := cfg.Validate(doc); err != nil {
		return nil, err
	}
	if err := doc.CompileAll(ctx); err != nil {
		// Schemas that do not compile only disable the checks that need
		// them; the audit reports them.
		opts.Logger.Warn("some schemas do not compile", "error", err)
	}
	var tlsConf *tls.Config
	if base.Scheme == "https" {
		tlsConf = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: opts.RootCAs, InsecureSkipVerify: opts.Insecure}
	}
	c, err := newClient(base, cfg.AuthOrigins, opts.Rate, opts.Timeout, opts.MaxRequests, tlsConf)
	if err != nil {
		return nil, err
	}
	switch {
	case opts.MaxResponseBytes < 0 || opts.MaxResponseBytes > config.MaxResponseBytesLimit:
		return nil, fmt.Errorf("the response body cap must be between 1 and %d bytes", config.MaxResponseBytesLimit)
	case opts.MaxResponseBytes > 0:
		c.maxBody = opts.MaxResponseBytes
	case cfg.MaxResponseBytes != nil:
		c.maxBody = *cfg.MaxResponseBytes
	}
	e := &engine{doc: doc, opts: opts, cfg: cfg, gen: &gen.Generator{Doc: doc}, c: c,
		red: newRedactor(opts.ShowSecrets), log: opts.Logger, base: base, docBase: docBase, start: time.Now(),
		vars: map[string]any{}, seen: map[string]seenID{}, tmpl: map[*spec.Operation]*request{},
		happyX: map[*spec.Operation]*exchange{}, happyFail: map[string]string{},
		dupProbes: map[string]int{}, dupSettled: map[string]bool{},
		byKey: map[string]*report.Finding{}, details: map[*report.Finding][]string{},
		weakDone: map[string]bool{}, stats: map[string]int{}, linked: map[string]map[string]string{},
		uncheckedSeen: map[string]bool{}}
	for k, v := range cfg.Variables {
		e.vars[k] = gen.Normalize(v)
	}
	for _, s := range doc.SecuritySchemes {
		if s.Type == "apiKey" {
			if s.In == "header" {
				e.red.headers[strings.ToLower(s.ParamName)] = true
			} else {
				e.red.params[strings.ToLower(s.ParamName)] = true
			}
		}
	}
	for _, op := range doc.Operations {
		for _, p := range op.Parameters {
			if p.In != "cookie" {
				continue
			}
			if !identity.SecretName(p.Name) {
				e.red.plainCookies[p.Name] = true
			}
			// An exploded object is sent as one cookie per property: those
			// are declared cookies too.
			if p.Explode && p.Schema != nil {
				if n, ok := e.gen.Resolve(p.Schema.Ref, p.Schema.Value); ok {
					props, _ := n.V["properties"].(map[string]any)
					for name := range props {
						if !identity.SecretName(name) {
							e.red.plainCookies[name] = true
						}
					}
				}
			}
		}
	}
	for _, ic := range cfg.Identities {
		e.ids = append(e.ids, identity.New(ic, doc, base, c))
	}
	if cfg.JWT.ExpiredToken != "" {
		e.red.addSecret(cfg.JWT.ExpiredToken)
	}
	if k := cfg.JWT.SigningKey; k != nil {
		e.red.addSecret(k.Secret)
	}
	for _, id := range e.ids {
		e.red.addSecret(id.Secrets()...)
	}
	// Fixed bodies and parameters of operation overrides often carry a
	// password or a key (a login operation scanned as any other).
	for _, o := range cfg.Operations {
		e.red.addSecret(identity.SecretValues(o.Body)...)
		e.red.addSecret(identity.SecretValues(o.Params)...)
	}
	// Variables fill parameters by name for every operation, as those
	// overrides do for one.
	e.red.addSecret(identity.SecretValues(cfg.Variables)...)

	runCtx := ctx
	if opts.MaxDuration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, opts.MaxDuration)
		defer cancel()
	}
	if !opts.NoProbes && opts.CallbackURL == "" && !opts.Safe {
		cn, err := startCanary()
		if err != nil {
			opts.Logger.Warn("no SSRF canary listener; SSRF probes skipped", "error", err)
		} else {
			e.canary = cn
			defer cn.close()
		}
	}
	e.runCtx = runCtx
	e.run(runCtx)
	// Cleanup runs even when the scan stopped on its budget or duration,
	// or was interrupted: leaving test data behind is worse than a few
	// extra requests. It has 30 s; a second interrupt ends the process.
	cleanCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if !opts.KeepResources {
		e.cleanup(cleanCtx)
	}
	if err := ctx.Err(); err != nil {
		// Interrupted: the partial result goes back with the error, so
		// that what was found and what could not be deleted are reported.
		if e.stopped == nil {
			e.stopped = err
		}
		return e.result(), err
	}
	return e.result(), nil
}

// ops returns the operations to scan, in happy-path order: creations
// first (so their ids can be reused), then reads, updates, and other
// methods; DELETE operations are returned separately, to run last.
func (e *engine) ops() (main, deletes []*spec.Operation) {
	rank := map[string]int{"POST": 0, "GET": 1, "PUT": 2, "PATCH": 3, "DELETE": 9}
	all := append([]*spec.Operation(nil), e.doc.Operations...)
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		ra, ok := rank[a.Method]
		if !ok {
			ra = 4
		}
		rb, ok := rank[b.Method]
		if !ok {
			rb = 4
		}
		da, db := strings.Count(a.Path, "/"), strings.Count(b.Path, "/")
		if da != db {
			return da < db
		}
		if ra != rb {
			return ra < rb
		}
		return a.Path < b.Path
	})
	for _, op := range all {
		if e.cfg.Op(op.Key()).Skip {
			e.stats["operations_skipped"]++
			continue
		}
		if e.opts.Safe && op.Method != "GET" && op.Method != "HEAD" && op.Method != "OPTIONS" {
			e.stats["operations_skipped"]++
			continue
		}
		if op.Method == "DELETE" {
			deletes = append(deletes, op)
		} else {
			main = append(main, op)
		}
	}
	// Deletes go deepest first: DELETE /items/{id} takes the notes under
	// the item with it, so DELETE /items/{id}/notes/{noteId} is tested
	// while they are still there.
	slices.Reverse(deletes)
	return main, deletes
}

func (e *engine) stop(err error) bool {
	if err == nil {
		return false
	}
	if e.runCtx != nil && e.runCtx.Err() != nil {
		if e.stopped == nil {
			e.stopped = e.runCtx.Err()
		}
		return true
	}
	if unanswered(err) {
		// One request the target did not answer in time is a result, not
		// the end of the scan; several in a row are (see halted).
		if e.c.failures.Load() < maxFailures {
			return false
		}
		err = errUnresponsive
	}
	if errors.Is(err, errUnresponsive) {
		if e.stopped == nil {
			e.stopped = err
		}
		// Reported here too: the last unanswered request may have gone
		// out through the client directly (hidden endpoints, scenario
		// steps), not through send, which reports it otherwise.
		e.unresponsive()
		return true
	}
	if errors.Is(err, errBudget) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		if e.stopped == nil {
			e.stopped = err
		}
		return true
	}
	return false
}

func (e *engine) halted(ctx context.Context) bool {
	if e.stopped != nil {
		return true
	}
	if e.c.failures.Load() >= maxFailures {
		e.stopped = errUnresponsive
		e.unresponsive()
		return true
	}
	if err := ctx.Err(); err != nil {
		e.stopped = err
		return true
	}
	return false
}

func (e *engine) progress(done, total int) {
	if e.opts.Progress != nil {
		e.opts.Progress(done, total, e.c.sent.Load())
	}
}

func (e *engine) run(ctx context.Context) {
	main, deletes := e.ops()
	total := 2*len(main) + 2*len(deletes) + 1
	done := 0
	tick := func() { done++; e.progress(done, total) }
	// Phase 0: the transport of an https target, before any credential
	// is sent over it.
	if e.base.Scheme == "https" && !e.opts.NoProbes {
		if !e.transport(ctx) {
			return
		}
	}
	// Phase 1: happy paths, which also create the resources later phases use.
	for _, op := range main {
		if e.halted(ctx) {
			break
		}
		e.happy(ctx, op)
		tick()
	}
	// Phase 2: the other tests on each operation that worked.
	for _, op := range main {
		if e.halted(ctx) {
			break
		}
		if r := e.tmpl[op]; r != nil {
			e.conformance(ctx, op, r)
			e.authentication(ctx, op, r)
			e.authorization(ctx, op, r)
		}
		tick()
	}
	if !e.halted(ctx) && !e.opts.Safe {
		e.undeclaredMethods(ctx)
	}
	if !e.opts.NoProbes {
		// Phase 2b: stateful checks, attack probes, header checks and
		// user scenarios, on the operations whose happy path worked.
		e.probes(ctx, main)
	}
	tick()
	// Phase 3: DELETE operations, tested before their happy path (which
	// deletes the resource for real).
	for _, op := range deletes {
		if e.halted(ctx) {
			break
		}
		e.stats["operations_tested"]++
		if why, failed := e.readFailed(main, op); failed {
			// The resource could not be read: its DELETE would be tested
			// on an object that is not there (a wrong base path, an
			// identity that cannot log in), and every finding of it
			// would be about that, not about the DELETE.
			e.happyFailed(op, "GET "+op.Path+" failed its happy path ("+why+")", nil)
			tick()
			continue
		}
		r, reason := e.prepare(ctx, op, true)
		if r != nil {
			e.conformance(ctx, op, r)
			e.authentication(ctx, op, r)
			e.authorization(ctx, op, r)
		} else {
			e.happyFailed(op, reason, nil)
		}
		tick()
	}
	for _, op := range deletes {
		if e.halted(ctx) || e.opts.KeepResources {
			break
		}
		if _, failed := e.happyFail[op.Key()]; !failed {
			e.happy(ctx, op)
			if !e.opts.NoProbes && e.tmpl[op] != nil {
				e.useAfterFree(ctx, op, e.tmpl[op])
			}
		}
		tick()
	}
	if !e.opts.NoProbes && !e.halted(ctx) {
		// Last, as it may get the scanner's own address throttled.
		e.rateLimit(ctx)
	}
}

// readFailed reports whether the GET of del's own path, among ops, failed
// its happy path, and why.
func (e *engine) readFailed(ops []*spec.Operation, del *spec.Operation) (string, bool) {
	for _, op := range ops {
		if op.Method == "GET" && op.Path == del.Path {
			why, failed := e.happyFail[op.Key()]
			return why, failed
		}
	}
	return "", false
}

// identityFor picks the identity a happy path runs as and the security
// requirement it satisfies (-1 when the operation needs none).
func (e *engine) identityFor(op *spec.Operation) (*identity.Identity, int, string) {
	o := e.cfg.Op(op.Key())
	roles := e.rolesFor(op)
	candidates := e.ids
	if o.Identity != "" {
		candidates = nil
		for _, id := range e.ids {
			if id.Name() == o.Identity {
				candidates = append(candidates, id)
			}
		}
	}
	for _, id := range candidates {
		if len(roles) > 0 && !hasAnyRole(id, roles) {
			continue
		}
		for i, r := range op.Security {
			if len(r.Schemes) == 0 {
				continue
			}
			if id.Satisfies(r) && id.HasScopes(r) {
				return id, i, ""
			}
		}
	}
	if !op.IsSecured() {
		return nil, -1, ""
	}
	var need []string
	for _, r := range op.Security {
		var names []string
		for _, s := range r.Schemes {
			names = append(names, s.Name)
		}
		need = append(need, strings.Join(names, "+"))
	}
	msg := "no configured identity holds credentials for " + strings.Join(need, " or ")
	if len(roles) > 0 {
		msg += " with role " + strings.Join(roles, "/")
	}
	return nil, -1, msg
}

func hasAnyRole(id *identity.Identity, roles []string) bool {
	for _, r := range roles {
		if id.Config.HasRole(r) {
			return true
		}
	}
	return false
}

// rolesFor returns the roles an operation is meant for: configured, or
// "admin" for paths with an admin segment when some identity is an admin.
func (e *engine) rolesFor(op *spec.Operation) []string {
	if rs := e.cfg.Op(op.Key()).Roles; len(rs) > 0 {
		return rs
	}
	for _, seg := range strings.Split(strings.ToLower(op.Path), "/") {
		if seg == "admin" || seg == "admins" || seg == "internal" {
			for _, id := range e.ids {
				if id.Config.HasRole("admin") {
					return []string{"admin"}
				}
			}
		}
	}
	return nil
}

// prepare builds an in-contract request for op. useExamples chooses the
// first strategy (examples and defaults) or the second (generated values).
func (e *engine) prepare(ctx context.Context, op *spec.Operation, useExamples bool) (*request, string) {
	id, idx, why := e.identityFor(op)
	if why != "" {
		return nil, why
	}
	o := e.cfg.Op(op.Key())
	r := &request{op: op, method: op.Method, params: map[string]any{}, omit: map[string]bool{}, id: id, reqIdx: idx}
	owner := ""
	if id != nil {
		owner = id.Name()
	}
	// Path parameters the configuration sets stand; the others that name
	// resources are chosen together, so that they name one item.
	fixed := map[string]string{}
	for _, p := range op.Parameters {
		if p.In != "path" {
			continue
		}
		if v, ok := o.Params[p.Name]; ok {
			fixed[p.Name] = serialize(gen.Normalize(v))
		} else if v, ok := e.vars[p.Name]; ok && e.cfg.Variables[p.Name] != nil {
			fixed[p.Name] = serialize(v)
		}
	}
	ids := e.pathIDs(op, owner, fixed)
	for _, p := range op.Parameters {
		if p.Ignored() {
			// The scan's own Accept, Content-Type and credentials stand.
			continue
		}
		k := paramKey(p)
		if v, ok := o.Params[p.Name]; ok {
			r.params[k] = gen.Normalize(v)
			continue
		}
		if v, ok := e.vars[p.Name]; ok && e.cfg.Variables[p.Name] != nil {
			r.params[k] = v
			continue
		}
		if p.In == "path" {
			if v, ok := ids[p.Name]; ok {
				r.params[k] = v
				continue
			}
			if v, ok := e.linked[op.Key()][p.Name]; ok {
				r.params[k] = v
				continue
			}
			// A value learned from an earlier answer only because its
			// name matches: used when the parameter's schema takes it.
			if v, ok := e.vars[p.Name]; ok && e.fits(p, v) {
				r.params[k] = v
				continue
			}
		}
		schema, examples := p.Schema, e.examplesOf(p.Ref)
		// A parameter described by content (a JSON-encoded query value)
		// takes its value from the media type's schema.
		jsonContent := false
		if schema == nil {
			for _, name := range sortedKeys(p.Content) {
				if mt := p.Content[name]; isJSON(name) && mt.Schema != nil {
					schema, jsonContent = mt.Schema, true
					examples = append(e.examplesOf(mt.Ref), examples...)
					break
				}
			}
		}
		if schema == nil {
			// Another media type (text/plain, */*): the schema's value
			// goes as text, as the firewall reads it.
			for _, name := range sortedKeys(p.Content) {
				if mt := p.Content[name]; mt.Schema != nil {
					schema = mt.Schema
					examples = append(e.examplesOf(mt.Ref), examples...)
					break
				}
			}
		}
		if schema == nil {
			if p.Required {
				// No schema constrains it (a 2.0 parameter without a
				// type): any value is in contract, and a path segment
				// reads best as an id.
				r.params[k] = "rampart"
				if p.In == "path" {
					r.params[k] = e.pathValue(op, p, nil, "1")
				}
			}
			continue
		}
		if !p.Required && p.In == "cookie" {
			continue
		}
		var v any
		var err error
		if useExamples {
			v, _, err = e.gen.Valid(schema, spec.RequestView, examples...)
		} else {
			v, _, err = e.gen.Generated(schema, spec.RequestView)
		}
		if err == nil && p.In == "header" && !validFieldValue(styledValue(p, v, func(s string) string { return s })) {
			// An example with a line break or another control byte
			// cannot go in a header field: the generated value instead.
			if g, _, gerr := e.gen.Generated(schema, spec.RequestView); gerr == nil && validFieldValue(styledValue(p, g, func(s string) string { return s })) {
				v = g
			} else {
				err = fmt.Errorf("no value of its schema can be sent in a header field")
			}
		}
		if err == nil && p.In == "header" && strings.EqualFold(p.Name, "Content-Encoding") {
			switch {
			case e.fits(p, "identity"):
				// The body goes as it is: a content coding named after
				// the schema's example would say it is compressed.
				v = "identity"
			case !p.Required:
				// Only codings are admitted (enum [gzip]): the body goes
				// uncompressed, without the field.
				continue
			case e.fits(p, "gzip"):
				v = "gzip" // build compresses the body
			}
		}
		if err == nil && p.In == "path" {
			v = e.pathValue(op, p, schema, v)
		}
		if err != nil {
			if p.Required {
				return nil, fmt.Sprintf("parameter %s %s: %v", p.In, p.Name, err)
			}
			continue
		}
		if m, isObj := v.(map[string]any); isObj && len(m) == 0 && p.Required && p.In == "query" && p.Explode && (p.Style == "form" || p.Style == "" || p.Style == "deepObject") {
			// An exploded object sends one pair per property: empty, it
			// sends nothing, and the required parameter is missing.
			if more, ok := e.gen.WithProperty(schema, spec.RequestView, m); ok {
				v = more
			}
		}
		if jsonContent {
			b, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Sprintf("parameter %s %s: %v", p.In, p.Name, err)
			}
			v = string(b)
		}
		r.params[k] = v
	}
	// A parameter the path key names with a value ("#X-Amz-Target=Svc.Op",
	// "?Action=List") takes that value: it selects this operation among
	// those sharing the path.
	key := spec.ParsePathKey(op.Path)
	for _, pp := range append(append([]spec.PathPair(nil), key.Query...), key.Fragment...) {
		if p := namedParam(op, pp.Name); p != nil && pp.Value != "" && o.Params[p.Name] == nil {
			r.params[paramKey(p)] = pp.Value
		}
	}
	e.dropCollidingPairs(op, r, key)
	if rb := op.RequestBody; rb != nil {
		media, mt := pickMedia(rb)
		switch {
		case o.Body != nil:
			r.body, r.hasBody = gen.Normalize(o.Body), true
			if media == "" {
				media = "application/json"
			}
			r.media = media
		case mt == nil:
			if rb.Required {
				return nil, "request body media types not supported by the scanner: " + strings.Join(mediaNames(rb), ", ")
			}
		case mt.Schema == nil && isRaw(media):
			// Any bytes are in contract: a short text that every
			// server can take.
			r.body, r.hasBody, r.media = "rampart", true, media
		case mt.Schema == nil:
			r.body, r.hasBody, r.media = map[string]any{}, true, media
			if rb.Required {
				r.body = e.nonEmptyForm(media, mt, r.body)
			}
		default:
			var v any
			var err error
			if useExamples {
				v, _, err = e.gen.Valid(mt.Schema, spec.RequestView, e.examplesOf(mt.Ref)...)
			} else {
				v, _, err = e.gen.Generated(mt.Schema, spec.RequestView)
			}
			if err != nil {
				return nil, "request body: " + err.Error()
			}
			if m := essence(media); m == "*/*" || m == "application/*" {
				media = "application/json"
			}
			if rb.Required {
				v = e.nonEmptyForm(media, mt, v)
				if isRaw(media) && serialize(v) == "" {
					// An empty text is no body at all.
					if sch, err := e.doc.Compile(mt.Schema, spec.RequestView); err == nil && e.doc.ValidateBounded(sch, spec.RequestView, "rampart") == nil {
						v = "rampart"
					}
				}
			}
			r.body, r.hasBody, r.media = v, true, media
		}
	}
	return r, ""
}

// nonEmptyForm makes a required url-encoded body hold a field. A form
// with none goes out as a zero-length body, which servers (and rampart
// protect) read as no body at all: the required body would be missing.
// An object the schema lets be empty gets one property it admits
// (gen.WithProperty: an optional declared property, a patternProperties
// name, or an additional one); when it admits none, the empty form is
// the only value in contract and stands.
func (e *engine) nonEmptyForm(media string, mt *spec.MediaType, v any) any {
	if !isForm(media) {
		return v
	}
	if b, err := formBody(v, mt); err != nil || len(b) > 0 {
		return v
	}
	obj, _ := v.(map[string]any)
	if mt.Schema == nil {
		// No schema: any field is in contract.
		return map[string]any{"rampart": "rampart"}
	}
	if more, ok := e.gen.WithProperty(mt.Schema, spec.RequestView, obj); ok {
		return more
	}
	return v
}

// validFieldValue reports whether s can be sent as an HTTP header field
// value, as Go's client checks before sending.
func validFieldValue(s string) bool { return httpguts.ValidHeaderFieldValue(s) }

// namedParam is op's parameter called name (in the query, a header or a
// cookie; header names compared case-insensitively), or nil.
func namedParam(op *spec.Operation, name string) *spec.Parameter {
	for _, p := range op.Parameters {
		if p.In != "path" && (p.Name == name || (p.In == "header" && strings.EqualFold(p.Name, name))) {
			return p
		}
	}
	return nil
}

// dropCollidingPairs leaves out the optional properties of exploded
// query objects whose names another query parameter (or the path key's
// query, or an earlier exploded object) also sends. An exploded object
// sends one pair per property, so AWS's LaunchTemplate {..., Version}
// beside the operation's own Version parameter puts "Version" in the
// query twice, which no server reads as the client meant (rampart
// protect refuses it as ambiguous). A client would leave the optional
// one out; a required one stays, and the contract cannot be met.
func (e *engine) dropCollidingPairs(op *spec.Operation, r *request, key spec.PathKey) {
	// owners counts who reads each pair name: the path key's query, each
	// other query parameter sent, and every exploded object that
	// declares a property of that name, sent or not, since a server
	// binds each exploded object from the whole query (as the firewall
	// reads it).
	owners := map[string]int{}
	for _, pp := range key.Query {
		owners[pp.Name]++
	}
	var objects []*spec.Parameter
	for _, p := range op.Parameters {
		if p.In != "query" {
			continue
		}
		if p.Schema != nil && p.Explode && (p.Style == "form" || p.Style == "") {
			if n, ok := e.gen.Resolve(p.Schema.Ref, p.Schema.Value); ok && gen.SchemaType(n.V) == "object" {
				objects = append(objects, p)
				for name := range e.gen.Properties(n.At, n.V) {
					owners[name]++
				}
				continue
			}
		}
		if _, sent := r.params[paramKey(p)]; sent {
			owners[p.Name]++
		}
	}
	for _, p := range objects {
		obj, ok := r.params[paramKey(p)].(map[string]any)
		if !ok {
			continue
		}
		kept := make(map[string]any, len(obj))
		for name, v := range obj {
			if owners[name] < 2 {
				kept[name] = v
			}
		}
		if len(kept) < len(obj) && (len(kept) > 0 || !p.Required) && e.fits(p, kept) {
			r.params[paramKey(p)] = kept
		}
	}
}

// pathValue is v, unless v sends an empty segment (which routes to
// another path or none) or a segment that another path key spells out
// (the version "$LATEST" of /versions/{version} beside the concrete
// /versions/$LATEST, which routers prefer): then the first of the
// generated value, the enum members and a few plain words that fits the
// schema and does neither (v itself when none does).
func (e *engine) pathValue(op *spec.Operation, p *spec.Parameter, schema *spec.Schema, v any) any {
	taken := siblingLiterals(e.doc, op.Path, p.Name)
	next := followingLiteral(op.Path, p.Name)
	usable := func(c any) bool {
		seg := styledValue(p, c, func(s string) string { return s })
		// In a segment such as {maxLat}.{format}, a value holding the
		// literal after it ("1.5") splits where the router (and most
		// upstreams) would cut the segment first.
		return seg != "" && !taken[seg] && (next == "" || !strings.Contains(seg, next))
	}
	if usable(v) {
		return v
	}
	var cands []any
	if schema != nil {
		if g, _, err := e.gen.Generated(schema, spec.RequestView); err == nil {
			cands = append(cands, g)
		}
		if n, ok := e.gen.Resolve(schema.Ref, schema.Value); ok {
			if enum, ok := n.V["enum"].([]any); ok {
				cands = append(cands, enum...)
			}
		}
	}
	cands = append(cands, "rampart", "1", "a", "0", "A", "-", "_", "2", "rampart1")
	for _, c := range cands {
		if usable(c) && e.fits(p, c) {
			return c
		}
	}
	return v
}

// followingLiteral is the literal text that follows {name} inside its
// path segment ("." in /{maxLat}.{format}), "" when the variable ends its
// segment.
func followingLiteral(path, name string) string {
	for _, seg := range strings.Split(path, "/") {
		_, after, ok := strings.Cut(seg, "{"+name+"}")
		if !ok {
			continue
		}
		lit, _, _ := strings.Cut(after, "{")
		return lit
	}
	return ""
}

// siblingLiterals returns the literal segments that other path keys have
// where path has the segment {name}, among the keys that match path
// everywhere else: a value equal to one of them routes to that key.
func siblingLiterals(doc *spec.Document, path, name string) map[string]bool {
	segs := strings.Split(path, "/")
	at := slices.Index(segs, "{"+name+"}")
	if at < 0 {
		return nil
	}
	var taken map[string]bool
	for _, o := range doc.Operations {
		other := o.Path
		otherSegs := strings.Split(other, "/")
		if other == path || len(otherSegs) != len(segs) || strings.Contains(otherSegs[at], "{") {
			continue
		}
		match := true
		for i := range segs {
			if i != at && segs[i] != otherSegs[i] && !strings.Contains(segs[i], "{") && !strings.Contains(otherSegs[i], "{") {
				match = false
				break
			}
		}
		if match {
			if taken == nil {
				taken = map[string]bool{}
			}
			taken[otherSegs[at]] = true
		}
	}
	return taken
}

// fits reports whether v, sent as the parameter's text, is valid against
// its schema (true when there is no schema to check against).
func (e *engine) fits(p *spec.Parameter, v any) bool {
	if p.Schema == nil {
		return true
	}
	sch, err := e.doc.Compile(p.Schema, spec.RequestView)
	if err != nil {
		return true
	}
	return e.doc.ValidateBounded(sch, spec.RequestView, coerce(e.gen, p.Schema, serialize(v))) == nil
}

func mediaNames(rb *spec.RequestBody) []string {
	var out []string
	for k := range rb.Content {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// seenID is an id a listing showed, with the parent ids the listing was
// asked for.
type seenID struct {
	id      string
	parents []string
}

// pathIDs chooses the values of op's path parameters that name resources
// the scan created or saw listed, as whole tuples: a nested item
// (/users/{userId}/orders/{orderId}) gets an order together with the user
// it was created under, never the last user and the last order chosen
// apart. From the last parameter to the first, each one not yet set takes
// the most recent resource of the collection before it, the identity's
// own first, among those whose parents agree with the values already set
// (fixed, from the configuration, or from a deeper choice); its parents
// then set the parameters before it. A parameter no resource fits is
// left out of the result, for the other sources of values.
func (e *engine) pathIDs(op *spec.Operation, owner string, fixed map[string]string) map[string]string {
	names := spec.TemplateNames(op.Path)
	vals := make([]string, len(names))
	set := make([]bool, len(names))
	for k, n := range names {
		vals[k], set[k] = fixed[n], hasKey(fixed, n)
	}
	for k := len(names) - 1; k >= 0; k-- {
		i := strings.Index(op.Path, "{"+names[k]+"}")
		if set[k] || i <= 0 {
			continue
		}
		coll := strings.TrimRight(op.Path[:i], "/")
		fits := func(parents []string) bool {
			if len(parents) != k {
				return false
			}
			for j := range k {
				if set[j] && parents[j] != vals[j] {
					return false
				}
			}
			return true
		}
		var pick *resource
		for j := len(e.resources) - 1; j >= 0; j-- {
			res := e.resources[j]
			if !res.usable() || !sameTemplate(res.collection, coll) || !fits(res.parents) {
				continue
			}
			if res.owner == owner {
				pick = res
				break
			}
			if pick == nil {
				pick = res
			}
		}
		var id string
		var parents []string
		if pick != nil {
			id, parents = pick.id, pick.parents
		} else if s, ok := e.seen[tmplKey(coll)]; ok && fits(s.parents) {
			id, parents = s.id, s.parents
		} else {
			continue
		}
		vals[k], set[k] = id, true
		for j := range k {
			if !set[j] {
				vals[j], set[j] = parents[j], true
			}
		}
	}
	out := map[string]string{}
	for k, n := range names {
		if set[k] && !hasKey(fixed, n) {
			out[n] = vals[k]
		}
	}
	return out
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// happy runs the happy path of an operation: examples first, then
// generated values.
func (e *engine) happy(ctx context.Context, op *spec.Operation) {
	if op.Method != "DELETE" {
		// DELETE operations are counted when their tests start (phase 3),
		// which may end without a happy path.
		e.stats["operations_tested"]++
	}
	var reason string
	var last *exchange
	var lastR *request
	for attempt := 0; attempt < 2; attempt++ {
		r, why := e.prepare(ctx, op, attempt == 0)
		if r == nil {
			if last != nil {
				// The API's answer to the first attempt says more than
				// why no second request could be built.
				reason += "; no generated request to try instead (" + why + ")"
			} else {
				reason = why
			}
			break
		}
		lastR = r
		x := e.send(ctx, r, "happy path")
		if x.Err != nil {
			if e.stop(x.Err) {
				return
			}
			reason = "request failed: " + x.Err.Error()
			last = x
			break
		}
		e.checkResponse(op, x, true, "happy-path")
		if e.expected(op, x.Status) {
			e.stats["happy_path_passed"]++
			e.tmpl[op] = r
			e.happyX[op] = x
			e.learn(op, r, x)
			return
		}
		last = x
		reason = fmt.Sprintf("answered %d%s", x.Status, e.bodyHint(x))
		if x.Status == 401 || x.Status == 403 {
			reason += " (credentials refused: check the identity's credentials)"
			break
		}
	}
	if !e.opts.NoProbes && e.notReadable(op, lastR, last) {
		e.happyFail[op.Key()] = reason
		return
	}
	e.happyFailed(op, reason, last)
}

// bodyHint is the start of an answer's body, for a failed happy path's
// reason. It is redacted before it is cut: cut first, a secret the cut
// went through (an echoed key, its base64) would leave its start, which
// no later redaction recognises.
func (e *engine) bodyHint(x *exchange) string {
	b := strings.TrimSpace(e.red.answer(string(x.RespBody)))
	if b == "" {
		return ""
	}
	b = strings.Join(strings.Fields(b), " ")
	if len(b) > 160 {
		b = b[:160] + "..."
	}
	return ": " + b
}

func (e *engine) happyFailed(op *spec.Operation, reason string, x *exchange) {
	e.happyFail[op.Key()] = reason
	e.stats["happy_path_failed"]++
	var xs []*exchange
	if x != nil {
		xs = append(xs, x)
	}
	e.add(RuleHappyPathFailed, op, "happy-path", "No in-contract request to "+op.Key()+" succeeded, so its other tests were skipped: "+reason+".",
		e.expectText(op), reason, xs...)
}

func (e *engine) expected(op *spec.Operation, status int) bool {
	if exp := e.cfg.Op(op.Key()).Expect; len(exp) > 0 {
		for _, s := range exp {
			if s == status {
				return true
			}
		}
		return false
	}
	if status >= 200 && status < 300 {
		return true
	}
	// An operation whose contract declares no success but redirects (an
	// OAuth authorize or logout endpoint: only 302) succeeds with a
	// redirect it declares; otherwise it could never pass its happy path
	// and would get no other test.
	if status >= 300 && status < 400 && redirectOnly(op) {
		r := op.Response(status)
		return r != nil && !strings.EqualFold(r.Code, "default")
	}
	return false
}

// redirectOnly reports whether op declares 3xx responses and no 2xx one.
func redirectOnly(op *spec.Operation) bool {
	redirects := false
	for _, r := range op.Responses {
		switch {
		case strings.HasPrefix(r.Code, "2"):
			return false
		case strings.HasPrefix(r.Code, "3"):
			redirects = true
		}
	}
	return redirects
}

func (e *engine) expectText(op *spec.Operation) string {
	if exp := e.cfg.Op(op.Key()).Expect; len(exp) > 0 {
		parts := make([]string, len(exp))
		for i, s := range exp {
			parts[i] = fmt.Sprint(s)
		}
		return "one of " + strings.Join(parts, ", ")
	}
	if redirectOnly(op) {
		return "a declared 3xx"
	}
	return "2xx"
}

// send builds and sends a request; a 401 to a request carrying a login or
// OAuth2 token refreshes the token and retries once.
func (e *engine) send(ctx context.Context, r *request, label string) *exchange {
	// A test of a declared DELETE deletes for real when the API accepts
	// it. (An undeclared DELETE the API answers 2xx may have done
	// nothing: many frameworks answer it as the GET; its object is
	// left to cleanup, which knows.)
	deletes := r.method == http.MethodDelete && r.op != nil && r.op.Method == http.MethodDelete && label != "cleanup"
	if deletes {
		e.replaceGone(ctx, r)
	}
	x, err := e.build(ctx, r)
	if err != nil {
		return &exchange{Label: label, Method: r.method, Err: err}
	}
	out := e.c.send(ctx, x.Method, x.URL, x.Header, x.Body)
	out.Plain = x.Plain
	out.Label = label
	if out.Err != nil && unanswered(out.Err) && e.c.failures.Load() >= maxFailures {
		e.unresponsive()
	}
	if out.Err == nil && out.Status == http.StatusUnauthorized && !r.expectDenied && !r.noAuth && r.id != nil && r.id.Invalidate() {
		e.stats["token_refreshes"]++
		if x2, err := e.build(ctx, r); err == nil {
			out = e.c.send(ctx, x2.Method, x2.URL, x2.Header, x2.Body)
			out.Plain = x2.Plain
		}
	}
	out.Label = label
	if r.id != nil {
		e.red.addSecret(r.id.Secrets()...)
	}
	if deletes && out.Err == nil && out.Status >= 200 && out.Status < 300 {
		// Whatever test sent it, the object is gone now.
		e.markDeleted(r.op, r)
	}
	if out.Err == nil && out.Status >= 200 && out.Status < 300 && r.method == "POST" && label != "happy path" {
		// A test request the API accepted may have created something.
		e.learn(r.op, r, out)
	}
	if out.Err == nil && !e.opts.NoProbes {
		e.passive(r, out)
	}
	return out
}

// result assembles the report.
func (e *engine) result() *Result {
	res := &Result{Requests: e.c.sent.Load(), Elapsed: time.Since(e.start), HappyFailures: map[string]string{}}
	res.NeverAnswered = res.Requests > 0 && !e.c.answered.Load()
	tested := e.stats["operations_tested"]
	res.NothingTested = tested > 0 && len(e.happyFail) >= tested && e.stopped == nil
	// Every token the identities hold by now (logins may have run on
	// paths that did not register them) before the final redaction.
	for _, id := range e.ids {
		e.red.addSecret(id.Secrets()...)
	}
	for k, why := range e.happyFail {
		// Reasons quote response bodies and login errors, and are printed
		// on standard error: the same redaction as the report applies.
		res.HappyFailures[k] = e.red.text(why)
	}
	for _, f := range e.findings {
		if d := e.details[f]; len(d) > 1 {
			f.Message += " (" + casesSummary(d) + ")"
		}
		// Once more with every secret the scan knows by now: tokens
		// issued by a login after the finding was recorded, and the
		// details just appended.
		e.red.finding(f)
		f.ComputeFingerprintIn(e.doc.Path)
	}
	sr := report.SpecResult{Spec: e.doc.Path, OpenAPI: e.doc.Version, Title: e.doc.Title, Valid: e.doc.Valid(), Findings: []report.Finding{}}
	for _, f := range e.findings {
		sr.Findings = append(sr.Findings, *f)
	}
	report.SortFindings(sr.Findings)
	for _, r := range e.resources {
		if !r.deleted {
			why := ""
			if r.orphaned {
				why = "; a resource it lives under was deleted"
			}
			res.NotCleaned = append(res.NotCleaned, fmt.Sprintf("%s (created by %s as %s%s)", r.path(), r.createdBy.Key(), ownerName(r.owner), why))
		}
	}
	for _, n := range res.NotCleaned {
		sr.ManualChecks = append(sr.ManualChecks, "not cleaned up: "+n)
	}
	for _, name := range slices.Sorted(maps.Keys(e.authzNotRun)) {
		sr.ManualChecks = append(sr.ManualChecks, "authorization (BOLA/BFLA) tests as "+name+" were not run: "+e.authzNotRun[name])
	}
	for _, n := range e.unchecked {
		sr.ManualChecks = append(sr.ManualChecks, "response body not validated: "+n)
	}
	if len(e.callbacks) > 0 {
		sr.ManualChecks = append(sr.ManualChecks, "SSRF probes pointed at --callback-url; a request logged there for one of these means the API fetched it: "+strings.Join(e.callbacks, "; "))
	}
	if e.stopped != nil {
		res.Stopped = e.stopped.Error()
		switch {
		case errors.Is(e.stopped, context.DeadlineExceeded):
			res.Stopped = "--max-duration reached"
		case errors.Is(e.stopped, context.Canceled):
			res.Stopped = "interrupted"
		}
		sr.ManualChecks = append(sr.ManualChecks, "scan stopped early ("+res.Stopped+"): some operations were not fully tested")
		e.stats["stopped_early"] = 1
	}
	e.stats["requests_sent"] = int(res.Requests)
	e.stats["resources_not_cleaned"] = len(res.NotCleaned)
	sr.Summary = e.stats
	sr.Source = e.doc.Sources()
	res.Spec = sr
	return res
}

func ownerName(s string) string {
	if s == "" {
		return "anonymous"
	}
	return s
}

// casesSummary describes the details of a finding's cases, each distinct
// detail once in the order first seen, with how often it came when more
// than once: nine rejections with the same Content-Type read as one line,
// not nine copies of it.
func casesSummary(details []string) string {
	count := map[string]int{}
	var distinct []string
	for _, d := range details {
		if count[d] == 0 {
			distinct = append(distinct, d)
		}
		count[d]++
	}
	if len(distinct) == 1 {
		return fmt.Sprintf("%d cases, each: %s", len(details), distinct[0])
	}
	parts := make([]string, len(distinct))
	for i, d := range distinct {
		parts[i] = d
		if n := count[d]; n > 1 {
			parts[i] = fmt.Sprintf("%s (x%d)", d, n)
		}
	}
	return fmt.Sprintf("%d cases: %s", len(details), strings.Join(limit(parts, 12), "; "))
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(append([]string(nil), s[:n]...), fmt.Sprintf("and %d more", len(s)-n))
}

// add records a finding; a second occurrence with the same rule,
// operation and test only adds its detail and (up to three) exchanges.
func (e *engine) add(rule string, op *spec.Operation, test, msg, expected, actual string, xs ...*exchange) *report.Finding {
	return e.addAt(rule, op.Key(), op.Ref, test, msg, expected, actual, xs...)
}

func (e *engine) addAt(rule, opKey string, at spec.NodeRef, test, msg, expected, actual string, xs ...*exchange) *report.Finding {
	key := rule + "\x00" + opKey + "\x00" + test
	if f, ok := e.byKey[key]; ok {
		e.details[f] = append(e.details[f], actual)
		if len(f.Exchanges) < 3 {
			for _, x := range xs {
				if x != nil {
					f.Exchanges = append(f.Exchanges, e.red.report(x))
				}
			}
		}
		return f
	}
	meta := ruleByID(rule)
	loc := e.doc.Locate(at)
	f := &report.Finding{Rule: rule, Severity: meta.Severity, Title: meta.Title, Message: e.red.text(msg),
		Location: report.Location{File: loc.File, Pointer: loc.Pointer, Line: loc.Line, Column: loc.Column},
		OWASP:    owaspID(meta.OWASP), CWE: meta.CWE, FixHint: meta.Fix,
		Operation: opKey, Test: test, Expected: expected, Actual: e.red.text(actual)}
	for _, x := range xs {
		// A baseline exchange may be missing (DELETE operations are
		// tested for conformance before their happy path runs).
		if x != nil {
			f.Exchanges = append(f.Exchanges, e.red.report(x))
		}
	}
	e.byKey[key] = f
	e.details[f] = []string{actual}
	e.findings = append(e.findings, f)
	return f
}

func owaspID(s string) string { return s }

// serverPath is a server's base path with a leading slash ("upload/v2", a
// URL relative to the document, is "/upload/v2" on the target) and no
// trailing one; the root is empty.
func serverPath(s spec.Server) string {
	p := s.BasePath()
	if p != "" && !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return p
}

// basePath is the path an operation's requests start with, without a
// trailing slash. A path item's or operation's own servers override the
// document's (OpenAPI 3): the end of the target's path that stands for the
// document's base path is replaced by the operation's server path (the
// whole target path when it does not end with it is kept as a prefix).
// Only the server's path is taken, never its host: requests stay on the
// target's origin.
func (e *engine) basePath(op *spec.Operation) string {
	base := strings.TrimRight(e.base.Path, "/")
	if op == nil || len(op.Servers) == 0 {
		return base
	}
	own := serverPath(op.Servers[0])
	if own == e.docBase {
		return base
	}
	return strings.TrimSuffix(base, e.docBase) + own
}
