package blacklist

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

func loadFixture(t *testing.T) *spec.Document {
	t.Helper()
	doc, err := spec.Load(context.Background(), "testdata/skip.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Valid() {
		t.Fatalf("fixture invalid: %+v", doc.Problems)
	}
	return doc
}

func findOp(t *testing.T, doc *spec.Document, method string) *spec.Operation {
	t.Helper()
	for _, op := range doc.Operations {
		if op.Method == method {
			return op
		}
	}
	t.Fatalf("no %s operation", method)
	return nil
}

func TestSkipPolicyParameters(t *testing.T) {
	doc := loadFixture(t)
	op := findOp(t, doc, "GET")
	want := map[string]bool{
		"id":      true,  // format uuid
		"q":       false, // free-form string
		"sort":    true,  // enum
		"limit":   true,  // integer
		"email":   false, // email is not a closed character set
		"code":    true,  // anchored pattern without unsafe characters
		"loose":   false, // unanchored: matches "ABC' OR 1=1"
		"anychar": false, // "." admits anything
		"quoteok": false, // the class admits a quote
		// int32 and int64 constrain numbers only: a string that claims
		// the format is not checked by it ("1 UNION SELECT ...").
		"bigid":     false,
		"untyped32": false,
		"multiline": false, // (?m): only the first line must match
	}
	for _, p := range op.Parameters {
		w, ok := want[p.Name]
		if !ok {
			continue
		}
		pol, err := BuildSkipPolicy(doc, p.Schema)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		if got := pol.Safe(""); got != w {
			t.Errorf("parameter %s: safe = %v, want %v", p.Name, got, w)
		}
		delete(want, p.Name)
	}
	if len(want) > 0 {
		t.Errorf("parameters not seen: %v", want)
	}
}

func bodyPolicy(t *testing.T) (*spec.Document, *SkipPolicy) {
	doc := loadFixture(t)
	op := findOp(t, doc, "PUT")
	pol, err := BuildSkipPolicy(doc, op.RequestBody.Content["application/json"].Schema)
	if err != nil {
		t.Fatal(err)
	}
	return doc, pol
}

func TestSkipPolicyBody(t *testing.T) {
	_, pol := bodyPolicy(t)
	tests := []struct {
		ptr  string
		safe bool
	}{
		{"/id", true},
		{"/status", true}, // enum through $ref
		{"/note", false},
		{"/created", true},
		{"/homepage", false}, // uri is not safe
		{"/ip", true},
		{"/kind", true}, // const
		{"/sku", true},
		{"/tags/0", false},
		{"/tags/*", false},
		{"/lines/3/qty", true},
		{"/lines/*/product", false},
		{"/lines/0/currency", true}, // allOf: one member's enum binds
		{"/lines/0/either", true},   // anyOf: every alternative is safe
		{"/lines/0/mixed", false},   // oneOf: one alternative is free
		{"/meta/anything", false},   // additionalProperties: string
		{"/unknown", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := pol.Safe(tc.ptr); got != tc.safe {
			t.Errorf("Safe(%q) = %v, want %v", tc.ptr, got, tc.safe)
		}
	}
	sp := pol.SafePointers()
	if !strings.Contains(strings.Join(sp, " "), "/lines/*/qty") {
		t.Errorf("SafePointers() = %v, want /lines/*/qty among them", sp)
	}
}

// x-rampart-blacklist: off on a schema exempts what it describes, and
// only when the caller honours exemptions; otherwise it is reported.
func TestSkipPolicyExemptions(t *testing.T) {
	doc := loadFixture(t)
	schema := findOp(t, doc, "PUT").RequestBody.Content["application/json"].Schema
	tests := []struct {
		name       string
		exemptions bool
		safe       map[string]bool
		ignored    []string // values reported as not honoured
	}{
		{"honoured", true, map[string]bool{
			"/html": true, "/article": true, "/article/body": true, "/article/sections/2/text": true,
			"/article/undeclared": true, "/odd": false, "/note": false,
		}, []string{"monitor"}},
		{"not honoured", false, map[string]bool{
			"/html": false, "/article/body": false, "/article/sections/2/text": false, "/odd": false, "/note": false,
		}, []string{"false", "monitor", "off"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ignored []string
			pol, err := BuildSkipPolicyWith(doc, schema, SkipOptions{Exemptions: tc.exemptions, Ignored: func(_ spec.NodeRef, v any) {
				ignored = append(ignored, fmt.Sprint(v))
			}})
			if err != nil {
				t.Fatal(err)
			}
			for ptr, want := range tc.safe {
				if got := pol.Safe(ptr); got != want {
					t.Errorf("Safe(%q) = %v, want %v", ptr, got, want)
				}
			}
			sort.Strings(ignored)
			if strings.Join(ignored, ",") != strings.Join(tc.ignored, ",") {
				t.Errorf("ignored %v, want %v", ignored, tc.ignored)
			}
			// Walking a body: the exempt subtree is not inspected, the rest is.
			body := map[string]any{"article": map[string]any{"body": "<script>alert(1)</script>"}, "note": "ok"}
			f := Walk(NewDetector(Config{}), body, WalkOptions{Policy: pol, CheckKeys: true})
			if f.Detected() == tc.exemptions {
				t.Errorf("exempt article body: finding %+v with exemptions %v", f, tc.exemptions)
			}
			body = map[string]any{"article": map[string]any{"body": "fine"}, "note": "<script>alert(1)</script>"}
			if f := Walk(NewDetector(Config{}), body, WalkOptions{Policy: pol, CheckKeys: true}); !f.Detected() {
				t.Error("an attack outside the exempt subtree passed")
			}
		})
	}
}

func TestSkipPolicyKeys(t *testing.T) {
	_, pol := bodyPolicy(t)
	root := pol.Root()
	if !root.KeysSafe() {
		t.Error("root object is closed by strict-objects; keys should be safe")
	}
	if root.Prop("meta").KeysSafe() {
		t.Error("meta admits any key; keys must be checked")
	}
	if !root.Prop("flags").KeysSafe() {
		t.Error("flags has additionalProperties: false; keys should be safe")
	}
}

func TestSafePattern(t *testing.T) {
	tests := []struct {
		p    string
		safe bool
	}{
		{`^[a-z0-9-]+$`, true},
		{`^\d{4}-\d{2}-\d{2}$`, true},
		{`^(?:EUR|USD)$`, true},
		{`^[A-Z]{2}\d+$`, true},
		{`[a-z]+`, false},    // not anchored
		{`^[a-z]+`, false},   // not anchored at the end
		{`^[^<>]+$`, false},  // negated class admits quotes
		{`^[\w ;]+$`, false}, // semicolon
		{`^[\w$]+$`, false},  // dollar
		{`^[\w|]+$`, false},  // pipe
		{"^[\\w`]+$", false}, // backtick
		{`^[\w"]+$`, false},  // double quote
		{`^[\w%]+$`, false},  // percent (encoded forms)
		{`^\S+$`, false},     // admits everything but spaces
		{`^.*$`, false},      // any
		{`^[\x00-\x1f]+$`, false},
		{`^(a|b'c)$`, false},     // literal quote
		{`^[`, false},            // does not parse
		{`(?m)^[a-z]+$`, false},  // ^ and $ match at each line: "abc\n1' OR '1'='1"
		{`(?m:^[a-z]+$)`, false}, // the same, as a group
		{`(?s)^[a-z]+$`, true},   // (?s) changes only what . matches
	}
	for _, tc := range tests {
		if got := SafePattern(tc.p); got != tc.safe {
			t.Errorf("SafePattern(%q) = %v, want %v", tc.p, got, tc.safe)
		}
	}
}

func TestWalkUsesPolicy(t *testing.T) {
	_, pol := bodyPolicy(t)
	d := NewDetector(Config{})
	// The same attack string in a safe place is skipped (validation has
	// already restricted it) and caught in a free-form place.
	body := func(s string) any {
		var v any
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	attack := `x' OR '1'='1`
	tests := []struct {
		name, json string
		opts       WalkOptions
		want       Family
		ptr        string
		key        bool
	}{
		{"free text", `{"note": "` + attack + `"}`, WalkOptions{Policy: pol, CheckKeys: true}, SQLi, "/note", false},
		{"nested array", `{"lines": [{"qty": 1, "product": "<script>alert(1)</script>"}]}`, WalkOptions{Policy: pol}, XSS, "/lines/0/product", false},
		{"safe enum place", `{"status": "` + attack + `"}`, WalkOptions{Policy: pol}, None, "", false},
		{"no policy checks everything", `{"status": "` + attack + `"}`, WalkOptions{}, SQLi, "/status", false},
		{"key of open map", `{"meta": {"../../etc/passwd": "x"}}`, WalkOptions{Policy: pol, CheckKeys: true}, Traversal, "/meta/..~1..~1etc~1passwd", true},
		{"keys not checked", `{"meta": {"../../etc/passwd": "x"}}`, WalkOptions{Policy: pol}, None, "", false},
		{"numbers and booleans", `{"a": 1, "b": true, "c": null, "d": [1.5]}`, WalkOptions{CheckKeys: true}, None, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Walk(d, body(tc.json), tc.opts)
			if f.Family != tc.want {
				t.Fatalf("Walk = %+v, want family %q", f, tc.want)
			}
			if f.Detected() && (f.Where.Name != tc.ptr || f.Where.Key != tc.key || f.Where.In != "body") {
				t.Errorf("context = %+v, want pointer %q key %v in body", f.Where, tc.ptr, tc.key)
			}
		})
	}
}

func TestBuildSkipPolicyErrors(t *testing.T) {
	if _, err := BuildSkipPolicy(nil, nil); err == nil {
		t.Error("nil inputs accepted")
	}
	var p *SkipPolicy
	if p.Safe("/x") || p.Root().Safe() || p.Root().Prop("a").Item().KeysSafe() {
		t.Error("a nil policy must skip nothing")
	}
}

// A pattern makes a value safe to skip only where the firewall enforces
// it: one past the definition's budget of RE2 instructions is not
// compiled, so its character classes confine nothing.
func TestSkipPolicyTrustsOnlyEnforcedPatterns(t *testing.T) {
	huge := "^" + strings.Repeat("[a-z]{1000}", 1100) + "$" // 1.1 M instructions
	text := `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /x:
    get:
      parameters:
        - {name: small, in: query, schema: {type: string, pattern: '^[a-z]{1,8}$'}}
        - {name: huge, in: query, schema: {type: string, pattern: '` + huge + `'}}
      responses: {"200": {description: ok}}
`
	doc, err := spec.LoadBytes(context.Background(), []byte(text), "api.yaml", "api.yaml", spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"small": true, "huge": false}
	for _, p := range doc.Operations[0].Parameters {
		pol, err := BuildSkipPolicy(doc, p.Schema)
		if err != nil {
			t.Fatal(err)
		}
		if got := pol.Safe(""); got != want[p.Name] {
			t.Errorf("%s: safe = %v, want %v", p.Name, got, want[p.Name])
		}
	}
}
