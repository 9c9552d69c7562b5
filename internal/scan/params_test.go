package scan

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/cookies"
	"github.com/rampart-sec/rampart/internal/params"
	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

// The examples of the OpenAPI 3 "Style Values" table, for the parameter
// named color: string "blue", array [blue, black, brown], object
// {R: 100, G: 200, B: 150} (written here in key order B, G, R).
func TestParameterStyles(t *testing.T) {
	str := "blue"
	arr := []any{"blue", "black", "brown"}
	obj := map[string]any{"R": json.Number("100"), "G": json.Number("200"), "B": json.Number("150")}
	for _, tc := range []struct {
		in, style string
		explode   bool
		v         any
		want      string
	}{
		{"path", "simple", false, str, "blue"},
		{"path", "simple", false, arr, "blue,black,brown"},
		{"path", "simple", false, obj, "B,150,G,200,R,100"},
		{"path", "simple", true, obj, "B=150,G=200,R=100"},
		{"path", "label", false, str, ".blue"},
		{"path", "label", false, arr, ".blue,black,brown"},
		{"path", "label", true, arr, ".blue.black.brown"},
		{"path", "label", false, obj, ".B,150,G,200,R,100"},
		{"path", "label", true, obj, ".B=150.G=200.R=100"},
		{"path", "matrix", false, str, ";color=blue"},
		{"path", "matrix", false, arr, ";color=blue,black,brown"},
		{"path", "matrix", true, arr, ";color=blue;color=black;color=brown"},
		{"path", "matrix", false, obj, ";color=B,150,G,200,R,100"},
		{"path", "matrix", true, obj, ";B=150;G=200;R=100"},
		{"path", "matrix", false, "a/b;c", ";color=a%2Fb%3Bc"}, // delimiters inside a value are escaped
		{"query", "form", true, str, "color=blue"},
		{"query", "form", false, arr, "color=blue,black,brown"},
		{"query", "form", true, arr, "color=blue&color=black&color=brown"},
		{"query", "form", false, obj, "color=B,150,G,200,R,100"},
		{"query", "form", true, obj, "B=150&G=200&R=100"},
		// An array property of an exploded object repeats its name, as
		// an exploded array does (AWS's query protocol reads it so).
		{"query", "form", true, map[string]any{"ids": []any{json.Number("1"), json.Number("2")}, "k": "v"}, "ids=1&ids=2&k=v"},
		{"query", "spaceDelimited", false, arr, "color=blue%20black%20brown"},
		{"query", "spaceDelimited", true, arr, "color=blue&color=black&color=brown"},
		{"query", "pipeDelimited", false, arr, "color=blue|black|brown"},
		{"query", "deepObject", true, obj, "color[B]=150&color[G]=200&color[R]=100"},
		{"query", "form", true, "a b&c=d", "color=a%20b%26c%3Dd"},
		// No RFC 6570 form for nested values: JSON text, as the firewall
		// reads it; deepObject on an array is the bracket form.
		{"query", "form", true, []any{map[string]any{"a": json.Number("1")}}, "color=%7B%22a%22%3A1%7D"},
		{"query", "form", true, []any{[]any{json.Number("1"), json.Number("2")}}, "color=%5B1%2C2%5D"},
		{"path", "simple", true, map[string]any{"k": []any{"x"}}, `k=%5B%22x%22%5D`},
		{"query", "deepObject", true, arr, "color%5B%5D=blue&color%5B%5D=black&color%5B%5D=brown"},
		// An array property of a deepObject repeats its key, which qs
		// and the firewall read as the array (pandascore's filter[id]).
		{"query", "deepObject", true, map[string]any{"ids": []any{json.Number("1"), json.Number("2")}, "k": "v"}, "color[ids]=1&color[ids]=2&color[k]=v"},
		// Nested objects and arrays of objects: a bracket per level,
		// indices for items (Stripe's lines[0][price]=...).
		{"query", "deepObject", true, map[string]any{"lines": []any{map[string]any{"sku": "a b", "qty": json.Number("2")}}, "k": map[string]any{"x": "y"}},
			"color[k][x]=y&color[lines][0][qty]=2&color[lines][0][sku]=a%20b"},
		// An empty array inside has no bracket form: the items go as JSON
		// atoms, which the firewall reads too.
		{"query", "deepObject", true, []any{map[string]any{"price": "p1", "tags": []any{}}},
			"color%5B%5D=%7B%22price%22%3A%22p1%22%2C%22tags%22%3A%5B%5D%7D"},
		// A deepObject array of objects (Stripe's items[0][price]=...).
		{"query", "deepObject", true, []any{map[string]any{"price": "p1", "qty": json.Number("2")}, map[string]any{"price": "p2"}},
			"color[0][price]=p1&color[0][qty]=2&color[1][price]=p2"},
	} {
		p := &spec.Parameter{Name: "color", In: tc.in, Style: tc.style, Explode: tc.explode}
		var got string
		if tc.in == "path" {
			got = styledValue(p, tc.v, url.PathEscape)
		} else {
			got = strings.Join(queryPairs(p, tc.v), "&")
		}
		if got != tc.want {
			t.Errorf("%s %s explode=%v %v: %q, want %q", tc.in, tc.style, tc.explode, tc.v, got, tc.want)
		}
	}
}

const stylesSpec = `openapi: 3.0.3
info: {title: styles, version: '1'}
paths:
  /shapes/{label}/{matrix}:
    get:
      parameters:
        - {name: label, in: path, required: true, style: label, explode: true, schema: {type: array, items: {type: string}}}
        - {name: matrix, in: path, required: true, style: matrix, schema: {type: object, properties: {x: {type: integer}, y: {type: integer}}}}
        - {name: filter, in: query, style: deepObject, explode: true, schema: {type: object, properties: {size: {type: string}, kind: {type: string}}}}
        - {name: ids, in: query, style: pipeDelimited, explode: false, schema: {type: array, items: {type: integer}}}
        - {name: tags, in: query, style: spaceDelimited, explode: false, schema: {type: array, items: {type: string}}}
        - {name: X-Dims, in: header, schema: {type: object, properties: {w: {type: integer}}}, explode: true}
      responses: {'200': {description: ok}}
`

// A request built from typed values reaches the server in the declared
// styles, and a server reading them that way gets the values back.
func TestStyledParametersOnTheWire(t *testing.T) {
	doc, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(stylesSpec)})
	if err != nil {
		t.Fatal(err)
	}
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r }))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	e := &engine{doc: doc, gen: &gen.Generator{Doc: doc}, base: base}
	op := doc.Operations[0]
	r := &request{op: op, method: op.Method, reqIdx: -1, omit: map[string]bool{}, params: map[string]any{
		"path:label":    []any{"red", "green"},
		"path:matrix":   map[string]any{"x": json.Number("1"), "y": json.Number("2")},
		"query:filter":  map[string]any{"size": "L", "kind": "round one"},
		"query:ids":     []any{json.Number("3"), json.Number("4")},
		"query:tags":    []any{"a", "b"},
		"header:X-Dims": map[string]any{"w": json.Number("9")},
	}}
	x, err := e.build(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(x.Method, x.URL, nil)
	req.Header = x.Header
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got == nil {
		t.Fatal("the server received nothing")
	}
	if want := "/shapes/.red.green/;matrix=x,1,y,2"; got.URL.EscapedPath() != want {
		t.Errorf("path %q, want %q", got.URL.EscapedPath(), want)
	}
	q := got.URL.Query()
	for k, want := range map[string]string{"filter[size]": "L", "filter[kind]": "round one", "ids": "3|4", "tags": "a b"} {
		if q.Get(k) != want {
			t.Errorf("query %s = %q, want %q (raw %q)", k, q.Get(k), want, got.URL.RawQuery)
		}
	}
	if got.Header.Get("X-Dims") != "w=9" {
		t.Errorf("header X-Dims %q, want w=9", got.Header.Get("X-Dims"))
	}
}

// A cookie value made of RFC 6265 cookie-octets goes as is: the server
// (here the firewall's reader) gets the contract's value back unchanged.
// Only an atom holding other bytes is percent-encoded, whole.
func TestCookieValues(t *testing.T) {
	str := &params.Shape{Types: params.TString}
	arr := &params.Shape{Types: params.TArray, Items: str}
	obj := &params.Shape{Types: params.TObject, Props: map[string]*params.Shape{"a": str, "b": str}}
	for _, tc := range []struct {
		v           any
		shape       *params.Shape
		want        string
		as          bool // the firewall reads v back as is
		notExploded bool
	}{
		{"2024-01-01T10:00:00Z", str, "c=2024-01-01T10:00:00Z", true, false},
		{"eyJhbGciOiJIUzI1NiJ9.e30.c2ln-_", str, "c=eyJhbGciOiJIUzI1NiJ9.e30.c2ln-_", true, false},
		{"YWJj+/de==", str, "c=YWJj+/de==", true, false},
		{"a&b=c?d[e]{f}|~!", str, "c=a&b=c?d[e]{f}|~!", true, false},
		{"100%", str, "c=100%", true, false},
		{"", str, "c=", true, false},
		{"two words", str, "c=two%20words", false, false},
		{"a;b=c", str, "c=a%3Bb%3Dc", false, false},
		{"1,2", str, "c=1%2C2", false, false},
		{`say "hi"`, str, "c=say%20%22hi%22", false, false},
		{`C:\dir`, str, "c=C%3A%5Cdir", false, false},
		{"café", str, "c=caf%C3%A9", false, false},
		{"line\r\nX-Injected: 1", str, "c=line%0D%0AX-Injected%3A%201", false, false},
		{[]any{"blue", "black"}, arr, "c=blue,black", true, false},
		{[]any{"a b", "c,d"}, arr, "c=a%20b,c%2Cd", false, false},
		// Exploded (the default for cookies): one cookie per property.
		{map[string]any{"b": "2", "a": "1"}, obj, "a=1; b=2", true, false},
		{map[string]any{"b": "x y", "a": "1"}, obj, "a=1; b=x%20y", false, false},
		// explode: false: one cookie, k1,v1,k2,v2.
		{map[string]any{"b": "2", "a": "1"}, obj, "c=a,1,b,2", true, true},
	} {
		p := &spec.Parameter{Name: "c", In: "cookie", Style: "form", Explode: !tc.notExploded, Schema: &spec.Schema{}}
		header := strings.Join(cookiePairs(p, tc.v), "; ")
		if header != tc.want {
			t.Errorf("%#v: sent %q, want %q", tc.v, header, tc.want)
			continue
		}
		if !tc.as {
			continue
		}
		jar, err := cookies.Parse(http.Header{"Cookie": {header + "; sid=x"}})
		if err != nil {
			t.Errorf("%#v: %v", tc.v, err)
			continue
		}
		fw := &params.Param{Name: "c", Style: "form", Explode: !tc.notExploded, Shape: tc.shape}
		back, ok, err := fw.CookieFrom(func(name string) []string { return cookies.Values(jar, name) })
		if want := tc.v; err != nil || !ok || !reflect.DeepEqual(back, want) {
			t.Errorf("%#v: the firewall read %#v (%v, %v)", tc.v, back, ok, err)
		}
	}
	// A parameter described by content is its media type's text, as is,
	// unless a byte in it would end the pair or the header field.
	p := &spec.Parameter{Name: "c", In: "cookie", Content: map[string]*spec.MediaType{"application/json": {}}}
	if got := cookieValue(p, `{"a":[1,2]}`); got != `{"a":[1,2]}` {
		t.Errorf("JSON content sent as %q", got)
	}
	if got := cookieValue(p, `{"a":"x;y"}`); got != "%7B%22a%22%3A%22x%3By%22%7D" {
		t.Errorf("JSON content with ';' sent as %q", got)
	}
}

// A multi-segment path value (x-multi-segment) keeps its slashes as
// separators and escapes each segment.
func TestEscapeSegments(t *testing.T) {
	for in, want := range map[string]string{
		"readme.md":          "readme.md",
		"docs/my file.md":    "docs/my%20file.md",
		"a/b?c/d#e":          "a/b%3Fc/d%23e",
		"heads/feature/x%y":  "heads/feature/x%25y",
		"/subscriptions/s1/": "subscriptions/s1",
	} {
		if got := escapeSegments(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
