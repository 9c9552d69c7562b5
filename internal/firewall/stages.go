package firewall

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/authn/signed"
	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/cookies"
	"github.com/rampart-sec/rampart/internal/firewall/harden"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/firewall/ratelimit"
	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/params"
)

// Stages returns the pipeline of a server: the protections wired to its
// configuration, in the documented order.
func (s *Server) Stages() []Stage {
	return []Stage{
		ipRulesStage{s},
		rateLimitIPStage{s},
		corsStage{s},
		routingStage{s},
		// Per-IP limits tied to operations run before authentication,
		// so failed authentications count against them.
		rateLimitIPOpStage{s},
		limitsStage{},
		authenticationStage{s},
		passThrough(StageAuthorization), // scopes are checked per requirement by authentication
		rateLimitIDStage{s},
		// The body is read only for callers who may call the operation:
		// an unauthenticated one gets 401 whatever the body holds, is
		// not sent 100 Continue and costs no read or decompression.
		bodyStage{},
		signedStage{s},
		validationStage{},
		blacklistStage{s},
	}
}

type ipRulesStage struct{ s *Server }

func (ipRulesStage) Name() string { return StageIPRules }

func (st ipRulesStage) Process(tx *Tx) *Rejection {
	if f := tx.connForwarding; f != "" {
		// Dropped as a connection option, the field would leave a trusted
		// proxy's address as the client's; kept, the upstream would not
		// get it. Either way the client is not what the IP rules judge.
		return &Rejection{Violation: plan.Violation{Status: http.StatusBadRequest, Reason: "ambiguous-header", Detail: "the Connection header names " + quoteName(f) + ", a field the firewall reads to resolve the client"}, Hard: true}
	}
	ip := tx.C.pol.ip
	tx.Client = ip.Resolve(tx.R).Addr
	if d := ip.Check(tx.Client, ""); !d.Allowed {
		return ipRejection(d.Reason)
	}
	return nil
}

func ipRejection(reason string) *Rejection {
	return &Rejection{Violation: plan.Violation{Status: http.StatusForbidden, Reason: reason, Detail: "the client address is not allowed to call this API"}}
}

// checkOpIP applies the operation's own address lists (configuration and
// contract) once routing knows the operation.
func (s *Server) checkOpIP(tx *Tx) *Rejection {
	pol := tx.C.op(tx.Op)
	if pol == nil || !pol.ipOpRules {
		return nil
	}
	if d := tx.C.pol.ip.Check(tx.Client, tx.Op.ID); !d.Allowed {
		return ipRejection(d.Reason)
	}
	if sp := tx.C.specIP; sp != nil {
		if d := sp.Check(tx.Client, tx.Op.ID); !d.Allowed {
			return ipRejection(d.Reason)
		}
	}
	return nil
}

type rateLimitIPStage struct{ s *Server }

func (rateLimitIPStage) Name() string { return StageRateLimitIP }

func (st rateLimitIPStage) Process(tx *Tx) *Rejection {
	lim := tx.C.limiter
	if lim == nil {
		return nil
	}
	return rateResult(tx, lim.Check(tx.R.Context(), ratelimit.Input{Phase: ratelimit.PhaseIP, IP: tx.Client, StoreDown: &tx.rateStoreDown}))
}

type rateLimitIPOpStage struct{ s *Server }

func (rateLimitIPOpStage) Name() string { return StageRateLimitIPOp }

// Process charges the rules keyed by ip that need the operation (limited
// to some operations, or counted per operation) as soon as routing knows
// it and before authentication: a 401 counts like any other answer, so a
// client guessing API keys or passwords on an operation is limited by its
// address.
func (st rateLimitIPOpStage) Process(tx *Tx) *Rejection {
	lim := tx.C.limiter
	if lim == nil || tx.Op == nil {
		return nil
	}
	return rateResult(tx, lim.Check(tx.R.Context(), ratelimit.Input{Phase: ratelimit.PhaseOperationIP, Operation: tx.Op.ID, IP: tx.Client, StoreDown: &tx.rateStoreDown}))
}

func rateResult(tx *Tx, res ratelimit.Result) *Rejection {
	if res.Allowed {
		if res.Applied() {
			res.SetHeaders(tx.W.Header())
		}
		return nil
	}
	// The refusal's fields replace the response's: start from the rules
	// an earlier rate-limit stage applied, so that every applied rule is
	// reported, as on the responses that pass.
	h := http.Header{}
	for _, f := range [...]string{"RateLimit-Policy", "RateLimit"} {
		for _, v := range tx.W.Header().Values(f) {
			h.Add(f, v)
		}
	}
	res.SetHeaders(h)
	detail := "too many requests; retry later"
	if res.Status == http.StatusServiceUnavailable {
		detail = "the rate-limit store cannot be reached"
	}
	return &Rejection{Violation: plan.Violation{Status: res.Status, Reason: res.Reason, Detail: detail}, Headers: h}
}

type corsStage struct{ s *Server }

func (corsStage) Name() string { return StageCORS }

// Process answers preflights before routing, so they never reach the
// upstream and need no credentials, and checks the origin of other
// requests. Without a CORS configuration a preflight on a known path gets
// 204 without any Access-Control-* header, which browsers treat as a
// refusal.
func (st corsStage) Process(tx *Tx) *Rejection {
	cors := tx.C.pol.cors
	r := tx.R
	tx.corsStageRan = true
	if !harden.IsPreflight(r) {
		if cors.Enabled() {
			// The headers are set on every response as it goes out
			// (Server.harden); here only the refusal is decided.
			if out := cors.CheckActual(r); !out.Allowed {
				return &Rejection{Violation: plan.Violation{Status: out.Status, Reason: out.Reason, Detail: "cross-origin calls from this origin are not allowed"}}
			}
		}
		return nil
	}
	_, allow, err := tx.Plan.Router.Lookup(http.MethodOptions, r.URL.EscapedPath())
	var methods []string
	switch {
	case errors.Is(err, route.ErrNotAllowed):
		methods = strings.Split(allow, ", ")
	case err == nil:
		if !cors.Enabled() {
			return nil // the contract declares OPTIONS itself
		}
	default:
		return nil // unknown path, or several operations at it: routing answers
	}
	if !cors.Enabled() {
		return &Rejection{Violation: plan.Violation{Status: http.StatusNoContent, Reason: "cors-preflight"}, Hard: true}
	}
	out := cors.Preflight(r, tx.W.Header(), methods)
	if !out.Allowed {
		return &Rejection{Violation: plan.Violation{Status: out.Status, Reason: out.Reason, Detail: "the cross-origin request is not allowed"}, Hard: true}
	}
	return &Rejection{Violation: plan.Violation{Status: http.StatusNoContent, Reason: "cors-preflight"}, Hard: true}
}

type authenticationStage struct{ s *Server }

func (authenticationStage) Name() string { return StageAuthentication }

// Process runs before the body is read, so an unauthenticated caller
// costs no parsing and learns nothing about the schema.
func (st authenticationStage) Process(tx *Tx) *Rejection {
	if tx.Op == nil {
		return nil
	}
	pol := tx.C.op(tx.Op)
	if pol != nil && pol.mtls {
		if _, err := tx.C.pol.certs.Verify(tx.R); err != nil {
			st.s.log.Debug("client certificate refused", "request_id", tx.ID, "err", err)
			return &Rejection{Violation: plan.Violation{Status: http.StatusUnauthorized, Reason: "client-certificate-required", Detail: "this operation requires a valid client certificate"}}
		}
	}
	rt := tx.C.auth
	if rt == nil {
		if tx.Op.Spec.IsSecured() {
			// Start-up said so once; each record says so too, so that an
			// audit of the log shows which calls went through unverified.
			tx.Notes = append(tx.Notes, NoteAuthenticationNotEnforced)
		}
		return nil
	}
	id, fail := rt.Evaluate(tx.R.Context(), tx.R, tx.Op.Spec.Security)
	if fail != nil {
		h := http.Header{}
		fail.WriteHeaders(h)
		if fail.Err != nil {
			st.s.log.Debug("authentication failed", "request_id", tx.ID, "reason", fail.Reason(), "scheme", fail.Scheme, "err", fail.Err)
		}
		return &Rejection{Violation: plan.Violation{Status: fail.Status(), Reason: fail.Reason(), Detail: fail.Description}, Headers: h}
	}
	tx.Identity = id
	return nil
}

type rateLimitIDStage struct{ s *Server }

func (rateLimitIDStage) Name() string { return StageRateLimitID }

func (st rateLimitIDStage) Process(tx *Tx) *Rejection {
	lim := tx.C.limiter
	if lim == nil || tx.Op == nil {
		return nil
	}
	in := ratelimit.Input{Phase: ratelimit.PhaseIdentity, Operation: tx.Op.ID, IP: tx.Client, StoreDown: &tx.rateStoreDown}
	if id := tx.Identity; id != nil && !id.Anonymous {
		in.Claims = id.Claims
		if in.Claims == nil && (id.Subject != "" || id.ClientID != "") {
			// API-key and basic identities have no token; their names
			// stand in for sub and client_id.
			in.Claims = map[string]any{"sub": id.Subject, "client_id": id.ClientID}
		}
		if slices.Contains(id.Credentials, authn.CredentialAPIKey) {
			in.APIKey = st.s.presentedAPIKey(tx, id)
		}
	}
	return rateResult(tx, lim.Check(tx.R.Context(), in))
}

// presentedAPIKey reads the verified API key of the request, for limits
// keyed by API key (the limiter stores only its hash).
func (s *Server) presentedAPIKey(tx *Tx, id *authn.Identity) string {
	for _, name := range id.Schemes {
		sch, ok := tx.Plan.Doc.SecuritySchemes[name]
		if !ok || sch.Type != "apiKey" {
			continue
		}
		switch sch.In {
		case "header":
			return tx.R.Header.Get(sch.ParamName)
		case "query":
			return tx.R.URL.Query().Get(sch.ParamName)
		case "cookie":
			pairs, _ := cookies.Parse(tx.R.Header)
			if vs := cookies.Values(pairs, sch.ParamName); len(vs) > 0 {
				return vs[0]
			}
		}
	}
	return ""
}

type signedStage struct{ s *Server }

func (signedStage) Name() string { return StageSigned }

// Process verifies signed payloads on operations that require them, and
// on any request that carries a signature when signed payloads are
// configured (a bad signature is never forwarded). For application/jose
// the signed payload, not the JWS, is what request validation checks.
func (st signedStage) Process(tx *Tx) *Rejection {
	sv := tx.C.pol.signed
	if sv == nil || tx.Op == nil {
		return nil
	}
	pol := tx.C.op(tx.Op)
	required := pol != nil && pol.signed
	if !required && !sv.IsSigned(tx.R) {
		return nil
	}
	res, err := sv.Verify(tx.R, tx.Body)
	switch {
	case errors.Is(err, signed.ErrUnsigned):
		return &Rejection{Violation: plan.Violation{Status: http.StatusBadRequest, Reason: "signature-required", Detail: "this operation requires a signed request body"}}
	case err != nil:
		st.s.log.Debug("signature refused", "request_id", tx.ID, "err", err)
		return &Rejection{Violation: plan.Violation{Status: http.StatusBadRequest, Reason: "signature-invalid", Detail: "the request signature does not verify"}}
	}
	if !res.Detached {
		ct := res.ContentType
		if ct == "" || !strings.Contains(ct, "/") {
			ct = "application/json"
		}
		// Validate the payload when the contract describes its type;
		// otherwise the envelope is validated as declared.
		if tx.Op.Body != nil && plan.MatchMedia(tx.Op.Body.Media, ct) != nil {
			tx.validateBody, tx.validateCT = res.Payload, ct
		}
	}
	return nil
}

type blacklistStage struct{ s *Server }

func (blacklistStage) Name() string { return StageBlacklist }

// Process checks, after validation, every string of the request that the
// schema does not already confine to harmless values.
func (st blacklistStage) Process(tx *Tx) *Rejection {
	pol := tx.C.op(tx.Op)
	if pol == nil || pol.blacklist == "" || tx.C.pol.checker == nil {
		return nil
	}
	f := st.s.scan(tx, pol)
	if !f.Detected() {
		return nil
	}
	where := f.Where.In
	if f.Where.Name != "" {
		where += " " + quoteName(f.Where.Name)
	}
	if f.Where.Key {
		where += " (name)"
	}
	st.s.log.Info("attack pattern", "request_id", tx.ID, "family", string(f.Family), "reason", f.Reason, "where", where, "evidence", f.Evidence)
	// The reason code names the family (stable across rule changes); the
	// rule that matched is in the detail and the log.
	v := plan.Violation{Status: http.StatusForbidden, Reason: "blacklist-" + string(f.Family), Detail: fmt.Sprintf("a value in %s looks like %s (rule %s)", where, familyName(f.Family), f.Reason)}
	if pol.blacklist == blacklist.ModeMonitor {
		tx.Violations = append(tx.Violations, v)
		return nil
	}
	return &Rejection{Violation: v}
}

func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64] + "..."
	}
	return fmt.Sprintf("%q", s)
}

func familyName(f blacklist.Family) string {
	switch f {
	case blacklist.SQLi:
		return "SQL injection"
	case blacklist.XSS:
		return "cross-site scripting"
	case blacklist.Traversal:
		return "path traversal"
	case blacklist.CmdI:
		return "command injection"
	}
	return string(f)
}

// scanLenientMultipart inspects a multipart body the strict reader
// refused: each stretch between occurrences of the boundary string (the
// whole body when no boundary can be made out), so a value is not pushed
// out of the inspection window by the rest of the body.
func scanLenientMultipart(c blacklist.Checker, data []byte, ct string) blacklist.Finding {
	b := ""
	if _, ps, err := mime.ParseMediaType(ct); err == nil {
		b = ps["boundary"]
	}
	chunks := [][]byte{data}
	if b != "" {
		chunks = bytes.Split(data, []byte("--"+b))
	}
	for _, chunk := range chunks {
		if len(chunk) == 0 {
			continue
		}
		if f := c.Check(string(chunk), blacklist.Context{In: "body"}); f.Detected() {
			return f
		}
	}
	return blacklist.Finding{}
}

func skipSafe(sp *blacklist.SkipPolicy) bool {
	if sp == nil {
		return false
	}
	root := sp.Root()
	// A delimited array parameter arrives as one string of items, each of
	// which validation has already confined.
	return root.Safe() || root.Item().Safe()
}

// scan runs the checker over the parameters and the body.
func (s *Server) scan(tx *Tx, pol *opPolicy) blacklist.Finding {
	c := tx.C.pol.checker
	if pol.checker != nil {
		c = pol.checker
	}
	r := tx.R
	for _, p := range tx.Match.Params {
		if skipSafe(pol.paramSkip["path\x00"+p.Name]) {
			continue
		}
		if f := c.Check(p.Raw, blacklist.Context{In: "path", Name: p.Name}); f.Detected() {
			return f
		}
	}
	if r.URL.RawQuery != "" {
		limit := tx.Op.MaxQueryParams(&tx.Plan.Config)
		pairs, err := params.ParseQuery(r.URL.RawQuery, limit)
		if err != nil {
			// Refused by validation in block mode; in monitor mode it is
			// forwarded, so scan what a permissive upstream would read.
			pairs = params.LenientQuery(r.URL.RawQuery, limit)
		}
		for _, p := range pairs {
			if tx.C.apiKeyQuery[p.Key] {
				continue // a credential: authentication's business, never quoted in findings
			}
			sp, declared := pol.paramSkip["query\x00"+p.Key]
			if pol.checkKeys && !declared {
				if f := c.Check(p.Key, blacklist.Context{In: "query", Name: p.Key, Key: true}); f.Detected() {
					return f
				}
			}
			if skipSafe(sp) {
				continue
			}
			if f := c.Check(p.Value, blacklist.Context{In: "query", Name: p.Key}); f.Detected() {
				return f
			}
		}
	}
	var jar []cookies.Pair
	jarErr, jarRead := error(nil), false
	for _, p := range tx.Op.Params {
		var vals []string
		switch p.In {
		case "header":
			vals = r.Header.Values(p.Name)
		case "cookie":
			if !jarRead {
				jar, jarErr = cookies.Parse(r.Header)
				jarRead = true
			}
			if jarErr != nil {
				// Ambiguous (refused by validation in block mode): check
				// the whole header so a hidden pair is scanned too.
				vals = r.Header.Values("Cookie")
				break
			}
			// An exploded object's properties are cookies of their own.
			for _, name := range p.CookieNames() {
				vals = append(vals, cookies.Values(jar, name)...)
			}
		default:
			continue
		}
		if skipSafe(pol.paramSkip[p.In+"\x00"+p.Name]) {
			continue
		}
		for _, v := range vals {
			if f := c.Check(v, blacklist.Context{In: p.In, Name: p.Name}); f.Detected() {
				return f
			}
		}
	}
	data, ct := tx.Body, r.Header.Get("Content-Type")
	if tx.validateBody != nil {
		data, ct = tx.validateBody, tx.validateCT
	}
	if !tx.HasBody || len(data) == 0 || tx.Op.Body == nil {
		return blacklist.Finding{}
	}
	m := plan.MatchMedia(tx.Op.Body.Media, ct)
	if m == nil {
		return blacklist.Finding{}
	}
	switch m.KindOf(ct) {
	case plan.KindJSON:
		v := tx.bodyJSON
		if v == nil {
			var err error
			if v, err = body.DecodeJSON(data, tx.Plan.Config.JSON); err != nil {
				return blacklist.Finding{}
			}
		}
		return blacklist.Walk(c, v, blacklist.WalkOptions{In: "body", CheckKeys: pol.checkKeys, Policy: pol.bodySkip[m.Name]})
	case plan.KindForm:
		pairs, err := body.ParseForm(string(data))
		if err != nil {
			// Refused by validation in block mode; in monitor mode it is
			// forwarded, so scan what a permissive upstream would read.
			for _, p := range params.LenientQuery(string(data), tx.Plan.Config.MaxQueryParams) {
				pairs = append(pairs, [2]string{p.Key, p.Value})
			}
		}
		sp := pol.bodySkip[m.Name]
		for _, p := range pairs {
			if pol.checkKeys && !sp.Root().KeysSafe() {
				if f := c.Check(p[0], blacklist.Context{In: "body", Name: "/" + p[0], Key: true}); f.Detected() {
					return f
				}
			}
			if sp.Root().Prop(p[0]).Safe() {
				continue
			}
			if f := c.Check(p[1], blacklist.Context{In: "body", Name: "/" + p[0]}); f.Detected() {
				return f
			}
		}
	case plan.KindMultipart:
		boundary, err := body.Boundary(ct)
		var parts []body.Part
		if err == nil {
			parts, err = body.ParseMultipart(data, boundary, tx.Plan.Config.MaxParts)
		}
		if err != nil {
			// Refused by validation in block mode; in monitor mode it is
			// forwarded, and a lenient parser may find parts the strict
			// reader does not (one hidden in the epilogue, say): scan
			// every stretch between boundary strings, headers included.
			return scanLenientMultipart(c, data, ct)
		}
		sp := pol.bodySkip[m.Name]
		for _, part := range parts {
			name := "/" + part.Name
			if pol.checkKeys && !sp.Root().KeysSafe() {
				if f := c.Check(part.Name, blacklist.Context{In: "body", Name: name, Key: true}); f.Detected() {
					return f
				}
			}
			if part.FileName != "" {
				// Upstreams store uploads under their filename, or echo
				// it in a page or a log: ../../etc/passwd or <script> in
				// it is an argument like any field's value.
				if f := c.Check(part.FileName, blacklist.Context{In: "body", Name: name + "/filename"}); f.Detected() {
					return f
				}
			}
			if sp.Root().Prop(part.Name).Safe() {
				continue
			}
			pct := plan.MediaName(part.ContentType)
			prop := sp.Root().Prop(part.Name)
			switch {
			case part.FileName != "" && !strings.HasPrefix(pct, "text/") && (prop.Binary() || prop.Item().Binary()):
				// A file upload where the schema expects file content: its
				// bytes are data, not an argument the backend interprets;
				// scanning binaries for SQL would only produce false
				// positives. A filename on a part the schema calls text
				// does not make it a file.
				continue
			case pct == "application/json" || strings.HasSuffix(pct, "+json"):
				// A JSON part is inspected as JSON when it is JSON. It is
				// inspected as text too when it is not (validation refuses
				// that in block mode; monitor mode forwards it), and when
				// the contract reads the field as text: the firewall
				// validated the text, an upstream that honours the label
				// decodes it.
				v, err := body.DecodeJSON(part.Data, tx.Plan.Config.JSON)
				if err != nil || !m.JSONFields[part.Name] {
					if f := c.Check(string(part.Data), blacklist.Context{In: "body", Name: name}); f.Detected() {
						return f
					}
				}
				if err == nil {
					if f := blacklist.Walk(c, v, blacklist.WalkOptions{In: "body", CheckKeys: pol.checkKeys}); f.Detected() {
						return f
					}
				}
			default:
				if f := c.Check(string(part.Data), blacklist.Context{In: "body", Name: name}); f.Detected() {
					return f
				}
			}
		}
	case plan.KindText:
		return c.Check(string(data), blacklist.Context{In: "body"})
	}
	return blacklist.Finding{}
}
