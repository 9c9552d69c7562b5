package authn

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/params"
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

// Where verifiers read their credential (see sourced):
// sourceAuthorization for bearer, DPoP and basic credentials (and an API
// key named Authorization), sourceClientCert for mutualTLS schemes.
const (
	sourceAuthorization = "authorization"
	sourceClientCert    = "client-certificate"
)

// sourced is implemented by the verifiers: the part of a request a
// verifier reads its credential from. Schemes reading the same part
// (two token schemes of different issuers, a bearer and a basic scheme,
// two key lists under one header) check the same credential, and one of
// them accepting it is enough.
type sourced interface{ source() string }

// dpopChallenger is implemented by the token verifier: the algs of its
// DPoP challenge, nil when the scheme does not take DPoP-bound tokens.
type dpopChallenger interface{ dpopAlgs() []string }

func sourceOf(name string, v Verifier) string {
	if s, ok := v.(sourced); ok {
		return s.source()
	}
	return "scheme:" + name
}

// Evaluate authenticates r against reqs, the operation's effective
// security requirements: any one requirement (OR) whose every scheme
// (AND) authenticates, with the scopes it lists, admits the request. An
// empty list, or an empty requirement, admits anonymous callers.
//
// Whichever alternative admits the request, every credential it presents
// for a scheme the requirements name must verify: a credential that is
// presented and invalid, or cannot be checked now, is refused, since the
// upstream would get it unverified (and might trust it), and the client
// meant to authenticate and should learn that it failed. See presented.
func (e *Evaluator) Evaluate(ctx context.Context, r *http.Request, reqs []spec.SecurityRequirement) (*Identity, *Failure) {
	if len(reqs) == 0 {
		return &Identity{Anonymous: true}, nil
	}
	if f := e.queryToken(r, reqs); f != nil {
		return nil, f
	}
	memo := map[string]outcome{}
	// A DPoP proof is used once per request, whichever schemes check it.
	// Only a request that carries one needs the mark (an allocation on
	// every authenticated request otherwise).
	if len(r.Header.Values(dpop.Header)) > 0 {
		ctx = dpop.WithRequest(ctx)
	}
	anonymous := false
	var id *Identity
	var best *Failure
	for _, req := range reqs {
		if len(req.Schemes) == 0 {
			anonymous = true
			continue
		}
		got, f := e.requirement(ctx, r, req, memo)
		if f == nil {
			id = got
			break
		}
		if best == nil || closer(f, best) {
			best = f
		}
	}
	if id == nil && !anonymous {
		if best != nil && best.Kind == KindMissing {
			// "Missing" only because no scheme reads what was sent
			// (Authorization: Token xyz where a bearer token is
			// required): a credential was presented and is refused as
			// invalid, as it is where {} would have admitted the caller,
			// so the reason code does not depend on the alternatives.
			if f := e.presented(ctx, r, reqs, memo); f != nil && f.Kind != KindUnavailable {
				return nil, f
			}
		}
		return nil, best
	}
	if f := e.presented(ctx, r, reqs, memo); f != nil {
		return nil, f
	}
	if id == nil {
		// Only a caller that presented nothing, or only credentials that
		// verify, is anonymous.
		return &Identity{Anonymous: true}, nil
	}
	return id, nil
}

// queryToken refuses an access token sent in the query string (RFC 6750
// section 2.3, access_token) to an operation a token scheme protects: the
// firewall reads tokens from Authorization only, and many frameworks read
// access_token from the query, some before the header, trusting the
// gateway to have checked it. Passed along, a forged or expired token
// reached the upstream beside a verified one, or alone on an operation
// that also admits anonymous callers. The answer is RFC 6750's for a
// token sent by an unsupported method: 400 invalid_request. An API key
// scheme the contract places in the query under that name reads it as
// its own credential instead.
func (e *Evaluator) queryToken(r *http.Request, reqs []spec.SecurityRequirement) *Failure {
	// A cheap look first; escapes ("access_%74oken") can spell the name.
	if q := r.URL.RawQuery; q == "" || !strings.Contains(strings.ToLower(q), "token") && !strings.Contains(q, "%") {
		return nil
	}
	// (An API key scheme reading access_token from the query takes the
	// exact name; its look-alikes are the API key check's business.)
	bearer := e.queryTokenScheme(reqs)
	if bearer == "" {
		return nil
	}
	for k := range r.URL.Query() {
		// Under any name a lenient server files as access_token
		// (access.token, access_token[], ACCESS_TOKEN).
		if params.IsAccessToken(k) {
			return e.failure(bearer, &Failure{Kind: KindBadRequest, Description: "access tokens in the query string are not accepted; send the token in the Authorization header"})
		}
	}
	return nil
}

// queryTokenScheme is the token scheme on whose behalf an access_token
// query parameter is refused for an operation with these requirements, ""
// when none is (no token scheme, or an API key scheme reads that name).
func (e *Evaluator) queryTokenScheme(reqs []spec.SecurityRequirement) string {
	var bearer string
	for _, req := range reqs {
		for _, s := range req.Schemes {
			switch v := e.verifiers[s.Name].(type) {
			case *Bearer:
				if bearer == "" {
					bearer = s.Name
				}
			case *APIKey:
				if v.Checker.In == "query" && strings.EqualFold(v.Checker.Name, params.AccessTokenName) {
					return ""
				}
			}
		}
	}
	return bearer
}

// RefusesQueryToken reports whether a token scheme protects an operation
// with these requirements, so that access tokens sent elsewhere than in
// Authorization (the query, a form body) are refused.
func (e *Evaluator) RefusesQueryToken(reqs []spec.SecurityRequirement) bool {
	return len(reqs) > 0 && e.queryTokenScheme(reqs) != ""
}

// QueryTokenConflicts lists the operations (METHOD /path) that declare a
// query parameter read as access_token while a token scheme protects
// them: every call with it is refused (queryToken), which start-up
// reports so that the contract or the API can be changed.
func (e *Evaluator) QueryTokenConflicts(ops []*spec.Operation) []string {
	var out []string
	for _, op := range ops {
		if len(op.Security) == 0 || e.queryTokenScheme(op.Security) == "" {
			continue
		}
		for _, p := range op.Parameters {
			if p.In == "query" && params.IsAccessToken(p.Name) {
				out = append(out, op.Method+" "+op.Path)
				break
			}
		}
	}
	return out
}

// presented checks every credential the request carries for the schemes
// reqs name, once a requirement (or {}) has admitted it. Credentials are
// grouped by where they are read (sourceOf): a credential is good when one
// scheme reading it accepts it, in any requirement (a token that lacks a
// scope one alternative needs is still a genuine token), and refused when
// none does and one of them finds it invalid, malformed or not checkable
// now. A credential that is absent is not presented.
//
// The Authorization field is one credential whatever scheme name it
// carries: when a scheme the operation names reads that field and the
// request sends a credential in it that none of them accepts (another
// scheme name such as Token or Digest, a basic credential that does not
// decode), the request is refused with 401, since the upstream could take
// that credential for one the firewall checked. An empty field, or a bare
// Bearer, DPoP or Basic with nothing after it, carries no credential.
// Credentials at places no scheme of the operation reads (an Authorization
// field on an operation that only takes an API key) are not the
// contract's and pass as sent.
//
// A client certificate is presented when the TLS handshake (or a trusted
// proxy's Client-Cert) carries one and the operation names a mutualTLS
// scheme; it is good when such a scheme accepts it, or when an accepted
// token is bound to it (certBound).
//
// Among several bad credentials a definitive refusal (401, 400) is given
// before a 503.
func (e *Evaluator) presented(ctx context.Context, r *http.Request, reqs []spec.SecurityRequirement, memo map[string]outcome) *Failure {
	if everyAccepted(reqs, memo) {
		// The common case (one requirement, met): nothing else to check.
		return nil
	}
	var order []string
	bySource := map[string][]string{}
	seen := map[string]bool{}
	for _, req := range reqs {
		for _, s := range req.Schemes {
			if seen[s.Name] {
				continue
			}
			seen[s.Name] = true
			v, ok := e.verifiers[s.Name]
			if !ok {
				// Fail closed: Check reports this at start-up.
				return &Failure{Kind: KindUnavailable, Scheme: s.Name, Description: "authentication is not configured for this operation", Realm: e.realm}
			}
			src := sourceOf(s.Name, v)
			if _, ok := bySource[src]; !ok {
				order = append(order, src)
			}
			bySource[src] = append(bySource[src], s.Name)
		}
	}
	// The certificate last: a token bound to it may vouch for it.
	if i := slices.Index(order, sourceClientCert); i >= 0 {
		order = append(slices.Delete(order, i, i+1), sourceClientCert)
	}
	var later *Failure
	for _, src := range order {
		names := bySource[src]
		if accepted(names, memo) || (src == sourceClientCert && certBound(memo)) {
			continue
		}
		var fail *Failure
		ok := false
		for _, n := range names {
			o := e.run(ctx, r, n, memo)
			if o.err == nil {
				ok = true
				break
			}
			f := e.failure(n, o.err)
			if f.Kind == KindMissing {
				continue
			}
			if fail == nil || (fail.Kind == KindUnavailable && f.Kind != KindUnavailable) {
				fail = f
			}
		}
		if ok {
			continue
		}
		if fail == nil && src == sourceAuthorization && authorizationPresented(r.Header) {
			v := e.verifiers[names[0]]
			fail = e.failure(names[0], &Failure{Kind: KindInvalid, Description: "the Authorization header carries a credential of a kind this operation does not accept"})
			if _, ok := v.(*Bearer); ok {
				// Not a credential of the DPoP scheme: the answer is the
				// one a token scheme gives, whatever it requires.
				fail.Challenge = "Bearer"
			}
		}
		switch {
		case fail == nil:
		case fail.Kind != KindUnavailable:
			return fail
		case later == nil:
			later = fail
		}
	}
	return later
}

// certBound reports whether a token accepted in this request is bound to
// the client certificate (RFC 8705): its thumbprint matched, so the
// certificate is the token holder's, checked even if no CA issued it (RFC
// 8705 section 2.2 binds tokens to self-signed certificates too).
func certBound(memo map[string]outcome) bool {
	for _, o := range memo {
		if o.err == nil && o.id != nil && o.id.Binding == "mtls" && !slices.Contains(o.id.Credentials, CredentialMTLS) {
			return true
		}
	}
	return false
}

// everyAccepted reports whether every scheme reqs name has accepted its
// credential in this request.
func everyAccepted(reqs []spec.SecurityRequirement, memo map[string]outcome) bool {
	for _, req := range reqs {
		for _, s := range req.Schemes {
			if o, done := memo[s.Name]; !done || o.err != nil {
				return false
			}
		}
	}
	return true
}

// accepted reports whether a scheme among names has already accepted its
// credential in this request.
func accepted(names []string, memo map[string]outcome) bool {
	for _, n := range names {
		if o, done := memo[n]; done && o.err == nil {
			return true
		}
	}
	return false
}

// authorizationPresented reports whether the request carries a credential
// in Authorization: a field that is neither empty nor a bare scheme name
// of a kind the firewall verifies. A bare unknown word counts, since some
// servers take the whole field for a token.
func authorizationPresented(h http.Header) bool {
	vals := h.Values("Authorization")
	if len(vals) != 1 {
		return len(vals) > 1
	}
	v := strings.TrimSpace(vals[0])
	if v == "" {
		return false
	}
	if strings.ContainsAny(v, " \t") {
		return true
	}
	for _, bare := range []string{"Bearer", "DPoP", "Basic"} {
		if strings.EqualFold(v, bare) {
			return false
		}
	}
	return true
}

// closer orders failures across alternatives: the answer closest to
// success is the most useful one to give. Between equals, one with a
// challenge beats one without, so that a client that sent nothing learns
// of a scheme it can use.
func closer(f, best *Failure) bool {
	if rank(f.Kind) != rank(best.Kind) {
		return rank(f.Kind) > rank(best.Kind)
	}
	return best.Challenge == NoChallenge && f.Challenge != NoChallenge
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

// run authenticates scheme name once per request.
func (e *Evaluator) run(ctx context.Context, r *http.Request, name string, memo map[string]outcome) outcome {
	o, done := memo[name]
	if !done {
		o.id, o.err = e.verifiers[name].Authenticate(ctx, r)
		memo[name] = o
	}
	return o
}

// failure is err as a failure of scheme name, with the scheme's challenge.
func (e *Evaluator) failure(name string, err error) *Failure {
	v := e.verifiers[name]
	f, ok := AsFailure(err)
	if !ok {
		f = &Failure{Kind: KindInvalid, Description: "credential rejected", Err: err}
	}
	cp := *f
	cp.Scheme = name
	cp.Realm = e.realm
	if cp.Challenge == "" {
		cp.Challenge = v.Challenge()
	}
	if d, ok := v.(dpopChallenger); ok && cp.DPoPAlgs == nil {
		cp.DPoPAlgs = d.dpopAlgs()
	}
	return &cp
}

func (e *Evaluator) requirement(ctx context.Context, r *http.Request, req spec.SecurityRequirement, memo map[string]outcome) (*Identity, *Failure) {
	type part struct {
		id     *Identity
		scheme string
	}
	var parts []part
	for _, s := range req.Schemes {
		if _, ok := e.verifiers[s.Name]; !ok {
			// Fail closed: Check reports this at start-up.
			return nil, &Failure{Kind: KindUnavailable, Scheme: s.Name, Description: "authentication is not configured for this operation", Realm: e.realm}
		}
		o := e.run(ctx, r, s.Name, memo)
		if o.err != nil {
			return nil, e.failure(s.Name, o.err)
		}
		if len(s.Scopes) > 0 && !o.id.HasScopes(s.Scopes) {
			f := e.failure(s.Name, &Failure{Kind: KindInsufficientScope, Description: "the token does not grant the scopes this operation requires", Scopes: s.Scopes})
			if o.id.Binding == "dpop" {
				f.Challenge = "DPoP"
			}
			return nil, f
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
