package spec

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// Patterns are ECMA-262 regular expressions. Lookaround and backreferences
// are valid there though RE2 cannot run them: the 2.0 and 3.0 meta-schemas'
// format: regex must not make such a definition invalid (the pattern is a
// pattern-unsupported problem instead). What ECMA-262 refuses too still is.
func TestECMAPatternsAreValidStructure(t *testing.T) {
	heads := map[string]string{
		"2.0": "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, type: string, pattern: 'PATTERN'}]\n      responses: {'200': {description: ok}}\n",
		"3.0": "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      parameters: [{name: q, in: query, schema: {type: string, pattern: 'PATTERN'}}]\n      responses: {'200': {description: ok}}\n",
	}
	cases := []struct {
		pattern string
		valid   bool
	}{
		{`^(?=a)b$`, true},
		{`^(?!a)b$`, true},
		{`^(?<=a)b$`, true},
		{`^(?<!a)b$`, true},
		{`^(a)\1$`, true},
		{`^(?<n>a)\k<n>$`, true},
		{`^[a-z]+$`, true},
		// Valid patterns RE2 spells otherwise (RE2Pattern).
		{`^[\u0020-\u00FF]+$`, true},
		{`^\p{XDigit}{8}$`, true},
		{`^.{1,2048}$`, true},
		// An identity escape without the u flag (AWS's over-escaped
		// \p\{L\}): valid ECMA-262, not run (pattern-unsupported).
		{`[^\p\{C\}]*`, true},
		{`[a-`, false},
		{`(a`, false},
	}
	for version, head := range heads {
		for _, c := range cases {
			t.Run(version+" "+c.pattern, func(t *testing.T) {
				text := strings.Replace(head, "PATTERN", c.pattern, 1)
				d, err := LoadBytes(context.Background(), []byte(text), "api.yaml", filepath.Join(t.TempDir(), "api.yaml"), Options{})
				if err != nil {
					t.Fatal(err)
				}
				var structural []string
				for _, p := range d.Problems {
					if p.Code == "invalid-structure" {
						structural = append(structural, p.Message)
					}
				}
				if c.valid && len(structural) > 0 {
					t.Errorf("reported invalid: %v", structural)
				}
				if !c.valid && len(structural) == 0 {
					t.Errorf("an invalid pattern was accepted")
				}
			})
		}
	}
}
