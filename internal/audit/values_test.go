package audit

import (
	"strings"
	"testing"
)

// An enum value spelled in another type than the schema's is reported, and
// the finding says what the firewall enforces in its place; values that
// are objects beside it are judged as before (and compared safely).
func TestEnumSpelledInAnotherType(t *testing.T) {
	res := auditText(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /r/{rating}:
    get:
      operationId: getRating
      parameters:
        - {name: rating, in: path, required: true, schema: {type: integer, minimum: 1, maximum: 10, enum: ["1", "10", x]}}
        - {name: mode, in: query, schema: {type: string, maxLength: 9, enum: [1, {a: 1}, fast]}}
      responses: {"200": {description: ok}}
`, Options{})
	msgs := map[string]bool{}
	for _, f := range findingsOf(res, "data-value-invalid") {
		msgs[f.Message] = true
	}
	for _, want := range []string{
		`enum value "1" does not satisfy the schema: got string, want integer (rampart enforces it as 1, the integer its text spells)`,
		`enum value 1 does not satisfy the schema: got number, want string (rampart enforces it as "1", the string its text spells)`,
	} {
		if !msgs[want] {
			t.Errorf("no finding %q (have %v)", want, msgs)
		}
	}
	for m := range msgs {
		if strings.Contains(m, `"x"`) && strings.Contains(m, "enforces") {
			t.Errorf("a value whose text is no integer is said to be enforced: %q", m)
		}
	}
	if len(msgs) < 4 {
		t.Errorf("want findings for \"1\", \"10\", \"x\", 1 and the object; have %v", msgs)
	}
}
