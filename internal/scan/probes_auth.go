package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

var (
	passwordNameRe = regexp.MustCompile(`(?i)^(password|passwd|pass|pwd|secret|pin|passcode)$`)
	userNameRe     = regexp.MustCompile(`(?i)^(user(name)?|login|e-?mail|account|name|user_?id|handle|phone)$`)
)

// loginOp finds the login operation: an anonymous POST whose JSON or form
// body has a user name and a password property, with a working happy path.
// An operation the contract model classifies as a login
// (spec.CredentialKind, which the audit and the firewall also read) is
// preferred to one that only has such fields.
func (e *engine) loginOp() (op *spec.Operation, userField, passField string) {
	var fallback *spec.Operation
	fu, fp := "", ""
	for _, cand := range e.doc.Operations {
		r := e.tmpl[cand]
		if cand.Method != "POST" || cand.IsSecured() || r == nil {
			continue
		}
		u, p := loginFields(r.body)
		if u == "" || p == "" {
			continue
		}
		if e.doc.CredentialKind(cand) == spec.CredentialLogin {
			return cand, u, p
		}
		if fallback == nil {
			fallback, fu, fp = cand, u, p
		}
	}
	return fallback, fu, fp
}

// loginFields names a body's user name and password string properties.
func loginFields(b any) (user, pass string) {
	body, ok := b.(map[string]any)
	if !ok {
		return "", ""
	}
	for _, k := range sortedKeys(body) {
		if _, isStr := body[k].(string); !isStr {
			continue
		}
		switch {
		case passwordNameRe.MatchString(k) && pass == "":
			pass = k
		case userNameRe.MatchString(k) && user == "":
			user = k
		}
	}
	return user, pass
}

// userEnumeration sends two failed logins, a known user with a wrong
// password and an unknown user, and compares the answers (status, then
// body with the user names removed).
func (e *engine) userEnumeration(ctx context.Context) {
	op, uf, pf := e.loginOp()
	if op == nil || !e.mayWrite(op) {
		return
	}
	r0 := e.tmpl[op]
	body := r0.body.(map[string]any)
	known, _ := body[uf].(string)
	unknown := "rampart-nouser-" + token()
	if strings.Contains(known, "@") {
		unknown += "@example.invalid"
	}
	attempt := func(user, label string) *exchange {
		r := r0.clone()
		r.body = setPath(setPath(r0.body, []string{pf}, "rampart-Wrong-Pass-1"), []string{uf}, user)
		r.expectDenied = true
		e.stats["auth_tests"]++
		return e.send(ctx, r, label)
	}
	wrong := attempt(known, "known user, wrong password")
	if wrong.Err != nil {
		e.stop(wrong.Err)
		return
	}
	if wrong.Status >= 200 && wrong.Status < 300 {
		return // the login does not check passwords at all, or the body is not a login
	}
	missing := attempt(unknown, "unknown user")
	if missing.Err != nil {
		e.stop(missing.Err)
		return
	}
	if wrong.Status == http.StatusTooManyRequests || missing.Status == http.StatusTooManyRequests {
		return // throttled: the two answers say nothing about the users
	}
	var diff string
	if wrong.Status != missing.Status {
		diff = fmt.Sprintf("status %d for a wrong password, %d for an unknown user", wrong.Status, missing.Status)
	} else if a, b := stableBody(strip(wrong.RespBody, known, "")), stableBody(strip(missing.RespBody, unknown, "")); !bytes.Equal(a, b) {
		diff = fmt.Sprintf("different messages: %q vs %q", clip(string(bytes.TrimSpace(a)), 80), clip(string(bytes.TrimSpace(b)), 80))
	}
	if diff == "" {
		return
	}
	e.add(RuleUserEnumeration, op, "user-enumeration",
		fmt.Sprintf("%s tells unknown users from wrong passwords (%s).", op.Key(), diff),
		"the same answer for both", diff, wrong, missing)
}

// volatileKeys are per-response fields (request ids, times) that differ
// between any two answers and say nothing about the user.
var volatileKeys = map[string]bool{"request_id": true, "requestid": true, "trace_id": true, "traceid": true,
	"correlation_id": true, "correlationid": true, "timestamp": true, "time": true, "instance": true}

// stableBody drops volatile top-level fields from a JSON object body, so
// two answers compare by what they say.
func stableBody(b []byte) []byte {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return b
	}
	for k := range m {
		if volatileKeys[strings.ToLower(strings.ReplaceAll(k, "-", "_"))] || volatileKeys[strings.ToLower(k)] {
			delete(m, k)
		}
	}
	out, err := json.Marshal(m)
	if err != nil {
		return b
	}
	return out
}

// rateLimit (opt-in: --rate-limit-burst or rate_limit in the config)
// sends a burst of failed attempts, without the scan's rate limit, to the
// configured operation, or else to the login and to every other anonymous
// operation that checks a guess without side effects: one-time code checks
// and token grants (spec.CredentialKind). Sign-ups and password recovery
// are left out: each call creates an account or sends a message. A 429
// ends an operation's burst; an operation never answering 429 is a
// finding.
func (e *engine) rateLimit(ctx context.Context) {
	burst := e.opts.RateLimitBurst
	var op *spec.Operation
	if rl := e.cfg.RateLimit; rl != nil {
		if burst <= 0 {
			burst = rl.Burst
		}
		if rl.Operation != "" {
			for _, cand := range e.doc.Operations {
				if cand.Key() == normalizeOpKey(rl.Operation) {
					op = cand
				}
			}
		}
	}
	if burst <= 0 {
		return
	}
	for _, t := range e.burstTargets(op) {
		if !e.burstOne(ctx, t, burst) {
			return
		}
	}
}

// burstTarget is an operation to burst and, for a login, the fields that
// make each attempt a failed one.
type burstTarget struct {
	op               *spec.Operation
	userField, field string
}

// burstTargets lists the operations the burst goes to: the configured
// one, or the login and the anonymous one-time code checks and token
// grants, in the definition's order.
func (e *engine) burstTargets(configured *spec.Operation) []burstTarget {
	usable := func(op *spec.Operation) bool { return op != nil && e.tmpl[op] != nil && e.mayWrite(op) }
	if configured != nil {
		if !usable(configured) {
			e.stats["rate_limit_skipped"]++
			return nil
		}
		return []burstTarget{{op: configured}}
	}
	var out []burstTarget
	login, uf, pf := e.loginOp()
	if usable(login) {
		out = append(out, burstTarget{login, uf, pf})
	}
	for _, op := range e.doc.Operations {
		if op == login || op.IsSecured() || !usable(op) {
			continue
		}
		switch e.doc.CredentialKind(op) {
		case spec.CredentialOTP, spec.CredentialToken:
			out = append(out, burstTarget{op: op})
		}
	}
	if len(out) == 0 {
		e.stats["rate_limit_skipped"]++
	}
	return out
}

// burstOne sends one operation's burst; false means the scan stopped.
func (e *engine) burstOne(ctx context.Context, t burstTarget, burst int) bool {
	r := e.tmpl[t.op].clone()
	if t.field != "" {
		// One unknown account, always the same: per-account and per-client
		// throttling both apply, and no real account gets locked.
		r.body = setPath(setPath(r.body, []string{t.field}, "rampart-Wrong-Pass-1"), []string{t.userField}, "rampart-ratelimit-"+token())
		r.expectDenied = true
	}
	e.c.burst.Store(true)
	defer e.c.burst.Store(false)
	var last *exchange
	for i := 0; i < burst; i++ {
		if e.halted(ctx) {
			return false
		}
		e.stats["rate_limit_requests"]++
		x := e.send(ctx, r, fmt.Sprintf("burst %d/%d", i+1, burst))
		if x.Err != nil {
			e.stop(x.Err)
			return false
		}
		if x.Status == http.StatusTooManyRequests {
			return true
		}
		last = x
	}
	what := "requests"
	if kind := e.doc.CredentialKind(t.op); kind != spec.NotCredential {
		what = "attempts at a " + string(kind)
	}
	e.add(RuleNoRateLimit, t.op, "rate-limit",
		fmt.Sprintf("%d %s in a burst to %s were never answered 429.", burst, what, t.op.Key()),
		"429 Too Many Requests within the burst", fmt.Sprintf("last answer: %d", last.Status), last)
	return true
}

func normalizeOpKey(k string) string {
	m, p, ok := strings.Cut(strings.TrimSpace(k), " ")
	if !ok {
		return k
	}
	return strings.ToUpper(m) + " " + strings.TrimSpace(p)
}
