// Package audit is Rampart's static security audit of an OpenAPI definition:
// it walks the normalised contract (internal/spec), reports each weakness
// once where it is defined, scores the definition and applies risk
// profiles, configuration, inline suppressions and baselines.
package audit

import (
	"sort"

	"github.com/rampart-sec/rampart/internal/report"
)

// Score categories: the 100-point score is security (30) + data (70).
const (
	catSecurity = "security"
	catData     = "data"
	catNone     = "" // reported, never scored (e.g. a malformed suppression)
)

// Rule is one audit check. Severity applies to request-side (or
// direction-less) occurrences; ResponseSeverity to weaknesses reached only
// from responses, when Directional is set.
type Rule struct {
	ID               string
	Title            string
	Description      string
	Fix              string
	Family           string
	Category         string
	Severity         report.Severity
	ResponseSeverity report.Severity
	Directional      bool
	OWASP            string
	CWE              string
	// Profiles restricts the rule to these profiles; empty means every one.
	Profiles []string
}

// Report converts the rule to the shared report metadata.
func (r *Rule) Report() report.Rule {
	return report.Rule{ID: r.ID, Title: r.Title, Description: r.Description, Fix: r.Fix,
		Severity: r.Severity, OWASP: r.OWASP, CWE: r.CWE, Family: r.Family}
}

const (
	famAuth      = "authentication"
	famTransport = "transport"
	famData      = "data-validation"
	famResponses = "responses"
	famExposure  = "exposure"
	famStructure = "structure"
	famProfile   = "profile"
	famMeta      = "suppressions"
)

const (
	info     = report.SeverityInfo
	low      = report.SeverityLow
	medium   = report.SeverityMedium
	high     = report.SeverityHigh
	critical = report.SeverityCritical
)

// dir builds a directional rule's severities.
func dir(req, resp report.Severity) (report.Severity, report.Severity, bool) { return req, resp, true }

var rules = buildRegistry()

func buildRegistry() map[string]*Rule {
	list := []*Rule{
		// Authentication.
		{ID: "sec-no-security", Family: famAuth, Category: catSecurity, Severity: critical, OWASP: "API2:2023", CWE: "CWE-306",
			Title:       "No security scheme",
			Description: "The definition declares no security scheme, so every operation can be called without credentials.",
			Fix:         "Define a security scheme (components.securitySchemes, or securityDefinitions in 2.0) and require it at the top level."},
		{ID: "sec-op-no-security", Family: famAuth, Category: catSecurity, Severity: medium, OWASP: "API2:2023", CWE: "CWE-306",
			Title:       "Read operation without security",
			Description: "A read operation (GET, HEAD, OPTIONS, TRACE, QUERY) can be called anonymously: it has no security requirement, or one of its alternatives is the empty requirement {}. A login read with GET is left to sec-credential-unlimited.",
			Fix:         "Add a security requirement to the operation or at the top level; if the data is public on purpose, use the public-read profile."},
		{ID: "sec-write-no-security", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-306",
			Title:       "Write operation without security",
			Description: "An operation that may change state (POST, PUT, PATCH, DELETE, or any other method that is not a read, such as an OpenAPI 3.2 PURGE) can be called anonymously: it has no security requirement, declares `security: []` against the top-level one, or one of its alternatives is the empty requirement {}. A login, sign-up, password recovery, one-time code check or token grant is anonymous by design and left to sec-credential-unlimited.",
			Fix:         "Require authentication on every operation that changes state."},
		{ID: "sec-empty-override", Family: famAuth, Category: catSecurity, Severity: medium, OWASP: "API2:2023", CWE: "CWE-306",
			Title:       "Read operation switches off global security",
			Description: "A read operation declares `security: []`, which removes the top-level security requirement for it (on a write operation this is sec-write-no-security; on a login, sec-credential-unlimited judges it).",
			Fix:         "Remove the empty security list so the global requirement applies, or document why the operation is public."},
		{ID: "sec-credential-unlimited", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-307",
			Title:       "Credential operation without a rate limit",
			Description: "An operation anyone can call that takes a secret (a login, sign-up, password recovery, one-time code check or token grant) declares nothing that limits how often it can be called: no 429 response and no `x-rampart-rate-limit`. Such an operation is anonymous by design, so it is not reported as an operation without security (requiring a token to log in would lock every user out); but each call is a guess, so without a limit passwords, codes and tokens can be tried, and accounts enumerated, as fast as the server answers. It is recognised by the words of its path and operationId (login, signin, register, signup, forgot, reset, otp, mfa, verify, token) together with a secret among its fields (password, otp or code, grant_type or refresh_token), or by a small body of a user name and a password.",
			Fix:         "Limit attempts per client and per account (`x-rampart-rate-limit`, which rampart protect enforces, or the API's own limiter) and declare the 429 response with Retry-After."},
		{ID: "sec-undefined-scheme", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-287",
			Title:       "Security requirement names an undefined scheme",
			Description: "A security requirement refers to a scheme that is not declared, so the requirement cannot be enforced.",
			Fix:         "Declare the scheme or correct its name in the requirement."},
		{ID: "sec-http-basic", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-522",
			Title:       "HTTP basic or digest authentication",
			Description: "Basic authentication sends a reusable password with every request; digest relies on MD5 and shared passwords. Neither offers expiry or scoping.",
			Fix:         "Use OAuth 2.0 (authorization code) or short-lived bearer tokens instead of passwords on every request."},
		{ID: "sec-apikey-query", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-598",
			Title:       "API key in the query string",
			Description: "An API key passed in the URL ends up in server, proxy and browser logs and in Referer headers.",
			Fix:         "Pass the key in a request header (in: header)."},
		{ID: "sec-apikey-cookie", Family: famAuth, Category: catSecurity, Severity: medium, OWASP: "API2:2023", CWE: "CWE-352",
			Title:       "API key in a cookie",
			Description: "A credential sent automatically by browsers in a cookie exposes the API to cross-site request forgery.",
			Fix:         "Pass the key in a request header, or add CSRF protection and SameSite cookies."},
		{ID: "sec-apikey-header-underscore", Family: famAuth, Category: catSecurity, Severity: low, OWASP: "API2:2023", CWE: "CWE-436",
			Title:       "API key header name with an underscore",
			Description: "nginx drops header fields with underscores unless underscores_in_headers is on, so the key silently never arrives behind it; CGI, WSGI and PHP servers read X_Api_Key and X-Api-Key as one HTTP_X_API_KEY, so a gateway checking one spelling can be sidestepped with the other.",
			Fix:         "Name the header with dashes (X-Api-Key)."},
		{ID: "sec-request-line-override", Family: famAuth, Category: catSecurity, Severity: medium, OWASP: "API5:2023", CWE: "CWE-650",
			Title:       "Operation accepts a method or path override header",
			Description: "The operation declares X-HTTP-Method-Override (or X-HTTP-Method, X-Method-Override, X-Original-URL, X-Rewrite-URL, X-Override-URL). Express, Rails, Laravel, Symfony and ASP.NET run the method or serve the path such a field names, so every gateway, WAF or firewall that authorizes by the request line can be led to approve one operation while the API runs another.",
			Fix:         "Drop the override: clients that cannot send PUT, PATCH or DELETE are rare today. If it must stay, authorize in the API on the method and path it finally runs."},
		{ID: "sec-credential-in-query", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-598",
			Title:       "Credential in a query parameter",
			Description: "A query parameter's name says it carries a password, secret, token, key, JWT, one-time password, PIN, session cookie (JSESSIONID, or a session id its description ties to a login) or Authorization/auth/bearer credentials, or it is a signed URL's signature (X-Amz-Signature, or Signature beside an expiry or a key id). URLs end up in server, proxy and browser logs and in Referer headers.",
			Fix:         "Send the credential in a header (Authorization) or in the request body, never in the URL."},
		{ID: "sec-bearer-no-format", Family: famAuth, Category: catSecurity, Severity: low, OWASP: "API2:2023", CWE: "CWE-287",
			Title:       "Bearer scheme without bearerFormat",
			Description: "A bearer scheme that does not say what its tokens are (JWT, opaque) leaves the firewall and clients unable to check them.",
			Fix:         "Set bearerFormat (for example JWT)."},
		{ID: "sec-oauth-implicit", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-287",
			Title:       "OAuth 2.0 implicit flow",
			Description: "The implicit flow returns access tokens in the browser's URL fragment; OAuth 2.0 Security BCP (RFC 9700) forbids it.",
			Fix:         "Use the authorization code flow with PKCE."},
		{ID: "sec-oauth-password", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-522",
			Title:       "OAuth 2.0 password flow",
			Description: "The resource owner password credentials flow hands the user's password to the client; RFC 9700 forbids it.",
			Fix:         "Use the authorization code flow with PKCE (users) or client credentials (machines)."},
		{ID: "sec-insecure-url", Family: famAuth, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-319",
			Title:       "Authentication URL without TLS",
			Description: "An OAuth authorization, token or refresh URL, or an OpenID Connect discovery URL, uses http://, so credentials and tokens travel in clear text.",
			Fix:         "Use https:// URLs."},
		{ID: "sec-scope-undefined", Family: famAuth, Category: catSecurity, Severity: medium, OWASP: "API5:2023", CWE: "CWE-285",
			Title:       "Security requirement uses an undefined scope",
			Description: "An operation requires an OAuth scope the scheme does not define, so no token can ever carry it, or the authorization server grants it unchecked.",
			Fix:         "Define the scope in the scheme's flows or correct its name."},
		{ID: "sec-scope-unused", Family: famAuth, Category: catSecurity, Severity: info, OWASP: "API5:2023", CWE: "CWE-285",
			Title:       "OAuth scope never required",
			Description: "A scope is defined but no operation requires it: operations may be less restricted than intended.",
			Fix:         "Require the scope on the operations it protects, or remove it."},
		{ID: "sec-scopes-non-oauth", Family: famAuth, Category: catSecurity, Severity: medium, OWASP: "API5:2023", CWE: "CWE-285",
			Title:       "Scopes on a non-OAuth scheme (2.0/3.0)",
			Description: "Before OpenAPI 3.1, a requirement on a non-OAuth2/OpenID Connect scheme must have an empty scope list; tools ignore or reject the roles written there.",
			Fix:         "Move to OpenAPI 3.1 (which allows roles there) or express the roles another way."},

		// Transport.
		{ID: "tls-http-server", Family: famTransport, Category: catSecurity, Severity: high, OWASP: "API8:2023", CWE: "CWE-319",
			Title:       "Server URL without TLS",
			Description: "A server is reachable over plain http:// or an unencrypted WebSocket ws:// (a templated URL is judged with its variables' defaults), so credentials and data travel in clear text. A server on this machine (localhost, a name under .localhost, a loopback or unspecified address, judged on the parsed host) is reported two levels lower, as low.",
			Fix:         "Serve the API over https:// only."},
		{ID: "tls-server-variable-http", Family: famTransport, Category: catSecurity, Severity: medium, OWASP: "API8:2023", CWE: "CWE-319",
			Title:       "Server variable allows http",
			Description: "A templated server URL has a variable with an allowed value that, the other variables at their defaults, selects plain http or ws (when the defaults themselves give it, tls-http-server reports the server).",
			Fix:         "Remove http from the variable's enum and default."},
		{ID: "tls-no-servers", Family: famTransport, Category: catSecurity, Severity: low, OWASP: "API9:2023", CWE: "CWE-1059",
			Title:       "No servers declared",
			Description: "Without servers (or host and schemes in 2.0), or with a server that names no scheme (a 2.0 host without schemes, a 3.x //host URL), the transport the API uses is undocumented and clients guess.",
			Fix:         "Declare the API's https:// servers."},

		// Data validation.
		{ID: "data-string-no-maxlength", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-400",
			Title:       "String without a length limit",
			Description: "A string accepts any length: no maxLength, enum, const, length-bounding format (date, uuid, ...) or anchored pattern with bounded repetition, on the schema or on what it must also satisfy (its $ref target, its allOf members, the schema that holds it as a member). Binary and base64 strings are judged as uploads.",
			Fix:         "Set maxLength (or a bounded, anchored pattern)."},
		{ID: "data-string-no-pattern", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-20",
			Title:       "String without pattern, format or enum",
			Description: "A string accepts any characters: nothing restricts its content.",
			Fix:         "Set a pattern, a format or an enum."},
		{ID: "data-pattern-unanchored", Family: famData, Category: catData, OWASP: "API8:2023", CWE: "CWE-625",
			Title:       "Pattern not anchored",
			Description: "A pattern without ^ and $ matches any string that merely contains a match, so it restricts almost nothing.",
			Fix:         "Anchor the pattern: ^...$."},
		{ID: "data-pattern-redos", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-1333",
			Title:       "Pattern can backtrack catastrophically",
			Description: "A pattern has nested or overlapping unbounded repetition. Go's RE2 runs it in linear time, but a backtracking engine in the backend (Java, JavaScript, Python, PCRE) can take exponential time on a crafted input (ReDoS).",
			Fix:         "Rewrite the pattern without nested quantifiers or overlapping alternatives, and bound the string with maxLength."},
		{ID: "data-pattern-cost", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-1333",
			Title:       "Pattern whose matching cost grows with the string",
			Description: "A linear-time engine such as RE2 can have to run hundreds of a pattern's instructions at every character of a string. It runs the whole program when the pattern can match anywhere in a string (it does not start with ^) and the program is large (a counted repetition {1,1000} in its middle is a thousand instructions), unless the pattern starts with a literal whose occurrences are few (arn:... with a bounded length is not reported: a match goes on only where arn: occurs) or every alternative starts with ^ ((^$)|(^arn:...$)); for an anchored pattern, as many as one string can keep alive at once, which grows with repetitions that overlap (^[a-z]{0,1000}[a-z]{0,1000}$: a string can be at any split between the two). One long string can then take seconds to match, and a backtracking engine is worse. rampart protect counts the strings matched against such patterns and refuses a body beyond 67 million steps (body-too-costly).",
			Fix:         "Anchor the pattern (^...$), which is usually what was meant, or move a large repetition to the pattern's end, where its upper bound changes nothing; make adjacent repetitions match disjoint characters (^[a-z]{0,1000}$ instead of two [a-z] runs)."},
		{ID: "data-validation-cost", Family: famData, Category: catData, Severity: medium, OWASP: "API4:2023", CWE: "CWE-407",
			Title:       "Schema whose validation cost grows with nesting",
			Description: "A request body's schema holds a oneOf/anyOf that reaches itself through branches validating values under the same name (Node: oneOf [{required: [name], properties: {children: [Node]}}, {required: [id], properties: {children: [Node]}}]), or compositions that apply many schemas to one value. JSON Schema validators validate every branch of a union, so each level of nesting multiplies the work: a body of a few hundred bytes nested 30 deep can take hours of CPU in the API's own validator. rampart protect counts the work before validating and refuses such bodies (body-too-costly); unions a property selects (a discriminator, or a const per branch) are validated through the selected branch only.",
			Fix:         "Tell the branches apart by a property: a discriminator, or a required property with a const per branch (op: {const: and}); or declare the recursive property once, outside the union."},
		{ID: "data-pattern-unsupported", Family: famData, Category: catData, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Pattern RE2 cannot run",
			Description: "A pattern uses backreferences or lookaround, which Go's RE2 engine cannot compile, so the firewall cannot enforce it; or it repeats a group, or an item between others of variable length, more than the 1000 times RE2 can count (^(ab|c){0,2048}$), so the firewall enforces it without that upper bound (a single character repeated so in a pattern anchored at both ends, ^[a-z]{1,2048}$, is enforced exactly, through the string's length); or it is past the definition's budget: all its patterns together may compile to at most 1,048,576 RE2 instructions (a{1000} is a thousand), since compiling takes time and memory in that size. (\\uXXXX escapes and Java's POSIX classes such as \\p{Alnum} are read as RE2 spells them, and need no change.)",
			Fix:         "Rewrite the pattern in the RE2 subset (no lookaround or backreferences, repetitions of at most 1000), and bound the string with maxLength."},
		{ID: "data-number-unbounded", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-1284",
			Title:       "Number without minimum or maximum",
			Description: "A number or integer lacks a lower or an upper bound (a bound beyond the int64 range counts as none).",
			Fix:         "Set minimum and maximum."},
		{ID: "data-number-no-format", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-1284",
			Title:       "Number without format",
			Description: "A number or integer without format (int32, int64, float, double) leaves its size to each implementation: overflow and precision bugs.",
			Fix:         "Set format."},
		{ID: "data-array-no-maxitems", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-770",
			Title:       "Array without maxItems",
			Description: "An array accepts any number of items.",
			Fix:         "Set maxItems."},
		{ID: "data-object-no-maxproperties", Family: famData, Category: catData, OWASP: "API4:2023", CWE: "CWE-770",
			Title:       "Map without maxProperties",
			Description: "An object whose additionalProperties is a schema (a map, such as metadata) accepts any number of entries.",
			Fix:         "Set maxProperties (and bound the keys with propertyNames)."},
		{ID: "data-array-no-items", Family: famData, Category: catData, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Array without items",
			Description: "An array does not say what its items are, so any value is accepted in it.",
			Fix:         "Set items (or prefixItems in 3.1)."},
		{ID: "data-object-open", Family: famData, Category: catData, OWASP: "API3:2023", CWE: "CWE-915",
			Title:       "Object accepts undeclared properties",
			Description: "An object sets additionalProperties to true or {} (or leaves it unspecified while the strict-objects policy is off), so it accepts any property: mass assignment and injection reach the backend.",
			Fix:         "Set additionalProperties: false, or a schema for the extra values."},
		{ID: "data-property-case-variants", Family: famData, Category: catData, OWASP: "API3:2023", CWE: "CWE-436",
			Title:       "Property names that differ only in case",
			Description: "An object declares properties whose names differ only in case (id and ID). Go's encoding/json, ASP.NET Core (by default) and Jackson configured case-insensitive bind both to one field, so which value the server keeps depends on its stack and the order of the keys, not on the contract. rampart protect refuses request bodies with such keys unless the contract declares them, as here.",
			Fix:         "Give the properties names that differ by more than case."},
		{ID: "data-object-no-properties", Family: famData, Category: catData, OWASP: "API3:2023", CWE: "CWE-915",
			Title:       "Object without properties",
			Description: "An object declares no properties and no additionalProperties schema: it is a free-form bag that nothing validates.",
			Fix:         "Declare its properties, or an additionalProperties schema for maps."},
		{ID: "data-required-undeclared", Family: famData, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Required property not declared",
			Description: "required names a property that properties does not declare, so nothing validates its value. Where the schema itself closes the object (additionalProperties: false) no request can be valid; under rampart's strict-objects policy the firewall admits the name, with any value.",
			Fix:         "Declare the property or remove it from required."},
		{ID: "data-discriminator-unmapped", Family: famData, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Discriminator that cannot select a branch",
			Description: "A discriminator beside oneOf/anyOf selects the branch its value names: the mapping's names, or the component name of a $ref branch. An inline branch the mapping does not name cannot be selected, so values are matched by shape alone (and overlapping branches make oneOf refuse them); a mapping name whose schema is none of the branches is a value no request can carry. rampart protect and rampart scan enforce the discriminator as OpenAPI defines it.",
			Fix:         "Give each branch a component and name it in the mapping (or use its component name as the value); map only schemas listed in the oneOf/anyOf."},
		{ID: "data-pattern-delimited", Family: famData, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-185",
			Title:       "Pattern written as a JavaScript literal",
			Description: "A pattern is written with JavaScript's delimiters and flags (\"/^[a-z]+$/i\"). In JSON Schema the pattern is the whole string, slashes included: its ^ follows a slash, so no value matches and strict validators refuse every request carrying the field, while lenient tools strip the slashes. rampart reads the literal (its i, m and s flags included) and reports it.",
			Fix:         "Remove the delimiters and flags; write a case-insensitive match with character classes ([Ss][Aa][Pp])."},
		{ID: "data-closed-composition", Family: famData, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "additionalProperties: false beside a composition",
			Description: "additionalProperties only sees the properties declared beside it, so additionalProperties: false next to allOf/anyOf/oneOf refuses every property the members declare: read as JSON Schema, the object can carry none of them. rampart protect and rampart scan enforce what such a contract means (unevaluatedProperties: false: closed, the members' properties admitted); other validators and code generators do not.",
			Fix:         "OpenAPI 3.1: write unevaluatedProperties: false instead. OpenAPI 3.0: declare the members' properties beside additionalProperties (or leave it out and rely on the strict-objects policy)."},
		{ID: "data-mass-assignment", Family: famData, Category: catData, Severity: high, OWASP: "API3:2023", CWE: "CWE-915",
			Title:       "Server-managed property accepted in requests",
			Description: "A request body accepts a property that looks server-managed (id, owner, role, isAdmin, balance, createdAt, ...) and is not readOnly: clients may set it (mass assignment).",
			Fix:         "Mark the property readOnly: true, or use a separate request schema without it."},
		{ID: "data-keyword-ignored", Family: famData, Category: catData, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Schema keyword that validators ignore",
			Description: "OpenAPI 3.1 schemas are JSON Schema 2020-12, which ignores keywords it does not know: a misspelt maxlength leaves the string unbounded, OpenAPI 3.0's nullable no longer admits null, and a property written beside properties instead of under it is not declared. Generated clients, mocks, rampart protect and rampart scan all read the schema without it. One severity step lower when the keyword it stands for only annotates (description, example).",
			Fix:         "Write the keyword JSON Schema names (the finding suggests it), or name an extension x-..."},
		{ID: "data-schema-no-type", Family: famData, Category: catData, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Schema without type",
			Description: "A schema has no type (and no $ref, composition, enum or const), so any JSON value is accepted.",
			Fix:         "Set type."},
		{ID: "data-param-no-schema", Family: famData, Category: catData, Severity: medium, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Parameter without schema",
			Description: "A parameter has neither schema nor content (or, in 2.0, no type), so any value is accepted. Reported instead of the struct-invalid finding for the same node.",
			Fix:         "Give the parameter a schema."},
		{ID: "data-path-param-unconstrained", Family: famData, Category: catData, Severity: medium, OWASP: "API1:2023", CWE: "CWE-22",
			Title:       "Path parameter without pattern or format",
			Description: "A string path parameter accepts any characters, including ../ and encoded separators that reach backend routing and file paths.",
			Fix:         "Set a pattern, a format (uuid, ...) or an enum."},
		{ID: "data-value-invalid", Family: famData, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "enum, const, default or example violates its schema",
			Description: "A value written in the schema itself, or an example a media type, parameter or response header gives beside its schema, does not satisfy the schema: either the value or the constraint is wrong, and generated clients, mocks or the firewall will disagree. Examples beside a schema are checked against the whole schema as rampart protect enforces it, in the direction they travel (a request example with a readOnly property, or with a property an object that is closed by the strict-objects policy does not declare, is one the firewall refuses); only JSON media types are checked.",
			Fix:         "Correct the value or the constraint."},
		{ID: "data-media-wildcard", Family: famData, Category: catData, OWASP: "API8:2023", CWE: "CWE-436",
			Title:       "Wildcard media type",
			Description: "A request or response uses */* (or type/*), so any content type is accepted or returned and the schema cannot be applied reliably.",
			Fix:         "List the exact media types."},

		// Responses.
		{ID: "resp-no-success", Family: famResponses, Category: catData, Severity: medium, OWASP: "API8:2023", CWE: "CWE-394",
			Title:       "No success response",
			Description: "The operation declares no 2xx response, so its successful output is not described and cannot be validated.",
			Fix:         "Declare the 2xx response(s) with their schema."},
		{ID: "resp-missing-400", Family: famResponses, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-394",
			Title:       "No 400 response",
			Description: "An operation that takes input does not declare how it rejects invalid input (400 or 4XX).",
			Fix:         "Declare a 400 response with an error schema."},
		{ID: "resp-missing-401", Family: famResponses, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-394",
			Title:       "No 401 response on a secured operation",
			Description: "A secured operation does not declare its response to missing or invalid credentials.",
			Fix:         "Declare a 401 response."},
		{ID: "resp-missing-403", Family: famResponses, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-394",
			Title:       "No 403 response on a secured operation",
			Description: "A secured operation does not declare its response to valid credentials without permission.",
			Fix:         "Declare a 403 response."},
		{ID: "resp-missing-404", Family: famResponses, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-394",
			Title:       "No 404 response with a path parameter",
			Description: "An operation addressing a resource by path parameter does not declare what happens when it does not exist.",
			Fix:         "Declare a 404 response."},
		{ID: "resp-missing-429", Family: famResponses, Category: catData, Severity: low, OWASP: "API4:2023", CWE: "CWE-770",
			Title:       "No 429 response",
			Description: "The operation does not declare rate limiting (429 Too Many Requests).",
			Fix:         "Declare a 429 response with Retry-After or RateLimit headers, and enforce the limit."},
		{ID: "resp-429-no-retry-after", Family: famResponses, Category: catData, Severity: low, OWASP: "API4:2023", CWE: "CWE-770",
			Title:       "429 response without Retry-After or RateLimit headers",
			Description: "A 429 response does not tell clients when to retry, which invites retry storms.",
			Fix:         "Declare a Retry-After (or RateLimit / RateLimit-Policy) header on the 429 response."},
		{ID: "resp-missing-default", Family: famResponses, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-209",
			Title:       "No default or 500 response",
			Description: "Unexpected errors are undescribed, so an error page or stack trace leaking internals cannot be told from a contract violation.",
			Fix:         "Declare a default (or 500) response with an error schema."},
		{ID: "resp-no-schema", Family: famResponses, Category: catData, Severity: low, OWASP: "API3:2023", CWE: "CWE-213",
			Title:       "Response without content type or schema",
			Description: "A response that carries a body declares no media type or no schema, so what it returns (and may leak) is unchecked.",
			Fix:         "Declare the response's media type and schema."},
		{ID: "resp-header-no-schema", Family: famResponses, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Response header without schema",
			Description: "A response header has no schema (or type in 2.0). Reported instead of the struct-invalid finding for the same node.",
			Fix:         "Give the header a schema."},

		// Exposure.
		{ID: "exp-sensitive-data", Family: famExposure, Category: catSecurity, Severity: high, OWASP: "API3:2023", CWE: "CWE-200",
			Title:       "Sensitive property in a response",
			Description: "A response schema has a property whose name suggests a secret or personal data (password, passphrase, secret, token, JWT, session cookie, API key, connection string, recovery codes, SSN, card number, bank account or passport number, ...) and it is not writeOnly.",
			Fix:         "Remove the property from responses or mark it writeOnly; return masked values if it must appear."},
		{ID: "exp-sensitive-data-in-query", Family: famExposure, Category: catSecurity, Severity: medium, OWASP: "API3:2023", CWE: "CWE-598",
			Title:       "Personal data in a query parameter",
			Description: "A query parameter's name says it carries personal or payment data (SSN, card number, CVV, IBAN, bank account or passport number). URLs end up in server, proxy and browser logs, in browser history and in Referer headers, where the data outlives the request.",
			Fix:         "Send the value in the request body (a POST search) or refer to it by an opaque id, never in the URL."},
		{ID: "exp-numeric-id", Family: famExposure, Category: catSecurity, Severity: low, OWASP: "API1:2023", CWE: "CWE-639",
			Title:       "Numeric identifier in a path or query",
			Description: "A path parameter, or a query parameter named like an id (id, report_id, userId), is an integer: sequential ids are easy to enumerate, so object-level authorization (BOLA) must be checked on every access.",
			Fix:         "Use non-guessable identifiers (uuid) and check object ownership on every request."},
		{ID: "exp-url-input", Family: famExposure, Category: catSecurity, Severity: low, OWASP: "API7:2023", CWE: "CWE-918",
			Title:       "URL accepted as input",
			Description: "A request parameter or property takes a URL (format uri/url, a name such as callback_url or webhook, or an example or default that is an absolute http(s) URL): if the server fetches it, it is a server-side request forgery sink.",
			Fix:         "Restrict the URL with an anchored pattern (allowed schemes and hosts) and validate it server-side against an allow list."},
		{ID: "exp-admin-shared-security", Family: famExposure, Category: catSecurity, Severity: medium, OWASP: "API5:2023", CWE: "CWE-285",
			Title:       "Admin operation not reserved for administrators",
			Description: "An operation under an admin path requires exactly the same schemes and scopes as non-admin operations, or can be called without credentials, so the contract does not distinguish privileged callers (BFLA). An administrator's login, one-time code check, token grant or password recovery is anonymous by design and judged by sec-credential-unlimited instead; an anonymous sign-up under an admin path is reported.",
			Fix:         "Require an admin scope, role or a separate scheme on administrative operations."},

		// Structure.
		{ID: "struct-invalid", Family: famStructure, Category: catSecurity, Severity: high, OWASP: "API8:2023", CWE: "CWE-1068",
			Title:       "Invalid definition structure",
			Description: "The definition does not conform to the OpenAPI specification at this place; tools, including the firewall, may misread it.",
			Fix:         "Correct the structure as the message describes."},
		{ID: "struct-unresolved-ref", Family: famStructure, Category: catSecurity, Severity: high, OWASP: "API8:2023", CWE: "CWE-1068",
			Title:       "Unresolvable reference",
			Description: "A $ref points to nothing (or only to itself, or starts a chain of more than 64 references to references), so the schema it stands for is not enforced.",
			Fix:         "Correct the reference."},
		{ID: "struct-rampart-extension-unknown", Family: famStructure, Category: catNone, Severity: medium, OWASP: "API8:2023", CWE: "CWE-1068",
			Title:       "Unknown x-rampart extension",
			Description: "A key starting with x-rampart is not one of the extensions rampart reads (a misspelt x-rampart-mod for x-rampart-mode), so the policy it writes, a rate limit, a mode, an IP rule, a suppression, is applied by no engine. rampart protect logs the same key when it loads the contract.",
			Fix:         "Write the extension's name as docs/protect.md spells it (the finding suggests the closest one), or remove it."},
		{ID: "struct-ref-sibling-ignored", Family: famStructure, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-1068",
			Title:       "Member beside a $ref ignored",
			Description: "A member written beside the $ref of a reference object (a parameter, request body, response, header, security scheme or callback) is ignored, as OpenAPI says (3.1 lets summary and description override the target's): `required: true` beside a parameter's $ref leaves the parameter optional, for every tool and for rampart's engines. Before 3.1, a schema's member beside $ref that cannot be what its author meant (a type the target contradicts, one that is not valid JSON Schema) is dropped too and reported here; the others are kept as meant.",
			Fix:         "Write the member in the object the $ref points to, or replace the reference with the object."},
		{ID: "struct-param-ignored", Family: famStructure, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-1068",
			Title:       "Header parameter OpenAPI ignores",
			Description: "A header parameter named Accept, Content-Type or Authorization, or a response header named Content-Type, is ignored, as OpenAPI says: media types describe the first two, a security scheme the third. Every tool, and rampart's engines, ignore its schema, so a pattern on an Authorization parameter checks nothing and a required Authorization parameter requires nothing.",
			Fix:         "Describe credentials with a security scheme and a security requirement, and media types with content; remove the parameter."},
		{ID: "struct-request-body-bodyless", Family: famStructure, Category: catData, Severity: low, OWASP: "API8:2023", CWE: "CWE-444",
			Title:       "Request body on GET, HEAD or DELETE",
			Description: "A GET, HEAD or DELETE operation declares a request body. HTTP gives such content no meaning (RFC 9110): servers, caches and proxies may drop it, refuse the request, or read its framing differently from the server behind them (a request-smuggling risk), and OpenAPI 3.0 tells tools to ignore it. rampart protect validates it as declared.",
			Fix:         "Send the input as query parameters, or use POST (QUERY in OpenAPI 3.2)."},
		{ID: "struct-warning", Family: famStructure, Category: catNone, Severity: info, OWASP: "API8:2023",
			Title:       "Loader warning",
			Description: "The loader noted something it could not model exactly.",
			Fix:         "Read the message."},
		{ID: "struct-path-param-undeclared", Family: famStructure, Category: catData, Severity: medium, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Path template parameter not declared",
			Description: "The path has a {parameter} that the operation does not declare, so its value is not validated.",
			Fix:         "Declare the parameter (in: path, required: true) with a schema."},
		{ID: "struct-path-param-unused", Family: famStructure, Category: catData, Severity: medium, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Path parameter not in the path",
			Description: "A parameter declared in: path does not appear in the path template.",
			Fix:         "Rename it to match the template or remove it."},
		{ID: "struct-path-key-query", Family: famStructure, Category: catSecurity, Severity: low, OWASP: "API8:2023", CWE: "CWE-436",
			Title:       "Path key holds a query or fragment",
			Description: "A path key is a path; a query or fragment after it (\"/?Action=List\", \"/#X-Amz-Target=Svc.Op\"), as generated contracts write to tell operations of one path apart, is a convention that tools and gateways read differently. rampart reads it as the operation's selector, but an operation selected only by a value in its body cannot be told from its siblings before the body is read (rampart protect refuses such requests), and a gateway that ignores the suffix checks the wrong operation.",
			Fix:         "Give each operation its own path, or select it by a declared parameter (a header or query parameter with an enum) and document the convention for the tools that enforce it."},
		{ID: "struct-path-adjacent-params", Family: famStructure, Category: catSecurity, Severity: low, OWASP: "API8:2023", CWE: "CWE-436",
			Title:       "Path variables side by side",
			Description: "A path segment holds two template variables with nothing between them (\"/{pageName}{extension}\"): \"about.json\" splits as \"about\" and \".json\", or \"about.\" and \"json\", or any other way, so gateways and servers may bind different values than the one validated. rampart protect does not route such a path (404, and a warning at load).",
			Fix:         "Put a literal between the variables (\"/{pageName}.{extension}\"), or make the second a literal of its own path (\"/{pageName}.json\")."},
		{ID: "struct-path-ambiguous-split", Family: famStructure, Category: catSecurity, Severity: low, OWASP: "API8:2023", CWE: "CWE-436",
			Title:       "Path segment splits more than one way",
			Description: "A path segment holds a variable, then a literal, then another variable, and the first variable's values may contain that literal (\"/{maxLat}.{format}\" with maxLat a number: \"1.5.json\"). Express and rampart protect cut the segment at the first occurrence (maxLat 1, format \"5.json\"), Spring's patterns at the last (maxLat 1.5, format json): a gateway and the API behind it bind different values, and valid requests are refused by whichever cuts wrong.",
			Fix:         "Confine the first variable so it cannot hold the literal (an integer, a pattern without it), or give the second part its own segment (\"/{maxLat}/{format}\")."},
		{ID: "struct-path-overlap", Family: famStructure, Category: catSecurity, Severity: low, OWASP: "API8:2023", CWE: "CWE-436",
			Title:       "Paths overlap with no more specific one",
			Description: "Two paths match one URL, each with a literal where the other has a variable (\"/sites/{site}/zones/{zone}\" and \"/sites/{site}/{type}/count\" both match \"/sites/1/zones/count\"). Neither is more specific, so routers settle it their own way: the first literal wins (rampart protect), the first registered route wins (Express), or the pair is refused at start-up (Go's ServeMux). A gateway and the API behind it can then run different operations, with different parameters and security, for one request. Paths that are the same template apart from their variables' names (\"/d/{id}\" and \"/d/{name}\") match every URL of each other, which OpenAPI forbids outright; they are reported too.",
			Fix:         "Make one path strictly more specific, or confine the variable with an enum or pattern that excludes the other path's literal; merge paths that differ only in variable names."},
		{ID: "struct-invalid-field-name", Family: famStructure, Category: catData, Severity: medium, OWASP: "API8:2023", CWE: "CWE-20",
			Title:       "Header name that no request can carry",
			Description: "A header parameter or an API-key scheme in a header is named with characters an HTTP field name cannot hold (a space, a colon: \"ADVICEment API Key\"). HTTP clients refuse to send it, and servers and proxies drop or refuse requests that carry it, so the operation cannot be called as documented, and generated clients fail at run time.",
			Fix:         "Name it with token characters only (letters, digits and !#$%&'*+-.^_`|~), such as \"X-Advicement-Api-Key\"."},
		{ID: "struct-exploded-name-collision", Family: famStructure, Category: catSecurity, Severity: low, OWASP: "API8:2023", CWE: "CWE-436",
			Title:       "Exploded query object shares a pair name",
			Description: "An exploded query object (style form, explode true: the defaults) sends each property as a name=value pair of its own. A property named like another query parameter, or like a property of another exploded object, puts one name in the query twice with two meanings; servers pick the first, the last or a list, and a gateway may check one while the API uses the other (rampart protect refuses such requests as ambiguous).",
			Fix:         "Rename the property or the parameter, or send the object with style deepObject (LaunchTemplate[Version]=...) or as JSON (content: application/json)."},
		{ID: "struct-duplicate-operation-id", Family: famStructure, Category: catData, Severity: medium, OWASP: "API9:2023", CWE: "CWE-694",
			Title:       "Duplicate operationId",
			Description: "Two operations share an operationId; generated code, links and policies keyed by it are ambiguous.",
			Fix:         "Make every operationId unique."},
		{ID: "struct-duplicate-parameter", Family: famStructure, Category: catData, Severity: medium, OWASP: "API8:2023", CWE: "CWE-694",
			Title:       "Duplicate parameter",
			Description: "The same parameter (name and location; header names compared without case, as HTTP does) is declared twice in one list; which definition applies is undefined.",
			Fix:         "Remove the duplicate."},

		// Profile rules.
		{ID: "fapi-oauth-flow", Family: famProfile, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-287", Profiles: []string{"financial-rw"},
			Title:       "OAuth flow other than authorization code",
			Description: "FAPI 2.0 and UK Open Banking read-write allow only the authorization_code flow (with PKCE and PAR) for user access.",
			Fix:         "Offer only the authorizationCode flow."},
		{ID: "fapi-no-mtls", Family: famProfile, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-295", Profiles: []string{"financial-rw"},
			Title:       "No mutualTLS scheme for sender-constrained tokens",
			Description: "FAPI 2.0 requires sender-constrained access tokens (mTLS or DPoP); the definition declares no mutualTLS scheme (OpenAPI 3.1+).",
			Fix:         "Declare a mutualTLS security scheme and require it together with OAuth (or document DPoP, which OpenAPI cannot express)."},
		{ID: "fapi-apikey", Family: famProfile, Category: catSecurity, Severity: high, OWASP: "API2:2023", CWE: "CWE-287", Profiles: []string{"financial-rw"},
			Title:       "API key scheme in a financial-grade API",
			Description: "Static API keys are bearer secrets without user binding, expiry or sender constraint; FAPI does not allow them.",
			Fix:         "Replace the API key with OAuth 2.0 authorization code + mTLS-bound tokens."},

		// Suppressions.
		{ID: "audit-ignore-invalid", Family: famMeta, Category: catNone, Severity: low,
			Title:       "Malformed x-rampart-ignore",
			Description: "An x-rampart-ignore entry has no reason, or names an unknown rule; it suppresses nothing.",
			Fix:         "Write x-rampart-ignore as {rule-id: reason} or a list of {rule, reason}."},
	}
	// Direction-dependent data rules: request side, response side.
	directional := map[string][2]report.Severity{
		"data-string-no-maxlength":    {medium, low},
		"data-string-no-pattern":      {low, info},
		"data-pattern-unanchored":     {medium, low},
		"data-pattern-redos":          {high, low},
		"data-pattern-unsupported":    {medium, low},
		"data-number-unbounded":       {medium, low},
		"data-number-no-format":       {low, info},
		"data-array-no-maxitems":      {medium, low},
		"data-array-no-items":         {medium, low},
		"data-object-open":            {medium, low},
		"data-property-case-variants": {low, low},
		"data-object-no-properties":   {medium, low},
		"data-schema-no-type":         {medium, low},
		"data-keyword-ignored":        {medium, low},
		"data-media-wildcard":         {medium, low},
		"data-required-undeclared":    {low, low},
		"data-closed-composition":     {low, low},
		"data-pattern-delimited":      {low, low},
		"data-discriminator-unmapped": {low, low},
		"data-value-invalid":          {low, low},
		"data-validation-cost":        {medium, low},
		"data-pattern-cost":           {medium, low},
	}
	out := map[string]*Rule{}
	for _, r := range list {
		if d, ok := directional[r.ID]; ok {
			r.Severity, r.ResponseSeverity, r.Directional = dir(d[0], d[1])
		}
		out[r.ID] = r
	}
	return out
}

// Rules lists every rule, ordered by family then id.
func Rules() []*Rule {
	out := make([]*Rule, 0, len(rules))
	for _, r := range rules {
		out = append(out, r)
	}
	order := map[string]int{famAuth: 0, famTransport: 1, famData: 2, famResponses: 3, famExposure: 4, famStructure: 5, famProfile: 6, famMeta: 7}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Family != out[j].Family {
			return order[out[i].Family] < order[out[j].Family]
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// RuleByID returns a rule's metadata.
func RuleByID(id string) (*Rule, bool) {
	r, ok := rules[id]
	return r, ok
}

// ReportRules is the registry in the shared report format.
func ReportRules() []report.Rule {
	var out []report.Rule
	for _, r := range Rules() {
		out = append(out, r.Report())
	}
	return out
}
