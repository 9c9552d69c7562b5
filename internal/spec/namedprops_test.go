package spec

import "testing"

// Properties named like keywords are schemas like any other: their $refs
// resolve when compiled, and a 3.0 property called nullable is not taken
// for the keyword (and dropped).
func TestPropertiesNamedLikeKeywords(t *testing.T) {
	d := loadString(t, `openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Short: {type: string, maxLength: 3}
    Thing:
      type: object
      additionalProperties: false
      properties:
        default: {$ref: '#/components/schemas/Short'}
        enum: {$ref: '#/components/schemas/Short'}
        nullable: {type: boolean}
        type: {type: string, nullable: true}
`, Options{})
	if len(d.Problems) != 0 {
		t.Fatalf("problems: %+v", d.Problems)
	}
	sch, err := d.Compile(component(t, d, "Thing"), RequestView)
	if err != nil {
		t.Fatal(err)
	}
	for body, valid := range map[string]bool{
		`{"default": "abc", "enum": "abc", "nullable": true, "type": null}`: true,
		`{"default": "abcd"}`: false,
		`{"enum": "abcd"}`:    false,
		`{"nullable": "yes"}`: false,
		`{"type": 1}`:         false,
		`{"other": 1}`:        false,
	} {
		if err := sch.Validate(instance(t, body)); (err == nil) != valid {
			t.Errorf("%s: valid=%v, want %v (%v)", body, err == nil, valid, err)
		}
	}
}
