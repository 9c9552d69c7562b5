// Package fuzzseed holds the hostile OpenAPI definitions that seed the
// fuzz targets of the engines (the audit, the firewall's plan, the
// scanner's generator): definitions that load, or nearly, but sit at the
// edges each engine must handle with findings or a clear error, never a
// panic or a hang. One list serves every engine, so a case added for one
// is tried on all.
package fuzzseed

import "strings"

// Definitions returns the seeds: reference cycles (satisfiable and not),
// deep nesting, numbers beyond float64, invalid, ECMA-only and
// catastrophically backtracking patterns, contradictory or negative
// bounds, enums of mixed types, type lists, sizes at the scanner's
// generator limits, odd path templates, parameter styles, media types,
// servers and security schemes, Swagger 2.0 forms, webhooks, and
// definitions the firewall refuses to compile.
func Definitions() []string {
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
		// Readings that keep contracts sendable: a name required and
		// declared nowhere, additionalProperties: false beside a
		// composition, a property overlaid on its member's, a
		// discriminator with implicit, mapped and unresolved names, a
		// JavaScript-literal pattern, Unicode \s beside a hyphen.
		body(head30, "{allOf: [{$ref: '#/components/schemas/P'}], additionalProperties: false, required: [k, zz], properties: {p: {required: [q, r], properties: {q: {minLength: 1}}}, k: {type: string, pattern: '/^[a-z\\s-_]+$/gi'}}, oneOf: [{$ref: '#/components/schemas/P'}, {$ref: '#/components/schemas/Q'}, {type: object}], discriminator: {propertyName: k, mapping: {a: P, b: '#/components/schemas/Q', c: '#/nowhere', d: ''}}}") +
			"components: {schemas: {P: {type: object, properties: {k: {type: string}, p: {type: object, properties: {q: {type: string}, r: {$ref: '#/components/schemas/P'}}}}}, Q: {allOf: [{$ref: '#/components/schemas/P'}, {$ref: '#/components/schemas/Q'}]}}}\n",
		// Unions whose validation multiplies with nesting: one a property
		// selects (compiled to a chain), one with overlapping recursive
		// branches (counted first), a composition fanning out; adjacent
		// path variables, the second with an enum.
		body(head31, "{$ref: '#/components/schemas/E'}") +
			"  /p/{a}{b}{c}:\n    get: {parameters: [{name: a, in: path, required: true, schema: {type: string}}, {name: b, in: path, required: true, schema: {enum: ['.x', '-y']}}, {name: c, in: path, required: true, schema: {type: string, enum: [.json, .xml]}}], responses: {'200': {description: ok}}}\n" +
			"components: {schemas: {E: {oneOf: [{type: object, required: [op, args], properties: {op: {const: and}, args: {type: array, items: {$ref: '#/components/schemas/E'}}}}, {type: object, required: [op, args], properties: {op: {enum: [or, '']}, args: {type: array, items: {$ref: '#/components/schemas/N'}}}}, {type: object, required: [v]}]}, " +
			"N: {anyOf: [{type: object, required: [a], properties: {c: {type: array, items: {$ref: '#/components/schemas/N'}}}}, {type: object, required: [b], properties: {c: {type: array, items: {$ref: '#/components/schemas/N'}}}}, {allOf: [{$ref: '#/components/schemas/F'}, {$ref: '#/components/schemas/F'}, {$ref: '#/components/schemas/F'}]}]}, " +
			"F: {allOf: [{$ref: '#/components/schemas/G'}, {$ref: '#/components/schemas/G'}, {$ref: '#/components/schemas/G'}, {$ref: '#/components/schemas/G'}]}, G: {allOf: [{$ref: '#/components/schemas/H'}, {$ref: '#/components/schemas/H'}, {$ref: '#/components/schemas/H'}, {$ref: '#/components/schemas/H'}]}, H: {type: object, if: {required: [z]}, then: {$ref: '#/components/schemas/N'}}}}\n",
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
		// Refused by the firewall's plan builder or the loader: a
		// reference that resolves only to itself, a POSIX class RE2
		// refuses in a 3.0 definition.
		body(head31, "{$ref: '#/components/schemas/C'}") + "components: {schemas: {C: {$ref: '#/components/schemas/C'}}}\n",
		head30 + "paths:\n  /a:\n    get: {parameters: [{name: q, in: query, schema: {type: string, pattern: '[[:alpha:]'}}], responses: {'200': {description: ok}}}\n",
		// A schema that admits everything; odd status ranges and routes
		// that differ only in a parameter's name; an invalid pattern on
		// a response header.
		body(head31, "true"),
		head31 + "paths:\n  /:\n    post: {responses: {'1XX': {description: ok}, '599': {description: ok}}}\n  /d/{a}:\n    get: {responses: {'200': {description: ok, headers: {X-Rate: {required: true, schema: {type: string, pattern: '(('}}}}}}\n  /d/{b}:\n    get: {responses: {'200': {description: ok}}}\n",
		// A dot-segment server and an OpenID Connect URL with a script
		// scheme.
		head31 + "servers: [{url: '/%2e%2e/{v}', variables: {v: {default: '{v}'}}}]\nsecurity: [{x: []}]\npaths:\n  /s:\n    get: {responses: {'200': {description: ok}}}\ncomponents:\n  securitySchemes:\n    x: {type: openIdConnect, openIdConnectUrl: 'javascript:alert(1)'}\n",
		// Webhooks only.
		head31 + "webhooks:\n  w:\n    post: {requestBody: {content: {application/json: {schema: {type: object, properties: {a: {$ref: '#/components/schemas/N'}}}}}}, responses: {'200': {description: ok}}}\ncomponents: {schemas: {N: {type: integer, format: int64, minimum: -1e999}}}\n",
		head30 + "paths: {}\n",
	}
}
