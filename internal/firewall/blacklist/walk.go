package blacklist

import (
	"encoding/json"
	"github.com/rampart-sec/rampart/internal/spec"
	"strconv"
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
	return w.walk(v, o.Policy.Root(), "", 0)
}

type walker struct {
	c Checker
	o WalkOptions
}

func (w *walker) walk(v any, cur Cursor, ptr string, depth int) Finding {
	if depth > maxWalkDepth {
		return Finding{}
	}
	switch x := v.(type) {
	case string:
		if cur.Safe() {
			return Finding{}
		}
		return w.c.Check(x, Context{In: w.o.In, Name: ptr})
	case map[string]any:
		checkKeys := w.o.CheckKeys && !cur.KeysSafe()
		for k, e := range x {
			p := ptr + "/" + spec.EscapeToken(k)
			if checkKeys {
				if f := w.c.Check(k, Context{In: w.o.In, Name: p, Key: true}); f.Detected() {
					return f
				}
			}
			if f := w.walk(e, cur.Prop(k), p, depth+1); f.Detected() {
				return f
			}
		}
	case []any:
		item := cur.Item()
		for i, e := range x {
			if f := w.walk(e, item, ptr+"/"+strconv.Itoa(i), depth+1); f.Detected() {
				return f
			}
		}
	case json.Number, bool, nil, float64, int, int64:
	}
	return Finding{}
}
