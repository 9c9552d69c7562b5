package plan

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/spec"
)

// FuzzCompile feeds arbitrary bytes to the loader and, when they load,
// compiles the firewall's validation plan and sends a few fixed requests
// through it: GET /, and to every operation's paths (template parameters
// filled with "1") its own method, GET and POST, without and with a small
// JSON body, then a small JSON response. Whatever the contract says, Build
// must return a plan or an error, and validation must answer: no panic, no
// hang, requests refused with 4xx and responses with 502.
// FuzzRequestValidation fuzzes the requests against one fixed contract;
// this target fuzzes the contract.
// Seeds: the bundled examples and the small hostile definitions below
// (inputs that failed are kept in testdata/fuzz/FuzzCompile). Run:
// scripts/fuzz.sh 60 Compile.
func FuzzCompile(f *testing.F) {
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		examples, _ := filepath.Glob(filepath.Join("../../../examples", pat))
		for _, p := range examples {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range hostileContracts() {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a bug: crash with every goroutine's stack so the fuzzer
		// keeps the input.
		watchdog := time.AfterFunc(60*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("compile or validation hang:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		d, err := spec.LoadBytes(ctx, data, "fuzz.yaml", filepath.Join(dir, "fuzz.yaml"), spec.Options{MaxFileSize: 1 << 20})
		if err != nil {
			return
		}
		p, err := Build(ctx, d, Config{})
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Build did not finish in 20 s")
		}
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("Build failed with an empty message")
			}
			return
		}
		for _, rq := range fixedRequests(p) {
			checkFixedRequest(t, p, rq)
		}
	})
}

type fixedRequest struct {
	method, path string
	body         []byte
}

// fixedRequests lists the requests FuzzCompile sends: GET / and, for each
// operation under each of its base paths, its own method, GET and POST to
// its path with the template parameters filled with "1", without a body
// and with a small JSON one.
func fixedRequests(p *Plan) []fixedRequest {
	out := []fixedRequest{{method: "GET", path: "/"}}
	seen := map[string]bool{}
	for _, op := range p.Ops {
		for _, base := range op.Bases {
			path := base + (&url.URL{Path: fillTemplate(op.Path)}).EscapedPath()
			for _, m := range []string{op.Method, "GET", "POST"} {
				if seen[m+" "+path] {
					continue
				}
				seen[m+" "+path] = true
				out = append(out, fixedRequest{method: m, path: path}, fixedRequest{method: m, path: path, body: []byte(`{"id":1,"name":"a","tags":["x"]}`)})
			}
		}
	}
	// Bounded so that a contract with thousands of operations costs the
	// fuzzer what a small one does.
	if len(out) > 200 {
		out = out[:200]
	}
	return out
}

// fillTemplate replaces each {name} of a path template with "1".
func fillTemplate(tpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			break
		}
		b.WriteString(tpl[:i])
		b.WriteString("1")
		tpl = tpl[i+j+1:]
	}
	b.WriteString(tpl)
	return b.String()
}

// checkFixedRequest routes and validates one request as the firewall's
// pipeline does, then validates a small response to it.
func checkFixedRequest(t *testing.T, p *Plan, rq fixedRequest) {
	m, _, err := p.Router.Lookup(rq.method, rq.path)
	if err != nil {
		return
	}
	params := append([]route.PathParam(nil), m.Params...)
	if PathValues(params) != nil {
		return
	}
	op := m.Value
	if op.Broken != "" {
		// Refused before validation (fail closed).
		return
	}
	h := http.Header{"Cookie": {"id=1; session=1"}, "X-Request-Id": {"1"}}
	ct := ""
	if rq.body != nil {
		ct = "application/json"
		h.Set("Content-Type", ct)
	}
	// Without a query, and with one naming the parameters the hostile
	// seeds declare; block mode (stop at the first violation) and monitor
	// mode (collect them all).
	for _, query := range []string{"", "id=1&limit=1"} {
		for _, all := range []bool{false, true} {
			in := &Request{PathParams: params, RawQuery: query, Header: h, ContentType: ct, Body: rq.body, HasBody: rq.body != nil}
			for _, v := range op.CheckRequest(in, &p.Config, all) {
				if v.Status < 400 || v.Status > 499 || v.Reason == "" {
					t.Fatalf("%s %s?%s: violation %+v", rq.method, rq.path, query, v)
				}
			}
		}
	}
	statuses := []int{200}
	for _, r := range op.Responses {
		if n, err := strconv.Atoi(r.Code); err == nil && n >= 100 && n <= 599 && n != 200 {
			statuses = append(statuses, n)
		}
	}
	for _, status := range statuses {
		for _, mode := range []Mode{Monitor, Block, Strip} {
			in := &ResponseIn{Method: rq.method, Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(`{"id":1,"name":"a","extra":{"b":[1,2]}}`), BodyChecked: true}
			vs, _ := op.CheckResponse(in, &p.Config, mode)
			for _, v := range vs {
				if v.Status != 502 || v.Reason == "" {
					t.Fatalf("%s %s -> %d: response violation %+v", rq.method, rq.path, status, v)
				}
			}
		}
	}
}

// hostileContracts are small definitions that load but push the plan's
// edge cases: reference cycles, deep nesting, numbers beyond float64,
// regular expressions RE2 refuses or that backtrack catastrophically
// elsewhere, contradictory or negative bounds, enums of mixed types, type
// lists, odd path templates, parameter styles and media types. The last
// few are refused by Build (a self-only reference, an invalid pattern in
// a 3.0 definition), for its error path.
func hostileContracts() []string {
	const head31 = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\n"
	const head30 = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n"
	// body wraps a schema (YAML flow) in one POST operation with a path
	// parameter, as its request and its response body.
	body := func(head, schema string) string {
		return head + "paths:\n  /a/{id}:\n    post:\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]\n" +
			"      requestBody: {required: true, content: {application/json: {schema: " + schema + "}}}\n" +
			"      responses: {'200': {description: ok, content: {application/json: {schema: " + schema + "}}}}\n"
	}
	deep := strings.Repeat("{type: object, required: [a], properties: {a: ", 60) + "{type: string}" + strings.Repeat("}}", 60)
	return []string{
		head31 + "paths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n      responses: {'200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}}\n" +
			"components:\n  schemas:\n    A: {type: object, required: [a, b], properties: {a: {$ref: '#/components/schemas/A'}, b: {type: array, minItems: 3, items: {$ref: '#/components/schemas/B'}}}}\n" +
			"    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {c: {$ref: '#/components/schemas/B'}}}]}\n",
		body(head30, deep),
		body(head31, "{type: array, items: "+strings.Repeat("{type: array, minItems: 2, items: ", 40)+"{}"+strings.Repeat("}", 41)),
		body(head31, "{type: object, properties: {n: {type: number, minimum: 1e400, maximum: -1e400, multipleOf: 1e-400}, i: {type: integer, exclusiveMinimum: 99999999999999999999999999, exclusiveMaximum: -1e308}, s: {type: string, maxLength: 1e30, minLength: 99999999999999999999}}}"),
		// Schemas the compiler refuses leave their operation Broken.
		body(head31, "{type: object, properties: {z: {type: integer, multipleOf: 0}, v: {type: [], enum: []}, s: {type: string, minLength: -1}}}"),
		body(head30, "{type: object, properties: {n: {type: number, minimum: 5, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true}, m: {type: integer, multipleOf: 0.0000001, minimum: -9007199254740993}}}"),
		body(head31, `{type: object, properties: {a: {type: string, pattern: '('}, b: {type: string, pattern: '[z-a]'}, c: {type: string, pattern: '\p{Foo}'}, d: {type: string, pattern: '(?<=a)b\1'}, e: {type: string, pattern: '^(a+)+$'}, f: {type: string, pattern: '^(a|aa)+$'}, g: {type: string, pattern: '(x+x+)+y'}, h: {type: string, pattern: '^((a*)*b)$', maxLength: 2}}, patternProperties: {'(': {type: string}, '^(a+)+$': {type: integer}}}`),
		head31 + "paths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string, pattern: '^([a-z]+)*[0-9]$', minLength: 3}}, {name: limit, in: query, required: true, schema: {type: string, pattern: '[[:alpha:]'}}, {name: X-Request-Id, in: header, schema: {type: integer, pattern: '(?i)^(1|11)+$'}}]\n      responses: {'200': {description: ok, headers: {X-Rate: {required: true, schema: {type: string, pattern: '(('}}}}}\n",
		body(head31, "{type: object, required: [e, t, u], properties: {e: {enum: [1, a, null, true, {a: 1}, [1], 1.5e300]}, t: {type: [string, 'null'], minLength: 2}, u: {type: [integer, object, 'null'], const: {a: 1}}, w: {type: ['null']}, id: {type: [integer, string], enum: [1, '1']}}}"),
		body(head30, "{type: object, nullable: true, properties: {id: {type: integer, enum: [a, 1, null]}, name: {type: string, enum: [1, 2]}}}"),
		body(head31, "{type: object, minProperties: 5, maxProperties: 1, required: [s, a], properties: {s: {type: string, minLength: 9, maxLength: 2}, a: {type: array, minItems: 5, maxItems: 2, uniqueItems: true, items: {type: boolean}}, n: {type: integer, minimum: 10, maximum: 1}, c: {type: array, contains: {type: integer}, minContains: 4, maxContains: 2}}}"),
		body(head31, "{allOf: [{type: string}, {type: integer}], oneOf: [{type: object}, {type: object}], not: {}}"),
		body(head31, "false"),
		body(head31, "true"),
		body(head31, "{type: object, required: [id], properties: {id: {type: string, readOnly: true}, name: {type: string, writeOnly: true}}, additionalProperties: false, discriminator: {propertyName: name, mapping: {a: '#/components/schemas/Missing'}}}"),
		head30 + "paths:\n  /a/{id}/{id}:\n    get: {parameters: [{name: id, in: path, required: true, schema: {type: integer}}], responses: {'200': {description: ok}}}\n" +
			"  /{x}{y}.{z}:\n    get: {parameters: [{name: x, in: path, required: true, style: label, schema: {type: array, items: {type: integer}}}, {name: y, in: path, required: true, style: matrix, explode: true, schema: {type: object}}], responses: {'200': {description: ok}}}\n" +
			"  /b/{}:\n    delete: {parameters: [{name: '', in: path, required: true, schema: {type: string, maxLength: 0}}], responses: {'204': {description: ok}}}\n" +
			"  /c:\n    get: {parameters: [{name: f, in: query, style: deepObject, explode: true, schema: {type: object, additionalProperties: {type: array, items: {type: object}}}}, {name: limit, in: query, content: {application/json: {schema: {type: object, required: [k]}}}}, {name: id, in: path, required: true, schema: {type: string}}, {name: id, in: cookie, required: true, schema: {type: array, items: {type: string}}}], responses: {default: {description: ok}}}\n" +
			"  /:\n    post: {responses: {'1XX': {description: ok}, '599': {description: ok}}}\n  /d/{a}:\n    get: {responses: {'200': {description: ok}}}\n  /d/{b}:\n    get: {responses: {'200': {description: ok}}}\n",
		head31 + "paths:\n  /u:\n    put:\n      requestBody:\n        content:\n          multipart/form-data: {schema: {type: object, required: [f, m], properties: {f: {type: string, contentMediaType: image/png, contentEncoding: base64}, m: {type: object, properties: {x: {type: integer}}}}}, encoding: {f: {contentType: 'image/*, ;;'}, m: {contentType: application/json}}}\n" +
			"          application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: array, items: {type: array}}}}, encoding: {a: {style: spaceDelimited, explode: false}}}\n" +
			"          'application/json; charset=utf-16': {schema: {type: integer}}\n          '*/*': {schema: {type: integer}}\n      responses: {'2XX': {description: ok, content: {'*/*': {schema: {type: string, maxLength: 1}}}}}\n",
		head31 + "servers: [{url: '{scheme}://{host}:{port}/v{ver}', variables: {scheme: {default: ftp, enum: [http]}, host: {default: ''}, port: {default: '99999'}}}, {url: '/rel/../x?q=1#f'}, {url: 'http://[::1'}, {url: '/%2e%2e/{v}', variables: {v: {default: '{v}'}}}]\n" +
			"security: [{missing: []}, {}]\npaths:\n  /s:\n    get: {security: [{o: [undefined-scope]}, {k: []}], servers: [{url: 'https://op.example/{x}'}], responses: {'200': {description: ok}}}\n" +
			"components:\n  securitySchemes:\n    o: {type: oauth2, flows: {implicit: {authorizationUrl: 'http://[bad', scopes: {}}, password: {tokenUrl: '', scopes: {'': ''}}}}\n    k: {type: apiKey, name: '', in: header}\n    h: {type: http, scheme: ''}\n    m: {type: mutualTLS}\n",
		`{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"h:0","basePath":"/x/","schemes":["http"],"consumes":["multipart/form-data"],"paths":{"/f/{p}":{"post":{"parameters":[{"name":"p","in":"path","required":true,"type":"array","collectionFormat":"pipes","items":{"type":"integer","maximum":1e309}},{"name":"q","in":"query","type":"array","collectionFormat":"multi","items":{"type":"string","pattern":"^(a+)+$"}},{"name":"f","in":"formData","type":"file","required":true},{"name":"g","in":"formData","type":"string","maxLength":0}],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/R"}}}}}},"definitions":{"R":{"type":"object","additionalProperties":{"$ref":"#/definitions/R"},"enum":[{},[]]}}}`,
		head30 + "paths: {}\n",
		// Refused by Build.
		body(head31, "{$ref: '#/components/schemas/C'}") + "components: {schemas: {C: {$ref: '#/components/schemas/C'}}}\n",
		head30 + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, schema: {type: string, pattern: '[[:alpha:]'}}], responses: {'200': {description: ok}}}\n",
	}
}
