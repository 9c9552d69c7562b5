package audit

import (
	"sort"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// The score model (docs/audit.md): 100 = security 30 + data validation 70.
// Each finding subtracts points from its rule's category by severity; the
// points one rule can take are capped, so a weakness repeated a thousand
// times costs what a few occurrences cost and other weaknesses still show.
//
// The score never rises when a finding is added (a deduction only grows a
// rule's sum, and a worse severity only raises its cap), and never rises
// when an operation loses its security: an operation anyone can call is
// charged the responses it would be missing if it were secured (see
// authCharges), so the 401 and 403 findings it no longer gets are not a
// gain.

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

// anonymousRules report, one finding per operation, an operation anyone can
// call.
var anonymousRules = map[string]bool{"sec-op-no-security": true, "sec-write-no-security": true, "sec-empty-override": true}

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

// ComputeScore scores a list of (unsuppressed) findings alone. An audit's
// score also counts what its anonymous operations are charged (authCharges).
func ComputeScore(findings []report.Finding) report.Score {
	return scoreWith(findings, nil)
}

// scoreWith scores findings plus extra charges, each counted against its
// rule like a finding of that rule.
func scoreWith(findings []report.Finding, extra []charge) report.Score {
	type acc struct {
		sum   float64
		worst report.Severity
	}
	byRule := map[string]*acc{}
	var order []string
	add := func(rule string, sev report.Severity) {
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
		add(f.Rule, f.Severity)
	}
	for _, c := range extra {
		add(c.rule, c.severity)
	}
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
		d := a.sum
		if cap := ruleCap[a.worst] * points; d > cap {
			d = cap
		}
		lost[rule.Category] += d
	}
	sec := clampScore(securityPoints - lost[catSecurity])
	data := clampScore(dataPoints - lost[catData])
	sc := report.Score{Total: sec + data, Security: sec, Data: data}
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
// own finding (sec-op-no-security, sec-write-no-security or
// sec-empty-override): the resp-missing-401 and resp-missing-403 findings
// it would get if it were secured, for each of those responses it does
// not declare, at the rules' severities in this run. Securing the
// operation, the fix its finding proposes, then costs nothing more, and
// removing an operation's security never raises the score. Operations
// whose anonymous finding is suppressed or excluded are not charged, and
// nothing is charged where the response rules are off (public-read).
func (r *run) authCharges(op *spec.Operation) []charge {
	var out []charge
	for _, ar := range authResponses {
		if r.enabled(ar.rule) && !hasCode(op, ar.code, "4XX") {
			out = append(out, charge{ar.rule, r.severity(&pending{rule: rules[ar.rule]}), op.Key()})
		}
	}
	return out
}

// clampScore rounds half up and keeps the result within [0, max].
func clampScore(v float64) int {
	if v <= 0 {
		return 0
	}
	return int(v + 0.5)
}
