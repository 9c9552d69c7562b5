package config_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
)

const api = `openapi: 3.0.3
info: {title: t, version: '1'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /a:
    get: {responses: {'200': {description: ok}}}
`

func TestConfig(t *testing.T) {
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(api))})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("TOKEN_A", "tok: with 'quotes'")
	for _, tc := range []struct {
		name, yaml, wantErr string
	}{
		{"env expanded as string", "identities:\n  - name: a\n    credentials:\n      bearer: {token: \"${TOKEN_A}\"}\n", ""},
		{"env default", "identities:\n  - name: a\n    credentials:\n      key: {value: \"${NOPE_UNSET:-k1}\"}\n", ""},
		{"env missing", "identities:\n  - name: a\n    credentials:\n      key: {value: \"${NOPE_UNSET}\"}\n", "NOPE_UNSET is not set"},
		{"unknown key", "identitys: []\n", "field identitys not found"},
		{"unknown scheme", "identities:\n  - name: a\n    credentials:\n      oauth: {token: x}\n", `no security scheme named "oauth"`},
		{"unknown operation", "operations:\n  GET /b: {skip: true}\n", `operations.GET /b: not an operation`},
		{"bad status", "operations:\n  get /a: {expect: [42]}\n", "42 is not an HTTP status"},
		{"duplicate identity", "identities:\n  - {name: a, credentials: {key: {value: v}}}\n  - {name: a, credentials: {key: {value: v}}}\n", "duplicate identity"},
		{"bad grant", "identities:\n  - name: a\n    oauth2: {scheme: bearer, grant: implicit}\n", "not supported"},
		{"bad duration", "timeout: soon\n", "not a duration"},
		{"negative timeout", "timeout: -5s\n", "timeout: must be positive"},
		{"rate not a number", "rate: .nan\n", "rate: must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tc.yaml))
			if err == nil {
				err = c.Validate(d)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.name == "env expanded as string" && c.Identities[0].Credentials["bearer"].Token != "tok: with 'quotes'" {
					t.Errorf("token = %q", c.Identities[0].Credentials["bearer"].Token)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestScenarioValidation(t *testing.T) {
	doc, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(api))})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"valid", "identities: [{name: a, credentials: {key: {value: x}}}]\nscenarios:\n  - name: s\n    steps:\n      - {request: POST /x, as: a, capture: {id: $.id}}\n      - {request: 'GET /x/{{id}}', expect: {status: [404]}}\n", ""},
		{"uncaptured variable", "scenarios:\n  - name: s\n    steps:\n      - {request: 'GET /x/{{id}}'}\n", "{{id}} is not captured"},
		{"unknown identity", "scenarios:\n  - name: s\n    steps:\n      - {request: GET /x, as: nobody}\n", "no identity named \"nobody\""},
		{"bad request", "scenarios:\n  - name: s\n    steps:\n      - {request: /x}\n", "is not \"METHOD /path\""},
		{"bad severity", "scenarios:\n  - name: s\n    severity: severe\n    steps:\n      - {request: GET /x}\n", "severity"},
		{"no steps", "scenarios:\n  - name: s\n", "at least one step"},
		{"bad JSONPath", "scenarios:\n  - name: s\n    steps:\n      - {request: GET /x, capture: {id: '$[?'}}\n", "JSONPath"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate(doc)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

// A problem names the line of the key it is about (or of the nearest key
// the file has, when the one it needs is missing), so a long
// configuration can be fixed without hunting for the entry.
func TestValidateNamesLines(t *testing.T) {
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: bytes.NewReader([]byte(api))})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"top-level key", "target: http://127.0.0.1:1\n\nrate: -2\n", "line 3: rate: must be positive"},
		{"max_response_bytes", "rate: 1\nmax_response_bytes: 0\n", "line 2: max_response_bytes: must be between"},
		{"sequence element key", "identities:\n  - name: a\n    credentials: {key: {value: v}}\n  - name: b\n    credentials:\n      key: {}\n", "line 6: identities[1].credentials.key: API key scheme needs value"},
		{"missing key placed at its parent", "identities:\n  - name: a\n    login:\n      json: {u: x}\n", "line 3: identities[0].login.url: required"},
		{"operation key with dots and spaces", "operations:\n  get /a: {skip: false}\n  GET /v1/file.json:\n    expect: [42]\n", `line 3: operations.GET /v1/file.json: not an operation`},
		{"operation keyword", "operations:\n  get /a:\n    skip: false\n    expect: [700]\n", "line 4: operations.get /a.expect: 700 is not an HTTP status"},
		{"scenario step", "scenarios:\n  - name: s\n    steps:\n      - {request: GET /x}\n      - {request: /x}\n", "line 5: scenarios[0].steps[1].request"},
		{"in the file's order", "max_response_bytes: 0\nrate: -1\n", "line 1: max_response_bytes: must be between 1 and 67108864 (64 MiB); leave it out for the default, 1 MiB\n  line 2: rate: must be positive"},
		{"alias", "identities:\n  - &b {name: a, login: {json: {}}}\n  - *b\n", "line 2: identities[1].login.url: required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			err = c.Validate(d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
