package body

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"mime/multipart"
	"reflect"
	"strings"
	"testing"
	"time"
)

func reasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	if err != nil {
		return "not a body.Error: " + err.Error()
	}
	return ""
}

func TestDecodeJSON(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	proto := Limits{RefusePrototypeKeys: true}
	caseKeys := Limits{RefuseCaseVariantKeys: true}
	tests := []struct {
		name   string
		in     string
		lim    Limits
		want   any // compared when reason is ""
		reason string
	}{
		{"object", `{"a":1,"b":[true,null,"x"]}`, Limits{}, map[string]any{"a": json.Number("1"), "b": []any{true, nil, "x"}}, ""},
		{"whitespace around the value", " \n{}\t", Limits{}, map[string]any{}, ""},
		{"big integer kept exact", `12345678901234567890123456789`, Limits{}, json.Number("12345678901234567890123456789"), ""},
		{"decimal kept exact", `0.1000000000000000000000000001`, Limits{}, json.Number("0.1000000000000000000000000001"), ""},
		{"exponent kept as written", `[1E+2,-0,1e400]`, Limits{}, []any{json.Number("1E+2"), json.Number("-0"), json.Number("1e400")}, ""},
		{"duplicate key", `{"a":1,"a":2}`, Limits{}, nil, ReasonDuplicateKey},
		{"duplicate key nested", `{"x":{"role":"user","role":"admin"}}`, Limits{}, nil, ReasonDuplicateKey},
		{"duplicate key spelled with an escape", `{"role":"user","\u0072ole":"admin"}`, Limits{}, nil, ReasonDuplicateKey},
		{"escaped keys are decoded", `{"\u0072ole":"x","a\"b":1,"tab\tkey":2}`, Limits{}, map[string]any{"role": "x", "a\"b": json.Number("1"), "tab\tkey": json.Number("2")}, ""},
		{"keys longer than the intern limit", `{"` + strings.Repeat("k", 100) + `":1}`, Limits{}, map[string]any{strings.Repeat("k", 100): json.Number("1")}, ""},
		{"same key in sibling objects is fine", `[{"a":1},{"a":2}]`, Limits{}, []any{map[string]any{"a": json.Number("1")}, map[string]any{"a": json.Number("2")}}, ""},
		{"invalid UTF-8 in a value", "{\"a\":\"\xff\"}", Limits{}, nil, ReasonInvalidUTF8},
		{"invalid UTF-8 in a key", "{\"\xc3\x28\":1}", Limits{}, nil, ReasonInvalidUTF8},
		{"lone surrogate escape", `"\ud800"`, Limits{}, nil, ReasonInvalidJSON},
		{"valid multibyte", `"h\u00e9llo ✓"`, Limits{}, "héllo ✓", ""},
		{"depth at the limit", deep(3), Limits{MaxDepth: 3}, []any{[]any{[]any{}}}, ""},
		{"depth over the limit", deep(4), Limits{MaxDepth: 3}, nil, ReasonTooDeep},
		{"objects count for depth", `{"a":{"b":{"c":{}}}}`, Limits{MaxDepth: 3}, nil, ReasonTooDeep},
		{"default depth 64 accepted", deep(DefaultMaxDepth), Limits{}, nil, ""},
		{"default depth 65 refused", deep(DefaultMaxDepth + 1), Limits{}, nil, ReasonTooDeep},
		{"elements at the limit", `[1,2]`, Limits{MaxElements: 3}, []any{json.Number("1"), json.Number("2")}, ""},
		{"elements over the limit", `[1,2,3]`, Limits{MaxElements: 3}, nil, ReasonTooManyValues},
		{"object members count", `{"a":1,"b":2,"c":3}`, Limits{MaxElements: 3}, nil, ReasonTooManyValues},
		{"number at the limit", `[-1.5e3]`, Limits{MaxNumberLen: 6}, []any{json.Number("-1.5e3")}, ""},
		{"number over the limit", `[-1.5e30]`, Limits{MaxNumberLen: 6}, nil, ReasonNumberTooLong},
		{"default number length 256 accepted", "[" + strings.Repeat("9", DefaultMaxNumberLen) + "]", Limits{}, []any{json.Number(strings.Repeat("9", DefaultMaxNumberLen))}, ""},
		{"default number length 257 refused", `{"n":` + strings.Repeat("9", DefaultMaxNumberLen+1) + "}", Limits{}, nil, ReasonNumberTooLong},
		{"a long string is no number", `"` + strings.Repeat("9", 1000) + `"`, Limits{}, strings.Repeat("9", 1000), ""},
		{"trailing value", `{} {}`, Limits{}, nil, ReasonInvalidJSON},
		{"__proto__ refused", `{"a":{"__proto__":{"admin":true}}}`, proto, nil, ReasonPrototypeKey},
		{"__proto__ spelled with an escape", `{"\u005f_proto__":{}}`, proto, nil, ReasonPrototypeKey},
		{"constructor.prototype refused", `[{"constructor":{"prototype":{"admin":true}}}]`, proto, nil, ReasonPrototypeKey},
		{"constructor alone is data", `{"constructor":"Ferrari","prototype":true}`, proto, map[string]any{"constructor": "Ferrari", "prototype": true}, ""},
		{"prototype under another key is data", `{"model":{"prototype":1}}`, proto, map[string]any{"model": map[string]any{"prototype": json.Number("1")}}, ""},
		{"__proto__ as a value is data", `{"k":"__proto__"}`, proto, map[string]any{"k": "__proto__"}, ""},
		{"NUL in a string", `{"file":"a.pdf\u0000.jpg"}`, Limits{RefuseNUL: true}, nil, ReasonInvalidUTF8},
		{"NUL in a key", `{"a\u0000b":1}`, Limits{RefuseNUL: true}, nil, ReasonInvalidUTF8},
		{"NUL kept without the option (responses)", `"a\u0000b"`, Limits{}, "a\x00b", ""},
		{"keys differing only in case", `{"role":"user","Role":"admin"}`, caseKeys, nil, ReasonDuplicateKey},
		{"case variant nested", `{"a":{"ID":1,"id":2}}`, caseKeys, nil, ReasonDuplicateKey},
		{"case variant in a large object", `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"role":"user","ROLE":"admin"}`, caseKeys, nil, ReasonDuplicateKey},
		{"case variant of an early key in a large object", `{"role":"user","k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"rOLE":"admin"}`, caseKeys, nil, ReasonDuplicateKey},
		{"Kelvin sign folds to k", `{"k":1,"\u212a":2}`, caseKeys, nil, ReasonDuplicateKey},
		{"same key in sibling objects, any case", `[{"role":1},{"Role":2}]`, caseKeys, []any{map[string]any{"role": json.Number("1")}, map[string]any{"Role": json.Number("2")}}, ""},
		{"camelCase keys are fine", `{"customerId":1,"customerName":"x"}`, caseKeys, map[string]any{"customerId": json.Number("1"), "customerName": "x"}, ""},
		{"case variants kept without the option (responses)", `{"a":1,"A":2}`, Limits{}, map[string]any{"a": json.Number("1"), "A": json.Number("2")}, ""},
		{"__proto__ kept without the option (responses)", `{"__proto__":1}`, Limits{}, map[string]any{"__proto__": json.Number("1")}, ""},
		{"trailing garbage", `{}x`, Limits{}, nil, ReasonInvalidJSON},
		{"truncated", `{"a":`, Limits{}, nil, ReasonInvalidJSON},
		{"empty", ``, Limits{}, nil, ReasonInvalidJSON},
		{"single quotes", `{'a':1}`, Limits{}, nil, ReasonInvalidJSON},
		{"leading zero", `01`, Limits{}, nil, ReasonInvalidJSON},
		{"NaN", `NaN`, Limits{}, nil, ReasonInvalidJSON},
		{"trailing comma", `[1,]`, Limits{}, nil, ReasonInvalidJSON},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := DecodeJSON([]byte(tc.in), tc.lim)
			if got := reasonOf(err); got != tc.reason {
				t.Fatalf("reason = %q (err %v), want %q", got, err, tc.reason)
			}
			if tc.reason == "" && tc.want != nil && !reflect.DeepEqual(v, tc.want) {
				t.Fatalf("value = %#v, want %#v", v, tc.want)
			}
		})
	}
}

// A hostile body must not be reflected into the problem detail, which is
// shown to the client and logged.
func TestDecodeJSONErrorsDoNotQuoteTheBody(t *testing.T) {
	for _, in := range []string{
		`{"password":"hunter2" "x":1}`,
		"{\"password\":\"hunter2\xff\"}",
		`{"password":"hunter2","password":"hunter2"}`,
	} {
		_, err := DecodeJSON([]byte(in), Limits{})
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%q: err = %v, want *Error", in, err)
		}
		if strings.Contains(e.Detail, "hunter2") {
			t.Errorf("%q: detail %q quotes the body", in, e.Detail)
		}
	}
}

// The element limit stops work early: a huge array is refused without
// building it.
func TestDecodeJSONElementLimitIsCheap(t *testing.T) {
	big := "[" + strings.Repeat("1,", 2_000_000) + "1]"
	start := time.Now()
	_, err := DecodeJSON([]byte(big), Limits{MaxElements: 1000})
	if reasonOf(err) != ReasonTooManyValues {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("refusing took %v", d)
	}
}

func compress(t *testing.T, enc string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch enc {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "zlib":
		w = zlib.NewWriter(&b)
	case "raw":
		fw, err := flate.NewWriter(&b, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecompress(t *testing.T) {
	plain := []byte(`{"name":"pen","price":1.5}`)
	gz := compress(t, "gzip", plain)
	tests := []struct {
		name     string
		data     []byte
		encoding string
		max      int64
		reason   string
	}{
		{"identity", plain, "identity", 100, ""},
		{"no encoding", plain, "", 100, ""},
		{"gzip", gz, "gzip", 100, ""},
		{"gzip, case and spaces ignored", gz, " GZip ", 100, ""},
		{"x-gzip", gz, "x-gzip", 100, ""},
		{"deflate as zlib", compress(t, "zlib", plain), "deflate", 100, ""},
		{"deflate as raw deflate", compress(t, "raw", plain), "deflate", 100, ""},
		{"decoded size exactly the cap", gz, "gzip", int64(len(plain)), ""},
		{"decoded size one over the cap", gz, "gzip", int64(len(plain)) - 1, ReasonDecodedTooLarge},
		{"brotli not accepted", plain, "br", 100, ReasonUnsupportedEncoding},
		{"stacked encodings not accepted", gz, "gzip, gzip", 100, ReasonUnsupportedEncoding},
		{"gzip header missing", plain, "gzip", 100, ReasonBadEncoding},
		{"gzip truncated", gz[:len(gz)-6], "gzip", 100, ReasonBadEncoding},
		{"deflate garbage", []byte("not deflate at all"), "deflate", 100, ReasonBadEncoding},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Decompress(tc.data, tc.encoding, tc.max)
			if got := reasonOf(err); got != tc.reason {
				t.Fatalf("reason = %q (err %v), want %q", got, err, tc.reason)
			}
			if tc.reason == "" && !bytes.Equal(out, plain) {
				t.Fatalf("decoded %q, want %q", out, plain)
			}
		})
	}
}

// A decompression bomb (a few KiB that inflate to 16 times the cap) is
// refused as soon as the cap is passed, without inflating the rest.
func TestDecompressBomb(t *testing.T) {
	zeros := make([]byte, 4<<20)
	for _, enc := range []string{"gzip", "zlib", "raw"} {
		bomb := compress(t, enc, zeros)
		if len(bomb) > 16<<10 {
			t.Fatalf("%s bomb is %d bytes; the test wants a small one", enc, len(bomb))
		}
		header := map[string]string{"gzip": "gzip", "zlib": "deflate", "raw": "deflate"}[enc]
		start := time.Now()
		_, err := Decompress(bomb, header, 256<<10)
		if reasonOf(err) != ReasonDecodedTooLarge {
			t.Fatalf("%s: err = %v, want %s", enc, err, ReasonDecodedTooLarge)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: refusing the bomb took %v", enc, d)
		}
	}
}

func TestReadLimited(t *testing.T) {
	var buf bytes.Buffer
	for _, tc := range []struct {
		size, limit int
		reason      string
	}{
		{0, 10, ""},
		{10, 10, ""},
		{11, 10, ReasonTooLarge},
		{1 << 20, 10, ReasonTooLarge},
	} {
		in := bytes.Repeat([]byte("a"), tc.size)
		out, err := ReadLimited(bytes.NewReader(in), int64(tc.limit), &buf)
		if got := reasonOf(err); got != tc.reason {
			t.Fatalf("size %d limit %d: reason %q, want %q", tc.size, tc.limit, got, tc.reason)
		}
		if tc.reason == "" && len(out) != tc.size {
			t.Fatalf("size %d: read %d bytes", tc.size, len(out))
		}
	}
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		in     string
		want   [][2]string
		reason string
	}{
		{"a=1&b=2", [][2]string{{"a", "1"}, {"b", "2"}}, ""},
		{"b=2&a=1&b=3", [][2]string{{"b", "2"}, {"a", "1"}, {"b", "3"}}, ""},
		{"q=a+b%26c%3Dd", [][2]string{{"q", "a b&c=d"}}, ""},
		{"k%20x=%E2%9C%93", [][2]string{{"k x", "✓"}}, ""},
		{"flag&x=", [][2]string{{"flag", ""}, {"x", ""}}, ""},
		{"&&a=1&", [][2]string{{"a", "1"}}, ""},
		{"a;b", [][2]string{{"a;b", ""}}, ""},
		{"a=x%3Bb=1", [][2]string{{"a", "x;b=1"}}, ""},
		{"a;b=1", nil, ReasonInvalidForm}, // two fields to servers that split at ';'
		{"a=1;b=2", nil, ReasonInvalidForm},
		{"", nil, ""},
		{"a=%ff", nil, ReasonInvalidUTF8},
		{"a=x%00", nil, ReasonInvalidUTF8},
		{"a=%zz", nil, ReasonInvalidForm},
		{"%=1", nil, ReasonInvalidForm},
		{"a=%e", nil, ReasonInvalidForm},
	}
	for _, tc := range tests {
		got, err := ParseForm(tc.in)
		if r := reasonOf(err); r != tc.reason {
			t.Fatalf("%q: reason %q, want %q", tc.in, r, tc.reason)
		}
		if tc.reason == "" && !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// part is a one-part multipart body with the given Content-Disposition.
func part(boundary, disposition string) []byte {
	return []byte("--" + boundary + "\r\nContent-Disposition: " + disposition + "\r\n\r\nx\r\n--" + boundary + "--\r\n")
}

func TestParseMultipart(t *testing.T) {
	build := func(files bool, n int) (string, []byte) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for i := 0; i < n; i++ {
			_ = w.WriteField("name", "pen")
		}
		if files {
			fw, _ := w.CreateFormFile("doc", "a.txt")
			_, _ = fw.Write([]byte("hello\r\n--not-a-boundary"))
		}
		_ = w.Close()
		return w.Boundary(), b.Bytes()
	}
	boundary, data := build(true, 2)
	parts, err := ParseMultipart(data, boundary, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 3 {
		t.Fatalf("%d parts, want 3", len(parts))
	}
	if p := parts[0]; p.Name != "name" || string(p.Data) != "pen" || p.FileName != "" || p.HasFileName {
		t.Errorf("field part = %+v", p)
	}
	if p := parts[2]; p.Name != "doc" || p.FileName != "a.txt" || !p.HasFileName || p.ContentType != "application/octet-stream" || string(p.Data) != "hello\r\n--not-a-boundary" {
		t.Errorf("file part = %+v", p)
	}

	tests := []struct {
		name     string
		boundary string
		data     []byte
		max      int
		reason   string
	}{
		{"at the part limit", boundary, data, 3, ""},
		{"over the part limit", boundary, data, 2, ReasonTooManyValues},
		{"no boundary", "", data, 10, ReasonInvalidForm},
		{"truncated body", boundary, data[:len(data)-10], 10, ReasonInvalidForm},
		{"empty body", boundary, nil, 10, ReasonInvalidForm},
		{"no parts, only the close delimiter", boundary, []byte("--" + boundary + "--\r\n"), 10, ""},
		{"no close delimiter", boundary, []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"), 10, ReasonInvalidForm},
		{"part header without end", boundary, []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\""), 10, ReasonInvalidForm},
		{"base64 transfer encoding", boundary, []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64\r\n\r\nPHNjcmlwdD4=\r\n--" + boundary + "--\r\n"), 10, ReasonInvalidForm},
		{"quoted-printable transfer encoding", boundary, []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: Quoted-Printable\r\n\r\n=3Cb=3E\r\n--" + boundary + "--\r\n"), 10, ReasonInvalidForm},
		{"8bit transfer encoding", boundary, []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx\r\n--" + boundary + "--\r\n"), 10, ""},
		// net/http names such parts "", which nothing would check, while
		// an upstream reads one of the names.
		{"duplicate name parameter", boundary, part(boundary, `form-data; name="note"; name="role"`), 10, ReasonInvalidForm},
		{"extended name parameter", boundary, part(boundary, `form-data; name="note"; name*=UTF-8''role`), 10, ReasonInvalidForm},
		{"extended filename parameter", boundary, part(boundary, `form-data; name="doc"; filename*=UTF-8''a.txt`), 10, ReasonInvalidForm},
		{"star inside a quoted filename is data", boundary, part(boundary, `form-data; name="doc"; filename="a*.txt"`), 10, ""},
		{"not form-data", boundary, part(boundary, `attachment; name="a"`), 10, ReasonInvalidForm},
		{"no name", boundary, part(boundary, `form-data; filename="a.txt"`), 10, ReasonInvalidForm},
		{"empty name", boundary, part(boundary, `form-data; name=""`), 10, ReasonInvalidForm},
		{"no disposition", boundary, []byte("--" + boundary + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + boundary + "--\r\n"), 10, ReasonInvalidForm},
		{"two dispositions", boundary, []byte("--" + boundary + "\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"role\"\r\n\r\nx\r\n--" + boundary + "--\r\n"), 10, ReasonInvalidForm},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMultipart(tc.data, tc.boundary, tc.max)
			if r := reasonOf(err); r != tc.reason {
				t.Fatalf("reason %q (err %v), want %q", r, err, tc.reason)
			}
		})
	}
}

// TestParseMultipartDifferentials holds bodies that lenient parsers frame
// or read differently from Go's reader: each is refused before its parts
// are read.
func TestParseMultipartDifferentials(t *testing.T) {
	j := func(lines ...string) []byte { return []byte(strings.Join(lines, "\r\n")) }
	okPart := "--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n"
	tests := []struct {
		name   string
		data   []byte
		reason string
	}{
		{"plain", []byte(okPart + "--B--\r\n"), ""},
		{"close without CRLF", []byte(okPart + "--B--"), ""},
		{"transport padding", []byte(strings.Replace(okPart, "--B\r\n", "--B \t \r\n", 1) + "--B-- \r\n"), ""},
		{"preamble and epilogue without the boundary", []byte("hello\r\n" + okPart + "--B--\r\nbye\r\n"), ""},
		{"boundary text inside a value is refused", []byte(strings.Replace(okPart, "\r\nx\r\n", "\r\nx--B\r\n", 1) + "--B--\r\n"), ReasonInvalidForm},
		{"delimiter inside the preamble", []byte("x--B\r\n" + okPart + "--B--\r\n"), ReasonInvalidForm},
		{"part in the epilogue", []byte(okPart + "--B--\r\n" + okPart + "--B--\r\n"), ReasonInvalidForm},
		{"close delimiter twice", []byte(okPart + "--B--\r\n--B--\r\n"), ReasonInvalidForm},
		{"trailing characters", []byte(strings.Replace(okPart, "--B\r\n", "--B;x\r\n", 1) + "--B--\r\n"), ReasonInvalidForm},
		{"trailing characters after the close", []byte(okPart + "--B--x\r\n"), ReasonInvalidForm},
		{"longer boundary", []byte(okPart + "--BB\r\n" + okPart[4:] + "--B--\r\n"), ReasonInvalidForm},
		{"delimiter after a bare LF", []byte(strings.TrimSuffix(okPart, "\r\n") + "\n--B--\r\n"), ReasonInvalidForm},
		{"delimiter line ending in a bare LF", []byte(strings.Replace(okPart, "--B\r\n", "--B\n", 1) + "--B--\r\n"), ReasonInvalidForm},
		{"bare LF in a part header", j("--B", "Content-Disposition: form-data; name=\"a\"\nX: y", "", "x", "--B--"), ReasonInvalidForm},
		{"bare CR in a part header", j("--B", "Content-Disposition: form-data; name=\"a\"\rX: y", "", "x", "--B--"), ReasonInvalidForm},
		{"folded part header", j("--B", "Content-Disposition: form-data;", "\tname=\"a\"", "", "x", "--B--"), ReasonInvalidForm},
		{"part without headers", j("--B", "", "x", "--B--"), ReasonInvalidForm},
		{"two transfer encodings", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Transfer-Encoding: 8bit", "Content-Transfer-Encoding: base64", "", "eA==", "--B--"), ReasonInvalidForm},
		{"two content types", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Type: text/plain", "Content-Type: application/json", "", "x", "--B--"), ReasonInvalidForm},
		{"part charset utf-8", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Type: text/plain; charset=UTF-8", "", "x", "--B--"), ""},
		{"part charset latin-1", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Type: text/plain; charset=iso-8859-1", "", "x", "--B--"), ReasonMediaType},
		{"part extended charset", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Type: text/plain; charset*=utf-8''utf-7", "", "x", "--B--"), ReasonMediaType},
		{"part content type malformed", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Type: text/plain; ;=", "", "x", "--B--"), ReasonInvalidForm},
		{"nested multipart/mixed", j("--B", "Content-Disposition: form-data; name=\"a\"", "Content-Type: multipart/mixed; boundary=C", "", "--C", "", "x", "--C--", "--B--"), ReasonInvalidForm},
		{"escaped quote in a name", j("--B", `Content-Disposition: form-data; name="a\"b"`, "", "x", "--B--"), ReasonInvalidForm},
		{"backslash in a filename", j("--B", `Content-Disposition: form-data; name="a"; filename="C:\tmp\a.txt"`, "", "x", "--B--"), ReasonInvalidForm},
		{"quote inside an unquoted name", j("--B", `Content-Disposition: form-data; name=a"b`, "", "x", "--B--"), ReasonInvalidForm},
		{"encoded-word name", j("--B", `Content-Disposition: form-data; name="=?utf-8?B?cm9sZQ==?="`, "", "x", "--B--"), ReasonInvalidForm},
		{"encoded-word filename", j("--B", `Content-Disposition: form-data; name="a"; filename="=?iso-8859-1?Q?a.php?="`, "", "x", "--B--"), ReasonInvalidForm},
		{"NUL in a field value", j("--B", `Content-Disposition: form-data; name="a"`, "", "x\x00y", "--B--"), ReasonInvalidUTF8},
		{"NUL in a file is data", j("--B", `Content-Disposition: form-data; name="a"; filename="a.bin"`, "", "x\x00y", "--B--"), ""},
		{"NUL in a filename", j("--B", "Content-Disposition: form-data; name=\"a\"; filename=\"a.php\x00.png\"", "", "x", "--B--"), ReasonInvalidUTF8},
		{"invalid UTF-8 in a name", j("--B", "Content-Disposition: form-data; name=\"a\xff\"", "", "x", "--B--"), ReasonInvalidUTF8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMultipart(tc.data, "B", 10)
			if r := reasonOf(err); r != tc.reason {
				t.Fatalf("reason %q (err %v), want %q", r, err, tc.reason)
			}
		})
	}
}

// TestParseMultipartHeaderlessPartsAreCheap: parts without the empty
// line that ends a header block must not make the framing check scan the
// rest of the body once per part.
func TestParseMultipartHeaderlessPartsAreCheap(t *testing.T) {
	part := "--B\r\nX-Pad: " + strings.Repeat("p", 100) + "\r\n"
	data := []byte(strings.Repeat(part, 10000) + "--B--\r\n")
	start := time.Now()
	_, err := ParseMultipart(data, "B", 20000)
	if reasonOf(err) != ReasonInvalidForm {
		t.Fatalf("err %v, want %s", err, ReasonInvalidForm)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("took %v", d)
	}
}

func TestBoundary(t *testing.T) {
	long := strings.Repeat("b", 70)
	tests := []struct {
		ct, want, reason string
	}{
		{"multipart/form-data; boundary=abc", "abc", ""},
		{`multipart/form-data; boundary="abc"`, "abc", ""},
		{`multipart/form-data; boundary="a:b/c?d=e f"`, "a:b/c?d=e f", ""},
		{"Multipart/Form-Data; BOUNDARY=abc", "abc", ""},
		{"multipart/form-data;boundary=abc", "abc", ""},
		{"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "----WebKitFormBoundary7MA4YWxkTrZu0gW", ""},
		{`multipart/form-data; boundary="----geckoformboundary1a2b"`, "----geckoformboundary1a2b", ""},
		{"multipart/form-data; xboundary=abc", "", ReasonInvalidForm},
		{`multipart/form-data; boundary=abc; x="boundary"`, "", ReasonInvalidForm},
		{"multipart/form-data; boundary=" + long, long, ""},
		{"multipart/form-data; boundary=" + long + "b", "", ReasonInvalidForm},
		{"multipart/form-data", "", ReasonInvalidForm},
		{`multipart/form-data; boundary=""`, "", ReasonInvalidForm},
		{"multipart/form-data; boundary=a; boundary=b", "", ReasonInvalidForm},
		{"multipart/form-data; boundary=a; Boundary=b", "", ReasonInvalidForm},
		{`multipart/form-data; x="boundary=b"; boundary=a`, "", ReasonInvalidForm},
		{"multipart/form-data; boundary=a; boundary*=utf-8''b", "", ReasonInvalidForm},
		{`multipart/form-data; boundary="a\b"`, "", ReasonInvalidForm},
		{`multipart/form-data; boundary="a{b"`, "", ReasonInvalidForm},
		{`multipart/form-data; boundary="ab "`, "", ReasonInvalidForm},
		{"multipart/form-data; boundary= ab", "", ReasonInvalidForm},
		{`multipart/form-data; boundary="ab`, "", ReasonInvalidForm},
	}
	for _, tc := range tests {
		t.Run(tc.ct, func(t *testing.T) {
			got, err := Boundary(tc.ct)
			if r := reasonOf(err); r != tc.reason || got != tc.want {
				t.Fatalf("Boundary = %q, reason %q (err %v); want %q, %q", got, r, err, tc.want, tc.reason)
			}
		})
	}
}
