package spec_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/rampart-sec/rampart/internal/spec"
)

// The base path is the path of the server URL once its variables hold
// their defaults, whichever part of the URL a variable stands for.
func TestServerBasePath(t *testing.T) {
	for _, tc := range []struct {
		url  string
		vars map[string]spec.ServerVariable
		want string
	}{
		{"https://api.example.com/v1/", nil, "/v1"},
		{"https://api.example.com", nil, ""},
		{"/api/v3", nil, "/api/v3"},
		{"https://{host}/{base}", map[string]spec.ServerVariable{"host": {Default: "api.example.com"}, "base": {Default: "v2"}}, "/v2"},
		// A variable holding the scheme and host: what follows it is the path.
		{"{baseUrl}/v1", map[string]spec.ServerVariable{"baseUrl": {Default: "https://api.example.com"}}, "/v1"},
		{"{baseUrl}", map[string]spec.ServerVariable{"baseUrl": {Default: "http://localhost:8080/api"}}, "/api"},
		// Scheme-relative: the first segment is a host.
		{"//api.example.com/v1", nil, "/v1"},
		{"//api.example.com", nil, ""},
		// A URL in the query is not the server's scheme.
		{"/v1?next=https://elsewhere.example/x", nil, "/v1"},
		{"https://api.example.com/v1#frag", nil, "/v1"},
		// A variable that starts with the slash its URL already has.
		{"https://cloud.example.com/{basePath}", map[string]spec.ServerVariable{"basePath": {Default: "/api/inventory/v1.0"}}, "/api/inventory/v1.0"},
		{"https://api.example.com/v1//beta/", nil, "/v1/beta"},
	} {
		got := spec.Server{URL: tc.url, Variables: tc.vars}.BasePath()
		if got != tc.want {
			t.Errorf("BasePath(%q) = %q, want %q", tc.url, got, tc.want)
		}
	}
}

// Header parameters OpenAPI says to ignore, in any case; other locations
// and names are kept.
func TestParameterIgnored(t *testing.T) {
	for _, tc := range []struct {
		in, name string
		want     bool
	}{
		{"header", "Accept", true},
		{"header", "content-type", true},
		{"header", "AUTHORIZATION", true},
		{"header", "X-Request-Id", false},
		{"query", "accept", false},
		{"cookie", "Authorization", false},
	} {
		if got := (&spec.Parameter{In: tc.in, Name: tc.name}).Ignored(); got != tc.want {
			t.Errorf("%s %s: Ignored() = %v, want %v", tc.in, tc.name, got, tc.want)
		}
	}
}

func TestTemplateNames(t *testing.T) {
	for _, tc := range []struct {
		tpl  string
		want []string
	}{
		{"/pets", nil},
		{"/users/{userId}/orders/{id}", []string{"userId", "id"}},
		{"/files/{name}.{ext}", []string{"name", "ext"}},
		{"/broken/{open", nil},
	} {
		if got := spec.TemplateNames(tc.tpl); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("TemplateNames(%q) = %q, want %q", tc.tpl, got, tc.want)
		}
	}
}

func TestExpandTemplate(t *testing.T) {
	values := func(i int, name string) string { return fmt.Sprintf("%s%d", name, i) }
	for _, tc := range []struct{ tpl, want string }{
		{"/pets", "/pets"},
		{"/users/{userId}/orders/{id}", "/users/userId0/orders/id1"},
		{"/files/{name}.{ext}", "/files/name0.ext1"},
		{"/broken/{open", "/broken/{open"},
		{"/a/{x}/b/{y", "/a/x0/b/{y"},
	} {
		if got := spec.ExpandTemplate(tc.tpl, values); got != tc.want {
			t.Errorf("ExpandTemplate(%q) = %q, want %q", tc.tpl, got, tc.want)
		}
	}
}

func TestParsePathKey(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want spec.PathKey
	}{
		{"/pets/{id}", spec.PathKey{Path: "/pets/{id}"}},
		{"/?Action=DescribeStacks&Version=2010-05-15", spec.PathKey{Path: "/", Query: []spec.PathPair{{"Action", "DescribeStacks", ""}, {"Version", "2010-05-15", ""}}}},
		{"/#X-Amz-Target=Svc.Op", spec.PathKey{Path: "/", Fragment: []spec.PathPair{{"X-Amz-Target", "Svc.Op", ""}}}},
		{"/finding/{id}#analyzerArn", spec.PathKey{Path: "/finding/{id}", Fragment: []spec.PathPair{{"analyzerArn", "", ""}}}},
		{"/{Bucket}?uploads", spec.PathKey{Path: "/{Bucket}", Query: []spec.PathPair{{"uploads", "", ""}}}},
		{"/x?a=1#b=2&c", spec.PathKey{Path: "/x", Query: []spec.PathPair{{"a", "1", ""}}, Fragment: []spec.PathPair{{"b", "2", ""}, {"c", "", ""}}}},
		{"#a", spec.PathKey{Path: "/", Fragment: []spec.PathPair{{"a", "", ""}}}},
		// A templated value: the pair carries that parameter's value.
		{"/alerts?lat={lat}&lon={lon}&units=M", spec.PathKey{Path: "/alerts", Query: []spec.PathPair{{"lat", "", "lat"}, {"lon", "", "lon"}, {"units", "M", ""}}}},
		{"/x?a={}&b={c}d", spec.PathKey{Path: "/x", Query: []spec.PathPair{{"a", "{}", ""}, {"b", "{c}d", ""}}}},
		{"/{a?b}/c", spec.PathKey{Path: "/{a?b}/c"}}, // inside a variable name: not a separator
	} {
		if got := spec.ParsePathKey(tc.key); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParsePathKey(%q) = %+v, want %+v", tc.key, got, tc.want)
		}
	}
}
