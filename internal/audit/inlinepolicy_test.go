package audit

import (
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

// wildcardAPI is transferAPI with one suppression of every rule at its
// root: it hid all findings, the critical one included, and scored 100.
var wildcardAPI = strings.Replace(transferAPI, "info:", "x-rampart-ignore: {\"*\": accepted risk}\ninfo:", 1)

func mustConfig(t *testing.T, text string) *Config {
	t.Helper()
	cfg, err := ParseConfig([]byte(text))
	if err != nil {
		t.Fatalf("config %q: %v", text, err)
	}
	return cfg
}

func countSev(fs []report.Finding, s report.Severity) int {
	n := 0
	for _, f := range fs {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// By default an inline suppression hides findings up to high: a critical
// one stays, its message naming the suppression that was not applied.
func TestInlineIgnoreKeepsCriticalByDefault(t *testing.T) {
	res := auditText(t, wildcardAPI, Options{})
	crit := findingsOf(res, "sec-no-security")
	if len(crit) != 1 {
		t.Fatalf("the critical sec-no-security was suppressed: findings %v, suppressed %d", res.Findings, len(res.Suppressed))
	}
	if msg := crit[0].Message; !strings.Contains(msg, `x-rampart-ignore "accepted risk" not applied`) || !strings.Contains(msg, "inline-ignores-max-severity") {
		t.Errorf("the finding does not say its suppression was refused: %q", msg)
	}
	if countSev(res.Suppressed, critical) != 0 || countSev(res.Suppressed, high) == 0 {
		t.Errorf("suppressed %v: want the high ones and no critical", res.Suppressed)
	}
	if res.Score.Total > 40 {
		t.Errorf("score %d with a critical finding left", res.Score.Total)
	}
	// The configuration may allow it, deliberately.
	res = auditText(t, wildcardAPI, Options{Config: mustConfig(t, "inline-ignores-max-severity: critical\n")})
	if len(res.Findings) != 0 || res.Score.Total != 100 {
		t.Errorf("inline-ignores-max-severity: critical: findings %v, score %d", res.Findings, res.Score.Total)
	}
	// Or keep high findings too.
	res = auditText(t, wildcardAPI, Options{Config: mustConfig(t, "audit:\n  inline-ignores-max-severity: medium\n")})
	if countSev(res.Suppressed, high) != 0 || len(findingsOf(res, "tls-http-server")) != 1 {
		t.Errorf("inline-ignores-max-severity: medium suppressed a high finding: %v", res.Suppressed)
	}
}

// inline-ignores: deny makes every x-rampart-ignore suppress nothing.
func TestInlineIgnoresDeny(t *testing.T) {
	free := auditText(t, transferAPI, Options{})
	res := auditText(t, wildcardAPI, Options{Config: mustConfig(t, "inline-ignores: Deny\n")})
	if len(res.Suppressed) != 0 || len(res.Findings) != len(free.Findings) || res.Score.Total != free.Score.Total {
		t.Fatalf("deny: %d findings, %d suppressed, score %d; without the suppression %d findings, score %d",
			len(res.Findings), len(res.Suppressed), res.Score.Total, len(free.Findings), free.Score.Total)
	}
	for _, f := range res.Findings {
		if !strings.Contains(f.Message, "inline-ignores: deny") {
			t.Errorf("%s does not say the suppression was refused: %q", f.Rule, f.Message)
		}
	}
}

func TestInlineIgnoreConfigErrors(t *testing.T) {
	for text, want := range map[string]string{
		"inline-ignores: maybe\n":                    "inline-ignores must be allow or deny",
		"inline-ignores-max-severity: severe\n":      "inline-ignores-max-severity",
		"audit: {}\ninline-ignores: deny\n":          "outside the `audit` section",
		"inline-ignores: [deny]\n":                   "must be a single value",
		"audit:\n  inline-ignores-max-severity: x\n": "line 2",
	} {
		if _, err := ParseConfig([]byte(text)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", text, err, want)
		}
	}
	cfg := mustConfig(t, "inline-ignores: allow\ninline-ignores-max-severity: High\n")
	if cfg.InlineIgnores != "allow" || cfg.inlineRefusal(high) != "" || cfg.inlineRefusal(critical) == "" {
		t.Errorf("allow / High: %+v", cfg)
	}
}

// Every malformed entry of an x-rampart-ignore is reported, not the first
// alone: an empty reason beside an unknown rule reported only the rule.
func TestInlineIgnoreReportsEveryMalformedEntry(t *testing.T) {
	for name, ext := range map[string]string{
		"mapping": `{tls-http-server: "", no-such-rule: because}`,
		"list":    `[{rule: tls-http-server}, {rule: no-such-rule, reason: because}, 7]`,
		// A key rampart does not read: the entry is refused, not applied
		// without its condition.
		"list with an unknown key": `[{rule: tls-http-server, reason: accepted, until: 2027-01-01}, {rule: tls-http-server}, {rule: no-such-rule, reason: because}]`,
	} {
		t.Run(name, func(t *testing.T) {
			res := auditText(t, strings.Replace(transferAPI, "info:", "x-rampart-ignore: "+ext+"\ninfo:", 1), Options{})
			bad := findingsOf(res, "audit-ignore-invalid")
			if len(bad) != 1 {
				t.Fatalf("%d audit-ignore-invalid findings, want one at the extension: %v", len(bad), bad)
			}
			msg := bad[0].Message
			for _, want := range []string{`unknown rule "no-such-rule"`, `for "tls-http-server" has no reason`} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if name == "list" && !strings.Contains(msg, "{rule, reason} mappings") {
				t.Errorf("message %q lacks the entry that is not a mapping", msg)
			}
			if name == "list with an unknown key" && !strings.Contains(msg, `unknown key "until"`) {
				t.Errorf("message %q lacks the unknown key", msg)
			}
			// Malformed entries suppress nothing.
			if len(findingsOf(res, "tls-http-server")) != 1 {
				t.Errorf("tls-http-server suppressed without a reason")
			}
		})
	}
}
