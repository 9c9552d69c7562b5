package audit

import (
	"bytes"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

// Credentials in their issuers' documented formats, assembled so that the
// test file itself holds no string a secret scanner flags.
var (
	secretGitHub = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
	secretStripe = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	secretAWSID  = "AKIA" + "IOSFODNN7EXAMPLE"
	secretAWSKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	secretJWT    = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)

// secretsDefinition writes secrets where definitions write them: examples
// and defaults of properties named after credentials, credentials in
// their own formats under ordinary names, the example of an API key
// parameter, and an example body. Every value breaks its schema, so each
// is the subject of a data-value-invalid message.
func secretsDefinition() (string, []string) {
	secrets := []string{"hunter2-SuperSecret!", secretGitHub, secretStripe, secretAWSID, secretAWSKey, secretJWT,
		"s3cr3t-value", "apikey-0000-1111", "body-password-99", "44170"}
	r := strings.NewReplacer("PASSWORD", secrets[0], "GITHUB", secrets[1], "STRIPE", secrets[2], "AWSID", secrets[3],
		"AWSKEY", secrets[4], "JWT", secrets[5], "CLIENTSECRET", secrets[6], "APIKEY", secrets[7],
		"BODYPASS", secrets[8], "PIN", secrets[9])
	// PIN is 44170: the engine writes it "44,170" ("got 44,170, want 100").
	return r.Replace(`openapi: 3.0.3
info: {title: secrets, version: "1"}
servers: [{url: "https://api.example.com"}]
security: [{key: []}]
paths:
  /login:
    post:
      parameters:
        - name: X-API-Key
          in: header
          schema: {type: string, maxLength: 64, pattern: '^[0-9a-f]+$'}
          example: APIKEY
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Login'}
            example: {password: BODYPASS, pin: 1}
      responses:
        "200": {description: ok}
        "400": {description: bad}
        "401": {description: no}
        "403": {description: no}
        "429": {description: slow}
        default: {description: error}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-API-Key}
  schemas:
    Login:
      type: object
      additionalProperties: false
      properties:
        password:
          type: string
          format: password
          writeOnly: true
          description: The user's password
          maxLength: 8
          pattern: '^[a-z]+$'
          example: PASSWORD
        pin:
          type: integer
          format: int32
          minimum: 0
          maximum: 100
          example: 1
        numeric_password:
          type: integer
          format: int32
          minimum: 0
          maximum: 100
          default: PIN
        passcode:
          type: string
          format: password
          maxLength: 4
          pattern: '^[0-9]+$'
          example: CLIENTSECRET
        github: {type: string, maxLength: 5, pattern: '^x$', default: GITHUB}
        stripe: {type: string, maxLength: 5, pattern: '^x$', example: STRIPE}
        aws_access_key_id: {type: string, maxLength: 5, pattern: '^x$', example: AWSID}
        aws_secret_access_key: {type: string, maxLength: 5, pattern: '^x$', example: AWSKEY}
        id_token: {type: string, maxLength: 5, pattern: '^x$', example: JWT}
        client_secret: {type: string, maxLength: 5, pattern: '^x$', example: CLIENTSECRET}
        name: {type: string, maxLength: 3, pattern: '^[a-z]+$', example: Alice-Example}
`), secrets
}

func TestValueMessagesQuoteNoSecrets(t *testing.T) {
	src, secrets := secretsDefinition()
	res := auditText(t, src, Options{})
	msgs := findingsOf(res, "data-value-invalid")
	if len(msgs) < 10 {
		t.Fatalf("want a data-value-invalid finding for each value; have %d", len(msgs))
	}
	redacted := 0
	for _, f := range msgs {
		for _, s := range secrets {
			if strings.Contains(f.Message, s) {
				t.Errorf("%s: the message quotes the secret %q: %s", f.Location.Pointer, s, f.Message)
			}
		}
		if strings.Contains(f.Message, "value (redacted: a credential) does not satisfy the schema") {
			redacted++
		}
	}
	if redacted < 8 {
		t.Errorf("%d messages say a value is redacted, want one per secret value", redacted)
	}
	// An ordinary value is still quoted: it is what the reader must fix.
	if !hasMessage(msgs, `example value "Alice-Example" does not satisfy the schema`) {
		t.Errorf("the example of name is no longer quoted: %v", messagesOf(msgs))
	}
	// What the value breaks is still said.
	if !hasMessage(msgs, "example value (redacted: a credential) does not satisfy the schema: maxLength: got 20, want 8") {
		t.Errorf("the password's message does not say what it breaks: %v", messagesOf(msgs))
	}
}

// Every report format of an audit of that definition, excerpts included,
// is free of its secrets.
func TestAuditReportsQuoteNoSecrets(t *testing.T) {
	src, secrets := secretsDefinition()
	res := auditText(t, src, Options{Profile: "financial-rw"})
	rep := &report.Report{Tool: "rampart", Kind: "audit", Results: []report.SpecResult{*res}, Rules: ReportRules()}
	for _, format := range report.Formats() {
		var b bytes.Buffer
		if err := report.Write(&b, format, rep, report.Options{}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s report quotes the secret %q", format, s)
			}
		}
		if format == "sarif" && !strings.Contains(out, "format: password") {
			t.Errorf("the SARIF excerpts no longer show what describes a secret")
		}
	}
}

func hasMessage(fs []report.Finding, sub string) bool {
	for _, f := range fs {
		if strings.Contains(f.Message, sub) {
			return true
		}
	}
	return false
}

func messagesOf(fs []report.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Message)
	}
	return out
}

func TestNodeName(t *testing.T) {
	res := auditText(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
`, Options{})
	_ = res
	for ptr, want := range map[string]string{
		"/components/schemas/Login/properties/password":                 "password",
		"/components/schemas/Login/properties/tokens/items":             "tokens",
		"/components/schemas/Login/properties/secret/allOf/0":           "secret",
		"/components/schemas/Password":                                  "Password",
		"/components/headers/Set-Cookie/schema":                         "Set-Cookie",
		"/components/schemas/Login/properties/items":                    "items",
		"/paths/~1a/get/responses/200/headers/X-Token/schema/items/0":   "X-Token",
		"/paths/~1a/get/responses/200/content/application~1json/schema": "",
	} {
		if got := nodeName(nil, ref("f", ptr)); got != want {
			t.Errorf("nodeName(%s) = %q, want %q", ptr, got, want)
		}
	}
}
