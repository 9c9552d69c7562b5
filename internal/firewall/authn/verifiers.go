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
	// Certs finds the client certificate for cnf.x5t#S256 tokens; nil
	// uses the TLS connection only.
	Certs *mtls.Verifier
	DPoP  *dpop.Verifier
	// RequireBinding refuses tokens not bound by this method: "mtls",
	// "dpop", or "" for no requirement.
	RequireBinding string
	Logger         *slog.Logger
}

// WithClientTLS records in ctx whether the client's connection used TLS as
// the caller judged it (directly, or per a trusted proxy that ended TLS),
// which is the scheme a DPoP proof's htu must have when no
// dpop.external_origin is configured.
func WithClientTLS(ctx context.Context, tls bool) context.Context {
	return dpop.WithClientTLS(ctx, tls)
}

// Challenge implements Verifier.
func (b *Bearer) Challenge() string { return "Bearer" }

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

func (b *Bearer) checkBinding(ctx context.Context, r *http.Request, tok, sch string, id *Identity) error {
	cnf, _ := id.Claims["cnf"].(map[string]any)
	x5t, _ := cnf["x5t#S256"].(string)
	jkt := dpop.JKT(cnf)
	if x5t != "" {
		var cert *x509.Certificate
		if b.Certs != nil {
			cert, _, _ = b.Certs.ClientCert(r)
		} else if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
			cert = r.TLS.PeerCertificates[0]
		}
		if err := mtls.CheckBinding(cert, cnf); err != nil {
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
			if errors.Is(err, dpop.ErrUnavailable) {
				// Logged and counted by the replay store (DPoPReplay).
				return &Failure{Kind: KindUnavailable, Description: "the DPoP proof cannot be checked for replay now", Err: err}
			}
			return invalid("DPoP proof rejected", err)
		}
		id.Binding = "dpop"
	} else if sch == "DPoP" {
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

func (m *MutualTLS) Challenge() string { return "" }

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
