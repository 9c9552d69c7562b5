// Package authn authenticates and authorizes firewall requests against the
// security requirements of the contract.
//
// # What it enforces
//
// An operation's effective requirement list (spec.Operation.Security) is
// satisfied when any one requirement (OR) has every one of its schemes
// (AND) authenticated, with the scopes the requirement lists. An empty
// list or an empty requirement ({}) admits anonymous callers. Whichever
// alternative admits a request, every credential it presents for a
// scheme the requirements name must verify (Evaluator.presented): a
// forged or expired token beside a good API key is refused, not passed to
// the upstream. Scopes are read from the token's "scope" (space-separated)
// or "scp" (array) claim; API keys and basic users may be given scopes in
// the configuration.
//
// Scheme types map to verifiers, by the type the contract gives the
// scheme: http bearer, oauth2 and openIdConnect to Bearer (JWT via package
// jwt, opaque tokens via package introspect, then the token denylist, then
// sender constraints: RFC 8705 cnf.x5t#S256 via package mtls and RFC 9449
// DPoP via package dpop); apiKey and http basic to package apikey;
// mutualTLS to package mtls, by the client certificate alone. Settings of
// another kind of credential on a scheme (jwt on a mutualTLS scheme, mtls
// on an apiKey scheme) stop Build. Package signed verifies signed request
// bodies and is called by its own stage (see below).
//
// # How a pipeline stage calls it
//
// At start-up:
//
//	rt, err := cfg.Build(doc.SecuritySchemes, logger) // cfg: Config from YAML
//	rt.UseClientCertificates(certHeaders) // every trusted proxy, client_certificates' included
//	err = rt.Check(doc.Operations) // schemes used but not configured
//	rt.Start(ctx)                  // loads JWKS / OIDC keys in the background
//	defer rt.Close()
//	// readiness probe: rt.Ready() is false until every key set is loaded
//
// Per request, in the authentication stage, after routing and before any
// body is read:
//
//	id, fail := rt.Evaluate(r.Context(), r, op.Security)
//	if fail != nil {
//		fail.WriteHeaders(w.Header()) // WWW-Authenticate, Retry-After
//		// answer fail.Status() with reason code fail.Reason()
//	}
//	// id (never nil on success) names the caller: Subject, ClientID,
//	// Scopes, Claims, Schemes, Credentials, Binding. It carries no secret
//	// and may go to the audit log and to identity-keyed rate limits.
//
// Failure mapping (Failure.Status / Failure.Reason):
//
//	KindMissing            401 auth-missing        WWW-Authenticate: Bearer realm="..." (no error code, RFC 6750 3.1)
//	KindInvalid            401 auth-invalid        Bearer realm="...", error="invalid_token", error_description="..."
//	KindBadRequest         400 auth-bad-request    Bearer ..., error="invalid_request"
//	KindInsufficientScope  403 insufficient-scope  Bearer ..., error="insufficient_scope", scope="a b"
//	KindUnavailable        503 auth-unavailable    Retry-After: 5 (keys not loaded, introspection, denylist or DPoP replay store down)
//
// For basic schemes the challenge is Basic realm="..."; for API keys an
// APIKey challenge; a client certificate failure has none (NoChallenge).
// A scheme with a dpop section adds DPoP realm="...", algs="ES256 ..." to
// its Bearer challenge (RFC 9449 section 7.2); with require_binding: dpop,
// or when the request used the DPoP scheme, the challenge is DPoP alone,
// and a missing, malformed, replayed or mismatched proof is
// error="invalid_dpop_proof". When several alternatives fail, the answer
// is the one closest to success: insufficient scope, then unavailable,
// then invalid, then missing. Descriptions never contain the credential;
// the wrapped error (Failure.Err) is for logs at debug level only.
//
// The authorization stage has nothing left to do for scopes (they are
// checked per requirement, since OR-alternatives may need different ones);
// it may use the Identity for further rules.
//
// Signed payloads, in a stage after the body is read (package signed):
//
//	res, err := sv.Verify(r, body)
//	// errors.Is(err, signed.ErrUnsigned) -> 400 "signature-required" when the operation requires it
//	// errors.Is(err, signed.ErrInvalid)  -> 400 "signature-invalid"
//	// for application/jose, validate res.Payload (content type res.ContentType) against the schema
//
// mTLS: when TLS ends at a trusted proxy the certificate arrives in the
// RFC 9440 Client-Cert header; the proxy stage should call
// mtls.Verifier.StripUntrusted so that a header written by a client never
// reaches the upstream. A peer that any mtls section (or, through
// UseClientCertificates, client_certificates) trusts as a proxy is one for
// every scheme: its own TLS certificate is never taken for a client's,
// whether a mutualTLS scheme or a certificate-bound token asks.
package authn
