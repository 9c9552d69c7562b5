package scan

import "testing"

// A captured value stays one path segment or one query value, whatever it
// holds: it cannot add segments, climb the path, start a query or add
// query pairs.
func TestExpandRequestLineEscapesValues(t *testing.T) {
	tests := []struct {
		name, line string
		vars       map[string]string
		want       string
	}{
		{"plain id", "GET /orders/{{id}}", map[string]string{"id": "42"}, "GET /orders/42"},
		{"slash", "GET /orders/{{id}}", map[string]string{"id": "a/b"}, "GET /orders/a%2Fb"},
		{"query and fragment characters", "DELETE /orders/{{id}}/items", map[string]string{"id": "x?y#z"}, "DELETE /orders/x%3Fy%23z/items"},
		{"dot-dot", "GET /orders/{{id}}/secret", map[string]string{"id": ".."}, "GET /orders/%2E%2E/secret"},
		{"query value", "GET /search?q={{q}}&page=1", map[string]string{"q": "a&admin=1 b"}, "GET /search?q=a%26admin%3D1+b&page=1"},
		{"unknown variable kept", "GET /x/{{other}}", map[string]string{"id": "1"}, "GET /x/{{other}}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := expandRequestLine(tc.line, tc.vars); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
