package spec

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestRefKinds: what a $ref must point to is read from the meta-schema of
// each version, at the places $refs are written. Were the meta-schema
// copy arranged otherwise, the kinds would change here first. A place is
// a path of members from the top ("[0]" is an array's first item).
func TestRefKinds(t *testing.T) {
	op := func(rest ...string) []string { return append([]string{"paths", "/p", "get"}, rest...) }
	cases := []struct {
		family Family
		place  []string
		want   []string
	}{
		{Swagger20, op("parameters", "[0]"), []string{"/definitions/parameter"}},
		{Swagger20, []string{"parameters", "Limit"}, []string{"/definitions/parameter"}},
		{Swagger20, op("responses", "200"), []string{"/definitions/response"}},
		{Swagger20, []string{"responses", "Ok"}, []string{"/definitions/response"}},
		{Swagger20, []string{"paths", "/p"}, []string{"/definitions/pathItem"}},
		{Swagger20, []string{"definitions", "Pet"}, []string{"/definitions/schema"}},
		{Swagger20, []string{"definitions", "Pet", "properties", "tag"}, []string{"/definitions/schema"}},
		{Swagger20, op("responses", "200", "schema"), []string{"/definitions/response/properties/schema"}},
		{Swagger20, op("responses", "200", "headers", "X-Rate"), []string{"/definitions/header"}},
		{Swagger20, []string{"x-anything"}, nil},

		{OpenAPI30, op("parameters", "[0]"), []string{"/definitions/Parameter"}},
		{OpenAPI30, []string{"components", "parameters", "Limit"}, []string{"/definitions/Parameter"}},
		{OpenAPI30, op("responses", "200"), []string{"/definitions/Response"}},
		{OpenAPI30, op("requestBody"), []string{"/definitions/RequestBody"}},
		{OpenAPI30, []string{"paths", "/p"}, []string{"/definitions/PathItem"}},
		{OpenAPI30, op("callbacks", "hook"), []string{"/definitions/Callback"}},
		{OpenAPI30, op("callbacks", "hook", "{$request.body#/url}"), []string{"/definitions/PathItem"}},
		{OpenAPI30, []string{"components", "schemas", "Pet"}, []string{"/definitions/Schema"}},
		{OpenAPI30, []string{"components", "schemas", "Pet", "properties", "tag"}, []string{"/definitions/Schema"}},
		{OpenAPI30, op("responses", "200", "headers", "X-Rate"), []string{"/definitions/Header"}},
		{OpenAPI30, op("responses", "200", "content", "application/json", "examples", "one"), []string{"/definitions/Example"}},
		{OpenAPI30, op("responses", "200", "content", "application/json", "example"), nil},

		{OpenAPI31, op("parameters", "[0]"), []string{"/$defs/parameter"}},
		{OpenAPI31, []string{"components", "parameters", "Limit"}, []string{"/$defs/parameter"}},
		{OpenAPI31, op("responses", "200"), []string{"/$defs/response"}},
		{OpenAPI31, op("requestBody"), []string{"/$defs/request-body"}},
		{OpenAPI31, []string{"paths", "/p"}, []string{"/$defs/path-item"}},
		{OpenAPI31, []string{"webhooks", "hook"}, []string{"/$defs/path-item"}},
		{OpenAPI31, []string{"components", "schemas", "Pet"}, []string{"/$defs/schema"}},
		{OpenAPI31, op("responses", "200", "content", "application/json", "schema"), []string{"/$defs/schema"}},
		{OpenAPI31, op("responses", "200", "headers", "X-Rate"), []string{"/$defs/header"}},
		{OpenAPI31, op("responses", "200", "content", "application/json", "examples", "one"), []string{"/$defs/example"}},

		{OpenAPI32, op("parameters", "[0]"), []string{"/$defs/parameter"}},
		{OpenAPI32, op("responses", "200"), []string{"/$defs/response"}},
		{OpenAPI32, op("responses", "200", "content", "application/json"), []string{"/$defs/media-type"}},
		{OpenAPI32, []string{"paths", "/p"}, []string{"/$defs/path-item"}},
		{OpenAPI32, []string{"components", "schemas", "Pet"}, []string{"/$defs/schema"}},
	}
	for _, c := range cases {
		meta, err := metaSchema(c.family)
		if err != nil {
			t.Fatal(err)
		}
		r := newRefKinds(meta)
		set := []string{""}
		for _, key := range c.place {
			all := r.expandAll(set)
			if n, ok := strings.CutPrefix(key, "["); ok {
				i, _ := strconv.Atoi(strings.TrimSuffix(n, "]"))
				set = r.item(all, i)
			} else {
				set = r.property(all, key)
			}
		}
		var got []string
		for _, s := range set {
			for _, k := range r.kindsAt(s) {
				if !slices.Contains(got, k) {
					got = append(got, k)
				}
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s %q: kinds %q, want %q", c.family, c.place, got, c.want)
		}
	}
}
