package scan

import (
	"encoding/json"
	"testing"
)

func TestWithDuplicateKey(t *testing.T) {
	tests := []struct {
		name, obj, key string
		value          any
		first          bool
		want           string
	}{
		{"last", `{"a":1,"qty":2}`, "qty", json.Number("0"), false, `{"a":1,"qty":2,"qty":0}`},
		{"first", `{"a":1,"qty":2}`, "qty", json.Number("0"), true, `{"qty":0,"a":1,"qty":2}`},
		{"a case variant", `{"qty":2}`, "QTY", "x", false, `{"qty":2,"QTY":"x"}`},
		{"a name that needs escaping", `{"a\"b":1}`, `a"b`, true, true, `{"a\"b":true,"a\"b":1}`},
		{"surrounding space", " {\"a\":1}\n", "a", 2, false, `{"a":1,"a":2}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := withDuplicateKey([]byte(tc.obj), tc.key, tc.value, tc.first)
			if err != nil || string(got) != tc.want {
				t.Fatalf("withDuplicateKey = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
	for _, bad := range []string{`[1,2]`, `"s"`, `{`, ``, `{}`, `{ }`} {
		if _, err := withDuplicateKey([]byte(bad), "a", 1, false); err == nil {
			t.Errorf("withDuplicateKey(%q) gave no error", bad)
		}
	}
}

func TestCaseVariant(t *testing.T) {
	for in, want := range map[string]string{"qty": "QTY", "Role": "ROLE", "ID": "id", "user_id": "USER_ID", "123": "", "_": ""} {
		if got := caseVariant(in); got != want {
			t.Errorf("caseVariant(%q) = %q, want %q", in, got, want)
		}
	}
}
