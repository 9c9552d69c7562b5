package firewall

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

type e2eCase struct {
	name    string
	fw      string // which firewall: 31, 30, 20, 31m
	method  string
	path    string
	hdr     map[string]string
	ct      string
	body    string
	status  int
	reached bool
	reason  string // expected problem reason, when the firewall answers
}

func h(kv ...string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func gz(s string) string {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

func mp(fields ...string) (ct, body string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		_ = w.WriteField(fields[i], fields[i+1])
	}
	_ = w.Close()
	return w.FormDataContentType(), b.String()
}

func nested(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }

const jsonCT = "application/json"

func e2eCases() []e2eCase {
	need := h("X-Need", "yes")
	mpOK, mpOKBody := mp("name", "pen", "count", "3")
	mpNoName, mpNoNameBody := mp("count", "3")
	mpBadCount, mpBadCountBody := mp("name", "pen", "count", "x")
	respOK := h("X-Up-Body", `{"id":1}`, "X-Up-Rate", "5")
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range h(kv...) {
			m[k] = v
		}
		return m
	}
	item := func(extra string) string { return `{"name":"pen","price":1.5` + extra + `}` }
	cs := []e2eCase{
		// Routing.
		{"route list", "31", "GET", "/v1/items", nil, "", "", 200, true, ""},
		{"route without base path", "31", "GET", "/items", nil, "", "", 404, false, "route-not-found"},
		{"route unknown path", "31", "GET", "/v1/nope", nil, "", "", 404, false, "route-not-found"},
		{"route undeclared method", "31", "PATCH", "/v1/items", nil, "", "", 405, false, "method-not-allowed"},
		{"route HEAD where GET declared", "31", "HEAD", "/v1/items", nil, "", "", 200, true, ""},
		{"route concrete beats template", "31", "GET", "/v1/items/special", nil, "", "", 200, true, ""},
		{"route templated", "31", "GET", "/v1/items/5", need, "", "", 200, true, ""},
		{"route trailing slash", "31", "GET", "/v1/items/", nil, "", "", 404, false, "route-not-found"},
		{"route encoded dot-dot", "31", "GET", "/v1/items/%2e%2e", need, "", "", 400, false, "ambiguous-path"},
		{"route encoded slash", "31", "GET", "/v1/items/a%2Fb", need, "", "", 400, false, "ambiguous-path"},
		{"route encoded backslash", "31", "GET", "/v1/items/5%5C", need, "", "", 400, false, "ambiguous-path"},
		// Overlong UTF-8 for "..": a dot-dot to decoders that accept it.
		{"route overlong dot-dot", "31", "GET", "/v1/pages/%C0%AE%C0%AE", nil, "", "", 400, false, "ambiguous-path"},
		// Servers that decode escapes or fold case before routing serve
		// the concrete /items/special, not the template that captured it.
		{"route escaped spelling of a concrete path", "31", "GET", "/v1/items/%73pecial", need, "", "", 400, false, "ambiguous-path"},
		{"route case variant of a concrete path", "31", "GET", "/v1/items/Special", need, "", "", 400, false, "ambiguous-path"},
		{"route empty segment", "31", "GET", "/v1/items//5", need, "", "", 400, false, "ambiguous-path"},
		{"route dot segment", "31", "GET", "/v1/./items", nil, "", "", 400, false, "ambiguous-path"},
		{"route dot-dot segment", "31", "GET", "/v1/x/../items", nil, "", "", 400, false, "ambiguous-path"},
		{"route bad escape in param", "31", "GET", "/v1/items/%25zz", need, "", "", 400, false, "parameter-invalid"},
		{"route CORS preflight", "31", "OPTIONS", "/v1/items", h("Origin", "http://a.example", "Access-Control-Request-Method", "POST"), "", "", 204, false, ""},
		{"route OPTIONS not preflight", "31", "OPTIONS", "/v1/items", nil, "", "", 405, false, "method-not-allowed"},
		// Without Origin it is no preflight, whatever else it carries: an
		// undeclared method, refused like any other, never forwarded.
		{"route OPTIONS with Access-Control-Request-Method but no Origin", "31", "OPTIONS", "/v1/items", h("Access-Control-Request-Method", "POST"), "", "", 405, false, "method-not-allowed"},
		{"route OPTIONS with Access-Control-Request-Method but no Origin, method override", "31", "OPTIONS", "/v1/items", h("Access-Control-Request-Method", "POST", "X-HTTP-Method-Override", "DELETE"), "", "", 405, false, "method-not-allowed"},
		{"route mixed segment", "31", "GET", "/v1/files/abc.json", nil, "", "", 200, true, ""},
		{"route mixed segment invalid", "31", "GET", "/v1/files/ABC.json", nil, "", "", 400, false, "parameter-invalid"},
		{"route mixed segment other suffix", "31", "GET", "/v1/files/abc.xml", nil, "", "", 404, false, "route-not-found"},
		// Servers of a path item or an operation replace the document's:
		// the path part of their URL is the operation's base path.
		{"route operation server", "31", "GET", "/internal/admin/audit", nil, "", "", 200, true, ""},
		{"route operation server, not under the document base path", "31", "GET", "/v1/admin/audit", nil, "", "", 404, false, "route-not-found"},
		{"route operation server, not without a base path", "31", "GET", "/admin/audit", nil, "", "", 404, false, "route-not-found"},
		{"route path-level server", "31", "GET", "/v2/reports", nil, "", "", 200, true, ""},
		{"route path-level server, not under the document base path", "31", "GET", "/v1/reports", nil, "", "", 404, false, "route-not-found"},
		{"route operation server beside a path-level one", "31", "POST", "/internal/reports", nil, "", "", 201, true, ""},
		{"route operation server beside a path-level one, other method", "31", "POST", "/v2/reports", nil, "", "", 405, false, "method-not-allowed"},
		{"route server variables take their defaults", "31", "GET", "/v3/jobs/batch/7", nil, "", "", 200, true, ""},
		{"route server variables, parameter checked", "31", "GET", "/v3/jobs/batch/x", nil, "", "", 400, false, "parameter-invalid"},
		{"route server variables, another enum value", "31", "GET", "/v4/jobs/batch/7", nil, "", "", 404, false, "route-not-found"},
		{"route server variables, not under the document base path", "31", "GET", "/v1/batch/7", nil, "", "", 404, false, "route-not-found"},
		// Java servers cut ";..." out of a segment: "/pages/admin;x" is
		// "/pages/admin" to them. Encoded, the semicolon is data to all.
		{"path string", "31", "GET", "/v1/pages/admin", nil, "", "", 200, true, ""},
		{"path literal semicolon", "31", "GET", "/v1/pages/admin;jsessionid=x", nil, "", "", 400, false, "parameter-ambiguous"},
		{"path encoded semicolon", "31", "GET", "/v1/pages/admin%3Bx", nil, "", "", 200, true, ""},
		{"route delete 204", "31", "DELETE", "/v1/items/3", nil, "", "", 204, true, ""},
		// Path parameters: simple, label, matrix.
		{"path integer minimum", "31", "GET", "/v1/items/0", need, "", "", 400, false, "parameter-invalid"},
		{"path integer not a number", "31", "GET", "/v1/items/abc", need, "", "", 400, false, "parameter-invalid"},
		{"path integer hex refused", "31", "GET", "/v1/items/0x10", need, "", "", 400, false, "parameter-invalid"},
		{"path integer percent-encoded", "31", "GET", "/v1/items/%35", need, "", "", 200, true, ""},
		{"label array", "31", "GET", "/v1/label/.red,green", nil, "", "", 200, true, ""},
		{"label array bad item", "31", "GET", "/v1/label/.red,pink", nil, "", "", 400, false, "parameter-invalid"},
		{"label missing dot", "31", "GET", "/v1/label/red", nil, "", "", 400, false, "parameter-malformed"},
		{"label exploded", "31", "GET", "/v1/labelx/.1.2.3", nil, "", "", 200, true, ""},
		{"label exploded bad item", "31", "GET", "/v1/labelx/.1.x", nil, "", "", 400, false, "parameter-invalid"},
		{"matrix exploded object", "31", "GET", "/v1/matrix/;x=1;y=2", nil, "", "", 200, true, ""},
		{"matrix object missing property", "31", "GET", "/v1/matrix/;x=1", nil, "", "", 400, false, "parameter-invalid"},
		{"matrix object wrong type", "31", "GET", "/v1/matrix/;x=a;y=2", nil, "", "", 400, false, "parameter-invalid"},
		{"matrix scalar", "31", "GET", "/v1/matrixs/;n=5", nil, "", "", 200, true, ""},
		{"matrix scalar maximum", "31", "GET", "/v1/matrixs/;n=10", nil, "", "", 400, false, "parameter-invalid"},
		{"matrix scalar wrong name", "31", "GET", "/v1/matrixs/;m=5", nil, "", "", 400, false, "parameter-malformed"},
		{"simple object", "31", "GET", "/v1/simple/a,1,b,x", nil, "", "", 200, true, ""},
		{"simple object odd items", "31", "GET", "/v1/simple/a,1,b", nil, "", "", 400, false, "parameter-malformed"},
		{"simple object wrong type", "31", "GET", "/v1/simple/a,x", nil, "", "", 400, false, "parameter-invalid"},
		{"simple object exploded", "31", "GET", "/v1/simplex/a=1,b=x", nil, "", "", 200, true, ""},
		{"simple object exploded wrong type", "31", "GET", "/v1/simplex/a=q", nil, "", "", 400, false, "parameter-invalid"},
		{"simple object exploded no equals", "31", "GET", "/v1/simplex/a", nil, "", "", 400, false, "parameter-malformed"},
		// Query parameters: form, spaceDelimited, pipeDelimited, deepObject, content.
		{"query integer", "31", "GET", "/v1/items?limit=10", nil, "", "", 200, true, ""},
		{"query integer below minimum", "31", "GET", "/v1/items?limit=0", nil, "", "", 400, false, "parameter-invalid"},
		{"query integer above maximum", "31", "GET", "/v1/items?limit=101", nil, "", "", 400, false, "parameter-invalid"},
		{"query integer not a number", "31", "GET", "/v1/items?limit=abc", nil, "", "", 400, false, "parameter-invalid"},
		{"query integer fraction", "31", "GET", "/v1/items?limit=1.5", nil, "", "", 400, false, "parameter-invalid"},
		{"query duplicate scalar", "31", "GET", "/v1/items?limit=1&limit=2", nil, "", "", 400, false, "parameter-ambiguous"},
		{"query exploded array", "31", "GET", "/v1/items?tags=a&tags=b", nil, "", "", 200, true, ""},
		{"query exploded array maxItems", "31", "GET", "/v1/items?tags=a&tags=b&tags=c&tags=d", nil, "", "", 400, false, "parameter-invalid"},
		{"query array item maxLength", "31", "GET", "/v1/items?tags=toolong", nil, "", "", 400, false, "parameter-invalid"},
		{"query form array not exploded", "31", "GET", "/v1/items?ids=1,2,3", nil, "", "", 200, true, ""},
		{"query form array bad item", "31", "GET", "/v1/items?ids=1,x", nil, "", "", 400, false, "parameter-invalid"},
		{"query deepObject", "31", "GET", "/v1/items?filter[color]=red&filter[size]=2", nil, "", "", 200, true, ""},
		{"query deepObject enum", "31", "GET", "/v1/items?filter[color]=pink", nil, "", "", 400, false, "parameter-invalid"},
		{"query deepObject undeclared key", "31", "GET", "/v1/items?filter[other]=1", nil, "", "", 400, false, "parameter-invalid"},
		{"query deepObject nested", "31", "GET", "/v1/items?filter[color][x]=1", nil, "", "", 400, false, "parameter-malformed"},
		{"query deepObject escaped brackets", "31", "GET", "/v1/items?filter%5Bcolor%5D=blue", nil, "", "", 200, true, ""},
		{"query boolean", "31", "GET", "/v1/items?flag=true", nil, "", "", 200, true, ""},
		{"query boolean invalid", "31", "GET", "/v1/items?flag=yes", nil, "", "", 400, false, "parameter-invalid"},
		{"query number exclusiveMaximum ok", "31", "GET", "/v1/items?ratio=0.5", nil, "", "", 200, true, ""},
		{"query number exclusiveMaximum (3.1 number)", "31", "GET", "/v1/items?ratio=1", nil, "", "", 400, false, "parameter-invalid"},
		{"query undeclared", "31", "GET", "/v1/items?unknown=1", nil, "", "", 400, false, "query-parameter-undeclared"},
		{"query bad escape", "31", "GET", "/v1/items?limit=%zz", nil, "", "", 400, false, "query-malformed"},
		{"query required present", "31", "GET", "/v1/search?q=ab", nil, "", "", 200, true, ""},
		// Rack before 3 and older Python split pairs at ';' too.
		{"query semicolon hides a pair", "31", "GET", "/v1/search?q=ab;admin=1", nil, "", "", 400, false, "parameter-ambiguous"},
		{"query semicolon as data", "31", "GET", "/v1/search?q=a;b", nil, "", "", 200, true, ""},
		{"query required missing", "31", "GET", "/v1/search", nil, "", "", 400, false, "parameter-missing"},
		{"query minLength", "31", "GET", "/v1/search?q=a", nil, "", "", 400, false, "parameter-invalid"},
		{"query plus is space", "31", "GET", "/v1/search?q=a+b", nil, "", "", 200, true, ""},
		{"query pipeDelimited", "31", "GET", "/v1/search?q=ab&pipe=1%7C2%7C3", nil, "", "", 200, true, ""},
		{"query pipeDelimited bad item", "31", "GET", "/v1/search?q=ab&pipe=1%7Cx", nil, "", "", 400, false, "parameter-invalid"},
		{"query spaceDelimited", "31", "GET", "/v1/search?q=ab&space=a%20b", nil, "", "", 200, true, ""},
		{"query exploded object", "31", "GET", "/v1/search?q=ab&lat=1.5&lon=2", nil, "", "", 200, true, ""},
		{"query exploded object bad property", "31", "GET", "/v1/search?q=ab&lat=north", nil, "", "", 400, false, "parameter-invalid"},
		{"query form object", "31", "GET", "/v1/search?q=ab&pair=a,1,b,x", nil, "", "", 200, true, ""},
		{"query form object wrong type", "31", "GET", "/v1/search?q=ab&pair=a,x,b,y", nil, "", "", 400, false, "parameter-invalid"},
		{"query form object odd", "31", "GET", "/v1/search?q=ab&pair=a,1,b", nil, "", "", 400, false, "parameter-malformed"},
		{"query content JSON", "31", "GET", "/v1/search?q=ab&doc=%7B%22k%22%3A1%7D", nil, "", "", 200, true, ""},
		{"query content JSON invalid", "31", "GET", "/v1/search?q=ab&doc=%7B%22k%22%3A%22x%22%7D", nil, "", "", 400, false, "parameter-invalid"},
		{"query content not JSON", "31", "GET", "/v1/search?q=ab&doc=nope", nil, "", "", 400, false, "parameter-malformed"},
		// Header and cookie parameters.
		{"header required missing", "31", "GET", "/v1/items/5", nil, "", "", 400, false, "parameter-missing"},
		{"header enum", "31", "GET", "/v1/items/5", h("X-Need", "no"), "", "", 400, false, "parameter-invalid"},
		{"header uuid", "31", "GET", "/v1/items/5", with(need, "X-Trace", "0b6f8f3c-1c4e-4a4f-9b7e-2a8e8c4d5e6f"), "", "", 200, true, ""},
		{"header uuid invalid", "31", "GET", "/v1/items/5", with(need, "X-Trace", "nope"), "", "", 400, false, "parameter-invalid"},
		{"header value not UTF-8", "31", "GET", "/v1/items/5", with(need, "X-Trace", "caf\xe9"), "", "", 400, false, "parameter-malformed"},
		{"cookie pattern", "31", "GET", "/v1/items/5", with(need, "Cookie", "session=deadbeef"), "", "", 200, true, ""},
		{"cookie pattern invalid", "31", "GET", "/v1/items/5", with(need, "Cookie", "session=xyz"), "", "", 400, false, "parameter-invalid"},
		{"cookie other cookies ignored", "31", "GET", "/v1/items/5", with(need, "Cookie", "theme=dark"), "", "", 200, true, ""},
		// net/http reads "theme=dark,session=xyz" as one cookie; an RFC 2109
		// upstream reads a session cookie the firewall never validated.
		{"cookie hidden after comma", "31", "GET", "/v1/items/5", with(need, "Cookie", "theme=dark,session=xyz"), "", "", 400, false, "parameter-ambiguous"},
		{"cookie hidden after comma and space", "31", "GET", "/v1/items/5", with(need, "Cookie", "theme=dark, session=deadbeef"), "", "", 400, false, "parameter-ambiguous"},
		// net/http drops a value holding a double quote; a lenient upstream
		// keeps it, so the firewall validates it.
		{"cookie with inner quote validated", "31", "GET", "/v1/items/5", with(need, "Cookie", `session=ab"cd`), "", "", 400, false, "parameter-invalid"},
		{"cookie value not UTF-8", "31", "GET", "/v1/items/5", with(need, "Cookie", "session=dead\xffbee"), "", "", 400, false, "parameter-malformed"},
		{"cookie twice", "31", "GET", "/v1/items/5", with(need, "Cookie", "session=deadbeef; session=00000000"), "", "", 400, false, "parameter-ambiguous"},
		{"header array", "31", "GET", "/v1/headers", h("X-Ids", "1,2"), "", "", 200, true, ""},
		{"header array bad item", "31", "GET", "/v1/headers", h("X-Ids", "1,x"), "", "", 400, false, "parameter-invalid"},
		{"header array maxItems", "31", "GET", "/v1/headers", h("X-Ids", "1,2,3,4"), "", "", 400, false, "parameter-invalid"},
		{"header exploded object", "31", "GET", "/v1/headers", h("X-Obj", "a=1"), "", "", 200, true, ""},
		{"header exploded object wrong type", "31", "GET", "/v1/headers", h("X-Obj", "a=x"), "", "", 400, false, "parameter-invalid"},
		{"cookie array", "31", "GET", "/v1/headers", h("Cookie", "prefs=a,b"), "", "", 200, true, ""},
		{"cookie array bad item", "31", "GET", "/v1/headers", h("Cookie", "prefs=a,c"), "", "", 400, false, "parameter-invalid"},
		// An exploded object (the cookie default) is one cookie per
		// property, R=100; G=200: those are validated, and the object in
		// one cookie (color=R,100) too, but not both at once.
		{"cookie exploded object", "31", "GET", "/v1/headers", h("Cookie", "R=100; G=200"), "", "", 200, true, ""},
		{"cookie exploded object property invalid", "31", "GET", "/v1/headers", h("Cookie", "G=200; R=x"), "", "", 400, false, "parameter-invalid"},
		{"cookie exploded object in one cookie", "31", "GET", "/v1/headers", h("Cookie", "color=R,100,G,x"), "", "", 400, false, "parameter-invalid"},
		{"cookie exploded object in both forms", "31", "GET", "/v1/headers", h("Cookie", "color=R,1; G=2"), "", "", 400, false, "parameter-ambiguous"},
		// JSON bodies and schema keywords (3.1).
		{"body valid", "31", "POST", "/v1/items", nil, jsonCT, item(""), 201, true, ""},
		{"body charset parameter", "31", "POST", "/v1/items", nil, "application/json; charset=utf-8", item(""), 201, true, ""},
		// Express, Rails, Laravel and others run a POST carrying an
		// override as the method it names: a DELETE checked as a POST.
		{"method override header", "31", "POST", "/v1/items", h("X-HTTP-Method-Override", "DELETE"), jsonCT, item(""), 400, false, "method-override"},
		{"method override header, lower case", "31", "POST", "/v1/items", h("x-http-method", "DELETE"), jsonCT, item(""), 400, false, "method-override"},
		{"method override header on GET", "31", "GET", "/v1/items/5", with(need, "X-Method-Override", "PUT"), "", "", 400, false, "method-override"},
		// Symfony, Laminas and IIS URL Rewrite serve the path these name.
		{"path override header", "31", "GET", "/v1/items/5", with(need, "X-Original-URL", "/v1/admin"), "", "", 400, false, "path-override"},
		{"path override header, rewrite", "31", "GET", "/v1/items/5", with(need, "X-Rewrite-URL", "/v1/admin"), "", "", 400, false, "path-override"},
		// CGI-style servers name X-Trace and X_Trace alike (HTTP_X_TRACE).
		{"header lookalike of a declared parameter", "31", "GET", "/v1/items/5", with(need, "X_Trace", "nope"), "", "", 400, false, "ambiguous-header"},
		{"header lookalike of a forwarding field", "31", "GET", "/v1/items/5", with(need, "X_Forwarded_For", "10.0.0.1"), "", "", 400, false, "ambiguous-header"},
		{"header with an underscore nobody checks", "31", "GET", "/v1/items/5", with(need, "X_Custom_Thing", "1"), "", "", 200, true, ""},
		{"header spellings the contract declares both", "31", "GET", "/v1/headers", h("X-Legacy", "dash", "X_Legacy", "underscore"), "", "", 200, true, ""},
		// A field the Connection header names is for this hop only: the
		// upstream never gets it, so it is not what the firewall checks.
		{"header named as a connection option", "31", "GET", "/v1/items/5", with(need, "Connection", "X-Need"), "", "", 400, false, "parameter-missing"},
		{"content type named as a connection option", "31", "POST", "/v1/items", h("Connection", "keep-alive, Content-Type"), jsonCT, item(""), 415, false, "unsupported-media-type"},
		{"cookie named as a connection option", "31", "GET", "/v1/items/5", with(need, "Cookie", "session=xyz", "Connection", "Cookie"), "", "", 200, true, ""},
		{"body required property", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen"}`, 400, false, "missing-property"},
		{"body exclusiveMinimum", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen","price":0}`, 400, false, "schema-violation"},
		{"body maximum", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen","price":1001}`, 400, false, "schema-violation"},
		{"body multipleOf", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen","price":1.555}`, 400, false, "schema-violation"},
		{"body minLength", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"","price":1}`, 400, false, "schema-violation"},
		{"body maxLength", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"aaaaaaaaaaaaaaaaaaaaa","price":1}`, 400, false, "schema-violation"},
		{"body pattern", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"PEN","price":1}`, 400, false, "schema-violation"},
		{"body type", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen","price":"1"}`, 400, false, "type-mismatch"},
		{"body readOnly refused", "31", "POST", "/v1/items", nil, jsonCT, item(`,"id":7`), 400, false, "read-only-property"},
		{"body undeclared property (strict objects)", "31", "POST", "/v1/items", nil, jsonCT, item(`,"admin":true`), 400, false, "undeclared-property"},
		{"body uniqueItems", "31", "POST", "/v1/items", nil, jsonCT, item(`,"tags":["a","a"]`), 400, false, "schema-violation"},
		{"body minItems", "31", "POST", "/v1/items", nil, jsonCT, item(`,"tags":[]`), 400, false, "schema-violation"},
		{"body maxItems", "31", "POST", "/v1/items", nil, jsonCT, item(`,"tags":["a","b","c","d"]`), 400, false, "schema-violation"},
		{"body items type", "31", "POST", "/v1/items", nil, jsonCT, item(`,"tags":[1]`), 400, false, "type-mismatch"},
		{"body const ok", "31", "POST", "/v1/items", nil, jsonCT, item(`,"kind":"item"`), 201, true, ""},
		{"body const", "31", "POST", "/v1/items", nil, jsonCT, item(`,"kind":"thing"`), 400, false, "schema-violation"},
		{"body type array with null", "31", "POST", "/v1/items", nil, jsonCT, item(`,"color":null`), 201, true, ""},
		{"body enum", "31", "POST", "/v1/items", nil, jsonCT, item(`,"color":"blue"`), 400, false, "schema-violation"},
		{"body type array wrong type", "31", "POST", "/v1/items", nil, jsonCT, item(`,"color":5`), 400, false, "type-mismatch"},
		{"body prefixItems", "31", "POST", "/v1/items", nil, jsonCT, item(`,"dims":[1,2]`), 201, true, ""},
		{"body prefixItems type", "31", "POST", "/v1/items", nil, jsonCT, item(`,"dims":[1,"a"]`), 400, false, "type-mismatch"},
		{"body items false after prefixItems", "31", "POST", "/v1/items", nil, jsonCT, item(`,"dims":[1,2,3]`), 400, false, "schema-violation"},
		{"body format email", "31", "POST", "/v1/items", nil, jsonCT, item(`,"email":"a@b.example"`), 201, true, ""},
		{"body format email invalid", "31", "POST", "/v1/items", nil, jsonCT, item(`,"email":"nope"`), 400, false, "schema-violation"},
		{"body format date-time", "31", "POST", "/v1/items", nil, jsonCT, item(`,"when":"2024-05-01T10:00:00Z"`), 201, true, ""},
		{"body format date-time invalid", "31", "POST", "/v1/items", nil, jsonCT, item(`,"when":"yesterday"`), 400, false, "schema-violation"},
		{"body format uuid invalid", "31", "POST", "/v1/items", nil, jsonCT, item(`,"ref":"123"`), 400, false, "schema-violation"},
		{"body format int32 overflow", "31", "POST", "/v1/items", nil, jsonCT, item(`,"code":2147483648`), 400, false, "schema-violation"},
		{"body additionalProperties schema", "31", "POST", "/v1/items", nil, jsonCT, item(`,"meta":{"a":"x"}`), 201, true, ""},
		{"body additionalProperties wrong type", "31", "POST", "/v1/items", nil, jsonCT, item(`,"meta":{"a":1}`), 400, false, "type-mismatch"},
		// Valid by the schema (any string-valued key), but a JavaScript
		// upstream merging it would set Object.prototype.
		{"body __proto__ key", "31", "POST", "/v1/items", nil, jsonCT, item(`,"meta":{"__proto__":"x"}`), 400, false, "json-prototype-key"},
		// Valid by the schema (two string-valued keys), but Go's
		// encoding/json and ASP.NET Core bind both to one field.
		{"body keys differing only in case", "31", "POST", "/v1/items", nil, jsonCT, item(`,"meta":{"a":"x","A":"y"}`), 400, false, "duplicate-key"},
		{"body NUL in a string", "31", "POST", "/v1/items", nil, jsonCT, item(`,"meta":{"a":"x\u0000y"}`), 400, false, "invalid-utf8"},
		// Unless the contract itself declares both spellings.
		{"body keys differing only in case, both declared", "31", "POST", "/v1/legacy", nil, jsonCT, `{"id":1,"ID":"x"}`, 201, true, ""},
		{"body maxProperties", "31", "POST", "/v1/items", nil, jsonCT, item(`,"meta":{"a":"1","b":"2","c":"3"}`), 400, false, "schema-violation"},
		{"body minLength on sku", "31", "POST", "/v1/items", nil, jsonCT, item(`,"sku":"ab"`), 400, false, "schema-violation"},
		{"body big number precision kept", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen","price":1000.0000000000000001}`, 400, false, "schema-violation"},
		{"body duplicate key", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"pen","price":1,"price":2}`, 400, false, "duplicate-key"},
		{"body invalid UTF-8", "31", "POST", "/v1/items", nil, jsonCT, "{\"name\":\"p\xffn\",\"price\":1}", 400, false, "invalid-utf8"},
		{"body malformed", "31", "POST", "/v1/items", nil, jsonCT, `{"name":`, 400, false, "invalid-json"},
		{"body trailing data", "31", "POST", "/v1/items", nil, jsonCT, item("") + `{}`, 400, false, "invalid-json"},
		{"body too deep", "31", "POST", "/v1/items", nil, jsonCT, nested(200), 400, false, "json-too-deep"},
		{"body too many elements", "31", "POST", "/v1/items", nil, jsonCT, "[" + strings.Repeat("1,", 100000) + "1]", 400, false, "json-too-many-elements"},
		{"body missing", "31", "POST", "/v1/items", nil, jsonCT, "", 400, false, "body-missing"},
		{"body media type undeclared", "31", "POST", "/v1/items", nil, "text/xml", "<a/>", 415, false, "unsupported-media-type"},
		{"body without content type", "31", "POST", "/v1/items", nil, "", item(""), 415, false, "unsupported-media-type"},
		{"body too large", "31", "POST", "/v1/items", nil, jsonCT, `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, false, "body-too-large"},
		{"body on operation without body", "31", "GET", "/v1/items", nil, jsonCT, `{}`, 400, false, "body-undeclared"},
		{"body gzip decoded and forwarded", "31", "POST", "/v1/items", h("Content-Encoding", "gzip"), jsonCT, gz(item("")), 201, true, ""},
		{"body gzip invalid content", "31", "POST", "/v1/items", h("Content-Encoding", "gzip"), jsonCT, gz(`{"name":1}`), 400, false, ""},
		{"body gzip bomb", "31", "POST", "/v1/items", h("Content-Encoding", "gzip"), jsonCT, gz(strings.Repeat(" ", 9<<20)), 413, false, "decoded-body-too-large"},
		{"body gzip corrupt", "31", "POST", "/v1/items", h("Content-Encoding", "gzip"), jsonCT, "not gzip", 400, false, "invalid-content-encoding"},
		{"body unsupported encoding", "31", "POST", "/v1/items", h("Content-Encoding", "br"), jsonCT, "xx", 415, false, "unsupported-content-encoding"},
		// Form and multipart bodies.
		{"form valid", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&price=2.5", 201, true, ""},
		{"form array field", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&price=2.5&tags=a&tags=b", 201, true, ""},
		{"form wrong type", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&price=abc", 400, false, "type-mismatch"},
		{"form undeclared field", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&price=2&admin=1", 400, false, "undeclared-property"},
		{"form duplicate scalar", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&name=cup&price=2", 400, false, "parameter-ambiguous"},
		{"form fields differing only in case", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&Name=cup&price=2", 400, false, "duplicate-key"},
		{"form readOnly", "31", "POST", "/v1/items", nil, "application/x-www-form-urlencoded", "name=pen&price=2&id=1", 400, false, "read-only-property"},
		{"multipart valid", "31", "POST", "/v1/items", nil, mpOK, mpOKBody, 201, true, ""},
		{"multipart missing field", "31", "POST", "/v1/items", nil, mpNoName, mpNoNameBody, 400, false, "missing-property"},
		{"multipart wrong type", "31", "POST", "/v1/items", nil, mpBadCount, mpBadCountBody, 400, false, "type-mismatch"},
		{"multipart without boundary", "31", "POST", "/v1/items", nil, "multipart/form-data", "x", 400, false, "invalid-form"},
		// Composition.
		{"oneOf first", "31", "PUT", "/v1/items/1", nil, jsonCT, `{"radius":1}`, 200, true, ""},
		{"oneOf second", "31", "PUT", "/v1/items/1", nil, jsonCT, `{"side":2}`, 200, true, ""},
		{"oneOf both", "31", "PUT", "/v1/items/1", nil, jsonCT, `{"radius":1,"side":2}`, 400, false, "schema-violation"},
		{"oneOf none", "31", "PUT", "/v1/items/1", nil, jsonCT, `{}`, 400, false, "schema-violation"},
		{"allOf with unevaluatedProperties", "31", "POST", "/v1/ext", h("X-Up-Status", "200"), "application/vnd.test+json", `{"ok":true,"extra":"x"}`, 200, true, ""},
		{"unevaluatedProperties refuses", "31", "POST", "/v1/ext", nil, "application/vnd.test+json", `{"other":1}`, 400, false, "undeclared-property"},
		{"+json media type only", "31", "POST", "/v1/ext", nil, jsonCT, `{"ok":true}`, 415, false, "unsupported-media-type"},
		// Text and opaque bodies.
		{"text body", "31", "POST", "/v1/notes", nil, "text/plain", "hello", 201, true, ""},
		{"text body maxLength", "31", "POST", "/v1/notes", nil, "text/plain", strings.Repeat("x", 21), 400, false, "schema-violation"},
		{"text body invalid UTF-8", "31", "POST", "/v1/notes", nil, "text/plain", "h\xffi", 400, false, "invalid-utf8"},
		{"opaque body", "31", "POST", "/v1/notes", nil, "application/octet-stream", "\x00\x01", 201, true, ""},
		{"optional body absent", "31", "POST", "/v1/notes", nil, "", "", 201, true, ""},
		// Modes: the spec cannot loosen the configured mode; the config can.
		{"spec cannot loosen mode", "31", "POST", "/v1/monitored", nil, jsonCT, `{"n":"x"}`, 400, false, "type-mismatch"},
		{"config loosens mode", "31", "POST", "/v1/tight", h("X-Up-Status", "200"), jsonCT, `{"n":"x"}`, 200, true, ""},
		{"monitor mode forwards invalid", "31m", "POST", "/v1/items", nil, jsonCT, `{"name":1}`, 201, true, ""},
		{"monitor mode forwards unknown route", "31m", "GET", "/v1/unknown", nil, "", "", 200, true, ""},
		{"monitor mode still refuses ambiguous path", "31m", "GET", "/v1/items/%2e%2e", nil, "", "", 400, false, "ambiguous-path"},
		{"spec override allowed", "31m", "POST", "/v1/monitored", nil, jsonCT, `{"n":"x"}`, 201, true, ""},
		// Responses.
		{"response valid", "31", "GET", "/v1/resp", respOK, "", "", 200, true, ""},
		{"response invalid body blocked", "31", "GET", "/v1/resp", h("X-Up-Rate", "5"), "", "", 502, true, "response-body-invalid"},
		{"response required header missing", "31", "GET", "/v1/resp", h("X-Up-Body", `{"id":1}`), "", "", 502, true, "response-header-invalid"},
		{"response header invalid", "31", "GET", "/v1/resp", with(respOK, "X-Up-Rate", "500"), "", "", 502, true, "response-header-invalid"},
		{"response type mismatch", "31", "GET", "/v1/resp", with(respOK, "X-Up-Body", `{"id":"x"}`), "", "", 502, true, "response-body-invalid"},
		{"response writeOnly leaked", "31", "GET", "/v1/resp", with(respOK, "X-Up-Body", `{"id":1,"secret":"s"}`), "", "", 502, true, "write-only-property"},
		{"response undeclared property", "31", "GET", "/v1/resp", with(respOK, "X-Up-Body", `{"id":1,"debug":"x"}`), "", "", 502, true, "undeclared-property"},
		{"response undeclared status", "31", "GET", "/v1/resp", with(respOK, "X-Up-Status", "500"), "", "", 502, true, "response-status-undeclared"},
		// 304 answers a conditional GET whose cached copy is still good;
		// contracts seldom list it. To any other request it is undeclared.
		{"response 304 to If-None-Match", "31", "GET", "/v1/resp", with(respOK, "X-Up-Status", "304", "If-None-Match", `"v1"`), "", "", 304, true, ""},
		{"response 304 to If-Modified-Since", "31", "GET", "/v1/resp", with(respOK, "X-Up-Status", "304", "If-Modified-Since", "Wed, 21 Oct 2015 07:28:00 GMT"), "", "", 304, true, ""},
		{"response 304 to an unconditional GET", "31", "GET", "/v1/resp", with(respOK, "X-Up-Status", "304"), "", "", 502, true, "response-status-undeclared"},
		{"response declared error status", "31", "GET", "/v1/resp", h("X-Up-Status", "404", "X-Up-CT", "application/problem+json", "X-Up-Body", `{"title":"x"}`), "", "", 404, true, ""},
		{"response undeclared media type", "31", "GET", "/v1/resp", with(respOK, "X-Up-CT", "text/html"), "", "", 502, true, "response-media-type-undeclared"},
		{"response malformed JSON", "31", "GET", "/v1/resp", with(respOK, "X-Up-Body", `{"id":`), "", "", 502, true, "response-body-malformed"},
		{"response strip undeclared", "31", "GET", "/v1/resp-strip", h("X-Up-Body", `{"id":1,"debug":"x"}`), "", "", 200, true, ""},
		{"response strip writeOnly", "31", "GET", "/v1/resp-strip", h("X-Up-Body", `{"id":1,"secret":"s"}`), "", "", 200, true, ""},
		{"response strip still invalid", "31", "GET", "/v1/resp-strip", h("X-Up-Body", `{"id":"x"}`), "", "", 502, true, "response-body-invalid"},
		{"response monitor by config", "31", "GET", "/v1/resp-monitor", h("X-Up-Body", `{"id":"x"}`), "", "", 200, true, ""},
		{"response event stream exempt", "31", "GET", "/v1/stream", h("X-Up-CT", "text/event-stream", "X-Up-Body", "data: x"), "", "", 200, true, ""},
		// A media range (springdoc declares */* for everything) still
		// holds a JSON body to its schema; an opaque one stays opaque.
		{"response range, valid JSON", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-Body", `{"id":1}`), jsonCT, `{"ok":true}`, 200, true, ""},
		{"response range, undeclared property", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-Body", `{"id":1,"password_hash":"x"}`), jsonCT, `{"ok":true}`, 502, true, "undeclared-property"},
		{"response range, writeOnly leaked", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-Body", `{"id":1,"secret":"s"}`), jsonCT, `{"ok":true}`, 502, true, "write-only-property"},
		{"response range, opaque body", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-CT", "application/octet-stream", "X-Up-Body", "opaque bytes"), jsonCT, `{"ok":true}`, 200, true, ""},
		// The stream exemption is for streams the contract declares, not
		// for whatever a range covers.
		{"response range, labelled an event stream", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-CT", "text/event-stream", "X-Up-Body", `{"id":1,"secret":"s"}`), jsonCT, `{"ok":true}`, 502, true, ""},
		// Without a type the client reads the body as it likes (net/http
		// would even label it text/plain): nothing to validate it as.
		{"response range, no content type", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-CT", "none", "X-Up-Body", `{"id":1,"secret":"s"}`), jsonCT, `{"ok":true}`, 502, true, "response-media-type-undeclared"},
		{"response range, no content type, no body", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-CT", "none", "X-Up-Body", ""), jsonCT, `{"ok":true}`, 200, true, ""},
		// One field naming two types: browsers take the last (text/html).
		{"response range, a list of types in one field", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-CT", "application/json, text/html", "X-Up-Body", `{"id":1,"secret":"<script>"}`), jsonCT, `{"ok":true}`, 502, true, "response-media-type-undeclared"},
		{"request range, invalid JSON body", "31", "POST", "/v1/wild", h("X-Up-Status", "200", "X-Up-Body", `{"id":1}`), jsonCT, `{"ok":"yes"}`, 400, false, "type-mismatch"},
		{"response no content", "31", "DELETE", "/v1/items/9", nil, "", "", 204, true, ""},
		{"response monitor mode forwards invalid", "31m", "GET", "/v1/resp", h("X-Up-Status", "500"), "", "", 500, true, ""},
		// OpenAPI 3.0 semantics.
		{"3.0 nullable null", "30", "POST", "/things", nil, jsonCT, `{"name":null,"count":1}`, 201, true, ""},
		{"3.0 exclusiveMinimum boolean", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":0}`, 400, false, "schema-violation"},
		{"3.0 exclusiveMaximum false is inclusive", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":10}`, 201, true, ""},
		{"3.0 maximum", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":11}`, 400, false, "schema-violation"},
		{"3.0 readOnly refused", "30", "POST", "/things", nil, jsonCT, `{"id":1,"name":"a","count":1}`, 400, false, "read-only-property"},
		{"3.0 readOnly through $ref refused", "30", "POST", "/things", nil, jsonCT, `{"serial":"s-1","name":"a","count":1}`, 400, false, "read-only-property"},
		{"3.0 format date", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":1,"day":"2024-02-29"}`, 201, true, ""},
		{"3.0 format date invalid", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":1,"day":"2023-02-30"}`, 400, false, "schema-violation"},
		{"3.0 nullable enum admits null", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":1,"opt":null}`, 201, true, ""},
		{"3.0 nullable enum other value", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":1,"opt":"z"}`, 400, false, "schema-violation"},
		{"3.0 not nullable refuses null", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":1,"kind":null}`, 400, false, ""},
		{"3.0 strict objects", "30", "POST", "/things", nil, jsonCT, `{"name":"a","count":1,"x":1}`, 400, false, "undeclared-property"},
		{"3.0 type array is not 3.0", "30", "POST", "/things", nil, jsonCT, `{"name":5,"count":1}`, 400, false, "type-mismatch"},
		{"3.0 path uuid", "30", "GET", "/things/0b6f8f3c-1c4e-4a4f-9b7e-2a8e8c4d5e6f", nil, "", "", 200, true, ""},
		{"3.0 path uuid invalid", "30", "GET", "/things/12", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 query integer", "30", "GET", "/things/0b6f8f3c-1c4e-4a4f-9b7e-2a8e8c4d5e6f?v=3", nil, "", "", 200, true, ""},
		{"3.0 query integer invalid", "30", "GET", "/things/0b6f8f3c-1c4e-4a4f-9b7e-2a8e8c4d5e6f?v=x", nil, "", "", 400, false, "parameter-invalid"},
		// Swagger 2.0 through the same model.
		{"2.0 path", "20", "GET", "/api/pets/1", nil, "", "", 200, true, ""},
		{"2.0 path minimum", "20", "GET", "/api/pets/0", nil, "", "", 400, false, "parameter-invalid"},
		{"2.0 csv array", "20", "GET", "/api/pets/1?fields=a,b", nil, "", "", 200, true, ""},
		{"2.0 base path required", "20", "GET", "/pets/1", nil, "", "", 404, false, "route-not-found"},
		{"2.0 body", "20", "POST", "/api/pets", h("X-Up-Status", "200"), jsonCT, `{"name":"rex"}`, 200, true, ""},
		{"2.0 body maxLength", "20", "POST", "/api/pets", nil, jsonCT, `{"name":"rexrexrexrex"}`, 400, false, "schema-violation"},
		{"2.0 x-nullable", "20", "POST", "/api/pets", h("X-Up-Status", "200"), jsonCT, `{"name":"rex","age":null}`, 200, true, ""},
		{"2.0 minimum", "20", "POST", "/api/pets", nil, jsonCT, `{"name":"rex","age":-1}`, 400, false, "schema-violation"},
		{"2.0 strict objects", "20", "POST", "/api/pets", nil, jsonCT, `{"name":"rex","owner":"x"}`, 400, false, "undeclared-property"},
		{"2.0 consumes", "20", "POST", "/api/pets", nil, "text/plain", `rex`, 415, false, "unsupported-media-type"},
	}
	cs = append(cs, e2eBodyCases()...)
	cs = append(cs, e2eParamCases()...)
	return cs
}

// e2eFirewalls starts the firewalls of the table, one per spec/config.
func e2eFirewalls(t *testing.T, up *upstream) map[string]*Server {
	base := Config{Upstream: "http://" + up.addr}
	c31 := base
	c31.Spec = "testdata/api31.yaml"
	c31.Operations = map[string]plan.OpConfig{
		"tight":       {Mode: "monitor"},
		"respMonitor": {ResponseMode: "monitor"},
		"respStrip":   {ResponseMode: "strip"},
	}
	c31m := c31
	c31m.Mode = "monitor"
	c31m.AllowSpecOverrides = true
	c30 := base
	c30.Spec = "testdata/api30.yaml"
	c20 := base
	c20.Spec = "testdata/swagger20.yaml"
	cBodies := base
	cBodies.Spec = "testdata/e2e-bodies.yaml"
	cParams := base
	cParams.Spec = "testdata/e2e-params.yaml"
	cParams.Operations = map[string]plan.OpConfig{"getArn": {AllowEncodedSlash: true}}
	return map[string]*Server{
		"bodies": startFirewall(t, cBodies, nil),
		"params": startFirewall(t, cParams, nil),
		"31":     startFirewall(t, c31, nil),
		"31m":    startFirewall(t, c31m, nil),
		"30":     startFirewall(t, c30, nil),
		"20":     startFirewall(t, c20, nil),
	}
}

func TestEndToEnd(t *testing.T) {
	up := startUpstream(t)
	fws := e2eFirewalls(t, up)
	cases := e2eCases()
	if len(cases) < 150 {
		t.Errorf("the table has %d cases; the contract asks for at least 150", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkE2ECase(t, fws[c.fw], up, c) })
	}
}

// checkE2ECase sends c to fw and checks the status, whether the upstream
// got the request, and, for the firewall's own answers, the problem
// document: its reason, type, status and request id.
func checkE2ECase(t *testing.T, fw *Server, up *upstream, c e2eCase) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, "http://"+fw.Addr()+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.ct != "" {
		req.Header.Set("Content-Type", c.ct)
	}
	for k, v := range c.hdr {
		req.Header.Add(k, v) // keys differing in case add several lines
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	id := resp.Header.Get(RequestIDHeader)
	if id == "" {
		t.Fatal("no request id in the response")
	}
	if resp.StatusCode != c.status {
		t.Errorf("status %d, want %d; body %s", resp.StatusCode, c.status, rb)
	}
	if got := up.reached(id); got != c.reached {
		t.Errorf("upstream reached = %v, want %v", got, c.reached)
	}
	ours := !c.reached || c.status == 502 || c.status == 504
	if ours && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") && c.method != "HEAD" {
		var p struct {
			Type, Reason, Detail, RequestID string `json:"-"`
		}
		var raw map[string]any
		if err := json.Unmarshal(rb, &raw); err != nil {
			t.Fatalf("problem body is not JSON: %v", err)
		}
		p.Reason, _ = raw["reason"].(string)
		p.RequestID, _ = raw["request_id"].(string)
		p.Type, _ = raw["type"].(string)
		if p.RequestID != id {
			t.Errorf("problem request_id %q, header %q", p.RequestID, id)
		}
		if p.Type != "urn:rampart:problem:"+p.Reason {
			t.Errorf("problem type %q does not match reason %q", p.Type, p.Reason)
		}
		if st, _ := raw["status"].(float64); int(st) != resp.StatusCode {
			t.Errorf("problem status %v, response %d", raw["status"], resp.StatusCode)
		}
		if c.reason != "" && p.Reason != c.reason {
			t.Errorf("reason %q, want %q (detail: %v)", p.Reason, c.reason, raw["detail"])
		}
	} else if c.reason != "" {
		t.Errorf("want a problem with reason %q, got %s %q", c.reason, resp.Header.Get("Content-Type"), rb)
	}
	if c.status == 405 && resp.Header.Get("Allow") == "" {
		t.Error("405 without Allow")
	}
}
