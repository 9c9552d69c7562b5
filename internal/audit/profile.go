package audit

import (
	"fmt"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
)

// Profile is a risk profile: it changes severities, disables rules that do
// not fit the risk, enables profile-only rules, and lists what the
// definition cannot express as manual checks.
type Profile struct {
	Name        string
	Description string
	// Severity replaces a rule's severity in both directions.
	Severity map[string]report.Severity
	// RequestSeverity replaces the request-side severity of a rule.
	RequestSeverity map[string]report.Severity
	Disabled        map[string]bool
	ManualChecks    []string
}

var dataRequestRules = []string{"data-string-no-maxlength", "data-string-no-pattern", "data-number-unbounded", "data-array-no-maxitems",
	"data-array-no-items", "data-object-open", "data-object-no-properties", "data-schema-no-type", "data-param-no-schema",
	"data-path-param-unconstrained", "data-pattern-unanchored"}

func raise(ids []string, s report.Severity) map[string]report.Severity {
	out := map[string]report.Severity{}
	for _, id := range ids {
		out[id] = s
	}
	return out
}

var profiles = []*Profile{
	{Name: "public-read", Description: "Read-only open data: anonymous reads are intended; writes must still be secured and inputs bounded.",
		Disabled: map[string]bool{"sec-op-no-security": true, "sec-empty-override": true, "sec-no-security": true, "resp-missing-401": true, "resp-missing-403": true, "exp-numeric-id": true},
		Severity: map[string]report.Severity{"exp-sensitive-data": critical},
		ManualChecks: []string{
			"Confirm that every anonymous operation returns only data meant to be public.",
			"Confirm rate limits and caching protect anonymous read endpoints from scraping and resource exhaustion.",
		}},
	{Name: "default", Description: "General-purpose API: the severities of the rule catalogue."},
	{Name: "sensitive", Description: "Personal data (GDPR, HIPAA): exposure and authorization rules are raised, unbounded request input is high.",
		Severity: map[string]report.Severity{
			"exp-sensitive-data": critical, "sec-op-no-security": high, "sec-write-no-security": critical,
			"data-mass-assignment": critical, "exp-numeric-id": medium, "sec-apikey-query": critical,
			"tls-http-server": critical, "resp-no-schema": medium, "exp-admin-shared-security": high,
			"sec-credential-unlimited": critical,
		},
		RequestSeverity: raise([]string{"data-string-no-maxlength", "data-object-open", "data-object-no-properties", "data-schema-no-type"}, high),
		ManualChecks: []string{
			"Confirm personal data in responses is minimised to what each client needs (data minimisation).",
			"Confirm object-level authorization is enforced for every identifier in paths and bodies.",
			"Confirm access to personal data is logged without logging the data itself.",
		}},
	{Name: "financial-rw", Description: "FAPI 2.0 / UK Open Banking read-write: authorization code only, mutual TLS for sender-constrained tokens, no API keys or basic auth, every operation secured, every input bounded.",
		Severity: map[string]report.Severity{
			"sec-op-no-security": critical, "sec-write-no-security": critical, "sec-empty-override": critical,
			"sec-http-basic": critical, "sec-apikey-query": critical, "sec-apikey-cookie": critical,
			"sec-oauth-implicit": critical, "sec-oauth-password": critical, "sec-insecure-url": critical, "tls-http-server": critical,
			"tls-server-variable-http": high, "sec-scope-undefined": high, "exp-sensitive-data": critical,
			"data-mass-assignment": critical, "exp-admin-shared-security": high, "resp-missing-429": medium,
			"sec-credential-unlimited": critical,
		},
		RequestSeverity: raise(dataRequestRules, high),
		ManualChecks: []string{
			"PKCE (S256) is required on the authorization code flow: OpenAPI cannot express it.",
			"Pushed Authorization Requests (PAR, RFC 9126) are required: OpenAPI cannot express it.",
			"Sender-constrained access tokens: certificate-bound (RFC 8705) via mutualTLS, or DPoP (RFC 9449), which OpenAPI cannot express.",
			"Authorization server metadata (RFC 8414) and issuer identification in responses (RFC 9207).",
			"Access token lifetime and refresh token rotation.",
			"Idempotency keys (x-idempotency-key) on payment initiation and consent creation.",
			"Signed request objects or JAR/JARM, if required by the ecosystem (UK Open Banking uses x-jws-signature).",
		}},
}

// Profiles lists the risk profiles.
func Profiles() []*Profile { return profiles }

// ProfileByName finds a profile; "" is "default".
func ProfileByName(name string) (*Profile, error) {
	if name == "" {
		name = "default"
	}
	var names []string
	for _, p := range profiles {
		if p.Name == name {
			return p, nil
		}
		names = append(names, p.Name)
	}
	return nil, fmt.Errorf("unknown profile %q (want one of %s)", name, strings.Join(names, ", "))
}

// checkProfile records what the profile needs checked by hand beyond its
// static list (nothing definition-specific yet, but kept as the hook for
// profile rules that depend on the whole definition).
func (r *run) checkProfile() {
	if r.profile.Name == "financial-rw" {
		for _, s := range r.doc.SecuritySchemes {
			if s.Type == "oauth2" {
				if f, ok := s.Flows["authorizationCode"]; ok && f != nil {
					return
				}
			}
		}
		r.manual = append(r.manual, "No OAuth 2.0 authorization code flow is declared: FAPI user consent and PKCE cannot be checked from this definition.")
	}
}
