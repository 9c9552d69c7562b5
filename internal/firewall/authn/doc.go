// Package authn authenticates and authorizes firewall requests against the
// security requirements of the contract.
//
// # What it enforces
//
// An operation's effective requirement list (spec.Operation.Security) is
// satisfied when any one requirement (OR) has every one of its schemes
// (AND) authenticated, with the scopes the requirement lists. An empty
// list or an empty requirement ({}) admits anonymous callers, but a
// credential that is presented and invalid is still refused. Scopes are
// read from the token's "scope" (space-separated) or "scp" (array) claim;
// API keys and basic users may be given scopes in the configuration.
//
// Scheme types map to verifiers: http bearer, oauth2 and openIdConnect to
// Bearer (JWT via package jwt, opaque tokens via package introspect, then
// the token denylist, then sender constraints: RFC 8705 cnf.x5t#S256 via
// package mtls and RFC 9449 DPoP via package dpop); apiKey and http basic
// to package apikey; mutualTLS to package mtls. Package signed verifies
// signed request bodies and is called by its own stage (see below).
//
// # How a pipeline stage calls it
//
// At start-up:
//
//	rt, err := cfg.Build(doc.SecuritySchemes, logger) // cfg: Config from YAML
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
// APIKey challenge. When several alternatives fail, the answer is the one
// closest to success: insufficient scope, then unavailable, then invalid,
// then missing. Descriptions never contain the credential; the wrapped
// error (Failure.Err) is for logs at debug level only.
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
// reaches the upstream.
package authn
