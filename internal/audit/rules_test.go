package audit

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
	"github.com/rampart-sec/rampart/internal/spec"
)

// base is a small OpenAPI 3.0 definition that follows every rule: each case
// below breaks (or almost breaks) one thing in it.
func base() map[string]any {
	return decode(`{
  "openapi": "3.0.3",
  "info": {"title": "t", "version": "1"},
  "servers": [{"url": "https://api.example.com"}],
  "security": [{"oauth": ["pets:write"]}],
  "components": {
    "securitySchemes": {
      "oauth": {"type": "oauth2", "flows": {"authorizationCode": {
        "authorizationUrl": "https://auth.example.com/authorize", "tokenUrl": "https://auth.example.com/token",
        "scopes": {"pets:write": "write pets"}}}}
    },
    "schemas": {
      "Pet": {"type": "object", "additionalProperties": false, "required": ["name"], "properties": {
        "id": {"type": "string", "format": "uuid", "readOnly": true},
        "name": {"type": "string", "maxLength": 64, "pattern": "^[a-z]{1,64}$"},
        "age": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 100},
        "tags": {"type": "array", "maxItems": 10, "items": {"type": "string", "enum": ["a", "b"]}}
      }},
      "Error": {"type": "object", "additionalProperties": false, "properties": {
        "message": {"type": "string", "maxLength": 200, "pattern": "^[ -~]{0,200}$"}}}
    }
  },
  "paths": {
    "/pets/{petId}": {
      "put": {
        "operationId": "putPet",
        "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
        "responses": {
          "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
          "400": {"description": "bad"}, "401": {"description": "unauth"}, "403": {"description": "forbidden"},
          "404": {"description": "missing"},
          "429": {"description": "slow down", "headers": {"Retry-After": {"schema": {"type": "integer", "format": "int32", "minimum": 0, "maximum": 3600}}}},
          "default": {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        }
      }
    }
  }
}`)
}

func decode(s string) map[string]any {
	var m map[string]any
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	if err := d.Decode(&m); err != nil {
		panic(err)
	}
	return m
}

// set writes v at an RFC 6901 pointer, creating maps on the way; a nil v
// deletes the key.
func set(doc map[string]any, ptr string, v any) {
	toks := strings.Split(ptr[1:], "/")
	var cur any = doc
	for i, t := range toks {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		last := i == len(toks)-1
		switch c := cur.(type) {
		case map[string]any:
			if last {
				if v == nil {
					delete(c, t)
				} else {
					c[t] = v
				}
				return
			}
			if _, ok := c[t]; !ok {
				c[t] = map[string]any{}
			}
			cur = c[t]
		case []any:
			n, _ := strconv.Atoi(t)
			if last {
				c[n] = v
				return
			}
			cur = c[n]
		}
	}
}

const op = "/paths/~1pets~1{petId}/put"
const pet = "/components/schemas/Pet"

func j(s string) any { return decode(`{"v":` + s + `}`)["v"] }

type ruleCase struct {
	name   string
	rule   string
	mutate func(d map[string]any)
	want   bool
	// at is the expected pointer suffix of the finding when want is true.
	at string
}

func TestRules(t *testing.T) {
	cases := []ruleCase{
		// Authentication.
		{"no schemes", "sec-no-security", func(d map[string]any) { set(d, "/components/securitySchemes", nil); set(d, "/security", nil) }, true, ""},
		{"schemes defined", "sec-no-security", func(d map[string]any) {}, false, ""},
		{"no operations to call", "sec-no-security", func(d map[string]any) {
			set(d, "/components/securitySchemes", nil)
			set(d, "/security", nil)
			set(d, "/openapi", "3.1.0")
			set(d, "/webhooks", map[string]any{"petChanged": d["paths"].(map[string]any)["/pets/{petId}"]})
			set(d, "/paths", map[string]any{})
		}, false, ""},
		{"read op anonymous", "sec-op-no-security", func(d map[string]any) {
			set(d, "/security", nil)
			set(d, "/paths/~1pets~1{petId}/get", j(`{"responses":{"200":{"description":"ok"}}}`))
		}, true, "/get"},
		{"read op anonymous alternative", "sec-op-no-security", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get", j(`{"security":[{},{"oauth":[]}],"responses":{"200":{"description":"ok"}}}`))
		}, true, "/get/security"},
		{"read op secured", "sec-op-no-security", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get", j(`{"responses":{"200":{"description":"ok"}}}`))
		}, false, ""},
		{"write op anonymous", "sec-write-no-security", func(d map[string]any) { set(d, "/security", nil) }, true, op},
		{"write op secured", "sec-write-no-security", func(d map[string]any) {}, false, ""},
		{"empty override", "sec-empty-override", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get", j(`{"parameters":[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}}],"security":[],"responses":{"200":{"description":"ok"}}}`))
		}, true, "/get/security"},
		// An anonymous write is an anonymous write, however it is written.
		{"empty override on a write", "sec-write-no-security", func(d map[string]any) { set(d, op+"/security", []any{}) }, true, op + "/security"},
		// OpenAPI 3.2 names any method; one that is not a read is a write.
		{"custom method without security", "sec-write-no-security", func(d map[string]any) {
			set(d, "/openapi", "3.2.0")
			set(d, "/paths/~1pets~1{petId}/additionalOperations", j(`{"PURGE":{"parameters":[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}}],"security":[{}],"responses":{"204":{"description":"purged"}}}}`))
		}, true, "/additionalOperations/PURGE/security"},
		{"custom method is not a read", "sec-op-no-security", func(d map[string]any) {
			set(d, "/openapi", "3.2.0")
			set(d, "/paths/~1pets~1{petId}/additionalOperations", j(`{"PURGE":{"parameters":[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}}],"security":[{}],"responses":{"204":{"description":"purged"}}}}`))
		}, false, ""},
		// A login is anonymous by design: what matters is whether anything
		// limits how often it can be called (credentials_test.go).
		{"anonymous login without a limit", "sec-credential-unlimited", func(d map[string]any) { withLogin(d, "[]") }, true, loginOp},
		{"anonymous login declaring a 429", "sec-credential-unlimited", func(d map[string]any) {
			withLogin(d, "[]")
			set(d, loginOp+"/responses/429", j(`{"description":"slow down","headers":{"Retry-After":{"schema":{"type":"integer","format":"int32","minimum":0,"maximum":3600}}}}`))
		}, false, ""},
		{"empty override on a write is not the read rule", "sec-empty-override", func(d map[string]any) { set(d, op+"/security", []any{}) }, false, ""},
		{"empty without global", "sec-empty-override", func(d map[string]any) { set(d, "/security", nil); set(d, op+"/security", []any{}) }, false, ""},
		{"undefined scheme", "sec-undefined-scheme", func(d map[string]any) { set(d, op+"/security", j(`[{"nope":[]}]`)) }, true, op + "/security/0"},
		{"basic", "sec-http-basic", func(d map[string]any) {
			set(d, "/components/securitySchemes/basic", j(`{"type":"http","scheme":"basic"}`))
		}, true, "/securitySchemes/basic"},
		{"digest", "sec-http-basic", func(d map[string]any) {
			set(d, "/components/securitySchemes/dg", j(`{"type":"http","scheme":"Digest"}`))
		}, true, "/securitySchemes/dg"},
		{"bearer is not basic", "sec-http-basic", func(d map[string]any) {
			set(d, "/components/securitySchemes/b", j(`{"type":"http","scheme":"bearer","bearerFormat":"JWT"}`))
		}, false, ""},
		{"apikey query", "sec-apikey-query", func(d map[string]any) {
			set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"query","name":"key"}`))
		}, true, "/securitySchemes/k/in"},
		{"apikey header", "sec-apikey-query", func(d map[string]any) {
			set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"header","name":"X-Key"}`))
		}, false, ""},
		{"apikey header with an underscore", "sec-apikey-header-underscore", func(d map[string]any) {
			set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"header","name":"api_key"}`))
		}, true, "/securitySchemes/k/name"},
		{"apikey header with dashes", "sec-apikey-header-underscore", func(d map[string]any) {
			set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"header","name":"X-Api-Key"}`))
		}, false, ""},
		{"apikey query with an underscore is another rule", "sec-apikey-header-underscore", func(d map[string]any) {
			set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"query","name":"api_key"}`))
		}, false, ""},
		{"method override header declared", "sec-request-line-override", func(d map[string]any) {
			set(d, "/paths/~1pets/get/parameters", j(`[{"name":"X-HTTP-Method-Override","in":"header","schema":{"type":"string","enum":["DELETE"]}}]`))
		}, true, "/paths/~1pets/get/parameters/0"},
		{"ordinary header declared", "sec-request-line-override", func(d map[string]any) {
			set(d, "/paths/~1pets/get/parameters", j(`[{"name":"X-Trace","in":"header","schema":{"type":"string","format":"uuid"}}]`))
		}, false, ""},
		{"apikey cookie", "sec-apikey-cookie", func(d map[string]any) {
			set(d, "/components/securitySchemes/k", j(`{"type":"apiKey","in":"cookie","name":"sid"}`))
		}, true, "/securitySchemes/k/in"},
		{"bearer no format", "sec-bearer-no-format", func(d map[string]any) {
			set(d, "/components/securitySchemes/b", j(`{"type":"http","scheme":"bearer"}`))
		}, true, "/securitySchemes/b"},
		{"bearer with format", "sec-bearer-no-format", func(d map[string]any) {
			set(d, "/components/securitySchemes/b", j(`{"type":"http","scheme":"bearer","bearerFormat":"JWT"}`))
		}, false, ""},
		{"implicit", "sec-oauth-implicit", func(d map[string]any) {
			set(d, "/components/securitySchemes/oauth/flows/implicit", j(`{"authorizationUrl":"https://a.example.com","scopes":{}}`))
		}, true, "/flows/implicit"},
		{"password", "sec-oauth-password", func(d map[string]any) {
			set(d, "/components/securitySchemes/oauth/flows/password", j(`{"tokenUrl":"https://a.example.com","scopes":{}}`))
		}, true, "/flows/password"},
		{"auth code is fine", "sec-oauth-implicit", func(d map[string]any) {}, false, ""},
		{"http token url", "sec-insecure-url", func(d map[string]any) {
			set(d, "/components/securitySchemes/oauth/flows/authorizationCode/tokenUrl", "http://auth.example.com/token")
		}, true, "/authorizationCode/tokenUrl"},
		{"http openid url", "sec-insecure-url", func(d map[string]any) {
			set(d, "/components/securitySchemes/oidc", j(`{"type":"openIdConnect","openIdConnectUrl":"http://id.example.com/.well-known/openid-configuration"}`))
		}, true, "/oidc/openIdConnectUrl"},
		{"undefined scope", "sec-scope-undefined", func(d map[string]any) { set(d, "/security", j(`[{"oauth":["admin"]}]`)) }, true, "/security/0/oauth"},
		{"unused scope", "sec-scope-unused", func(d map[string]any) {
			set(d, "/components/securitySchemes/oauth/flows/authorizationCode/scopes/extra", "unused")
		}, true, "/scopes/extra"},
		{"scopes on bearer 3.0", "sec-scopes-non-oauth", func(d map[string]any) {
			set(d, "/components/securitySchemes/b", j(`{"type":"http","scheme":"bearer","bearerFormat":"JWT"}`))
			set(d, "/security", j(`[{"b":["admin"]}]`))
		}, true, "/security/0/b"},
		{"scopes on bearer 3.1 (roles)", "sec-scopes-non-oauth", func(d map[string]any) {
			set(d, "/openapi", "3.1.0")
			set(d, "/components/securitySchemes/b", j(`{"type":"http","scheme":"bearer","bearerFormat":"JWT"}`))
			set(d, "/security", j(`[{"b":["admin"]}]`))
		}, false, ""},

		// Transport.
		{"http server", "tls-http-server", func(d map[string]any) { set(d, "/servers", j(`[{"url":"http://api.example.com"}]`)) }, true, "/servers/0"},
		{"https server", "tls-http-server", func(d map[string]any) {}, false, ""},
		{"server variable http", "tls-server-variable-http", func(d map[string]any) {
			set(d, "/servers", j(`[{"url":"{scheme}://api.example.com","variables":{"scheme":{"default":"https","enum":["https","http"]}}}]`))
		}, true, "/variables/scheme"},
		{"no servers", "tls-no-servers", func(d map[string]any) { set(d, "/servers", nil) }, true, ""},

		// Data validation.
		{"unbounded string", "data-string-no-maxlength", func(d map[string]any) {
			set(d, pet+"/properties/name/maxLength", nil)
			set(d, pet+"/properties/name/pattern", "^[a-z]+$")
		}, true, pet + "/properties/name"},
		{"anchored bounded pattern bounds", "data-string-no-maxlength", func(d map[string]any) { set(d, pet+"/properties/name/maxLength", nil) }, false, ""},
		{"uuid format bounds", "data-string-no-maxlength", func(d map[string]any) {
			set(d, pet+"/properties/ref", j(`{"type":"string","format":"uuid"}`))
		}, false, ""},
		{"binary upload", "data-string-no-maxlength", func(d map[string]any) {
			set(d, pet+"/properties/photo", j(`{"type":"string","format":"binary"}`))
		}, true, pet + "/properties/photo"},
		{"nested in items in allOf", "data-string-no-maxlength", func(d map[string]any) {
			set(d, "/components/schemas/Deep", j(`{"allOf":[{"type":"object","properties":{"list":{"type":"array","maxItems":3,"items":{"type":"object","properties":{"note":{"type":"string","pattern":"^a"}}}}}}]}`))
			set(d, pet+"/properties/deep", j(`{"$ref":"#/components/schemas/Deep"}`))
		}, true, "/components/schemas/Deep/allOf/0/properties/list/items/properties/note"},
		{"string no pattern", "data-string-no-pattern", func(d map[string]any) { set(d, pet+"/properties/name/pattern", nil) }, true, pet + "/properties/name"},
		{"string with format", "data-string-no-pattern", func(d map[string]any) {
			set(d, pet+"/properties/mail", j(`{"type":"string","format":"email","maxLength":100}`))
		}, false, ""},
		{"unanchored", "data-pattern-unanchored", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "[a-z]{1,64}") }, true, pet + "/properties/name/pattern"},
		{"start-only anchor", "data-pattern-unanchored", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[a-z]") }, true, "/name/pattern"},
		{"redos nested", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(a+)+$") }, true, "/name/pattern"},
		{"redos word space", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^(\w+\s?)*$`) }, true, "/name/pattern"},
		{"redos overlapping alternation", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(a|aa)+$") }, true, "/name/pattern"},
		{"redos in a second group", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(b|c)+(a|aa)+$") }, true, "/name/pattern"},
		{"redos class and literal", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^([a-z]|x)+$") }, true, "/name/pattern"},
		{"redos literal and word", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^(x|\w)+$`) }, true, "/name/pattern"},
		{"redos digit and hex", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^(\d|[0-9a-f])+$`) }, true, "/name/pattern"},
		{"redos optional twin", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(a|a?)+$") }, true, "/name/pattern"},
		// A repetition whose text can be one piece or two: n pieces split
		// 2^n ways.
		{"redos digit then digits repeated", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^(\d\d*)+$`) }, true, "/name/pattern"},
		{"redos two runs repeated", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(x+x+)+y$") }, true, "/name/pattern"},
		{"redos separator the class also takes", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^([a-z0-9.]+\.)+[a-z]{2,}$`) }, true, "/name/pattern"},
		{"redos unescaped dot", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[0-9](.[0-9]*)*$") }, true, "/name/pattern"},
		{"redos optional separator", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[a-z]+([-a-z]?[a-z])*$") }, true, "/name/pattern"},
		{"one separator per repetition is linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^([a-z0-9]+\.)+[a-z]{2,}$`) }, false, ""},
		{"comma-separated numbers are linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^(\d+,)*\d+$`) }, false, ""},
		{"optional character repeated is linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(a?)+$") }, false, ""},
		{"case-insensitive literal pieces are linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(?i:(ab)+)$") }, false, ""},
		{"disjoint classes are linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^([a-z]|[0-9]|-)+$`) }, false, ""},
		{"alternatives told apart by their second character are linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(ab|ac)+$") }, false, ""},
		{"pattern with a large program that can start anywhere", "data-pattern-cost", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "x[a-z0-9]{1,500}[a-z]{1,10}!") }, true, "/name/pattern"},
		{"large program anchored", "data-pattern-cost", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^x[a-z0-9]{1,500}[a-z]{1,10}!$") }, false, ""},
		{"large repetition at the free end", "data-pattern-cost", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "[a-z0-9]{1,500}[a-z]{1,10}!") }, false, ""},
		{"pattern past the definition's budget", "data-pattern-unsupported", func(d map[string]any) {
			set(d, pet+"/properties/name/pattern", "^"+strings.Repeat("a{1000}", 1100)+"$")
		}, true, "/name/pattern"},
		{"anchored with overlapping repetitions", "data-pattern-cost", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[a-z]{0,500}[a-z]{0,500}$") }, true, "/name/pattern"},
		{"anchored with disjoint repetitions", "data-pattern-cost", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[a-z]{0,500}[0-9]{0,500}$") }, false, ""},
		{"kebab case is linear", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[a-z]+(-[a-z]+)*$") }, false, ""},
		{"kebab case behind a lookahead is linear", "data-pattern-redos", func(d map[string]any) {
			set(d, pet+"/properties/name/pattern", `^(?!d-)([\da-zA-Z]+)([-][\da-zA-Z]+)*$`)
		}, false, ""},
		{"password rules of lookaheads are linear", "data-pattern-redos", func(d map[string]any) {
			set(d, pet+"/properties/name/pattern", `^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[a-zA-Z\d]{8,}$`)
		}, false, ""},
		{"redos beside a lookahead", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(?=.*a)(a+)+$") }, true, "/name/pattern"},
		{"redos inside a lookahead", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(?=(a+)+b)[ab]{1,9}$") }, true, "/name/pattern"},
		{"redos after a lookbehind", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "(?<![a-z])(x+x+)+y") }, true, "/name/pattern"},
		{"redos beside a backreference", "data-pattern-redos", func(d map[string]any) { set(d, pet+"/properties/name/pattern", `^(\w)\1(a+)+$`) }, true, "/name/pattern"},
		{"lookahead unsupported", "data-pattern-unsupported", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(?=a)[a-z]{1,3}$") }, true, "/name/pattern"},
		{"repetition above RE2's limit enforced relaxed", "data-pattern-unsupported", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^(ab|c){1,2048}$") }, true, "/name/pattern"},
		{"repetition above RE2's limit whose bounds are the length", "data-pattern-unsupported", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^[a-z]{1,2048}$") }, false, ""},
		{"repetition above RE2's limit at a free end", "data-pattern-unsupported", func(d map[string]any) { set(d, pet+"/properties/name/pattern", "^arn:[a-z]+:.{0,2048}") }, false, ""},
		{"unicode escapes and Java classes are RE2 patterns", "data-pattern-unsupported", func(d map[string]any) {
			set(d, pet+"/properties/name/pattern", `^[\u0061-\u007A]{1,3}\p{Digit}$`)
		}, false, ""},
		{"unbounded integer", "data-number-unbounded", func(d map[string]any) { set(d, pet+"/properties/age/maximum", nil) }, true, pet + "/properties/age"},
		{"maximum beyond int64", "data-number-unbounded", func(d map[string]any) { set(d, pet+"/properties/age/maximum", json.Number("99999999999999999999999")) }, true, pet + "/properties/age"},
		{"exclusive bounds count", "data-number-unbounded", func(d map[string]any) {
			set(d, pet+"/properties/age/maximum", nil)
			set(d, "/openapi", "3.1.0")
			set(d, pet+"/properties/age/exclusiveMaximum", json.Number("100"))
		}, false, ""},
		{"number no format", "data-number-no-format", func(d map[string]any) { set(d, pet+"/properties/age/format", nil) }, true, pet + "/properties/age"},
		{"array no maxItems", "data-array-no-maxitems", func(d map[string]any) { set(d, pet+"/properties/tags/maxItems", nil) }, true, pet + "/properties/tags"},
		{"array no items", "data-array-no-items", func(d map[string]any) { set(d, pet+"/properties/tags/items", nil) }, true, pet + "/properties/tags"},
		{"3.1 prefixItems", "data-array-no-items", func(d map[string]any) {
			set(d, "/openapi", "3.1.0")
			set(d, pet+"/properties/tags/items", nil)
			set(d, pet+"/properties/tags/prefixItems", j(`[{"type":"string","enum":["a"]}]`))
		}, false, ""},
		{"additionalProperties true", "data-object-open", func(d map[string]any) { set(d, pet+"/additionalProperties", true) }, true, pet + "/additionalProperties"},
		{"strict objects close unspecified", "data-object-open", func(d map[string]any) { set(d, pet+"/additionalProperties", nil) }, false, ""},
		{"properties differing only in case", "data-property-case-variants", func(d map[string]any) {
			set(d, pet+"/properties/Name", j(`{"type":"string","maxLength":10,"pattern":"^[a-z]+$"}`))
		}, true, pet + "/properties/name"},
		{"same name in a nested object is not a variant", "data-property-case-variants", func(d map[string]any) {
			set(d, pet+"/properties/meta", j(`{"type":"object","additionalProperties":false,"properties":{"ID":{"type":"integer","format":"int64","minimum":0,"maximum":9}}}`))
		}, false, ""},
		{"free-form object", "data-object-no-properties", func(d map[string]any) { set(d, pet+"/properties/meta", j(`{"type":"object"}`)) }, true, pet + "/properties/meta"},
		{"map with value schema", "data-object-no-properties", func(d map[string]any) {
			set(d, pet+"/properties/meta", j(`{"type":"object","maxProperties":5,"additionalProperties":{"type":"string","enum":["x"]}}`))
		}, false, ""},
		{"required undeclared", "data-required-undeclared", func(d map[string]any) { set(d, pet+"/required", j(`["name","nmae"]`)) }, true, pet + "/required"},
		// allOf: [Base, {required: [name]}] requires what a sibling member
		// declares: the composing schema accepts it.
		{"required in a composition member", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"},{"type":"object","required":["name"]}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, false, ""},
		{"required beside an allOf that does not declare it", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"}],"required":["name","File"]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, true, "/NewPet/required"},
		{"required beside an allOf that declares it", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"}],"required":["name"]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, false, ""},
		{"required in a closed composition member", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"},{"type":"object","additionalProperties":false,"required":["name"]}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, true, "/NewPet/allOf/1/required"},
		// Unions whose validation multiplies with nesting.
		{"recursive union with overlapping branches", "data-validation-cost", func(d map[string]any) {
			set(d, "/components/schemas/Node", j(`{"oneOf":[{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}}}},{"type":"object","required":["tag"],"properties":{"tag":{"type":"string"},"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}}}}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/Node")
		}, true, "/components/schemas/Node"},
		{"recursive union selected by a const", "data-validation-cost", func(d map[string]any) {
			set(d, "/components/schemas/Node", j(`{"oneOf":[{"type":"object","required":["kind"],"properties":{"kind":{"const":"a"},"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}}}},{"type":"object","required":["kind"],"properties":{"kind":{"const":"b"},"children":{"type":"array","items":{"$ref":"#/components/schemas/Node"}}}}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/Node")
		}, false, ""},
		{"recursive union told apart by type", "data-validation-cost", func(d map[string]any) {
			set(d, "/components/schemas/Node", j(`{"oneOf":[{"type":"string"},{"type":"array","items":{"$ref":"#/components/schemas/Node"}},{"type":"object","additionalProperties":{"$ref":"#/components/schemas/Node"}}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/Node")
		}, false, ""},
		{"allOf members' properties refused by additionalProperties false", "data-closed-composition", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"type":"object","additionalProperties":false,"allOf":[{"$ref":"#/components/schemas/Pet"}],"properties":{"note":{"type":"string","maxLength":9,"pattern":"^[a-z]+$"}}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, true, "/NewPet/additionalProperties"},
		{"additionalProperties false beside members that only narrow", "data-closed-composition", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"type":"object","additionalProperties":false,"allOf":[{"required":["note"]}],"properties":{"note":{"type":"string","maxLength":9,"pattern":"^[a-z]+$"}}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, false, ""},
		{"unevaluatedProperties false beside allOf (3.1)", "data-closed-composition", func(d map[string]any) {
			set(d, "/openapi", "3.1.0")
			set(d, "/components/schemas/NewPet", j(`{"type":"object","unevaluatedProperties":false,"allOf":[{"$ref":"#/components/schemas/Pet"}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, false, ""},
		{"required in a property schema beside a member that declares it", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/Holder", j(`{"type":"object","properties":{"pet":{"$ref":"#/components/schemas/Pet"}}}`))
			set(d, "/components/schemas/NewHolder", j(`{"allOf":[{"$ref":"#/components/schemas/Holder"}],"properties":{"pet":{"required":["name"],"properties":{"tag":{"maxLength":5}}}}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewHolder")
		}, false, ""},
		{"required in a property schema beside a member that does not declare it", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/Holder", j(`{"type":"object","properties":{"pet":{"$ref":"#/components/schemas/Pet"}}}`))
			set(d, "/components/schemas/NewHolder", j(`{"allOf":[{"$ref":"#/components/schemas/Holder"}],"properties":{"pet":{"required":["nmae"],"properties":{"tag":{"maxLength":5}}}}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewHolder")
		}, true, "/NewHolder/properties/pet/required"},
		{"pattern written as a JavaScript literal", "data-pattern-delimited", func(d map[string]any) {
			set(d, pet+"/properties/name/pattern", "/^[a-z]+$/")
		}, true, pet + "/properties/name/pattern"},
		{"pattern that starts with a slash", "data-pattern-delimited", func(d map[string]any) {
			set(d, pet+"/properties/name/pattern", "^/[a-z]+/$")
		}, false, ""},
		{"discriminator beside an inline branch", "data-discriminator-unmapped", func(d map[string]any) {
			set(d, "/components/schemas/AnyPet", j(`{"oneOf":[{"$ref":"#/components/schemas/Pet"},{"type":"object","properties":{"kind":{"type":"string","enum":["x"]}}}],"discriminator":{"propertyName":"kind"}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/AnyPet")
		}, true, "/AnyPet/discriminator"},
		{"discriminator mapping to no branch", "data-discriminator-unmapped", func(d map[string]any) {
			set(d, "/components/schemas/Other", j(`{"type":"object","additionalProperties":false,"properties":{"kind":{"type":"string","enum":["x"]}}}`))
			set(d, "/components/schemas/AnyPet", j(`{"oneOf":[{"$ref":"#/components/schemas/Pet"}],"discriminator":{"propertyName":"kind","mapping":{"other":"#/components/schemas/Other"}}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/AnyPet")
		}, true, "/AnyPet/discriminator/mapping"},
		{"discriminator over referenced branches", "data-discriminator-unmapped", func(d map[string]any) {
			set(d, "/components/schemas/AnyPet", j(`{"oneOf":[{"$ref":"#/components/schemas/Pet"}],"discriminator":{"propertyName":"kind","mapping":{"pet":"Pet"}}}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/AnyPet")
		}, false, ""},
		{"member also used on its own", "data-required-undeclared", func(d map[string]any) {
			set(d, "/components/schemas/Named", j(`{"type":"object","required":["name"]}`))
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"},{"$ref":"#/components/schemas/Named"}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
			set(d, op+"/requestBody/content/application~1xml/schema/$ref", "#/components/schemas/Named")
		}, true, "/Named/required"},
		{"mass assignment", "data-mass-assignment", func(d map[string]any) {
			set(d, pet+"/properties/role", j(`{"type":"string","enum":["user","admin"]}`))
		}, true, pet + "/properties/role"},
		{"readOnly id is fine", "data-mass-assignment", func(d map[string]any) {}, false, ""},
		{"readOnly through ref", "data-mass-assignment", func(d map[string]any) {
			set(d, "/components/schemas/Owner", j(`{"type":"string","format":"uuid","readOnly":true}`))
			set(d, pet+"/properties/owner", j(`{"$ref":"#/components/schemas/Owner"}`))
		}, false, ""},
		{"response-only schema not mass assignment", "data-mass-assignment", func(d map[string]any) {
			set(d, "/components/schemas/Out", j(`{"type":"object","additionalProperties":false,"properties":{"role":{"type":"string","enum":["a"]}}}`))
			set(d, op+"/responses/200/content/application~1json/schema", j(`{"$ref":"#/components/schemas/Out"}`))
		}, false, ""},
		{"misspelt keyword in 3.1", "data-keyword-ignored", func(d map[string]any) {
			set(d, "/openapi", "3.1.0")
			set(d, pet+"/properties/nick", j(`{"type":"string","maxlength":10,"pattern":"^[a-z]+$"}`))
		}, true, pet + "/properties/nick/maxlength"},
		// 3.0's meta-schema refuses it: struct-invalid says so.
		{"misspelt keyword in 3.0", "data-keyword-ignored", func(d map[string]any) {
			set(d, pet+"/properties/nick", j(`{"type":"string","maxlength":10,"pattern":"^[a-z]+$"}`))
		}, false, ""},
		{"schema no type", "data-schema-no-type", func(d map[string]any) { set(d, pet+"/properties/any", j(`{}`)) }, true, pet + "/properties/any"},
		// A value must satisfy every allOf member: a typed sibling or a
		// typed composing schema types a member that says nothing.
		{"allOf member typed by a sibling", "data-schema-no-type", func(d map[string]any) {
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"},{"properties":{"nick":{"type":"string","enum":["a"]}}}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
		}, false, ""},
		{"oneOf member typed by the composing schema", "data-schema-no-type", func(d map[string]any) {
			set(d, pet+"/properties/any", j(`{"type":"object","oneOf":[{"required":["name"]},{"required":["age"]}]}`))
		}, false, ""},
		{"anyOf member typed by nothing", "data-schema-no-type", func(d map[string]any) {
			set(d, pet+"/properties/any", j(`{"anyOf":[{"$ref":"#/components/schemas/Error"},{"properties":{"x":{"type":"string","enum":["a"]}}}]}`))
		}, true, pet + "/properties/any/anyOf/1"},
		{"allOf members typed by nothing", "data-schema-no-type", func(d map[string]any) {
			set(d, pet+"/properties/any", j(`{"allOf":[{"required":["x"]},{"properties":{"x":{"type":"string","enum":["a"]}}}]}`))
		}, true, pet + "/properties/any/allOf/1"},
		{"typed member also used on its own", "data-schema-no-type", func(d map[string]any) {
			set(d, "/components/schemas/Extra", j(`{"properties":{"nick":{"type":"string","enum":["a"]}}}`))
			set(d, "/components/schemas/NewPet", j(`{"allOf":[{"$ref":"#/components/schemas/Pet"},{"$ref":"#/components/schemas/Extra"}]}`))
			set(d, op+"/requestBody/content/application~1json/schema/$ref", "#/components/schemas/NewPet")
			set(d, pet+"/properties/extra", j(`{"$ref":"#/components/schemas/Extra"}`))
		}, true, "/components/schemas/Extra"},
		{"param no schema", "data-param-no-schema", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"q","in":"query"}]`))
		}, true, op + "/parameters/1"},
		{"path param free string", "data-path-param-unconstrained", func(d map[string]any) { set(d, op+"/parameters/0/schema/format", nil) }, true, op + "/parameters/0/schema"},
		{"invalid example", "data-value-invalid", func(d map[string]any) { set(d, pet+"/properties/name/example", "TOO LOUD") }, true, pet + "/properties/name/example"},
		{"invalid enum member", "data-value-invalid", func(d map[string]any) { set(d, pet+"/properties/age/enum", j(`[1, 500]`)) }, true, "/age/enum/1"},
		{"valid default", "data-value-invalid", func(d map[string]any) { set(d, pet+"/properties/name/default", "rex") }, false, ""},
		{"nullable null example 3.0", "data-value-invalid", func(d map[string]any) {
			set(d, pet+"/properties/name/nullable", true)
			set(d, pet+"/properties/name/example", nil)
			set(d, pet+"/properties/name/default", j("null"))
		}, false, ""},
		{"wildcard media", "data-media-wildcard", func(d map[string]any) {
			set(d, op+"/requestBody/content", j(`{"*/*":{"schema":{"$ref":"#/components/schemas/Pet"}}}`))
		}, true, op + "/requestBody/content/*~1*"},

		// Responses.
		{"no success", "resp-no-success", func(d map[string]any) { set(d, op+"/responses/200", nil) }, true, op + "/responses"},
		{"missing 400", "resp-missing-400", func(d map[string]any) { set(d, op+"/responses/400", nil) }, true, op + "/responses"},
		{"4XX covers 400", "resp-missing-400", func(d map[string]any) {
			set(d, op+"/responses/400", nil)
			set(d, op+"/responses/4XX", j(`{"description":"x"}`))
		}, false, ""},
		{"missing 401", "resp-missing-401", func(d map[string]any) { set(d, op+"/responses/401", nil) }, true, op + "/responses"},
		{"unsecured needs no 401", "resp-missing-401", func(d map[string]any) { set(d, op+"/responses/401", nil); set(d, "/security", nil) }, false, ""},
		{"missing 403", "resp-missing-403", func(d map[string]any) { set(d, op+"/responses/403", nil) }, true, op + "/responses"},
		{"missing 404", "resp-missing-404", func(d map[string]any) { set(d, op+"/responses/404", nil) }, true, op + "/responses"},
		{"missing 429", "resp-missing-429", func(d map[string]any) { set(d, op+"/responses/429", nil) }, true, op + "/responses"},
		{"429 without Retry-After", "resp-429-no-retry-after", func(d map[string]any) { set(d, op+"/responses/429/headers", nil) }, true, op + "/responses/429"},
		{"RateLimit header is enough", "resp-429-no-retry-after", func(d map[string]any) {
			set(d, op+"/responses/429/headers", j(`{"RateLimit":{"schema":{"type":"string","maxLength":100,"pattern":"^.{0,100}$"}}}`))
		}, false, ""},
		{"missing default", "resp-missing-default", func(d map[string]any) { set(d, op+"/responses/default", nil) }, true, op + "/responses"},
		{"500 instead of default", "resp-missing-default", func(d map[string]any) {
			set(d, op+"/responses/default", nil)
			set(d, op+"/responses/500", j(`{"description":"x"}`))
		}, false, ""},
		{"2xx without content", "resp-no-schema", func(d map[string]any) { set(d, op+"/responses/200/content", nil) }, true, op + "/responses/200"},
		{"204 needs no content", "resp-no-schema", func(d map[string]any) {
			set(d, op+"/responses/200", nil)
			set(d, op+"/responses/204", j(`{"description":"done"}`))
		}, false, ""},
		{"header without schema", "resp-header-no-schema", func(d map[string]any) { set(d, op+"/responses/429/headers/Retry-After/schema", nil) }, true, "/headers/Retry-After"},

		// Exposure.
		{"password in response", "exp-sensitive-data", func(d map[string]any) {
			set(d, pet+"/properties/password", j(`{"type":"string","maxLength":64,"format":"password"}`))
		}, true, pet + "/properties/password"},
		{"writeOnly password", "exp-sensitive-data", func(d map[string]any) {
			set(d, pet+"/properties/password", j(`{"type":"string","maxLength":64,"format":"password","writeOnly":true}`))
		}, false, ""},
		{"cvc_check is not card data", "exp-sensitive-data", func(d map[string]any) {
			set(d, pet+"/properties/cvc_check", j(`{"type":"string","enum":["pass"]}`))
		}, false, ""},
		{"integer path id", "exp-numeric-id", func(d map[string]any) {
			set(d, op+"/parameters/0/schema", j(`{"type":"integer","format":"int64","minimum":1,"maximum":1000}`))
		}, true, op + "/parameters/0/schema"},
		{"integer query id", "exp-numeric-id", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"report_id","in":"query","schema":{"type":"integer","format":"int64","minimum":1,"maximum":1000}}]`))
		}, true, op + "/parameters/1/schema"},
		{"integer query count is no id", "exp-numeric-id", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"limit","in":"query","schema":{"type":"integer","format":"int32","minimum":1,"maximum":100}}]`))
		}, false, ""},
		{"token in query", "sec-credential-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"access_token","in":"query","schema":{"type":"string","maxLength":200,"pattern":"^[A-Za-z0-9._-]{1,200}$"}}]`))
		}, true, op + "/parameters/1"},
		{"ordinary query parameter", "sec-credential-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"color","in":"query","schema":{"type":"string","enum":["red","blue"]}}]`))
		}, false, ""},
		{"session id in query", "sec-credential-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"JSESSIONID","in":"query","schema":{"type":"string","maxLength":64,"pattern":"^[A-Z0-9]{1,64}$"}}]`))
		}, true, op + "/parameters/1"},
		{"signed URL signature in query", "sec-credential-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"X-Amz-Signature","in":"query","schema":{"type":"string","maxLength":64,"pattern":"^[a-f0-9]{64}$"}}]`))
		}, true, op + "/parameters/1"},
		{"author in query is no auth", "sec-credential-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"author","in":"query","schema":{"type":"string","maxLength":64,"pattern":"^[a-z]{1,64}$"}}]`))
		}, false, ""},
		{"ssn in query", "exp-sensitive-data-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"ssn","in":"query","schema":{"type":"string","maxLength":11,"pattern":"^[0-9-]{11}$"}}]`))
		}, true, op + "/parameters/1"},
		{"card data flag in query", "exp-sensitive-data-in-query", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"include_credit_card","in":"query","schema":{"type":"boolean"}}]`))
		}, false, ""},
		{"map without maxProperties", "data-object-no-maxproperties", func(d map[string]any) {
			set(d, pet+"/properties/meta", j(`{"type":"object","additionalProperties":{"type":"string","maxLength":20,"pattern":"^[a-z]{1,20}$"}}`))
		}, true, pet + "/properties/meta"},
		{"map with maxProperties", "data-object-no-maxproperties", func(d map[string]any) {
			set(d, pet+"/properties/meta", j(`{"type":"object","maxProperties":10,"additionalProperties":{"type":"string","maxLength":20,"pattern":"^[a-z]{1,20}$"}}`))
		}, false, ""},
		{"url property", "exp-url-input", func(d map[string]any) {
			set(d, pet+"/properties/callback_url", j(`{"type":"string","maxLength":200,"format":"uri"}`))
		}, true, pet + "/properties/callback_url"},
		{"url query parameter", "exp-url-input", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"callback_url","in":"query","schema":{"type":"string","maxLength":200,"pattern":"^https://"}}]`))
		}, true, op + "/parameters/1"},
		{"plain name is not a URL", "exp-url-input", func(d map[string]any) {}, false, ""},
		{"admin path same security", "exp-admin-shared-security", func(d map[string]any) {
			set(d, "/paths/~1admin~1pets", j(`{"delete":{"responses":{"204":{"description":"gone"}}}}`))
		}, true, "/paths/~1admin~1pets/delete"},
		{"admin path own scope", "exp-admin-shared-security", func(d map[string]any) {
			set(d, "/components/securitySchemes/oauth/flows/authorizationCode/scopes/admin", "admin")
			set(d, "/paths/~1admin~1pets", j(`{"delete":{"security":[{"oauth":["admin"]}],"responses":{"204":{"description":"gone"}}}}`))
		}, false, ""},
		// Anyone can call it: even less reserved than a shared requirement.
		{"admin path without security", "exp-admin-shared-security", func(d map[string]any) {
			set(d, "/paths/~1admin~1pets", j(`{"delete":{"security":[],"responses":{"204":{"description":"gone"}}}}`))
		}, true, "/paths/~1admin~1pets/delete"},

		// Structure.
		{"unresolved ref", "struct-unresolved-ref", func(d map[string]any) { set(d, pet+"/properties/x", j(`{"$ref":"#/components/schemas/Missing"}`)) }, true, "/properties/x/$ref"},
		{"invalid structure", "struct-invalid", func(d map[string]any) { set(d, "/info/version", nil) }, true, ""},
		{"path param undeclared", "struct-path-param-undeclared", func(d map[string]any) { set(d, op+"/parameters", nil) }, true, op},
		{"path param unused", "struct-path-param-unused", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"other","in":"path","required":true,"schema":{"type":"string","format":"uuid"}}]`))
		}, true, op + "/parameters/1"},
		{"path variables side by side", "struct-path-adjacent-params", func(d map[string]any) {
			set(d, "/paths/~1pages~1{name}{ext}", j(`{"get":{"parameters":[{"name":"name","in":"path","required":true,"schema":{"type":"string","maxLength":10}},{"name":"ext","in":"path","required":true,"schema":{"type":"string","enum":[".json"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1pages~1{name}{ext}/get"},
		{"path variables apart", "struct-path-adjacent-params", func(d map[string]any) {
			set(d, "/paths/~1pages~1{name}.{ext}", j(`{"get":{"parameters":[{"name":"name","in":"path","required":true,"schema":{"type":"string","maxLength":10}},{"name":"ext","in":"path","required":true,"schema":{"type":"string","enum":["json"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, false, ""},
		{"a number before a dot and a variable", "struct-path-ambiguous-split", func(d map[string]any) {
			set(d, "/paths/~1map~1{maxLat}.{format}", j(`{"get":{"parameters":[{"name":"maxLat","in":"path","required":true,"schema":{"type":"number","minimum":-90,"maximum":90}},{"name":"format","in":"path","required":true,"schema":{"type":"string","enum":["json","xml"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1map~1{maxLat}.{format}/get"},
		{"an integer before a dot and a variable", "struct-path-ambiguous-split", func(d map[string]any) {
			set(d, "/paths/~1map~1{zoom}.{format}", j(`{"get":{"parameters":[{"name":"zoom","in":"path","required":true,"schema":{"type":"integer","minimum":0,"maximum":22}},{"name":"format","in":"path","required":true,"schema":{"type":"string","enum":["json","xml"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, false, ""},
		{"a free string before a dash and a variable", "struct-path-ambiguous-split", func(d map[string]any) {
			set(d, "/paths/~1range~1{from}-{to}", j(`{"get":{"parameters":[{"name":"from","in":"path","required":true,"schema":{"type":"string","maxLength":10}},{"name":"to","in":"path","required":true,"schema":{"type":"string","maxLength":10}}],"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1range~1{from}-{to}/get"},
		{"a variable before a final literal", "struct-path-ambiguous-split", func(d map[string]any) {
			set(d, "/paths/~1files~1{name}.json", j(`{"get":{"parameters":[{"name":"name","in":"path","required":true,"schema":{"type":"string","maxLength":10}}],"responses":{"200":{"description":"ok"}}}}`))
		}, false, ""},
		{"crossed literals", "struct-path-overlap", func(d map[string]any) {
			set(d, "/paths/~1sites~1{site}~1zones~1{zone}", j(`{"get":{"parameters":[{"name":"site","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}},{"name":"zone","in":"path","required":true,"schema":{"type":"string","maxLength":36}}],"responses":{"200":{"description":"ok"}}}}`))
			set(d, "/paths/~1sites~1{site}~1{type}~1count", j(`{"get":{"parameters":[{"name":"site","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}},{"name":"type","in":"path","required":true,"schema":{"type":"string","enum":["zones","maps"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1sites~1{site}~1{type}~1count"},
		{"crossed literals an integer id excludes", "struct-path-overlap", func(d map[string]any) {
			set(d, "/paths/~1sites~1{site}~1zones~1{zone}", j(`{"get":{"parameters":[{"name":"site","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}},{"name":"zone","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}}],"responses":{"200":{"description":"ok"}}}}`))
			set(d, "/paths/~1sites~1{site}~1{type}~1count", j(`{"get":{"parameters":[{"name":"site","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}},{"name":"type","in":"path","required":true,"schema":{"type":"string","enum":["zones","maps"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, false, ""},
		{"crossed literals the enum excludes", "struct-path-overlap", func(d map[string]any) {
			set(d, "/paths/~1sites~1{site}~1zones~1{zone}", j(`{"get":{"parameters":[{"name":"site","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}},{"name":"zone","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}}],"responses":{"200":{"description":"ok"}}}}`))
			set(d, "/paths/~1sites~1{site}~1{type}~1count", j(`{"get":{"parameters":[{"name":"site","in":"path","required":true,"schema":{"type":"integer","format":"int32","minimum":1,"maximum":9}},{"name":"type","in":"path","required":true,"schema":{"type":"string","enum":["maps"]}}],"responses":{"200":{"description":"ok"}}}}`))
		}, false, ""},
		{"the same template with other variable names", "struct-path-overlap", func(d map[string]any) {
			set(d, "/paths/~1pets~1{id}", j(`{"get":{"security":[],"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string","maxLength":36}}],"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1pets~1{petId}"},
		{"a concrete path beside a template is more specific", "struct-path-overlap", func(d map[string]any) {
			set(d, "/paths/~1pets~1mine", j(`{"get":{"responses":{"200":{"description":"ok"}}}}`))
		}, false, ""},
		{"header parameter with a space", "struct-invalid-field-name", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"Trace Id","in":"header","schema":{"type":"string","maxLength":10}}]`))
		}, true, op + "/parameters/1"},
		{"API-key header with a space", "struct-invalid-field-name", func(d map[string]any) {
			set(d, "/components/securitySchemes/spaced", j(`{"type":"apiKey","in":"header","name":"ADVICEment API Key"}`))
		}, true, "/components/securitySchemes/spaced/name"},
		{"API-key header with a valid name", "struct-invalid-field-name", func(d map[string]any) {
			set(d, "/components/securitySchemes/plain", j(`{"type":"apiKey","in":"header","name":"X-Api-Key"}`))
		}, false, ""},
		{"path key with a query", "struct-path-key-query", func(d map[string]any) {
			set(d, "/paths/~1pets?Action=List", j(`{"get":{"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1pets?Action=List/get"},
		{"path key with a fragment", "struct-path-key-query", func(d map[string]any) {
			set(d, "/paths/~1pets#X-Target=Svc.Op", j(`{"get":{"responses":{"200":{"description":"ok"}}}}`))
		}, true, "/paths/~1pets#X-Target=Svc.Op/get"},
		{"exploded object property named like a parameter", "struct-exploded-name-collision", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"Version","in":"query","schema":{"type":"string","maxLength":10}},{"name":"filter","in":"query","schema":{"type":"object","properties":{"Version":{"type":"string","maxLength":10}}}}]`))
		}, true, op + "/parameters/2"},
		{"deepObject property named like a parameter", "struct-exploded-name-collision", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"Version","in":"query","schema":{"type":"string","maxLength":10}},{"name":"filter","in":"query","style":"deepObject","schema":{"type":"object","properties":{"Version":{"type":"string","maxLength":10}}}}]`))
		}, false, ""},
		{"required beside a parameter's $ref", "struct-ref-sibling-ignored", func(d map[string]any) {
			set(d, "/components/parameters", j(`{"Limit":{"name":"limit","in":"query","schema":{"type":"integer","maximum":10}}}`))
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"$ref":"#/components/parameters/Limit","required":true}]`))
		}, true, op + "/parameters/1/required"},
		{"Authorization header parameter", "struct-param-ignored", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"Authorization","in":"header","required":true,"schema":{"type":"string","pattern":"^Bearer [a-z]+$","maxLength":100}}]`))
		}, true, op + "/parameters/1"},
		{"ordinary header parameter", "struct-param-ignored", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"X-Trace","in":"header","schema":{"type":"string","pattern":"^[a-z]+$","maxLength":100}}]`))
		}, false, ""},
		{"request body on GET", "struct-request-body-bodyless", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get/requestBody", j(`{"content":{"application/json":{"schema":{"type":"object","properties":{"q":{"type":"string","maxLength":5}}}}}}`))
		}, true, "/paths/~1pets~1{petId}/get/requestBody"},
		{"link to no operation", "struct-unresolved-ref", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get/responses/200/links", j(`{"Owner":{"operationId":"getOwnerById","parameters":{"id":"$response.body#/ownerId"}}}`))
		}, true, "/paths/~1pets~1{petId}/get/responses/200/links/Owner/operationId"},
		{"link to an operation", "struct-unresolved-ref", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get/responses/200/links", j(`{"Update":{"operationId":"putPet","parameters":{"petId":"$request.path.petId"}}}`))
		}, false, ""},
		{"empty optional body on GET", "struct-request-body-bodyless", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get/requestBody", j(`{"required":false,"content":{"application/x-www-form-urlencoded":{"schema":{"type":"object","properties":{},"additionalProperties":false}}}}`))
		}, false, ""},
		{"misspelt rampart extension", "struct-rampart-extension-unknown", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get/x-rampart-mod", "monitor")
		}, true, "/paths/~1pets~1{petId}/get/x-rampart-mod"},
		{"rampart extension spelt right", "struct-rampart-extension-unknown", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get/x-rampart-mode", "monitor")
		}, false, ""},
		{"duplicate operationId", "struct-duplicate-operation-id", func(d map[string]any) {
			set(d, "/paths/~1pets~1{petId}/get", j(`{"operationId":"putPet","responses":{"200":{"description":"ok"}}}`))
		}, true, "/operationId"},
		{"duplicate parameter", "struct-duplicate-parameter", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}}]`))
		}, true, op + "/parameters/1"},
		// Header field names are case-insensitive (RFC 9110): one field.
		{"header names differing in case", "struct-duplicate-parameter", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"X-Trace","in":"header","schema":{"type":"string","enum":["a"]}},{"name":"x-trace","in":"header","schema":{"type":"string","enum":["b"]}}]`))
		}, true, op + "/parameters/2"},
		{"query names differing in case", "struct-duplicate-parameter", func(d map[string]any) {
			set(d, op+"/parameters", j(`[{"name":"petId","in":"path","required":true,"schema":{"type":"string","format":"uuid"}},{"name":"Sort","in":"query","schema":{"type":"string","enum":["a"]}},{"name":"sort","in":"query","schema":{"type":"string","enum":["b"]}}]`))
		}, false, ""},

		// Suppressions.
		{"ignore without reason", "audit-ignore-invalid", func(d map[string]any) { set(d, pet+"/x-rampart-ignore", j(`{"data-object-open":""}`)) }, true, pet + "/x-rampart-ignore"},
	}
	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.rule+"/"+tc.name, func(t *testing.T) {
			d := base()
			tc.mutate(d)
			text, _ := json.MarshalIndent(d, "", "  ")
			res := auditText(t, string(text), Options{})
			got := findingsOf(res, tc.rule)
			if !tc.want {
				if len(got) > 0 {
					t.Fatalf("unexpected %s: %s at %s", tc.rule, got[0].Message, got[0].Location.Pointer)
				}
				return
			}
			covered[tc.rule] = true
			for _, f := range got {
				if strings.HasSuffix(f.Location.Pointer, tc.at) {
					if f.Location.Line == 0 && f.Rule != "struct-invalid" {
						t.Errorf("finding without a line: %+v", f.Location)
					}
					return
				}
			}
			var all []string
			for _, f := range res.Findings {
				all = append(all, f.Rule+"@"+f.Location.Pointer)
			}
			t.Fatalf("want %s at ...%s; got %v", tc.rule, tc.at, all)
		})
	}
	// Every rule outside the profile-only ones has a triggering case here
	// or in the profile and known-answer tests.
	for _, r := range Rules() {
		if len(r.Profiles) == 0 && r.ID != "struct-warning" && !covered[r.ID] {
			t.Errorf("rule %s has no triggering case", r.ID)
		}
	}
}

// The base definition is clean: nothing above depends on a finding that
// was already there.
func TestBaseIsClean(t *testing.T) {
	text, _ := json.Marshal(base())
	res := auditText(t, string(text), Options{})
	for _, f := range res.Findings {
		t.Errorf("base has %s at %s: %s", f.Rule, f.Location.Pointer, f.Message)
	}
	if res.Score.Total != 100 || !res.Valid {
		t.Errorf("score %+v valid %v, want 100 and valid", res.Score, res.Valid)
	}
}

func TestSwagger2Rules(t *testing.T) {
	text := `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
schemes: [http, https]
securityDefinitions:
  key: {type: apiKey, in: query, name: key}
  basic: {type: basic}
  oauth: {type: oauth2, flow: implicit, authorizationUrl: "http://a.example.com/auth", scopes: {read: r}}
security: [{key: []}]
paths:
  /files/{name}:
    post:
      consumes: [multipart/form-data]
      parameters:
        - {name: name, in: path, required: true, type: string}
        - {name: upload, in: formData, type: file}
        - {name: note, in: formData, type: string}
        - {name: ids, in: query, type: array, items: {type: integer}}
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/File"}}
definitions:
  File:
    type: object
    properties:
      id: {type: integer}
      role: {type: string}
`
	res := auditText(t, text, Options{})
	want := map[string]string{
		"tls-http-server":               "/schemes",
		"sec-apikey-query":              "/securityDefinitions/key/in",
		"sec-http-basic":                "/securityDefinitions/basic",
		"sec-oauth-implicit":            "/securityDefinitions/oauth",
		"sec-insecure-url":              "/securityDefinitions/oauth/authorizationUrl",
		"data-path-param-unconstrained": "/paths/~1files~1{name}/post/parameters/0",
		"data-string-no-maxlength":      "/paths/~1files~1{name}/post/parameters/1", // the binary upload
		"data-array-no-maxitems":        "/paths/~1files~1{name}/post/parameters/3",
		"data-number-unbounded":         "/paths/~1files~1{name}/post/parameters/3/items",
		"sec-scope-unused":              "/securityDefinitions/oauth/scopes/read",
	}
	for rule, at := range want {
		if !hasFindingAt(res, rule, at) {
			t.Errorf("want %s at %s", rule, at)
		}
	}
	// The response schema is response-only: its id and role are not mass
	// assignment.
	if len(findingsOf(res, "data-mass-assignment")) != 0 {
		t.Errorf("response-only schema reported as mass assignment")
	}
	for _, f := range findingsOf(res, "data-string-no-maxlength") {
		if strings.HasSuffix(f.Location.Pointer, "/properties/role") && f.Severity != report.SeverityLow {
			t.Errorf("response-only string severity %s, want low", f.Severity)
		}
	}
}

// A schema shared by several operations is reported once, where it is
// defined, listing every operation.
func TestDedupeByDefinition(t *testing.T) {
	d := base()
	set(d, pet+"/properties/name/maxLength", nil)
	set(d, pet+"/properties/name/pattern", "^[a-z]+$")
	set(d, "/paths/~1pets", j(`{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Pet"}},"application/xml":{"schema":{"$ref":"#/components/schemas/Pet"}}}},"responses":{"201":{"description":"ok","content":{"application/json":{"schema":{"type":"array","maxItems":5,"items":{"$ref":"#/components/schemas/Pet"}}}}}}}}`))
	text, _ := json.Marshal(d)
	res := auditText(t, string(text), Options{})
	got := findingsOf(res, "data-string-no-maxlength")
	if len(got) != 1 {
		t.Fatalf("got %d findings, want 1: %+v", len(got), got)
	}
	f := got[0]
	if f.Location.Pointer != pet+"/properties/name" {
		t.Errorf("location %s, want the definition", f.Location.Pointer)
	}
	if strings.Join(f.Operations, ",") != "POST /pets,PUT /pets/{petId}" {
		t.Errorf("operations %v", f.Operations)
	}
	if f.Severity != report.SeverityMedium {
		t.Errorf("severity %s: a request use must win over response uses", f.Severity)
	}
}

// Recursive schemas terminate and propagate operations around the cycle.
func TestRecursiveSchema(t *testing.T) {
	d := base()
	set(d, "/components/schemas/Node", j(`{"type":"object","properties":{"label":{"type":"string"},"children":{"type":"array","maxItems":5,"items":{"$ref":"#/components/schemas/Node"}}}}`))
	set(d, pet+"/properties/tree", j(`{"$ref":"#/components/schemas/Node"}`))
	text, _ := json.Marshal(d)
	res := auditText(t, string(text), Options{})
	if !hasFindingAt(res, "data-string-no-maxlength", "/components/schemas/Node/properties/label") {
		t.Fatalf("recursive schema's string not reported")
	}
}

func TestAuditIsDeterministic(t *testing.T) {
	d := base()
	set(d, "/security", nil)
	set(d, pet+"/properties/name/maxLength", nil)
	text, _ := json.Marshal(d)
	path := filepath.Join(t.TempDir(), "api.json")
	if err := os.WriteFile(path, text, 0o644); err != nil {
		t.Fatal(err)
	}
	a := auditFile(t, path, Options{})
	for i := 0; i < 5; i++ {
		b := auditFile(t, path, Options{})
		ja, _ := json.Marshal(a.Findings)
		jb, _ := json.Marshal(b.Findings)
		if string(ja) != string(jb) {
			t.Fatalf("run %d differs", i)
		}
	}
}

var _ = spec.Swagger20

// TestCallbackSchemasAudited: the requests an API sends to callback URLs
// are part of its contract; their schemas are checked like any other.
func TestCallbackSchemasAudited(t *testing.T) {
	res := auditText(t, `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /subscribe:
    post:
      operationId: subscribe
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                callbackUrl: {type: string, format: uri, maxLength: 200}
      callbacks:
        onEvent:
          '{$request.body#/callbackUrl}':
            post:
              requestBody:
                content:
                  application/json:
                    schema:
                      type: object
                      additionalProperties: false
                      properties:
                        userData: {type: string}
              responses:
                "204": {description: ok}
      responses:
        "201": {description: subscribed}
`, Options{})
	found := false
	for _, f := range findingsOf(res, "data-string-no-maxlength") {
		if strings.HasSuffix(f.Location.Pointer, "/properties/userData") {
			found = true
			if len(f.Operations) == 0 || !strings.Contains(f.Operations[0], "{$request.body#/callbackUrl}") {
				t.Errorf("operations = %v, want the callback", f.Operations)
			}
		}
	}
	if !found {
		t.Fatal("the callback's unbounded userData was not reported")
	}
}

// A URL parameter is one exp-url-input finding, whether its name, its
// format or both say so.
func TestURLParameterReportedOnce(t *testing.T) {
	cases := []struct{ param, at string }{
		{`{"name":"redirect_uri","in":"query","schema":{"type":"string","maxLength":50,"format":"uri"}}`, op + "/parameters/1/schema"},
		{`{"name":"redirect_uri","in":"query","schema":{"type":"string","maxLength":50,"pattern":"^https://[a-z.]+$"}}`, op + "/parameters/1"},
		{`{"name":"next","in":"query","schema":{"type":"string","maxLength":50,"format":"uri"}}`, op + "/parameters/1/schema"},
	}
	for _, tc := range cases {
		t.Run(tc.param, func(t *testing.T) {
			d := base()
			set(d, op+"/parameters", append(d["paths"].(map[string]any)["/pets/{petId}"].(map[string]any)["put"].(map[string]any)["parameters"].([]any), j(tc.param)))
			text, _ := json.Marshal(d)
			got := findingsOf(auditText(t, string(text), Options{}), "exp-url-input")
			if len(got) != 1 || got[0].Location.Pointer != tc.at {
				var at []string
				for _, f := range got {
					at = append(at, f.Location.Pointer)
				}
				t.Fatalf("findings at %v, want one at %s", at, tc.at)
			}
		})
	}
}

// Swagger 2.0 form parameters are the properties of the form body: their
// names are judged as a 3.x form schema's property names are.
func TestSwagger2FormParamNames(t *testing.T) {
	const head = `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
schemes: [https]
parameters:
  shared: {name: owner_id, in: formData, type: string, maxLength: 10, pattern: "^a$"}
paths:
  /users:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters:
`
	cases := []struct {
		name, params, rule, at string
		want                   bool
	}{
		{"privilege name", `        - {name: isAdmin, in: formData, type: boolean}`, "data-mass-assignment", "/paths/~1users/post/parameters/0", true},
		{"bookkeeping name", `        - {name: id, in: formData, type: string, format: uuid}`, "data-mass-assignment", "/paths/~1users/post/parameters/0", true},
		{"referenced parameter", `        - $ref: "#/parameters/shared"`, "data-mass-assignment", "/parameters/shared", true},
		{"ordinary name", `        - {name: nickname, in: formData, type: string, maxLength: 10, pattern: "^a$"}`, "data-mass-assignment", "", false},
		{"URL name", `        - {name: callback_url, in: formData, type: string, maxLength: 10, pattern: "^a$"}`, "exp-url-input", "/paths/~1users/post/parameters/0", true},
		{"query parameter is not a property", `        - {name: isAdmin, in: query, type: boolean}`, "data-mass-assignment", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := auditText(t, head+tc.params+"\n      responses:\n        \"200\": {description: ok}\n", Options{})
			got := findingsOf(res, tc.rule)
			if !tc.want {
				if len(got) != 0 {
					t.Fatalf("unexpected %s at %s", tc.rule, got[0].Location.Pointer)
				}
				return
			}
			if len(got) != 1 || got[0].Location.Pointer != tc.at {
				t.Fatalf("got %+v, want one %s at %s", got, tc.rule, tc.at)
			}
			if len(got[0].Patch) != 0 {
				t.Errorf("patch %+v: readOnly is not a parameter field", got[0].Patch)
			}
			if len(got[0].Operations) != 1 || got[0].Operations[0] != "POST /users" {
				t.Errorf("operations %v", got[0].Operations)
			}
		})
	}
}

// Direction follows who sends the data: the API sends webhook and callback
// requests (outgoing data, like its responses) and receives their
// responses.
func TestOutboundOperationsDirection(t *testing.T) {
	const payload = `{type: object, additionalProperties: false, properties: {role: {type: string, enum: [a]}, password: {type: string, maxLength: 9, pattern: "^a$"}, note: {type: string, pattern: "^a+$"}}}`
	const ack = `{type: object, additionalProperties: false, properties: {reply: {type: string, pattern: "^a+$"}}}`
	webhook := `openapi: 3.1.0
info: {title: t, version: "1"}
webhooks:
  event:
    post:
      requestBody: {content: {application/json: {schema: ` + payload + `}}}
      responses:
        "200": {description: ok, content: {application/json: {schema: ` + ack + `}}}
`
	callback := `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /subscribe:
    post:
      responses: {"201": {description: ok}}
      callbacks:
        onEvent:
          '{$request.query.url}':
            post:
              requestBody: {content: {application/json: {schema: ` + payload + `}}}
              responses:
                "200": {description: ok, content: {application/json: {schema: ` + ack + `}}}
`
	for name, text := range map[string]string{"webhook": webhook, "callback": callback} {
		t.Run(name, func(t *testing.T) {
			res := auditText(t, text, Options{})
			if got := findingsOf(res, "data-mass-assignment"); len(got) != 0 {
				t.Errorf("the API's own request reported as mass assignment at %s", got[0].Location.Pointer)
			}
			if !hasFindingAt(res, "exp-sensitive-data", "/properties/password") {
				t.Errorf("password in the payload the API sends not reported")
			}
			// The API needs no credentials to send its own requests.
			for _, f := range findingsOf(res, "sec-no-security") {
				for _, o := range f.Operations {
					if o != "POST /subscribe" {
						t.Errorf("sec-no-security lists %s", o)
					}
				}
			}
			want := map[string]report.Severity{"/properties/note": report.SeverityLow, "/properties/reply": report.SeverityMedium}
			for suffix, sev := range want {
				found := false
				for _, f := range findingsOf(res, "data-string-no-maxlength") {
					if strings.HasSuffix(f.Location.Pointer, suffix) {
						found = true
						if f.Severity != sev {
							t.Errorf("%s: severity %s, want %s", suffix, f.Severity, sev)
						}
					}
				}
				if !found {
					t.Errorf("%s: no data-string-no-maxlength", suffix)
				}
			}
		})
	}
}

// A value finding says which keyword the value fails.
func TestValueInvalidMessages(t *testing.T) {
	cases := []struct{ schema, want string }{
		{`{"type":"integer","format":"int32","minimum":0,"maximum":10,"exclusiveMaximum":true,"example":10}`, "exclusiveMaximum: got 10, want 10"},
		{`{"type":"string","maxLength":3,"pattern":"^[a-z]+$","example":"abcd"}`, "maxLength: got 4, want 3"},
		{`{"type":"string","maxLength":9,"pattern":"^key: [a-z]+$","example":"key: A"}`, "'key: A' does not match pattern '^key: [a-z]+$'"},
		{`{"type":"integer","format":"int32","minimum":0,"maximum":10,"example":"5"}`, "got string, want integer"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			d := base()
			set(d, pet+"/properties/age", j(tc.schema))
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			got := findingsOf(res, "data-value-invalid")
			if len(got) != 1 {
				t.Fatalf("got %d findings, want 1: %+v", len(got), got)
			}
			if !strings.HasSuffix(got[0].Message, ": "+tc.want) {
				t.Errorf("message %q, want it to end with %q", got[0].Message, tc.want)
			}
		})
	}
}

// A Swagger 2.0 wildcard media type is reported where it is written, in a
// consumes or produces list, once for all the operations the list applies
// to.
func TestSwagger2WildcardMediaLocation(t *testing.T) {
	res := auditFile(t, "testdata/patches/wildcard-2.0.yaml", Options{})
	want := map[string][]string{
		"/consumes/0":                   {"POST /notes"},
		"/produces/1":                   {"POST /notes", "PUT /notes"},
		"/paths/~1notes/put/consumes/1": {"PUT /notes"},
	}
	got := map[string][]string{}
	for _, f := range findingsOf(res, "data-media-wildcard") {
		got[f.Location.Pointer] = f.Operations
		if f.Location.Line == 0 || len(f.Patch) != 1 {
			t.Errorf("%s: line %d, patch %+v", f.Location.Pointer, f.Location.Line, f.Patch)
		}
	}
	for at, ops := range want {
		if strings.Join(got[at], ",") != strings.Join(ops, ",") {
			t.Errorf("at %s: operations %v, want %v", at, got[at], ops)
		}
	}
	if len(got) != len(want) {
		t.Errorf("findings at %v, want %d", got, len(want))
	}
}

// The patch that secures an anonymous operation requires a scheme the
// audit does not itself report as weak, preferring the one the other
// operations use.
func TestAnonymousOperationPatchScheme(t *testing.T) {
	cases := []struct {
		name    string
		schemes string
		global  string
		want    string
	}{
		{"basic sorts first", `{"aaBasic":{"type":"http","scheme":"basic"},"oauth":{"type":"oauth2","flows":{"authorizationCode":{"authorizationUrl":"https://a.example.com/a","tokenUrl":"https://a.example.com/t","scopes":{"pets:write":"w"}}}}}`, "", "oauth"},
		{"query key sorts first", `{"aKey":{"type":"apiKey","in":"query","name":"k"},"zKey":{"type":"apiKey","in":"header","name":"X-Key"}}`, "", "zKey"},
		{"the one in use", `{"a":{"type":"http","scheme":"bearer","bearerFormat":"JWT"},"b":{"type":"http","scheme":"bearer","bearerFormat":"JWT"}}`, `[{"b":[]}]`, "b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, "/components/securitySchemes", j(tc.schemes))
			set(d, "/security", nil)
			if tc.global != "" {
				set(d, "/paths/~1other", j(`{"get":{"security":`+tc.global+`,"responses":{"200":{"description":"ok"}}}}`))
			}
			text, _ := json.Marshal(d)
			got := findingsOf(auditText(t, string(text), Options{}), "sec-write-no-security")
			if len(got) != 1 || len(got[0].Patch) != 1 {
				t.Fatalf("findings %+v", got)
			}
			b, _ := json.Marshal(got[0].Patch[0].Value)
			if want := `[{"` + tc.want + `":[]}]`; string(b) != want {
				t.Errorf("patch requires %s, want %s", b, want)
			}
		})
	}
}

// A name says a value is a URL only if the value can be text: a boolean
// followRedirect is not a URL input.
func TestURLNameNeedsText(t *testing.T) {
	cases := []struct {
		name, prop string
		want       bool
	}{
		{"string", `{"type":"string","maxLength":9,"pattern":"^a$"}`, true},
		{"untyped", `{"maxLength":9}`, true},
		{"nullable 3.1 string", `{"type":["string","null"],"maxLength":9,"pattern":"^a$"}`, true},
		{"array of strings", `{"type":"array","maxItems":3,"items":{"type":"string","maxLength":9,"pattern":"^a$"}}`, true},
		{"boolean", `{"type":"boolean"}`, false},
		{"boolean through $ref", `{"$ref":"#/components/schemas/Flag"}`, false},
		{"integer", `{"type":"integer","format":"int32","minimum":0,"maximum":3}`, false},
		{"object", `{"type":"object","additionalProperties":false,"properties":{"n":{"type":"integer","format":"int32","minimum":0,"maximum":3}}}`, false},
		{"array of booleans", `{"type":"array","maxItems":3,"items":{"type":"boolean"}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, "/components/schemas/Flag", j(`{"type":"boolean"}`))
			set(d, pet+"/properties/callbackUrl", j(tc.prop))
			params := d["paths"].(map[string]any)["/pets/{petId}"].(map[string]any)["put"].(map[string]any)["parameters"].([]any)
			set(d, op+"/parameters", append(params, j(`{"name":"redirect","in":"query","schema":`+tc.prop+`}`)))
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			for _, at := range []string{pet + "/properties/callbackUrl", op + "/parameters/1"} {
				if got := hasFindingAt(res, "exp-url-input", at); got != tc.want {
					t.Errorf("exp-url-input at %s: %v, want %v", at, got, tc.want)
				}
			}
		})
	}
}

// A flag says whether a secret exists; it cannot leak one.
func TestSensitiveNameNeedsAValue(t *testing.T) {
	cases := []struct {
		name, prop string
		want       bool
	}{
		{"string", `{"type":"string","maxLength":9,"pattern":"^a$"}`, true},
		{"untyped", `{"maxLength":9}`, true},
		{"integer", `{"type":"integer","format":"int64","minimum":0,"maximum":9}`, true},
		{"object", `{"type":"object","additionalProperties":false,"properties":{"v":{"type":"string","enum":["a"]}}}`, true},
		{"boolean", `{"type":"boolean"}`, false},
		{"boolean through $ref", `{"$ref":"#/components/schemas/Flag"}`, false},
		{"nullable 3.1 boolean", `{"type":["boolean","null"]}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, "/components/schemas/Flag", j(`{"type":"boolean"}`))
			set(d, pet+"/properties/password", j(tc.prop))
			text, _ := json.Marshal(d)
			res := auditText(t, string(text), Options{})
			if got := hasFindingAt(res, "exp-sensitive-data", pet+"/properties/password"); got != tc.want {
				t.Errorf("exp-sensitive-data: %v, want %v", got, tc.want)
			}
		})
	}
}

// A server without a scheme leaves the transport to whatever URL the
// definition was fetched from.
func TestSchemeRelativeServer(t *testing.T) {
	cases := []struct{ name, text, at string }{
		{"2.0 host without schemes", "", "/host"},
		{"3.x scheme-relative URL", `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "//api.example.com/v1"}]
paths:
  /notes:
    get:
      responses: {"200": {description: ok}}
`, "/servers/0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var res *report.SpecResult
			if tc.text == "" {
				res = auditFile(t, "testdata/patches/no-schemes-2.0.yaml", Options{})
			} else {
				res = auditText(t, tc.text, Options{})
			}
			got := findingsOf(res, "tls-no-servers")
			if len(got) != 1 || got[0].Location.Pointer != tc.at || len(got[0].Operations) != 1 {
				t.Fatalf("findings %+v, want one at %s for GET /notes", got, tc.at)
			}
		})
	}
}

// A finding reported once for a node several operations share lists them
// all; its message must not name just the first.
func TestMergedFindingMessage(t *testing.T) {
	const head = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
`
	cases := []struct {
		name, text, rule, want, notWant string
	}{
		{"shared query parameter", head + `components:
  parameters:
    Key: {name: api_key, in: query, schema: {type: string}}
paths:
  /a/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - $ref: "#/components/parameters/Key"
      responses: {"200": {description: ok}}
  /b:
    get:
      parameters: [{$ref: "#/components/parameters/Key"}]
      responses: {"200": {description: ok}}
`, "sec-credential-in-query", `of 2 operations`, "GET /"},
		{"shared response", head + `components:
  responses:
    Slow: {description: slow down}
paths:
  /a:
    get:
      responses: {"200": {description: ok}, "429": {$ref: "#/components/responses/Slow"}}
  /b:
    get:
      responses: {"200": {description: ok}, "429": {$ref: "#/components/responses/Slow"}}
`, "resp-429-no-retry-after", "The 429 response of 2 operations", "GET /"},
		{"shared path item", `openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
components:
  pathItems:
    Thing:
      get:
        responses: {"400": {description: bad}}
paths:
  /a: {$ref: "#/components/pathItems/Thing"}
  /b: {$ref: "#/components/pathItems/Thing"}
`, "resp-no-success", "Each of 2 operations declares no 2xx response.", "GET /"},
		{"one operation keeps its name", head + `paths:
  /a:
    get:
      parameters: [{name: api_key, in: query, schema: {type: string}}]
      responses: {"200": {description: ok}}
`, "sec-credential-in-query", `of GET /a looks like`, "operations"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := findingsOf(auditText(t, tc.text, Options{}), tc.rule)
			if len(got) != 1 {
				t.Fatalf("got %d %s findings, want 1: %+v", len(got), tc.rule, got)
			}
			msg := got[0].Message
			if !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.notWant) {
				t.Errorf("message %q: want %q and no %q (operations %v)", msg, tc.want, tc.notWant, got[0].Operations)
			}
		})
	}
}

// A parameter or header without a schema is one defect: the rule with a
// patch reports it, the structural duplicate at that node is dropped.
func TestMissingSchemaReportedOnce(t *testing.T) {
	const v3 = `openapi: 3.0.3
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /a:
    get:
      parameters: [%s]
      responses:
        "200":
          description: ok
          headers:
            X-H: {description: h}
`
	const v2 = `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
schemes: [https]
paths:
  /a:
    get:
      parameters: [{name: q, in: query, type: string, maxLength: 5}]
      responses:
        "200":
          description: ok
          headers:
            X-H: {description: h}
`
	// A 2.0 parameter without type fails the meta-schema's typed branch
	// on the missing type and its body branch on `in`: one defect.
	const v2param = `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
schemes: [https]
paths:
  /a:
    post:
      consumes: [application/x-www-form-urlencoded]
      parameters: [%s]
      responses:
        "200": {description: ok}
`
	cases := []struct {
		name, text, rule, at string
		cfg                  string
		structs              int
	}{
		{"2.0 query parameter", strings.Replace(v2param, "%s", "{name: q, in: query}", 1), "data-param-no-schema", "/paths/~1a/post/parameters/0", "", 0},
		{"2.0 header parameter", strings.Replace(v2param, "%s", "{name: X-Q, in: header}", 1), "data-param-no-schema", "/paths/~1a/post/parameters/0", "", 0},
		{"2.0 form parameter", strings.Replace(v2param, "%s", "{name: q, in: formData}", 1), "data-param-no-schema", "/paths/~1a/post/parameters/0", "", 0},
		// cookie is no 2.0 location: that is a defect of its own.
		{"2.0 parameter in an undefined location", strings.Replace(v2param, "%s", "{name: q, in: cookie}", 1), "data-param-no-schema", "/paths/~1a/post/parameters/0", "", 1},
		{"3.0 parameter", strings.Replace(v3, "%s", "{name: q, in: query}", 1), "data-param-no-schema", "/paths/~1a/get/parameters/0", "", 0},
		{"3.1 parameter", strings.Replace(strings.Replace(v3, "%s", "{name: q, in: query}", 1), "3.0.3", "3.1.0", 1), "data-param-no-schema", "/paths/~1a/get/parameters/0", "", 0},
		{"3.0 header", strings.Replace(v3, "%s", "{name: q, in: query, schema: {type: integer, format: int32, minimum: 0, maximum: 9}}", 1), "resp-header-no-schema", "/paths/~1a/get/responses/200/headers/X-H", "", 0},
		{"2.0 header", v2, "resp-header-no-schema", "/paths/~1a/get/responses/200/headers/X-H", "", 0},
		// Another defect at the node keeps the structural finding.
		{"also missing in", strings.Replace(v3, "%s", "{name: q}", 1), "data-param-no-schema", "/paths/~1a/get/parameters/0", "", 1},
		// With the specific rule off the structural finding is the report.
		{"specific rule disabled", strings.Replace(v3, "%s", "{name: q, in: query}", 1), "", "", "rules:\n  data-param-no-schema: off\n", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{}
			if tc.cfg != "" {
				cfg, err := ParseConfig([]byte(tc.cfg))
				if err != nil {
					t.Fatal(err)
				}
				opts.Config = cfg
			}
			res := auditText(t, tc.text, opts)
			if tc.rule != "" && !hasFindingAt(res, tc.rule, tc.at) {
				t.Errorf("no %s at %s", tc.rule, tc.at)
			}
			n := 0
			for _, f := range findingsOf(res, "struct-invalid") {
				if strings.HasPrefix(f.Location.Pointer, "/paths/~1a/get/parameters/0") || strings.HasPrefix(f.Location.Pointer, "/paths/~1a/post/parameters/0") || f.Location.Pointer == "/paths/~1a/get/responses/200/headers/X-H" {
					n++
				}
			}
			if tc.rule != "" {
				// Nor does any other rule report the same missing type.
				for _, f := range findingsOf(res, "data-schema-no-type") {
					if f.Location.Pointer == tc.at {
						t.Errorf("data-schema-no-type at %s too", tc.at)
					}
				}
			}
			if n != tc.structs {
				t.Errorf("%d struct-invalid findings at the node, want %d: %+v", n, tc.structs, findingsOf(res, "struct-invalid"))
			}
		})
	}
}

// Servers are judged with their variables resolved: the defaults give the
// URL a client connects to, and every allowed value is one it may pick.
func TestServerVariablesResolved(t *testing.T) {
	checkServerCases(t, []serverCase{
		{"empty default selects http", `[{"url":"http{s}://api.example.com","variables":{"s":{"default":""}}}]`,
			"tls-http-server", "/servers/0", "", true},
		{"empty default with an https choice", `[{"url":"http{s}://api.example.com","variables":{"s":{"default":"","enum":["","s"]}}}]`,
			"tls-http-server", "/servers/0", `{"default":"s","enum":["s"]}`, true},
		{"scheme default http", `[{"url":"{scheme}://api.example.com","variables":{"scheme":{"default":"http","enum":["http","https"]}}}]`,
			"tls-http-server", "/servers/0", `{"default":"https","enum":["https"]}`, true},
		{"base URL default http", `[{"url":"{base}/v1","variables":{"base":{"default":"http://api.example.com"}}}]`,
			"tls-http-server", "/servers/0", "", true},
		{"default https, enum gives http", `[{"url":"http{s}://api.example.com","variables":{"s":{"default":"s","enum":["s",""]}}}]`,
			"tls-server-variable-http", "/servers/0/variables/s", `{"default":"s","enum":["s"]}`, true},
		{"default https is no http server", `[{"url":"http{s}://api.example.com","variables":{"s":{"default":"s","enum":["s",""]}}}]`,
			"tls-http-server", "", "", false},
		{"http in the path is not the scheme", `[{"url":"https://api.example.com/{v}","variables":{"v":{"default":"v1","enum":["v1","http"]}}}]`,
			"tls-server-variable-http", "", "", false},
	})
}

// serverCase is a definition's servers (JSON) and the finding expected of
// them: rule at pointer at, with the patch value patch ("" for none
// checked), or no finding of rule when want is false.
type serverCase struct {
	name, servers, rule, at, patch string
	want                           bool
}

// checkServerCases audits base() with each case's servers.
func checkServerCases(t *testing.T, cases []serverCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, "/servers", j(tc.servers))
			text, _ := json.Marshal(d)
			got := findingsOf(auditText(t, string(text), Options{}), tc.rule)
			if !tc.want {
				if len(got) > 0 {
					t.Fatalf("unexpected %s: %s", tc.rule, got[0].Message)
				}
				return
			}
			if len(got) != 1 || got[0].Location.Pointer != tc.at {
				t.Fatalf("findings %+v, want one %s at %s", got, tc.rule, tc.at)
			}
			if got[0].Severity != rules[tc.rule].Severity {
				t.Errorf("severity %s, want %s", got[0].Severity, rules[tc.rule].Severity)
			}
			if tc.patch != "" {
				if len(got[0].Patch) != 1 {
					t.Fatalf("patch %+v, want one operation", got[0].Patch)
				}
				if v, _ := json.Marshal(got[0].Patch[0].Value); string(v) != tc.patch {
					t.Errorf("patch value %s, want %s", v, tc.patch)
				}
			}
		})
	}
}
