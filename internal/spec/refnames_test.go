package spec

import "testing"

// A key under a map of names is a name, not a keyword: an unresolved $ref
// in the default response, or in a property called "enum" or "default",
// is reported like any other. Examples stay data.
func TestUnresolvedRefUnderNames(t *testing.T) {
	d := loadString(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: ok}
        default: {$ref: '#/components/responses/Missing1'}
  /b:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                enum: {$ref: '#/components/schemas/Missing2'}
                default: {$ref: '#/components/schemas/Missing3'}
                kind: {type: string, default: {$ref: not-a-reference}, enum: [{$ref: data}]}
            example: {$ref: data}
      responses:
        default:
          description: error
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Missing4'}
`, Options{})
	want := map[string]bool{
		"/paths/~1a/get/responses/default/$ref":                                                true,
		"/paths/~1b/post/requestBody/content/application~1json/schema/properties/enum/$ref":    true,
		"/paths/~1b/post/requestBody/content/application~1json/schema/properties/default/$ref": true,
		"/paths/~1b/post/responses/default/content/application~1json/schema/$ref":              true,
	}
	for _, p := range problemsWithCode(d, "unresolved-ref") {
		if !want[p.Loc.Pointer] {
			t.Errorf("unexpected unresolved-ref at %s: %s", p.Loc.Pointer, p.Message)
		}
		delete(want, p.Loc.Pointer)
	}
	for ptr := range want {
		t.Errorf("no unresolved-ref at %s", ptr)
	}
}
