package sensitive

import "testing"

func TestRedactSignedJWTs(t *testing.T) {
	const tok = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	tests := []struct{ name, in, want string }{
		{"in a JSON body", `{"token":"` + tok + `","user":"alice"}`, `{"token":"<r>","user":"alice"}`},
		{"after Bearer", "Authorization: Bearer " + tok, "Authorization: Bearer <r>"},
		{"two tokens", tok + " " + tok, "<r> <r>"},
		{"unsigned token kept as evidence", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."},
		{"not a JWT", "eyJust a word. another.sentence here", "eyJust a word. another.sentence here"},
		{"dotted names", "com.example.service", "com.example.service"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RedactSignedJWTs(tc.in, "<r>"); got != tc.want {
				t.Errorf("RedactSignedJWTs(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
