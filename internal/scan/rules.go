package scan

import "github.com/rampart-sec/rampart/internal/report"

// Rule identifiers of the scan. They are part of the report format:
// baselines and the fixture's manifest refer to them.
const (
	RuleHappyPathFailed   = "scan-happy-path-failed"
	RuleServerError       = "scan-server-error"
	RuleNegativeAccepted  = "scan-negative-accepted"
	RuleUndeclaredMethod  = "scan-undeclared-method"
	RuleUndeclaredStatus  = "scan-undeclared-status"
	RuleUndeclaredContent = "scan-undeclared-content-type"
	RuleResponseSchema    = "scan-response-schema"
	RuleResponseHeader    = "scan-response-header"
	RuleExcessiveData     = "scan-excessive-data"
	RuleAuthMissing       = "scan-auth-missing"
	RuleAuthInvalidToken  = "scan-auth-invalid-credential"
	RuleJWTAlgNone        = "scan-jwt-alg-none"
	RuleJWTExpired        = "scan-jwt-expired"
	RuleJWTWeakSecret     = "scan-jwt-weak-secret"
	RuleAuthPartial       = "scan-auth-partial"
	RuleAuthStatus        = "scan-auth-status"
	RuleBOLA              = "scan-bola"
	RuleBFLA              = "scan-bfla"
)

var rules = []report.Rule{
	{ID: RuleHappyPathFailed, Title: "Happy path failed", Severity: report.SeverityInfo, Family: "scan",
		Description: "No in-contract request to the operation succeeded, so its other tests were skipped.",
		Fix:         "Give the operation a working example, or fixed values in the scan configuration (operations.<op>.params / body)."},
	{ID: RuleServerError, Title: "Server error", Severity: report.SeverityHigh, Family: "conformance", OWASP: "API8:2023", CWE: "CWE-755",
		Description: "The API answered 5xx: the input reached code that does not handle it.",
		Fix:         "Validate input before using it and answer 4xx for requests the API cannot serve."},
	{ID: RuleNegativeAccepted, Title: "Out-of-contract input accepted", Severity: report.SeverityMedium, Family: "conformance", OWASP: "API8:2023", CWE: "CWE-20",
		Description: "A request that violates the contract (wrong type, out of bounds, missing required, ...) was answered 2xx.",
		Fix:         "Validate requests against the contract and answer 400 (or 422) when they do not conform."},
	{ID: RuleUndeclaredMethod, Title: "Undeclared method accepted", Severity: report.SeverityMedium, Family: "conformance", OWASP: "API9:2023", CWE: "CWE-650",
		Description: "A method the definition does not declare on the path was answered 2xx instead of 405.",
		Fix:         "Route only the declared methods and answer 405 Method Not Allowed for the others."},
	{ID: RuleUndeclaredStatus, Title: "Undeclared status code", Severity: report.SeverityLow, Family: "response",
		Description: "A valid request got a status code the operation does not declare.",
		Fix:         "Declare the status in the definition or change the implementation."},
	{ID: RuleUndeclaredContent, Title: "Undeclared response content type", Severity: report.SeverityLow, Family: "response",
		Description: "The response's media type is not one the definition declares for that status.",
		Fix:         "Answer with a declared media type, or declare the one the API uses."},
	{ID: RuleResponseSchema, Title: "Response does not match its schema", Severity: report.SeverityMedium, Family: "response", CWE: "CWE-1287",
		Description: "The response body is not valid against the declared schema.",
		Fix:         "Fix the implementation or the schema so the response conforms."},
	{ID: RuleResponseHeader, Title: "Response header does not match the definition", Severity: report.SeverityLow, Family: "response",
		Description: "A declared response header is missing (when required) or invalid against its schema.",
		Fix:         "Send the header as declared."},
	{ID: RuleExcessiveData, Title: "Excessive data exposure", Severity: report.SeverityHigh, Family: "response", OWASP: "API3:2023", CWE: "CWE-213",
		Description: "The response carries properties its schema does not declare; undeclared data is how secrets and internal fields leak.",
		Fix:         "Serialise responses from an explicit allowlist of fields (a response DTO), never from the storage model."},
	{ID: RuleAuthMissing, Title: "Authentication not enforced", Severity: report.SeverityCritical, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-306",
		Description: "A secured operation answered 2xx to a request without credentials.",
		Fix:         "Enforce the operation's security requirement before running it."},
	{ID: RuleAuthInvalidToken, Title: "Invalid credential accepted", Severity: report.SeverityCritical, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-287",
		Description: "A secured operation answered 2xx to a malformed token or key.",
		Fix:         "Verify credentials (signature, lookup) instead of only checking that one is present."},
	{ID: RuleJWTAlgNone, Title: "Unsigned JWT (alg: none) accepted", Severity: report.SeverityCritical, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-347",
		Description: "The API accepted a JWT with alg none and no signature.",
		Fix:         "Pin the accepted algorithms when verifying tokens; never accept none."},
	{ID: RuleJWTExpired, Title: "Expired JWT accepted", Severity: report.SeverityHigh, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-613",
		Description: "The API accepted a correctly signed JWT whose exp is in the past.",
		Fix:         "Validate exp (and nbf) on every token, with a small clock skew at most."},
	{ID: RuleJWTWeakSecret, Title: "JWT signed with a guessable secret", Severity: report.SeverityCritical, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-521",
		Description: "The API's HMAC tokens are signed with a dictionary secret; anyone can mint tokens it accepts.",
		Fix:         "Sign with a random key of at least 256 bits from a secret store, or an asymmetric algorithm; rotate it."},
	{ID: RuleAuthPartial, Title: "Combined security requirement only partly enforced", Severity: report.SeverityCritical, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-287",
		Description: "An operation requiring several schemes together answered 2xx with one of them left out.",
		Fix:         "Check every scheme of an AND-ed security requirement."},
	{ID: RuleAuthStatus, Title: "Wrong status for missing or invalid credentials", Severity: report.SeverityLow, Family: "authentication", OWASP: "API2:2023",
		Description: "The API refused an unauthenticated request with 403 or 404 instead of 401, which hides the reason from clients and breaks token refresh.",
		Fix:         "Answer 401 with a WWW-Authenticate header when credentials are missing or invalid."},
	{ID: RuleBOLA, Title: "Broken object level authorization", Severity: report.SeverityCritical, Family: "authorization", OWASP: "API1:2023", CWE: "CWE-639",
		Description: "One identity could use a resource another identity created.",
		Fix:         "Check that the caller owns (or may access) the object on every request that names it."},
	{ID: RuleBFLA, Title: "Broken function level authorization", Severity: report.SeverityCritical, Family: "authorization", OWASP: "API5:2023", CWE: "CWE-285",
		Description: "An identity without the required role or scope could call the operation.",
		Fix:         "Enforce role and scope checks on the operation, not only in the client."},
}

// Rules returns the metadata of every scan rule.
func Rules() []report.Rule { return append([]report.Rule(nil), rules...) }

func ruleByID(id string) report.Rule {
	for _, r := range rules {
		if r.ID == id {
			return r
		}
	}
	return report.Rule{ID: id, Title: id}
}
