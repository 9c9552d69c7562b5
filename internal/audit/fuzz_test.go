package audit

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// FuzzAudit feeds arbitrary bytes to the loader and, when they load, runs
// the whole audit under every profile (profiles switch rules on and off,
// so no single one runs them all) and renders the report in every output
// format. A hostile definition must give findings or an error: never a
// panic, a hang or a report that cannot be written.
// Seeds: the bundled examples and the small hostile definitions below
// (inputs that failed are kept in testdata/fuzz/FuzzAudit). Run:
// scripts/fuzz.sh 60 Audit.
func FuzzAudit(f *testing.F) {
	for _, pat := range []string{"*.yaml", "*.yml", "*.json"} {
		examples, _ := filepath.Glob(filepath.Join("../../examples", pat))
		for _, p := range examples {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	for _, s := range hostileSpecs() {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		// A hang is a bug: crash with every goroutine's stack so the fuzzer
		// keeps the input. The deadlines below are far above what a
		// definition of fuzzer size needs, even under coverage
		// instrumentation; the watchdog catches what ignores them.
		watchdog := time.AfterFunc(60*time.Second, func() {
			buf := make([]byte, 1<<20)
			panic("audit hang:\n" + string(buf[:runtime.Stack(buf, true)]))
		})
		defer watchdog.Stop()
		lctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d, err := spec.LoadBytes(lctx, data, "fuzz.yaml", filepath.Join(dir, "fuzz.yaml"), spec.Options{MaxFileSize: 1 << 20})
		if err != nil {
			return
		}
		rep := &report.Report{Tool: "rampart", Version: "0.0.0-fuzz", Kind: "audit", Rules: ReportRules()}
		for _, prof := range Profiles() {
			actx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			res, err := Audit(actx, d, Options{Profile: prof.Name})
			cancel()
			if errors.Is(err, context.DeadlineExceeded) {
				buf := make([]byte, 1<<20)
				t.Fatalf("audit (%s) did not finish in 20 s:\n%s", prof.Name, buf[:runtime.Stack(buf, true)])
			}
			if err != nil {
				// The audit has no error of its own to give for a loaded
				// definition: the loader's problems become findings.
				t.Fatalf("audit (%s): %v", prof.Name, err)
			}
			if res.Score == nil || res.Score.Total < 0 || res.Score.Total > 100 || res.Score.Security < 0 || res.Score.Security > 30 || res.Score.Data < 0 || res.Score.Data > 70 {
				t.Fatalf("audit (%s): score out of range: %+v", prof.Name, res.Score)
			}
			for _, fd := range res.Findings {
				if fd.Rule == "" || fd.Fingerprint == "" || fd.Location.File == "" {
					t.Fatalf("audit (%s): finding without rule, fingerprint or file: %+v", prof.Name, fd)
				}
			}
			rep.Results = append(rep.Results, *res)
		}
		// One report holding every profile's result: the writers group
		// and number findings per result, so several results are the
		// harder case.
		for _, format := range report.Formats() {
			for _, color := range []bool{false, true} {
				if color && format != "text" {
					continue
				}
				if err := report.Write(io.Discard, format, rep, report.Options{Color: color, BaseDir: dir}); err != nil {
					t.Fatalf("writing %s: %v", format, err)
				}
			}
		}
	})
}

// hostileSpecs are small definitions that load (or nearly) but push the
// engines' edge cases: reference cycles, deep nesting, numbers beyond
// float64, regular expressions RE2 refuses or that backtrack
// catastrophically elsewhere, contradictory or negative bounds, enums of
// mixed types, type lists, odd path templates and parameter styles.
func hostileSpecs() []string {
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
		// Reference cycles: through properties, through items and through
		// allOf; then a reference that resolves only to itself (refused by
		// the loader, still audited).
		head31 + "paths:\n  /a:\n    post:\n      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}\n      responses: {'200': {description: ok}}\n" +
			"components:\n  schemas:\n    A: {type: object, required: [a, b], properties: {a: {$ref: '#/components/schemas/A'}, b: {type: array, minItems: 3, items: {$ref: '#/components/schemas/B'}}}}\n" +
			"    B: {allOf: [{$ref: '#/components/schemas/A'}, {type: object, properties: {c: {$ref: '#/components/schemas/B'}}}]}\n",
		body(head31, "{$ref: '#/components/schemas/C'}") + "components: {schemas: {C: {$ref: '#/components/schemas/C'}}}\n",
		body(head30, deep),
		body(head31, "{type: array, items: "+strings.Repeat("{type: array, minItems: 2, items: ", 40)+"{}"+strings.Repeat("}", 41)),
		// Numbers beyond float64, and zero or tiny multipleOf.
		body(head31, "{type: object, properties: {n: {type: number, minimum: 1e400, maximum: -1e400, multipleOf: 1e-400}, i: {type: integer, exclusiveMinimum: 99999999999999999999999999, exclusiveMaximum: -1e308}, z: {type: integer, multipleOf: 0}, s: {type: string, maxLength: 1e30, minLength: 99999999999999999999}}}"),
		body(head30, "{type: object, properties: {n: {type: number, minimum: 5, exclusiveMinimum: true, maximum: 5, exclusiveMaximum: true}, m: {type: integer, multipleOf: 0.0000001, minimum: -9007199254740993}}}"),
		// Regular expressions: invalid, ECMA-only, and catastrophic.
		body(head31, `{type: object, properties: {a: {type: string, pattern: '('}, b: {type: string, pattern: '[z-a]'}, c: {type: string, pattern: '\p{Foo}'}, d: {type: string, pattern: '(?<=a)b\1'}, e: {type: string, pattern: '^(a+)+$'}, f: {type: string, pattern: '^(a|aa)+$'}, g: {type: string, pattern: '(x+x+)+y'}, h: {type: string, pattern: '^((a*)*b)$', maxLength: 2}}, patternProperties: {'(': {type: string}, '^(a+)+$': {type: integer}}}`),
		head30 + "paths:\n  /a/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: string, pattern: '^([a-z]+)*[0-9]$', minLength: 3}}, {name: q, in: query, required: true, schema: {type: string, pattern: '[[:alpha:]'}}]\n      responses: {'200': {description: ok}}\n",
		// Enums of mixed types, type lists, const.
		body(head31, "{type: object, required: [e, t, u], properties: {e: {enum: [1, a, null, true, {a: 1}, [1], 1.5e300]}, t: {type: [string, 'null'], minLength: 2}, u: {type: [integer, object, 'null'], const: {a: 1}}, v: {type: [], enum: []}, w: {type: ['null']}}}"),
		body(head30, "{type: object, nullable: true, properties: {e: {type: integer, enum: [a, 1, null]}, f: {type: string, enum: [1, 2]}}}"),
		// Negative and contradictory bounds.
		body(head31, "{type: object, minProperties: 5, maxProperties: 1, required: [s, a], properties: {s: {type: string, minLength: -1, maxLength: -5}, a: {type: array, minItems: 5, maxItems: 2, uniqueItems: true, items: {type: boolean}}, b: {type: array, minItems: -3, maxItems: -1}, n: {type: integer, minimum: 10, maximum: 1}, c: {type: array, contains: {type: integer}, minContains: 4, maxContains: 2}}}"),
		body(head31, "{allOf: [{type: string}, {type: integer}], oneOf: [{type: object}, {type: object}], not: {}}"),
		body(head31, "false"),
		body(head31, "{type: object, required: [r], properties: {r: {type: string, readOnly: true}, w: {type: string, writeOnly: true}}, additionalProperties: false, discriminator: {propertyName: kind, mapping: {x: '#/components/schemas/Missing'}}}"),
		// Path templates: repeated, adjacent, empty, undeclared and
		// unused parameters; styles that need arrays and objects.
		head30 + "paths:\n  /a/{id}/{id}:\n    get: {parameters: [{name: id, in: path, required: true, schema: {type: integer}}], responses: {'200': {description: ok}}}\n" +
			"  /{x}{y}.{z}:\n    get: {parameters: [{name: x, in: path, required: true, style: label, schema: {type: array, items: {type: integer}}}, {name: y, in: path, required: true, style: matrix, explode: true, schema: {type: object}}], responses: {'200': {description: ok}}}\n" +
			"  /b/{}:\n    delete: {parameters: [{name: '', in: path, required: true, schema: {type: string, maxLength: 0}}], responses: {'204': {description: ok}}}\n" +
			"  /c:\n    get: {parameters: [{name: f, in: query, style: deepObject, explode: true, schema: {type: object, additionalProperties: {type: array, items: {type: object}}}}, {name: j, in: query, content: {application/json: {schema: {type: object, required: [k]}}}}, {name: id, in: path, required: true, schema: {type: string}}, {name: c, in: cookie, required: true, schema: {type: array, items: {type: string}}}], responses: {default: {description: ok}}}\n",
		// Form and multipart bodies with odd encodings.
		head31 + "paths:\n  /u:\n    put:\n      requestBody:\n        content:\n          multipart/form-data: {schema: {type: object, required: [f, m], properties: {f: {type: string, contentMediaType: image/png, contentEncoding: base64}, m: {type: object, properties: {x: {type: integer}}}}}, encoding: {f: {contentType: 'image/*, ;;'}, m: {contentType: application/json}}}\n" +
			"          application/x-www-form-urlencoded: {schema: {type: object, properties: {a: {type: array, items: {type: array}}}}, encoding: {a: {style: spaceDelimited, explode: false}}}\n" +
			"          '*/*': {schema: {type: integer}}\n      responses: {'2XX': {description: ok}}\n",
		// Security and servers at their oddest.
		head31 + "servers: [{url: '{scheme}://{host}:{port}/v{ver}', variables: {scheme: {default: ftp, enum: [http]}, host: {default: ''}, port: {default: '99999'}}}, {url: '/rel/../x?q=1#f'}, {url: 'http://[::1'}]\n" +
			"security: [{missing: []}, {}]\npaths:\n  /s:\n    get: {security: [{o: [undefined-scope]}, {k: []}], servers: [{url: 'https://op.example/{x}'}], responses: {'200': {description: ok}}}\n" +
			"components:\n  securitySchemes:\n    o: {type: oauth2, flows: {implicit: {authorizationUrl: 'http://[bad', scopes: {}}, password: {tokenUrl: '', scopes: {'': ''}}}}\n    k: {type: apiKey, name: '', in: header}\n    h: {type: http, scheme: ''}\n    m: {type: mutualTLS}\n    x: {type: openIdConnect, openIdConnectUrl: 'javascript:alert(1)'}\n",
		// Swagger 2.0 forms.
		`{"swagger":"2.0","info":{"title":"t","version":"1"},"host":"h:0","basePath":"/x/","schemes":["http"],"consumes":["multipart/form-data"],"paths":{"/f/{p}":{"post":{"parameters":[{"name":"p","in":"path","required":true,"type":"array","collectionFormat":"pipes","items":{"type":"integer","maximum":1e309}},{"name":"q","in":"query","type":"array","collectionFormat":"multi","items":{"type":"string","pattern":"^(a+)+$"}},{"name":"f","in":"formData","type":"file","required":true},{"name":"g","in":"formData","type":"string","maxLength":0,"pattern":"("}],"responses":{"200":{"description":"ok","schema":{"$ref":"#/definitions/R"}}}}}},"definitions":{"R":{"type":"object","additionalProperties":{"$ref":"#/definitions/R"},"enum":[{},[]]}}}`,
		// Webhooks and callbacks only, and a document with no paths.
		head31 + "webhooks:\n  w:\n    post: {requestBody: {content: {application/json: {schema: {type: object, properties: {a: {$ref: '#/components/schemas/N'}}}}}}, responses: {'200': {description: ok}}}\ncomponents: {schemas: {N: {type: integer, format: int64, minimum: -1e999}}}\n",
		head30 + "paths: {}\n",
	}
}
