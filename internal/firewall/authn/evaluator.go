package authn

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Verifier authenticates the credential of one security scheme.
type Verifier interface {
	// Authenticate returns the identity the scheme's credential proves, or
	// a *Failure: KindMissing when the request carries no credential for
	// this scheme, KindInvalid when it carries a bad one, KindUnavailable
	// when verification cannot run now.
	Authenticate(ctx context.Context, r *http.Request) (*Identity, error)
	// Challenge is the WWW-Authenticate scheme ("Bearer", "Basic", ...).
	Challenge() string
}

// Readier is implemented by verifiers that need to load something (a
// JWKS) before they can verify.
type Readier interface{ Ready() bool }

// Evaluator enforces an operation's security requirements.
type Evaluator struct {
	schemes   map[string]*spec.SecurityScheme
	verifiers map[string]Verifier
	realm     string
}

// NewEvaluator binds verifiers (by security scheme name) to the
// document's schemes.
func NewEvaluator(schemes map[string]*spec.SecurityScheme, verifiers map[string]Verifier, realm string) *Evaluator {
	return &Evaluator{schemes: schemes, verifiers: verifiers, realm: realm}
}

// Check reports operations whose requirements name a scheme the document
// does not define or no verifier is configured for. Run it at start-up:
// such operations would otherwise be refused at run time.
func (e *Evaluator) Check(ops []*spec.Operation) error {
	missing := map[string][]string{}
	for _, op := range ops {
		for _, req := range op.Security {
			for _, s := range req.Schemes {
				if _, ok := e.verifiers[s.Name]; !ok {
					missing[s.Name] = append(missing[s.Name], op.Key())
				}
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(missing))
	for n := range missing {
		names = append(names, n)
	}
	sort.Strings(names)
	msg := ""
	for _, n := range names {
		why := "no verifier is configured for it"
		if _, ok := e.schemes[n]; !ok {
			why = "the document does not define it"
		}
		msg += fmt.Sprintf("\n  security scheme %q (%s), used by %s", n, why, missing[n][0])
		if k := len(missing[n]) - 1; k > 0 {
			msg += fmt.Sprintf(" and %d more", k)
		}
	}
	return fmt.Errorf("authentication is not configured for every scheme the contract uses:%s", msg)
}

// Ready reports whether every verifier can verify now. Until then the
// server's readiness probe should fail.
func (e *Evaluator) Ready() bool {
	for _, v := range e.verifiers {
		if r, ok := v.(Readier); ok && !r.Ready() {
			return false
		}
	}
	return true
}

type outcome struct {
	id  *Identity
	err error
}

// Evaluate authenticates r against reqs, the operation's effective
// security requirements: any one requirement (OR) whose every scheme
// (AND) authenticates, with the scopes it lists, admits the request. An
// empty list, or an empty requirement, admits anonymous callers; but a
// credential that is presented and invalid, or cannot be checked now, is
// refused even then, since the client meant to authenticate and should
// learn that it failed.
func (e *Evaluator) Evaluate(ctx context.Context, r *http.Request, reqs []spec.SecurityRequirement) (*Identity, *Failure) {
	if len(reqs) == 0 {
		return &Identity{Anonymous: true}, nil
	}
	memo := map[string]outcome{}
	// A DPoP proof is used once per request, whichever schemes check it.
	// Only a request that carries one needs the mark (an allocation on
	// every authenticated request otherwise).
	if len(r.Header.Values(dpop.Header)) > 0 {
		ctx = dpop.WithRequest(ctx)
	}
	anonymous := false
	var best *Failure
	for _, req := range reqs {
		if len(req.Schemes) == 0 {
			anonymous = true
			continue
		}
		id, f := e.requirement(ctx, r, req, memo)
		if f == nil {
			return id, nil
		}
		if best == nil || rank(f.Kind) > rank(best.Kind) {
			best = f
		}
	}
	if anonymous {
		// Only a caller that presented nothing is anonymous. A credential
		// that is invalid, malformed or cannot be checked now (keys not
		// loaded, introspection or denylist unreachable) would otherwise
		// reach the upstream unverified, perhaps revoked.
		if best != nil && (best.Kind == KindInvalid || best.Kind == KindBadRequest || best.Kind == KindUnavailable) {
			return nil, best
		}
		return &Identity{Anonymous: true}, nil
	}
	return nil, best
}

// rank orders failures across alternatives: the answer closest to success
// is the most useful one to give.
func rank(k Kind) int {
	switch k {
	case KindInsufficientScope:
		return 4
	case KindUnavailable:
		return 3
	case KindInvalid, KindBadRequest:
		return 2
	}
	return 1
}

func (e *Evaluator) requirement(ctx context.Context, r *http.Request, req spec.SecurityRequirement, memo map[string]outcome) (*Identity, *Failure) {
	type part struct {
		id     *Identity
		scheme string
	}
	var parts []part
	for _, s := range req.Schemes {
		v, ok := e.verifiers[s.Name]
		if !ok {
			// Fail closed: Check reports this at start-up.
			return nil, &Failure{Kind: KindUnavailable, Scheme: s.Name, Description: "authentication is not configured for this operation", Realm: e.realm}
		}
		o, done := memo[s.Name]
		if !done {
			o.id, o.err = v.Authenticate(ctx, r)
			memo[s.Name] = o
		}
		if o.err != nil {
			f, ok := AsFailure(o.err)
			if !ok {
				f = &Failure{Kind: KindInvalid, Description: "credential rejected", Err: o.err}
			}
			cp := *f
			cp.Scheme = s.Name
			cp.Realm = e.realm
			if cp.Challenge == "" {
				cp.Challenge = v.Challenge()
			}
			return nil, &cp
		}
		if len(s.Scopes) > 0 && !o.id.HasScopes(s.Scopes) {
			return nil, &Failure{Kind: KindInsufficientScope, Scheme: s.Name, Description: "the token does not grant the scopes this operation requires", Scopes: s.Scopes, Challenge: v.Challenge(), Realm: e.realm}
		}
		parts = append(parts, part{o.id, s.Name})
	}
	// A person's or token's subject names the caller better than an API
	// key, which names the calling application (kept as ClientID): merge
	// API key identities last.
	out := &Identity{}
	for pass := 0; pass < 2; pass++ {
		for _, p := range parts {
			isKey := len(p.id.Credentials) > 0 && p.id.Credentials[0] == CredentialAPIKey
			if isKey == (pass == 1) {
				merge(out, p.id, p.scheme)
			}
		}
	}
	return out, nil
}

func merge(dst, src *Identity, scheme string) {
	if dst.Subject == "" {
		dst.Subject = src.Subject
	}
	if dst.ClientID == "" {
		dst.ClientID = src.ClientID
	}
	for _, s := range src.Scopes {
		if !dst.HasScopes([]string{s}) {
			dst.Scopes = append(dst.Scopes, s)
		}
	}
	if dst.Claims == nil {
		dst.Claims = src.Claims
	}
	if dst.Binding == "" {
		dst.Binding = src.Binding
	}
	dst.Schemes = append(dst.Schemes, scheme)
	dst.Credentials = append(dst.Credentials, src.Credentials...)
}
