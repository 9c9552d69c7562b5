package spec

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// Patterns written in ECMA-262 or Java syntax that RE2 spells differently
// are rewritten to what RE2 reads the same way; the rest is left alone.
func TestRE2Pattern(t *testing.T) {
	cases := []struct {
		name, in, want string
		exact          bool
		match, miss    []string
	}{
		{"unicode escape", `^[\u0020-\u00FF]+$`, `^[\x{0020}-\x{00FF}]+$`, true, []string{"abc é"}, []string{"tab\t", "€"}},
		{"unicode escape outside a class", `^a\u00e9$`, `^a\x{00e9}$`, true, []string{"aé"}, []string{"ae"}},
		{"braced unicode escape", `^\u{1F600}$`, `^\x{1F600}$`, true, []string{"😀"}, []string{"x"}},
		{"escaped backslash before u", `^\\u0041$`, `^\\u0041$`, true, []string{`\u0041`}, []string{"A"}},
		{"java posix class", `^\p{XDigit}+$`, `^[[:xdigit:]]+$`, true, []string{"0aF9"}, []string{"g"}},
		{"java posix class negated", `^\P{Digit}+$`, `^[[:^digit:]]+$`, true, []string{"ab"}, []string{"a1"}},
		{"java posix class inside a class", `^[\p{Alnum}_-]+$`, `^[[:alnum:]_-]+$`, true, []string{"a_1-b"}, []string{"a b"}},
		{"java print and graph", `^[\p{Graph}\p{Print}]*$`, `^[[:graph:][:print:]]*$`, true, []string{"a b~"}, []string{"\t"}},
		{"java binary property", `^\p{IsLetter}+$`, `^[\p{L}]+$`, true, []string{"été"}, []string{"e1"}},
		{"java letter or digit in a class", `^(\p{LD}|\p{Punct}| )+$`, `^([\p{L}\p{Nd}]|[[:punct:]]| )+$`, true, []string{"a1 !"}, []string{"\t"}},
		{"java any character", `^[\p{all}]*$`, `^[\x{0}-\x{10FFFF}]*$`, true, []string{"a\n😀"}, nil},
		{"java property negated", `^\P{IsDigit}+$`, `^[^\p{Nd}]+$`, true, []string{"ab"}, []string{"a1"}},
		{"unicode property kept", `^\p{L}+$`, `^\p{L}+$`, true, []string{"été"}, []string{"1"}},
		// ECMA-262's [^] is any character and [] none; RE2 reads a ]
		// right after [ as a member, and keeps that reading where a
		// later ] can close the class.
		{"ecma any character", `^[^]{1,3}$`, `^[\x00-\x{10FFFF}]{1,3}$`, true, []string{"a\nb"}, []string{""}},
		{"ecma empty class", `^a[]b$`, `^a[^\x00-\x{10FFFF}]b$`, true, nil, []string{"ab", "a]b"}},
		{"bracket member as RE2 reads it", `^[]a]+$`, `^[]a]+$`, true, []string{"a]"}, []string{"b"}},
		{"unicode script kept", `^\p{Greek}+$`, `^\p{Greek}+$`, true, []string{"αβ"}, []string{"ab"}},
		{"java end of input", `^[a-z]+\Z`, `^[a-z]+\z`, true, []string{"abc"}, []string{"abc\n"}},
		{"hex escape with braces is no quantifier", `^\x{10000}$`, `^\x{10000}$`, true, []string{"𐀀"}, []string{"x"}},
		{"repeat within the limit", `^.{1,1000}$`, `^.{1,1000}$`, true, []string{"a"}, []string{""}},
		{"repeat above the limit relaxed", `^.{1,2048}$`, `^.{1,}$`, false, []string{"a", strings.Repeat("a", 3000)}, []string{""}},
		{"repeat above the limit on both bounds", `^[a-z]{1024,2048}$`, `^[a-z]{1000,}$`, false, []string{strings.Repeat("a", 1000)}, []string{strings.Repeat("a", 999)}},
		{"exact count above the limit", `^a{2000}$`, `^a{1000,}$`, false, nil, nil},
		{"unbounded above the limit", `^a{1500,}$`, `^a{1000,}$`, false, nil, nil},
		// At an unanchored end of the pattern the upper bound changes
		// nothing: a longer run contains a shorter one.
		{"repeat above the limit at the free end", `arn:[a-z]{1,63}:[^/].{0,1023}`, `arn:[a-z]{1,63}:[^/].{0}`, true, []string{"arn:aws:x", "arn:aws:x" + strings.Repeat("a", 2000)}, []string{"arn:aws:/x"}},
		{"repeat above the limit at the free start", `[a-z]{0,2048}@x$`, `[a-z]{0}@x$`, true, []string{"@x", "ab@x"}, []string{"ab@y"}},
		{"anchored start, free end", `^.{1,2097152}`, `^.{1}`, true, []string{"a"}, []string{""}},
		{"free end, lower bound above the limit", `x.{1500,2000}`, `x.{1000,}`, false, nil, nil},
		{"repeat within the limit at the free ends", `[a-z0-9]{1,1000}[a-z]{1,10}![a-z]{2,5}`, `[a-z0-9]{1}[a-z]{1,10}![a-z]{2}`, true, []string{"a1b!cd", "x" + strings.Repeat("a", 1200) + "!" + strings.Repeat("b", 9)}, []string{"ab!c", "a!bc"}},
		{"exact count at the free end kept", `x[a-z]{3}`, `x[a-z]{3}`, true, []string{"xabc"}, []string{"xab"}},
		{"free end of an alternation", `a|b.{0,2000}`, `a|b.{0,}`, false, nil, nil},
		{"free end inside a group", `(b.{0,2000})`, `(b.{0,})`, false, nil, nil},
		{"repeat above the limit in the middle", `a.{0,2000}b`, `a.{0,}b`, false, nil, nil},
		{"count with a leading zero is a count", `^a{01,3}$`, `^a{1,3}$`, true, []string{"a", "aaa"}, []string{"", "aaaa", "a{01,3}"}},
		{"lazy quantifier kept", `^a{2,3}?$`, `^a{2,3}?$`, true, []string{"aa"}, []string{"a"}},
		{"group repeated above the limit", `^(ab|c){0,8192}$`, `^(ab|c){0,}$`, false, []string{"abc"}, []string{"b"}},
		{"brace that is no quantifier", `^{a}$`, `^{a}$`, true, []string{"{a}"}, []string{"a"}},
		{"brace inside a class", `^[{}0-9]{1,3}$`, `^[{}0-9]{1,3}$`, true, []string{"{1}"}, []string{"1234"}},
		{"posix class written for RE2 kept", `^[[:alpha:]]{2}$`, `^[[:alpha:]]{2}$`, true, []string{"ab"}, []string{"a1"}},
		{"closing bracket first in a class", `^[]a]+$`, `^[]a]+$`, true, []string{"]a"}, []string{"b"}},
		{"non-ASCII literal", `^café{2}$`, `^café{2}$`, true, []string{"caféé"}, []string{"café"}},
		// A JavaScript literal, which as written matches nothing.
		{"javascript literal", `/^[a-z0-9._]+$/`, `^[a-z0-9._]+$`, true, []string{"a.b"}, []string{"/a/", "A"}},
		{"javascript literal with flags", `/^SAP[0-9]{3}$/gi`, `(?i)^SAP[0-9]{3}$`, true, []string{"sap123", "SAP123"}, []string{"SAP12"}},
		{"javascript literal anchored at its end", `/[0-9]{2}\/[0-9]{4}$/`, `[0-9]{2}\/[0-9]{4}$`, true, []string{"12/2024"}, []string{"12-2024"}},
		{"slashes that can match are kept", `/api/[a-z]+/`, `/api/[a-z]+/`, true, []string{"/api/x/"}, []string{"api/x"}},
		{"unknown flag is no literal", `/^a/x`, `/^a/x`, true, nil, []string{"a"}},
		{"slashes around no pattern are no literal", `/*$/`, `/*$/`, true, nil, []string{"/", ""}},
		// ECMA-262's \s is Unicode white space and line terminators.
		{"space class is ECMA's", `^a\sb$`, `^a[` + ecmaSpace + `]b$`, true, []string{"a b", "a\u00a0b", "a\u2028b", "a\ufeffb", "a\u3000b", "a\vb"}, []string{"ab", "a_b", "a\u200bb"}},
		{"non-space class is ECMA's", `^\S+$`, `^[^` + ecmaSpace + `]+$`, true, []string{"abc", "é"}, []string{"a\u00a0b", "a b", "a\u2029"}},
		{"space inside a negated class", `^[^\s,]+$`, `^[^` + ecmaSpace + `,]+$`, true, []string{"ab"}, []string{"a\u00a0b", "a,b"}},
		{"hyphen after a class escape is a literal", `^[a-z\s-_]+$`, `^[a-z` + ecmaSpace + `\-_]+$`, true, []string{"a-b_c d"}, []string{"a.b"}},
		{"hyphen after a java class is a literal", `^[\p{Alnum}-.]+$`, `^[[:alnum:]\-.]+$`, true, []string{"a-b.c"}, []string{"a_b"}},
		{"hyphen before the end of a class", `^[\s-]+$`, `^[` + ecmaSpace + `-]+$`, true, []string{" -"}, []string{"a"}},
		{"any character idiom", `^[\s\S]{1,3}$`, `^[` + ecmaSpace + `\S]{1,3}$`, true, []string{"a\n\u00a0"}, []string{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, exact := RE2Pattern(c.in)
			if got != c.want || exact != c.exact {
				t.Fatalf("RE2Pattern(%q) = %q, %v; want %q, %v", c.in, got, exact, c.want, c.exact)
			}
			re, _, err := (&patternCache{}).compile(c.in)
			if err != nil {
				t.Fatalf("compile(%q): %v", c.in, err)
			}
			for _, s := range c.match {
				if !re.MatchString(s) {
					t.Errorf("%q does not match %q", c.in, s)
				}
			}
			for _, s := range c.miss {
				if re.MatchString(s) {
					t.Errorf("%q matches %q", c.in, s)
				}
			}
		})
	}
}

// What RE2 cannot run even rewritten stays an error.
func TestCompilePatternErrors(t *testing.T) {
	for _, p := range []string{`^(?=a)b$`, `^(a)\1$`, `[a-`, `(a`, `\p{NoSuchClass}`, `abc\`} {
		if _, _, err := (&patternCache{}).compile(p); err == nil {
			t.Errorf("compile(%q) compiled", p)
		}
	}
}

// FuzzRE2Pattern: rewriting never panics, and a pattern RE2 compiles
// as written keeps its meaning (its rewrite compiles and matches alike)
// unless the rewrite changed it on purpose.
func FuzzRE2Pattern(f *testing.F) {
	for _, s := range []string{`^[\u0020-\u00FF]+$`, `\p{Alnum}`, `.{1,2048}`, `\x{41}{2}`, `[{]`, `a\`, `\u{`, `[[:`, `{,5}`, `\Z`, `^[a\s-_]+$`, `^\S+$`, `/^a$/i`, `[\d-\s]`} {
		f.Add(s, "a")
	}
	f.Fuzz(func(t *testing.T, p, s string) {
		got, exact := RE2Pattern(p)
		orig, err := regexp.Compile(p)
		if err != nil || got == p {
			return
		}
		// RE2 accepted the original, so the rewrite must compile too.
		re, err := regexp.Compile(got)
		if err != nil {
			t.Fatalf("%q compiles but its rewrite %q does not: %v", p, got, err)
		}
		// Where RE2 reads the same syntax as ECMA-262, they agree. \s
		// and \S (Unicode in ECMA-262, ASCII in RE2) and a JavaScript
		// literal (which as written matches nothing) are read
		// differently on purpose.
		_, _, delimited := DelimitedPattern(p)
		if strings.Contains(p, `\s`) || strings.Contains(p, `\S`) || delimited || zeroLedCount.MatchString(p) {
			return
		}
		if exact && re.MatchString(s) != orig.MatchString(s) {
			t.Fatalf("%q and its rewrite %q disagree on %q", p, got, s)
		}
	})
}

// A pattern anchored at both ends whose items all match one character a
// fixed number of times, but for one repetition above RE2's limit, bounds
// the string's length; RelaxedBounds gives the bounds, and the relaxed
// pattern with them accepts exactly what the pattern does.
func TestRelaxedBounds(t *testing.T) {
	cases := []struct {
		name, in string
		min, max int
		ok       bool
	}{
		{"one repeated class", `^[a-z]{1,2048}$`, 1, 2048, true},
		{"escape class", `^\S{1,2000}$`, 1, 2000, true},
		{"fixed prefix", `^arn:.{16,2044}$`, 20, 2048, true},
		{"fixed suffix with an escaped dot", `^[^\x00]{1,1020}\.csv$`, 5, 1024, true},
		{"fixed counts around it", `^\d{3}-[a-z]{0,5000}$`, 4, 5004, true},
		{"unbounded above the limit", `^a{1500,}$`, 1500, -1, true},
		{"exact count above the limit", `^a{2000}$`, 2000, 2000, true},
		{"lazy", `^a{0,2000}?$`, 0, 2000, true},
		{"javascript literal", `/^[a-z]{1,2048}$/i`, 1, 2048, true},
		{"multi-line literal", `/^[a-z]{1,2048}$/m`, 0, 0, false},
		{"within the limit", `^[a-z]{1,100}$`, 0, 0, false},
		{"not anchored at the end", `^[a-z]{1,2048}`, 0, 0, false},
		{"a group", `^(ab){1,2048}$`, 0, 0, false},
		{"another variable item", `^a+[a-z]{1,2048}$`, 0, 0, false},
		{"two repetitions above the limit", `^a{0,2000}b{0,2000}$`, 0, 0, false},
		{"alternation", `^a{0,2000}$|^b$`, 0, 0, false},
		{"word boundary", `^\ba{0,2000}$`, 0, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			min, max, ok := RelaxedBounds(c.in)
			if ok != c.ok || ok && (min != c.min || max != c.max) {
				t.Fatalf("RelaxedBounds(%q) = %d, %d, %v; want %d, %d, %v", c.in, min, max, ok, c.min, c.max, c.ok)
			}
		})
	}
}

// zeroLedCount finds a repetition count written with a leading zero
// ({01,3}), which ECMA-262 reads as a count and RE2 as literal text: the
// original pattern run by RE2 is no oracle for it.
var zeroLedCount = regexp.MustCompile(`[{,]0[0-9]`)

// FuzzRelaxedForms checks the reasoning behind exact relaxed repetitions
// with a limit of 3 instead of RE2's 1000, so that the pattern as written
// is an oracle RE2 can run: where re2Pattern calls the relaxed form exact,
// it matches what the pattern does; where relaxedBounds gives lengths,
// the relaxed form within them does.
func FuzzRelaxedForms(f *testing.F) {
	for _, s := range []string{`^[a-z]{1,5}$`, `^ab.{2,6}c$`, `x.{0,9}`, `[0-9]{0,8}@`, `^\d{2}-a{4,}$`, `^a{5}$`, `^(ab){1,5}$`, `a{0,7}?b`, `^[^/].{0,4}`, `^a{2,5}?$`} {
		f.Add(s, "ab-aaaa")
	}
	// Values at the edges of what the seeds above accept.
	f.Add(`^(ab){1,5}$`, "ababab")
	f.Add(`^ab.{2,6}c$`, "abxxxxxxc")
	f.Add(`^ab.{2,6}c$`, "abxxxxxxxc")
	f.Add(`a.{0,5}b`, "axxxxxxb")
	f.Fuzz(func(t *testing.T, p, s string) {
		if strings.Contains(p, `\s`) || strings.Contains(p, `\S`) || strings.Contains(p, `\Z`) || strings.Contains(p, `\u`) || strings.Contains(p, `\p`) || strings.Contains(p, `\P`) {
			return // rewritten on purpose, not only relaxed
		}
		if _, _, delimited := DelimitedPattern(p); delimited || zeroLedCount.MatchString(p) {
			return
		}
		orig, err := regexp.Compile(p)
		if err != nil || !utf8.ValidString(s) {
			return
		}
		got, exact := re2Pattern(p, 3)
		relaxed, err := regexp.Compile(got)
		if err != nil {
			// a*{5} relaxed is a*{3,}, which RE2 refuses; at the
			// real limit the original (a*{1001}) is refused too.
			return
		}
		want := orig.MatchString(s)
		if exact && relaxed.MatchString(s) != want {
			t.Fatalf("%q and its relaxed form %q, called exact, disagree on %q", p, got, s)
		}
		if lo, hi, ok := relaxedBounds(p, 3); ok {
			n := utf8.RuneCountInString(s)
			if in := relaxed.MatchString(s) && n >= lo && (hi < 0 || n <= hi); in != want {
				t.Fatalf("%q: relaxed form %q with lengths [%d, %d] says %v for %q, the pattern %v", p, got, lo, hi, in, s, want)
			}
		}
	})
}
