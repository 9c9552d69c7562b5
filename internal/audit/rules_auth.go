package audit

import (
	"fmt"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
	"golang.org/x/net/http/httpguts"
)

// checkProblems reports the loader's structural problems as findings.
// Unsupported patterns are left to the schema walk, which sees every
// pattern the operations reach (whether or not schemas were compiled) and
// knows its direction.
func (r *run) checkProblems() { r.reportProblems(r.doc.Problems) }

// checkSchemaProblems reports what compiling the schemas found (a $ref's
// sibling before 3.1 that is not enforced). It runs after
// checkSchemaValidity has compiled every schema the operations use: the
// problems exist only once their schema is compiled.
func (r *run) checkSchemaProblems() { r.reportProblems(r.doc.SchemaProblems()) }

// checkRampartExtensions reports the x-rampart-* keys no engine reads.
func (r *run) checkRampartExtensions() { r.reportProblems(r.doc.UnknownRampartExtensions()) }

func (r *run) reportProblems(problems []spec.Problem) {
	byDisplay := map[string]string{}
	for _, k := range r.doc.FileKeys() {
		byDisplay[r.doc.DisplayName(k)] = k
	}
	for _, pr := range problems {
		id := "struct-warning"
		switch {
		case pr.Code == "pattern-unsupported" || pr.Code == "pattern-relaxed" || pr.Code == "pattern-delimited":
			continue // data-pattern-unsupported, data-pattern-delimited
		case pr.Code == "required-undeclared" || pr.Code == "closed-composition" || pr.Code == "enum-retyped":
			continue // data-required-undeclared, data-closed-composition, data-value-invalid
		case pr.Code == "unresolved-ref" || pr.Code == "circular-ref" || pr.Code == "ref-chain-too-long":
			id = "struct-unresolved-ref"
		case pr.Code == "rampart-extension-unknown":
			id = "struct-rampart-extension-unknown"
		case pr.Code == "ref-sibling-ignored":
			id = "struct-ref-sibling-ignored"
		case pr.Error:
			id = "struct-invalid"
		}
		file := byDisplay[pr.Loc.File]
		if file == "" {
			file = r.doc.RootFile()
		}
		at := spec.NodeRef{File: file, Pointer: pr.Loc.Pointer}
		// Several problems can share a location (libopenapi's errors have
		// none): keep them apart by message.
		key := at
		if pr.Loc.Pointer == "" {
			key.Pointer = "#" + pr.Message
		}
		if p := r.add(id, key, dirNone, pr.Message, nil); p != nil {
			loc := pr.Loc
			p.loc = &loc
			p.missing = pr.Missing
		}
	}
}

// coveringRules report a parameter or header without a schema, with a
// patch; the structure check reports the same node as missing "schema",
// "content" and "$ref" (one per alternative of the 3.x meta-schema) or
// "type" (Swagger 2.0).
var coveringRules = map[string][]string{
	"data-param-no-schema":  {"schema", "content", "$ref", "type"},
	"resp-header-no-schema": {"schema", "content", "$ref", "type"},
}

// dropCoveredProblems drops a structural problem that only says a schema
// is missing from a node a covering rule reported: one defect, one
// finding, the one that says how to fix it. It runs after every check, as
// the covering rules run after checkProblems.
func (r *run) dropCoveredProblems() {
	covered := map[spec.NodeRef][]string{}
	for _, p := range r.order {
		if props, ok := coveringRules[p.rule.ID]; ok {
			covered[p.at] = props
		}
	}
	if len(covered) == 0 {
		return
	}
	kept := r.order[:0]
	for _, p := range r.order {
		if p.rule.ID == "struct-invalid" {
			// A Swagger 2.0 parameter without type is missing "type"
			// alone: the structure check follows the meta-schema's
			// branch for its `in` (spec.validateStructure).
			if props, ok := covered[p.at]; ok && len(p.missing) > 0 && allIn(p.missing, props) {
				delete(r.pending, p.rule.ID+"\x00"+p.at.File+"\x00"+p.at.Pointer)
				continue
			}
		}
		kept = append(kept, p)
	}
	r.order = kept
}

func allIn(xs, set []string) bool {
	for _, x := range xs {
		if !slices.Contains(set, x) {
			return false
		}
	}
	return true
}

// opsUsingScheme lists the operations whose effective requirements name a
// scheme.
func (r *run) opsUsingScheme() map[string][]string {
	out := map[string][]string{}
	for _, op := range r.doc.Operations {
		seen := map[string]bool{}
		for _, req := range op.Security {
			for _, s := range req.Schemes {
				if !seen[s.Name] {
					seen[s.Name] = true
					out[s.Name] = append(out[s.Name], op.Key())
				}
			}
		}
	}
	return out
}

func (r *run) checkSecurity() {
	doc := r.doc
	users := r.opsUsingScheme()
	names := make([]string, 0, len(doc.SecuritySchemes))
	for n := range doc.SecuritySchemes {
		names = append(names, n)
	}
	sort.Strings(names)
	hasMTLS := false
	for _, name := range names {
		s := doc.SecuritySchemes[name]
		ops := users[name]
		at := s.Ref
		switch s.Type {
		case "http":
			switch s.Scheme {
			case "basic":
				r.add("sec-http-basic", at, dirNone, fmt.Sprintf("Security scheme %q uses HTTP basic authentication: a reusable password on every request.", name), ops)
			case "digest":
				r.add("sec-http-basic", at, dirNone, fmt.Sprintf("Security scheme %q uses HTTP digest authentication (MD5, shared passwords).", name), ops)
			case "bearer":
				if s.BearerFormat == "" {
					r.add("sec-bearer-no-format", at, dirNone, fmt.Sprintf("Bearer scheme %q does not say what its tokens are (bearerFormat).", name), ops,
						report.PatchOp{Op: "add", Path: spec.JoinPointer(at.Pointer, "bearerFormat"), Value: "JWT"})
				}
			}
		case "apiKey":
			switch s.In {
			case "query":
				r.add("sec-apikey-query", ref(at.File, at.Pointer, "in"), dirNone, fmt.Sprintf("Security scheme %q sends the API key %q in the query string, where logs and Referer headers capture it.", name, s.ParamName), ops,
					report.PatchOp{Op: "replace", Path: spec.JoinPointer(at.Pointer, "in"), Value: "header"})
			case "cookie":
				r.add("sec-apikey-cookie", ref(at.File, at.Pointer, "in"), dirNone, fmt.Sprintf("Security scheme %q sends the API key %q in a cookie, which browsers attach to cross-site requests.", name, s.ParamName), ops,
					report.PatchOp{Op: "replace", Path: spec.JoinPointer(at.Pointer, "in"), Value: "header"})
			case "header":
				if !httpguts.ValidHeaderFieldName(s.ParamName) {
					r.add("struct-invalid-field-name", ref(at.File, at.Pointer, "name"), dirNone, fmt.Sprintf("Security scheme %q sends the API key in the header %q, which is not a valid HTTP field name: no client can send it.", name, s.ParamName), ops)
				} else if strings.Contains(s.ParamName, "_") {
					r.add("sec-apikey-header-underscore", ref(at.File, at.Pointer, "name"), dirNone, fmt.Sprintf("Security scheme %q sends the API key in the header %q, whose name has an underscore: nginx drops such fields by default, and CGI-style servers read %q as the same field.", name, s.ParamName, strings.ReplaceAll(s.ParamName, "_", "-")), ops,
						report.PatchOp{Op: "replace", Path: spec.JoinPointer(at.Pointer, "name"), Value: strings.ReplaceAll(s.ParamName, "_", "-")})
				}
			}
			r.add("fapi-apikey", at, dirNone, fmt.Sprintf("Security scheme %q is a static API key.", name), ops)
		case "basic": // unnormalised leftovers never reach here; kept for clarity
		case "oauth2":
			flows := make([]string, 0, len(s.Flows))
			for f := range s.Flows {
				flows = append(flows, f)
			}
			sort.Strings(flows)
			for _, fn := range flows {
				fl := s.Flows[fn]
				switch fn {
				case "implicit":
					r.add("sec-oauth-implicit", fl.Ref, dirNone, fmt.Sprintf("OAuth scheme %q offers the implicit flow, which returns tokens in the browser URL.", name), ops, authCodePatch(doc, s, fn, fl)...)
				case "password":
					r.add("sec-oauth-password", fl.Ref, dirNone, fmt.Sprintf("OAuth scheme %q offers the password flow, which hands users' passwords to the client.", name), ops, authCodePatch(doc, s, fn, fl)...)
				}
				if fn != "authorizationCode" {
					r.add("fapi-oauth-flow", fl.Ref, dirNone, fmt.Sprintf("OAuth scheme %q offers the %s flow; FAPI allows only authorization code.", name, fn), ops)
				}
				field := map[string]string{"authorizationUrl": fl.AuthorizationURL, "tokenUrl": fl.TokenURL, "refreshUrl": fl.RefreshURL}
				if doc.Family == spec.Swagger20 {
					// 2.0 keeps the URLs on the scheme object itself.
					field = map[string]string{"authorizationUrl": fl.AuthorizationURL, "tokenUrl": fl.TokenURL}
				}
				for _, k := range []string{"authorizationUrl", "tokenUrl", "refreshUrl"} {
					if u := field[k]; isHTTP(u) {
						uat := ref(fl.Ref.File, fl.Ref.Pointer, k)
						r.add("sec-insecure-url", uat, dirNone, fmt.Sprintf("OAuth scheme %q has %s %s without TLS.", name, k, u), ops,
							report.PatchOp{Op: "replace", Path: uat.Pointer, Value: "https://" + u[len("http://"):]})
					}
				}
			}
		case "openIdConnect":
			if isHTTP(s.OpenIDConnectURL) {
				uat := ref(at.File, at.Pointer, "openIdConnectUrl")
				r.add("sec-insecure-url", uat, dirNone, fmt.Sprintf("OpenID Connect scheme %q has its discovery URL %s without TLS.", name, s.OpenIDConnectURL), ops,
					report.PatchOp{Op: "replace", Path: uat.Pointer, Value: "https://" + s.OpenIDConnectURL[len("http://"):]})
			}
		case "mutualTLS":
			hasMTLS = true
		}
	}
	if !hasMTLS {
		r.add("fapi-no-mtls", spec.NodeRef{File: doc.RootFile(), Pointer: securitySchemesPointer(doc)}, dirNone,
			"No mutualTLS security scheme is declared, so access tokens are not sender-constrained (DPoP, if used, cannot be expressed in OpenAPI).", nil)
	}

	if len(doc.SecuritySchemes) == 0 && len(doc.Operations) > 0 {
		// Webhooks and callbacks are requests the API sends: they need no
		// credentials from it. A definition without paths (webhooks only,
		// shared components) has nothing to call.
		keys := make([]string, len(doc.Operations))
		for i, op := range doc.Operations {
			keys[i] = op.Key()
		}
		r.add("sec-no-security", spec.NodeRef{File: doc.RootFile(), Pointer: ""}, dirNone,
			"No security scheme is defined, so every operation can be called without credentials.", keys, noSecurityPatch(doc)...)
	}
	r.checkRequirements()
	// Before the return below: sec-no-security says nothing of how often
	// a login can be called.
	r.checkCredentials()

	if len(doc.SecuritySchemes) == 0 {
		return // one finding above covers every operation
	}
	first := fixScheme(doc, names, users)
	for _, op := range doc.Operations {
		if op.IsSecured() || r.credentials[op] != nil {
			// A login, sign-up or the like is anonymous by design:
			// requiring a token to log in would lock everyone out.
			// checkCredentials judges it.
			continue
		}
		if op.SecurityDeclared && len(op.Security) == 0 && len(doc.Security) > 0 {
			// An anonymous write is an anonymous write however it is
			// written: security: [] must not cost less than no security.
			sat := ref(op.Ref.File, op.Ref.Pointer, "security")
			id, msg := "sec-empty-override", fmt.Sprintf("%s declares security: [], switching off the global security requirement.", op.Key())
			if isWrite(op.Method) {
				id, msg = "sec-write-no-security", fmt.Sprintf("%s declares security: [], switching off the global security requirement: anyone can call it.", op.Key())
			}
			r.add(id, sat, dirNone, msg, []string{op.Key()}, report.PatchOp{Op: "remove", Path: sat.Pointer})
			continue
		}
		id := "sec-op-no-security"
		if isWrite(op.Method) {
			id = "sec-write-no-security"
		}
		why := "has no security requirement"
		if len(op.Security) > 0 {
			why = "allows anonymous access (an empty requirement {} is one of its alternatives)"
		}
		at, patchOp := op.Ref, "add"
		if op.SecurityDeclared {
			at, patchOp = ref(op.Ref.File, op.Ref.Pointer, "security"), "replace"
		}
		r.add(id, at, dirNone, fmt.Sprintf("%s %s.", op.Key(), why), []string{op.Key()},
			report.PatchOp{Op: patchOp, Path: spec.JoinPointer(op.Ref.Pointer, "security"), Value: []any{map[string]any{first: []any{}}}})
	}
}

// rateLimitKey is the extension rampart protect enforces as a rate limit,
// read at operation, path-item and document level, the nearest one
// applying.
const rateLimitKey = "x-rampart-rate-limit"

// credentialOp is an operation anyone can call that takes a secret
// (spec.CredentialKind). It is anonymous by design, so it is judged by
// whether the contract limits how often it can be called, not by its
// missing security.
type credentialOp struct {
	limited bool // a 429 or 4XX response, or x-rampart-rate-limit
	// reported is set when sec-credential-unlimited was reported for it:
	// resp-missing-429, whose patch is the same, is then not.
	reported bool
}

// credentialGuess says what each call to a credential operation lets an
// attacker try.
var credentialGuess = map[spec.CredentialKind]string{
	spec.CredentialLogin:    "each call is a guess at a password or token",
	spec.CredentialSignup:   "each call creates an account or tells whether one exists",
	spec.CredentialRecovery: "each call is a guess at an account's e-mail or recovery token",
	spec.CredentialOTP:      "each call is a guess at a one-time code",
	spec.CredentialToken:    "each call is a guess at a password, client secret, code or refresh token",
}

// checkCredentials records the anonymous credential operations and
// reports those the contract sets no limit on (sec-credential-unlimited,
// OWASP API2:2023, CWE-307). Webhooks and callbacks are requests the API
// sends: nobody guesses through them.
func (r *run) checkCredentials() {
	r.credentials = map[*spec.Operation]*credentialOp{}
	for _, op := range r.doc.Operations {
		if r.ctx.Err() != nil {
			return
		}
		if op.IsSecured() {
			continue
		}
		kind := r.doc.CredentialKind(op)
		if kind == spec.NotCredential {
			continue
		}
		c := &credentialOp{limited: rateLimited(r.doc, op)}
		r.credentials[op] = c
		if c.limited {
			continue
		}
		msg := fmt.Sprintf("%s is a %s: anonymous by design, %s, and the contract declares no limit (no 429 response, no %s).",
			op.Key(), kind, credentialGuess[kind], rateLimitKey)
		c.reported = r.add("sec-credential-unlimited", op.Ref, dirNone, msg, []string{op.Key()},
			addResponsePatch(r.doc, op, "429", tooManyRequests(r.doc))) != nil
	}
}

// rateLimited reports whether the contract limits how often op can be
// called: it declares a 429 response (or a 4XX range, as resp-missing-429
// accepts), or x-rampart-rate-limit applies to it. The extension is read
// as rampart protect reads it: the nearest level wins, and one that
// declares no rule (an empty list, a malformed value) limits nothing.
func rateLimited(doc *spec.Document, op *spec.Operation) bool {
	if hasCode(op, "429", "4XX") {
		return true
	}
	for _, ext := range []map[string]any{op.Extensions, op.PathExtensions, doc.Extensions} {
		if v, ok := ext[rateLimitKey]; ok {
			switch x := v.(type) {
			case map[string]any:
				return true
			case []any:
				return len(x) > 0
			}
			return false
		}
	}
	return false
}

// fixScheme picks the scheme the patches for anonymous operations require:
// not one the audit itself reports as weak (basic or digest, an API key in
// the query string or a cookie), then the one most operations already use,
// then the first by name.
func fixScheme(doc *spec.Document, names []string, users map[string][]string) string {
	weak := func(s *spec.SecurityScheme) bool {
		return (s.Type == "http" && (s.Scheme == "basic" || s.Scheme == "digest")) || (s.Type == "apiKey" && s.In != "header")
	}
	best := names[0]
	for _, n := range names[1:] {
		a, b := doc.SecuritySchemes[n], doc.SecuritySchemes[best]
		switch {
		case weak(a) != weak(b):
			if !weak(a) {
				best = n
			}
		case len(users[n]) > len(users[best]):
			best = n
		}
	}
	return best
}

// checkRequirements checks every security requirement against the schemes.
func (r *run) checkRequirements() {
	doc := r.doc
	used := map[string]map[string]bool{}
	type site struct {
		reqs []spec.SecurityRequirement
		ops  []string
	}
	var sites []site
	if len(doc.Security) > 0 {
		var ops []string
		for _, op := range doc.Operations {
			if !op.SecurityDeclared {
				ops = append(ops, op.Key())
			}
		}
		sites = append(sites, site{doc.Security, ops})
	}
	for _, op := range doc.AllOperations() {
		if op.SecurityDeclared {
			sites = append(sites, site{op.Security, []string{op.Key()}})
		}
	}
	for _, st := range sites {
		for _, req := range st.reqs {
			for _, sr := range req.Schemes {
				s, ok := doc.SecuritySchemes[sr.Name]
				if !ok {
					msg := fmt.Sprintf("The security requirement names scheme %q, which is not defined.", sr.Name)
					if near := spec.NearestName(sr.Name, sortedKeys(doc.SecuritySchemes)); near != "" {
						msg = fmt.Sprintf("The security requirement names scheme %q, which is not defined: did you mean %q? (scheme names are case-sensitive)", sr.Name, near)
					}
					r.add("sec-undefined-scheme", req.Ref, dirNone, msg, st.ops)
					continue
				}
				if used[sr.Name] == nil {
					used[sr.Name] = map[string]bool{}
				}
				for _, sc := range sr.Scopes {
					used[sr.Name][sc] = true
				}
				switch s.Type {
				case "oauth2":
					var missing []string
					for _, sc := range sr.Scopes {
						if !schemeHasScope(s, sc) {
							missing = append(missing, sc)
						}
					}
					if len(missing) > 0 {
						var patch []report.PatchOp
						for _, fn := range sortedKeys(s.Flows) {
							// Declare the scope in every flow of the scheme.
							for _, sc := range missing {
								patch = append(patch, report.PatchOp{Op: "add", Path: spec.JoinPointer(s.Flows[fn].Ref.Pointer, "scopes", sc), Value: "TODO: describe " + sc})
							}
						}
						if s.Ref.File != doc.RootFile() {
							patch = nil
						}
						r.add("sec-scope-undefined", ref(req.Ref.File, req.Ref.Pointer, sr.Name), dirNone,
							fmt.Sprintf("Scheme %q does not define the scope(s) %s.", sr.Name, quoteList(missing)), st.ops, patch...)
					}
				case "openIdConnect":
					// Scopes come from the discovery document; nothing to check.
				default:
					if len(sr.Scopes) > 0 && (doc.Family == spec.Swagger20 || doc.Family == spec.OpenAPI30) {
						at := ref(req.Ref.File, req.Ref.Pointer, sr.Name)
						r.add("sec-scopes-non-oauth", at, dirNone,
							fmt.Sprintf("Scheme %q is %s, not OAuth2, yet the requirement lists scopes %s; OpenAPI %s requires an empty list (roles are allowed from 3.1).", sr.Name, s.Type, quoteList(sr.Scopes), doc.Family), st.ops,
							report.PatchOp{Op: "replace", Path: at.Pointer, Value: []any{}})
					}
				}
			}
		}
	}
	for _, name := range sortedKeys(doc.SecuritySchemes) {
		s := doc.SecuritySchemes[name]
		if s.Type != "oauth2" {
			continue
		}
		for _, fn := range sortedKeys(s.Flows) {
			fl := s.Flows[fn]
			for _, sc := range sortedKeys(fl.Scopes) {
				if !used[name][sc] {
					at := ref(fl.Ref.File, fl.Ref.Pointer, "scopes", sc)
					r.add("sec-scope-unused", at, dirNone,
						fmt.Sprintf("Scope %q of scheme %q is never required by any operation.", sc, name), nil,
						report.PatchOp{Op: "remove", Path: at.Pointer})
				}
			}
		}
	}
}

func schemeHasScope(s *spec.SecurityScheme, scope string) bool {
	for _, f := range s.Flows {
		if _, ok := f.Scopes[scope]; ok {
			return true
		}
	}
	return false
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func isHTTP(u string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(u)), "http://")
}

// isWrite reports whether a method may change state: every method but the
// safe ones (RFC 9110 section 9.2.1, and QUERY). OpenAPI 3.2
// additionalOperations name any method (PURGE, LOCK, MOVE ...): an
// unknown one is judged as a write, not as a harmless read.
func isWrite(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "QUERY":
		return false
	}
	return true
}

func securitySchemesPointer(doc *spec.Document) string {
	if doc.Family == spec.Swagger20 {
		return "/securityDefinitions"
	}
	return "/components/securitySchemes"
}

// noSecurityPatch proposes a bearer (3.x) or header API key (2.0) scheme
// required at the top level.
func noSecurityPatch(doc *spec.Document) []report.PatchOp {
	root := doc.Root()
	if doc.Family == spec.Swagger20 {
		return []report.PatchOp{
			{Op: "add", Path: "/securityDefinitions", Value: map[string]any{"apiKeyHeader": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"}}},
			{Op: "add", Path: "/security", Value: []any{map[string]any{"apiKeyHeader": []any{}}}},
		}
	}
	scheme := map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
	var ops []report.PatchOp
	if _, ok := root["components"].(map[string]any); ok {
		ops = append(ops, report.PatchOp{Op: "add", Path: "/components/securitySchemes", Value: scheme})
	} else {
		ops = append(ops, report.PatchOp{Op: "add", Path: "/components", Value: map[string]any{"securitySchemes": scheme}})
	}
	return append(ops, report.PatchOp{Op: "add", Path: "/security", Value: []any{map[string]any{"bearerAuth": []any{}}}})
}

// checkTransport checks servers (2.0 host/schemes are folded into them).
func (r *run) checkTransport() {
	doc := r.doc
	if len(doc.Servers) == 0 {
		r.add("tls-no-servers", spec.NodeRef{File: doc.RootFile(), Pointer: ""}, dirNone, "The definition declares no servers, so the transport (and https) is undocumented.", nil)
	}
	type srvUse struct {
		s   spec.Server
		ops []string
	}
	// A server is its place and its URL: Swagger 2.0's schemes: [https,
	// http] are two servers written at one place, /schemes, and the
	// second must not be taken for the first.
	type srvKey struct {
		at  spec.NodeRef
		url string
	}
	seen := map[srvKey]*srvUse{}
	var order []*srvUse
	note := func(s spec.Server, op string) {
		k := srvKey{s.Ref, s.URL}
		u, ok := seen[k]
		if !ok {
			u = &srvUse{s: s}
			seen[k] = u
			order = append(order, u)
		}
		if op != "" {
			u.ops = append(u.ops, op)
		}
	}
	for _, s := range doc.Servers {
		note(s, "")
	}
	for _, op := range doc.Operations {
		if len(op.Servers) == 0 {
			for _, s := range doc.Servers {
				note(s, op.Key())
			}
			continue
		}
		for _, s := range op.Servers {
			note(s, op.Key())
		}
	}
	for _, u := range order {
		s := u.s
		if names := s.UndeclaredVariables(); len(names) > 0 && doc.Family != spec.Swagger20 {
			// The URL cannot be resolved: clients cannot call it, and
			// the firewall would route under a base path with braces.
			r.schemaInvalid = true
			r.add("struct-invalid", ref(s.Ref.File, s.Ref.Pointer, "url"), dirNone, fmt.Sprintf("Server URL %s names the variable(s) %s, which its variables do not declare: declare each with a default.", s.URL, strings.Join(names, ", ")), u.ops)
		}
		if strings.HasPrefix(s.URL, "//") {
			// A Swagger 2.0 host without schemes (or a 3.x scheme-relative
			// URL): clients use whatever scheme served the definition.
			var patch []report.PatchOp
			if doc.Family == spec.Swagger20 && s.Ref.Pointer == "/host" {
				patch = []report.PatchOp{{Op: "add", Path: "/schemes", Value: []any{"https"}}}
			}
			r.add("tls-no-servers", s.Ref, dirNone, fmt.Sprintf("Server %s names no scheme, so clients use the one the definition was served with (possibly http).", s.URL), u.ops, patch...)
		}
		// A templated URL is judged as a client resolves it: with its
		// variables' defaults ("http{s}://host" with s defaulting to ""
		// is plain http), and with each allowed value of each variable.
		resolved := s.Resolve(nil)
		if plain, secure := plainScheme(resolved); plain != "" {
			shown := s.URL
			if resolved != s.URL {
				shown = fmt.Sprintf("%s (%s with its variables' defaults)", s.URL, resolved)
			}
			p := r.add("tls-http-server", s.Ref, dirNone, fmt.Sprintf("Server %s uses %s.", shown, plainWhat(plain)), u.ops)
			if p != nil && isLocal(resolved) {
				p.delta = -2 // a local development server is a lesser risk
				p.msg = fmt.Sprintf("Server %s uses %s (a local address: make sure production servers use %s).", shown, plainWhat(plain), secure)
			}
			if p != nil && doc.Family != spec.Swagger20 && len(p.patch) == 0 {
				if own, _ := plainScheme(s.URL); own != "" {
					p.patch = []report.PatchOp{{Op: "replace", Path: spec.JoinPointer(s.Ref.Pointer, "url"), Value: secure + s.URL[strings.Index(s.URL, "://"):]}}
				} else {
					p.patch = httpsVariablePatches(s)
				}
			}
			// The variables' other values are the same defect: the patch
			// (or the author) settles them with the default.
			continue
		}
		for _, name := range sortedKeys(s.Variables) {
			v := s.Variables[name]
			allows := ""
			for _, val := range append([]string{v.Default}, v.Enum...) {
				if plain, _ := plainScheme(s.Resolve(map[string]string{name: val})); plain != "" && allows == "" {
					allows = plain
				}
			}
			if allows != "" {
				at := ref(s.Ref.File, s.Ref.Pointer, "variables", name)
				var patch []report.PatchOp
				if safe := httpsValues(s, name); len(safe) > 0 {
					// Offer only the values that keep https.
					patch = []report.PatchOp{{Op: "replace", Path: at.Pointer, Value: map[string]any{"default": safe[0], "enum": toAny(safe)}}}
				}
				r.add("tls-server-variable-http", at, dirNone,
					fmt.Sprintf("Server %s: variable %q allows %s.", s.URL, name, plainWhat(allows)), u.ops, patch...)
			}
		}
	}
}

// plainScheme returns the unencrypted scheme a server URL starts with and
// the scheme that encrypts it: http and https, or ws and wss for a
// WebSocket server (RFC 6455), whose frames travel as clear as http's; ""
// for any other URL.
func plainScheme(u string) (plain, secure string) {
	l := strings.ToLower(strings.TrimSpace(u))
	switch {
	case strings.HasPrefix(l, "http://"):
		return "http", "https"
	case strings.HasPrefix(l, "ws://"):
		return "ws", "wss"
	}
	return "", ""
}

// plainWhat names an unencrypted scheme in a message.
func plainWhat(plain string) string {
	if plain == "ws" {
		return "an unencrypted WebSocket (ws://)"
	}
	return "plain http"
}

// httpsValues lists the default and enum values of a server variable
// that, with the other variables at their defaults, do not give plain
// http (or ws), the default first.
func httpsValues(s spec.Server, name string) []string {
	v := s.Variables[name]
	var out []string
	for _, val := range append([]string{v.Default}, v.Enum...) {
		if plain, _ := plainScheme(s.Resolve(map[string]string{name: val})); plain == "" && !slices.Contains(out, val) {
			out = append(out, val)
		}
	}
	return out
}

// httpsVariablePatches fixes a server whose defaults give plain http by
// the first variable that has a value keeping https: that value becomes
// its default and only such values stay allowed.
func httpsVariablePatches(s spec.Server) []report.PatchOp {
	for _, name := range sortedKeys(s.Variables) {
		if safe := httpsValues(s, name); len(safe) > 0 {
			at := spec.JoinPointer(s.Ref.Pointer, "variables", name)
			return []report.PatchOp{{Op: "replace", Path: at, Value: map[string]any{"default": safe[0], "enum": toAny(safe)}}}
		}
	}
	return nil
}

func toAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// isLocal reports whether a server URL's host is this machine: the name
// localhost or a name under .localhost (RFC 6761 reserves both for
// loopback), a loopback address (127.0.0.0/8, ::1) or the unspecified
// address a development server binds (0.0.0.0, ::). The host is parsed,
// not matched as a prefix: localhost-prod.example.com,
// localhost.evil.com and 127.1.2.3.evil.com are public names. Private
// ranges (10/8, 192.168/16) are other machines on a network, which a
// plain-text server exposes as any other.
func isLocal(u string) bool {
	parsed, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return false
	}
	host := strings.TrimSuffix(strings.ToLower(parsed.Hostname()), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsUnspecified()
}

// authCodePatch replaces an implicit or password flow by an authorization
// code flow (OpenAPI 3.x; Swagger 2.0 has one flow per scheme and is left
// to the author). The token URL is derived from the flow's own URLs and
// must be checked by the author, which the patch's description says.
func authCodePatch(doc *spec.Document, s *spec.SecurityScheme, flow string, fl *spec.OAuthFlow) []report.PatchOp {
	if doc.Family == spec.Swagger20 || !strings.HasSuffix(fl.Ref.Pointer, "/flows/"+flow) {
		return nil
	}
	if _, exists := s.Flows["authorizationCode"]; exists {
		return []report.PatchOp{{Op: "remove", Path: fl.Ref.Pointer}}
	}
	authURL, tokenURL := fl.AuthorizationURL, fl.TokenURL
	if authURL == "" && tokenURL != "" {
		authURL = strings.TrimSuffix(tokenURL, "/token") + "/authorize"
	}
	if tokenURL == "" && authURL != "" {
		tokenURL = strings.TrimSuffix(authURL, "/authorize") + "/token"
	}
	if authURL == "" || tokenURL == "" {
		return nil
	}
	scopes := map[string]any{}
	for k, v := range fl.Scopes {
		scopes[k] = v
	}
	code := map[string]any{"authorizationUrl": authURL, "tokenUrl": tokenURL, "scopes": scopes}
	return []report.PatchOp{
		{Op: "remove", Path: fl.Ref.Pointer},
		{Op: "add", Path: strings.TrimSuffix(fl.Ref.Pointer, "/"+flow) + "/authorizationCode", Value: code},
	}
}
