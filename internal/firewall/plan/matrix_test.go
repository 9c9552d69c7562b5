package plan

import (
	"testing"

	"github.com/rampart-sec/rampart/internal/params"
)

func TestMatrixSemicolon(t *testing.T) {
	str := &params.Shape{Types: params.TString}
	arr := &params.Shape{Types: params.TArray, Items: str}
	obj := &params.Shape{Types: params.TObject, Props: map[string]*params.Shape{"x": str}}
	p := func(explode bool, sh *params.Shape) *params.Param {
		return &params.Param{Name: "id", In: "path", Style: "matrix", Explode: explode, Shape: sh}
	}
	for _, tc := range []struct {
		name    string
		p       *params.Param
		escaped string
		want    bool
	}{
		{"primitive", p(false, str), ";id=5", false},
		{"primitive encoded semicolon is data", p(false, str), ";id=5%3Bx", false},
		{"primitive literal semicolon", p(false, str), ";id=5;x", true},
		{"primitive second name", p(false, str), ";id=5;id=6", true},
		{"exploded primitive literal semicolon", p(true, str), ";id=5;x", true},
		{"array not exploded", p(false, arr), ";id=a,b", false},
		{"array not exploded literal semicolon", p(false, arr), ";id=a,b;c", true},
		{"exploded array", p(true, arr), ";id=a;id=b", false},
		{"exploded array encoded semicolon", p(true, arr), ";id=a%3bid=b", true},
		{"exploded object", p(true, obj), ";x=1;y=2", false},
		{"exploded object encoded semicolon", p(true, obj), ";x=1%3By=2", true},
	} {
		if got := matrixSemicolon(tc.p, tc.escaped); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
