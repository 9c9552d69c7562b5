package audit

import (
	"slices"
	"strings"
	"testing"
)

// TestStructureMessages: what struct-invalid says of common authoring
// mistakes, all of it (each case lists every struct-invalid finding, as
// "pointer: message"). The meta-schemas describe kinds of security scheme
// as branches of a oneOf, and the check used to report what the first
// branch wanted of the scheme's type ("value must be 'apiKey'" of an http
// scheme without `scheme`); it kept only the deepest error on a path, so
// an unknown field of an operation vanished beside a response missing its
// description; "'not' failed" said nothing; a property's `required: true`
// read "got boolean, want array".
func TestStructureMessages(t *testing.T) {
	const v30 = "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\n"
	const v31 = "openapi: 3.1.0\ninfo: {title: t, version: \"1\"}\n"
	const v20 = "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\nhost: a.example.com\n"
	const get = "paths:\n  /a:\n    get:\n      responses:\n        \"200\": {description: ok}\n"
	cases := []struct {
		name, text string
		want       []string
	}{
		{"3.0 http scheme without scheme",
			v30 + "components:\n  securitySchemes:\n    b: {type: http}\n" + get,
			[]string{"/components/securitySchemes/b: missing property 'scheme'"}},
		{"3.0 oauth2 flow without tokenUrl",
			v30 + "components:\n  securitySchemes:\n    o: {type: oauth2, flows: {password: {scopes: {}}}}\n" + get,
			[]string{"/components/securitySchemes/o/flows/password: missing property 'tokenUrl'"}},
		{"3.0 unknown scheme type",
			v30 + "components:\n  securitySchemes:\n    k: {type: apikey, in: header, name: X}\n" + get,
			[]string{"/components/securitySchemes/k/type: type must be one of apiKey, http, oauth2 or openIdConnect: did you mean apiKey?"}},
		{"3.0 api key in the body",
			v30 + "components:\n  securitySchemes:\n    k: {type: apiKey, in: body, name: X}\n" + get,
			[]string{"/components/securitySchemes/k/in: value must be one of 'header', 'query', 'cookie'"}},
		{"2.0 oauth2 password flow without tokenUrl",
			v20 + "securityDefinitions:\n  o: {type: oauth2, flow: password, scopes: {}}\n" + get,
			[]string{"/securityDefinitions/o: missing property 'tokenUrl'"}},
		{"2.0 unknown oauth2 flow",
			v20 + "securityDefinitions:\n  o: {type: oauth2, flow: pasword, scopes: {}}\n" + get,
			[]string{"/securityDefinitions/o/flow: flow must be one of implicit, password, application or accessCode: did you mean password?"}},
		{"2.0 unknown scheme type",
			v20 + "securityDefinitions:\n  k: {type: apikey, in: header, name: X}\n" + get,
			[]string{"/securityDefinitions/k/type: type must be one of basic, apiKey or oauth2: did you mean apiKey?"}},
		{"unknown operation field beside a bad response",
			v30 + "paths:\n  /a:\n    get:\n      respones: {}\n      responses:\n        \"600\": {description: bad}\n        \"200\": {content: {}}\n",
			[]string{
				`/paths/~1a/get/respones: property "respones" is not allowed here: did you mean responses?`,
				`/paths/~1a/get/responses/600: "600" is not a response code: write 100-599, a range 1XX-5XX, or default`,
				"/paths/~1a/get/responses/200: missing property 'description'",
			}},
		{"parameter with schema and content",
			v30 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string}, content: {application/json: {schema: {type: string}}}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{"/paths/~1a/get/parameters/0: Schema and content are mutually exclusive, at least one is required"}},
		{"3.0 required: true on a property",
			v30 + "components:\n  schemas:\n    A:\n      type: object\n      properties:\n        n: {type: string, required: true}\n" + get,
			[]string{`/components/schemas/A/properties/n/required: required: true is not a schema keyword: list "n" in the required array of the object whose properties hold it`}},
		{"2.0 required: true on a property",
			v20 + "definitions:\n  A:\n    type: object\n    properties:\n      n: {type: string, required: true}\n" + get,
			[]string{`/definitions/A/properties/n/required: required: true is not a schema keyword: list "n" in the required array of the object whose properties hold it`}},
		{"path without its slash",
			v30 + "paths:\n  a/b:\n    get:\n      responses:\n        \"200\": {description: ok}\n",
			[]string{`/paths/a~1b: a path must begin with /: "a/b"`}},
		{"2.0 path without its slash",
			v20 + "paths:\n  a/b:\n    get:\n      responses:\n        \"200\": {description: ok}\n",
			[]string{`/paths/a~1b: a path must begin with /: "a/b"`}},
		// 3.1's meta-schema closes objects with unevaluatedProperties,
		// whose refusals the engine calls "false schema", also for the
		// known members of an object whose own schema failed.
		{"3.1 path without its slash",
			v31 + "paths:\n  a/b:\n    get:\n      responses:\n        \"200\": {description: ok}\n",
			[]string{`/paths/a~1b: a path must begin with /: "a/b"`}},
		{"3.1 unknown operation field beside a bad response",
			v31 + "paths:\n  /a:\n    get:\n      respones: {}\n      responses:\n        \"600\": {description: bad}\n        \"200\": {content: {}}\n",
			[]string{
				`/paths/~1a/get/respones: property "respones" is not allowed here: did you mean responses?`,
				`/paths/~1a/get/responses/600: "600" is not a response code: write 100-599, a range 1XX-5XX, or default`,
				"/paths/~1a/get/responses/200: missing property 'description'",
			}},
		{"3.1 oauth2 flow without tokenUrl",
			v31 + "components:\n  securitySchemes:\n    o: {type: oauth2, flows: {password: {scopes: {}}}}\n" + get,
			[]string{"/components/securitySchemes/o/flows/password: missing property 'tokenUrl'"}},
		{"3.1 unknown scheme type",
			v31 + "components:\n  securitySchemes:\n    k: {type: apikey, in: header, name: X}\n" + get,
			[]string{"/components/securitySchemes/k/type: value must be one of 'apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect': did you mean apiKey?"}},
		{"3.1 parameter with schema and content",
			v31 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: query, schema: {type: string}, content: {application/json: {schema: {type: string}}}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{`/paths/~1a/get/parameters/0: only one of "schema", "content" may be set`}},
		{"3.1 license with identifier and url",
			"openapi: 3.1.0\ninfo: {title: t, version: \"1\", license: {name: MIT, identifier: MIT, url: 'https://opensource.org/licenses/MIT'}}\n" + get,
			[]string{`/info/license: only one of "identifier", "url" may be set`}},
		{"2.0 host with a scheme and path, basePath without slash",
			"swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\nhost: https://api.example.com/v1\nbasePath: v1\n" + get,
			[]string{
				`/host: host "https://api.example.com/v1" is a host name and an optional port only (api.example.com:8443): the scheme goes in schemes, the path in basePath`,
				`/basePath: basePath "v1" must begin with /`,
			}},
		{"3.1 exclusiveMinimum: true",
			v31 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: n, in: query, schema: {type: integer, minimum: 0, exclusiveMinimum: true, maximum: 9}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{"/paths/~1a/get/parameters/0/schema/exclusiveMinimum: exclusiveMinimum: true is OpenAPI 3.0's form: in 3.1 exclusiveMinimum is the bound itself (exclusiveMinimum: 0 instead of minimum: 0 with exclusiveMinimum: true)"}},
		{"content without its media type",
			v30 + "paths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            schema: {type: array, maxItems: 5, items: {type: string, enum: [a]}}\n",
			[]string{`/paths/~1a/get/responses/200/content/schema: "schema" is not a media type: content maps media types to what they carry (content: {application/json: {schema: ...}})`}},
		{"3.1 content without its media type",
			v31 + "paths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            schema: {type: array, maxItems: 5, items: {type: string, enum: [a]}}\n",
			[]string{`/paths/~1a/get/responses/200/content/schema: "schema" is not a media type: content maps media types to what they carry (content: {application/json: {schema: ...}})`}},
		{"a language's type name",
			v30 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: n, in: query, schema: {type: int, maximum: 9, minimum: 0}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{"/paths/~1a/get/parameters/0/schema/type: value must be one of 'array', 'boolean', 'integer', 'number', 'object', 'string': did you mean integer? (with format: int32 or int64)"}},
		{"3.1 a language's type name",
			v31 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: n, in: query, schema: {type: int, maximum: 9, minimum: 0}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{"/paths/~1a/get/parameters/0/schema/type: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string': did you mean integer? (with format: int32 or int64)"}},
		{"items as a list",
			v30 + "components:\n  schemas:\n    T: {type: array, maxItems: 2, items: [{type: string}]}\n" + get,
			[]string{"/components/schemas/T/items: got array, want object: items is one schema that every item matches; a list of schemas, one per position, is OpenAPI 3.1's prefixItems"}},
		{"discriminator as a name",
			v30 + "components:\n  schemas:\n    P: {type: object, discriminator: kind, properties: {kind: {type: string, enum: [a]}}}\n" + get,
			[]string{"/components/schemas/P/discriminator: got string, want object: discriminator is an object: discriminator: {propertyName: kind}"}},
		{"media type examples as a list",
			v31 + "paths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {type: string, enum: [a]}\n              examples: [a]\n",
			[]string{"/paths/~1a/get/responses/200/content/application~1json/examples: got array, want object: a media type's examples map names to Example objects (examples: {one: {value: ...}}); a single value is example"}},
		// A parameter whose in names no location: the members no kind of
		// parameter has are reported beside it, not hidden by it.
		{"unknown location and a misspelt member",
			v30 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: Query, require: true, schema: {type: string, enum: [a]}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{
				"/paths/~1a/get/parameters/0/in: in must be one of query, header, path or cookie: did you mean query?",
				`/paths/~1a/get/parameters/0/require: property "require" is not allowed here: did you mean required?`,
			}},
		{"2.0 unknown location and a misspelt member",
			v20 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: Query, require: true, type: string, enum: [a]}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{
				"/paths/~1a/get/parameters/0/in: in must be one of query, header, path, formData or body: did you mean query?",
				`/paths/~1a/get/parameters/0/require: property "require" is not allowed here: did you mean required?`,
			}},
		{"3.1 unknown location and a misspelt member",
			v31 + "paths:\n  /a:\n    get:\n      parameters:\n        - {name: q, in: Query, require: true, schema: {type: string, enum: [a]}}\n      responses:\n        \"200\": {description: ok}\n",
			[]string{
				"/paths/~1a/get/parameters/0/in: value must be one of 'query', 'header', 'path', 'cookie': did you mean query?",
				`/paths/~1a/get/parameters/0/require: property "require" is not allowed here: did you mean required?`,
			}},
		{"3.1 unknown scheme type and a misspelt member",
			v31 + "components:\n  securitySchemes:\n    k: {type: apikey, nmae: X, in: header, x-note: fine}\n" + get,
			[]string{
				"/components/securitySchemes/k/nmae: property \"nmae\" is not allowed here: did you mean name?",
				"/components/securitySchemes/k/type: value must be one of 'apiKey', 'http', 'mutualTLS', 'oauth2', 'openIdConnect': did you mean apiKey?",
			}},
		{"server variable not declared",
			v30 + "servers:\n  - url: 'https://{region}.example.com/{basePath}'\n    variables: {region: {default: eu}}\n" + get,
			[]string{"/servers/0/url: Server URL https://{region}.example.com/{basePath} names the variable(s) basePath, which its variables do not declare: declare each with a default."}},
		{"server variables declared",
			v30 + "servers:\n  - url: 'https://{region}.example.com/{basePath}'\n    variables: {region: {default: eu}, basePath: {default: v1}}\n" + get,
			nil},
		{"3.1 required: true on a property",
			v31 + "paths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content: {application/json: {schema: {type: object, properties: {n: {type: string, required: true}}}}}\n",
			[]string{`/paths/~1a/get/responses/200/content/application~1json/schema/properties/n/required: required: true is not a schema keyword: list "n" in the required array of the object whose properties hold it`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range findingsOf(auditText(t, tc.text, Options{}), "struct-invalid") {
				msg, _, _ := strings.Cut(f.Message, " (at ") // and the compile finding's ": the schema is not valid..."
				got = append(got, f.Location.Pointer+": "+msg)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if !slices.Equal(got, want) {
				t.Errorf("struct-invalid findings:\n got  %q\n want %q", got, want)
			}
		})
	}
}

// TestMalformedSecurityReadAsMeant: a security requirement written as the
// scheme's name (`- bearer`) or without its list (`security: {bearer:
// []}`) was modelled as `{}` or as `security: []`: anonymous access, and
// the audit said the operation allowed it. Scopes written as a list were
// modelled as none, and the audit said the scopes used were undefined.
// The structure check reports each; the model reads what was meant.
func TestMalformedSecurityReadAsMeant(t *testing.T) {
	const schemes = "components:\n  securitySchemes:\n    bearer: {type: http, scheme: bearer, bearerFormat: JWT}\n    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: 'https://a.example.com/token', scopes: [read, write]}}}\n"
	cases := []struct {
		name, security string
	}{
		{"a scheme's name", "paths:\n  /a:\n    get:\n      security:\n        - bearer\n      responses:\n        \"200\": {description: ok}\n"},
		{"a requirement without its list", "security:\n  bearer: []\npaths:\n  /a:\n    get:\n      responses:\n        \"200\": {description: ok}\n"},
		{"scopes as a list", "paths:\n  /a:\n    get:\n      security:\n        - oauth: [read]\n      responses:\n        \"200\": {description: ok}\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := auditText(t, "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\n"+schemes+tc.security, Options{})
			if res.Valid {
				t.Error("valid: true for a malformed definition")
			}
			for _, rule := range []string{"sec-op-no-security", "sec-no-security", "sec-scope-undefined", "sec-undefined-scheme"} {
				if got := findingsOf(res, rule); len(got) > 0 {
					t.Errorf("%s: %s", rule, got[0].Message)
				}
			}
		})
	}
}

// TestUnresolvedRefSuggestion: a $ref that resolves to nothing says
// which one it most likely means: another version's section, or a name
// of its section in another case or a letter off.
func TestUnresolvedRefSuggestion(t *testing.T) {
	const v30 = "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\ncomponents:\n  schemas:\n    Pet: {type: string, enum: [a]}\n  parameters:\n    Limit: {name: limit, in: query, schema: {type: integer, maximum: 9, minimum: 0}}\n"
	const v20 = "swagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\nhost: a.example.com\ndefinitions:\n  Pet: {type: string, enum: [a]}\n"
	op := func(ref string) string {
		return "paths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          schema: {$ref: '" + ref + "'}\n"
	}
	op3 := func(ref string) string {
		return "paths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content: {application/json: {schema: {$ref: '" + ref + "'}}}\n"
	}
	cases := []struct{ name, text, want string }{
		{"3.0 ref to 2.0's definitions", v30 + op3("#/definitions/Pet"), `$ref "#/definitions/Pet" resolves to nothing: did you mean "#/components/schemas/Pet"?`},
		{"2.0 ref to 3.0's components", v20 + op("#/components/schemas/Pet"), `$ref "#/components/schemas/Pet" resolves to nothing: did you mean "#/definitions/Pet"?`},
		{"another case", v30 + op3("#/components/schemas/pet"), `$ref "#/components/schemas/pet" resolves to nothing: did you mean "#/components/schemas/Pet"?`},
		{"a letter off", v30 + op3("#/components/schemas/Pett"), `$ref "#/components/schemas/Pett" resolves to nothing: did you mean "#/components/schemas/Pet"?`},
		{"nothing near", v30 + op3("#/components/schemas/Order"), `$ref "#/components/schemas/Order" resolves to nothing`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := findingsOf(auditText(t, tc.text, Options{}), "struct-unresolved-ref")
			if len(got) != 1 || got[0].Message != tc.want {
				t.Errorf("findings %+v, want one: %q", got, tc.want)
			}
		})
	}
}

// TestUndefinedSchemeSuggestion: scheme names are case-sensitive; a
// requirement naming one in another case says which it means.
func TestUndefinedSchemeSuggestion(t *testing.T) {
	text := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\ncomponents:\n  securitySchemes:\n    bearerAuth: {type: http, scheme: bearer, bearerFormat: JWT}\nsecurity:\n  - BearerAuth: []\n" +
		"paths:\n  /a:\n    get:\n      responses:\n        \"200\": {description: ok}\n"
	got := findingsOf(auditText(t, text, Options{}), "sec-undefined-scheme")
	want := `The security requirement names scheme "BearerAuth", which is not defined: did you mean "bearerAuth"? (scheme names are case-sensitive)`
	if len(got) != 1 || got[0].Message != want {
		t.Errorf("findings %+v, want one: %q", got, want)
	}
}
