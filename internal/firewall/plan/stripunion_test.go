package plan

import (
	"net/http"
	"strings"
	"testing"
)

// Strip mode removes undeclared properties from a value of a union too:
// the branch a discriminator selects (validated through the selection
// chain) and the branch of a union told apart by required properties.
func TestStripUnionResponses(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
                discriminator: {propertyName: kind, mapping: {cat: '#/components/schemas/Cat', dog: '#/components/schemas/Dog'}}
  /shapes:
    get:
      operationId: getShape
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                anyOf:
                  - {type: object, required: [radius], properties: {radius: {type: number}}}
                  - {type: object, required: [side], properties: {side: {type: number}}}
  /closed:
    get:
      operationId: getClosed
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                  - {type: object, required: [radius], properties: {radius: {type: number}}, additionalProperties: false}
                  - {type: object, required: [side], properties: {side: {type: number}}, additionalProperties: false}
components:
  schemas:
    Cat:
      type: object
      required: [kind, name]
      properties: {kind: {type: string}, name: {type: string}, lives: {type: integer}}
    Dog:
      type: object
      required: [kind, name]
      properties: {kind: {type: string}, name: {type: string}, good: {type: boolean}}
`, Config{})
	ops := opsByID(p)
	cases := []struct {
		name, op, body, want string // want: the stripped body, "" when the body passes as it is
		invalid              bool
	}{
		{"selected branch as declared", "getPet", `{"kind":"cat","name":"Tom","lives":9}`, "", false},
		{"selected branch with an undeclared property", "getPet", `{"kind":"cat","name":"Tom","lives":9,"owner_ssn":"078-05-1120"}`, `{"kind":"cat","lives":9,"name":"Tom"}`, false},
		{"other branch's property is undeclared in this one", "getPet", `{"kind":"dog","name":"Rex","good":true,"lives":9}`, `{"good":true,"kind":"dog","name":"Rex"}`, false},
		{"selected branch still invalid after stripping", "getPet", `{"kind":"cat","lives":9,"x":1}`, "", true},
		{"anyOf branch with an undeclared property", "getShape", `{"radius":2,"internal":true}`, `{"radius":2}`, false},
		{"closed oneOf branches", "getClosed", `{"radius":2,"internal":true}`, `{"radius":2}`, false},
		{"closed oneOf branches, the other one", "getClosed", `{"side":3,"internal":true}`, `{"side":3}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := &ResponseIn{Status: 200, Method: http.MethodGet, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(c.body), BodyChecked: true}
			vs, stripped := ops[c.op].CheckResponse(in, &p.Config, Strip)
			if c.invalid {
				// Reported as it came: the missing name first, not
				// what the removals left, and the undeclared property
				// beside it.
				if len(vs) != 2 || !strings.Contains(vs[0].Detail, `"name"`) || vs[1].Reason != ReasonUndeclaredProp {
					t.Fatalf("violations %+v, want the missing name, then the undeclared property; stripped %s", vs, stripped)
				}
				return
			}
			if len(vs) != 0 {
				t.Fatalf("violations %+v", vs)
			}
			if string(stripped) != c.want {
				t.Fatalf("stripped %s, want %s", stripped, c.want)
			}
		})
	}
}
