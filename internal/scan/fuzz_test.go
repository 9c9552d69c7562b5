package scan

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/fuzzseed"
	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/scan/identity"
	"github.com/rampart-sec/rampart/internal/spec"
	"golang.org/x/time/rate"
)

// maxFuzzBody is the largest request body FuzzGenerate accepts. The
// generator bounds the text of one value to 1 MiB (and a mutation adds at
// most a 100,000-character string); escaping can multiply that (a control
// character is six bytes in JSON, nine once such JSON is a form field),
// and no encoding more than that. A request is sent to a live API: one
// past this is a bug, not a test.
const maxFuzzBody = 16 << 20

// FuzzGenerate feeds arbitrary bytes to the loader and, when they load,
// builds the requests a scan would send for each operation: the happy
// path (from examples, then from generated values) and the conformance
// mutations. Nothing goes on the network: the client answers in memory
// (400 to every request, so nothing is learnt as created). Whatever the
// definition, generation must give requests or a reason, never panic or
// hang, and stay within its bounds: at most maxMutations mutations per
// operation and bodies of bounded size.
// Seeds: the bundled examples and the hostile definitions of
// internal/fuzzseed
// (inputs that failed are kept in testdata/fuzz/FuzzGenerate). Run:
// scripts/fuzz.sh 60 Generate.
func FuzzGenerate(f *testing.F) {
	fuzzseed.Fuzz(f, "request generation", func(t *testing.T, d *spec.Document) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		e, sent := offlineEngine(t, d)
		if e == nil {
			return
		}
		_ = d.CompileAll(ctx)
		ops := d.Operations
		// Bounded so that a definition with thousands of operations costs
		// the fuzzer what a small one does.
		if len(ops) > 20 {
			ops = ops[:20]
		}
		for _, op := range ops {
			var first *request
			for _, useExamples := range []bool{true, false} {
				r, why := e.prepare(ctx, op, useExamples)
				if r == nil {
					if strings.TrimSpace(why) == "" {
						t.Fatalf("%s: no request and no reason", op.Key())
					}
					continue
				}
				x, err := e.build(ctx, r)
				if err != nil {
					if strings.TrimSpace(err.Error()) == "" {
						t.Fatalf("%s: building the happy path failed with an empty message", op.Key())
					}
					continue
				}
				checkBuilt(t, op, x.URL, x.Body)
				if first == nil {
					first = r
				}
			}
			if first == nil {
				continue
			}
			before := sent.Load()
			e.conformance(ctx, op, first)
			if n := sent.Load() - before; n > maxMutations {
				t.Fatalf("%s: %d mutations sent, the bound is %d", op.Key(), n, maxMutations)
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("generation did not finish in 20 s")
		}
	})
}

// checkBuilt checks one built request: a URL that parses and a body within
// maxFuzzBody.
func checkBuilt(t *testing.T, op *spec.Operation, rawURL string, body []byte) {
	t.Helper()
	if _, err := url.Parse(rawURL); err != nil {
		t.Fatalf("%s: built URL %q does not parse: %v", op.Key(), rawURL, err)
	}
	if len(body) > maxFuzzBody {
		t.Fatalf("%s: a %d-byte request body", op.Key(), len(body))
	}
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// offlineEngine is the engine Run builds, with a client that never leaves
// the process: every request is checked (a body within maxFuzzBody) and
// answered 400 with a small JSON body. One identity holds credentials for
// every security scheme, with the admin role, so secured operations are
// generated too. sent counts the requests answered.
func offlineEngine(t *testing.T, doc *spec.Document) (*engine, *atomic.Int64) {
	base, _ := url.Parse("http://api.test")
	docBase := ""
	if len(doc.Servers) > 0 {
		docBase = serverPath(doc.Servers[0])
		base.Path = doc.Servers[0].BasePath()
	}
	if _, err := url.Parse(base.String()); err != nil {
		// A server path no URL can carry: Run refuses such a target.
		return nil, nil
	}
	creds := map[string]config.Credential{}
	for name := range doc.SecuritySchemes {
		creds[name] = config.Credential{Token: "fuzz-token", Value: "fuzz-key", Username: "fuzz", Password: "fuzz-password"}
	}
	cfg := &config.Config{Identities: []config.Identity{{Name: "fuzz", Roles: []string{"admin"}, Credentials: creds}}}
	if err := cfg.Validate(doc); err != nil {
		cfg = &config.Config{}
	}
	sent := &atomic.Int64{}
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Body != nil {
			n, _ := io.Copy(io.Discard, io.LimitReader(r.Body, maxFuzzBody+1))
			if n > maxFuzzBody {
				t.Errorf("%s %s: a request body over %d bytes", r.Method, r.URL, maxFuzzBody)
			}
		}
		sent.Add(1)
		return &http.Response{StatusCode: 400, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(`{"error":"bad request"}`)), Request: r}, nil
	})
	c := &client{
		http:    &http.Client{Transport: rt, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		limiter: rate.NewLimiter(rate.Inf, 1),
		origins: map[string]bool{origin(base): true},
	}
	opts := Options{Target: base.String(), NoProbes: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	e := &engine{doc: doc, opts: opts, cfg: cfg, gen: &gen.Generator{Doc: doc}, c: c,
		red: newRedactor(false), log: opts.Logger, base: base, docBase: docBase, start: time.Now(),
		vars: map[string]any{}, seen: map[string]seenID{}, tmpl: map[*spec.Operation]*request{},
		happyX: map[*spec.Operation]*exchange{}, happyFail: map[string]string{},
		dupProbes: map[string]int{}, dupSettled: map[string]bool{},
		byKey: map[string]*report.Finding{}, details: map[*report.Finding][]string{},
		weakDone: map[string]bool{}, stats: map[string]int{}, linked: map[string]map[string]string{},
		runCtx: context.Background()}
	for _, ic := range cfg.Identities {
		e.ids = append(e.ids, identity.New(ic, doc, base, c))
	}
	return e, sent
}
