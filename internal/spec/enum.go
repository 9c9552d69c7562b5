package spec

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// TypedEnum returns the enum of a schema as the contract model enforces
// it. Where the schema has one scalar `type` and an enum value is of
// another type whose text is a value of that type (zoom's path parameter
// {type: string, enum: [1, 2]}, trakt's {type: integer, enum: ["1", ...]}),
// the value is read as that text: read literally, no value could satisfy
// both keywords and every request carrying one would be refused, while on
// the wire of a parameter the two spellings are one. retyped lists the
// values read so, as written; values that convert to nothing are left as
// they are.
func TypedEnum(m map[string]any) (enum []any, retyped []string) {
	e, ok := m["enum"].([]any)
	t, single := m["type"].(string)
	if !ok || !single {
		return e, nil
	}
	var out []any
	for i, x := range e {
		y, ok := retype(x, t)
		if !ok {
			continue
		}
		if out == nil {
			out = append([]any(nil), e...)
		}
		out[i] = y
		retyped = append(retyped, fmt.Sprint(x))
	}
	if out == nil {
		return e, nil
	}
	return out, retyped
}

var (
	jsonInteger = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)
	jsonNumber  = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)
)

// retype converts an enum value of another scalar type to the schema's
// type t when its text is a value of t.
func retype(x any, t string) (any, bool) {
	switch t {
	case "string":
		switch v := x.(type) {
		case json.Number:
			return string(v), true
		case bool:
			return strconv.FormatBool(v), true
		}
	case "integer":
		if s, ok := x.(string); ok && jsonInteger.MatchString(strings.TrimSpace(s)) {
			return json.Number(strings.TrimSpace(s)), true
		}
	case "number":
		if s, ok := x.(string); ok && jsonNumber.MatchString(strings.TrimSpace(s)) {
			return json.Number(strings.TrimSpace(s)), true
		}
	case "boolean":
		if s, ok := x.(string); ok && (s == "true" || s == "false") {
			return s == "true", true
		}
	}
	return nil, false
}
