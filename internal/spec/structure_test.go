package spec

import (
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestParamBranches: the branches the structure check picks a Swagger 2.0
// parameter's own from are read from the meta-schema. Were they not found
// (a new copy of the meta-schema, arranged otherwise), a parameter would
// again be reported by what the other kinds want of its `in`.
func TestParamBranches(t *testing.T) {
	meta, err := metaSchema(Swagger20)
	if err != nil {
		t.Fatal(err)
	}
	const base = "urn:rampart:meta:2.0#/definitions/"
	want := map[string]string{
		base + "parametersList/items/oneOf/0": "body formData header path query",
		base + "parametersList/items/oneOf/1": "$ref",
		base + "parameter/oneOf/0":            "body",
		base + "parameter/oneOf/1":            "formData header path query",
		base + "nonBodyParameter/oneOf/0":     "header",
		base + "nonBodyParameter/oneOf/1":     "formData",
		base + "nonBodyParameter/oneOf/2":     "query",
		base + "nonBodyParameter/oneOf/3":     "path",
	}
	got := map[string]string{}
	for k, v := range meta.selectors[0].branches {
		got[k] = strings.Join(slices.Sorted(slices.Values(v)), " ")
	}
	if !maps.Equal(got, want) {
		t.Errorf("branches:\n got  %v\n want %v", got, want)
	}
}
