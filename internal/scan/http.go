package scan

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/sensitive"
	"golang.org/x/time/rate"
)

// errBudget is returned once --max-requests requests have been sent.
var errBudget = errors.New("request budget (--max-requests) exhausted")

// errUnresponsive is returned once the target has failed to answer
// maxFailures requests in a row: the scan stops instead of waiting on it.
var errUnresponsive = errors.New("the target stopped answering")

// maxFailures is how many consecutive timeouts or refused connections
// make the target unresponsive.
const maxFailures = 3

// errScope is returned for a request outside the allowed origins.
var errScope = errors.New("request outside the scan scope")

// client sends every request of a scan: only to allowed origins, never
// following redirects, at the configured rate and within the budget.
type client struct {
	http    *http.Client
	limiter *rate.Limiter
	origins map[string]bool
	max     int64
	sent    atomic.Int64
	// unlimited lifts the budget for cleanup, which must run even when the
	// scan stopped on its budget.
	unlimited atomic.Bool
	// failures counts consecutive requests the target did not answer.
	failures atomic.Int32
	// burst lifts the rate limit for the opt-in rate-limiting probe.
	burst atomic.Bool
	// answered is set once the target has answered a request whole.
	answered atomic.Bool
	// lastFailed is the last request the target did not answer, whichever
	// part of the scan sent it: the unresponsive finding quotes it.
	lastFailed atomic.Pointer[exchange]
	// maxBody is how much of a response body is read (maxBody by
	// default, max_response_bytes in the configuration).
	maxBody int64
}

func newClient(target *url.URL, authOrigins []string, perSecond float64, timeout time.Duration, max int, tlsConf *tls.Config) (*client, error) {
	c := &client{
		origins: map[string]bool{origin(target): true},
		max:     int64(max),
		limiter: rate.NewLimiter(rate.Limit(perSecond), 1),
		maxBody: maxBody,
	}
	for _, o := range authOrigins {
		u, err := url.Parse(o)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("auth origin %q is not a URL", o)
		}
		c.origins[origin(u)] = true
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 8
	// Response headers are kept with every exchange a finding may quote:
	// a hostile target must not make them the scan's memory.
	tr.MaxResponseHeaderBytes = maxResponseHeaderBytes
	// Proxies from the environment are not used: the scan must reach
	// exactly the target it was given.
	tr.Proxy = nil
	// The scan sends the headers it means and no others: left on, the
	// transport adds "Accept-Encoding: gzip" to every request without
	// one, so a request built without a required Accept-Encoding would
	// carry it anyway, and no finding's curl line would match what was
	// sent.
	tr.DisableCompression = true
	if tlsConf != nil {
		tr.TLSClientConfig = tlsConf
	}
	c.http = &http.Client{
		Timeout:   timeout,
		Transport: tr,
		// Redirects are never followed: a redirect may point outside the
		// scope, and the scanner judges the API's own answer anyway.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c, nil
}

func origin(u *url.URL) string {
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if port == "" {
		if u.Scheme == "https" {
			port = "443"
		} else {
			port = "80"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + host + ":" + port
}

// Do implements identity.Doer.
func (c *client) Do(req *http.Request) (*http.Response, error) {
	if !c.origins[origin(req.URL)] {
		return nil, fmt.Errorf("%w: %s is not the target or an allowlisted auth origin", errScope, origin(req.URL))
	}
	if c.max > 0 && !c.unlimited.Load() && c.sent.Load() >= c.max {
		return nil, errBudget
	}
	if c.failures.Load() >= maxFailures && !c.unlimited.Load() {
		return nil, errUnresponsive
	}
	if !c.burst.Load() {
		if err := c.limiter.Wait(req.Context()); err != nil {
			// The limiter refuses at once a wait that would end past the
			// context's deadline, with an error of its own. The request
			// could not start before the deadline anyway: wait for it,
			// so the caller sees the context's own error and a scan at
			// its --max-duration stops and says so, instead of failing
			// one request after another.
			if _, hasDeadline := req.Context().Deadline(); !hasDeadline {
				return nil, err
			}
			<-req.Context().Done()
			return nil, req.Context().Err()
		}
	}
	c.sent.Add(1)
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "rampart-scan")
	}
	return c.http.Do(req)
}

// exchange is one request and its response, kept raw until a finding
// needs it (redaction happens when it is reported).
type exchange struct {
	Label  string
	Method string
	URL    string
	Header http.Header
	Body   []byte
	// Plain is the body before its content coding when the request
	// carries Content-Encoding: gzip (Body is then compressed), so a
	// report can show it and its curl command compress it again.
	Plain    []byte
	Status   int
	RespHead http.Header
	RespBody []byte
	// RespCut says the body was longer than the client reads (RespBody
	// is its start): it cannot be validated, and a report must say so
	// rather than pass it. RespLen is the length the response declared
	// (Content-Length), -1 when it declared none (chunked, possibly
	// endless).
	RespCut  bool
	RespLen  int64
	Err      error
	Duration time.Duration
}

// maxBody is the default cap on the response body a scan reads: a
// hostile target must not make its answers the scan's memory.
const maxBody = config.DefaultMaxResponseBytes

// Response header limits: what the transport accepts at all, and what an
// exchange keeps (field count, bytes of one value).
const (
	maxResponseHeaderBytes = 256 << 10
	maxKeptHeaderFields    = 64
	maxKeptHeaderValue     = 1024
)

// clipHeader keeps the first fields (in name order) and the start of long
// values, which is all a report quotes.
func clipHeader(h http.Header) http.Header {
	small := len(h) <= maxKeptHeaderFields
	if small {
		for _, vs := range h {
			for _, v := range vs {
				if len(v) > maxKeptHeaderValue {
					small = false
				}
			}
			if len(vs) > 8 {
				small = false
			}
		}
	}
	if small {
		return h
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make(http.Header, min(len(h), maxKeptHeaderFields))
	for _, k := range names[:min(len(names), maxKeptHeaderFields)] {
		vs := h[k]
		kept := make([]string, 0, min(len(vs), 8))
		for _, v := range vs[:min(len(vs), 8)] {
			kept = append(kept, clip(v, maxKeptHeaderValue))
		}
		out[k] = kept
	}
	return out
}

// send performs one exchange.
func (c *client) send(ctx context.Context, method, rawURL string, h http.Header, body []byte) *exchange {
	x := &exchange{Method: method, URL: rawURL, Header: h.Clone(), Body: body}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, r)
	if err != nil {
		x.Err = err
		return x
	}
	req.Header = h.Clone()
	start := time.Now()
	resp, err := c.Do(req)
	x.Duration = time.Since(start)
	if err != nil {
		x.Err = err
		if unanswered(err) && ctx.Err() == nil {
			c.failures.Add(1)
			c.lastFailed.Store(x)
		}
		return x
	}
	defer resp.Body.Close()
	x.Status = resp.StatusCode
	x.RespHead = clipHeader(resp.Header)
	// One byte past the cap tells a body of exactly the cap from a longer
	// one; what is past it is never read (closing the body drops the
	// connection, so an endless body ends here too).
	x.RespBody, err = io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if int64(len(x.RespBody)) > c.maxBody {
		x.RespBody, x.RespCut, x.RespLen = x.RespBody[:c.maxBody], true, resp.ContentLength
	}
	if err != nil {
		x.Err = fmt.Errorf("reading response: %w", err)
		// A target that sends headers and then stalls is not answering
		// either: it counts toward the unresponsive limit.
		if unanswered(err) && ctx.Err() == nil {
			c.failures.Add(1)
			c.lastFailed.Store(x)
		}
		return x
	}
	c.failures.Store(0)
	c.answered.Store(true)
	return x
}

// unanswered reports whether err means the target did not answer (a
// timeout, a refused or reset connection), as opposed to a scan decision
// (budget, scope) or a cancelled scan.
func unanswered(err error) bool {
	if errors.Is(err, errBudget) || errors.Is(err, errScope) || errors.Is(err, errUnresponsive) || errors.Is(err, context.Canceled) {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// redactor hides secrets in everything a report shows.
type redactor struct {
	mu      sync.Mutex
	off     bool
	headers map[string]bool // lower-case header names
	params  map[string]bool // query parameter and cookie names
	secrets []string        // with their encoded forms, longest first
	short   []string        // the same, for secrets shorter than sensitive.MinSubstring
	known   map[string]bool // what secrets and short hold
	// plainCookies are the cookie parameters the contract declares under
	// names that do not look secret: shown in a Cookie header, so that a
	// curl command carries them as sent. Every other pair of the header
	// (credentials, session cookies) is redacted.
	plainCookies map[string]bool
}

const redacted = "<redacted>"

func newRedactor(show bool) *redactor {
	return &redactor{off: show,
		headers:      map[string]bool{"authorization": true, "proxy-authorization": true, "cookie": true, "set-cookie": true, "x-api-key": true},
		params:       map[string]bool{"access_token": true, "api_key": true, "apikey": true, "token": true},
		plainCookies: map[string]bool{}}
}

func (r *redactor) addSecret(s ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.known == nil {
		r.known = map[string]bool{}
	}
	added := false
	for _, x := range s {
		if x == "" || r.known[x] {
			continue
		}
		// Every configured secret is redacted, whatever its length; how
		// depends on it. From sensitive.MinSubstring bytes on, each
		// occurrence anywhere in a text goes. A shorter one (a PIN, a
		// three-letter password) occurs by chance inside ids, base64 and
		// words, so it goes only where it stands as a whole value: a
		// header value, a query or form value, a cookie value, a JSON
		// string or member value, a path segment, a quoted or key=value
		// token of a message (sensitive.ReplaceValue lists the places).
		// In prose, a bare short word that happens to equal it stays.
		list := &r.secrets
		if len(x) < sensitive.MinSubstring {
			list = &r.short
		}
		// The forms a secret takes in what the scan sends and receives:
		// as is, URL-encoded (query, form, path) and JSON-escaped (with
		// and without Go's HTML escaping of & < >); for one redacted
		// everywhere, base64-encoded too (base64Forms).
		forms := encodings(x)
		if len(x) >= sensitive.MinSubstring {
			forms = append(forms, base64Forms(x)...)
		}
		for _, v := range forms {
			if !r.known[v] {
				r.known[v] = true
				*list = append(*list, v)
				added = true
			}
		}
	}
	if !added {
		return
	}
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(r.secrets, func(i, j int) bool { return len(r.secrets[i]) > len(r.secrets[j]) })
	sort.Slice(r.short, func(i, j int) bool { return len(r.short[i]) > len(r.short[j]) })
}

// isShort reports whether v is, exactly, one of the short secrets.
func (r *redactor) isShort(v string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.short {
		if v == s {
			return true
		}
	}
	return false
}

// encodings returns s and the encoded forms it may appear in.
func encodings(s string) []string {
	return []string{s, url.QueryEscape(s), url.PathEscape(s), jsonEscaped(s, true), jsonEscaped(s, false)}
}

// base64Forms returns the forms s takes base64-encoded: a target that
// echoes a credential in a debug header, a body or a token (the Basic
// credentials "user:key") shows it encoded, and the raw form's redaction
// does not see it. Only secrets of sensitive.MinSubstring bytes or more
// get them: the encoded forms then carry at least as many bytes of the
// secret as the shortest secret redacted wherever it occurs, so they do
// not occur by chance (in other base64 text, ids or words); the encoding
// of a shorter one is a few characters that would.
//
// Whole: the standard and URL alphabets, with and without padding.
// Embedded: a secret inside a longer encoded text (base64 of a JSON
// object holding it) is encoded from where it starts in its group of
// three bytes, so for each of the three offsets the characters fully
// determined by the secret's bytes are a form too, when they are at
// least as many (6) as the unpadded encoding of a MinSubstring-byte
// secret: the text around them, partly encoding other bytes, stays.
// Each form also as a query value escapes it and as a JSON encoder that
// escapes "/" writes it (PHP's json_encode).
func base64Forms(s string) []string {
	minRun := base64.RawStdEncoding.EncodedLen(sensitive.MinSubstring)
	var out []string
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		out = append(out, enc.EncodeToString([]byte(s)), enc.WithPadding(base64.NoPadding).EncodeToString([]byte(s)))
		raw := enc.WithPadding(base64.NoPadding)
		for k := range 3 {
			e := raw.EncodeToString(append(make([]byte, k), s...))
			// Character i holds bits 6i to 6i+6 of the stream, whose
			// secret bits are 8k to 8(k+len(s)).
			from, to := (8*k+5)/6, 8*(k+len(s))/6
			if to-from >= minRun {
				out = append(out, e[from:to])
			}
		}
	}
	n := len(out)
	for _, f := range out[:n] {
		out = append(out, url.QueryEscape(f), strings.ReplaceAll(f, "/", `\/`))
	}
	return out
}

// jsonEscaped is s as it appears inside a JSON string.
func jsonEscaped(s string, escapeHTML bool) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(escapeHTML)
	_ = enc.Encode(s)
	q := strings.TrimSuffix(b.String(), "\n")
	return q[1 : len(q)-1]
}

// finding applies secret redaction once more to everything a finding
// shows, for secrets learned after it was recorded.
func (r *redactor) finding(f *report.Finding) {
	if r.off {
		return
	}
	f.Message, f.Actual, f.Expected = r.text(f.Message), r.text(f.Actual), r.text(f.Expected)
	for i := range f.Exchanges {
		x := &f.Exchanges[i]
		x.URL, x.Body, x.RespBody, x.Curl = r.text(x.URL), r.text(x.Body), r.answer(x.RespBody), r.text(x.Curl)
		for k, vs := range x.Headers {
			for j := range vs {
				vs[j] = r.text(vs[j])
			}
			x.Headers[k] = vs
		}
		for k, vs := range x.RespHead {
			for j := range vs {
				vs[j] = r.answer(vs[j])
			}
			x.RespHead[k] = vs
		}
	}
}

func (r *redactor) text(s string) string {
	if r.off {
		return s
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sec := range r.secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	for _, sec := range r.short {
		s = sensitive.ReplaceValue(s, sec, redacted)
	}
	if strings.Contains(s, clipMark) {
		s = r.cutSecrets(s)
	}
	return s
}

// cutSecrets redacts the start of a secret that clip cut off: messages
// quote a clipped piece of an answer (a probe's reflected value, an
// error body) and a secret across the cut is no longer the whole secret
// the replacement above looks for. A start of MinSubstring bytes or more
// right before the clip's mark is masked. r.mu is held.
func (r *redactor) cutSecrets(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, clipMark)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		head := s[:i]
		for _, sec := range r.secrets {
			for n := len(sec) - 1; n >= sensitive.MinSubstring; n-- {
				if strings.HasSuffix(head, sec[:n]) {
					head = head[:len(head)-n] + redacted
					break
				}
			}
		}
		b.WriteString(head)
		b.WriteString(clipMark)
		s = s[i+len(clipMark):]
	}
}

// answer redacts the text of a response: the secrets the scan knows, and
// any signed JWT, since a token the API issued in an answer (a probe's
// login) is a credential the scan never held.
func (r *redactor) answer(s string) string {
	if r.off {
		return s
	}
	return sensitive.RedactSignedJWTs(r.text(s), redacted)
}

func (r *redactor) header(name, v string) string {
	if r.off {
		return v
	}
	ln := strings.ToLower(name)
	if ln == "cookie" {
		return r.cookie(v)
	}
	if r.headers[ln] {
		// Keep the scheme word, which helps reading the request.
		if ln == "authorization" || ln == "proxy-authorization" {
			if i := strings.IndexByte(v, ' '); i > 0 {
				return v[:i+1] + redacted
			}
		}
		return redacted
	}
	return r.text(v)
}

// cookie redacts a Cookie header pair by pair: the value of a declared,
// plain cookie parameter is kept (but for secrets inside it), every other
// value is redacted. Separators are kept as they are.
func (r *redactor) cookie(v string) string {
	parts := strings.Split(v, ";")
	for i, part := range parts {
		name, val, ok := strings.Cut(part, "=")
		n := strings.TrimSpace(name)
		if !ok {
			parts[i] = r.text(part)
			continue
		}
		if r.plainCookies[n] && !r.params[strings.ToLower(n)] {
			parts[i] = name + "=" + r.text(val)
		} else {
			parts[i] = name + "=" + redacted
		}
	}
	return strings.Join(parts, ";")
}

func (r *redactor) url(raw string) string {
	if r.off {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return r.text(raw)
	}
	if u.User != nil {
		u.User = url.User(redacted)
	}
	q := u.Query()
	changed := false
	for k := range q {
		if r.params[strings.ToLower(k)] {
			q.Set(k, redacted)
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return r.text(r.pathSegments(u.String()))
}

// pathSegments redacts the path segments of a URL that are, decoded, a
// short secret (a path parameter filled with one); text redacts the
// query values.
func (r *redactor) pathSegments(s string) string {
	start := 0
	if i := strings.Index(s, "://"); i >= 0 {
		j := strings.IndexByte(s[i+3:], '/')
		if j < 0 {
			return s
		}
		start = i + 3 + j
	}
	end := len(s)
	if k := strings.IndexAny(s[start:], "?#"); k >= 0 {
		end = start + k
	}
	segs := strings.Split(s[start:end], "/")
	for i, seg := range segs {
		if v, err := url.PathUnescape(seg); err == nil && v != "" && r.isShort(v) {
			segs[i] = redacted
		}
	}
	return s[:start] + strings.Join(segs, "/") + s[end:]
}

const excerpt = 2048

// report turns an exchange into its report form, redacted, with a curl
// command that reproduces the request.
func (r *redactor) report(x *exchange) report.Exchange {
	out := report.Exchange{Label: x.Label, Method: x.Method, URL: r.url(x.URL), Status: x.Status}
	if len(x.Header) > 0 {
		out.Headers = map[string][]string{}
		for k, vs := range x.Header {
			for _, v := range vs {
				out.Headers[k] = append(out.Headers[k], r.header(k, v))
			}
		}
	}
	if len(x.Body) > 0 {
		body := x.Body
		if x.Plain != nil {
			body = x.Plain // shown before its gzip coding
		}
		out.Body = clip(r.text(string(body)), excerpt)
	}
	if len(x.RespHead) > 0 {
		out.RespHead = map[string][]string{}
		for k, vs := range x.RespHead {
			for _, v := range vs {
				out.RespHead[k] = append(out.RespHead[k], r.answer(r.header(k, v)))
			}
		}
	}
	if len(x.RespBody) > 0 {
		out.RespBody = clip(r.answer(string(x.RespBody)), excerpt)
	}
	out.Curl = r.curl(x)
	return out
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + clipMark
}

// clipMark ends a clipped text.
const clipMark = "... (truncated)"

// curl renders the request as a shell command; with secrets redacted the
// command shows where they go, with --show-secrets it runs as is.
func (r *redactor) curl(x *exchange) string {
	var b strings.Builder
	gen := ""
	if len(x.Body) > maxInlineBody {
		// Too long for a command line: when the body is mostly one
		// repeated byte (the large-body probe), generate it in a pipe.
		if i, n := longestRun(x.Body); n > len(x.Body)*9/10 && x.Body[i] >= 0x20 && x.Body[i] < 0x7f && x.Body[i] != '\'' {
			gen = fmt.Sprintf("{ printf %%s %s; head -c %d /dev/zero | tr '\\0' %s; printf %%s %s; } | ",
				shellQuote(r.text(string(x.Body[:i]))), n, shellQuote(string(x.Body[i])), shellQuote(r.text(string(x.Body[i+n:]))))
		}
	}
	body := x.Body
	if x.Plain != nil {
		// A gzip body is binary: the command compresses the plain one.
		gen, body = fmt.Sprintf("printf %%s %s | gzip -c | ", shellQuote(r.text(string(x.Plain)))), nil
	}
	// --globoff: the URL is sent as is; without it curl reads [] and {}
	// (deepObject and allowReserved query values) as its own patterns.
	b.WriteString(gen + "curl -i --globoff")
	if x.Method == http.MethodHead {
		b.WriteString(" -I")
	} else if x.Method != http.MethodGet || len(x.Body) > 0 {
		b.WriteString(" -X " + x.Method)
	}
	keys := make([]string, 0, len(x.Header))
	for k := range x.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, "User-Agent") {
			continue
		}
		for _, v := range x.Header[k] {
			b.WriteString(" -H " + shellQuote(k+": "+r.header(k, v)))
		}
	}
	switch {
	case gen != "":
		// No "Expect: 100-continue": the answer printed first is the API's.
		b.WriteString(" -H 'Expect:' --data-binary @-")
	case len(body) > maxInlineBody:
		b.WriteString(fmt.Sprintf(" --data-binary @body.json  # %d-byte body, too long to print", len(body)))
	case len(body) > 0:
		b.WriteString(" --data-binary " + shellQuote(r.text(string(body))))
	}
	b.WriteString(" " + shellQuote(r.url(x.URL)))
	return b.String()
}

// maxInlineBody is the largest body a curl command prints inline.
const maxInlineBody = 64 << 10

// longestRun returns the start and length of the longest run of one byte.
func longestRun(b []byte) (start, n int) {
	for i := 0; i < len(b); {
		j := i
		for j < len(b) && b[j] == b[i] {
			j++
		}
		if j-i > n {
			start, n = i, j-i
		}
		i = j
	}
	return start, n
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
