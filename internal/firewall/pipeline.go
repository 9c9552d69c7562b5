package firewall

import (
	"bytes"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/framing"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/spec"
)

// Tx is one transaction as it moves through the pipeline.
type Tx struct {
	W     http.ResponseWriter
	R     *http.Request
	Plan  *plan.Plan
	Op    *plan.Op
	Match route.Match[*plan.Op]
	ID    string
	Start time.Time

	Body    []byte
	HasBody bool
	// BodyRewritten is set when the forwarded body differs from the
	// received one (Content-Encoding decoded).
	BodyRewritten bool

	// Violations found so far; in monitor mode they are recorded and the
	// request goes on.
	Violations []plan.Violation
	// corsStageRan is set once the CORS stage has seen the request: a
	// preflight it answered has its CORS headers already.
	corsStageRan bool
	// rateStoreDown: the rate-limit store failed for this request (and
	// the limits fail open); the later rate-limit stages do not wait on
	// it again.
	rateStoreDown bool
	// Notes are what the audit record's notes say (auditlog.Record).
	Notes    []string
	Upstream bool
	buf      *bytes.Buffer
	// Framing is what the request's head said about its framing (package
	// framing); nil on HTTP/2 and on connections that were not watched.
	Framing *framingVerdict
	// finished is set once the transaction's audit record is submitted.
	finished bool
	// redacted names the credential fields the request arrived with,
	// before any was dropped as a connection option.
	redacted []string
	// connForwarding is a forwarding field the Connection header names
	// (refused by the ip-rules stage).
	connForwarding string
	// upstreamClock bounds the upstream exchange (forward).
	upstreamClock upstreamClock
	// dropTrailers is set when response validation runs: the upstream's
	// trailer fields are not forwarded.
	dropTrailers bool
	// bodyBuffered is set when response validation read the upstream's
	// body whole; any other body is relayed as it arrives, under the
	// stream idle timeout.
	bodyBuffered bool

	// C is the contract in force for this transaction (Plan is C's plan).
	C *contract
	// Client is the client address (the peer, or from a trusted proxy's
	// forwarding header).
	Client netip.Addr
	// Identity is who authenticated; nil when the operation is anonymous
	// or authentication is not configured.
	Identity *authn.Identity
	// validateBody replaces Body for request validation when the body is
	// a signed envelope (application/jose) around the real payload.
	validateBody []byte
	// bodyJSON is the JSON body as request validation decoded it (nil
	// when it was not JSON or did not decode).
	bodyJSON   any
	validateCT string
}

// Authenticated reports whether the caller proved an identity.
func (tx *Tx) Authenticated() bool { return tx.Identity != nil && !tx.Identity.Anonymous }

// Rejection stops the pipeline with a problem response.
type Rejection struct {
	plan.Violation
	// Hard rejections apply in monitor mode too: they protect the firewall
	// itself (size limits, ambiguous framing) or fail closed (an
	// operation whose schemas do not compile).
	Hard  bool
	Allow string
	// Headers are added to the refusal (WWW-Authenticate, Retry-After,
	// RateLimit); they are not sent when monitor mode lets the request go
	// on.
	Headers http.Header
}

// Stage is one named step of the request pipeline. Process returns nil to
// continue. Stages run in a fixed order (see Stages) so that cheap checks
// and identity checks come before the expensive ones, and an
// unauthenticated client learns nothing about the schema.
type Stage interface {
	Name() string
	Process(tx *Tx) *Rejection
}

// Stage names, in pipeline order. Upstream and response validation follow
// the request stages.
const (
	StageIPRules          = "ip-rules"
	StageRateLimitIP      = "rate-limit-ip"
	StageCORS             = "cors"
	StageRouting          = "routing"
	StageRateLimitIPOp    = "rate-limit-ip-operation"
	StageLimits           = "limits"
	StageAuthentication   = "authentication"
	StageAuthorization    = "authorization"
	StageRateLimitID      = "rate-limit-identity"
	StageBody             = "request-body"
	StageSigned           = "signed-payload"
	StageRequestValidate  = "request-validation"
	StageBlacklist        = "blacklist"
	StageUpstream         = "upstream"
	StageResponseValidate = "response-validation"
)

// framingVerdict is the head package framing paired with a request;
// Found is false when no head matched it.
type framingVerdict struct {
	Head  framing.Head
	Found bool
}

// passThrough is a stage with nothing of its own to do: authorization is
// decided with authentication (scopes belong to each OR-alternative of the
// security requirements), yet the stage keeps its place and name.
type passThrough string

func (p passThrough) Name() string           { return string(p) }
func (p passThrough) Process(*Tx) *Rejection { return nil }

type routingStage struct{ s *Server }

func (routingStage) Name() string { return StageRouting }

func (st routingStage) Process(tx *Tx) *Rejection {
	r := tx.R
	// Request smuggling defence: a message framed both ways is refused,
	// whatever the server library made of it (net/http drops
	// Content-Length when Transfer-Encoding is present and merges equal
	// Content-Length fields, so the head's own fields come from package
	// framing), and the connection is closed after the answer (RFC 9112
	// §6.1): what follows on it cannot be trusted to be framed alike.
	if f := tx.Framing; f != nil {
		var detail string
		switch {
		case !f.Found:
			detail = "the connection's message framing could not be followed"
		case f.Head.BothLengths:
			detail = "the request has both Content-Length and Transfer-Encoding"
		case f.Head.LengthFields > 1:
			detail = "the request has several Content-Length fields"
		case f.Head.LegacyTransferEncoding:
			detail = "an HTTP/1.0 request has Transfer-Encoding"
		}
		if detail != "" {
			tx.W.Header().Set("Connection", "close")
			return &Rejection{Violation: plan.Violation{Status: 400, Reason: "ambiguous-framing", Detail: detail}, Hard: true}
		}
	}
	if !validHost(r.Host) {
		// net/http refuses such a Host on HTTP/1.x but takes it as an
		// HTTP/2 :authority, and its client then forwards no Host at
		// all: the upstream would route by another host than the one
		// the firewall saw.
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "ambiguous-header", Detail: "the request's host is malformed"}, Hard: true}
	}
	if strings.Contains(r.URL.RawQuery, "#") {
		// No request target holds a '#' (RFC 9112 section 3.2); net/http
		// leaves it in the query, while Node, Express, gunicorn and
		// uvicorn cut the query there as a fragment: parameters the
		// firewall checked after it ("?q=a#&limit=10") would never reach
		// the application, which would apply its defaults instead.
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: plan.ReasonQueryMalformed, Detail: "the query holds a raw '#', which servers read differently (send it encoded, as %23)"}, Hard: true}
	}
	m, allow, err := tx.Plan.Router.Lookup(r.Method, r.URL.EscapedPath())
	switch {
	case errors.Is(err, route.ErrAmbiguous):
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "ambiguous-path", Detail: route.ErrAmbiguous.Error()}, Hard: true}
	case errors.Is(err, route.ErrConflict):
		// Two operations (through their servers, or paths of one shape)
		// are reachable here: whichever the firewall checked, the
		// upstream may run the other. Reported when the contract loads.
		return &Rejection{Violation: plan.Violation{Status: 500, Reason: "operation-unenforceable", Detail: "several operations of the contract are reachable at this path, so its requests are refused"}, Hard: true}
	case errors.Is(err, route.ErrNotAllowed):
		// Preflights (OPTIONS with Origin and
		// Access-Control-Request-Method) were answered by the CORS
		// stage; any other OPTIONS the contract does not declare is an
		// undeclared method like the rest, never forwarded.
		return &Rejection{Violation: plan.Violation{Status: 405, Reason: "method-not-allowed", Detail: "the method is not declared for this path"}, Allow: allow}
	case err != nil:
		return &Rejection{Violation: plan.Violation{Status: 404, Reason: "route-not-found", Detail: "no operation of the contract matches this path"}}
	}
	if perr := plan.PathValues(m.Params); perr != nil {
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "ambiguous-path", Detail: "a path parameter has an invalid percent-escape"}, Hard: true}
	}
	tx.Match = m
	op, ambiguous := m.Value.Choose(r.URL.RawQuery, r.Header)
	switch {
	case ambiguous:
		// Operations whose path keys differ only by a query or fragment
		// (generated contracts: "/#Action=X"), and nothing in the
		// request's query or header fields says which one it is for.
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: plan.ReasonOperationAmbiguous, Detail: "several operations share this path and the request's query and header fields do not select one"}}
	case op == nil:
		// The path's operations are all reached with a query ("/?Action=X")
		// that this request does not carry.
		return &Rejection{Violation: plan.Violation{Status: 404, Reason: "route-not-found", Detail: "no operation of the contract matches this path and query"}}
	}
	if op != m.Value {
		// An alternative of the routed operation: its template may name
		// the variables otherwise ("/{roleId}" and
		// "/{roleDefinitionId}#x" share a route).
		if names := spec.TemplateNames(op.Key.Path); len(names) == len(m.Params) {
			for i := range m.Params {
				m.Params[i].Name = names[i]
			}
		}
		tx.Match = m
	}
	if op == m.Value {
		if fixed := op.FixedPathParams(m.Template); len(fixed) > 0 {
			// A value the route's template holds (plan.adjacentRoutes).
			m.Params = append(slices.Clone(m.Params), fixed...)
			tx.Match = m
		}
	}
	tx.Op = op
	if tx.Op.Broken != "" {
		return &Rejection{Violation: plan.Violation{Status: 500, Reason: "operation-unenforceable", Detail: "the contract for this operation cannot be enforced, so its requests are refused"}, Hard: true}
	}
	if h := undeclaredOverride(tx.Op, r.Header, methodOverrideHeaders); h != "" {
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "method-override", Detail: "the request carries " + h + ", which many frameworks obey: the upstream would run another method than the one checked"}, Hard: true}
	}
	if h := undeclaredOverride(tx.Op, r.Header, pathOverrideHeaders); h != "" {
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "path-override", Detail: "the request carries " + h + ", which some frameworks route by: the upstream would serve another path than the one checked"}, Hard: true}
	}
	if h := lookalikeHeader(tx.Op, r.Header); h != "" {
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "ambiguous-header", Detail: "the request carries " + h + ", which CGI-style servers read as " + lookalikeOf(h) + " (they turn '-' and '_' alike into '_'), a field the firewall checks"}, Hard: true}
	}
	if st.s != nil {
		// Operation-level address lists apply as soon as the operation
		// is known.
		return st.s.checkOpIP(tx)
	}
	return nil
}

// validHost reports whether h is made only of the bytes a Host may hold
// (RFC 3986 reg-name, IP literal and port; what net/http accepts on
// HTTP/1.x and its client sends on). Empty is valid: HTTP/1.0 may omit it.
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:[]%", c) >= 0:
		default:
			return false
		}
	}
	return true
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// limitsStage judges the body from the request head alone: its declared
// size, media type and content coding. It runs before authentication, as
// cheap checks do, and reads nothing: the body itself is read by
// bodyStage, after authentication, so an unauthenticated caller is not sent
// 100 Continue and costs no read or decompression.
type limitsStage struct{}

func (limitsStage) Name() string { return StageLimits }

func (limitsStage) Process(tx *Tx) *Rejection {
	r := tx.R
	limit := tx.bodyLimit()
	if r.ContentLength > limit {
		return &Rejection{Violation: plan.Violation{Status: 413, Reason: body.ReasonTooLarge, Detail: "the body is larger than the limit of " + itoa(limit) + " bytes"}, Hard: true}
	}
	if !hasBody(r) {
		return nil
	}
	if len(r.Header.Values("Content-Type")) > 1 {
		// The firewall would judge one and the upstream might read another.
		// An ambiguity, not an unsupported type: 400 ambiguous-header,
		// not the 415's reason.
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "ambiguous-header", Detail: "the request has several Content-Type fields"}, Hard: true}
	}
	if ce, ok := contentCoding(r.Header.Values("Content-Encoding")); !ok || !body.KnownCoding(ce) {
		return &Rejection{Violation: plan.Violation{Status: 415, Reason: body.ReasonUnsupportedEncoding, Detail: "only one content coding, gzip or deflate, is accepted"}, Hard: true}
	}
	if tx.Op != nil && tx.Op.Body != nil {
		ct := r.Header.Get("Content-Type")
		if m := plan.MatchMedia(tx.Op.Body.Media, ct); m == nil {
			return &Rejection{Violation: plan.Violation{Status: 415, Reason: plan.ReasonMediaType, Detail: "the content type is not one the operation accepts"}}
		} else if why := plan.CharsetProblem(m.KindOf(ct), ct); why != "" {
			return &Rejection{Violation: plan.Violation{Status: 415, Reason: plan.ReasonMediaType, Detail: why}}
		}
	}
	return nil
}

// bodyLimit is the size limit for the transaction's request body: the
// operation's, or the API's before routing.
func (tx *Tx) bodyLimit() int64 {
	if tx.Op != nil {
		return tx.Op.MaxBody
	}
	return tx.Plan.Config.MaxBody
}

// decodedLimit is the limit on the body once its Content-Encoding is
// undone: the operation's, or the API's for an unrouted request.
func (tx *Tx) decodedLimit() int64 {
	if tx.Op != nil {
		return tx.Op.MaxDecodedBody
	}
	return tx.Plan.Config.DecodedLimit(tx.Plan.Config.MaxBody)
}

// hasBody reports whether the request carries a body to read.
func hasBody(r *http.Request) bool {
	return r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
}

// bodyStage reads the request body within the size limit and undoes its
// content coding within the decoded-size limit. Whatever monitor mode lets
// through (an unrouted request, an undeclared content type), these limits
// hold: the body is read within them before anything is forwarded.
type bodyStage struct{}

func (bodyStage) Name() string { return StageBody }

func (bodyStage) Process(tx *Tx) *Rejection {
	r := tx.R
	if !hasBody(r) {
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	tx.buf = buf
	data, err := body.ReadLimited(r.Body, tx.bodyLimit(), buf)
	if err != nil {
		var be *body.Error
		if errors.As(err, &be) {
			return &Rejection{Violation: plan.Violation{Status: 413, Reason: be.Reason, Detail: be.Detail}, Hard: true}
		}
		var ne net.Error
		if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
			// The read timeout ran out with the body still arriving (a
			// slow or stalled client): RFC 9110's 408, so that a client
			// can tell it from a malformed body.
			tx.W.Header().Set("Connection", "close")
			return &Rejection{Violation: plan.Violation{Status: http.StatusRequestTimeout, Reason: "body-timeout", Detail: "the request body did not arrive within the read timeout"}, Hard: true}
		}
		return &Rejection{Violation: plan.Violation{Status: 400, Reason: "body-unreadable", Detail: "the request body could not be read (the connection failed or the chunked framing is broken)"}, Hard: true}
	}
	// The coding was judged acceptable by the limits stage.
	if ce, _ := contentCoding(r.Header.Values("Content-Encoding")); ce != "" {
		dec, err := body.Decompress(data, ce, tx.decodedLimit())
		if err != nil {
			var be *body.Error
			errors.As(err, &be)
			status := 400
			switch be.Reason {
			case body.ReasonDecodedTooLarge:
				status = 413
			case body.ReasonUnsupportedEncoding:
				status = 415
			}
			return &Rejection{Violation: plan.Violation{Status: status, Reason: be.Reason, Detail: be.Detail}, Hard: true}
		}
		data = dec
		tx.BodyRewritten = true
	}
	tx.Body, tx.HasBody = data, true
	return nil
}

// contentCoding reads the Content-Encoding fields as one list (RFC 9110
// §8.4: several fields are one comma-separated list, so an empty first
// field must not hide a gzip in the second). It returns the one coding to
// undo ("" for none or identity); false for stacked codings.
func contentCoding(fields []string) (string, bool) {
	var codings []string
	for _, f := range fields {
		for c := range strings.SplitSeq(f, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	switch len(codings) {
	case 0:
		return "", true
	case 1:
		return codings[0], true
	}
	return "", false
}

type validationStage struct{}

func (validationStage) Name() string { return StageRequestValidate }

func (validationStage) Process(tx *Tx) *Rejection {
	if tx.Op == nil {
		return nil
	}
	in := plan.Request{
		PathParams:  tx.Match.Params,
		RawQuery:    tx.R.URL.RawQuery,
		Header:      tx.R.Header,
		ContentType: tx.R.Header.Get("Content-Type"),
		Body:        tx.Body,
		HasBody:     tx.HasBody,
	}
	if tx.validateBody != nil {
		in.Body, in.ContentType = tx.validateBody, tx.validateCT
	}
	vs := tx.Op.CheckRequest(&in, &tx.Plan.Config, tx.Op.ReqMode != plan.Block)
	tx.bodyJSON = in.JSON
	if len(vs) == 0 {
		return nil
	}
	if tx.Op.ReqMode == plan.Block {
		return &Rejection{Violation: vs[0]}
	}
	tx.Violations = append(tx.Violations, vs...)
	return nil
}
