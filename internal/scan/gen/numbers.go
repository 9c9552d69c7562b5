package gen

import (
	"encoding/json"
	"math"
	"math/big"
	"strings"
)

// Numeric keywords are read and computed as exact rationals: int64 ids and
// uint64 counters have bounds beyond float64's 2^53 exact integers, and a
// bound rounded there gives a "valid" value outside it, or a mutation
// inside it. The schema engine compares exactly too.

// rat reads a numeric keyword value exactly.
func rat(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case json.Number:
		return new(big.Rat).SetString(string(x))
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(x), true
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case int64:
		return new(big.Rat).SetInt64(x), true
	case uint64:
		return new(big.Rat).SetInt(new(big.Int).SetUint64(x)), true
	}
	return nil, false
}

// bound is one end of a numeric schema's range.
type bound struct {
	v         *big.Rat
	exclusive bool
}

// limits returns the tightest lower and upper bounds of a numeric schema
// (nil when it has none), reading both the 3.0 (boolean) and 3.1
// (numeric) forms of exclusiveMinimum/exclusiveMaximum.
func limits(m map[string]any) (lo, hi *bound) {
	if v, ok := rat(m["minimum"]); ok {
		lo = &bound{v, m["exclusiveMinimum"] == true}
	}
	if v, ok := rat(m["exclusiveMinimum"]); ok && (lo == nil || v.Cmp(lo.v) >= 0) {
		lo = &bound{v, true}
	}
	if v, ok := rat(m["maximum"]); ok {
		hi = &bound{v, m["exclusiveMaximum"] == true}
	}
	if v, ok := rat(m["exclusiveMaximum"]); ok && (hi == nil || v.Cmp(hi.v) <= 0) {
		hi = &bound{v, true}
	}
	return lo, hi
}

// admits reports whether v is within b, as a lower (lower) or upper bound.
func (b *bound) admits(v *big.Rat, lower bool) bool {
	if b == nil {
		return true
	}
	c := v.Cmp(b.v)
	if lower {
		return c > 0 || (c == 0 && !b.exclusive)
	}
	return c < 0 || (c == 0 && !b.exclusive)
}

var ratOne = big.NewRat(1, 1)

// floorInt and ceilInt round a rational to an integer. big.Int's Div is
// Euclidean division, which floors for the positive denominator a Rat has.
func floorInt(r *big.Rat) *big.Int {
	return new(big.Int).Div(r.Num(), r.Denom())
}

func ceilInt(r *big.Rat) *big.Int {
	q := floorInt(r)
	if !r.IsInt() {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// integerValue is an integer inside the schema's bounds: 1 when it fits,
// else the nearest bound, rounded up to multipleOf.
func integerValue(m map[string]any) any {
	lo, hi := limits(m)
	v := new(big.Rat).Set(ratOne)
	switch {
	case !lo.admits(v, true):
		v.SetInt(ceilInt(lo.v))
		if !lo.admits(v, true) {
			v.Add(v, ratOne)
		}
	case !hi.admits(v, false):
		v.SetInt(floorInt(hi.v))
		if !hi.admits(v, false) {
			v.Sub(v, ratOne)
		}
	}
	if mo, ok := rat(m["multipleOf"]); ok && mo.Sign() > 0 {
		// The integer multiples of p/q (lowest terms) are those of p.
		step := new(big.Rat).SetInt(mo.Num())
		k := ceilInt(new(big.Rat).Quo(v, step))
		v.Mul(new(big.Rat).SetInt(k), step)
	}
	return json.Number(v.Num().String())
}

// numberValue is a number inside the schema's bounds: 1.5 when it fits,
// the midpoint of two bounds, else just inside the one bound.
func numberValue(m map[string]any) any {
	// A number with an integer format (int32, int64) is asserted to be a
	// whole number: the midpoint of its bounds may not be.
	if f, _ := m["format"].(string); f == "int32" || f == "int64" {
		return integerValue(m)
	}
	lo, hi := limits(m)
	v := big.NewRat(3, 2)
	step := big.NewRat(1, 100)
	switch {
	case lo != nil && hi != nil:
		v.Add(lo.v, hi.v)
		v.Quo(v, big.NewRat(2, 1))
	case !lo.admits(v, true):
		v.Set(lo.v)
		if lo.exclusive {
			v.Add(v, step)
		}
	case !hi.admits(v, false):
		v.Set(hi.v)
		if hi.exclusive {
			v.Sub(v, step)
		}
	}
	if mo, ok := rat(m["multipleOf"]); ok && mo.Sign() > 0 {
		k := ceilInt(new(big.Rat).Quo(v, mo))
		v.Mul(new(big.Rat).SetInt(k), mo)
	}
	return ratNumber(v)
}

// ratNumber writes a rational as a JSON number: exactly when its decimal
// expansion ends (every bound written in decimal does), else to 17
// significant places.
func ratNumber(r *big.Rat) json.Number {
	if r.IsInt() {
		return json.Number(r.Num().String())
	}
	if s, exact := r.FloatPrec(); exact {
		return json.Number(trimZeros(r.FloatString(s)))
	}
	f, _ := r.Float64()
	return json.Number(big.NewFloat(f).Text('g', 17))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// boundMutations are the values just outside each bound: the bound itself
// when it is exclusive, else one step (1 for integers, 0.5 for numbers)
// beyond it.
func boundMutations(m map[string]any, integer bool) (below, above json.Number, hasBelow, hasAbove bool) {
	step := big.NewRat(1, 2)
	if integer {
		step = new(big.Rat).Set(ratOne)
	}
	lo, hi := limits(m)
	if lo != nil {
		v := new(big.Rat).Set(lo.v)
		if !lo.exclusive {
			v.Sub(v, step)
		}
		below, hasBelow = ratNumber(v), true
	}
	if hi != nil {
		v := new(big.Rat).Set(hi.v)
		if !hi.exclusive {
			v.Add(v, step)
		}
		above, hasAbove = ratNumber(v), true
	}
	return below, above, hasBelow, hasAbove
}
