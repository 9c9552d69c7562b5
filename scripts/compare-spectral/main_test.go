package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

const testSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
components:
  securitySchemes:
    basic: {type: http, scheme: basic}
  schemas:
    Id: {type: integer}
    Rollup:
      type: object
      properties:
        "+1": {type: integer}
    Unused: {type: array, items: {type: string, maxLength: 3}}
    Map:
      type: object
      additionalProperties: {type: integer, minimum: 0, maximum: 9}
paths:
  /items/{id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {$ref: '#/components/schemas/Id'}}
        - {name: when, in: query, schema: {type: string, format: date-time}}
        - {name: password, in: query, schema: {type: string, maxLength: 9}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Map'}
            application/xml:
              schema: {$ref: '#/components/schemas/Rollup'}
        default: {description: error}
  /pets:
    post:
      security: [{basic: []}]
      requestBody:
        content:
          application/json:
            schema: {$ref: 'frag.yaml#/Pet'}
      responses:
        "201": {description: created}
`

const testFragment = `Pet:
  type: object
  properties:
    name: {type: string}
`

func sp(code, source string, path ...any) spectralFinding {
	return spectralFinding{Code: "owasp:" + code, Path: path, Source: source}
}

func rp(rule, file, pointer string, ops ...string) rampartFinding {
	f := rampartFinding{Rule: rule, Operations: ops}
	f.Location.File = file
	f.Location.Pointer = pointer
	return f
}

func TestCompareClassifiesEachSpectralFinding(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "api.yaml")
	frag := filepath.Join(dir, "frag.yaml")
	if err := os.WriteFile(root, []byte(testSpec), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(frag, []byte(testFragment), 0o644); err != nil {
		t.Fatal(err)
	}
	doc, err := spec.Load(context.Background(), root, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Rampart names an external file by its display name; the comparison
	// must map it back to the file Spectral names by absolute path.
	rampartFrag := frag
	if rel, err := filepath.Rel(mustGetwd(t), frag); err == nil {
		rampartFrag = rel
	}

	tests := []struct {
		name    string
		finding spectralFinding
		rampart []rampartFinding
		want    outcome
		reason  string
	}{
		{
			name:    "use site resolves through $ref to the definition Rampart reports",
			finding: sp("api4:2023-integer-limit-legacy", root, "paths", "/items/{id}", "get", "parameters", 0.0, "schema"),
			rampart: []rampartFinding{rp("data-number-unbounded", root, "/components/schemas/Id")},
			want:    covered,
		},
		{
			name:    "same place but an unrelated Rampart rule does not count",
			finding: sp("api4:2023-integer-limit-legacy", root, "paths", "/items/{id}", "get", "parameters", 0.0, "schema"),
			rampart: []rampartFinding{rp("data-number-no-format", root, "/components/schemas/Id")},
			want:    notCovered,
		},
		{
			name:    "path cut at a properties map matches a finding on one of its properties",
			finding: sp("api4:2023-integer-limit-legacy", root, "components", "schemas", "Rollup", "properties"),
			rampart: []rampartFinding{rp("data-number-unbounded", root, "/components/schemas/Rollup/properties/+1")},
			want:    covered,
		},
		{
			name:    "component no operation reaches",
			finding: sp("api4:2023-array-limit", root, "components", "schemas", "Unused"),
			want:    unused,
			reason:  "component that no operation uses",
		},
		{
			name:    "bounded format explains a missing string-limit",
			finding: sp("api4:2023-string-limit", root, "paths", "/items/{id}", "get", "parameters", 1.0, "schema"),
			want:    notCovered,
			reason:  "format date-time bounds the length",
		},
		{
			name:    "additionalProperties keyword maps to the object holding it",
			finding: sp("api3:2023-no-additionalProperties", root, "components", "schemas", "Map", "additionalProperties"),
			rampart: []rampartFinding{rp("data-object-open", root, "/components/schemas/Map")},
			want:    covered,
		},
		{
			name:    "typed map without a Rampart finding is explained",
			finding: sp("api3:2023-no-additionalProperties", root, "components", "schemas", "Map", "additionalProperties"),
			want:    notCovered,
			reason:  "map whose values have a schema (validated, not open)",
		},
		{
			name:    "operation rule covered by a definition-wide finding listing the operation",
			finding: sp("api2:2023-read-restricted", root, "paths", "/items/{id}", "get"),
			rampart: []rampartFinding{rp("sec-no-security", root, "", "GET /items/{id}", "POST /pets")},
			want:    covered,
		},
		{
			name:    "401 on an unsecured operation",
			finding: sp("api8:2023-define-error-responses-401", root, "paths", "/items/{id}", "get", "responses"),
			want:    notCovered,
			reason:  "operation is not secured (401 is asked of secured operations)",
		},
		{
			name:    "500 where default is declared",
			finding: sp("api8:2023-define-error-responses-500", root, "paths", "/items/{id}", "get", "responses"),
			want:    notCovered,
			reason:  "default response declared (counts as the 500)",
		},
		{
			name:    "401 missing on a secured operation is covered",
			finding: sp("api8:2023-define-error-responses-401", root, "paths", "/pets", "post", "responses"),
			rampart: []rampartFinding{rp("resp-missing-401", root, "/paths/~1pets/post/responses", "POST /pets")},
			want:    covered,
		},
		{
			name:    "security scheme matched by a finding inside it",
			finding: sp("api2:2023-no-http-basic", root, "components", "securitySchemes", "basic"),
			rampart: []rampartFinding{rp("sec-http-basic", root, "/components/securitySchemes/basic/scheme")},
			want:    covered,
		},
		{
			name:    "finding in an external file, Rampart naming it relatively",
			finding: sp("api4:2023-string-limit", frag, "Pet", "properties", "name"),
			rampart: []rampartFinding{rp("data-string-no-maxlength", rampartFrag, "/Pet/properties/name")},
			want:    covered,
		},
		{
			name:    "credential in the query string is sec-credential-in-query",
			finding: sp("api2:2023-no-credentials-in-url", root, "paths", "/items/{id}", "get", "parameters", 2.0, "name"),
			rampart: []rampartFinding{rp("sec-credential-in-query", root, "/paths/~1items~1{id}/get/parameters/2")},
			want:    covered,
		},
		{
			name:    "credential in the query string without its finding needs a look",
			finding: sp("api2:2023-no-credentials-in-url", root, "paths", "/items/{id}", "get", "parameters", 2.0, "name"),
			rampart: []rampartFinding{rp("sec-apikey-query", root, "/components/securitySchemes/key/in")},
			want:    notCovered,
			reason:  "",
		},
		{
			name:    "credential-like path parameter is an identifier",
			finding: sp("api2:2023-no-credentials-in-url", root, "paths", "/items/{id}", "get", "parameters", 0.0, "name"),
			want:    notCovered,
			reason:  "path parameter: an object identifier, not a credential",
		},
		{
			name:    "rule without a counterpart",
			finding: sp("api4:2023-rate-limit", root, "paths", "/items/{id}", "get", "responses", "200"),
			want:    byDesign,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := compare("api.yaml", doc, []spectralFinding{tc.finding}, tc.rampart)
			got := covered
			var d detail
			if len(c.Details) == 1 {
				d = c.Details[0]
				got = d.Outcome
			} else if len(c.Details) > 1 {
				t.Fatalf("%d details for one finding", len(c.Details))
			}
			if got != tc.want {
				t.Fatalf("outcome %s, want %s (detail %+v)", outcomeNames[got], outcomeNames[tc.want], d)
			}
			if tc.reason != "" && d.Reason != tc.reason {
				t.Errorf("reason %q, want %q", d.Reason, tc.reason)
			}
			st := c.Rules[strings.TrimPrefix(tc.finding.Code, "owasp:")]
			if st == nil || st.Count != 1 || st.Covered+st.Unused+st.NotCovered+st.ByDesign != 1 {
				t.Errorf("stats %+v do not add up to one finding", st)
			}
		})
	}
}

func TestPointerOfEscapesKeys(t *testing.T) {
	tests := []struct {
		path []any
		want string
	}{
		{[]any{"paths", "/a/{id}", "get", "parameters", 0.0}, "/paths/~1a~1{id}/get/parameters/0"},
		{[]any{"components", "schemas", "a~b"}, "/components/schemas/a~0b"},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := pointerOf(tc.path); got != tc.want {
			t.Errorf("pointerOf(%v) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestDefNamesKeepSubfolders(t *testing.T) {
	got := defNames("/s", []string{"/s/a.yaml", "/s/sep/spec/swagger.json"})
	want := []string{"a.yaml", "sep_spec_swagger.json"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("name %d = %q, want %q", i, got[i], want[i])
		}
	}
}

func mustGetwd(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return wd
}
