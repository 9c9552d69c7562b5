package audit

import (
	"strings"
	"testing"
)

// TestExamplesBesideSchemas: the examples a media type, a parameter or a
// response header gives beside its schema were never checked (only a
// schema's own example was), so an example request the firewall refuses
// passed as documentation. Each is checked against the whole schema, in
// the direction it travels.
func TestExamplesBesideSchemas(t *testing.T) {
	const doc = `openapi: %v
info: {title: t, version: "1"}
components:
  schemas:
    Pet:
      type: object
      required: [name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string, maxLength: 5}
        age: {type: integer, minimum: 0}
  examples:
    Old: {value: {name: Rex, age: -1}}
paths:
  /pets:
    post:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}, %p}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Pet'}
            %b
          text/plain:
            schema: {type: string, maxLength: 3}
            example: a text example longer than three
      responses:
        "200":
          description: ok
          headers:
            X-Count: {schema: {type: integer}, %h}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              %r
`
	cases := []struct {
		name, version, param, body, header, response string
		want                                         []string // "pointer suffix: message fragment"
	}{
		{"valid examples", "3.0.3", "example: 5", "example: {name: Rex, age: 2}", "example: 3", "example: {id: 1, name: Rex}", nil},
		{"request body example", "3.0.3", "example: 5", "example: {name: Rex, age: ten}", "example: 3", "example: {id: 1, name: Rex}",
			[]string{"/requestBody/content/application~1json/example: The example of the request body application/json of POST /pets does not match its schema: at '/age': got string, want integer."}},
		{"examples entry through a $ref", "3.1.0", "example: 5", "examples: {old: {$ref: '#/components/examples/Old'}, new: {value: {name: Rex}}}", "example: 3", "example: {id: 1, name: Rex}",
			[]string{"/components/examples/Old/value: The example \"old\" of the request body application/json of POST /pets does not match its schema: at '/age': minimum: got -1, want 0."}},
		{"readOnly property in a request example", "3.0.3", "example: 5", "example: {id: 7, name: Rex}", "example: 3", "example: {id: 1, name: Rex}",
			[]string{"/requestBody/content/application~1json/example: The example of the request body application/json of POST /pets does not match its schema:"}},
		{"parameter example", "3.0.3", "example: 50", "example: {name: Rex}", "example: 3", "example: {id: 1, name: Rex}",
			[]string{"/parameters/0/example: The example of parameter limit (query) of POST /pets does not match its schema: maximum: got 50, want 10."}},
		{"response header example", "3.0.3", "example: 5", "example: {name: Rex}", "example: many", "example: {id: 1, name: Rex}",
			[]string{"/headers/X-Count/example: The example of response 200 header X-Count of POST /pets does not match its schema: got string, want integer."}},
		{"undeclared property in a response example", "3.0.3", "example: 5", "example: {name: Rex}", "example: 3", "example: {id: 1, name: Rex, colour: red}",
			[]string{"/responses/200/content/application~1json/example: The example of response 200 application/json of POST /pets does not match its schema: additional properties 'colour' not allowed (objects that do not say additionalProperties are closed, as rampart protect enforces them; --open-objects opens them)."}},
		{"undeclared property in a 3.1 response example", "3.1.0", "example: 5", "example: {name: Rex}", "example: 3", "example: {id: 1, name: Rex, colour: red}",
			[]string{"/responses/200/content/application~1json/example: The example of response 200 application/json of POST /pets does not match its schema: additional properties 'colour' not allowed (objects that do not say additionalProperties are closed"}},
		{"response example", "3.0.3", "example: 5", "example: {name: Rex}", "example: 3", "example: {id: 1, name: Rexanne}",
			[]string{"/responses/200/content/application~1json/example: The example of response 200 application/json of POST /pets does not match its schema: at '/name': maxLength: got 7, want 5."}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.NewReplacer("%v", tc.version, "%p", tc.param, "%b", tc.body, "%h", tc.header, "%r", tc.response).Replace(doc)
			var got []string
			for _, f := range findingsOf(auditText(t, text, Options{}), "data-value-invalid") {
				if strings.HasPrefix(f.Message, "The example") {
					got = append(got, f.Location.Pointer+": "+f.Message)
				}
			}
			if len(got) != len(tc.want) {
				t.Fatalf("findings %q, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				ptr, msg, _ := strings.Cut(w, ": ")
				gp, gm, _ := strings.Cut(got[i], ": ")
				if !strings.HasSuffix(gp, ptr) || !strings.HasPrefix(gm, msg) {
					t.Errorf("finding %q, want %q", got[i], w)
				}
			}
		})
	}
}
