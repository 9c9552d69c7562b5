package spec

// Accessors for the generic tree (Document.Value, Schema.Value): each
// returns the zero value when the node has another type, which is what
// every walker of an untrusted definition wants.

// AsMap returns v as an object, or nil.
func AsMap(v any) map[string]any { return asMap(v) }

// AsSlice returns v as an array, or nil.
func AsSlice(v any) []any { return asSlice(v) }

// AsString returns v as a string, or "".
func AsString(v any) string { return asString(v) }

// AsBool returns v as a boolean, or false.
func AsBool(v any) bool { return asBool(v) }
