package scan

import "github.com/rampart-sec/rampart/internal/report"

// Rule identifiers of the scan. They are part of the report format:
// baselines and the fixture's manifest refer to them.
const (
	RuleHappyPathFailed   = "scan-happy-path-failed"
	RuleServerError       = "scan-server-error"
	RuleNegativeAccepted  = "scan-negative-accepted"
	RuleDuplicateParam    = "scan-duplicate-parameter-read"
	RuleDuplicateKey      = "scan-duplicate-json-key-read"
	RuleCaseVariantKey    = "scan-case-variant-key-read"
	RuleUndeclaredMethod  = "scan-undeclared-method"
	RuleUndeclaredStatus  = "scan-undeclared-status"
	RuleUndeclaredContent = "scan-undeclared-content-type"
	RuleResponseSchema    = "scan-response-schema"
	RuleResponseHeader    = "scan-response-header"
	RuleExcessiveData     = "scan-excessive-data"
	RuleBodyUnchecked     = "scan-response-body-unchecked"
	RuleAuthMissing       = "scan-auth-missing"
	RuleAuthInvalidToken  = "scan-auth-invalid-credential"
	RuleJWTAlgNone        = "scan-jwt-alg-none"
	RuleJWTExpired        = "scan-jwt-expired"
	RuleJWTWeakSecret     = "scan-jwt-weak-secret"
	RuleAuthPartial       = "scan-auth-partial"
	RuleAuthStatus        = "scan-auth-status"
	RuleBOLA              = "scan-bola"
	RuleBFLA              = "scan-bfla"

	// Stateful flows.
	RuleNotReadable       = "scan-resource-not-readable"
	RuleUseAfterFree      = "scan-use-after-free"
	RuleLeakage           = "scan-leakage"
	RuleHierarchy         = "scan-resource-hierarchy"
	RuleExistenceLeak     = "scan-existence-leak"
	RuleScenarioFailed    = "scan-scenario-failed"
	RuleTargetUnreachable = "scan-target-unresponsive"

	// Attack probes.
	RuleSQLi             = "scan-sqli"
	RuleNoSQLi           = "scan-nosqli"
	RuleCommandInjection = "scan-command-injection"
	RulePathTraversal    = "scan-path-traversal"
	RuleMassAssignment   = "scan-mass-assignment"
	RuleSSRF             = "scan-ssrf"
	RuleSensitiveData    = "scan-sensitive-data"
	RuleStackTrace       = "scan-stack-trace"
	RuleServerBanner     = "scan-server-banner"
	RuleHiddenEndpoint   = "scan-hidden-endpoint"
	RuleMethodOverride   = "scan-method-override"
	RulePathOverride     = "scan-path-override"
	RuleHeaderLookalike  = "scan-header-lookalike"
	RuleUserEnumeration  = "scan-user-enumeration"
	RuleNoRateLimit      = "scan-no-rate-limit"
	RuleUnboundedPage    = "scan-unbounded-page-size"
	RuleLargeBody        = "scan-large-body"
	RuleReDoS            = "scan-redos"

	// Transport and headers.
	RuleTLSVersion     = "scan-tls-legacy-version"
	RuleTLSCipher      = "scan-tls-weak-cipher"
	RuleTLSCertificate = "scan-tls-certificate"
	RuleTLSExpiry      = "scan-tls-expiry-soon"
	RuleHTTPSRedirect  = "scan-https-redirect"
	RuleHSTS           = "scan-hsts-missing"
	RuleNoSniff        = "scan-header-nosniff"
	RuleCacheControl   = "scan-cache-control"
	RuleCORS           = "scan-cors"
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
	{ID: RuleDuplicateParam, Title: "Repeated parameter read silently", Severity: report.SeverityLow, Family: "parser-differential", OWASP: "API8:2023", CWE: "CWE-235",
		Description: "With a query parameter or url-encoded form field given twice, once with a value the API refuses alone, the API answered 2xx in one order and 4xx in the other: it reads one occurrence and ignores the other. A gateway or firewall that checks the other occurrence is bypassed (HTTP parameter pollution).",
		Fix:         "Refuse a repeated scalar parameter with 400, or read every occurrence and validate each; put a firewall that refuses them in front (rampart protect does)."},
	{ID: RuleDuplicateKey, Title: "Duplicate JSON key read silently", Severity: report.SeverityLow, Family: "parser-differential", OWASP: "API8:2023", CWE: "CWE-235",
		Description: "With a JSON body naming one property twice, once with a value the API refuses alone, the API answered 2xx in one order and 4xx in the other: its parser keeps one duplicate and drops the other. A gateway or firewall whose parser keeps the other one is bypassed.",
		Fix:         "Refuse JSON objects with duplicate names (RFC 8259 says they should be unique; most parsers have a strict option); put a firewall that refuses them in front (rampart protect does)."},
	{ID: RuleCaseVariantKey, Title: "JSON property read under another case", Severity: report.SeverityLow, Family: "parser-differential", OWASP: "API8:2023", CWE: "CWE-178",
		Description: "With a JSON body carrying a property and the same name in another case (qty and QTY), one with a value the API refuses alone, the API answered 2xx in one order and 4xx in the other: it binds both names to one field. A validator or firewall that treats QTY as another (or unknown) property checks a value the API does not use.",
		Fix:         "Match property names exactly (Jackson's default; in Go decode with a case-sensitive decoder, as encoding/json/v2 does); put a firewall that refuses case variants in front (rampart protect does)."},
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
	{ID: RuleBodyUnchecked, Title: "Response body not validated", Severity: report.SeverityInfo, Family: "response",
		Description: "A response body the scan could not validate against its schema: longer than the scan reads (max_response_bytes, 1 MiB by default), holding a number too long to read, or too costly to validate. Its status, content type and headers were checked; a defect in the body itself (undeclared properties, wrong types) would go unreported.",
		Fix:         "Raise max_response_bytes in the scan configuration (up to 64 MiB) or check the body by hand; an API answering megabytes to one request may also want paging."},
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

	{ID: RuleNotReadable, Title: "Created resource not readable", Severity: report.SeverityMedium, Family: "stateful", OWASP: "API8:2023", CWE: "CWE-672",
		Description: "A resource the API just reported as created could not be read back with the id it returned.",
		Fix:         "Return the id (body or Location header) the resource is stored under, and make it readable once the create answers."},
	{ID: RuleUseAfterFree, Title: "Deleted resource still usable", Severity: report.SeverityHigh, Family: "stateful", OWASP: "API1:2023", CWE: "CWE-672",
		Description: "After a successful DELETE, the resource could still be read or modified.",
		Fix:         "Delete the resource for real, or make every operation treat a soft-deleted resource as absent (404)."},
	{ID: RuleLeakage, Title: "Failed create still creates", Severity: report.SeverityMedium, Family: "stateful", OWASP: "API8:2023", CWE: "CWE-459",
		Description: "A create request the API refused (4xx) still added a resource to the collection.",
		Fix:         "Validate before storing, and store in a transaction that is rolled back when the request fails."},
	{ID: RuleHierarchy, Title: "Child resource reachable through another parent", Severity: report.SeverityHigh, Family: "stateful", OWASP: "API1:2023", CWE: "CWE-639",
		Description: "A child resource was returned under a parent it does not belong to.",
		Fix:         "Look child resources up by parent and child id together, never by the child id alone."},
	{ID: RuleExistenceLeak, Title: "Resource existence leak (403 vs 404)", Severity: report.SeverityLow, Family: "stateful", OWASP: "API1:2023", CWE: "CWE-204",
		Description: "Another identity's resource is refused with a status that differs from the one for a missing resource, so ids can be enumerated.",
		Fix:         "Answer 404 both for missing resources and for resources the caller may not see."},
	{ID: RuleScenarioFailed, Title: "Scenario assertion failed", Severity: report.SeverityMedium, Family: "scenario",
		Description: "A step of a user-defined scenario did not meet its assertions.",
		Fix:         "Fix the behaviour the scenario describes, or the scenario."},
	{ID: RuleTargetUnreachable, Title: "Target stopped answering", Severity: report.SeverityMedium, Family: "availability", OWASP: "API4:2023", CWE: "CWE-400",
		Description: "Several requests in a row timed out or failed to connect; the scan stopped rather than wait on the target.",
		Fix:         "Find what made the API stop answering (the last requests are shown): a crash or exhaustion caused by input is a denial of service."},
	{ID: RuleSQLi, Title: "SQL injection", Severity: report.SeverityCritical, Family: "injection", OWASP: "API8:2023", CWE: "CWE-89",
		Description: "SQL metacharacters in an input produced a database error, a condition-dependent answer or a delay.",
		Fix:         "Use parameterised queries (prepared statements) for every value; never build SQL by concatenation."},
	{ID: RuleNoSQLi, Title: "NoSQL operator injection", Severity: report.SeverityCritical, Family: "injection", OWASP: "API8:2023", CWE: "CWE-943",
		Description: "A query operator ($ne, $gt, ...) passed in an input changed what the API returned.",
		Fix:         "Accept only the declared type for each input and never pass client objects or strings as query operators."},
	{ID: RuleCommandInjection, Title: "OS command injection", Severity: report.SeverityCritical, Family: "injection", OWASP: "API8:2023", CWE: "CWE-78",
		Description: "Shell metacharacters in an input ran a command (its output or delay shows in the answer).",
		Fix:         "Never pass input to a shell; call programs with an argument vector and validate the arguments."},
	{ID: RulePathTraversal, Title: "Path traversal", Severity: report.SeverityCritical, Family: "injection", OWASP: "API8:2023", CWE: "CWE-22",
		Description: "A ../ sequence in an input read a file outside the intended directory.",
		Fix:         "Resolve the path and check it stays under the allowed root (or map names to files through an allowlist)."},
	{ID: RuleMassAssignment, Title: "Mass assignment", Severity: report.SeverityHigh, Family: "authorization", OWASP: "API3:2023", CWE: "CWE-915",
		Description: "A read-only or privileged property sent in a create or update body was stored.",
		Fix:         "Bind request bodies to an explicit allowlist of writable fields; ignore or refuse the others."},
	{ID: RuleSSRF, Title: "Server-side request forgery", Severity: report.SeverityHigh, Family: "injection", OWASP: "API7:2023", CWE: "CWE-918",
		Description: "The API fetched a URL the scanner supplied (the canary listener received the request).",
		Fix:         "Fetch only allowlisted hosts, resolve and refuse private, loopback and link-local addresses, and disable redirects."},
	{ID: RuleSensitiveData, Title: "Sensitive data in a response", Severity: report.SeverityHigh, Family: "exposure", OWASP: "API3:2023", CWE: "CWE-200",
		Description: "A response carries a value for a property whose name denotes a secret or personal data.",
		Fix:         "Never return secrets; return personal data only to callers who need it, masked where possible."},
	{ID: RuleStackTrace, Title: "Stack trace or framework error page", Severity: report.SeverityMedium, Family: "exposure", OWASP: "API8:2023", CWE: "CWE-209",
		Description: "A response shows a stack trace or a framework's debug error page.",
		Fix:         "Return generic error bodies in production and log the details server-side."},
	{ID: RuleServerBanner, Title: "Server version banner", Severity: report.SeverityLow, Family: "exposure", OWASP: "API8:2023", CWE: "CWE-497",
		Description: "Server or X-Powered-By headers name the software and its version.",
		Fix:         "Remove X-Powered-By and version details from Server headers."},
	{ID: RuleHiddenEndpoint, Title: "Undocumented endpoint answers", Severity: report.SeverityHigh, Family: "exposure", OWASP: "API9:2023", CWE: "CWE-489",
		Description: "A common admin, debug or configuration path that the definition does not declare answered 2xx.",
		Fix:         "Remove debug and admin endpoints from production builds, or protect and document them."},
	{ID: RuleMethodOverride, Title: "Method override header obeyed", Severity: report.SeverityMedium, Family: "authorization", OWASP: "API5:2023", CWE: "CWE-650",
		Description: "The API runs the method named in X-HTTP-Method-Override (or X-HTTP-Method, X-Method-Override) instead of the request line's, so a gateway or firewall that authorizes by method can be bypassed (a DELETE sent as a POST).",
		Fix:         "Remove method-override middleware, or accept the field only for POST from trusted clients; refuse it at the edge (rampart protect does unless the operation declares it)."},
	{ID: RulePathOverride, Title: "Path override header obeyed", Severity: report.SeverityHigh, Family: "authorization", OWASP: "API5:2023", CWE: "CWE-288",
		Description: "The API serves the path named in X-Original-URL or X-Rewrite-URL instead of the request line's, so access rules a gateway or firewall applies by path can be bypassed.",
		Fix:         "Disable the framework's trust in these fields (Symfony: no X-Original-URL support behind untrusted proxies; IIS: strip them at the edge); rampart protect refuses them unless the operation declares them."},
	{ID: RuleHeaderLookalike, Title: "API key read from a lookalike header field", Severity: report.SeverityMedium, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-436",
		Description: "The API accepted its API key under the header name with '-' and '_' swapped (X_Api_Key for X-Api-Key), as CGI-style servers do; a gateway or firewall that checks the declared field can be sidestepped, and two spellings in one request may be read differently along the way.",
		Fix:         "Read the key from the declared field only, or drop header fields with underscores at the edge (nginx does by default); rampart protect refuses lookalikes of the fields it checks."},
	{ID: RuleUserEnumeration, Title: "User enumeration on login", Severity: report.SeverityMedium, Family: "authentication", OWASP: "API2:2023", CWE: "CWE-204",
		Description: "The login operation answers differently for an unknown user and for a wrong password.",
		Fix:         "Answer unknown users and wrong passwords with the same status and message (and similar timing)."},
	{ID: RuleNoRateLimit, Title: "No rate limiting on authentication", Severity: report.SeverityMedium, Family: "authentication", OWASP: "API4:2023", CWE: "CWE-307",
		Description: "A burst of failed attempts was never answered 429 Too Many Requests.",
		Fix:         "Throttle failed attempts per account and per client, answering 429 with Retry-After."},
	{ID: RuleUnboundedPage, Title: "Unbounded page size accepted", Severity: report.SeverityMedium, Family: "resource-consumption", OWASP: "API4:2023", CWE: "CWE-770",
		Description: "A paging parameter without a declared maximum accepted a huge value.",
		Fix:         "Declare and enforce a maximum page size (and declare it in the definition)."},
	{ID: RuleLargeBody, Title: "Very large request body accepted", Severity: report.SeverityMedium, Family: "resource-consumption", OWASP: "API4:2023", CWE: "CWE-770",
		Description: "A request body of several megabytes was accepted.",
		Fix:         "Limit request body size at the edge and in the application (and declare maxLength on strings)."},
	{ID: RuleReDoS, Title: "Regular-expression denial of service", Severity: report.SeverityHigh, Family: "resource-consumption", OWASP: "API4:2023", CWE: "CWE-1333",
		Description: "An input crafted against the declared pattern made the API answer far slower than usual.",
		Fix:         "Use a linear-time regular expression engine (RE2) or simplify the pattern, and bound input length before matching."},
	{ID: RuleTLSVersion, Title: "Legacy TLS version accepted", Severity: report.SeverityMedium, Family: "transport", OWASP: "API8:2023", CWE: "CWE-326",
		Description: "The server completes TLS 1.0 or 1.1 handshakes.",
		Fix:         "Accept TLS 1.2 and 1.3 only."},
	{ID: RuleTLSCipher, Title: "Weak TLS cipher suite accepted", Severity: report.SeverityMedium, Family: "transport", OWASP: "API8:2023", CWE: "CWE-327",
		Description: "The server negotiates cipher suites without forward secrecy or with CBC, 3DES or RC4.",
		Fix:         "Offer only ECDHE suites with AEAD ciphers (AES-GCM, ChaCha20-Poly1305)."},
	{ID: RuleTLSCertificate, Title: "Invalid TLS certificate", Severity: report.SeverityHigh, Family: "transport", OWASP: "API8:2023", CWE: "CWE-295",
		Description: "The certificate is not trusted, expired, not yet valid or does not name the host.",
		Fix:         "Serve a certificate from a trusted CA that names the host and is within its validity period."},
	{ID: RuleTLSExpiry, Title: "TLS certificate expires soon", Severity: report.SeverityLow, Family: "transport", OWASP: "API8:2023", CWE: "CWE-298",
		Description: "The certificate expires within 30 days.",
		Fix:         "Renew the certificate (automate renewal)."},
	{ID: RuleHTTPSRedirect, Title: "Plain HTTP not redirected to HTTPS", Severity: report.SeverityMedium, Family: "transport", OWASP: "API8:2023", CWE: "CWE-319",
		Description: "The API answers plain HTTP instead of redirecting to HTTPS.",
		Fix:         "Redirect every plain HTTP request to HTTPS (301/308), or do not listen on plain HTTP."},
	{ID: RuleHSTS, Title: "HSTS header missing", Severity: report.SeverityLow, Family: "headers", OWASP: "API8:2023", CWE: "CWE-319",
		Description: "An HTTPS response has no Strict-Transport-Security header.",
		Fix:         "Send Strict-Transport-Security: max-age=31536000 on every HTTPS response."},
	{ID: RuleNoSniff, Title: "X-Content-Type-Options missing", Severity: report.SeverityLow, Family: "headers", OWASP: "API8:2023", CWE: "CWE-693",
		Description: "A response has no X-Content-Type-Options: nosniff header, so browsers may sniff it as HTML.",
		Fix:         "Send X-Content-Type-Options: nosniff on every response."},
	{ID: RuleCacheControl, Title: "Authenticated response cacheable", Severity: report.SeverityLow, Family: "headers", OWASP: "API8:2023", CWE: "CWE-525",
		Description: "A response to an authenticated request has no Cache-Control: no-store (or private), so shared caches may keep it.",
		Fix:         "Send Cache-Control: no-store on responses to authenticated requests."},
	{ID: RuleCORS, Title: "Permissive CORS policy", Severity: report.SeverityHigh, Family: "headers", OWASP: "API8:2023", CWE: "CWE-942",
		Description: "The API allows an arbitrary or null origin (reflecting it in Access-Control-Allow-Origin), or * with credentials.",
		Fix:         "Allow only an explicit list of trusted origins; never reflect the Origin header or allow null."},
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
