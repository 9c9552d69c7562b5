package audit

import (
	"fmt"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// The score model (docs/audit.md): 100 = security 30 + data validation 70.
// Each finding subtracts points from its rule's category by severity; the
// points one rule can take are capped, so a weakness repeated a thousand
// times costs what a few occurrences cost and other weaknesses still show.
// The total is then capped by the worst severity counted (totalCap), and
// an unresolved $ref takes the data category (unresolvedRule).
//
// The score never rises when a finding is added (a deduction only grows a
// rule's sum, and a worse severity only raises its cap), and never rises
// when an operation loses its security: an operation anyone can call is
// charged the responses it would be missing if it were secured (see
// authCharges), so the 401 and 403 findings it no longer gets are not a
// gain. Caps make this hold only when what goes and what comes count
// against the same rule: a rule at its cap absorbs a new finding while
// another rule's loss shows in full. Hence the charges below, which put
// back under the same rule what an edit could take away: a broken
// requirement is charged as the anonymous operation it amounts to
// (requirementCharges), and the admin operations an anonymous ordinary
// operation no longer shares its security with are charged as if it did
// (adminCharges).

// Deduction per finding, by severity.
var deduction = map[report.Severity]float64{
	report.SeverityCritical: 10,
	report.SeverityHigh:     5,
	report.SeverityMedium:   2,
	report.SeverityLow:      0.5,
	report.SeverityInfo:     0,
}

// Cap per rule, by the rule's worst severity among its findings, as a
// fraction of the category's points.
var ruleCap = map[report.Severity]float64{
	report.SeverityCritical: 0.5,
	report.SeverityHigh:     0.25,
	report.SeverityMedium:   0.12,
	report.SeverityLow:      0.04,
	report.SeverityInfo:     0,
}

const (
	securityPoints = 30
	dataPoints     = 70
)

// totalCap is the most a definition can score while a finding (or a
// charge) at a severity counts against it, whatever the rest of the
// definition is like. The points alone cannot say "this must not ship":
// security carries 30 of them and one rule at most half of those, so an
// API anyone can call over plain http:// kept 85 (75 under financial-rw)
// and passed the suggested gate of 70. A critical finding caps the total
// at 40, under the HTML report's red line (50), so no gate a team would
// call a gate passes it; a high one at 60, ten points under the suggested
// --min-score 70, so the gate fails on it without --fail-on. The profiles
// that need more (sensitive, financial-rw) get it by raising severities:
// the caps mean the same under every profile. A cap only falls when a
// finding is added or its severity rises, so the score stays monotone.
var totalCap = map[report.Severity]int{
	report.SeverityCritical: 40,
	report.SeverityHigh:     60,
}

// unresolvedRule reports a $ref that resolves to nothing. What it should
// have pointed at was never read, so none of its weaknesses were counted:
// fixing the reference could only bring findings. Its presence takes the
// whole data category, which the hidden schema could have cost in full, so
// that breaking a reference never raises the score (with the typo
// '#/components/schemas/Bodyy' a body's data findings vanished and the
// score rose from 90 to 95).
const unresolvedRule = "struct-unresolved-ref"

// anonymousRules report, one finding per operation, an operation anyone can
// call: sec-credential-unlimited reports an anonymous credential operation
// (a login, a sign-up ...), which the others leave to it.
var anonymousRules = map[string]bool{"sec-op-no-security": true, "sec-write-no-security": true, "sec-empty-override": true,
	"sec-credential-unlimited": true}

// capGroups count some rules against another rule's cap. sec-empty-override
// and sec-op-no-security report the same thing, a read anyone can call,
// spelt `security: []` under a global requirement or not: deleting the
// global requirement turns the first into the second, and with a cap each
// that could take a read off a rule below its cap and add it to one at its
// cap, raising the score.
var capGroups = map[string]string{"sec-empty-override": "sec-op-no-security"}

// requirementRules report a security requirement that is itself broken: it
// names an undefined scheme (nothing can enforce it), a scope the scheme
// does not define (no token carries it, or it is granted unchecked), or
// scopes a 2.0/3.0 non-OAuth scheme cannot carry (tools ignore or reject
// them). Their findings deduct nothing under their own rules: deleting the
// requirement deletes them, and the operation left anonymous is charged
// under another rule, perhaps at its cap. Instead each operation such a
// requirement covers is charged as the anonymous operation it may amount
// to (requirementCharges), so deleting the requirement changes the charge
// into a finding of the same rule, at a severity no lower.
var requirementRules = map[string]bool{"sec-undefined-scheme": true, "sec-scope-undefined": true, "sec-scopes-non-oauth": true}

// authResponses are the responses only a secured operation is expected to
// declare, by the rule that reports them missing.
var authResponses = []struct{ rule, code string }{{"resp-missing-401", "401"}, {"resp-missing-403", "403"}}

// charge is a deduction the score counts beside the findings; the report
// lists it (report.ScoreCharge).
type charge struct {
	rule      string
	severity  report.Severity
	operation string // "METHOD /path"
}

// ScoreLimit says what holds a result's score below its points, for the
// messages of a failed --min-score: the total's cap and the severity that
// set it, and a data category lost to an unresolved $ref; "" when
// neither applies. It reads the findings and charges of the report, as a
// reader reproducing the score would.
func ScoreLimit(res *report.SpecResult) string {
	if res == nil || res.Score == nil {
		return ""
	}
	worst, unresolved := report.SeverityInfo, false
	count := func(id string, sev report.Severity) {
		rule, ok := rules[id]
		if !ok || rule.Category == catNone || requirementRules[id] {
			return
		}
		worst = max(worst, sev)
		unresolved = unresolved || id == unresolvedRule
	}
	for _, f := range res.Findings {
		count(f.Rule, f.Severity)
	}
	for _, c := range res.Score.Charges {
		count(c.Rule, c.Severity)
	}
	var parts []string
	if c, ok := totalCap[worst]; ok && res.Score.Total == c && res.Score.Security+res.Score.Data > c {
		parts = append(parts, fmt.Sprintf("capped at %d while a %s finding remains", c, worst))
	}
	if unresolved {
		parts = append(parts, "data counted 0/70 while a $ref resolves to nothing")
	}
	return strings.Join(parts, "; ")
}

// ComputeScore scores a list of (unsuppressed) findings alone. An audit's
// score also counts what its anonymous operations are charged (authCharges).
func ComputeScore(findings []report.Finding) report.Score {
	return scoreWith(findings, nil)
}

// scoreWith scores findings plus extra charges, each counted against its
// rule (or its rule's cap group) like a finding of that rule. Findings of
// requirementRules count only through their charges.
func scoreWith(findings []report.Finding, extra []charge) report.Score {
	type acc struct {
		sum   float64
		worst report.Severity
	}
	byRule := map[string]*acc{}
	var order []string
	add := func(rule string, sev report.Severity) {
		if g, ok := capGroups[rule]; ok {
			rule = g
		}
		a, ok := byRule[rule]
		if !ok {
			a = &acc{worst: sev}
			byRule[rule] = a
			order = append(order, rule)
		}
		a.sum += deduction[sev]
		if sev > a.worst {
			a.worst = sev
		}
	}
	for _, f := range findings {
		if !requirementRules[f.Rule] {
			add(f.Rule, f.Severity)
		}
	}
	for _, c := range extra {
		add(c.rule, c.severity)
	}
	// The worst severity counted sets the total's cap (totalCap). It is
	// taken from what the sums count: the broken-requirement findings
	// count only through their charges, at a severity no higher than the
	// anonymous finding deleting the requirement brings, so deleting one
	// never lifts the cap.
	worst, unresolved := report.SeverityInfo, false
	lost := map[string]float64{}
	for _, id := range order {
		rule, ok := rules[id]
		if !ok || rule.Category == catNone {
			continue
		}
		points := float64(dataPoints)
		if rule.Category == catSecurity {
			points = securityPoints
		}
		a := byRule[id]
		worst = max(worst, a.worst)
		unresolved = unresolved || id == unresolvedRule
		d := a.sum
		if cap := ruleCap[a.worst] * points; d > cap {
			d = cap
		}
		lost[rule.Category] += d
	}
	sec := clampScore(securityPoints - lost[catSecurity])
	data := clampScore(dataPoints - lost[catData])
	if unresolved {
		data = 0
	}
	total := sec + data
	sc := report.Score{Total: total, Security: sec, Data: data}
	if c, ok := totalCap[worst]; ok && total > c {
		sc.Total, sc.Cap, sc.CappedBy = c, c, &worst
	}
	for _, c := range extra {
		sc.Charges = append(sc.Charges, report.ScoreCharge{Rule: c.rule, Severity: c.severity, Operation: c.operation})
	}
	sort.Slice(sc.Charges, func(i, j int) bool {
		a, b := sc.Charges[i], sc.Charges[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Rule < b.Rule
	})
	return sc
}

// authCharges returns what an anonymous operation is charged besides its
// own finding (sec-op-no-security, sec-write-no-security,
// sec-empty-override or sec-credential-unlimited): the resp-missing-401
// and resp-missing-403 findings it would get if it were secured, for each
// of those responses it does not declare, at the rules' severities in this
// run, and the resp-missing-429 finding it would get if
// sec-credential-unlimited did not ask for the 429 instead. Securing the
// operation, the fix its finding proposes, then costs nothing more, and
// removing an operation's security never raises the score. Operations
// whose anonymous finding is suppressed or excluded are not charged,
// nothing is charged where the response rules are off (public-read), and
// nothing where no scheme is defined: there is no secured state to
// compare with.
func (r *run) authCharges(op *spec.Operation) []charge {
	if len(r.doc.SecuritySchemes) == 0 {
		return nil
	}
	var out []charge
	for _, ar := range authResponses {
		if r.enabled(ar.rule) && !hasCode(op, ar.code, "4XX") {
			out = append(out, charge{ar.rule, r.severity(&pending{rule: rules[ar.rule]}), op.Key()})
		}
	}
	if c := r.credentials[op]; c != nil && c.reported && r.enabled("resp-missing-429") {
		out = append(out, charge{"resp-missing-429", r.severity(&pending{rule: rules["resp-missing-429"]}), op.Key()})
	}
	return out
}

// limitedCredentialCharges charges each anonymous credential operation
// the contract limits what authCharges charges an anonymous operation.
// Anonymous by design and limited, it has no finding; but it must not
// cost less than the same operation secured, which may lack its 401 and
// 403. Excluded operations are not charged. ordinary is set when one that
// is charged is not under an admin path (see adminCharges).
func (r *run) limitedCredentialCharges(excluded bitset) (out []charge, ordinary bool) {
	for i, op := range r.doc.Operations {
		c := r.credentials[op]
		if c == nil || !c.limited || (excluded != nil && excluded.has(i)) {
			continue
		}
		out = append(out, r.authCharges(op)...)
		ordinary = ordinary || !isAdminPath(op.Path)
	}
	return out, ordinary
}

// clampScore rounds half up and keeps the result within [0, max].
func clampScore(v float64) int {
	if v <= 0 {
		return 0
	}
	return int(v + 0.5)
}

// anonymousRule names the rule that would report op were it anonymous in
// place (its requirement replaced by `security: []`, or deleted where no
// global requirement applies), with the severity it would have; ok is
// false when that is not a weakening this run charges: no scheme is
// defined (sec-no-security covers every operation) or the rule is off. A
// read under a global requirement becomes sec-op-no-security instead when
// the global requirement is deleted: both rules must be on, and the lower
// severity is kept, so that either edit costs at least as much. A
// credential operation anonymous is reported only when nothing limits it
// (sec-credential-unlimited).
func (r *run) anonymousRule(op *spec.Operation) (id string, sev report.Severity, ok bool) {
	if len(r.doc.SecuritySchemes) == 0 {
		return "", 0, false
	}
	if r.doc.CredentialKind(op) != spec.NotCredential {
		const id = "sec-credential-unlimited"
		if rateLimited(r.doc, op) || !r.enabled(id) {
			return "", 0, false
		}
		return id, r.severity(&pending{rule: rules[id]}), true
	}
	ids := []string{"sec-write-no-security"}
	if !isWrite(op.Method) {
		ids = []string{"sec-op-no-security"}
		if len(r.doc.Security) > 0 {
			ids = []string{"sec-empty-override", "sec-op-no-security"}
		}
	}
	for i, rid := range ids {
		if !r.enabled(rid) {
			return "", 0, false
		}
		if s := r.severity(&pending{rule: rules[rid]}); i == 0 || s < sev {
			sev = s
		}
	}
	return ids[0], sev, true
}

// requirementCharges charges each operation a reported broken requirement
// covers (broken: operation index to the worst severity among those
// findings) as the anonymous operation it may amount to: one charge of the
// rule that would report it anonymous, at the lower of that rule's
// severity and the requirement finding's. Broken requirements are then
// never cheaper to delete than to keep, nor dearer than being anonymous.
// Operations already anonymous are charged by their own finding, and
// webhooks and callbacks, which need no credentials from the API, not at
// all.
func (r *run) requirementCharges(broken map[int]report.Severity) []charge {
	allOps := r.doc.AllOperations()
	var out []charge
	for i := range r.doc.Operations {
		worst, ok := broken[i]
		if !ok || !allOps[i].IsSecured() {
			continue
		}
		id, sev, ok := r.anonymousRule(allOps[i])
		if !ok {
			continue
		}
		out = append(out, charge{id, min(sev, worst), allOps[i].Key()})
	}
	return out
}

// adminCharges charges exp-admin-shared-security to each secured admin
// operation that no secured ordinary operation shares its security with
// (unshared, indexes into the operations), while an ordinary operation
// anyone can call is reported. The rule asks whether the contract shows
// the admin security to be held by ordinary callers; an anonymous ordinary
// operation shows nothing either way, so it gives no finding. But it is
// charged for itself, and securing it, the fix its finding proposes, may
// well put it on the admin operations' security: counting that worst case
// means that making the last ordinary operation that shared the admin
// security anonymous never raises the score. Excluded admin operations are
// not charged.
func (r *run) adminCharges(unshared []int, excluded bitset) []charge {
	const id = "exp-admin-shared-security"
	if !r.enabled(id) {
		return nil
	}
	sev := r.severity(&pending{rule: rules[id]})
	var out []charge
	for _, i := range unshared {
		if excluded == nil || !excluded.has(i) {
			out = append(out, charge{id, sev, r.opKeys[i]})
		}
	}
	return out
}
