package params

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzQuery decodes arbitrary query strings with parameters of every
// style over nested shapes: no input may panic or hang, a pair is
// consumed only by the parameter it names (a deepObject one: its bracket
// keys, or its bare name for a scalar), and an error is always one of
// the decoders' own.
func FuzzQuery(f *testing.F) {
	for _, seed := range []string{
		"color[items][0][sku]=a&color[items][0][qty]=2&color[items][1][sku]=b",
		"color[meta][k]=v&color[tags][]=x&color[tags]=y",
		"color[items][1][sku]=a",
		"color" + strings.Repeat("[a]", 20) + "=v",
		"color[]=a&color[0]=b",
		"color=1&number=2&size=3",
		"color=a,b&color=c",
		"R=1&G=2&B=3&X=4",
		"color[%5B]=1",
		"color[items][0]=x&color[items][0][sku]=y",
		"color=1,true,2&color=3",
		"color[0]=1&color[1]=true&color[2][R]=1",
		`color={"R":1},true&R=1`,
	} {
		f.Add(seed)
	}
	shapes := []*Shape{str, arr, obj, deepShape,
		{Types: TObject | TInteger, Props: map[string]*Shape{"number": intS, "size": intS}},
		{Types: TObject, Additional: true, AddProps: intArr},
		{Types: TArray, Items: deepShape},
		// Tuples (prefixItems): items typed by position, then items or
		// none.
		tuple, tupleRest, tupleNulls,
		{Types: TArray, Prefix: []*Shape{obj, intArr}, Items: deepShape},
		{Types: TArray | TString, Prefix: []*Shape{boolS}, Items: intS},
		{Types: TObject, Props: map[string]*Shape{"R": tuple}, Additional: true, AddProps: tupleRest},
	}
	styles := []struct {
		style   string
		explode bool
	}{{"form", true}, {"form", false}, {"deepObject", true}, {"pipeDelimited", false}, {"spaceDelimited", true}}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := ParseQuery(raw, 1000)
		if err != nil {
			return
		}
		for _, sh := range shapes {
			for _, st := range styles {
				consumed := make([]bool, len(q))
				p := param(st.style, st.explode, sh)
				v, _, err := p.Query(q, consumed)
				if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrAmbiguous) {
					t.Fatalf("%s/%v over %q: unexpected error %v", st.style, st.explode, raw, err)
				}
				if st.style == "form" && st.explode && sh.Has(TArray) && !sh.Has(TString|TObject) {
					// An exploded array is its pairs in order, each
					// read with the shape of its position.
					var want []any
					for _, kv := range q {
						if kv.Key == "color" {
							want = append(want, Scalar(kv.Value, sh.Item(len(want))))
						}
					}
					same := v == nil && want == nil || reflect.DeepEqual(v, want)
					if err != nil || !same {
						t.Fatalf("exploded array over %q: got %#v (%v), want %#v", raw, v, err, want)
					}
				}
				if st.style == "deepObject" {
					for i, c := range consumed {
						// Its keys, or the bare name where the schema
						// admits a scalar.
						if c && !strings.HasPrefix(q[i].Key, "color[") && (q[i].Key != "color" || !p.DeepScalar()) {
							t.Fatalf("deepObject consumed %q", q[i].Key)
						}
					}
				}
			}
		}
	})
}
