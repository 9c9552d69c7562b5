package params

import (
	"fmt"
	"strconv"
	"strings"
)

// maxDeepLevels bounds the brackets of one deepObject key
// (filter[a][b][c]...): deeper keys are malformed, as qs (depth 5) and
// PHP (max_input_nesting_level 64) also stop somewhere.
const maxDeepLevels = 16

// deepObject decodes a deepObject parameter whose schema is an object.
// OpenAPI defines the style for one level (filter[kind]=a); nested values
// have no definition there, and clients send them in the bracket forms
// that qs, PHP and Rails build nested values from, as Stripe's form bodies
// do: items[0][price]=1&items[0][qty]=2, metadata[a][b]=x, tags[]=a. The
// schema says what each level is: a property of an object, an item of an
// array. Where parsers would read a key differently the request is
// ambiguous (ErrAmbiguous): a numeric key the object does not declare
// (qs reads an array index), indices that do not count up from 0 in the
// order they first appear, [] beside indices, a value given twice, a key
// both a value and a container.
func (p *Param) deepObject(q []Pair, consumed []bool) (any, bool, error) {
	prefix := p.Name + "["
	var root any
	present := false
	for i, kv := range q {
		rest, ok := strings.CutPrefix(kv.Key, prefix)
		if !ok {
			continue
		}
		path, err := bracketPath(rest)
		if err != nil {
			return nil, true, err
		}
		if path[0] == "" {
			return nil, true, errEmptyProperty
		}
		consumed[i] = true
		present = true
		if root, err = deepPut(root, p.Shape, true, path, kv.Value, 0); err != nil {
			return nil, true, err
		}
	}
	if !present {
		return nil, false, nil
	}
	return deepFinish(root), true, nil
}

// bracketPath reads "a][b][0]" (a key after its "name[") as [a b 0].
func bracketPath(rest string) ([]string, error) {
	var path []string
	for {
		seg, after, ok := strings.Cut(rest, "]")
		if !ok || strings.ContainsAny(seg, "[") {
			return nil, ErrMalformed
		}
		path = append(path, seg)
		if len(path) > maxDeepLevels {
			return nil, ErrMalformed
		}
		if after == "" {
			return path, nil
		}
		if after[0] != '[' {
			// "a]b" or "a]]": not a bracket key.
			return nil, ErrMalformed
		}
		rest = after[1:]
	}
}

// deepArray is an array under construction: whether its items came by
// index or by [] (the two may not be mixed).
type deepArr struct {
	items              []any
	indexed, bracketed bool
}

// deepPut places the value raw at path under cur, a value of shape sh
// (nil while nothing is there yet), and returns the new cur. top is the
// parameter itself, always an object.
func deepPut(cur any, sh *Shape, top bool, path []string, raw string, depth int) (any, error) {
	if depth > maxDeepLevels {
		return nil, ErrMalformed
	}
	if len(path) == 0 {
		// A leaf. An array of scalars takes repeated keys as its items
		// (filter[ids]=1&filter[ids]=2, as qs reads them).
		if sh.Has(TArray) && !sh.Has(TObject) {
			arr, _ := cur.(*deepArr)
			if cur != nil && arr == nil {
				return nil, ErrAmbiguous
			}
			if arr == nil || arr.indexed {
				if arr != nil {
					return nil, ErrAmbiguous
				}
				arr = &deepArr{}
			}
			arr.bracketed = true // repeated keys append, as [] does
			arr.items = append(arr.items, Scalar(raw, sh.Item(len(arr.items))))
			return arr, nil
		}
		if cur != nil {
			return nil, ErrAmbiguous
		}
		return Scalar(raw, sh), nil
	}
	seg := path[0]
	if !top && sh.Has(TArray) && !sh.Has(TObject) {
		arr, _ := cur.(*deepArr)
		if cur != nil && arr == nil {
			return nil, ErrAmbiguous
		}
		if arr == nil {
			arr = &deepArr{}
		}
		switch {
		case seg == "":
			// items[]=a appends; items[][x]=1 means another item to
			// qs for each pair, and one item to others.
			if len(path) > 1 {
				return nil, ambiguity("has [] before a nested key, which qs reads as one item per pair and others as one item")
			}
			if arr.indexed {
				return nil, ambiguity("is sent both with [] and with indices, which parsers number differently")
			}
			arr.bracketed = true
			arr.items = append(arr.items, Scalar(raw, sh.Item(len(arr.items))))
		case isIndex(seg) && strconv.Itoa(len(arr.items)) == seg && !arr.bracketed:
			arr.indexed = true
			v, err := deepPut(nil, sh.Item(len(arr.items)), false, path[1:], raw, depth+1)
			if err != nil {
				return nil, err
			}
			arr.items = append(arr.items, v)
		case isIndex(seg) && !arr.bracketed:
			n, err := strconv.Atoi(seg)
			if err != nil || n >= len(arr.items) || strconv.Itoa(n) != seg {
				return nil, ambiguity(fmt.Sprintf("array index %q is out of order", seg))
			}
			v, err := deepPut(arr.items[n], sh.Item(n), false, path[1:], raw, depth+1)
			if err != nil {
				return nil, err
			}
			arr.items[n] = v
		case arr.bracketed && isIndex(seg):
			return nil, ambiguity("is sent both with [] and with indices, which parsers number differently")
		default:
			return nil, ambiguity(fmt.Sprintf("has an array item %q that is not an index", seg))
		}
		return arr, nil
	}
	// An object: seg names a property. A key nested under a value its
	// schema says is a scalar is not serialised as any schema reading
	// allows.
	if sh != nil && sh.Types != 0 && !sh.Has(TObject) {
		return nil, ErrMalformed
	}
	obj, _ := cur.(map[string]any)
	if cur != nil && obj == nil {
		return nil, ErrAmbiguous
	}
	if obj == nil {
		obj = map[string]any{}
	}
	if seg == "" {
		return nil, errEmptyProperty
	}
	ps, declared := sh.props()[seg]
	if !declared {
		if isIndex(seg) {
			// qs reads filter[0]=a as the array ["a"], not the
			// property "0" validation would see.
			return nil, errIndexProperty
		}
		if sh != nil {
			ps = sh.AddProps
		}
	}
	v, err := deepPut(obj[seg], ps, false, path[1:], raw, depth+1)
	if err != nil {
		return nil, err
	}
	obj[seg] = v
	return obj, nil
}

// props is the shape's declared properties (none for a nil shape).
func (s *Shape) props() map[string]*Shape {
	if s == nil {
		return nil
	}
	return s.Props
}

// deepFinish turns the arrays under construction into []any.
func deepFinish(v any) any {
	switch x := v.(type) {
	case *deepArr:
		out := make([]any, len(x.items))
		for i, it := range x.items {
			out[i] = deepFinish(it)
		}
		return out
	case map[string]any:
		for k, c := range x {
			x[k] = deepFinish(c)
		}
		return x
	}
	return v
}
