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
