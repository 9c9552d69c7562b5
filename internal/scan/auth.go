package scan

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/identity"
	"github.com/rampart-sec/rampart/internal/spec"
)

// authTest is one authentication probe.
type authTest struct {
	name string
	rule string
	r    *request
	why  string
}

// authentication probes a secured operation with missing, malformed and
// forged credentials. Expected: 401. A 2xx is a finding of the probe's
// rule; 403 or 404 a low-severity mismatch. Probes are ordered so that a
// weaker failure hides the ones it implies: when no credentials at all are
// accepted, token forgery on that operation is not reported again.
func (e *engine) authentication(ctx context.Context, op *spec.Operation, r0 *request) {
	if !op.IsSecured() || r0.id == nil || r0.reqIdx < 0 {
		return
	}
	req := op.Security[r0.reqIdx]
	tests := []authTest{}
	none := r0.clone()
	none.noAuth = true
	tests = append(tests, authTest{"no-credentials", RuleAuthMissing, none, "without credentials"})
	// Leaving one scheme of an AND-ed pair out comes before malformed
	// credentials: when a scheme is not checked at all, a malformed value
	// for it is accepted too, and is not a second flaw.
	if len(req.Schemes) >= 2 {
		for _, sr := range req.Schemes {
			p := r0.clone()
			p.omitScheme = sr.Name
			tests = append(tests, authTest{"without-" + sr.Name, RuleAuthPartial, p, "with " + sr.Name + " left out of the combined requirement"})
		}
	}
	for _, sr := range req.Schemes {
		s := e.doc.SecuritySchemes[sr.Name]
		if s == nil {
			continue
		}
		bad := r0.clone()
		bad.omitScheme = sr.Name
		bad.auth = func(hr *http.Request) { identity.Place(hr, s, malformed(s)) }
		tests = append(tests, authTest{"malformed-" + sr.Name, RuleAuthInvalidToken, bad, "with a malformed " + sr.Name + " credential"})
		if alt := lookalikeName(s); alt != "" {
			// The valid key, under the other spelling only: accepted means
			// the API reads that spelling too (CGI-style HTTP_ names), so
			// a gateway checking the declared field can be sidestepped.
			moved := r0.clone()
			name := s.ParamName
			moved.auth = func(hr *http.Request) {
				v := hr.Header.Values(name)
				hr.Header.Del(name)
				hr.Header[alt] = v
			}
			tests = append(tests, authTest{"lookalike-" + sr.Name, RuleHeaderLookalike, moved, "with the API key sent as " + alt + " instead of " + name})
		}
	}
	var jwtTests []authTest
	for _, sr := range req.Schemes {
		s := e.doc.SecuritySchemes[sr.Name]
		if s == nil || !bearerLike(s) {
			continue
		}
		cred, ok, err := r0.id.Credential(ctx, sr.Name)
		if err != nil || !ok {
			continue
		}
		_, claims, isJWT := identity.DecodeJWT(cred.Token)
		if !isJWT {
			continue
		}
		place := func(tok string) func(*http.Request) {
			return func(hr *http.Request) { identity.Place(hr, s, config.Credential{Token: tok}) }
		}
		none := r0.clone()
		none.omitScheme = sr.Name
		none.auth = place(identity.AlgNone(claims))
		jwtTests = append(jwtTests, authTest{"alg-none-" + sr.Name, RuleJWTAlgNone, none, "with an unsigned alg:none JWT"})

		expired := e.cfg.JWT.ExpiredToken
		if expired == "" && e.cfg.JWT.SigningKey != nil {
			tok, err := identity.Sign(identity.Expired(claims, time.Now()), e.cfg.JWT.SigningKey)
			if err != nil {
				e.log.Warn("cannot craft an expired token", "error", err)
			} else {
				expired = tok
				e.red.addSecret(tok)
			}
		}
		if expired != "" {
			x := r0.clone()
			x.omitScheme = sr.Name
			x.auth = place(expired)
			jwtTests = append(jwtTests, authTest{"expired-jwt-" + sr.Name, RuleJWTExpired, x, "with an expired JWT"})
		} else {
			e.stats["expired_jwt_skipped"]++
		}
		if !e.weakDone[sr.Name] {
			e.weakDone[sr.Name] = true
			if secret, found := identity.FindWeakSecret(cred.Token, e.cfg.WeakSecrets); found {
				forged := map[string]any{}
				for k, v := range claims {
					forged[k] = v
				}
				forged["exp"] = time.Now().Add(time.Hour).Unix()
				forged["iat"] = time.Now().Unix()
				h, _, _ := identity.DecodeJWT(cred.Token)
				alg, _ := h["alg"].(string)
				tok, err := identity.Sign(forged, &config.SigningKey{Alg: alg, Secret: secret})
				if err == nil {
					e.red.addSecret(tok, secret)
					w := r0.clone()
					w.omitScheme = sr.Name
					w.auth = place(tok)
					jwtTests = append(jwtTests, authTest{"weak-secret-" + sr.Name, RuleJWTWeakSecret, w,
						fmt.Sprintf("with a JWT re-signed with the guessed HMAC secret (%d characters, from the weak-secret dictionary)", len(secret))})
				}
			}
		}
	}
	accepted := map[string]bool{}
	ignored := map[string]bool{} // schemes whose omission was accepted
	run := func(t authTest) bool {
		if e.halted(ctx) {
			return false
		}
		t.r.expectDenied = true
		e.stats["auth_tests"]++
		x := e.send(ctx, t.r, "authentication "+t.name)
		if x.Err != nil {
			e.stop(x.Err)
			return false
		}
		e.checkResponse(op, x, false, "authentication "+t.name)
		switch {
		case x.Status >= 200 && x.Status < 300:
			accepted[t.rule] = true
			e.add(t.rule, op, t.name, fmt.Sprintf("%s answered %d to a request %s.", op.Key(), x.Status, t.why),
				"401 Unauthorized", fmt.Sprintf("%d %s", x.Status, t.why), x)
		case x.Status == 403 || x.Status == 404:
			e.add(RuleAuthStatus, op, "auth-status", fmt.Sprintf("%s answered %d instead of 401 to a request %s.", op.Key(), x.Status, t.why),
				"401 Unauthorized", fmt.Sprintf("%d %s", x.Status, t.why), x)
		}
		return x.Status >= 200 && x.Status < 300
	}
	for _, t := range tests {
		if accepted[RuleAuthMissing] {
			return
		}
		// A scheme that is not checked at all (left out, or malformed,
		// and still accepted) accepts anything: later tests of it would
		// only repeat that flaw.
		scheme := t.name[strings.IndexByte(t.name, '-')+1:]
		if ignored[scheme] && (strings.HasPrefix(t.name, "malformed-") || strings.HasPrefix(t.name, "lookalike-")) {
			continue
		}
		ok := run(t)
		if ok && (strings.HasPrefix(t.name, "without-") || strings.HasPrefix(t.name, "malformed-")) {
			ignored[scheme] = true
		}
	}
	if accepted[RuleAuthMissing] || accepted[RuleAuthInvalidToken] {
		return
	}
	for _, t := range jwtTests {
		run(t)
	}
}

// lookalikeName is the other spelling of an apiKey header's name ('-'
// and '_' swapped), or "" when the scheme is not a header or its name has
// neither.
func lookalikeName(s *spec.SecurityScheme) string {
	if s.Type != "apiKey" || !strings.EqualFold(s.In, "header") {
		return ""
	}
	switch {
	case strings.Contains(s.ParamName, "-"):
		return strings.ReplaceAll(s.ParamName, "-", "_")
	case strings.Contains(s.ParamName, "_"):
		return strings.ReplaceAll(s.ParamName, "_", "-")
	}
	return ""
}

func bearerLike(s *spec.SecurityScheme) bool {
	return (s.Type == "http" && s.Scheme == "bearer") || s.Type == "oauth2" || s.Type == "openIdConnect"
}

// malformed is a syntactically plausible but invalid credential.
func malformed(s *spec.SecurityScheme) config.Credential {
	if s.Type == "http" && s.Scheme == "basic" {
		return config.Credential{Username: "rampart-invalid", Password: "rampart-invalid"}
	}
	if bearerLike(s) {
		return config.Credential{Token: "rampart.invalid.token"}
	}
	return config.Credential{Value: "rampart-invalid-key", Token: "rampart-invalid-key"}
}

// authorization runs BOLA and BFLA probes with the other identities.
//
// BOLA: when the request names a resource the happy-path identity created,
// every other identity that is not an admin asks for it; expected 401, 403
// or 404. BFLA: an operation meant for a role (configured, or an admin
// path) is called by identities without that role; expected 401 or 403.
func (e *engine) authorization(ctx context.Context, op *spec.Operation, r0 *request) {
	if r0.id == nil || len(e.ids) < 2 {
		return
	}
	owner := r0.id.Name()
	if roles := e.rolesFor(op); len(roles) > 0 {
		for _, other := range e.ids {
			if other == r0.id || hasAnyRole(other, roles) || e.halted(ctx) {
				continue
			}
			idx := satisfies(other, op)
			if idx < 0 {
				continue
			}
			_, x := e.sendAs(ctx, r0, other, idx)
			if x == nil {
				return
			}
			e.checkResponse(op, x, false, "bfla as "+other.Name())
			if x.Status >= 200 && x.Status < 300 {
				xs := []*exchange{x}
				if hx := e.happyX[op]; hx != nil {
					a := *hx
					a.Label = "as " + owner + " (role " + strings.Join(roles, "/") + ")"
					xs = []*exchange{&a, x}
				}
				e.add(RuleBFLA, op, "bfla",
					fmt.Sprintf("%s is meant for role %s, yet %s (roles: %s) called it and got %d.", op.Key(), strings.Join(roles, "/"), other.Name(), strings.Join(other.Config.Roles, ", "), x.Status),
					"401 or 403 for an identity without the role", fmt.Sprintf("%d as %s", x.Status, other.Name()), xs...)
			}
		}
		return
	}
	if o := e.cfg.Op(op.Key()).BOLA; o != nil && !*o {
		return
	}
	if e.ownedResource(op, r0, owner) == nil {
		return
	}
	// A DELETE another identity gets through deletes the object for real.
	// Each such probe therefore deletes an object of its own, created for
	// it by the owner as the object r0 names was: the next identity is
	// then tested on a live object (not answered 404 for one already
	// gone, which would hide its flaw), the DELETE happy path and the
	// other tests keep theirs, and the finding shows the creation of the
	// very object it deleted.
	var item *resource
	if op.Method == "DELETE" {
		item = e.itemOwned(op, r0, owner)
	}
	var fresh *request                     // r0 naming an object created for the probes
	var freshX *exchange                   // its creation
	shared := item == nil || !item.deleted // the object r0 names is still there
	for _, other := range e.ids {
		if other == r0.id || other.Config.HasRole("admin") || e.halted(ctx) {
			continue
		}
		if e.opts.Safe && op.Method != "GET" {
			continue
		}
		idx := satisfies(other, op)
		if idx < 0 {
			continue
		}
		target := r0
		if item != nil {
			if fresh == nil {
				fresh, freshX = e.freshItem(ctx, op, r0, item, "creates an object for a BOLA test of "+op.Key())
			}
			switch {
			case fresh != nil:
				target = fresh
			case !shared:
				// No object to delete is left: a probe now would be
				// answered 404 whatever the API checks.
				e.log.Warn("BOLA probe of a DELETE not sent: its object was deleted by an earlier test and no other could be created",
					"operation", op.Key(), "identity", other.Name())
				continue
			}
		}
		r, x := e.sendAs(ctx, target, other, idx)
		if x == nil {
			return
		}
		e.checkResponse(op, x, false, "bola as "+other.Name())
		if x.Status == 403 && !e.opts.NoProbes && op.Method == "GET" {
			e.existenceLeak(ctx, op, r, x)
		}
		if x.Status >= 200 && x.Status < 300 {
			xs := []*exchange{x}
			msg := fmt.Sprintf("%s created the object %s names; %s used it too and got %d.", owner, op.Key(), other.Name(), x.Status)
			if target == fresh && freshX != nil {
				a := *freshX
				a.Label = "as " + owner + " (owner): creates the object deleted next"
				xs = []*exchange{&a, x}
				msg = fmt.Sprintf("%s created an object (the first request) and %s deleted it through %s, which answered %d.", owner, other.Name(), op.Key(), x.Status)
			} else if hx := e.happyX[op]; hx != nil {
				a := *hx
				a.Label = "as " + owner + " (owner)"
				xs = []*exchange{&a, x}
			}
			e.add(RuleBOLA, op, "bola", msg,
				"401, 403 or 404 for another identity's object", fmt.Sprintf("%d as %s", x.Status, other.Name()), xs...)
			if op.Method == "DELETE" {
				e.markDeleted(op, target)
				if target == fresh {
					fresh, freshX = nil, nil
				} else {
					shared = false
				}
			}
		}
	}
}

// itemOwned returns the resource of owner that r, a request of op, names
// by op's last path parameter (the item a DELETE deletes), or nil when
// the path does not end with a parameter or the scan did not create
// that item. A live item comes first; one already deleted (by a test
// before) still says who creates another like it, and how.
func (e *engine) itemOwned(op *spec.Operation, r *request, owner string) *resource {
	var gone *resource
	for _, res := range e.itemResources(op, r) {
		if res.owner != owner || res.orphaned {
			continue
		}
		if !res.deleted {
			return res
		}
		gone = res
	}
	return gone
}

// itemResources returns the resources r, a request of op, names by op's
// last path parameter, under the parents the parameters before it name.
func (e *engine) itemResources(op *spec.Operation, r *request) []*resource {
	names := spec.TemplateNames(op.Path)
	if len(names) == 0 || !strings.HasSuffix(op.Path, "{"+names[len(names)-1]+"}") {
		return nil
	}
	coll := strings.TrimRight(strings.TrimSuffix(op.Path, "{"+names[len(names)-1]+"}"), "/")
	vals := pathValues(op.Path, r)
	var out []*resource
	for _, res := range e.resources {
		if res.in(coll, vals[:len(vals)-1], vals[len(vals)-1]) {
			out = append(out, res)
		}
	}
	return out
}

// freshItem has item's owner create another object like it, with the
// happy-path request of the operation that created item and under the
// same parents. It returns r0 naming the new object and the creating
// exchange, or nil when no object was created (no such request, a
// refusal, or an answer without an id).
func (e *engine) freshItem(ctx context.Context, op *spec.Operation, r0 *request, item *resource, label string) (*request, *exchange) {
	create := item.createdBy
	t := e.tmpl[create]
	if t == nil || e.halted(ctx) || e.refusedFresh[create] {
		// One refusal is enough: the next test would ask the same
		// owner for the same creation.
		return nil, nil
	}
	c := t.clone()
	setPathValues(c, create.Path, item.parents)
	if c.id == nil || c.noAuth || c.id.Name() != item.owner {
		var owner *identity.Identity
		for _, id := range e.ids {
			if id.Name() == item.owner {
				owner = id
			}
		}
		if owner == nil {
			return nil, nil
		}
		idx := satisfies(owner, create)
		if idx < 0 {
			return nil, nil
		}
		c.id, c.reqIdx, c.noAuth = owner, idx, false
	}
	// send learns what an accepted POST other than a happy path created.
	n := len(e.resources)
	x := e.send(ctx, c, label)
	if x.Err != nil {
		e.stop(x.Err)
		return nil, nil
	}
	e.checkResponse(create, x, true, "happy-path")
	if x.Status < 200 || x.Status >= 300 || len(e.resources) == n {
		e.log.Warn("could not create an object for a test of a DELETE", "operation", op.Key(), "create", create.Key(), "status", x.Status)
		if e.refusedFresh == nil {
			e.refusedFresh = map[*spec.Operation]bool{}
		}
		e.refusedFresh[create] = true
		return nil, nil
	}
	res := e.resources[n]
	r := r0.clone()
	setPathValues(r, op.Path, append(slices.Clone(res.parents), res.id))
	return r, x
}

// satisfies returns the first requirement of op the identity can meet.
func satisfies(id *identity.Identity, op *spec.Operation) int {
	for i, r := range op.Security {
		if len(r.Schemes) > 0 && id.Satisfies(r) {
			return i
		}
	}
	return -1
}

// markDeleted records that the item r named through op (a DELETE) is
// gone: the resource with that id under the same parents, and an id a
// listing showed for it or under it. The resources created under it
// (/items/7/notes/2 once /items/7 is deleted) are orphaned: tests no
// longer pick them, cleanup still tries them.
func (e *engine) markDeleted(op *spec.Operation, r *request) {
	for _, res := range e.itemResources(op, r) {
		res.deleted = true
	}
	names := spec.TemplateNames(op.Path)
	if len(names) == 0 || !strings.HasSuffix(op.Path, "{"+names[len(names)-1]+"}") {
		return
	}
	vals := pathValues(op.Path, r)
	itemKey := tmplKey(op.Path)
	for _, res := range e.resources {
		if len(res.parents) >= len(vals) && slices.Equal(res.parents[:len(vals)], vals) &&
			strings.HasPrefix(tmplKey(res.collection)+"/", itemKey+"/") {
			res.orphaned = true
		}
	}
	coll := tmplKey(strings.TrimSuffix(op.Path, "{"+names[len(names)-1]+"}"))
	for k, s := range e.seen {
		under := k == coll || strings.HasPrefix(k+"/", itemKey+"/")
		n := min(len(vals), len(s.parents)+1)
		if under && slices.Equal(append(slices.Clone(s.parents), s.id)[:n], vals[:n]) {
			delete(e.seen, k)
		}
	}
}

// replaceGone gives r, a request of a DELETE, an object of its own when
// the item it names was deleted by an earlier request the API accepted
// (a conformance, authentication or authorization test): sent for that
// item, the request would be answered 404 whatever the API checks, which
// hides its flaws. The item's owner creates another like it, as the
// BOLA probe's object is created; r is left as it is when none can be.
func (e *engine) replaceGone(ctx context.Context, r *request) {
	var gone *resource
	for _, res := range e.itemResources(r.op, r) {
		if !res.deleted || res.orphaned {
			// Live, or under a deleted parent: another like it could
			// not be created there.
			return
		}
		gone = res
	}
	if gone == nil {
		return
	}
	if fresh, _ := e.freshItem(ctx, r.op, r, gone, "creates an object for a test of "+r.op.Key()+" (its object was deleted by a test before)"); fresh != nil {
		r.params = fresh.params
		e.stats["objects_recreated"]++
	}
}

// cleanup deletes what the scan created and is still there, with the
// identity that created it, through the collection's DELETE operation.
func (e *engine) cleanup(ctx context.Context) {
	e.c.unlimited.Store(true)
	// Resources deleted by a DELETE happy path are already gone.
	for op, r := range e.tmpl {
		if op.Method == "DELETE" {
			e.markDeleted(op, r)
		}
	}
	if e.opts.Safe {
		return
	}
	for i := len(e.resources) - 1; i >= 0; i-- {
		res := e.resources[i]
		if res.deleted || ctx.Err() != nil {
			continue
		}
		var del *spec.Operation
		for _, op := range e.doc.Operations {
			if op.Method != "DELETE" || e.cfg.Op(op.Key()).Skip {
				continue
			}
			if _, ok := itemOf(op.Path, res.collection); ok {
				del = op
				break
			}
		}
		if del == nil {
			continue
		}
		r, _ := e.prepare(ctx, del, true)
		if r == nil {
			continue
		}
		for _, id := range e.ids {
			if id.Name() == res.owner {
				if idx := satisfies(id, del); idx >= 0 {
					r.id, r.reqIdx = id, idx
				}
			}
		}
		// The item under the parents it was created with.
		setPathValues(r, del.Path, append(slices.Clone(res.parents), res.id))
		x := e.send(ctx, r, "cleanup")
		if x.Err == nil && ((x.Status >= 200 && x.Status < 300) || x.Status == 404 || x.Status == 410) {
			res.deleted = true
			e.stats["resources_cleaned"]++
		}
	}
}

// sendAs replays r0 as another identity (satisfying requirement idx) for
// an authorization test. It returns nil when the request failed, after
// stopping the scan.
func (e *engine) sendAs(ctx context.Context, r0 *request, other *identity.Identity, idx int) (*request, *exchange) {
	r := r0.clone()
	r.id, r.reqIdx = other, idx
	x := e.send(ctx, r, "as "+other.Name())
	if x.Err != nil {
		if !e.stop(x.Err) {
			if e.authzNotRun == nil {
				e.authzNotRun = map[string]string{}
			}
			if _, seen := e.authzNotRun[other.Name()]; !seen {
				e.authzNotRun[other.Name()] = x.Err.Error()
				e.opts.Logger.Warn("authorization tests skipped for an identity", "identity", other.Name(), "error", x.Err)
			}
		}
		return r, nil
	}
	e.stats["authz_tests"]++
	return r, x
}
