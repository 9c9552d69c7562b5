package audit

import (
	"strings"
	"testing"
)

// TestSwagger2FileUpload: a Swagger 2.0 `type: file` parameter is an
// upload. Its size is what matters (data-string-no-maxlength says so, as
// for a binary string); it is not text, so no pattern is asked of it and
// no name makes it a URL, and a file download is nothing to report.
func TestSwagger2FileUpload(t *testing.T) {
	const doc = `swagger: "2.0"
info: {title: t, version: "1"}
host: api.example.com
schemes: [https]
paths:
  /up:
    post:
      consumes: [multipart/form-data]
      parameters:
        - %s
      responses:
        "200": {description: ok, schema: {type: file}}
`
	const param = "/paths/~1up/post/parameters/0"
	cases := []struct {
		name, param, rule string
		want              bool
		msg               string
	}{
		{"unbounded upload", "{name: f, in: formData, type: file}", "data-string-no-maxlength", true, "file upload accepts files of any size"},
		{"bounded upload", "{name: f, in: formData, type: file, maxLength: 1048576}", "data-string-no-maxlength", false, ""},
		{"a file has no pattern", "{name: f, in: formData, type: file}", "data-string-no-pattern", false, ""},
		// A text field of the same form is still text.
		{"text field", "{name: f, in: formData, type: string}", "data-string-no-pattern", true, "accepts any characters"},
		// A file named like a URL is an upload all the same: no URL the
		// server could fetch, and as unbounded as any other.
		{"a file named like a URL", "{name: callback_url, in: formData, type: file}", "exp-url-input", false, ""},
		{"a file named like a URL is an upload", "{name: avatar_url, in: formData, type: file}", "data-string-no-maxlength", true, "file upload accepts files of any size"},
		{"a text field named like a URL", "{name: callback_url, in: formData, type: string}", "exp-url-input", true, `"callback_url" looks like a URL`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := auditText(t, strings.Replace(doc, "%s", tc.param, 1), Options{})
			got := findingsOf(res, tc.rule)
			if !tc.want {
				for _, f := range got {
					t.Errorf("unexpected %s at %s: %s", tc.rule, f.Location.Pointer, f.Message)
				}
				return
			}
			if len(got) != 1 || got[0].Location.Pointer != param || !strings.Contains(got[0].Message, tc.msg) {
				t.Errorf("want one %s at %s saying %q, got %+v", tc.rule, param, tc.msg, got)
			}
		})
	}
}

// In OpenAPI 3 an upload is a string of format binary (or base64 bytes,
// or 3.1's contentEncoding): a file property named like a URL is no URL
// the server could fetch. A plain string of the same name still is.
func TestOpenAPI3UploadIsNotText(t *testing.T) {
	const doc = `openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /up:
    post:
      requestBody:
        content:
          multipart/form-data:
            schema:
              type: object
              properties:
                avatar_url: %s
      responses:
        "200": {description: ok}
`
	for _, tc := range []struct {
		name, schema string
		want         bool
	}{
		{"binary", "{type: string, format: binary, maxLength: 1048576}", false},
		{"base64 bytes", "{type: string, format: byte, maxLength: 1048576}", false},
		{"content encoding", "{type: string, contentEncoding: base64, maxLength: 1048576}", false},
		{"text", "{type: string, maxLength: 200}", true},
		{"a URI", "{type: string, format: uri, maxLength: 200}", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := auditText(t, strings.Replace(doc, "%s", tc.schema, 1), Options{})
			if got := len(findingsOf(res, "exp-url-input")) > 0; got != tc.want {
				t.Errorf("exp-url-input reported = %v, want %v", got, tc.want)
			}
		})
	}
}
