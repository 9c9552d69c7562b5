package audit

import (
	"github.com/rampart-sec/rampart/internal/report"
)

// The score model (docs/audit.md): 100 = security 30 + data validation 70.
// Each finding subtracts points from its rule's category by severity; the
// points one rule can take are capped, so a weakness repeated a thousand
// times costs what a few occurrences cost and other weaknesses still show.

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

// ComputeScore scores a list of (unsuppressed) findings.
func ComputeScore(findings []report.Finding) report.Score {
	type acc struct {
		sum   float64
		worst report.Severity
	}
	byRule := map[string]*acc{}
	var order []string
	for _, f := range findings {
		a, ok := byRule[f.Rule]
		if !ok {
			a = &acc{worst: f.Severity}
			byRule[f.Rule] = a
			order = append(order, f.Rule)
		}
		a.sum += deduction[f.Severity]
		if f.Severity > a.worst {
			a.worst = f.Severity
		}
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
	return report.Score{Total: sec + data, Security: sec, Data: data}
}

// clampScore rounds half up and keeps the result within [0, max].
func clampScore(v float64) int {
	if v <= 0 {
		return 0
	}
	return int(v + 0.5)
}
