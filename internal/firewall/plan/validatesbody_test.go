package plan

import "testing"

// TestValidatesBody: which responses the contract validates the body of,
// the ones the default streaming policy refuses when they are too large
// to buffer; the others lose nothing by passing unbuffered.
func TestValidatesBody(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /r:
    get:
      operationId: r
      responses:
        '200':
          description: ok
          content:
            application/json: {schema: {type: object}}
            text/csv: {schema: {type: string}}
            image/png: {schema: {type: string, contentMediaType: image/png}}
            application/octet-stream: {}
        '404':
          description: missing
`, Config{})
	op := opsByID(p)["r"]
	for _, tc := range []struct {
		status int
		ct     string
		want   bool
	}{
		{200, "application/json", true},
		{200, "application/json; charset=utf-8", true},
		{200, "text/csv", true},
		{200, "image/png", false},
		{200, "application/octet-stream", false},
		{200, "text/html", false}, // undeclared: refused by its header
		{404, "application/json", false},
		{500, "application/json", false},
	} {
		if got := op.ValidatesBody(tc.status, tc.ct); got != tc.want {
			t.Errorf("ValidatesBody(%d, %q) = %v, want %v", tc.status, tc.ct, got, tc.want)
		}
	}
}
