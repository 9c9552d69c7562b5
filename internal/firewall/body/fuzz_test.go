package body

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzDecodeJSON checks the firewall's decoder against encoding/json: what
// DecodeJSON accepts, encoding/json must accept too and read as the same
// value (the reverse does not hold: DecodeJSON also refuses duplicate keys,
// invalid UTF-8 and documents over the limits). Decoders are pooled and
// intern keys across calls, so each input is decoded twice.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"b":[true,null,"x"]}`, `{"\u0072ole":"x","a\"b":1}`, `[{"k":1},{"k":2}]`,
		`{"a":{"a":{"a":"a"}}}`, `"h\u00e9llo"`, `1e400`, `{"a":1,"a":2}`, "{\"\xff\":1}", `{"a":1,"A":2}`, `{"__proto__":{}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeJSON(data, Limits{})
		if err != nil {
			return
		}
		again, err := DecodeJSON(data, Limits{})
		if err != nil || !reflect.DeepEqual(got, again) {
			t.Fatalf("second decode differs: %#v vs %#v (%v)", got, again, err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("DecodeJSON accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("DecodeJSON read %#v, encoding/json %#v, from %q", got, want, data)
		}
		// The request-only refusals only ever refuse: what they let through
		// reads the same.
		strict, err := DecodeJSON(data, Limits{RefusePrototypeKeys: true, RefuseCaseVariantKeys: true, RefuseNUL: true})
		if err == nil && !reflect.DeepEqual(got, strict) {
			t.Fatalf("request decoding read %#v, plain %#v, from %q", strict, got, data)
		}
	})
}

// FuzzParseMultipart checks that a body ParseMultipart accepts is framed
// one way only: every occurrence of the boundary is a delimiter Go's
// reader used (one per part, and the close delimiter), so no parser that
// finds the boundary anywhere sees a part the firewall did not read.
func FuzzParseMultipart(f *testing.F) {
	f.Add([]byte("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--B--\r\n"), "multipart/form-data; boundary=B")
	f.Add([]byte("pre\r\n--B \r\nContent-Disposition: form-data; name=\"a\"; filename=\"f\"\r\nContent-Type: text/plain\r\n\r\nx\n--B\r\n--B--"), `multipart/form-data; boundary="B"`)
	f.Add([]byte("--B\nContent-Disposition: form-data; name=a\n\nx\n--B--\n"), "multipart/form-data; boundary=B; charset=x")
	f.Fuzz(func(t *testing.T, data []byte, ct string) {
		b, err := Boundary(ct)
		if err != nil {
			return
		}
		parts, err := ParseMultipart(data, b, 50)
		if err != nil {
			return
		}
		if n := bytes.Count(data, []byte("--"+b)); n != len(parts)+1 {
			t.Fatalf("%d occurrences of the boundary, %d parts read", n, len(parts))
		}
	})
}
