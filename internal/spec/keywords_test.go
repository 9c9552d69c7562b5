package spec

import (
	"testing"
)

func TestIgnoredKeywords(t *testing.T) {
	cases := []struct {
		name       string
		schema     map[string]any
		want       string // key=meant, "" for none
		constrains bool
	}{
		{"known keywords only", map[string]any{"type": "string", "maxLength": 5, "example": "a", "x-note": 1}, "", false},
		{"case", map[string]any{"type": "string", "maxlength": 5}, "maxlength=maxLength", true},
		{"snake case", map[string]any{"type": "string", "max_length": 5}, "max_length=maxLength", true},
		{"kebab case", map[string]any{"type": "array", "unique-items": true}, "unique-items=uniqueItems", true},
		{"one letter off", map[string]any{"type": "integer", "minimun": 1}, "minimun=minimum", true},
		{"two letters swapped", map[string]any{"type": "string", "maxLenght": 5}, "maxLenght=maxLength", true},
		{"annotation misspelt", map[string]any{"type": "string", "descrption": "d"}, "descrption=description", false},
		{"3.0 nullable", map[string]any{"type": "string", "nullable": true}, "nullable=type", true},
		{"2.0 x-nullable", map[string]any{"type": "string", "x-nullable": true}, "x-nullable=type", true},
		{"regex", map[string]any{"type": "string", "regex": "^a$"}, "regex=pattern", true},
		{"draft 4 id", map[string]any{"type": "string", "id": "a"}, "id=$id", false},
		{"property outside properties", map[string]any{"type": "object", "name": map[string]any{"type": "string"}}, "name=properties", true},
		{"unknown word", map[string]any{"type": "string", "summary": "s"}, "summary=", false},
		{"short unknown word is not guessed", map[string]any{"type": "string", "tpe": "s"}, "tpe=", false},
		{"another dialect", map[string]any{"$schema": "http://json-schema.org/draft-07/schema#", "maxlength": 5}, "", false},
		{"the default dialect", map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "maxlength": 5}, "maxlength=maxLength", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ignoredKeywords(tc.schema)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("ignored %+v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("ignored %+v, want one", got)
			}
			if s := got[0].Key + "=" + got[0].Meant; s != tc.want {
				t.Errorf("ignored %s, want %s", s, tc.want)
			}
			if got[0].Constrains != tc.constrains {
				t.Errorf("constrains %v, want %v", got[0].Constrains, tc.constrains)
			}
			if got[0].Why == "" {
				t.Error("no explanation")
			}
		})
	}
}

func TestIgnoredKeywordsByVersion(t *testing.T) {
	for _, tc := range []struct {
		version, dialect string
		want             int
	}{
		{"openapi: 3.1.0", "", 1},
		{"openapi: 3.2.0", "", 1},
		{"openapi: 3.1.0", "https://spec.openapis.org/oas/3.1/dialect/base", 1},
		{"openapi: 3.1.0", "https://example.com/my-dialect", 0},
		// 2.0 and 3.0 refuse unknown keys in their meta-schemas:
		// struct-invalid says so.
		{"openapi: 3.0.3", "", 0},
		{"swagger: \"2.0\"", "", 0},
	} {
		text := tc.version + "\ninfo: {title: t, version: \"1\"}\npaths: {}\n"
		if tc.dialect != "" {
			text += "jsonSchemaDialect: " + tc.dialect + "\n"
		}
		d := loadString(t, text, Options{})
		if got := d.IgnoredKeywords(map[string]any{"maxlength": 1}); len(got) != tc.want {
			t.Errorf("%s, dialect %q: %d ignored, want %d", tc.version, tc.dialect, len(got), tc.want)
		}
	}
}
