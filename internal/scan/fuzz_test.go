package scan

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/scan/identity"
	"github.com/rampart-sec/rampart/internal/spec"
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
// Seeds: the bundled examples and the small hostile definitions below
// (inputs that failed are kept in testdata/fuzz/FuzzGenerate). Run:
// scripts/fuzz.sh 60 Generate.
func FuzzGenerate(f *testing.F) {
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		examples, _ := filepath.Glob(filepath.Join("../../examples", pat))
		for _, p := range examples {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range hostileDefinitions() {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a bug: crash with every goroutine's stack so the fuzzer
		// keeps the input.
		watchdog := time.AfterFunc(60*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("request generation hang:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		d, err := spec.LoadBytes(ctx, data, "fuzz.yaml", filepath.Join(dir, "fuzz.yaml"), spec.Options{MaxFileSize: 1 << 20})
		if err != nil {
			return
		}
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
		byKey: map[string]*report.Finding{}, details: map[*report.Finding][]string{},
		weakDone: map[string]bool{}, stats: map[string]int{}, linked: map[string]map[string]string{},
		runCtx: context.Background()}
	for _, ic := range cfg.Identities {
		e.ids = append(e.ids, identity.New(ic, doc, base, c))
	}
	return e, sent
}

// hostileDefinitions are small definitions that load but push the request
// generator's edge cases: reference cycles, deep nesting, numbers beyond
// float64, regular expressions RE2 refuses or that backtrack
// catastrophically elsewhere, contradictory or negative bounds, enums of
// mixed types, type lists, sizes at the generator's limits, odd path
// templates, parameter styles, media types and security schemes.
func hostileDefinitions() []string {
	const head31 = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
	const head30 = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
	// body wraps a request body schema (YAML flow) in one POST operation
	// with a path parameter.
	body := func(head, schema string) string {
		return head + "paths:\n  /a/{id}:\n    post:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n" +
			"      requestBody: {required: true, content: {application/json: {schema: " + schema + "}}}\n" +
			"      responses: {'200': {description: ok, content: {application/json: {schema: " + schema + "}}}}\n"
	}
	deep := strings.Repeat("{type: object, required: [a], properties: {a: ", 60) + "{type: string}" + strings.Repeat("}}", 60)
	return []string{
		// Reference cycles, satisfiable (the recursion is optional) and
		// not (every level requires the next).
		head31 + "paths:\n  /a:\n    post:\n      requestBody: {required: true, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n      responses: {'200': {description: ok}}\n" +
			"components:\n  schemas:\n    A: {type: object, required: [n], properties: {n: {type: string}, a: {$ref: '#/components/schemas/A'}, b: {type: array, minItems: 3, items: {$ref: '#/components/schemas/B'}}}}\n" +
			"    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {c: {$ref: '#/components/schemas/B'}}}]}\n",
		head31 + "paths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n      responses: {'200': {description: ok}}\n" +
			"components:\n  schemas:\n    A: {type: object, required: [a, b], properties: {a: {$ref: '#/components/schemas/A'}, b: {type: array, minItems: 3, items: {$ref: '#/components/schemas/B'}}}}\n" +
			"    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {c: {$ref: '#/components/schemas/B'}}}]}\n",
		body(head30, deep),
		body(head31, "{type: array, items: "+strings.Repeat("{type: array, minItems: 2, items: ", 40)+"{}"+strings.Repeat("}", 41)),
		body(head31, "{type: object, properties: {n: {type: number, minimum: 1e400, maximum: -1e400, multipleOf: 1e-400}, i: {type: integer, exclusiveMinimum: 99999999999999999999999999, exclusiveMaximum: -1e308}, s: {type: string, maxLength: 1e30, minLength: 99999999999999999999}}}"),
		body(head31, "{type: object, required: [z, v, s], properties: {z: {type: integer, multipleOf: 0}, v: {type: [], enum: []}, s: {type: string, minLength: -1}}}"),
		body(head30, "{type: object, required: [n, k], properties: {n: {type: number, minimum: 5, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true}, k: {type: integer, minimum: 1e308, maximum: 1.7976931348623157e308, multipleOf: 3}}}"),
		body(head30, "{type: object, required: [m, b], properties: {m: {type: integer, multipleOf: 0.0000001, minimum: -9007199254740993}, b: {type: integer, minimum: 9007199254740993, maximum: 9007199254740995}, x: {type: number, exclusiveMinimum: true, minimum: 1e300}, y: {type: number, maximum: -1e-300}}}"),
		// Patterns: invalid or ECMA-only ones, and ones that backtrack
		// catastrophically in a backtracking engine; then one no string
		// matches.
		body(head31, `{type: object, required: [a, b, c, d, e, f, g, h, i], properties: {a: {type: string, pattern: '('}, b: {type: string, pattern: '[z-a]'}, c: {type: string, pattern: '\p{Foo}'}, d: {type: string, pattern: '(?<=a)b\1'}, e: {type: string, pattern: '^(a+)+$'}, f: {type: string, pattern: '^(a|aa)+$', minLength: 5000}, g: {type: string, pattern: '(x+x+)+y'}, h: {type: string, pattern: '^((a*)*b)$', maxLength: 2}, i: {type: string, pattern: 'a{1000}{1000}'}}, patternProperties: {'(': {type: string}, '^(z+)+$': {type: integer}}}`),
		body(head31, `{type: object, required: [j], properties: {j: {type: string, pattern: '[^\x00-\x{10FFFF}]'}}}`),
		head31 + "paths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string, pattern: '^([a-z]+)*[0-9]$', minLength: 3}}, {name: q, in: query, required: true, schema: {type: string, pattern: '[[:alpha:]'}}, {name: X-N, in: header, required: true, schema: {type: integer, pattern: '(?i)^(1|11)+$'}}]\n      responses: {'200': {description: ok}}\n",
		body(head31, "{type: object, required: [e, t, u, w], properties: {e: {enum: [1, a, null, true, {a: 1}, [1], 1.5e300]}, t: {type: [string, 'null'], minLength: 2}, u: {type: [integer, object, 'null'], const: {a: 1}}, w: {type: ['null']}, x: {enum: [null]}}}"),
		body(head30, "{type: object, nullable: true, required: [e, f], properties: {e: {type: integer, enum: [a, 1, null]}, f: {type: string, enum: [1, 2]}}}"),
		body(head31, "{type: object, minProperties: 5, maxProperties: 1, required: [s, a, n, c], properties: {s: {type: string, minLength: 9, maxLength: 2}, a: {type: array, minItems: 5, maxItems: 2, uniqueItems: true, items: {type: boolean}}, n: {type: integer, minimum: 10, maximum: 1}, c: {type: array, contains: {type: integer}, minContains: 4, maxContains: 2}}}"),
		body(head31, "{type: object, required: [b], properties: {b: {type: array, minItems: -3, maxItems: -1}, u: {type: array, uniqueItems: true, minItems: 3, items: {enum: [a, b]}}}}"),
		body(head31, "{allOf: [{type: string}, {type: integer}], oneOf: [{type: object}, {type: object}], not: {}}"),
		body(head31, "false"),
		body(head31, "{type: object, required: [r, w], properties: {r: {type: string, readOnly: true}, w: {type: string, writeOnly: true}}, additionalProperties: false, discriminator: {propertyName: kind, mapping: {x: '#/components/schemas/Missing'}}}"),
		// At the generator's size limits: wide arrays of long strings,
		// nested; a maxItems just under the mutation bound; a long
		// maxLength.
		body(head31, "{type: array, minItems: 50, items: {type: array, minItems: 50, items: {type: array, minItems: 50, items: {type: string, minLength: 65536}}}}"),
		body(head31, "{type: object, required: [m, l], properties: {m: {type: array, maxItems: 999, items: {type: string, minLength: 65536}}, l: {type: string, maxLength: 99999}}}"),
		body(head31, "{type: object, required: [a, b], properties: {a: {type: array, minItems: 50, items: {$ref: '#/components/schemas/W'}}, b: {type: string, minLength: 65536}}}") +
			"components: {schemas: {W: {type: object, required: [x, y], properties: {x: {type: array, minItems: 50, items: {$ref: '#/components/schemas/W'}}, y: {type: string, minLength: 60000}}}}}\n",
		head30 + "paths:\n  /a/{id}/{id}:\n    get: {parameters: [{name: id, in: path, required: true, schema: {type: integer}}], responses: {'200': {description: ok}}}\n" +
			"  /{x}{y}.{z}:\n    get: {parameters: [{name: x, in: path, required: true, style: label, schema: {type: array, items: {type: integer}}}, {name: y, in: path, required: true, style: matrix, explode: true, schema: {type: object, properties: {a: {type: string, minLength: 2000}}}}], responses: {'200': {description: ok}}}\n" +
			"  /b/{}:\n    delete: {parameters: [{name: '', in: path, required: true, schema: {type: string, maxLength: 0}}], responses: {'204': {description: ok}}}\n" +
			"  /c:\n    get: {parameters: [{name: f, in: query, required: true, style: deepObject, explode: true, schema: {type: object, required: [g], additionalProperties: {type: array, items: {type: object}}, properties: {g: {type: array, minItems: 2, items: {type: object, required: [h], properties: {h: {type: string}}}}}}}, {name: j, in: query, required: true, content: {application/json: {schema: {type: object, required: [k]}}}}, {name: id, in: path, required: true, schema: {type: string}}, {name: c, in: cookie, required: true, schema: {type: array, items: {type: string, pattern: '^[;, =\"]+$'}}}, {name: p, in: query, required: true, style: pipeDelimited, schema: {type: object, required: [a], properties: {a: {type: string, pattern: '^[|&=# ]+$'}}}}], responses: {default: {description: ok}}}\n",
		head31 + "paths:\n  /u:\n    put:\n      requestBody:\n        required: true\n        content:\n          multipart/form-data: {schema: {type: object, required: [f, m, n], properties: {f: {type: string, contentMediaType: image/png, contentEncoding: base64}, m: {type: object, properties: {x: {type: integer}}}, n: {type: array, items: {type: array, items: {type: object}}}}}, encoding: {f: {contentType: 'image/*, ;;'}, m: {contentType: application/json}, n: {contentType: 'text/plain; charset=\"'}}}\n" +
			"      responses: {'2XX': {description: ok}}\n  /v:\n    post:\n      requestBody:\n        required: true\n        content:\n          application/x-www-form-urlencoded: {schema: {type: object, required: [a], properties: {a: {type: array, minItems: 2, items: {type: array, items: {type: object}}}}}, encoding: {a: {style: spaceDelimited, explode: false}}}\n" +
			"      responses: {'2XX': {description: ok}}\n  /w:\n    patch:\n      requestBody:\n        required: true\n        content:\n          application/xml: {schema: {type: object, xml: {name: '<bad name>', namespace: 'javascript:', prefix: ':'}, required: [a], properties: {a: {type: array, xml: {wrapped: true, name: ''}, minItems: 2, items: {type: object, xml: {attribute: true}}}}}}\n" +
			"      responses: {'2XX': {description: ok}}\n  /x:\n    post:\n      requestBody:\n        required: true\n        content:\n          '*/*': {schema: {type: integer}}\n          'text/plain; charset=utf-16': {schema: {type: object}}\n      responses: {'2XX': {description: ok}}\n",
		head31 + "servers: [{url: '{scheme}://{host}:{port}/v{ver}', variables: {scheme: {default: ftp, enum: [http]}, host: {default: ''}, port: {default: '99999'}}}, {url: '/rel/../x?q=1#f'}, {url: 'http://[::1'}]\n" +
			"security: [{missing: []}, {}]\npaths:\n  /s/admin/{id}:\n    get: {parameters: [{name: id, in: path, required: true, schema: {type: string}}], security: [{o: [undefined-scope]}, {k: [], c: [], q: []}, {h: []}], servers: [{url: 'https://op.example/{x}'}], responses: {'200': {description: ok}}}\n" +
			"components:\n  securitySchemes:\n    o: {type: oauth2, flows: {implicit: {authorizationUrl: 'http://[bad', scopes: {}}, password: {tokenUrl: '', scopes: {'': ''}}}}\n    k: {type: apiKey, name: '', in: header}\n    c: {type: apiKey, name: 'a=b; c', in: cookie}\n    q: {type: apiKey, name: '&x=', in: query}\n    h: {type: http, scheme: ''}\n    m: {type: mutualTLS}\n",
		`{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"h:0","basePath":"/x/","schemes":["http"],"consumes":["multipart/form-data"],"paths":{"/f/{p}":{"post":{"parameters":[{"name":"p","in":"path","required":true,"type":"array","collectionFormat":"pipes","items":{"type":"integer","maximum":1e309}},{"name":"q","in":"query","required":true,"type":"array","collectionFormat":"multi","minItems":3,"items":{"type":"string","pattern":"^(a+)+$"}},{"name":"f","in":"formData","type":"file","required":true},{"name":"g","in":"formData","type":"string","maxLength":0,"required":true}],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/R"}}}}}},"definitions":{"R":{"type":"object","additionalProperties":{"$ref":"#/definitions/R"},"enum":[{},[]]}}}`,
		head30 + "paths: {}\n",
	}
}
