package spec

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetectVersion(t *testing.T) {
	cases := []struct {
		field   string // the line after the top-level key, as YAML
		family  Family
		version string
		err     string
	}{
		{"openapi: 3.0.0", OpenAPI30, "3.0.0", ""},
		{"openapi: 3.0.3", OpenAPI30, "3.0.3", ""},
		{"openapi: '3.0.12'", OpenAPI30, "3.0.12", ""},
		{"openapi: 3.1.0", OpenAPI31, "3.1.0", ""},
		{"openapi: 3.1.1-rc1", OpenAPI31, "3.1.1-rc1", ""},
		{"openapi: 3.2.0", OpenAPI32, "3.2.0", ""},
		{"swagger: '2.0'", Swagger20, "2.0", ""},
		{"swagger: 2.0", Swagger20, "2.0", ""},
		{"openapi: 3.10.0", "", "", `unsupported OpenAPI version "3.10.0"`},
		{"openapi: '3.1999'", "", "", `unsupported OpenAPI version "3.1999"`},
		{"openapi: 3.0foo", "", "", `unsupported OpenAPI version "3.0foo"`},
		{"openapi: 3.0.0foo", "", "", `unsupported OpenAPI version "3.0.0foo"`},
		{"openapi: 3.0.", "", "", `unsupported OpenAPI version "3.0."`},
		{"openapi: 3.0", OpenAPI30, "3.0", ""},
		{"openapi: '3.1'", OpenAPI31, "3.1", ""},
		{"openapi: ' 3.0.0'", "", "", `unsupported OpenAPI version " 3.0.0"`},
		{"openapi: 3.0.0-", "", "", `unsupported OpenAPI version "3.0.0-"`},
		{"openapi: 30.0.0", "", "", `unsupported OpenAPI version "30.0.0"`},
		{"openapi: 4.0.0", "", "", `unsupported OpenAPI version "4.0.0"`},
		{"openapi: [3.0.0]", "", "", "the `openapi` field is not a string (it is a list)"},
		{"openapi: {v: 3.0.0}", "", "", "the `openapi` field is not a string"},
		{"openapi: true", "", "", "the `openapi` field is not a string (it is a boolean)"},
		{"openapi:", "", "", "the `openapi` field is not a string (it is empty)"},
		{"swagger: 2.0.1", "", "", `unsupported Swagger version "2.0.1"`},
		{"swagger: '2.01'", "", "", `unsupported Swagger version "2.01"`},
		{"swagger: [2.0]", "", "", "the `swagger` field is not a string (it is a list)"},
	}
	for _, c := range cases {
		t.Run(c.field, func(t *testing.T) {
			text := c.field + "\ninfo: {title: t, version: '1'}\npaths: {}\n"
			d, err := LoadBytes(context.Background(), []byte(text), "test.yaml", filepath.Join(t.TempDir(), "test.yaml"), Options{})
			if c.err != "" {
				var le *LoadError
				if !errors.As(err, &le) || !strings.Contains(le.Msg, c.err) {
					t.Fatalf("error %v, want a LoadError containing %q", err, c.err)
				}
				if le.Line != 1 {
					t.Errorf("error on line %d, want 1", le.Line)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Family != c.family || d.Version != c.version {
				t.Errorf("family %s version %q, want %s %q", d.Family, d.Version, c.family, c.version)
			}
		})
	}
}
