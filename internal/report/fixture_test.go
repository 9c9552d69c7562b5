package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const petstoreYAML = `openapi: 3.0.3
info:
  title: Swagger Petstore
  version: 1.0.0
servers:
  - url: http://petstore.example.com/v1
paths:
  /pets:
    get:
      summary: List all pets
      operationId: listPets
      parameters:
        - name: limit
          in: query
          schema:
            type: integer
      responses:
        '200':
          description: A paged array of pets
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Pet'
components:
  schemas:
    Pet:
      type: object
      properties:
        name:
          type: string
`

const usersYAML = `openapi: 3.1.0
info:
  title: Users API
  version: 2.0.0
paths:
  /users/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getUser
      security:
        - bearerAuth: []
  /users:
    post:
      operationId: createUser
`

// auditReport is an audit of two definitions: one with findings of every
// severity (one suppressed, two with patches, one without a line, one in a
// referenced file, one whose message contains markup), and a clean one.
func auditReport() *Report {
	findings := []Finding{
		{
			Rule: "sec-no-security", Severity: SeverityCritical,
			Message:  "No security scheme is defined, so every operation can be called without credentials.",
			Location: Location{File: "api/petstore.yaml", Pointer: "", Line: 1, Column: 1},
			OWASP:    "API2:2023", CWE: "CWE-306",
			FixHint: "Define a security scheme under components.securitySchemes and require it at the top level.",
			Patch: []PatchOp{
				{Op: "add", Path: "/components/securitySchemes", Value: map[string]any{"bearerAuth": map[string]any{"type": "http", "scheme": "bearer"}}},
				{Op: "add", Path: "/security", Value: []any{map[string]any{"bearerAuth": []any{}}}},
			},
			Operations: []string{"GET /pets", "POST /pets", "GET /pets/{petId}", "PUT /pets/{petId}", "DELETE /pets/{petId}", "GET /store/inventory", "POST /store/order"},
		},
		{
			Rule: "tls-http-server", Severity: SeverityHigh, Title: "Server URL uses plain HTTP",
			Message:  "Server URL http://petstore.example.com/v1 uses plain HTTP, so tokens and data travel unencrypted.",
			Location: Location{File: "api/petstore.yaml", Pointer: "/servers/0/url", Line: 6, Column: 5},
			OWASP:    "API8:2023", CWE: "CWE-319",
			FixHint: "Serve the API over HTTPS only.",
			Patch:   []PatchOp{{Op: "replace", Path: "/servers/0/url", Value: "https://petstore.example.com/v1"}},
		},
		{
			Rule: "data-string-no-maxlength", Severity: SeverityHigh,
			Message:    "Property name has no maxLength or pattern, so values such as <script>alert(1)</script> are accepted.",
			Location:   Location{File: "api/petstore.yaml", Pointer: "/components/schemas/Pet/properties/name", Line: 32, Column: 11},
			OWASP:      "API8:2023",
			FixHint:    "Add maxLength and a pattern to the string.",
			Operations: []string{"GET /pets"},
		},
		{
			Rule: "data-array-no-maxitems", Severity: SeverityMedium,
			Message:  "Array response has no maxItems; a client cannot tell how much data a call may return.",
			Location: Location{File: "api/petstore.yaml", Pointer: "/paths/~1pets/get/responses/200/content/application~1json/schema"},
			OWASP:    "API4:2023",
			FixHint:  "Add maxItems to the array.",
			Patch:    []PatchOp{{Op: "add", Path: "/paths/~1pets/get/responses/200/content/application~1json/schema/maxItems", Value: 100}},
		},
		{
			Rule: "data-string-no-maxlength", Severity: SeverityMedium,
			Message:  "Property message has no maxLength.",
			Location: Location{File: "api/schemas/error.yaml", Pointer: "/properties/message", Line: 4, Column: 9},
			OWASP:    "API8:2023",
			FixHint:  "Add maxLength to the string.",
		},
		{
			Rule: "data-number-no-format", Severity: SeverityLow,
			Message:  "Query parameter limit is an integer without format, so its size is left to each implementation.",
			Location: Location{File: "api/petstore.yaml", Pointer: "/paths/~1pets/get/parameters/0/schema", Line: 16, Column: 13},
			OWASP:    "API4:2023",
			FixHint:  "Set format (int32 or int64).",
		},
	}
	suppressed := []Finding{{
		Rule: "data-string-no-pattern", Severity: SeverityInfo,
		Message:    "Property name accepts any characters: no pattern, format or enum.",
		Location:   Location{File: "api/petstore.yaml", Pointer: "/components/schemas/Pet/properties/name", Line: 32, Column: 11},
		Suppressed: "Pet names are free text.",
	}}
	for _, fs := range [][]Finding{findings, suppressed} {
		for i := range fs {
			fs[i].ComputeFingerprint()
		}
		SortFindings(fs)
	}
	return &Report{
		Tool: "rampart", Version: "0.9.0", Kind: "audit",
		Results: []SpecResult{
			{
				Spec: "api/petstore.yaml", OpenAPI: "3.0.3", Title: "Swagger Petstore", Valid: true,
				Score:        &Score{Total: 72, Security: 20, Data: 52},
				Profile:      "default",
				Findings:     findings,
				Suppressed:   suppressed,
				ManualChecks: []string{"Check that the gateway enforces rate limits."},
				Summary:      map[string]int{"operations": 7, "schemas": 3},
				Source:       map[string][]byte{"api/petstore.yaml": []byte(petstoreYAML)},
			},
			{
				Spec: "api/clean.yaml", OpenAPI: "3.1.0", Title: "Clean API", Valid: true,
				Score: &Score{Total: 100, Security: 30, Data: 70},
			},
		},
		Rules: []Rule{
			{ID: "data-number-no-format", Title: "Number without format", Description: "A number or integer has no format.", Why: "Its size is left to each implementation: overflow and precision bugs.", Fix: "Set format.", Severity: SeverityLow, OWASP: "API4:2023", Family: "data"},
			{ID: "sec-no-security", Title: "No security scheme", Description: "The definition declares no security scheme.", Why: "Operations without authentication can be called by anyone.", Fix: "Declare a security scheme and require it.", Severity: SeverityCritical, OWASP: "API2:2023", CWE: "CWE-306", Family: "security"},
			// A rule no finding refers to.
			{ID: "sec-apikey-header-underscore", Title: "API key header name with an underscore", Description: "An API key header name has an underscore, which proxies may drop.", Severity: SeverityLow, Family: "security"},
			{ID: "tls-http-server", Title: "Plain HTTP server", Description: "A server URL uses http://.", Why: "Traffic over plain HTTP can be read and changed on the way.", Fix: "Use https:// server URLs.", Severity: SeverityHigh, OWASP: "API8:2023", CWE: "CWE-319", Family: "transport"},
			{ID: "data-array-no-maxitems", Title: "Unbounded array", Description: "An array schema has no maxItems.", Why: "Unbounded arrays let a client or server send unlimited data.", Fix: "Add maxItems.", Severity: SeverityMedium, OWASP: "API4:2023", Family: "data"},
			{ID: "data-string-no-pattern", Title: "String without pattern, format or enum", Description: "A string accepts any characters.", Severity: SeverityLow, Family: "data"},
		},
	}
}

// scanReport is a scan with an authorization finding backed by two
// exchanges and a finding whose rule the report does not describe.
func scanReport() *Report {
	findings := []Finding{
		{
			Rule: "scan-bola", Severity: SeverityCritical, Title: "Broken object level authorization",
			Message:  "User B can read user A's record by changing the id in the path.",
			Location: Location{File: "api/users.yaml", Pointer: "/paths/~1users~1{id}/get", Line: 9, Column: 5},
			OWASP:    "API1:2023", CWE: "CWE-639",
			FixHint:   "Check that the caller owns the requested object before returning it.",
			Operation: "GET /users/{id}", Test: "bola-swap-ids",
			Expected: "403 or 404 for another user's id", Actual: "200 with user A's record",
			Exchanges: []Exchange{
				{
					Label: "as user A", Method: "GET", URL: "http://127.0.0.1:8080/users/42",
					Headers: map[string][]string{"Authorization": {"Bearer <redacted>"}, "Accept": {"application/json"}},
					Status:  200, RespHead: map[string][]string{"Content-Type": {"application/json"}},
					RespBody: `{"id":42,"email":"a@example.com"}`,
					Curl:     `curl -H 'Authorization: Bearer <redacted>' 'http://127.0.0.1:8080/users/42'`,
				},
				{
					Label: "as user B", Method: "GET", URL: "http://127.0.0.1:8080/users/42",
					Headers: map[string][]string{"Authorization": {"Bearer <redacted>"}},
					Status:  200, RespHead: map[string][]string{"Content-Type": {"application/json"}},
					RespBody: `{"id":42,"email":"a@example.com"}`,
					Curl:     `curl -H 'Authorization: Bearer <redacted>' 'http://127.0.0.1:8080/users/42'`,
				},
			},
		},
		{
			Rule: "scan-stack-trace", Severity: SeverityMedium, Title: "Stack trace or framework error page",
			Message:  "Malformed JSON makes the server answer 500 with a stack trace.",
			Location: Location{File: "api/users.yaml", Pointer: "/paths/~1users/post", Line: 14, Column: 5},
			OWASP:    "API8:2023", CWE: "CWE-209",
			FixHint:   "Return a generic 400 problem document for malformed bodies.",
			Operation: "POST /users", Test: "malformed-json",
			Expected: "4xx without internals", Actual: "500 with a stack trace",
			Exchanges: []Exchange{{
				Method: "POST", URL: "http://127.0.0.1:8080/users",
				Headers: map[string][]string{"Content-Type": {"application/json"}},
				Body:    `{"name":`, Status: 500,
				RespHead: map[string][]string{"Content-Type": {"text/html"}},
				RespBody: "<b>Traceback</b> (most recent call last):\n  File \"app.py\", line 12",
				Curl:     `curl -X POST -H 'Content-Type: application/json' --data '{"name":' 'http://127.0.0.1:8080/users'`,
			}},
		},
	}
	for i := range findings {
		findings[i].ComputeFingerprint()
	}
	SortFindings(findings)
	return &Report{
		Tool: "rampart", Version: "0.9.0", Kind: "scan",
		Results: []SpecResult{{
			Spec: "api/users.yaml", OpenAPI: "3.1.0", Title: "Users API", Valid: true,
			Findings: findings,
			Summary:  map[string]int{"operations_tested": 2, "requests_sent": 37},
			Source:   map[string][]byte{"api/users.yaml": []byte(usersYAML)},
		}},
		Rules: []Rule{
			{ID: "scan-bola", Title: "Broken object level authorization", Description: "An operation returns objects that belong to another user.", Why: "Attackers enumerate ids to read other users' data.", Fix: "Authorize every object access against the caller.", Severity: SeverityCritical, OWASP: "API1:2023", CWE: "CWE-639", Family: "authorization"},
		},
	}
}

// render runs Write and fails the test on error.
func render(t *testing.T, format string, r *Report, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, r, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// goldenSrcRoot replaces the working directory in SARIF output, so golden
// files do not depend on where the repository is checked out.
const goldenSrcRoot = "file:///workspace/"

func normalizeSARIF(t *testing.T, b []byte) []byte {
	t.Helper()
	return bytes.ReplaceAll(b, []byte(`"`+newSARIFURIs("").baseURI+`"`), []byte(`"`+goldenSrcRoot+`"`))
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %q\nwant: %q\n(run go test ./internal/report -update if the change is intended)", path, i+1, g, w)
			}
		}
	}
}

func TestGolden(t *testing.T) {
	fixtures := []struct {
		name   string
		report func() *Report
	}{
		{"audit", auditReport},
		{"scan", scanReport},
	}
	formats := []struct {
		format, ext string
		opts        Options
	}{
		{"text", "txt", Options{}},
		{"text", "color.txt", Options{Color: true}},
		{"json", "json", Options{}},
		{"sarif", "sarif", Options{}},
		{"html", "html", Options{}},
		{"junit", "junit.xml", Options{}},
	}
	for _, fx := range fixtures {
		for _, f := range formats {
			name := fx.name + "." + f.ext
			t.Run(name, func(t *testing.T) {
				got := render(t, f.format, fx.report(), f.opts)
				if f.format == "sarif" {
					got = normalizeSARIF(t, got)
				}
				checkGolden(t, name, got)
				// Rendering twice gives the same bytes.
				again := render(t, f.format, fx.report(), f.opts)
				if f.format == "sarif" {
					again = normalizeSARIF(t, again)
				}
				if !bytes.Equal(got, again) {
					t.Errorf("%s output is not deterministic", f.format)
				}
			})
		}
	}
}
