package sensitive

import "testing"

// A short secret is replaced where it stands as a whole value, and left
// where the same characters are part of something else.
func TestReplaceValue(t *testing.T) {
	const m = "<r>"
	for _, tc := range []struct{ text, want string }{
		// Whole values.
		{"abc", m},
		{"line one\nabc\r\nline three", "line one\n" + m + "\r\nline three"},
		{`{"password":"abc","name":"x"}`, `{"password":"` + m + `","name":"x"}`},
		{`["abc", "abc"]`, `["` + m + `", "` + m + `"]`},
		{`echo 'abc'`, `echo '` + m + `'`},
		{"pin=abc&next=1", "pin=" + m + "&next=1"},
		{"a=1&pin=abc", "a=1&pin=" + m},
		{"theme=dark; sid=abc; lang=en", "theme=dark; sid=" + m + "; lang=en"},
		{"Authorization: Bearer abc", "Authorization: Bearer " + m},
		{"basic abc, then", "basic " + m + ", then"},
		{`{"pin": abc}`, `{"pin": ` + m + `}`},
		{`expected "abc", got "x"`, `expected "` + m + `", got "x"`},
		// The same characters as part of something else.
		{"crabcake", "crabcake"},
		{"abcdef abc123 xabc", "abcdef abc123 xabc"},
		{"the abc of it", "the abc of it"},
		{"/static/abc/app.js", "/static/abc/app.js"},
		{`{"abc": 1, "abc":2}`, `{"abc": 1, "abc":2}`},
		{`{"name":"abcd","id":"xabc"}`, `{"name":"abcd","id":"xabc"}`},
		{"pin=abcd&x=abc.d", "pin=abcd&x=abc.d"},
		{"status: abc", "status: abc"},
		{"Bearerabc", "Bearerabc"},
		{"mybearer abc", "mybearer abc"},
		{"", ""},
	} {
		if got := ReplaceValue(tc.text, "abc", m); got != tc.want {
			t.Errorf("ReplaceValue(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
	// Numbers: a JSON member's value, not a digit run inside another.
	if got := ReplaceValue(`{"pin":12,"count":412,"ids":[12]}`, "12", m); got != `{"pin":`+m+`,"count":412,"ids":[12]}` {
		t.Errorf("number: %q", got)
	}
	if got := ReplaceValue("anything", "", m); got != "anything" {
		t.Errorf("empty value: %q", got)
	}
}
