package firewall

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
)

// crlf joins lines with CRLF, so multipart bodies can be written line by
// line with their framing spelled out.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") }

// field is one multipart part with boundary B: a disposition line, any
// further header lines, the empty line and the value.
func field(disposition string, value string, headers ...string) string {
	return crlf(append(append([]string{"--B", "Content-Disposition: " + disposition}, headers...), "", value)...)
}

const (
	mpB       = "multipart/form-data; boundary=B"
	formCT    = "application/x-www-form-urlencoded"
	closeB    = "--B--\r\n"
	uploadURL = "/v1/bodies/upload"
	partsURL  = "/v1/bodies/parts"
)

// parts is a multipart body with boundary B of text fields, given as
// name, value pairs.
func parts(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(field(`form-data; name="`+kv[i]+`"`, kv[i+1]) + "\r\n")
	}
	return b.String() + closeB
}

// e2eBodyCases are the end-to-end cases about request bodies read the way
// lenient upstream parsers read them (multipart framing and parts,
// url-encoded forms), against firewall "bodies" (testdata/e2e-bodies.yaml).
func e2eBodyCases() []e2eCase {
	name := func(v string) string { return field(`form-data; name="name"`, v) + "\r\n" }
	ok := name("pen") + closeB
	hidden := field(`form-data; name="role"`, "admin") + "\r\n"
	long := strings.Repeat("b", 71)
	// An "or" expression nested 28 deep (56 JSON levels, under the
	// default limit of 64): through a plain oneOf, 2^28 subtree visits.
	expr := `{"value":"x"}`
	for range 28 {
		expr = `{"op":"or","args":[` + expr + `]}`
	}
	tree := func(depth int) string {
		v := `{"id":1}`
		for range depth {
			v = `{"id":1,"children":[` + v + `]}`
		}
		return v
	}
	words := func(n, letters int) string { // a JSON array of n words
		return "[" + strings.TrimSuffix(strings.Repeat(`"`+strings.Repeat("a", letters)+`",`, n), ",") + "]"
	}
	// numbered is a JSON array of n strings, format numbering each, the
	// last one replaced when given.
	numbered := func(format string) func(n int, last string) string {
		return func(n int, last string) string {
			items := make([]string, n)
			for i := range items {
				items[i] = strconv.Quote(fmt.Sprintf(format, i))
			}
			if last != "" {
				items[n-1] = strconv.Quote(last)
			}
			return "[" + strings.Join(items, ",") + "]"
		}
	}
	arns := numbered("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/%040d:*") // 100 bytes each
	roles := numbered("arn:aws:iam::123456789012:role/service-role/%055d")                // IAM role ARNs of 100 bytes
	ctl := func(b string) string { return strings.ReplaceAll(ok, "--B", "--"+b) }
	return []e2eCase{
		{"bodies form accepted", "bodies", "POST", "/v1/bodies/form", nil, formCT, "name=pen&count=3", 201, true, ""},
		// oneOf of objects that require nothing: each value is read by
		// the branch whose properties it has, and one mixing both or
		// adding another is refused.
		// A text body whose schema describes the data it encodes (CSV
		// rows) is not held to it as a string; a string schema still is.
		{"bodies multipart array of objects as items", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="entities"`, `{"kind":"bold"}`, "Content-Type: application/json") + "\r\n" + field(`form-data; name="entities"`, `{"kind":"link"}`, "Content-Type: application/json") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart array of objects as one array", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="entities"`, `[{"kind":"bold"},{"kind":"link"}]`, "Content-Type: application/json") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart array of objects in both forms", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="entities"`, `[{"kind":"bold"}]`, "Content-Type: application/json") + "\r\n" + field(`form-data; name="entities"`, `{"kind":"link"}`, "Content-Type: application/json") + "\r\n" + closeB, 400, false, "parameter-ambiguous"},
		{"bodies multipart array of objects, an item invalid", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="entities"`, `{"kind":"italic"}`, "Content-Type: application/json") + "\r\n" + closeB, 400, false, "schema-violation"},
		{"bodies multipart whose schema is a file", "bodies", "POST", "/v1/bodies/attachment", nil, "multipart/form-data; boundary=B", field(`form-data; name="file"; filename="a.bin"`, "bytes") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart whose schema is a file still framed", "bodies", "POST", "/v1/bodies/attachment", nil, "multipart/form-data; boundary=B", field(`form-data; name="file"; filename="a.bin"`, "bytes"), 400, false, "invalid-form"},
		{"bodies text/csv with an array schema", "bodies", "POST", "/v1/bodies/csv", nil, "text/csv", "sku\npen\n", 201, true, ""},
		{"bodies text/csv with an array schema still UTF-8", "bodies", "POST", "/v1/bodies/csv", nil, "text/csv", "sku\np\xffn\n", 400, false, "invalid-utf8"},
		{"bodies text/plain with a string schema", "bodies", "POST", "/v1/bodies/csv", nil, "text/plain", "pen", 201, true, ""},
		{"bodies text/plain too long", "bodies", "POST", "/v1/bodies/csv", nil, "text/plain", "a pen and a pencil", 400, false, "schema-violation"},
		// NUL is refused in text bodies as in every other string value.
		{"bodies text/plain holding NUL", "bodies", "POST", "/v1/bodies/csv", nil, "text/plain", "a\x00b", 400, false, "invalid-utf8"},
		// A union whose branches op selects is validated through the
		// selected branch only: linear in the body, same verdicts.
		{"bodies selected union nested 28 deep", "bodies", "POST", "/v1/bodies/expr", nil, jsonCT, expr, 201, true, ""},
		{"bodies selected union bad leaf deep down", "bodies", "POST", "/v1/bodies/expr", nil, jsonCT, strings.Replace(expr, `"x"`, `7`, 1), 400, false, "schema-violation"},
		{"bodies selected union undeclared property deep down", "bodies", "POST", "/v1/bodies/expr", nil, jsonCT, strings.Replace(expr, `"value":"x"`, `"value":"x","admin":true`, 1), 400, false, "schema-violation"},
		{"bodies selected union unknown op", "bodies", "POST", "/v1/bodies/expr", nil, jsonCT, `{"op":"xor","args":[]}`, 400, false, "schema-violation"},
		// A union no chain can select: the work is counted before the
		// engine runs, and a value that would take more than a linear
		// bound is refused unvalidated (2^28 visits here).
		{"bodies costly union shallow", "bodies", "POST", "/v1/bodies/tree", nil, jsonCT, tree(5), 201, true, ""},
		{"bodies costly union wide", "bodies", "POST", "/v1/bodies/tree", nil, jsonCT, `{"id":1,"children":[` + strings.TrimSuffix(strings.Repeat(`{"name":"n","children":[]},`, 2000), ",") + `]}`, 201, true, ""},
		{"bodies costly union deep", "bodies", "POST", "/v1/bodies/tree", nil, jsonCT, tree(28), 400, false, "body-too-costly"},
		// A number the schema engine would read into an exact rational
		// in time quadratic in its digits.
		{"bodies number too long", "bodies", "POST", "/v1/bodies/tree", nil, jsonCT, `{"id":1` + strings.Repeat("0", 300) + `}`, 400, false, "json-number-too-long"},
		// A repetition above RE2's limit of 1000, anchored at both
		// ends: its bound is the string's length, and is enforced.
		{"bodies pattern repeated above RE2's limit at its bound", "bodies", "POST", "/v1/bodies/note", nil, jsonCT, `{"note":"` + strings.Repeat("a", 1500) + `"}`, 201, true, ""},
		{"bodies pattern repeated above RE2's limit beyond its bound", "bodies", "POST", "/v1/bodies/note", nil, jsonCT, `{"note":"` + strings.Repeat("a", 1501) + `"}`, 400, false, "schema-violation"},
		{"bodies pattern repeated above RE2's limit, other character", "bodies", "POST", "/v1/bodies/note", nil, jsonCT, `{"note":"` + strings.Repeat("a", 1200) + `1"}`, 400, false, "schema-violation"},
		// A string matched against a pattern whose RE2 program is large
		// and can start anywhere: counted as length times program size
		// (one 1 MB string took 12 s of matching).
		{"bodies heavy pattern matched", "bodies", "POST", "/v1/bodies/heavy", nil, jsonCT, `{"code":"id x42abc!"}`, 201, true, ""},
		{"bodies heavy pattern not matched", "bodies", "POST", "/v1/bodies/heavy", nil, jsonCT, `{"code":"x42"}`, 400, false, "schema-violation"},
		{"bodies heavy pattern long string", "bodies", "POST", "/v1/bodies/heavy", nil, jsonCT, `{"code":"` + strings.Repeat("x", 1000000) + `"}`, 400, false, "body-too-costly"},
		// Matches anywhere but begins with a literal: each string is
		// counted by the literal's occurrences in it (2,000 ARNs of 100
		// bytes were refused when each counted its length times the
		// 1,068-instruction program); a string of nothing but the
		// literal is still counted at every occurrence.
		{"bodies literal-led pattern, many ARNs", "bodies", "POST", "/v1/bodies/arns", nil, jsonCT, arns(2000, ""), 201, true, ""},
		{"bodies literal-led pattern, one not an ARN", "bodies", "POST", "/v1/bodies/arns", nil, jsonCT, arns(2000, "role/x"), 400, false, "schema-violation"},
		{"bodies literal-led pattern, the literal repeated", "bodies", "POST", "/v1/bodies/arns", nil, jsonCT, arns(1, strings.Repeat("arn:aws", 100000)), 400, false, "body-too-costly"},
		// Every alternative anchored (RE2 reads the pattern as matching
		// anywhere): 2,000 role ARNs of 100 bytes were counted at the
		// whole program per character and refused.
		{"bodies alternatives all anchored, many role ARNs", "bodies", "POST", "/v1/bodies/roles", nil, jsonCT, roles(2000, ""), 201, true, ""},
		{"bodies alternatives all anchored, one not a role", "bodies", "POST", "/v1/bodies/roles", nil, jsonCT, roles(2000, "arn:aws:iam::123456789012:user/x"), 400, false, "schema-violation"},
		// Anchored, with repetitions that overlap: each word of up to
		// 2,000 letters is counted at the program's 4,004 instructions
		// (600 words of 1,500 letters took 7 s of matching).
		{"bodies format regex valid", "bodies", "POST", "/v1/bodies/regexes", nil, jsonCT, `["^[a-z]+$","a{2,3}(?:b|c)"]`, 201, true, ""},
		{"bodies format regex invalid", "bodies", "POST", "/v1/bodies/regexes", nil, jsonCT, `["[a-"]`, 400, false, "schema-violation"},
		// 100 values that compile to a million instructions each: a
		// second each to compile, a millisecond to parse.
		{"bodies format regex large programs", "bodies", "POST", "/v1/bodies/regexes", nil, jsonCT, "[" + strings.TrimSuffix(strings.Repeat(`"`+strings.Repeat("a{1000}", 1000)+`",`, 100), ",") + "]", 201, true, ""},
		{"bodies format regex large programs as literals", "bodies", "POST", "/v1/bodies/regexes", nil, jsonCT, "[" + strings.TrimSuffix(strings.Repeat(`"/^`+strings.Repeat("a{1000}", 1000)+`$/",`, 100), ",") + "]", 201, true, ""},
		{"bodies overlapping pattern words", "bodies", "POST", "/v1/bodies/overlap", nil, jsonCT, words(3, 2000), 201, true, ""},
		{"bodies overlapping pattern many words", "bodies", "POST", "/v1/bodies/overlap", nil, jsonCT, words(600, 1500), 400, false, "body-too-costly"},
		{"bodies costly union invalid", "bodies", "POST", "/v1/bodies/tree", nil, jsonCT, `{"id":"one"}`, 400, false, "schema-violation"},
		{"bodies oneOf first branch", "bodies", "POST", "/v1/bodies/cursor", nil, jsonCT, `{"cursor":"abc"}`, 201, true, ""},
		{"bodies oneOf second branch", "bodies", "POST", "/v1/bodies/cursor", nil, jsonCT, `{"limit":10,"start_time":"2026-01-02T03:04:05Z"}`, 201, true, ""},
		{"bodies oneOf both branches", "bodies", "POST", "/v1/bodies/cursor", nil, jsonCT, `{"cursor":"abc","limit":10}`, 400, false, ""},
		{"bodies oneOf undeclared property", "bodies", "POST", "/v1/bodies/cursor", nil, jsonCT, `{"cursor":"abc","admin":true}`, 400, false, ""},
		{"bodies oneOf branch constraint", "bodies", "POST", "/v1/bodies/cursor", nil, jsonCT, `{"limit":0}`, 400, false, "schema-violation"},
		// An XML body is not text to hold to an object schema as a
		// string: its schema describes the document's data.
		{"bodies text/xml with an object schema", "bodies", "POST", "/v1/bodies/xml", nil, "text/xml", `<item><name>pen</name></item>`, 201, true, ""},
		// A content key with parameters is matched by its type and
		// subtype, and its schema applies.
		{"bodies media key with a charset matches plain JSON", "bodies", "POST", "/v1/bodies/charsetkey", nil, "application/json", `{"name":"pen"}`, 201, true, ""},
		{"bodies media key with a charset matches the same charset", "bodies", "POST", "/v1/bodies/charsetkey", nil, "application/json; charset=utf-8", `{"name":"pen"}`, 201, true, ""},
		{"bodies media key with a charset validates the schema", "bodies", "POST", "/v1/bodies/charsetkey", nil, "application/json", `{"name":"pencil"}`, 400, false, "schema-violation"},
		{"bodies media key with a charset other type", "bodies", "POST", "/v1/bodies/charsetkey", nil, "text/plain", `pen`, 415, false, "unsupported-media-type"},
		// An object (or nested array) field without an encoding style
		// is JSON text, OpenAPI's default content type for objects.
		{"bodies deepObject field with an array of objects", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Blines%5D%5B0%5D%5Bsku%5D=pen&filter%5Blines%5D%5B0%5D%5Bqty%5D=2&filter%5Blines%5D%5B1%5D%5Bsku%5D=ink", 201, true, ""},
		{"bodies deepObject nested item invalid", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Blines%5D%5B0%5D%5Bsku%5D=pen&filter%5Blines%5D%5B0%5D%5Bqty%5D=0", 400, false, "schema-violation"},
		{"bodies deepObject nested item missing a required property", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Blines%5D%5B0%5D%5Bqty%5D=2", 400, false, ""},
		{"bodies deepObject index out of order", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Blines%5D%5B1%5D%5Bsku%5D=pen", 400, false, "parameter-ambiguous"},
		{"bodies deepObject nested undeclared property", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Blines%5D%5B0%5D%5Bsku%5D=pen&filter%5Blines%5D%5B0%5D%5Badmin%5D=1", 400, false, "undeclared-property"},
		{"bodies form object field as JSON", "bodies", "POST", "/v1/bodies/formobject", nil, formCT, "name=pen&address=%7B%22city%22%3A%22Oslo%22%7D", 201, true, ""},
		{"bodies form object field with an undeclared key", "bodies", "POST", "/v1/bodies/formobject", nil, formCT, "address=%7B%22role%22%3A%22admin%22%7D", 400, false, "undeclared-property"},
		{"bodies form object field that is not JSON", "bodies", "POST", "/v1/bodies/formobject", nil, formCT, "address=Oslo", 400, false, "invalid-json"},
		{"bodies form nested array items as JSON", "bodies", "POST", "/v1/bodies/formobject", nil, formCT, "grid=%5B1%2C2%5D&grid=%5B3%5D", 201, true, ""},
		{"bodies form nested array item of the wrong type", "bodies", "POST", "/v1/bodies/formobject", nil, formCT, "grid=%5B%22x%22%5D", 400, false, "type-mismatch"},
		// An integer field takes plain decimal integers only, as parameters
		// do: parseInt("1e3") is 1, (int)"1e3" is 1000 in PHP.
		{"bodies form integer with an exponent", "bodies", "POST", "/v1/bodies/form", nil, formCT, "name=pen&count=1e3", 400, false, "type-mismatch"},
		{"bodies form integer with a fraction", "bodies", "POST", "/v1/bodies/form", nil, formCT, "name=pen&count=100.0", 400, false, "type-mismatch"},
		{"bodies multipart integer with an exponent", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="count"`, "1000e-1") + "\r\n" + closeB, 400, false, "type-mismatch"},
		{"bodies multipart integer accepted", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="count"`, "-7") + "\r\n" + closeB, 201, true, ""},

		// Multipart delimiter framing.
		{"bodies multipart accepted", "bodies", "POST", uploadURL, nil, mpB, ok, 201, true, ""},
		{"bodies multipart transport padding after a delimiter", "bodies", "POST", uploadURL, nil, mpB, strings.Replace(ok, "--B\r\n", "--B \t\r\n", 1), 201, true, ""},
		{"bodies multipart preamble without the boundary", "bodies", "POST", uploadURL, nil, mpB, "preamble\r\n" + ok, 201, true, ""},
		{"bodies multipart delimiter inside the preamble", "bodies", "POST", uploadURL, nil, mpB, "x--B\r\nContent-Disposition: form-data; name=\"role\"\r\n\r\nadmin\r\n" + ok, 400, false, "invalid-form"},
		{"bodies multipart part hidden in the epilogue", "bodies", "POST", uploadURL, nil, mpB, ok + hidden + closeB, 400, false, "invalid-form"},
		{"bodies multipart delimiter with trailing characters", "bodies", "POST", uploadURL, nil, mpB, strings.Replace(ok, "--B\r\n", "--B junk\r\n", 1), 400, false, "invalid-form"},
		{"bodies multipart boundary prefix of a longer line", "bodies", "POST", uploadURL, nil, mpB, name("pen") + "--BX\r\n" + hidden + closeB, 400, false, "invalid-form"},
		{"bodies multipart delimiter after a bare LF", "bodies", "POST", uploadURL, nil, mpB, strings.Replace(ok, "pen\r\n--B--", "pen\n--B--", 1), 400, false, "invalid-form"},
		{"bodies multipart delimiter line ending in a bare LF", "bodies", "POST", uploadURL, nil, mpB, strings.Replace(ok, "--B\r\n", "--B\n", 1), 400, false, "invalid-form"},

		// The boundary parameter.
		{"bodies multipart two boundary parameters", "bodies", "POST", uploadURL, nil, "multipart/form-data; boundary=B; boundary=C", ok, 400, false, "invalid-form"},
		{"bodies multipart boundary inside another parameter", "bodies", "POST", uploadURL, nil, `multipart/form-data; x="boundary=C"; boundary=B`, ok, 400, false, "invalid-form"},
		{"bodies multipart empty boundary", "bodies", "POST", uploadURL, nil, `multipart/form-data; boundary=""`, ok, 400, false, "invalid-form"},
		{"bodies multipart boundary over 70 characters", "bodies", "POST", uploadURL, nil, "multipart/form-data; boundary=" + long, ctl(long), 400, false, "invalid-form"},
		{"bodies multipart boundary outside bchars", "bodies", "POST", uploadURL, nil, `multipart/form-data; boundary="B{"`, ctl("B{"), 400, false, "invalid-form"},
		{"bodies multipart boundary with a backslash", "bodies", "POST", uploadURL, nil, `multipart/form-data; boundary="\B"`, ok, 400, false, "invalid-form"},
		{"bodies multipart boundary after a space", "bodies", "POST", uploadURL, nil, "multipart/form-data; boundary= B", ok, 400, false, "invalid-form"},
		{"bodies multipart extended boundary parameter", "bodies", "POST", uploadURL, nil, "multipart/form-data; boundary=B; boundary*=utf-8''C", ok, 415, false, "unsupported-media-type"},
		{"bodies multipart browser boundary accepted", "bodies", "POST", uploadURL, nil, "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", ctl("----WebKitFormBoundary7MA4YWxkTrZu0gW"), 201, true, ""},
		{"bodies multipart quoted boundary accepted", "bodies", "POST", uploadURL, nil, `multipart/form-data; boundary="B"`, ok, 201, true, ""},

		// Charset parameters.
		{"bodies multipart latin-1 charset on the body", "bodies", "POST", uploadURL, nil, "multipart/form-data; charset=iso-8859-1; boundary=B", ok, 415, false, "unsupported-media-type"},
		{"bodies multipart utf-8 charset on the body accepted", "bodies", "POST", uploadURL, nil, "multipart/form-data; charset=utf-8; boundary=B", ok, 201, true, ""},
		{"bodies form charset latin-1", "bodies", "POST", "/v1/bodies/form", nil, formCT + "; charset=iso-8859-1", "name=pen", 415, false, "unsupported-media-type"},
		{"bodies form extended charset", "bodies", "POST", "/v1/bodies/form", nil, formCT + "; charset=iso-8859-1; charset*=utf-8''utf-8", "name=pen", 415, false, "unsupported-media-type"},
		{"bodies form utf-8 charset accepted", "bodies", "POST", "/v1/bodies/form", nil, formCT + "; charset=UTF-8", "name=pen", 201, true, ""},

		// Part headers.
		{"bodies multipart part charset utf-7", "bodies", "POST", uploadURL, nil, mpB, field(`form-data; name="name"`, "pen", "Content-Type: text/plain; charset=utf-7") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"bodies multipart part utf-8 text accepted", "bodies", "POST", uploadURL, nil, mpB, field(`form-data; name="name"`, "pen", "Content-Type: text/plain; charset=UTF-8") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart json part for a text field", "bodies", "POST", uploadURL, nil, mpB, field(`form-data; name="name"`, `"pen"`, "Content-Type: application/json") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"bodies multipart text part for an object field", "bodies", "POST", uploadURL, nil, mpB, ok[:len(ok)-len(closeB)] + field(`form-data; name="meta"`, `{"q":"x"}`, "Content-Type: text/plain") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"bodies multipart json part for an object field accepted", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="meta"`, `{"q":"x"}`, "Content-Type: application/json") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart part type outside its encoding", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="avatar"; filename="a.svg"`, `<svg/>`, "Content-Type: image/svg+xml") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"bodies multipart part type in its encoding accepted", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="avatar"; filename="a.png"`, "\x89PNG\x00", "Content-Type: image/png") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart file part accepted", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="doc"; filename="a.pdf"`, "%PDF\x00", "Content-Type: application/pdf") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart nested multipart/mixed", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="doc"`, crlf("--C", "Content-Disposition: file; filename=\"a.txt\"", "", "x", "--C--"), "Content-Type: multipart/mixed; boundary=C") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart two transfer encodings", "bodies", "POST", uploadURL, nil, mpB, field(`form-data; name="name"`, "pen", "Content-Transfer-Encoding: 8bit", "Content-Transfer-Encoding: base64") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart bare LF in a part header", "bodies", "POST", uploadURL, nil, mpB, crlf("--B", "Content-Disposition: form-data; name=\"name\"\nX-Note: 1", "", "pen") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart folded part header", "bodies", "POST", uploadURL, nil, mpB, crlf("--B", "Content-Disposition: form-data;", ` name="name"`, "", "pen") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart name with a backslash escape", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="na\"me"`, "x") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart unquoted name with a quote", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name=na"me`, "x") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart encoded-word name", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="=?utf-8?B?cm9sZQ==?="`, "admin") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart encoded-word filename", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="doc"; filename="=?utf-8?Q?a.php?="`, "x") + "\r\n" + closeB, 400, false, "invalid-form"},
		{"bodies multipart NUL in a field value", "bodies", "POST", uploadURL, nil, mpB, name("pen\x00.jpg") + closeB, 400, false, "invalid-utf8"},
		{"bodies multipart empty filename on a text field", "bodies", "POST", uploadURL, nil, mpB, field(`form-data; name="name"; filename=""`, "pen") + "\r\n" + closeB, 400, false, "parameter-ambiguous"},
		{"bodies multipart empty filename beside the field", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="note"; filename=""`, "x") + "\r\n" + closeB, 400, false, "parameter-ambiguous"},
		{"bodies multipart empty file input accepted", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="doc"; filename=""`, "", "Content-Type: application/octet-stream") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart empty filename on an image field accepted", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field(`form-data; name="avatar"; filename=""`, "", "Content-Type: image/png") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart NUL in a filename", "bodies", "POST", uploadURL, nil, mpB, name("pen") + field("form-data; name=\"doc\"; filename=\"a.php\x00.png\"", "x") + "\r\n" + closeB, 400, false, "invalid-utf8"},

		// Form encoding objects (style, explode).
		{"bodies form array explode false", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "tags=a,b", 201, true, ""},
		{"bodies form array explode false repeated", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "tags=a&tags=b", 400, false, "parameter-ambiguous"},
		{"bodies form array explode true", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "ids=1&ids=2", 201, true, ""},
		{"bodies form array explode true joined", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "ids=1,2", 400, false, "type-mismatch"},
		{"bodies form array pipe delimited", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "pipes=1%7C2", 201, true, ""},
		{"bodies form array pipe delimited wrong item", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "pipes=1%7Cx", 400, false, "type-mismatch"},
		{"bodies form deepObject", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Bkind%5D=a&filter%5Bmax%5D=3", 201, true, ""},
		{"bodies form deepObject wrong type", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Bmax%5D=x", 400, false, "type-mismatch"},
		{"bodies form deepObject undeclared property", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Brole%5D=admin", 400, false, "undeclared-property"},
		{"bodies form deepObject sent as a plain field", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter=x", 400, false, "invalid-form"},
		{"bodies form deepObject beside a plain field", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "filter%5Bkind%5D=a&filter=x", 400, false, "parameter-ambiguous"},
		// A deepObject field that is an array of objects (Stripe's
		// subscription items): indices in order, each item validated.
		{"bodies form deepObject array of objects", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "items%5B0%5D%5Bprice%5D=price_1&items%5B0%5D%5Bquantity%5D=2&items%5B1%5D%5Bprice%5D=price_2", 201, true, ""},
		{"bodies form deepObject array of objects, item invalid", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "items%5B0%5D%5Bprice%5D=price_1&items%5B0%5D%5Bquantity%5D=0", 400, false, "schema-violation"},
		{"bodies form deepObject array of objects, item missing a property", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "items%5B0%5D%5Bquantity%5D=2", 400, false, ""},
		{"bodies form deepObject array of objects, undeclared property", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "items%5B0%5D%5Bprice%5D=p&items%5B0%5D%5Badmin%5D=1", 400, false, "undeclared-property"},
		{"bodies form deepObject array of objects, index out of order", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "items%5B1%5D%5Bprice%5D=p", 400, false, "parameter-ambiguous"},
		// A deepObject field whose schema admits a string too: "" under
		// the bare name clears it (Stripe's metadata=), as typed.
		{"bodies form deepObject or string, cleared", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "metadata=", 201, true, ""},
		{"bodies form deepObject or string, object", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "metadata%5Border%5D=42", 201, true, ""},
		{"bodies form deepObject or string, other string", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "metadata=x", 400, false, "schema-violation"},
		{"bodies form deepObject or string, both", "bodies", "POST", "/v1/bodies/encoded", nil, formCT, "metadata=&metadata%5Border%5D=42", 400, false, "parameter-ambiguous"},
		// OpenAPI 3.1: the encoding's style and explode apply to multipart parts.
		{"bodies multipart 3.1 array explode false as one part", "bodies", "POST", partsURL, nil, mpB, parts("tags", "a,b"), 201, true, ""},
		{"bodies multipart 3.1 array explode false item invalid", "bodies", "POST", partsURL, nil, mpB, parts("tags", "a,B"), 400, false, "schema-violation"},
		{"bodies multipart 3.1 array explode false repeated", "bodies", "POST", partsURL, nil, mpB, parts("tags", "a", "tags", "b"), 400, false, "parameter-ambiguous"},
		{"bodies multipart 3.1 array exploded as parts", "bodies", "POST", partsURL, nil, mpB, parts("ids", "1", "ids", "2"), 201, true, ""},
		{"bodies multipart 3.1 array exploded sent joined", "bodies", "POST", partsURL, nil, mpB, parts("ids", "1,2"), 400, false, "type-mismatch"},
		{"bodies multipart 3.1 styled part's contentType ignored", "bodies", "POST", partsURL, nil, mpB, parts("ids", "[1,2]"), 400, false, "type-mismatch"},
		{"bodies multipart 3.1 pipe delimited", "bodies", "POST", partsURL, nil, mpB, parts("pipes", "1|2"), 201, true, ""},
		{"bodies multipart 3.1 pipe delimited wrong item", "bodies", "POST", partsURL, nil, mpB, parts("pipes", "1|x"), 400, false, "type-mismatch"},
		{"bodies multipart 3.1 deepObject parts", "bodies", "POST", partsURL, nil, mpB, parts("filter[kind]", "a", "filter[max]", "3"), 201, true, ""},
		{"bodies multipart 3.1 deepObject wrong type", "bodies", "POST", partsURL, nil, mpB, parts("filter[max]", "x"), 400, false, "type-mismatch"},
		{"bodies multipart 3.1 deepObject undeclared property", "bodies", "POST", partsURL, nil, mpB, parts("filter[role]", "admin"), 400, false, "undeclared-property"},
		{"bodies multipart 3.1 deepObject sent as one part", "bodies", "POST", partsURL, nil, mpB, parts("filter", `{"kind":"a"}`), 400, false, "invalid-form"},
		{"bodies multipart 3.1 a styled file is still an upload", "bodies", "POST", partsURL, nil, mpB, field(`form-data; name="avatar"; filename="a.png"`, "png", "Content-Type: image/png") + "\r\n" + closeB, 201, true, ""},
		// Patterns in ECMA-262 and Java spellings are run as RE2 spells them.
		{"3.0 pattern with unicode escapes", "30", "GET", "/labels/ABC?note=abc1", nil, "", "", 200, true, ""},
		{"3.0 pattern with unicode escapes refused", "30", "GET", "/labels/abc", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 pattern with a Java class refused", "30", "GET", "/labels/ABC?note=a-b", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 pattern \\S takes a tag", "30", "GET", "/labels/ABC?tag=caf%C3%A9", nil, "", "", 200, true, ""},
		{"3.0 pattern \\S refuses a no-break space (ECMA-262's \\s is Unicode)", "30", "GET", "/labels/ABC?tag=a%C2%A0b", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 pattern \\S refuses a line separator", "30", "GET", "/labels/ABC?tag=a%E2%80%A8b", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 pattern written as a JavaScript literal is read as one", "30", "GET", "/labels/ABC?code=AbC", nil, "", "", 200, true, ""},
		{"3.0 pattern written as a JavaScript literal still refuses", "30", "GET", "/labels/ABC?code=ab1", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 integer enum written as strings takes the number", "30", "GET", "/labels/ABC?stars=5", nil, "", "", 200, true, ""},
		{"3.0 integer enum written as strings refuses others", "30", "GET", "/labels/ABC?stars=4", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 string enum written as numbers takes the text", "30", "GET", "/labels/ABC?tier=2", nil, "", "", 200, true, ""},
		{"3.0 string enum written as numbers refuses others", "30", "GET", "/labels/ABC?tier=3", nil, "", "", 400, false, "parameter-invalid"},
		{"3.0 pattern with a long repetition still bounded by maxLength", "30", "GET", "/labels/ABC?note=" + strings.Repeat("a", 3001), nil, "", "", 400, false, "parameter-invalid"},
		// OpenAPI 3.0 ignores them there: an array is one part per item.
		{"3.0 multipart style ignored: parts per item", "30", "POST", "/things/labels", nil, mpB, parts("ids", "1", "ids", "2"), 201, true, ""},
		{"3.0 multipart style ignored: joined items are one string", "30", "POST", "/things/labels", nil, mpB, parts("ids", "1,2"), 400, false, "type-mismatch"},
		{"3.0 required name declared nowhere is sendable", "30", "POST", "/things/revoke", nil, jsonCT, `{"token":"t","grant_type":"refresh_token"}`, 201, true, ""},
		{"3.0 required name declared nowhere is still required", "30", "POST", "/things/revoke", nil, jsonCT, `{"token":"t"}`, 400, false, "missing-property"},
		{"3.0 required name declared nowhere: others still refused", "30", "POST", "/things/revoke", nil, jsonCT, `{"token":"t","grant_type":"g","role":"admin"}`, 400, false, "undeclared-property"},
		{"3.0 additionalProperties false beside allOf admits the member's properties", "30", "POST", "/things/bundles", nil, jsonCT, `{"name":"box","size":3}`, 201, true, ""},
		{"3.0 additionalProperties false beside allOf: the member still validates", "30", "POST", "/things/bundles", nil, jsonCT, `{"name":"far too long a name","size":3}`, 400, false, "schema-violation"},
		{"3.0 additionalProperties false beside allOf: undeclared refused", "30", "POST", "/things/bundles", nil, jsonCT, `{"name":"box","role":"admin"}`, 400, false, "undeclared-property"},

		// Prototype-polluting field names.
		{"bodies form __proto__ field", "bodies", "POST", "/v1/bodies/free", nil, formCT, "__proto__%5Badmin%5D=1", 400, false, "json-prototype-key"},
		{"bodies form constructor prototype field", "bodies", "POST", "/v1/bodies/free", nil, formCT, "constructor%5Bprototype%5D%5Badmin%5D=1", 400, false, "json-prototype-key"},
		{"bodies form dotted __proto__ field", "bodies", "POST", "/v1/bodies/free", nil, formCT, "a.__proto__.admin=1", 400, false, "json-prototype-key"},
		{"bodies multipart __proto__ field", "bodies", "POST", "/v1/bodies/free", nil, mpB, field(`form-data; name="__proto__"`, `{"admin":true}`) + "\r\n" + closeB, 400, false, "json-prototype-key"},
		{"bodies multipart free-form field with its own type accepted", "bodies", "POST", "/v1/bodies/free", nil, mpB, field(`form-data; name="rows"`, "a,b", "Content-Type: text/csv") + "\r\n" + closeB, 201, true, ""},
		{"bodies multipart free-form field labelled json", "bodies", "POST", "/v1/bodies/free", nil, mpB, field(`form-data; name="rows"`, `{"a":1}`, "Content-Type: application/json") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"bodies form _charset_ field latin-1", "bodies", "POST", "/v1/bodies/free", nil, formCT, "_charset_=iso-8859-1&note=caf%C3%A9", 415, false, "unsupported-media-type"},
		{"bodies multipart _charset_ field shift_jis", "bodies", "POST", "/v1/bodies/free", nil, mpB, field(`form-data; name="_charset_"`, "shift_jis") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"bodies form constructor alone is data", "bodies", "POST", "/v1/bodies/free", nil, formCT, "constructor=x&prototype=y", 201, true, ""},
	}
}

// TestEndToEndBodiesBlacklist runs multipart bodies through a firewall
// with the injection blacklist on (the table's firewalls run without it):
// a part's text whatever its label, and upload filenames, are inspected.
func TestEndToEndBodiesBlacklist(t *testing.T) {
	up := startUpstream(t)
	cfg := Config{Upstream: "http://" + up.addr, Spec: "testdata/e2e-bodies.yaml"}
	cfg.Blacklist = blacklist.Config{Enabled: true}
	fw := startFirewall(t, cfg, nil)
	// In monitor mode what validation would refuse is forwarded, and the
	// findings are recorded: the blacklist must read the parts a lenient
	// upstream would, hidden ones included.
	cfg.Mode = "monitor"
	audit := &syncBuffer{}
	mon := startFirewall(t, cfg, audit)
	name := field(`form-data; name="name"`, "pen") + "\r\n"
	hidden := field(`form-data; name="note"`, "1' OR '1'='1' --") + "\r\n"
	cases := []struct {
		name    string
		monitor bool
		body    string
		status  int
		reached bool
		reason  string
	}{
		{"clean", false, name + closeB, 201, true, ""},
		{"monitor: part hidden in the epilogue", true, name + closeB + hidden + closeB, 201, true, "blacklist-sqli"},
		{"monitor: part behind a bare LF delimiter", true, name[:len(name)-2] + "\n" + hidden + closeB, 201, true, "blacklist-sqli"},
		{"monitor: clean but ambiguous body", true, name + closeB + name + closeB, 201, true, ""},
		{"json label on a text field, not JSON", false, name + field(`form-data; name="note"`, "1' OR '1'='1' --", "Content-Type: application/json") + "\r\n" + closeB, 403, false, "blacklist-sqli"},
		{"json label on a text field, a JSON string", false, name + field(`form-data; name="note"`, `"1' OR '1'='1' --"`, "Content-Type: application/json") + "\r\n" + closeB, 403, false, "blacklist-sqli"},
		{"vendor json label on an object field", false, name + field(`form-data; name="meta"`, `{"q":"1' OR '1'='1' --"}`, "Content-Type: application/vnd.x+json") + "\r\n" + closeB, 403, false, "blacklist-sqli"},
		{"json label on a plain text field is refused", false, field(`form-data; name="name"`, "1' OR '1'='1' --", "Content-Type: application/json") + "\r\n" + closeB, 415, false, "unsupported-media-type"},
		{"traversal in a filename", false, name + field(`form-data; name="doc"; filename="../../etc/passwd"`, "x", "Content-Type: application/octet-stream") + "\r\n" + closeB, 403, false, "blacklist-traversal"},
		{"script in a filename", false, name + field(`form-data; name="doc"; filename="<script>alert(1)</script>.png"`, "x", "Content-Type: application/octet-stream") + "\r\n" + closeB, 403, false, "blacklist-xss"},
		{"plain filename", false, name + field(`form-data; name="doc"; filename="report-2024.pdf"`, "x", "Content-Type: application/pdf") + "\r\n" + closeB, 201, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := fw
			if c.monitor {
				srv = mon
			}
			req, err := http.NewRequest("POST", "http://"+srv.Addr()+uploadURL, strings.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", mpB)
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			rb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status {
				t.Errorf("status %d, want %d; body %s", resp.StatusCode, c.status, rb)
			}
			id := resp.Header.Get(RequestIDHeader)
			if got := up.reached(id); got != c.reached {
				t.Errorf("upstream reached = %v, want %v", got, c.reached)
			}
			if c.monitor {
				// The audit record of the request lists what was found.
				var rec string
				for i := 0; i < 100 && rec == ""; i++ {
					for _, line := range strings.Split(audit.String(), "\n") {
						if strings.Contains(line, id) {
							rec = line
						}
					}
					if rec == "" {
						time.Sleep(10 * time.Millisecond)
					}
				}
				if rec == "" {
					t.Fatal("no audit record")
				}
				if found := strings.Contains(rec, "blacklist-"); found != (c.reason != "") {
					t.Errorf("audit record %s, want finding %q", rec, c.reason)
				} else if c.reason != "" && !strings.Contains(rec, c.reason) {
					t.Errorf("audit record %s, want %q", rec, c.reason)
				}
				return
			}
			if c.reason != "" {
				var p struct{ Reason string }
				_ = json.Unmarshal(rb, &p)
				if p.Reason != c.reason {
					t.Errorf("reason %q, want %q (%s)", p.Reason, c.reason, rb)
				}
			}
		})
	}
}
