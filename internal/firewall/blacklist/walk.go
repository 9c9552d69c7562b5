package blacklist

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rampart-sec/rampart/internal/spec"
)

// maxWalkDepth bounds recursion over a decoded body. The body decoder
// already limits nesting (64 by default), so this guard is never reached
// behind it; it only keeps the walker's stack bounded when used alone.
const maxWalkDepth = 512

// WalkOptions configure Walk.
type WalkOptions struct {
	// In is the Context.In of the findings ("body" when empty).
	In string
	// CheckKeys inspects object keys too (unless the policy says the
	// object's keys are limited to declared names).
	CheckKeys bool
	// Policy says which values the schema already makes safe; nil checks
	// every string.
	Policy *SkipPolicy
}

// Walk checks every string of a decoded JSON value (map[string]any, []any,
// string, json.Number, bool, nil, as internal/firewall/body produces) and
// returns the first finding. Numbers and booleans are never checked: the
// decoder has already proven they are numbers and booleans. Findings name
// the value by its JSON pointer.
func Walk(c Checker, v any, o WalkOptions) Finding {
	if o.In == "" {
		o.In = "body"
	}
	w := walker{c: c, o: o}
	return w.walk(v, o.Policy.Root(), 0)
}

type walker struct {
	c Checker
	o WalkOptions
	// path is the way down to the current value. The JSON pointer is
	// built from it only for a finding: building one string per value
	// of every clean body was a quarter of the walk's allocations.
	path []step
}

// step is one reference token: an object key, or an array index.
type step struct {
	key   string
	index int
	isKey bool
}

func (w *walker) pointer() string {
	var b strings.Builder
	for _, st := range w.path {
		b.WriteByte('/')
		if st.isKey {
			b.WriteString(spec.EscapeToken(st.key))
		} else {
			b.WriteString(strconv.Itoa(st.index))
		}
	}
	return b.String()
}

// check runs the checker and names the value in its finding (checkers
// return the Context they were given).
func (w *walker) check(s string, key bool) Finding {
	f := w.c.Check(s, Context{In: w.o.In, Key: key})
	if f.Detected() {
		f.Where.Name = w.pointer()
	}
	return f
}

func (w *walker) walk(v any, cur Cursor, depth int) Finding {
	if depth > maxWalkDepth {
		return Finding{}
	}
	switch x := v.(type) {
	case string:
		if cur.Safe() {
			return Finding{}
		}
		return w.check(x, false)
	case map[string]any:
		checkKeys := w.o.CheckKeys && !cur.KeysSafe()
		for k, e := range x {
			w.path = append(w.path, step{key: k, isKey: true})
			if checkKeys {
				if f := w.check(k, true); f.Detected() {
					return f
				}
			}
			if f := w.walk(e, cur.Prop(k), depth+1); f.Detected() {
				return f
			}
			w.path = w.path[:len(w.path)-1]
		}
	case []any:
		item := cur.Item()
		for i, e := range x {
			w.path = append(w.path, step{index: i})
			if f := w.walk(e, item, depth+1); f.Detected() {
				return f
			}
			w.path = w.path[:len(w.path)-1]
		}
	case json.Number, bool, nil, float64, int, int64:
	}
	return Finding{}
}
