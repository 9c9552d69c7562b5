package audit

import (
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

// transferAPI is a money-transfer API anyone can call over plain http://,
// otherwise carefully bounded: the points alone (security 30, one rule at
// most half of it) let it score 85 and pass the suggested gate of 70.
const transferAPI = `openapi: 3.0.3
info: {title: Transfers, version: "1"}
servers:
  - url: http://api.bank.example
paths:
  /transfers:
    post:
      operationId: createTransfer
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Transfer'}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Transfer'}
        "400": {description: bad}
        "429":
          description: slow down
          headers:
            Retry-After:
              schema: {type: integer, format: int32, minimum: 0, maximum: 3600}
        default: {description: error}
components:
  schemas:
    Transfer:
      type: object
      additionalProperties: false
      required: [from, to, amount]
      properties:
        from: {type: string, maxLength: 34, pattern: '^[A-Z0-9]{1,34}$'}
        to: {type: string, maxLength: 34, pattern: '^[A-Z0-9]{1,34}$'}
        amount: {type: integer, format: int64, minimum: 1, maximum: 1000000}
`

// A critical finding caps the total at 40 and a high one at 60, under
// every profile, so the suggested --min-score 70 fails on either.
func TestSeverityCapsTheTotal(t *testing.T) {
	for _, p := range allProfiles {
		res := auditText(t, transferAPI, Options{Profile: p})
		worst := report.SeverityInfo
		for _, f := range res.Findings {
			worst = max(worst, f.Severity)
		}
		if worst < high {
			continue // public-read turns the anonymous operation off; http:// stays high
		}
		limit := 60
		if worst == critical {
			limit = 40
		}
		if res.Score.Total > limit {
			t.Errorf("%s: an unauthenticated transfer API over http:// with a %s finding scores %d, above %d", p, worst, res.Score.Total, limit)
		}
		if res.Score.Total >= 70 {
			t.Errorf("%s: scores %d and passes the suggested gate of 70", p, res.Score.Total)
		}
		if got := ScoreLimit(res); !strings.Contains(got, "capped at") {
			t.Errorf("%s: ScoreLimit %q does not name the cap", p, got)
		}
	}
	// The caps on findings alone, whatever their rule's category or cap.
	for _, tc := range []struct {
		f    report.Finding
		want int
	}{
		{report.Finding{Rule: "tls-http-server", Severity: high}, 60},
		{report.Finding{Rule: "data-string-no-maxlength", Severity: critical}, 40},
		{report.Finding{Rule: "data-string-no-maxlength", Severity: medium}, 98},
		// Unscored rules and info findings cap nothing.
		{report.Finding{Rule: "struct-warning", Severity: critical}, 100},
		// Broken requirements count through their charges only.
		{report.Finding{Rule: "sec-undefined-scheme", Severity: high}, 100},
	} {
		if got := ComputeScore([]report.Finding{tc.f}).Total; got != tc.want {
			t.Errorf("one %s %s: total %d, want %d", tc.f.Severity, tc.f.Rule, got, tc.want)
		}
	}
}

// bodyAPI takes a request body whose schema bounds nothing.
const bodyAPI = `openapi: 3.0.3
info: {title: Body, version: "1"}
servers: [{url: https://api.example.com}]
security: [{bearer: []}]
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Body'}
      responses:
        "201": {description: created}
        "400": {description: bad}
        "401": {description: unauthenticated}
        "403": {description: forbidden}
        "429":
          description: slow down
          headers:
            Retry-After:
              schema: {type: integer, format: int32, minimum: 0, maximum: 3600}
        default: {description: error}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
  schemas:
    Body:
      type: object
      properties:
        name: {type: string}
        tags: {type: array, items: {type: string}}
        count: {type: integer}
`

// A $ref that resolves to nothing hides what it should have pointed at:
// the definition with the typo must not score above the one without it
// (it scored 95 against 90), under any profile.
func TestUnresolvedRefNeverRaisesScore(t *testing.T) {
	broken := strings.Replace(bodyAPI, "schemas/Body'", "schemas/Bodyy'", 1)
	if broken == bodyAPI {
		t.Fatal("typo not applied")
	}
	for _, p := range allProfiles {
		fixed := auditText(t, bodyAPI, Options{Profile: p})
		typo := auditText(t, broken, Options{Profile: p})
		if len(findingsOf(typo, "struct-unresolved-ref")) != 1 {
			t.Fatalf("%s: want one struct-unresolved-ref, got %v", p, typo.Findings)
		}
		t.Logf("%s: fixed %v, typo %v", p, fixed.Score, typo.Score)
		if typo.Score.Total > fixed.Score.Total {
			t.Errorf("%s: the broken $ref scores %d, above the fixed definition (%d)", p, typo.Score.Total, fixed.Score.Total)
		}
		if typo.Score.Data != 0 {
			t.Errorf("%s: data %d with an unresolved $ref, want 0", p, typo.Score.Data)
		}
		if got := ScoreLimit(typo); !strings.Contains(got, "resolves to nothing") {
			t.Errorf("%s: ScoreLimit %q does not name the unresolved $ref", p, got)
		}
	}
}
