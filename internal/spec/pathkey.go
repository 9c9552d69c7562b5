package spec

import "strings"

// PathKey is a key of the Paths object read apart. OpenAPI path keys are
// paths, but generated contracts (the AWS and Azure definitions, for one)
// tell operations of one path apart by appending a query or a fragment:
// "/?Action=DescribeStacks&Version=2010-05-15" (the query the operation
// is called with), "/#X-Amz-Target=Service.Op" or "/finding/{id}#analyzerArn"
// (a fragment, never sent, naming the parameters that select the
// operation). Both engines read such a key the same way: requests go to
// Path, with Query's pairs in their query; Fragment's pairs only tell
// operations apart.
type PathKey struct {
	Path string
	// Query and Fragment are the name=value pairs after '?' and '#' (a
	// pair without '=' has an empty Value and only requires the name).
	Query, Fragment []PathPair
}

// PathPair is one name=value of a PathKey's query or fragment. A value
// that is a template variable ("/alerts?lat={lat}&lon={lon}", whose lat
// and lon are declared in: path) has Var set to the variable and Value
// empty: the pair is sent with that parameter's value, and only its name
// selects the operation.
type PathPair struct{ Name, Value, Var string }

// ParsePathKey splits a path key at its first '?' or '#' outside a
// template variable. A key without either is its own Path.
func ParsePathKey(key string) PathKey {
	cut := -1
	depth := 0
	for i := 0; i < len(key) && cut < 0; i++ {
		switch key[i] {
		case '{':
			depth++
		case '}':
			if depth > 0 {
				depth--
			}
		case '?', '#':
			if depth == 0 {
				cut = i
			}
		}
	}
	if cut < 0 {
		return PathKey{Path: key}
	}
	k := PathKey{Path: key[:cut]}
	if k.Path == "" {
		k.Path = "/"
	}
	rest := key[cut:]
	if rest[0] == '?' {
		q, frag, _ := strings.Cut(rest[1:], "#")
		k.Query = pathPairs(q)
		k.Fragment = pathPairs(frag)
	} else {
		k.Fragment = pathPairs(rest[1:])
	}
	return k
}

func pathPairs(s string) []PathPair {
	var out []PathPair
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		name, value, _ := strings.Cut(part, "=")
		if v, ok := templateVar(value); ok {
			out = append(out, PathPair{Name: name, Var: v})
			continue
		}
		out = append(out, PathPair{Name: name, Value: value})
	}
	return out
}

// templateVar reads "{name}" as the variable name.
func templateVar(s string) (string, bool) {
	inner, ok := strings.CutPrefix(s, "{")
	if !ok {
		return "", false
	}
	inner, ok = strings.CutSuffix(inner, "}")
	if !ok || inner == "" || strings.ContainsAny(inner, "{}") {
		return "", false
	}
	return inner, true
}
