package cookies

import (
	"errors"
	"net/http"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		fields  []string
		want    []Pair
		wantErr error
	}{
		{"one pair", []string{"session=abc"}, []Pair{{"session", "abc"}}, nil},
		{"several pairs and spaces", []string{" a=1 ;b = 2;; c=3 "}, []Pair{{"a", "1"}, {"b", "2"}, {"c", "3"}}, nil},
		{"two fields (HTTP/2)", []string{"a=1", "b=2"}, []Pair{{"a", "1"}, {"b", "2"}}, nil},
		{"quoted value unwrapped", []string{`a="x y"`}, []Pair{{"a", "x y"}}, nil},
		// net/http drops these; a lenient upstream reads them, so the
		// firewall must see them.
		{"inner double quote kept", []string{`session=' OR "1"="1`}, []Pair{{"session", `' OR "1"="1`}}, nil},
		{"backslash kept", []string{`p=a\b`}, []Pair{{"p", `a\b`}}, nil},
		{"name without value", []string{"flag; a=1"}, []Pair{{"flag", ""}, {"a", "1"}}, nil},
		{"empty name skipped", []string{"=x; a=1"}, []Pair{{"a", "1"}}, nil},
		{"equals inside value", []string{"t=a=b"}, []Pair{{"t", "a=b"}}, nil},
		{"comma list is data", []string{"ids=1,2,3"}, []Pair{{"ids", "1,2,3"}}, nil},
		{"json with commas is data", []string{`prefs={"a":1,"b":2}`}, []Pair{{"prefs", `{"a":1,"b":2}`}}, nil},
		{"comma then space then word is data", []string{"q=hello, world"}, []Pair{{"q", "hello, world"}}, nil},
		{"hidden pair", []string{"a=b,session=x"}, nil, ErrAmbiguous},
		{"hidden pair after space", []string{"a=b, session=x"}, nil, ErrAmbiguous},
		{"hidden pair in second field", []string{"a=1", "b=2,c=3"}, nil, ErrAmbiguous},
		{"hidden $Version attribute", []string{"a=b,$Path=/"}, nil, ErrAmbiguous},
		{"no cookie", nil, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, f := range tc.fields {
				h.Add("Cookie", f)
			}
			got, err := Parse(h)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse(%q) error = %v, want %v", tc.fields, err, tc.wantErr)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Parse(%q) = %q, want %q", tc.fields, got, tc.want)
			}
		})
	}
}

// Every cookie net/http reads, Parse reads with the same name and value:
// the firewall never sees less than a strict upstream does. (One
// difference is deliberate: net/http keeps the space in "a= v", Parse
// trims it as lenient servers do.)
func TestParseAgreesWithNetHTTPOnValidCookies(t *testing.T) {
	for _, line := range []string{
		"a=1; b=2", `x="quoted"`, "s=abc.def-ghi_jkl", "e=", "n=1; n=2", " sp =v ",
	} {
		h := http.Header{"Cookie": {line}}
		pairs, err := Parse(h)
		if err != nil {
			t.Fatalf("Parse(%q): %v", line, err)
		}
		std := (&http.Request{Header: h}).Cookies()
		if len(std) != len(pairs) {
			t.Fatalf("Parse(%q) gave %d pairs, net/http %d", line, len(pairs), len(std))
		}
		for i, c := range std {
			if pairs[i].Name != c.Name || pairs[i].Value != c.Value {
				t.Errorf("Parse(%q)[%d] = %q=%q, net/http %q=%q", line, i, pairs[i].Name, pairs[i].Value, c.Name, c.Value)
			}
		}
	}
}

func TestValues(t *testing.T) {
	pairs := []Pair{{"a", "1"}, {"b", "2"}, {"a", "3"}}
	if got := Values(pairs, "a"); !reflect.DeepEqual(got, []string{"1", "3"}) {
		t.Fatalf("Values(a) = %q", got)
	}
	if got := Values(pairs, "c"); got != nil {
		t.Fatalf("Values(c) = %q, want none", got)
	}
}

func TestHasLookalike(t *testing.T) {
	cases := []struct {
		cookie string
		want   bool
	}{
		{"session_id=k", false},
		{"session_id=k; session_id=x", false}, // an exact repeat is Values' business
		{"other=1; session_id=k", false},
		{"session_id=k; SESSION_ID=forged", true}, // ASP.NET Core: no case, last wins
		{"Session_Id=forged; session_id=k", true},
		{"session.id=forged; session_id=k", true},   // PHP: '.' -> '_'
		{"session id=forged; session_id=k", true},   // PHP: ' ' -> '_'
		{"session[id=forged; session_id=k", true},   // PHP: '[' -> '_'
		{"session%5Fid=forged; session_id=k", true}, // PHP percent-decodes names
		{"sessionid=x; session_id=k", false},
		{"session_id[]=forged; session_id=k", true}, // PHP: an array under session_id
		{"session_id[a]=forged", true},              // even alone
		{"session%5Fid%5B%5D=forged", true},         // escaped
		{"session_idx[]=x; session_id=k", false},
	}
	for _, c := range cases {
		pairs, err := Parse(http.Header{"Cookie": {c.cookie}})
		if err != nil {
			t.Fatalf("Parse(%q): %v", c.cookie, err)
		}
		if got := HasLookalike(pairs, "session_id"); got != c.want {
			t.Errorf("HasLookalike(%q, session_id) = %v, want %v", c.cookie, got, c.want)
		}
	}
}

// A cookie the contract declares itself is no look-alike of another.
func TestLookalikeDeclared(t *testing.T) {
	pairs, err := Parse(http.Header{"Cookie": {"sess=a; SESS=b"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := Lookalike(pairs, "sess", nil); got != "SESS" {
		t.Fatalf("Lookalike = %q, want SESS", got)
	}
	if got := Lookalike(pairs, "sess", []string{"sess", "SESS"}); got != "" {
		t.Fatalf("Lookalike with SESS declared = %q, want none", got)
	}
}
