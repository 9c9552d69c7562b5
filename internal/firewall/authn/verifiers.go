package authn

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/authn/internal/credentials"
	"github.com/rampart-sec/rampart/internal/firewall/authn/introspect"
	"github.com/rampart-sec/rampart/internal/firewall/authn/jwt"
	"github.com/rampart-sec/rampart/internal/firewall/authn/mtls"
	"github.com/rampart-sec/rampart/internal/firewall/cookies"
)

// Bearer verifies access tokens (http bearer, oauth2 and openIdConnect
// schemes): JWTs locally, opaque tokens by introspection, then the
// denylist, then sender constraints (RFC 8705 certificate binding, RFC
// 9449 DPoP).
type Bearer struct {
	JWT        *jwt.Verifier
	Introspect *introspect.Client
	Denylist   denylist.Store
	// DenylistFailOpen lets tokens through when the denylist store cannot
	// answer; by default such requests get 503.
	DenylistFailOpen bool
	// Certs finds the client certificate for cnf.x5t#S256 tokens: the
	// scheme's own mtls section, or else the source the mutualTLS schemes
	// use (Build and UseClientCertificates set it), so that a trusted
	// proxy's own TLS certificate is never taken for the client's and
	// its Client-Cert header is. nil uses the TLS connection only.
	Certs *mtls.Verifier
	DPoP  *dpop.Verifier
	// RequireBinding refuses tokens not bound by this method: "mtls",
	// "dpop", or "" for no requirement.
	RequireBinding string
	Logger         *slog.Logger
}

// Challenge implements Verifier: DPoP when the scheme takes DPoP-bound
// tokens only (RFC 9449 section 7.1), else Bearer.
func (b *Bearer) Challenge() string {
	if b.RequireBinding == "dpop" {
		return "DPoP"
	}
	return "Bearer"
}

func (b *Bearer) dpopAlgs() []string {
	if b.DPoP == nil {
		return nil
	}
	return b.DPoP.Algorithms()
}

func (b *Bearer) source() string { return sourceAuthorization }

// Ready implements Readier.
func (b *Bearer) Ready() bool { return b.JWT == nil || b.JWT.Ready() }

func invalid(desc string, err error) error {
	return &Failure{Kind: KindInvalid, Description: desc, Err: err}
}

// token68 characters (RFC 9110 section 11.2; RFC 6750 b64token).
func isToken68(s string) bool {
	if s == "" {
		return false
	}
	i := len(s)
	for i > 0 && s[i-1] == '=' {
		i--
	}
	if i == 0 {
		return false
	}
	for _, c := range s[:i] {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune("-._~+/", c):
		default:
			return false
		}
	}
	return true
}

// BearerToken returns the access token and the authorization scheme that
// carried it ("Bearer" or "DPoP"). Tokens in the query string are not
// accepted (RFC 6750 section 5.3: they end up in logs).
func BearerToken(r *http.Request) (token, scheme string, err error) {
	sch, tok, err := credentials.Authorization(r.Header)
	switch {
	case errors.Is(err, credentials.ErrNone):
		return "", "", &Failure{Kind: KindMissing, Description: "no access token"}
	case errors.Is(err, credentials.ErrSeveral):
		return "", "", &Failure{Kind: KindBadRequest, Description: "several Authorization header fields"}
	}
	switch {
	case strings.EqualFold(sch, "Bearer"):
		sch = "Bearer"
	case strings.EqualFold(sch, "DPoP"):
		sch = "DPoP"
	default:
		// Another scheme (e.g. Basic) is not a bearer credential.
		return "", "", &Failure{Kind: KindMissing, Description: "no access token"}
	}
	if err == nil && tok == "" {
		return "", "", &Failure{Kind: KindMissing, Description: "no access token"}
	}
	if err != nil || !isToken68(tok) {
		return "", "", &Failure{Kind: KindBadRequest, Description: "the access token is not a valid b64token"}
	}
	return tok, sch, nil
}

// Authenticate implements Verifier.
func (b *Bearer) Authenticate(ctx context.Context, r *http.Request) (*Identity, error) {
	tok, sch, err := BearerToken(r)
	if err != nil {
		return nil, err
	}
	id, err := b.authenticate(ctx, r, tok, sch)
	if f, ok := AsFailure(err); ok && sch == "DPoP" && f.Challenge == "" && b.DPoP != nil {
		// The client used the DPoP scheme: the answer is in its terms
		// (RFC 9449 section 7.1). A scheme without DPoP answers as a
		// Bearer scheme: a DPoP challenge would offer what it does not
		// take.
		f.Challenge = "DPoP"
	}
	return id, err
}

func (b *Bearer) authenticate(ctx context.Context, r *http.Request, tok, sch string) (*Identity, error) {
	id := &Identity{}
	switch {
	case b.JWT != nil && (b.Introspect == nil || jwt.LooksLikeJWT(tok)):
		t, err := b.JWT.Verify(ctx, tok)
		if err != nil {
			return nil, b.jwtFailure(err)
		}
		id.Claims = t.Claims
		id.Credentials = []CredentialType{CredentialJWT}
	case b.Introspect != nil:
		res, err := b.Introspect.Introspect(ctx, tok)
		switch {
		case errors.Is(err, introspect.ErrInactive):
			return nil, invalid("the token is not active", err)
		case err != nil:
			b.log(ctx, "token introspection failed", err)
			return nil, &Failure{Kind: KindUnavailable, Description: "the token cannot be checked now", Err: err}
		}
		id.Claims = res.Claims
		id.Credentials = []CredentialType{CredentialOpaque}
	default:
		return nil, invalid("the token format is not accepted", nil)
	}
	id.Subject, _ = id.Claims["sub"].(string)
	id.ClientID, _ = id.Claims["client_id"].(string)
	if id.ClientID == "" {
		id.ClientID, _ = id.Claims["azp"].(string)
	}
	id.Scopes = ScopesFromClaims(id.Claims)

	if b.Denylist != nil {
		jti, _ := id.Claims["jti"].(string)
		denied, err := b.Denylist.Denied(ctx, jti, denylist.TokenHash(tok))
		switch {
		case err != nil && !b.DenylistFailOpen:
			b.log(ctx, "token denylist unavailable; refusing", err)
			return nil, &Failure{Kind: KindUnavailable, Description: "the token cannot be checked now", Err: err}
		case err != nil:
			b.log(ctx, "token denylist unavailable; failing open", err)
		case denied:
			return nil, invalid("the token has been revoked", nil)
		}
	}
	if err := b.checkBinding(ctx, r, tok, sch, id); err != nil {
		return nil, err
	}
	return id, nil
}

// confirmation reads the token's cnf claim (RFC 7800): the certificate
// thumbprint (RFC 8705) and the DPoP key thumbprint (RFC 9449) the token is
// bound to, "" for each it does not name. A cnf this verifier cannot
// evaluate in full (not an object, empty, a member of the wrong type, a
// confirmation method it does not implement such as jwk) refuses the
// token: taken as unbound, a token its issuer bound to a key would work
// for whoever holds it.
func confirmation(claims map[string]any) (x5t, jkt string, err error) {
	raw, ok := claims["cnf"]
	if !ok {
		return "", "", nil
	}
	cnf, ok := raw.(map[string]any)
	if !ok {
		return "", "", invalid("the token's cnf claim is not a JSON object", nil)
	}
	if len(cnf) == 0 {
		return "", "", invalid("the token's cnf claim names no confirmation method", nil)
	}
	for _, k := range sortedNames(cnf) {
		if k != "x5t#S256" && k != "jkt" {
			// The member's name comes from the token: not echoed.
			return "", "", invalid("the token's cnf claim uses a confirmation method that cannot be checked here (only x5t#S256 and jkt can)", nil)
		}
		v, ok := cnf[k].(string)
		if !ok || v == "" {
			return "", "", invalid("the token's cnf."+k+" is not a non-empty string", nil)
		}
		if k == "jkt" {
			jkt = v
		} else {
			x5t = v
		}
	}
	return x5t, jkt, nil
}

// clientCert is the request's client certificate as the mutualTLS schemes
// find it (see Certs), nil without one.
func (b *Bearer) clientCert(r *http.Request) *x509.Certificate {
	if b.Certs != nil {
		cert, _, _ := b.Certs.ClientCert(r)
		return cert
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		return r.TLS.PeerCertificates[0]
	}
	return nil
}

func dpopInvalid(desc string, err error) error {
	return &Failure{Kind: KindInvalid, Description: desc, ErrorCode: errInvalidDPoPProof, Challenge: "DPoP", Err: err}
}

func (b *Bearer) checkBinding(ctx context.Context, r *http.Request, tok, sch string, id *Identity) error {
	x5t, jkt, err := confirmation(id.Claims)
	if err != nil {
		return err
	}
	if x5t != "" {
		cert := b.clientCert(r)
		if cert == nil {
			return invalid("the token is bound to a client certificate, and the request presented none", nil)
		}
		if err := mtls.CheckBinding(cert, map[string]any{"x5t#S256": x5t}); err != nil {
			return invalid("the token is bound to a different client certificate", err)
		}
		id.Binding = "mtls"
	}
	if jkt != "" {
		if b.DPoP == nil {
			return invalid("DPoP-bound tokens are not accepted here", nil)
		}
		// RFC 9449 section 7.1: a DPoP-bound token travels with the DPoP
		// scheme, so it cannot be replayed as a plain bearer token.
		if sch != "DPoP" {
			return invalid("a DPoP-bound token must use the DPoP authorization scheme", nil)
		}
		if err := b.DPoP.Verify(ctx, r, tok, jkt); err != nil {
			switch {
			case errors.Is(err, dpop.ErrUnavailable):
				// Logged and counted by the replay store (DPoPReplay).
				return &Failure{Kind: KindUnavailable, Description: "the DPoP proof cannot be checked for replay now", Err: err}
			case errors.Is(err, dpop.ErrBinding):
				// The proof may be sound; the token is not this key's.
				return invalid("the token is bound to another DPoP key", err)
			case errors.Is(err, dpop.ErrMissing):
				return dpopInvalid("the request has no DPoP proof", err)
			case errors.Is(err, dpop.ErrReplay):
				return dpopInvalid("the DPoP proof has been used before", err)
			}
			return dpopInvalid("DPoP proof rejected", err)
		}
		id.Binding = "dpop"
	} else if sch == "DPoP" {
		if b.DPoP == nil {
			return invalid("this operation does not take the DPoP scheme: send the token as Bearer", nil)
		}
		return invalid("the token is not DPoP-bound", nil)
	}
	switch b.RequireBinding {
	case "mtls", "dpop":
		if id.Binding != b.RequireBinding {
			return invalid("the token must be sender-constrained ("+b.RequireBinding+")", nil)
		}
	}
	return nil
}

func (b *Bearer) jwtFailure(err error) error {
	switch {
	case errors.Is(err, jwt.ErrNotReady):
		return &Failure{Kind: KindUnavailable, Description: "signing keys are not loaded yet", Err: err}
	case errors.Is(err, jwt.ErrExpired):
		return invalid("the token has expired", err)
	case errors.Is(err, jwt.ErrType):
		return invalid("the token type is not accepted", err)
	case errors.Is(err, jwt.ErrClaims):
		return invalid("the token claims are not accepted", err)
	case errors.Is(err, jwt.ErrAlgorithm):
		return invalid("the signature algorithm is not accepted", err)
	case errors.Is(err, jwt.ErrCritical):
		return invalid("the token has an unsupported critical header", err)
	case errors.Is(err, jwt.ErrNoKey):
		return invalid("no key is known for the token", err)
	}
	return invalid("the token is not valid", err)
}

func (b *Bearer) log(ctx context.Context, msg string, err error) {
	if b.Logger != nil {
		b.Logger.WarnContext(ctx, msg, "error", err)
	}
}

// APIKey verifies apiKey schemes.
type APIKey struct{ Checker *apikey.Checker }

func (a *APIKey) Challenge() string { return "APIKey" }

// source: a key in the Authorization header shares it with the token and
// basic schemes.
func (a *APIKey) source() string {
	switch a.Checker.In {
	case "header":
		name := http.CanonicalHeaderKey(a.Checker.Name)
		if name == "Authorization" {
			return sourceAuthorization
		}
		return "header:" + name
	case "query":
		return "query:" + a.Checker.Name
	}
	return a.Checker.In + ":" + a.Checker.Name
}

func (a *APIKey) Authenticate(_ context.Context, r *http.Request) (*Identity, error) {
	k, err := a.Checker.Check(r)
	switch {
	case errors.Is(err, apikey.ErrMissing):
		return nil, &Failure{Kind: KindMissing, Description: "no API key"}
	case errors.Is(err, apikey.ErrSeveral):
		return nil, &Failure{Kind: KindBadRequest, Description: "the API key is sent more than once"}
	case errors.Is(err, cookies.ErrAmbiguous):
		return nil, &Failure{Kind: KindBadRequest, Description: "the Cookie header hides a cookie after a comma"}
	case err != nil:
		return nil, invalid("the API key is not recognised", err)
	}
	return &Identity{Subject: k.ID, ClientID: k.ID, Scopes: k.Scopes, Credentials: []CredentialType{CredentialAPIKey}}, nil
}

// Basic verifies http basic schemes.
type Basic struct{ Checker *apikey.Basic }

func (b *Basic) Challenge() string { return "Basic" }

func (b *Basic) source() string { return sourceAuthorization }

func (b *Basic) Authenticate(_ context.Context, r *http.Request) (*Identity, error) {
	u, err := b.Checker.Check(r)
	switch {
	case errors.Is(err, apikey.ErrNoBasic):
		return nil, &Failure{Kind: KindMissing, Description: "no basic credentials"}
	case errors.Is(err, apikey.ErrSeveralFields):
		return nil, &Failure{Kind: KindBadRequest, Description: "several Authorization header fields"}
	case errors.Is(err, apikey.ErrMalformedField):
		return nil, &Failure{Kind: KindBadRequest, Description: "the Authorization header field is malformed"}
	case err != nil:
		return nil, invalid("the user name or password is wrong", err)
	}
	return &Identity{Subject: u.Username, Scopes: u.Scopes, Credentials: []CredentialType{CredentialBasic}}, nil
}

// MutualTLS verifies mutualTLS schemes: a client certificate that chains
// to the configured CA bundle.
type MutualTLS struct{ Verifier *mtls.Verifier }

// Challenge implements Verifier: no HTTP authentication scheme asks for a
// client certificate.
func (m *MutualTLS) Challenge() string { return NoChallenge }

func (m *MutualTLS) source() string { return sourceClientCert }

func (m *MutualTLS) Authenticate(_ context.Context, r *http.Request) (*Identity, error) {
	cert, err := m.Verifier.Verify(r)
	switch {
	case errors.Is(err, mtls.ErrNoCert):
		return nil, &Failure{Kind: KindMissing, Description: "no client certificate"}
	case errors.Is(err, mtls.ErrMalformed):
		return nil, &Failure{Kind: KindBadRequest, Description: "the forwarded client certificate is malformed", Err: err}
	case err != nil:
		return nil, invalid("the client certificate is not trusted", err)
	}
	claims := map[string]any{"x5t#S256": mtls.Thumbprint(cert), "subject_dn": cert.Subject.String()}
	sub := cert.Subject.CommonName
	if sub == "" {
		sub = cert.Subject.String()
	}
	return &Identity{Subject: sub, Claims: claims, Credentials: []CredentialType{CredentialMTLS}, Binding: "mtls"}, nil
}
