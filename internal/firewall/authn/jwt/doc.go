// Package jwt verifies JWT access tokens with lestrrat-go/jwx.
//
// Keys come from a JWKS URL, from OIDC discovery (openIdConnectUrl), from
// PEM or JWK files, or, for HS* algorithms only, from an explicitly
// configured secret. The rules of RFC 8725 are applied: an algorithm
// allowlist ("none" never accepted), the key type and curve must fit the
// algorithm, HMAC never uses key-set material (so a token "signed" with a
// public key's bytes fails), "jku", "x5u", "x5c" and "jwk" headers are
// never used to find keys, and any "crit" header is refused. Claims: exp
// (required by default), nbf, iat with leeway, iss, aud (any of), typ (e.g.
// at+jwt per RFC 9068, which refuses ID tokens).
//
// Use: b, err := cfg.Build(scheme.OpenIDConnectURL, logger); go
// b.Remote.Run(ctx) when b.Remote != nil; then b.Verifier.Verify(ctx, tok).
// errors.Is(err, ErrNotReady) means 503 (no key set loaded yet); any other
// error means 401 invalid_token.
package jwt
