package sensitive

import (
	"strings"
	"testing"
)

// Credentials in the formats their issuers document (the GitHub, Stripe,
// AWS, Slack and Google examples), assembled so that this file does not
// itself hold a string a secret scanner flags.
var (
	ghToken     = "ghp_" + "16C7e42F292c6912E7710c838347Ae178B4a"
	ghPAT       = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"
	stripeKey   = "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	stripeRKey  = "rk_live_" + "4eC39HqLyjWDarjtT1zdp7dc"
	awsKeyID    = "AKIA" + "IOSFODNN7EXAMPLE"
	awsTempID   = "ASIA" + "IOSFODNN7EXAMPLE"
	slackToken  = "xoxb-" + "123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
	googleKey   = "AIza" + "SyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe"
	signedToken = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9" + ".eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
	pemBegin    = "-----BEGIN RSA " + "PRIVATE KEY-----"
	pemEnd      = "-----END RSA " + "PRIVATE KEY-----"
)

func TestRedactCredentials(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"GitHub token", "default: " + ghToken, "default: <r>"},
		{"GitHub fine-grained token", `"token": "` + ghPAT + `"`, `"token": "<r>"`},
		{"Stripe secret key", "key=" + stripeKey + "&x=1", "key=<r>&x=1"},
		{"Stripe restricted key", stripeRKey, "<r>"},
		{"AWS access key id", "id: " + awsKeyID, "id: <r>"},
		{"AWS temporary key id", "'" + awsTempID + "'", "'<r>'"},
		{"Slack token", "Bearer " + slackToken, "Bearer <r>"},
		{"Google API key", "?key=" + googleKey, "?key=<r>"},
		{"signed JWT", "example: " + signedToken, "example: <r>"},
		{"private key on one line", `"key": "` + pemBegin + `\nMIIEow\n` + pemEnd + `"`, `"key": "<r>"`},
		{"private key without its end", "example: " + pemBegin, "example: <r>"},
		{"two credentials", ghToken + " " + stripeKey, "<r> <r>"},
		// Ordinary text: prefixes without a credential's length or
		// boundary.
		{"region name", "region: ASIA", "region: ASIA"},
		{"word starting with a prefix", "ASIAPACIFIC and AKIAS", "ASIAPACIFIC and AKIAS"},
		{"prefix inside a word", "xAKIA" + "IOSFODNN7EXAMPLE", "xAKIA" + "IOSFODNN7EXAMPLE"},
		{"short ghp_", "ghp_abc", "ghp_abc"},
		{"gh-pages", "branch: gh-pages", "branch: gh-pages"},
		{"test mode prose", "use sk_test_ keys in test mode", "use sk_test_ keys in test mode"},
		{"public key", "-----BEGIN PUBLIC KEY-----", "-----BEGIN PUBLIC KEY-----"},
		{"unsigned JWT", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RedactCredentials(tc.in, "<r>"); got != tc.want {
				t.Errorf("RedactCredentials(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if got, want := LooksLikeCredential(tc.in), tc.in != tc.want; got != want {
				t.Errorf("LooksLikeCredential(%q) = %v, want %v", tc.in, got, want)
			}
		})
	}
}

func TestSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"password": true, "client_secret": true, "aws_secret_access_key": true, "api_key": true,
		"X-API-Key": true, "access_token": true, "token": true, "Authorization": true, "Cookie": true,
		"Set-Cookie": true, "username": false, "ssn": false, "cardNumber": false, "token_type": false,
		"description": false, "format": false,
	} {
		if got := SecretName(name); got != want {
			t.Errorf("SecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

// redactDoc runs a SourceRedactor over doc and returns it redacted.
func redactDoc(doc string) string {
	return strings.Join(RedactLines(strings.Split(doc, "\n"), "<r>"), "\n")
}

func TestSourceRedactor(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{
			"members with secret names, keys kept",
			"password: hunter2\n\"api_key\": \"abc123\"\nclient_secret: 's3cr3t'\naws_secret_access_key: wJalrXUtnFEMI/K7MDENG\nusername: alice",
			"password: <r>\n\"api_key\": \"<r>\"\nclient_secret: '<r>'\naws_secret_access_key: <r>\nusername: alice",
		},
		{
			"the example of a property named password",
			`properties:
  password:
    type: string
    format: password
    writeOnly: true
    description: The user's password
    minLength: 8
    example: hunter2-SuperSecret!
    default: changeme
  name:
    type: string
    example: alice`,
			`properties:
  password:
    type: string
    format: password
    writeOnly: true
    description: The user's password
    minLength: 8
    example: <r>
    default: <r>
  name:
    type: string
    example: alice`,
		},
		{
			"a parameter named api_key, its schema's example too",
			`parameters:
  - name: api_key
    in: header
    description: Your API key
    example: abc123
    schema:
      type: string
      example: def456
  - name: limit
    in: query
    example: 10`,
			`parameters:
  - name: api_key
    in: header
    description: Your API key
    example: <r>
    schema:
      type: string
      example: <r>
  - name: limit
    in: query
    example: 10`,
		},
		{
			"format: password makes the example secret",
			"pin:\n  type: string\n  format: password\n  example: '1234'\n",
			"pin:\n  type: string\n  format: password\n  example: '<r>'\n",
		},
		{
			"an example object, member by member",
			"example:\n  username: alice\n  password: hunter2\n  token: tok_123\n",
			"example:\n  username: alice\n  password: <r>\n  token: <r>\n",
		},
		{
			"OpenAPI 3 examples of a secret parameter",
			"- name: X-API-Key\n  in: header\n  examples:\n    one:\n      summary: A key\n      value: abc123\n",
			"- name: X-API-Key\n  in: header\n  examples:\n    one:\n      summary: A key\n      value: <r>\n",
		},
		{
			"block scalar under a secret name",
			"client_secret: |\n  line one\n  line two\nnext: value",
			"client_secret: |\n  <r>\n  <r>\nnext: value",
		},
		{
			"private key block over lines",
			"example: |\n  " + pemBegin + "\n  MIIEowIBAAKCAQEA+/abc=\n  " + pemEnd + "\nnext: value",
			"example: |\n  <r>\n  <r>\n  <r>\nnext: value",
		},
		{
			"credentials under ordinary names",
			"github:\n  default: " + ghToken + "\n  example: \"" + awsKeyID + "\"",
			"github:\n  default: <r>\n  example: \"<r>\"",
		},
		{
			"minified JSON",
			`{"properties":{"password":{"type":"string","example":"hunter2"},"user":{"example":"alice"}},"example":{"password":"x1","user":"bob"}}`,
			`{"properties":{"password":{"type":"string","example":"<r>"},"user":{"example":"alice"}},"example":{"password":"<r>","user":"bob"}}`,
		},
		{
			"pretty JSON",
			"{\n  \"password\": {\n    \"type\": \"string\",\n    \"example\": \"hunter2\"\n  },\n  \"api_key\": \"k-123\",\n  \"name\": \"x\"\n}",
			"{\n  \"password\": {\n    \"type\": \"string\",\n    \"example\": \"<r>\"\n  },\n  \"api_key\": \"<r>\",\n  \"name\": \"x\"\n}",
		},
		{
			"YAML flow mapping",
			"password: {type: string, example: hunter2}\nuser: {example: alice}",
			"password: {type: string, example: <r>}\nuser: {example: alice}",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactDoc(tc.in); got != tc.want {
				t.Errorf("redacted\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// TestSourceRedactorKeepsSpecText: what describes a secret is not one.
func TestSourceRedactorKeepsSpecText(t *testing.T) {
	docs := []string{
		`paths:
  /password/reset:
    post:
      summary: Reset a password
      description: Sends a password reset link; the token it holds expires.
      operationId: resetPassword
      security:
        - api_key: [read, write]
        - oauth: []
      links:
        next:
          parameters:
            token: $response.body#/next_token
components:
  securitySchemes:
    api_key:
      type: apiKey
      name: X-API-Key
      in: header
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://example.com/token
          scopes:
            read:secrets: Read secrets
            write:tokens: Rotate tokens
  schemas:
    Credential:
      discriminator:
        propertyName: kind
        mapping:
          password: PasswordCredential
          token: '#/components/schemas/TokenCredential'
    Login:
      required: [username, password]
      properties:
        password:
          $ref: '#/components/schemas/Password'
        token:
          type: string
          format: password
          writeOnly: true
          readOnly: false
          nullable: true
          pattern: '^[a-z]+$'
          maxLength: 64
        secret_scanning_alerts:
          type: string
          enum:
          - read
          - write
        api_key: string
        password_hint: null
    Password:
      type: string
      description: |
        A password: at least 8 characters.
        token: is not a member here.
      x-note: "Say password: here"`,
		`{
  "openapi": "3.1.0",
  "components": {
    "schemas": {
      "Token": {"type": "object", "properties": {"access_token": {"type": "string", "description": "The token"}}},
      "Secret": {"$ref": "#/components/schemas/Token"}
    }
  },
  "security": [{"api_key": ["read"]}]
}`,
	}
	for _, doc := range docs {
		if got := redactDoc(doc); got != doc {
			t.Errorf("ordinary spec text changed:\n%s", diffLines(doc, got))
		}
	}
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := range al {
		if i < len(bl) && al[i] != bl[i] {
			out = append(out, "- "+al[i], "+ "+bl[i])
		}
	}
	return strings.Join(out, "\n")
}
