package params

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

// The shapes of the OpenAPI style examples: a parameter named "color"
// that is a string, an array of strings, or an object {R, G, B} of
// integers.
var (
	str    = &Shape{Types: TString}
	intS   = &Shape{Types: TInteger}
	arr    = &Shape{Types: TArray, Items: str}
	intArr = &Shape{Types: TArray, Items: intS}
	obj    = &Shape{Types: TObject, Props: map[string]*Shape{"R": intS, "G": intS, "B": intS}}
)

var (
	wantArr = []any{"blue", "black", "brown"}
	wantObj = map[string]any{"R": json.Number("100"), "G": json.Number("200"), "B": json.Number("150")}
)

// deepShape is a Stripe-like object: an array of objects, a map of
// strings, an array of strings.
var deepShape = &Shape{Types: TObject, Props: map[string]*Shape{
	"items": {Types: TArray, Items: &Shape{Types: TObject, Props: map[string]*Shape{"sku": str, "qty": intS}}},
	"meta":  {Types: TObject, Additional: true, AddProps: str},
	"tags":  {Types: TArray, Items: str},
}}

// nestedObj is an object whose properties are arrays of objects (a form
// template's field and table definitions).
var nestedObj = &Shape{Types: TObject, Props: map[string]*Shape{
	"Fields": {Types: TArray, Items: &Shape{Types: TObject}},
	"Tables": {Types: TArray, Items: &Shape{Types: TObject}},
}}

func param(style string, explode bool, sh *Shape) *Param {
	return &Param{Name: "color", In: "query", Style: style, Explode: explode, Shape: sh}
}

// TestPathStyles follows the style examples table of OpenAPI 3.1 (with the
// 3.1.1 correction that non-exploded label values are comma-separated, as
// in RFC 6570).
func TestPathStyles(t *testing.T) {
	tests := []struct {
		style   string
		explode bool
		shape   *Shape
		raw     string
		want    any
	}{
		// simple
		{"simple", false, str, "blue", "blue"},
		{"simple", false, arr, "blue,black,brown", wantArr},
		{"simple", false, obj, "R,100,G,200,B,150", wantObj},
		{"simple", true, str, "blue", "blue"},
		{"simple", true, arr, "blue,black,brown", wantArr},
		{"simple", true, obj, "R=100,G=200,B=150", wantObj},
		// label
		{"label", false, str, ".", ""},
		{"label", false, str, ".blue", "blue"},
		{"label", false, arr, ".blue,black,brown", wantArr},
		{"label", false, obj, ".R,100,G,200,B,150", wantObj},
		{"label", true, str, ".", ""},
		{"label", true, str, ".blue", "blue"},
		{"label", true, arr, ".blue.black.brown", wantArr},
		{"label", true, obj, ".R=100.G=200.B=150", wantObj},
		// matrix
		{"matrix", false, str, ";color", ""},
		{"matrix", false, str, ";color=blue", "blue"},
		{"matrix", false, arr, ";color=blue,black,brown", wantArr},
		{"matrix", false, obj, ";color=R,100,G,200,B,150", wantObj},
		{"matrix", true, str, ";color", ""},
		{"matrix", true, str, ";color=blue", "blue"},
		{"matrix", true, arr, ";color=blue;color=black;color=brown", wantArr},
		{"matrix", true, obj, ";R=100;G=200;B=150", wantObj},
		// Typed items.
		{"simple", false, intS, "42", json.Number("42")},
		// 3e2 is no integer to the upstream's parsers (parseInt reads 3):
		// it stays a string, which an integer schema refuses.
		{"simple", false, intArr, "1,-2,3e2", []any{json.Number("1"), json.Number("-2"), "3e2"}},
		{"simple", false, intS, "0x10", "0x10"}, // not a JSON number: left for validation to refuse
		{"simple", false, intS, "+1", "+1"},
		{"simple", false, &Shape{Types: TBoolean}, "true", true},
		{"simple", false, &Shape{Types: TBoolean}, "True", "True"},
		{"simple", false, arr, "", []any{}},
		{"simple", false, obj, "", map[string]any{}},
	}
	for _, tc := range tests {
		name := tc.style + "/" + map[bool]string{false: "no-explode", true: "explode"}[tc.explode] + "/" + tc.raw
		t.Run(name, func(t *testing.T) {
			got, err := param(tc.style, tc.explode, tc.shape).Path(tc.raw)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestPathStyleErrors(t *testing.T) {
	tests := []struct {
		name    string
		style   string
		explode bool
		shape   *Shape
		raw     string
		want    error
	}{
		{"label without dot", "label", false, str, "blue", ErrMalformed},
		{"matrix without semicolon", "matrix", false, str, "color=blue", ErrMalformed},
		{"matrix with another name", "matrix", false, str, ";colour=blue", ErrMalformed},
		{"matrix name prefix only", "matrix", false, str, ";colors=blue", ErrMalformed},
		{"matrix exploded array with another name", "matrix", true, arr, ";color=blue;colour=black", ErrMalformed},
		{"object with an odd item count", "simple", false, obj, "R,100,G", ErrMalformed},
		{"exploded object item without =", "simple", true, obj, "R=100,G", ErrMalformed},
		{"object key given twice", "simple", false, obj, "R,1,R,2", ErrAmbiguous},
		{"exploded object key given twice", "simple", true, obj, "R=1,R=2", ErrAmbiguous},
		{"label exploded object key twice", "label", true, obj, ".R=1.R=2", ErrAmbiguous},
		{"matrix exploded object key twice", "matrix", true, obj, ";R=1;R=2", ErrAmbiguous},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := param(tc.style, tc.explode, tc.shape).Path(tc.raw)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestQueryStyles(t *testing.T) {
	tests := []struct {
		style    string
		explode  bool
		shape    *Shape
		raw      string
		want     any
		consumed []bool
	}{
		// form
		{"form", false, str, "color=", "", []bool{true}},
		{"form", false, str, "color=blue", "blue", []bool{true}},
		{"form", false, arr, "color=blue,black,brown", wantArr, []bool{true}},
		{"form", false, obj, "color=R,100,G,200,B,150", wantObj, []bool{true}},
		{"form", true, str, "color=", "", []bool{true}},
		{"form", true, str, "color=blue", "blue", []bool{true}},
		{"form", true, arr, "color=blue&color=black&color=brown", wantArr, []bool{true, true, true}},
		{"form", true, obj, "R=100&G=200&B=150", wantObj, []bool{true, true, true}},
		// spaceDelimited and pipeDelimited
		{"spaceDelimited", false, arr, "color=blue%20black%20brown", wantArr, []bool{true}},
		{"spaceDelimited", false, arr, "color=blue+black+brown", wantArr, []bool{true}},
		{"spaceDelimited", false, obj, "color=R%20100%20G%20200%20B%20150", wantObj, []bool{true}},
		{"pipeDelimited", false, arr, "color=blue|black|brown", wantArr, []bool{true}},
		{"pipeDelimited", false, arr, "color=blue%7Cblack%7Cbrown", wantArr, []bool{true}},
		{"pipeDelimited", false, obj, "color=R|100|G|200|B|150", wantObj, []bool{true}},
		// Exploded delimited arrays are repeated keys, as form.
		{"spaceDelimited", true, arr, "color=blue&color=black&color=brown", wantArr, []bool{true, true, true}},
		{"pipeDelimited", true, arr, "color=blue&color=black&color=brown", wantArr, []bool{true, true, true}},
		// deepObject
		{"deepObject", true, obj, "color[R]=100&color[G]=200&color[B]=150", wantObj, []bool{true, true, true}},
		{"deepObject", true, &Shape{Types: TObject, Props: map[string]*Shape{"tags": arr}}, "color[tags]=blue&color[tags]=black&color[tags]=brown",
			map[string]any{"tags": wantArr}, []bool{true, true, true}},
		// Nested values in the bracket forms of qs, PHP and Rails
		// (Stripe's form bodies): arrays of objects by index, nested
		// objects, arrays of scalars by [] or a repeated key.
		{"deepObject", true, deepShape, "color[items][0][sku]=a&color[items][0][qty]=2&color[items][1][sku]=b&color[meta][k]=v&color[tags][]=x&color[tags][]=y",
			map[string]any{"items": []any{map[string]any{"sku": "a", "qty": json.Number("2")}, map[string]any{"sku": "b"}}, "meta": map[string]any{"k": "v"}, "tags": []any{"x", "y"}},
			[]bool{true, true, true, true, true, true}},
		{"deepObject", true, deepShape, "color[items][0][sku]=a&color[items][1][sku]=b&color[items][0][qty]=2",
			map[string]any{"items": []any{map[string]any{"sku": "a", "qty": json.Number("2")}, map[string]any{"sku": "b"}}}, []bool{true, true, true}},
		{"deepObject", true, deepShape, "color[tags]=x&color[tags]=y", map[string]any{"tags": []any{"x", "y"}}, []bool{true, true}},
		// additionalProperties types what the object does not declare.
		{"deepObject", true, &Shape{Types: TObject, Additional: true, AddProps: intS}, "color[n]=3", map[string]any{"n": json.Number("3")}, []bool{true}},
		// A free-form exploded object takes every other key, typed by
		// additionalProperties (validation then refuses b=x).
		{"form", true, &Shape{Types: TObject, Additional: true, AddProps: intS}, "a=1&b=x",
			map[string]any{"a": json.Number("1"), "b": "x"}, []bool{true, true}},
		{"form", true, &Shape{Types: TObject, Props: map[string]*Shape{"R": intS}, Additional: true, AddProps: intArr}, "R=1&a=1&a=2",
			map[string]any{"R": json.Number("1"), "a": []any{json.Number("1"), json.Number("2")}}, []bool{true, true, true}},
		// A numeric property the schema declares is read as declared.
		{"deepObject", true, &Shape{Types: TObject, Props: map[string]*Shape{"0": intS}}, "color[0]=1", map[string]any{"0": json.Number("1")}, []bool{true}},
		// An integer or an exploded object (pandascore's page, oneOf
		// [integer, {number, size}]): the pair of its own name is the
		// scalar, its properties' pairs the object.
		{"form", true, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"number": intS, "size": intS}}, "color=2&x=1",
			json.Number("2"), []bool{true, false}},
		{"form", true, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"number": intS, "size": intS}}, "number=2&size=50",
			map[string]any{"number": json.Number("2"), "size": json.Number("50")}, []bool{true, true}},
		// Other keys are left for the caller to refuse as undeclared.
		{"form", false, str, "other=1&color=blue&x=2", "blue", []bool{false, true, false}},
		{"form", true, obj, "R=100&X=1&G=200&B=150", wantObj, []bool{true, false, true, true}},
		{"deepObject", true, obj, "colour[R]=1&color[R]=100&color[G]=200&color[B]=150", wantObj, []bool{false, true, true, true}},
		// deepObject on a schema that admits a scalar (Stripe's created,
		// anyOf [range object, integer]): the bare name is that scalar,
		// read as the scalar types only; brackets are the object.
		{"deepObject", true, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"gte": intS}}, "color=1700000000&x=1",
			json.Number("1700000000"), []bool{true, false}},
		{"deepObject", true, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"gte": intS}}, "color[gte]=1700000000",
			map[string]any{"gte": json.Number("1700000000")}, []bool{true}},
		{"deepObject", true, &Shape{Types: TObject | TString}, `color={"a":1}`, `{"a":1}`, []bool{true}},
		{"deepObject", true, &Shape{Types: TString}, "color=now", "now", []bool{true}},
		// Stripe's tax_rates: an array, or "" to clear it.
		{"deepObject", true, &Shape{Types: TArray | TString, Items: str}, "color=", "", []bool{true}},
		{"deepObject", true, &Shape{Types: TArray | TString, Items: str}, "color[]=a&color[]=b", []any{"a", "b"}, []bool{true, true}},
		// deepObject on an array of objects (Stripe's subscription items,
		// checkout line_items): items[0][price]=x, indices in order.
		{"deepObject", true, deepShape.Props["items"], "color[0][sku]=a&color[0][qty]=2&color[1][sku]=b",
			[]any{map[string]any{"sku": "a", "qty": json.Number("2")}, map[string]any{"sku": "b"}}, []bool{true, true, true}},
		{"deepObject", true, deepShape.Props["items"], "color[0][sku]=a&color[1][sku]=b&color[0][qty]=2",
			[]any{map[string]any{"sku": "a", "qty": json.Number("2")}, map[string]any{"sku": "b"}}, []bool{true, true, true}},
		// An object or a string, exploded: the name is the string, the
		// properties' pairs the object.
		{"form", true, &Shape{Types: TObject | TString, Props: map[string]*Shape{"R": intS}}, "color=x&X=1", "x", []bool{true, false}},
		{"form", true, &Shape{Types: TObject | TString, Props: map[string]*Shape{"R": intS}}, "R=1", map[string]any{"R": json.Number("1")}, []bool{true}},
		// An object or an integer, not exploded: one atom is the integer.
		{"form", false, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"R": intS}}, "color=5", json.Number("5"), []bool{true}},
		{"form", false, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"R": intS}}, "color=R,5", map[string]any{"R": json.Number("5")}, []bool{true}},
		{"form", false, &Shape{Types: TObject | TBoolean, Props: map[string]*Shape{"R": intS}}, "color=true", true, []bool{true}},
		// A string or an array of them, exploded (Vercel's domain): one
		// pair is the string, repeated pairs the array.
		{"form", true, &Shape{Types: TArray | TString, Items: str}, "color=a", "a", []bool{true}},
		{"form", true, &Shape{Types: TArray | TString, Items: str}, "color=a&x=1&color=b", []any{"a", "b"}, []bool{true, false, true}},
	}
	for _, tc := range tests {
		name := tc.style + "/" + map[bool]string{false: "no-explode", true: "explode"}[tc.explode] + "/" + tc.raw
		t.Run(name, func(t *testing.T) {
			q, err := ParseQuery(tc.raw, 100)
			if err != nil {
				t.Fatal(err)
			}
			consumed := make([]bool, len(q))
			got, present, err := param(tc.style, tc.explode, tc.shape).Query(q, consumed)
			if err != nil || !present {
				t.Fatalf("present %v, err %v", present, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
			if !reflect.DeepEqual(consumed, tc.consumed) {
				t.Fatalf("consumed %v, want %v", consumed, tc.consumed)
			}
		})
	}
}

func TestQueryAbsentAndErrors(t *testing.T) {
	tests := []struct {
		name    string
		style   string
		explode bool
		shape   *Shape
		raw     string
		present bool
		err     error
	}{
		{"absent", "form", false, str, "other=1", false, nil},
		{"absent exploded array", "form", true, arr, "other=1", false, nil},
		{"absent exploded object", "form", true, obj, "X=1", false, nil},
		{"absent deepObject", "deepObject", true, obj, "other[R]=1", false, nil},
		{"name is case-sensitive", "form", false, str, "Color=blue", false, nil},
		{"non-exploded value given twice", "form", false, str, "color=blue&color=red", true, ErrAmbiguous},
		{"non-exploded array given twice", "form", false, arr, "color=a,b&color=c", true, ErrAmbiguous},
		{"exploded object property twice", "form", true, obj, "R=1&R=2", true, ErrAmbiguous},
		{"free-form object property twice", "form", true, &Shape{Types: TObject, Additional: true, AddProps: intS}, "a=1&a=2", true, ErrAmbiguous},
		{"deepObject property twice", "deepObject", true, obj, "color[R]=1&color[R]=2", true, ErrAmbiguous},
		{"deepObject nested brackets", "deepObject", true, obj, "color[R][x]=1", true, ErrMalformed},
		{"deepObject unclosed bracket", "deepObject", true, obj, "color[R=1", true, ErrMalformed},
		{"form object odd items", "form", false, obj, "color=R,100,G", true, ErrMalformed},
		{"deepObject empty property", "deepObject", true, obj, "color[]=1", true, ErrAmbiguous},
		{"deepObject numeric property", "deepObject", true, &Shape{Types: TObject, Additional: true}, "color[0]=1", true, ErrAmbiguous},
		{"scalar or object given twice", "form", true, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"number": intS}}, "color=1&color=2", true, ErrAmbiguous},
		{"deepObject index out of order", "deepObject", true, deepShape, "color[items][1][sku]=a", true, ErrAmbiguous},
		{"deepObject index skipped", "deepObject", true, deepShape, "color[items][0][sku]=a&color[items][2][sku]=b", true, ErrAmbiguous},
		{"deepObject index not canonical", "deepObject", true, deepShape, "color[items][00][sku]=a", true, ErrAmbiguous},
		{"deepObject [] beside indices", "deepObject", true, deepShape, "color[tags][0]=a&color[tags][]=b", true, ErrAmbiguous},
		{"deepObject [] with a nested key", "deepObject", true, deepShape, "color[items][][sku]=a", true, ErrAmbiguous},
		{"deepObject value and container", "deepObject", true, deepShape, "color[meta]=x&color[meta][k]=v", true, ErrAmbiguous},
		{"deepObject nested value twice", "deepObject", true, deepShape, "color[meta][k]=v&color[meta][k]=w", true, ErrAmbiguous},
		{"deepObject undeclared numeric key nested", "deepObject", true, deepShape, "color[meta][0]=v", true, ErrAmbiguous},
		{"deepObject key not closed", "deepObject", true, deepShape, "color[meta][k=v", true, ErrMalformed},
		{"deepObject text after a bracket", "deepObject", true, deepShape, "color[meta]k=v", true, ErrMalformed},
		{"deepObject too deep", "deepObject", true, deepShape, "color" + strings.Repeat("[a]", 20) + "=v", true, ErrMalformed},
		{"free-form object bracketed key", "form", true, &Shape{Types: TObject, Additional: true, AddProps: intS}, "a[]=1", true, ErrAmbiguous},
		// The bare name of a deepObject whose schema admits no scalar is
		// left (refused by the caller as undeclared); of one that does,
		// it may not be repeated or sent beside bracket keys.
		{"deepObject array of objects, index out of order", "deepObject", true, deepShape.Props["items"], "color[1][sku]=a", true, ErrAmbiguous},
		{"deepObject array of objects, [] before a key", "deepObject", true, deepShape.Props["items"], "color[][sku]=a", true, ErrAmbiguous},
		{"deepObject array of objects, a property as an item", "deepObject", true, deepShape.Props["items"], "color[sku]=a", true, ErrAmbiguous},
		{"deepObject array of scalars, nested key", "deepObject", true, arr, "color[0][x]=a", true, ErrMalformed},
		{"deepObject bare name, object only", "deepObject", true, obj, "color=1", false, nil},
		{"deepObject scalar twice", "deepObject", true, &Shape{Types: TObject | TInteger}, "color=1&color=2", true, ErrAmbiguous},
		{"deepObject scalar beside brackets", "deepObject", true, &Shape{Types: TObject | TInteger, Props: map[string]*Shape{"gte": intS}}, "color[gte]=1&color=2", true, ErrAmbiguous},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.raw, 100)
			if err != nil {
				t.Fatal(err)
			}
			_, present, err := param(tc.style, tc.explode, tc.shape).Query(q, make([]bool, len(q)))
			if present != tc.present || !errors.Is(err, tc.err) {
				t.Fatalf("present %v err %v, want %v %v", present, err, tc.present, tc.err)
			}
		})
	}
}

func TestParseQuery(t *testing.T) {
	tests := []struct {
		raw  string
		max  int
		want []Pair
		err  bool
	}{
		{"a=1&b=2", 10, []Pair{{"a", "1"}, {"b", "2"}}, false},
		{"a=x+y&b=%26%3D", 10, []Pair{{"a", "x y"}, {"b", "&="}}, false},
		{"a=1;2", 10, []Pair{{"a", "1;2"}}, false},   // semicolons are data
		{"a=x;%3B", 10, []Pair{{"a", "x;;"}}, false}, // even before an encoded one
		{"a=1;b=2", 10, nil, true},                   // unless they start a pair some servers read
		{"a=1;;b=2", 10, nil, true},
		{"a;b=2", 10, nil, true},
		{"a=1%3Bb=2", 10, []Pair{{"a", "1;b=2"}}, false}, // encoded: data to every server
		{"flag&&a=", 10, []Pair{{"flag", ""}, {"a", ""}}, false},
		{"", 10, nil, false},
		{"a=1&b=2&c=3", 3, []Pair{{"a", "1"}, {"b", "2"}, {"c", "3"}}, false},
		{"a=1&b=2&c=3&d=4", 3, nil, true},
		{"a=%zz", 10, nil, true},
		{"%g0=1", 10, nil, true},
		{"a=%", 10, nil, true},
		{"a=%ff", 10, nil, true},                    // invalid UTF-8
		{"q=a%00", 10, nil, true},                   // NUL
		{"%00=1", 10, nil, true},                    // NUL in a name
		{"a=%C3%A9", 10, []Pair{{"a", "é"}}, false}, // UTF-8 is fine
	}
	for _, tc := range tests {
		got, err := ParseQuery(tc.raw, tc.max)
		if err != nil && strings.Contains(tc.raw, ";") && !errors.Is(err, ErrQuerySemicolon) {
			t.Fatalf("%q: err = %v, want ErrQuerySemicolon", tc.raw, err)
		}
		if (err != nil) != tc.err {
			t.Fatalf("%q: err = %v, want error %v", tc.raw, err, tc.err)
		}
		if !tc.err && !reflect.DeepEqual(got, tc.want) {
			t.Fatalf("%q: got %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// jar is a Cookie header as name -> values, for CookieFrom.
type jar string

func (j jar) read(p *Param) (any, bool, error) {
	return p.CookieFrom(func(name string) []string {
		var out []string
		for _, pair := range strings.Split(string(j), "; ") {
			if k, v, _ := strings.Cut(pair, "="); k == name {
				out = append(out, v)
			}
		}
		return out
	})
}

func TestHeaderAndCookie(t *testing.T) {
	h := func(sh *Shape, explode bool, vals ...string) (any, bool, error) {
		return (&Param{Name: "X-Color", In: "header", Style: "simple", Explode: explode, Shape: sh}).Header(vals)
	}
	tests := []struct {
		name    string
		got     func() (any, bool, error)
		want    any
		present bool
		err     error
	}{
		{"header absent", func() (any, bool, error) { return h(str, false) }, nil, false, nil},
		{"header string trimmed", func() (any, bool, error) { return h(str, false, "  blue ") }, "blue", true, nil},
		{"header array", func() (any, bool, error) { return h(arr, false, "blue,black,brown") }, wantArr, true, nil},
		{"header array over several field lines", func() (any, bool, error) { return h(arr, false, "blue,black", "brown") }, wantArr, true, nil},
		{"header object", func() (any, bool, error) { return h(obj, false, "R,100,G,200,B,150") }, wantObj, true, nil},
		{"header exploded object", func() (any, bool, error) { return h(obj, true, "R=100,G=200,B=150") }, wantObj, true, nil},
		{"header array with optional whitespace", func() (any, bool, error) { return h(arr, false, "blue, black ,\tbrown") }, wantArr, true, nil},
		{"header integer array with optional whitespace over two field lines", func() (any, bool, error) { return h(intArr, false, "1, 2", " 3") },
			[]any{json.Number("1"), json.Number("2"), json.Number("3")}, true, nil},
		{"header object with optional whitespace", func() (any, bool, error) { return h(obj, false, "R, 100, G, 200, B, 150") }, wantObj, true, nil},
		{"header exploded object with optional whitespace", func() (any, bool, error) { return h(obj, true, "R=100, G=200, B=150") }, wantObj, true, nil},
		{"header scalar given twice", func() (any, bool, error) { return h(str, false, "a", "b") }, nil, true, ErrAmbiguous},
		// Objects and arrays inside travel as JSON text, whose own
		// commas do not separate items.
		{"header object holding arrays of objects", func() (any, bool, error) {
			return h(nestedObj, false, `Fields,[{"a":1,"b":"x,y"},{"a":2}],Tables,[]`)
		}, map[string]any{"Fields": JSONText(`[{"a":1,"b":"x,y"},{"a":2}]`), "Tables": JSONText(`[]`)}, true, nil},
		{"header exploded object holding an array of objects", func() (any, bool, error) {
			return h(nestedObj, true, `Fields=[{"a":1,"b":2}], Tables=[]`)
		}, map[string]any{"Fields": JSONText(`[{"a":1,"b":2}]`), "Tables": JSONText(`[]`)}, true, nil},
		{"header array of objects", func() (any, bool, error) {
			return h(&Shape{Types: TArray, Items: &Shape{Types: TObject}}, false, `{"a":1,"b":2}, {"a":3}`)
		}, []any{JSONText(`{"a":1,"b":2}`), JSONText(`{"a":3}`)}, true, nil},
		// A bracket that does not close is text, split as before (and
		// refused by validation); where no item may be JSON, brackets
		// are text too.
		{"header object, unclosed bracket", func() (any, bool, error) {
			return h(nestedObj, false, `Fields,[{"a":1,Tables,x`)
		}, map[string]any{"Fields": JSONText(`[{"a":1`), "Tables": "x"}, true, nil},
		{"header array of strings with brackets", func() (any, bool, error) { return h(arr, false, "[a,b]") }, []any{"[a", "b]"}, true, nil},
		// An object or an integer: one atom is the integer, exploded or not.
		{"header object or integer, the integer", func() (any, bool, error) {
			return h(&Shape{Types: TObject | TInteger, Props: map[string]*Shape{"R": intS}}, true, "5")
		}, json.Number("5"), true, nil},
		{"header object or integer, the object", func() (any, bool, error) {
			return h(&Shape{Types: TObject | TInteger, Props: map[string]*Shape{"R": intS}}, true, "R=5")
		}, map[string]any{"R": json.Number("5")}, true, nil},
		{"cookie string", func() (any, bool, error) { return param("form", false, str).Cookie([]string{"blue"}) }, "blue", true, nil},
		{"cookie array", func() (any, bool, error) { return param("form", false, arr).Cookie([]string{"blue,black,brown"}) }, wantArr, true, nil},
		{"cookie array repeated", func() (any, bool, error) { return param("form", true, arr).Cookie([]string{"blue", "black", "brown"}) }, wantArr, true, nil},
		{"cookie non-exploded array repeated", func() (any, bool, error) { return param("form", false, arr).Cookie([]string{"blue,black", "brown"}) }, nil, true, ErrAmbiguous},
		{"cookie non-exploded array repeated through CookieFrom", func() (any, bool, error) { return jar("color=blue; color=black").read(param("form", false, arr)) }, nil, true, ErrAmbiguous},
		{"cookie scalar repeated", func() (any, bool, error) { return param("form", false, str).Cookie([]string{"a", "b"}) }, nil, true, ErrAmbiguous},
		{"cookie absent", func() (any, bool, error) { return param("form", false, str).Cookie(nil) }, nil, false, nil},
		// An exploded object spreads over cookies of its own, R=100;
		// G=200; B=150 (form's R=100&G=200&B=150 with the Cookie header's
		// separator).
		{"cookie exploded object", func() (any, bool, error) { return jar("R=100; G=200; B=150; sid=x").read(param("form", true, obj)) }, wantObj, true, nil},
		{"cookie exploded object, some properties", func() (any, bool, error) { return jar("G=200").read(param("form", true, obj)) }, map[string]any{"G": json.Number("200")}, true, nil},
		{"cookie exploded object in the comma form", func() (any, bool, error) { return jar("color=R,100,G,200,B,150").read(param("form", true, obj)) }, wantObj, true, nil},
		{"cookie exploded object in both forms", func() (any, bool, error) { return jar("color=R,1; R=100").read(param("form", true, obj)) }, nil, true, ErrAmbiguous},
		{"cookie exploded object, a property twice", func() (any, bool, error) { return jar("R=1; R=100").read(param("form", true, obj)) }, nil, true, ErrAmbiguous},
		{"cookie exploded object absent", func() (any, bool, error) { return jar("sid=x").read(param("form", true, obj)) }, nil, false, nil},
		// An object or a string: its properties' cookies, or the string
		// in the cookie of its name.
		{"cookie object or string, the object", func() (any, bool, error) {
			return jar("R=100").read(param("form", true, &Shape{Types: TObject | TString, Props: map[string]*Shape{"R": intS}}))
		}, map[string]any{"R": json.Number("100")}, true, nil},
		{"cookie object or string, the string", func() (any, bool, error) {
			return jar("color=blue").read(param("form", true, &Shape{Types: TObject | TString, Props: map[string]*Shape{"R": intS}}))
		}, "blue", true, nil},
		{"cookie object not exploded ignores property cookies", func() (any, bool, error) { return jar("R=100").read(param("form", false, obj)) }, nil, false, nil},
		{"cookie array through CookieFrom", func() (any, bool, error) {
			return jar("color=blue; color=black; color=brown").read(param("form", true, arr))
		}, wantArr, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, present, err := tc.got()
			if present != tc.present || !errors.Is(err, tc.err) {
				t.Fatalf("present %v err %v, want %v %v", present, err, tc.present, tc.err)
			}
			if tc.err == nil && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestCookieNames(t *testing.T) {
	for _, tc := range []struct {
		p    *Param
		want []string
	}{
		{param("form", true, obj), []string{"color", "B", "G", "R"}},
		{param("form", false, obj), []string{"color"}},
		{param("form", true, arr), []string{"color"}},
	} {
		if got := tc.p.CookieNames(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("explode %v %v: %q, want %q", tc.p.Explode, tc.p.Shape.Types, got, tc.want)
		}
	}
}

func TestShapeOf(t *testing.T) {
	refs := map[string]any{"#/c/Int": map[string]any{"type": "integer"}}
	resolve := func(v any) (any, bool) {
		m, _ := v.(map[string]any)
		r, _ := m["$ref"].(string)
		t, ok := refs[r]
		return t, ok
	}
	tests := []struct {
		name   string
		schema any
		check  func(*Shape) bool
	}{
		{"no type is a string", map[string]any{}, func(s *Shape) bool { return s.Types == TString }},
		{"type list", map[string]any{"type": []any{"integer", "null"}}, func(s *Shape) bool { return s.Types == TInteger|TNull }},
		{"nullable (3.0)", map[string]any{"type": "integer", "nullable": true}, func(s *Shape) bool { return s.Has(TNull) }},
		{"items imply array", map[string]any{"items": map[string]any{"type": "integer"}}, func(s *Shape) bool { return s.Types == TArray && s.Items.Types == TInteger }},
		{"properties imply object", map[string]any{"properties": map[string]any{"a": map[string]any{"type": "boolean"}}}, func(s *Shape) bool {
			return s.Types == TObject && s.Props["a"].Types == TBoolean && !s.Additional
		}},
		{"additionalProperties schema", map[string]any{"type": "object", "additionalProperties": map[string]any{}}, func(s *Shape) bool { return s.Additional }},
		{"additionalProperties false", map[string]any{"type": "object", "additionalProperties": false}, func(s *Shape) bool { return !s.Additional }},
		{"$ref followed", map[string]any{"$ref": "#/c/Int"}, func(s *Shape) bool { return s.Types == TInteger }},
		{"unresolvable $ref is a string", map[string]any{"$ref": "#/c/Nope"}, func(s *Shape) bool { return s.Types == TString }},
		{"oneOf merged", map[string]any{"oneOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "boolean"}}}, func(s *Shape) bool { return s.Types == TInteger|TBoolean }},
		// A member typed string counts, in either order; one that names
		// no type adds nothing to a typed composition.
		{"anyOf object or string", map[string]any{"anyOf": []any{map[string]any{"type": "object"}, map[string]any{"type": "string", "enum": []any{""}}}}, func(s *Shape) bool { return s.Types == TObject|TString }},
		{"anyOf string or integer", map[string]any{"anyOf": []any{map[string]any{"type": "integer"}, map[string]any{"type": "string"}}}, func(s *Shape) bool { return s.Types == TInteger|TString }},
		{"anyOf enum of strings or object", map[string]any{"anyOf": []any{map[string]any{"enum": []any{""}}, map[string]any{"type": "object"}}}, func(s *Shape) bool { return s.Types == TString|TObject }},
		{"allOf $ref and a description", map[string]any{"allOf": []any{map[string]any{"$ref": "#/c/Int"}, map[string]any{"description": "x"}}}, func(s *Shape) bool { return s.Types == TInteger }},
		{"allOf a description first", map[string]any{"allOf": []any{map[string]any{"description": "x"}, map[string]any{"$ref": "#/c/Int"}}}, func(s *Shape) bool { return s.Types == TInteger }},
		{"untyped members and an enum", map[string]any{"allOf": []any{map[string]any{"description": "x"}}, "enum": []any{true}}, func(s *Shape) bool { return s.Types == TBoolean }},
		{"enum types", map[string]any{"enum": []any{json.Number("1"), true}}, func(s *Shape) bool { return s.Types == TNumber|TBoolean }},
		{"format binary is a file", map[string]any{"type": "string", "format": "binary"}, func(s *Shape) bool { return s.File }},
		{"contentMediaType is a file", map[string]any{"type": "string", "contentMediaType": "image/png"}, func(s *Shape) bool { return s.File }},
		{"a file through allOf", map[string]any{"allOf": []any{map[string]any{"contentEncoding": "base64"}}}, func(s *Shape) bool { return s.File }},
		{"a plain string is not a file", map[string]any{"type": "string", "format": "email"}, func(s *Shape) bool { return !s.File }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s := ShapeOf(tc.schema, resolve); !tc.check(s) {
				t.Fatalf("shape = %+v", s)
			}
		})
	}
	// A self-referencing schema terminates.
	refs["#/c/Loop"] = map[string]any{"$ref": "#/c/Loop", "description": "x"}
	if s := ShapeOf(map[string]any{"$ref": "#/c/Loop"}, resolve); s == nil {
		t.Fatal("nil shape")
	}
}

func TestScalarNumbers(t *testing.T) {
	num := &Shape{Types: TNumber}
	for _, tc := range []struct {
		raw    string
		number bool
	}{
		{"0", true}, {"-0", true}, {"1.5", true}, {"1e-7", true}, {"1E+300", true}, {"1e400", true},
		{"01", false}, {".5", false}, {"5.", false}, {"1e", false}, {"-", false}, {"Inf", false}, {"NaN", false}, {"0x1p3", false}, {" 1", false}, {"", false},
		// Longer than the schema engine reads in reasonable time.
		{strings.Repeat("9", spec.MaxNumberLen), true}, {strings.Repeat("9", spec.MaxNumberLen+1), false},
	} {
		_, isNum := Scalar(tc.raw, num).(json.Number)
		if isNum != tc.number {
			t.Errorf("%q: number = %v, want %v", tc.raw, isNum, tc.number)
		}
	}
	for _, tc := range []struct {
		raw     string
		integer bool
	}{
		{"0", true}, {"-0", true}, {"5", true}, {"-12", true}, {"100", true},
		{"1e3", false}, {"1000e-1", false}, {"100.0", false}, {"1E2", false}, {"05", false}, {"+5", false}, {"-", false}, {"", false},
	} {
		_, isNum := Scalar(tc.raw, intS).(json.Number)
		if isNum != tc.integer {
			t.Errorf("integer %q: number = %v, want %v", tc.raw, isNum, tc.integer)
		}
		// A number schema still takes every JSON number.
		if _, isNum := Scalar(tc.raw, &Shape{Types: TInteger | TNumber}).(json.Number); isNum != isNumber(tc.raw) {
			t.Errorf("number %q: number = %v", tc.raw, isNum)
		}
	}
	nullable := &Shape{Types: TInteger | TNull}
	if v := Scalar("", nullable); v != nil {
		t.Errorf("empty value of a nullable integer = %#v, want nil", v)
	}
	if v := Scalar("", &Shape{Types: TString | TNull}); v != "" {
		t.Errorf("empty value of a nullable string = %#v, want \"\"", v)
	}
}

func TestLenientQuery(t *testing.T) {
	tests := []struct {
		raw  string
		max  int
		want []Pair
	}{
		{"a=1&b=2", 10, []Pair{{"a", "1"}, {"b", "2"}}},
		{"q=x;role=<b>", 10, []Pair{{"q", "x"}, {"role", "<b>"}}}, // split at ';' as Rack 2 does
		{"a=%zz&b=%3Cscript%3E", 10, []Pair{{"a", "%zz"}, {"b", "<script>"}}},
		{"a=1&&;b", 10, []Pair{{"a", "1"}, {"b", ""}}},
		{"a=1&b=2&c=3", 2, []Pair{{"a", "1"}, {"b", "2"}}},
		{"", 10, nil},
	}
	for _, tc := range tests {
		if got := LenientQuery(tc.raw, tc.max); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LenientQuery(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}

// TestScalarJSONText: an atom where the schema wants an object or an
// array, and no string, is marked as JSON text for the caller to decode;
// anything else keeps its ordinary reading.
func TestScalarJSONText(t *testing.T) {
	obj, arr := &Shape{Types: TObject}, &Shape{Types: TArray}
	for _, tc := range []struct {
		raw  string
		s    *Shape
		want any
	}{
		{`{"a":1}`, obj, JSONText(`{"a":1}`)},
		{`[1,2]`, arr, JSONText(`[1,2]`)},
		{`[1]`, &Shape{Types: TObject | TArray}, JSONText(`[1]`)},
		{`{"a":1}`, &Shape{Types: TObject | TString}, `{"a":1}`}, // a string reading exists
		{`a`, obj, "a"},  // not JSON-looking: stays text, refused as the wrong type
		{``, obj, ""},    // empty
		{`{`, intS, "{"}, // an integer schema never reads JSON
	} {
		if got := Scalar(tc.raw, tc.s); got != tc.want {
			t.Errorf("Scalar(%q) = %#v, want %#v", tc.raw, got, tc.want)
		}
	}
	for _, tc := range []struct {
		s    *Shape
		want bool
	}{
		{nil, false},
		{&Shape{Types: TString}, false},
		{&Shape{Types: TString | TArray, Items: &Shape{Types: TInteger}}, false},
		{&Shape{Types: TArray, Items: &Shape{Types: TInteger}}, true}, // conservative: the whole value wants an array
		{&Shape{Types: TArray, Items: &Shape{Types: TObject}}, true},
		{&Shape{Types: TArray, Items: &Shape{Types: TArray}}, true},
		{&Shape{Types: TObject, Props: map[string]*Shape{"a": {Types: TString}}}, true}, // the whole value may be JSON
		{&Shape{Types: TObject | TString, Props: map[string]*Shape{"a": {Types: TObject}}}, true},
		{&Shape{Types: TObject | TString, AddProps: &Shape{Types: TArray}}, true},
		{&Shape{Types: TObject | TString, Props: map[string]*Shape{"a": {Types: TString}}}, false},
	} {
		if got := MayHoldJSON(tc.s); got != tc.want {
			t.Errorf("MayHoldJSON(%+v) = %v, want %v", tc.s, got, tc.want)
		}
	}
}

// Tuples (OpenAPI 3.1 prefixItems): an integer, then a boolean; with
// items false there is nothing after them, with items the rest are
// integers too.
var (
	boolS      = &Shape{Types: TBoolean}
	tuple      = &Shape{Types: TArray, Prefix: []*Shape{intS, boolS}}
	tupleRest  = &Shape{Types: TArray, Prefix: []*Shape{intS, boolS}, Items: intS}
	wantTuple  = []any{json.Number("1"), true}
	tupleNulls = &Shape{Types: TArray, Prefix: []*Shape{intS, {Types: TInteger | TNull}}}
)

// TestPrefixItems: every decoder reads an array item with the shape of
// its position: prefixItems for the first ones, items for the rest.
func TestPrefixItems(t *testing.T) {
	path := func(style string, explode bool, sh *Shape, raw string) func() (any, error) {
		return func() (any, error) { return param(style, explode, sh).Path(raw) }
	}
	query := func(style string, explode bool, sh *Shape, raw string) func() (any, error) {
		return func() (any, error) {
			q, err := ParseQuery(raw, 100)
			if err != nil {
				return nil, err
			}
			v, _, err := param(style, explode, sh).Query(q, make([]bool, len(q)))
			return v, err
		}
	}
	header := func(sh *Shape, lines ...string) func() (any, error) {
		return func() (any, error) {
			v, _, err := (&Param{Name: "X-Pair", In: "header", Style: "simple", Shape: sh}).Header(lines)
			return v, err
		}
	}
	cookie := func(explode bool, sh *Shape, cookies string) func() (any, error) {
		return func() (any, error) {
			v, _, err := jar(cookies).read(param("form", explode, sh))
			return v, err
		}
	}
	long := strings.Repeat(",7", 10000)
	wantLong := append([]any{json.Number("1"), true}, slices.Repeat([]any{json.Number("7")}, 10000)...)
	tests := []struct {
		name string
		got  func() (any, error)
		want any
	}{
		{"simple", path("simple", false, tuple, "1,true"), wantTuple},
		{"simple exploded", path("simple", true, tuple, "1,true"), wantTuple},
		{"label", path("label", false, tuple, ".1,true"), wantTuple},
		{"label exploded", path("label", true, tuple, ".1.true"), wantTuple},
		{"matrix", path("matrix", false, tuple, ";color=1,true"), wantTuple},
		{"matrix exploded", path("matrix", true, tuple, ";color=1;color=true"), wantTuple},
		{"form", query("form", false, tuple, "color=1,true"), wantTuple},
		{"form exploded", query("form", true, tuple, "color=1&color=true"), wantTuple},
		{"spaceDelimited", query("spaceDelimited", false, tuple, "color=1%20true"), wantTuple},
		{"pipeDelimited", query("pipeDelimited", false, tuple, "color=1|true"), wantTuple},
		{"pipeDelimited exploded", query("pipeDelimited", true, tuple, "color=1&color=true"), wantTuple},
		{"deepObject with []", query("deepObject", true, tuple, "color[]=1&color[]=true"), wantTuple},
		{"deepObject by index", query("deepObject", true, tuple, "color[0]=1&color[1]=true"), wantTuple},
		{"deepObject repeated property", query("deepObject", true, &Shape{Types: TObject, Props: map[string]*Shape{"p": tuple}}, "color[p]=1&color[p]=true"),
			map[string]any{"p": wantTuple}},
		{"deepObject tuple of objects by index", query("deepObject", true, &Shape{Types: TArray, Prefix: []*Shape{obj, {Types: TObject, Props: map[string]*Shape{"on": boolS}}}},
			"color[0][R]=1&color[1][on]=true&color[0][G]=2"),
			[]any{map[string]any{"R": json.Number("1"), "G": json.Number("2")}, map[string]any{"on": true}}},
		{"exploded form object, tuple property", query("form", true, &Shape{Types: TObject, Props: map[string]*Shape{"p": tuple}}, "p=1&p=true"),
			map[string]any{"p": wantTuple}},
		{"free-form object, tuple values", query("form", true, &Shape{Types: TObject, Additional: true, AddProps: tuple}, "p=1&p=true"),
			map[string]any{"p": wantTuple}},
		{"string or tuple, repeated", query("form", true, &Shape{Types: TArray | TString, Prefix: []*Shape{intS, boolS}}, "color=1&color=true"), wantTuple},
		{"header", header(tuple, "1, true"), wantTuple},
		{"header over two field lines", header(tuple, "1", "true"), wantTuple},
		{"cookie", cookie(false, tuple, "color=1,true"), wantTuple},
		{"cookie exploded, repeated", cookie(true, tuple, "color=1; color=true"), wantTuple},
		// Items after the prefix: items' shape, or text where items is
		// false (validation refuses them).
		{"after the prefix, items", query("form", false, tupleRest, "color=1,true,2,3"), []any{json.Number("1"), true, json.Number("2"), json.Number("3")}},
		{"after the prefix, items false", query("form", false, tuple, "color=1,true,2"), []any{json.Number("1"), true, "2"}},
		{"after the prefix, exploded", query("form", true, tupleRest, "color=1&color=true&color=2"), []any{json.Number("1"), true, json.Number("2")}},
		{"fewer items than the prefix", query("form", false, tuple, "color=1"), []any{json.Number("1")}},
		// Each position keeps its own reading: true at the integer's
		// position stays text, 1 at the boolean's is no boolean.
		{"items swapped", query("form", false, tuple, "color=true,1"), []any{"true", "1"}},
		// A 3.1 type list at a position, as under items: empty is null.
		{"nullable position empty", query("form", false, tupleNulls, "color=1,"), []any{json.Number("1"), nil}},
		{"nullable position integer", query("form", false, tupleNulls, "color=1,2"), []any{json.Number("1"), json.Number("2")}},
		// An object position travels as JSON text; its commas do not
		// split the list.
		{"JSON position", query("form", false, &Shape{Types: TArray, Prefix: []*Shape{{Types: TObject}, intS}}, `color={"a":1,"b":2},3`),
			[]any{JSONText(`{"a":1,"b":2}`), json.Number("3")}},
		// A long list: each item read once, the prefix by position.
		{"long list", query("form", false, tupleRest, "color=1,true"+long), wantLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.got()
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// TestShapeOfPrefixItems: prefixItems (and, in the dialects before
// 2020-12, items as a list) give the shapes of the first items by
// position; items (additionalItems) the rest, none where false.
func TestShapeOfPrefixItems(t *testing.T) {
	refs := map[string]any{"#/c/Pair": map[string]any{"type": "array", "prefixItems": []any{map[string]any{"type": "integer"}, map[string]any{"type": "boolean"}}}}
	resolve := func(v any) (any, bool) {
		m, _ := v.(map[string]any)
		r, _ := m["$ref"].(string)
		t, ok := refs[r]
		return t, ok
	}
	integer, boolean := map[string]any{"type": "integer"}, map[string]any{"type": "boolean"}
	types := func(s *Shape, n int) []uint8 {
		out := make([]uint8, n)
		for i := range out {
			if it := s.Item(i); it != nil {
				out[i] = it.Types
			}
		}
		return out
	}
	tests := []struct {
		name   string
		schema any
		types  uint8
		items  []uint8 // Item(0), Item(1), Item(2); 0 for none
	}{
		{"prefixItems, items false", map[string]any{"type": "array", "prefixItems": []any{integer, boolean}, "items": false},
			TArray, []uint8{TInteger, TBoolean, 0}},
		{"prefixItems, items a schema", map[string]any{"type": "array", "prefixItems": []any{integer}, "items": boolean},
			TArray, []uint8{TInteger, TBoolean, TBoolean}},
		{"prefixItems alone", map[string]any{"type": "array", "prefixItems": []any{integer}},
			TArray, []uint8{TInteger, 0, 0}},
		{"prefixItems imply an array", map[string]any{"prefixItems": []any{integer}},
			TArray, []uint8{TInteger, 0, 0}},
		{"type list in prefixItems", map[string]any{"type": "array", "prefixItems": []any{map[string]any{"type": []any{"integer", "null"}}}, "items": false},
			TArray, []uint8{TInteger | TNull, 0, 0}},
		{"items only", map[string]any{"type": "array", "items": integer},
			TArray, []uint8{TInteger, TInteger, TInteger}},
		{"items as a list, additionalItems", map[string]any{"type": "array", "items": []any{integer, boolean}, "additionalItems": integer},
			TArray, []uint8{TInteger, TBoolean, TInteger}},
		{"items as a list, additionalItems false", map[string]any{"type": "array", "items": []any{integer}, "additionalItems": false},
			TArray, []uint8{TInteger, 0, 0}},
		{"prefixItems through $ref", map[string]any{"$ref": "#/c/Pair"},
			TArray, []uint8{TInteger, TBoolean, 0}},
		{"prefixItems through allOf", map[string]any{"allOf": []any{map[string]any{"$ref": "#/c/Pair"}, map[string]any{"maxItems": json.Number("2")}}},
			TArray, []uint8{TInteger, TBoolean, 0}},
		{"prefixItems in a nullable composition", map[string]any{"anyOf": []any{map[string]any{"$ref": "#/c/Pair"}, map[string]any{"type": "null"}}},
			TArray | TNull, []uint8{TInteger, TBoolean, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := ShapeOf(tc.schema, resolve)
			if s.Types != tc.types {
				t.Errorf("types %b, want %b", s.Types, tc.types)
			}
			if got := types(s, 3); !reflect.DeepEqual(got, tc.items) {
				t.Errorf("item types %b, want %b", got, tc.items)
			}
		})
	}
	// What depends on the items sees the prefix too.
	files := ShapeOf(map[string]any{"type": "array", "prefixItems": []any{map[string]any{"type": "string", "format": "binary"}}}, nil)
	if !files.HoldsFiles() {
		t.Error("a tuple of a file does not hold files")
	}
	if !MayHoldJSON(&Shape{Types: TArray | TString, Prefix: []*Shape{{Types: TObject}}}) {
		t.Error("a tuple with an object position may not hold JSON")
	}
	if (*Shape)(nil).Item(0) != nil {
		t.Error("Item of a nil shape is not nil")
	}
}

func TestLenientName(t *testing.T) {
	for key, want := range map[string]string{
		"access_token":    "access_token",
		"ACCESS_TOKEN":    "access_token",
		"access.token":    "access_token",
		"access token":    "access_token",
		" access_token":   "access_token",
		"access_token[]":  "access_token",
		"access_token[a]": "access_token",
		"access[token":    "access_token",
		"accesstoken":     "accesstoken",
		"access-token":    "access-token",
	} {
		if got := LenientName(key); got != want {
			t.Errorf("LenientName(%q) = %q, want %q", key, got, want)
		}
	}
}
