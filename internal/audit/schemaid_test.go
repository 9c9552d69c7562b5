package audit

import (
	"strings"
	"testing"
)

// OpenAPI 3.1 references by $id and $anchor (JSON Schema 2020-12) resolve:
// the audit reports none of them as unresolved, and checks the schemas
// they lead to. A $ref to an identifier the definition does not declare is
// still reported.
func TestSchemaIDReferencesAudit(t *testing.T) {
	text := `openapi: 3.1.0
info: {title: t, version: '1'}
servers: [{url: 'https://api.example.com'}]
security: [{key: []}]
paths:
  /pets:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: 'https://example.com/schemas/pet'}
      responses:
        '201': {description: ok}
        '400': {description: bad}
        '401': {description: unauth}
        '403': {description: forbidden}
  /nodes:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#node'}
        '401': {description: unauth}
        '403': {description: forbidden}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
  schemas:
    Pet:
      $id: https://example.com/schemas/pet
      type: object
      additionalProperties: false
      properties:
        name: {type: string, maxLength: 20, pattern: '^[a-z]{1,20}$'}
        tag: {$ref: tag}
        nickname: {$ref: '#/properties/name'}
        breeder: {$ref: 'breeder#/properties/id'}
    Tag:
      $id: https://example.com/schemas/tag
      type: string
    Breeder:
      $id: https://example.com/schemas/breeder
      type: object
      additionalProperties: false
      properties:
        id: {type: string, format: uuid}
    Node:
      $anchor: node
      type: object
      additionalProperties: false
      properties:
        value: {type: integer, format: int32}
        next: {$ref: '#node'}
`
	res := auditText(t, text, Options{})
	if fs := findingsOf(res, "struct-unresolved-ref"); len(fs) != 0 {
		t.Errorf("false unresolved references: %+v", fs)
	}
	if !res.Valid {
		t.Errorf("the definition is reported invalid: %+v", res.Findings)
	}
	// The schemas behind the identifiers are audited: the tag (through a
	// $id relative to the pet's) has no length limit, the node's value
	// (through the anchor) no bounds.
	if !hasFindingAt(res, "data-string-no-maxlength", "/components/schemas/Tag") {
		t.Errorf("the schema behind a relative $id was not audited: %+v", res.Findings)
	}
	if !hasFindingAt(res, "data-number-unbounded", "/components/schemas/Node/properties/value") {
		t.Errorf("the schema behind an $anchor was not audited: %+v", res.Findings)
	}

	// An identifier nobody declares is unresolved, and not fetched.
	res = auditText(t, strings.Replace(text, "$ref: tag}", "$ref: colour}", 1), Options{})
	fs := findingsOf(res, "struct-unresolved-ref")
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "https://example.com/schemas/colour") || fs[0].Location.Line == 0 {
		t.Errorf("want one unresolved reference to https://example.com/schemas/colour, got %+v", fs)
	}
}
