package route

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func build(t *testing.T, bases []string, ops ...string) *Router[string] {
	t.Helper()
	r := New[string]()
	if len(bases) == 0 {
		bases = []string{""}
	}
	for i := 0; i+1 < len(ops); i += 2 {
		for _, b := range bases {
			if err := r.Add(b, ops[i+1], ops[i], ops[i]+" "+ops[i+1]); err != nil {
				t.Fatalf("Add %s %s under %q: %v", ops[i], ops[i+1], b, err)
			}
		}
	}
	return r
}

func TestLookup(t *testing.T) {
	r := build(t, []string{"/v1", "/v1/admin"},
		"GET", "/pets",
		"POST", "/pets",
		"GET", "/pets/{id}",
		"DELETE", "/pets/{petId}",
		"GET", "/pets/mine",
		"GET", "/pets/{id}/toys",
		"GET", "/files/{name}.json",
		"GET", "/files/{name}",
		"GET", "/range/{from}-{to}",
		"GET", "/users/{uid}/pets/{pid}",
		"GET", "/",
		"HEAD", "/head",
		"GET", "/head",
		"PUT", "/services/asana",
		"GET", "/services/{slug}",
		"GET", "/docs/{dir}/{name}",
		"GET", "/docs/admin/secret",
	)
	type pp = []PathParam
	tests := []struct {
		name   string
		method string
		path   string
		want   string // value: "METHOD template"
		params pp
		err    error
		allow  string
	}{
		{"static", "GET", "/v1/pets", "GET /pets", nil, nil, ""},
		{"templated", "GET", "/v1/pets/5", "GET /pets/{id}", pp{{"id", "5", "5"}}, nil, ""},
		{"concrete beats templated", "GET", "/v1/pets/mine", "GET /pets/mine", nil, nil, ""},
		{"concrete prefix falls back to the template deeper", "GET", "/v1/pets/mine/toys", "GET /pets/{id}/toys", pp{{"id", "mine", "mine"}}, nil, ""},
		{"capture names follow the method's template", "DELETE", "/v1/pets/7", "DELETE /pets/{petId}", pp{{"petId", "7", "7"}}, nil, ""},
		{"captures stay escaped", "GET", "/v1/pets/a%20b", "GET /pets/{id}", pp{{"id", "a%20b", "a%20b"}}, nil, ""},
		{"two captures", "GET", "/v1/users/u1/pets/p2", "GET /users/{uid}/pets/{pid}", pp{{"uid", "u1", "u1"}, {"pid", "p2", "p2"}}, nil, ""},
		{"mixed segment: longer literal first", "GET", "/v1/files/report.json", "GET /files/{name}.json", pp{{"name", "report", "report"}}, nil, ""},
		{"mixed segment: other suffix takes the plain template", "GET", "/v1/files/report.xml", "GET /files/{name}", pp{{"name", "report.xml", "report.xml"}}, nil, ""},
		{"mixed segment: an empty variable falls to the plain template", "GET", "/v1/files/.json", "GET /files/{name}", pp{{"name", ".json", ".json"}}, nil, ""},
		{"two variables in a segment", "GET", "/v1/range/1-5", "GET /range/{from}-{to}", pp{{"from", "1", "1"}, {"to", "5", "5"}}, nil, ""},
		{"base path alone is the root", "GET", "/v1", "GET /", nil, nil, ""},
		{"base path with slash is the root", "GET", "/v1/", "GET /", nil, nil, ""},
		{"longer base path wins", "GET", "/v1/admin/pets", "GET /pets", nil, nil, ""},
		{"HEAD falls back to GET", "HEAD", "/v1/pets/5", "GET /pets/{id}", pp{{"id", "5", "5"}}, nil, ""},
		{"declared HEAD is used", "HEAD", "/v1/head", "HEAD /head", nil, nil, ""},
		// Not found.
		{"without the base path", "GET", "/pets", "", nil, ErrNotFound, ""},
		{"base path must end at a segment", "GET", "/v1pets", "", nil, ErrNotFound, ""},
		{"unknown path", "GET", "/v1/cats", "", nil, ErrNotFound, ""},
		{"trailing slash is another path", "GET", "/v1/pets/", "", nil, ErrNotFound, ""},
		{"too deep", "GET", "/v1/pets/5/toys/1", "", nil, ErrNotFound, ""},
		{"static segments are case-sensitive", "GET", "/v1/Pets", "", nil, ErrNotFound, ""},
		// 405 with the Allow list.
		{"undeclared method", "PATCH", "/v1/pets", "", nil, ErrNotAllowed, "GET, HEAD, POST"},
		{"undeclared method on a template", "PUT", "/v1/pets/5", "", nil, ErrNotAllowed, "DELETE, GET, HEAD"},
		{"HEAD without GET", "HEAD", "/v1/range/1-2", "GET /range/{from}-{to}", pp{{"from", "1", "1"}, {"to", "2", "2"}}, nil, "GET, HEAD"},
		{"declared HEAD listed once", "POST", "/v1/head", "", nil, ErrNotAllowed, "GET, HEAD"},
		{"method names are case-sensitive", "get", "/v1/pets", "", nil, ErrNotAllowed, "GET, HEAD, POST"},
		// A concrete path without the method gives way to a template
		// that declares it, as method-aware routers route it.
		{"concrete path without the method falls back to the template", "DELETE", "/v1/pets/mine", "DELETE /pets/{petId}", pp{{"petId", "mine", "mine"}}, nil, ""},
		{"concrete PUT beside a templated GET", "GET", "/v1/services/asana", "GET /services/{slug}", pp{{"slug", "asana", "asana"}}, nil, ""},
		{"HEAD on that concrete path goes to the template's GET", "HEAD", "/v1/services/asana", "GET /services/{slug}", pp{{"slug", "asana", "asana"}}, nil, ""},
		{"the concrete path keeps its own method", "PUT", "/v1/services/asana", "PUT /services/asana", nil, nil, ""},
		// Allow lists every method that routes at the path: DELETE
		// /v1/pets/mine reaches the template's operation.
		{"no path declares the method: every method that routes there", "POST", "/v1/pets/mine", "", nil, ErrNotAllowed, "DELETE, GET, HEAD"},
		{"no path declares the method: every method that routes there, again", "PATCH", "/v1/services/asana", "", nil, ErrNotAllowed, "GET, HEAD, PUT"},
		// Paths whose meaning depends on normalisation.
		{"dot segment", "GET", "/v1/./pets", "", nil, ErrAmbiguous, ""},
		{"dot-dot before the base path", "GET", "/foo/%2e%2e/v1/pets", "", nil, ErrAmbiguous, ""},
		{"encoded slash in the base path", "GET", "/v1%2fpets", "", nil, ErrAmbiguous, ""},
		{"NUL outside the base path", "GET", "/foo/%00/v1/pets", "", nil, ErrAmbiguous, ""},
		{"dot-dot segment", "GET", "/v1/x/../pets", "", nil, ErrAmbiguous, ""},
		{"encoded dot-dot", "GET", "/v1/pets/%2e%2e", "", nil, ErrAmbiguous, ""},
		{"encoded dot-dot, upper case", "GET", "/v1/pets/%2E%2E", "", nil, ErrAmbiguous, ""},
		{"half-encoded dot-dot", "GET", "/v1/pets/.%2e", "", nil, ErrAmbiguous, ""},
		{"encoded dot", "GET", "/v1/pets/%2e", "", nil, ErrAmbiguous, ""},
		{"encoded slash", "GET", "/v1/pets/a%2Fb", "", nil, ErrAmbiguous, ""},
		{"encoded slash, lower case", "GET", "/v1/pets/a%2fb", "", nil, ErrAmbiguous, ""},
		{"backslash", "GET", `/v1/pets/a\b`, "", nil, ErrAmbiguous, ""},
		{"encoded backslash", "GET", "/v1/pets/a%5Cb", "", nil, ErrAmbiguous, ""},
		{"overlong dot-dot", "GET", "/v1/pets/%C0%AE%C0%AE", "", nil, ErrAmbiguous, ""},
		{"encoded byte that is not UTF-8", "GET", "/v1/pets/%FF", "", nil, ErrAmbiguous, ""},
		{"encoded UTF-8 is fine", "GET", "/v1/pets/%C3%A9", "GET /pets/{id}", pp{{"id", "%C3%A9", "%C3%A9"}}, nil, ""},
		{"encoded NUL", "GET", "/v1/pets/a%00", "", nil, ErrAmbiguous, ""},
		{"invalid escape", "GET", "/v1/pets/%zz", "", nil, ErrAmbiguous, ""},
		{"empty segment", "GET", "/v1/pets//5", "", nil, ErrAmbiguous, ""},
		{"leading double slash (an empty segment before the base path)", "GET", "//v1/pets", "", nil, ErrAmbiguous, ""},
		{"no leading slash", "GET", "v1/pets", "", nil, ErrAmbiguous, ""},
		// A template would capture what servers that decode escapes, or
		// route case-insensitively, serve as the concrete sibling.
		{"escaped spelling of a concrete sibling", "GET", "/v1/pets/%6Dine", "", nil, ErrAmbiguous, ""},
		{"case variant of a concrete sibling", "GET", "/v1/pets/MINE", "", nil, ErrAmbiguous, ""},
		{"case variant of a concrete sibling, escaped", "GET", "/v1/pets/%4Dine", "", nil, ErrAmbiguous, ""},
		{"case variant where the sibling leads nowhere", "GET", "/v1/pets/MINE/toys", "GET /pets/{id}/toys", pp{{"id", "MINE", "MINE"}}, nil, ""},
		{"escaped value with no concrete sibling", "GET", "/v1/pets/%6Dy", "GET /pets/{id}", pp{{"id", "%6Dy", "%6Dy"}}, nil, ""},
		// Deeper than the segment where the template branches off: the
		// template above would capture what servers serve as the
		// concrete path.
		{"concrete path below a template's branch", "GET", "/v1/docs/admin/secret", "GET /docs/admin/secret", nil, nil, ""},
		{"escaped spelling of it, a segment deeper", "GET", "/v1/docs/admin/secre%74", "", nil, ErrAmbiguous, ""},
		{"case variant of it, a segment deeper", "GET", "/v1/docs/admin/SECRET", "", nil, ErrAmbiguous, ""},
		{"case variants at both segments", "GET", "/v1/docs/Admin/Secret", "", nil, ErrAmbiguous, ""},
		{"another name there is the template's", "GET", "/v1/docs/admin/notes", "GET /docs/{dir}/{name}", pp{{"dir", "admin", "admin"}, {"name", "notes", "notes"}}, nil, ""},
		{"the same spelling elsewhere is the template's", "GET", "/v1/docs/public/SECRET", "GET /docs/{dir}/{name}", pp{{"dir", "public", "public"}, {"name", "SECRET", "SECRET"}}, nil, ""},
		{"double-encoded dot-dot is data", "GET", "/v1/pets/%252e%252e", "GET /pets/{id}", pp{{"id", "%252e%252e", "%252e%252e"}}, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, allow, err := r.Lookup(tc.method, tc.path)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.allow != "" && allow != tc.allow {
				t.Errorf("allow = %q, want %q", allow, tc.allow)
			}
			if tc.err != nil {
				return
			}
			if m.Value != tc.want {
				t.Fatalf("matched %q, want %q", m.Value, tc.want)
			}
			if want := tc.want[len(tc.method):]; tc.method != "HEAD" && m.Template != want[1:] {
				t.Errorf("template = %q, want %q", m.Template, want[1:])
			}
			if !reflect.DeepEqual(m.Params, tc.params) {
				t.Errorf("params = %v, want %v", m.Params, tc.params)
			}
		})
	}
}

func TestNoBasePath(t *testing.T) {
	r := build(t, nil, "GET", "/pets", "GET", "/")
	if m, _, err := r.Lookup("GET", "/pets"); err != nil || m.Value != "GET /pets" {
		t.Fatalf("got %v %v", m.Value, err)
	}
	if m, _, err := r.Lookup("GET", "/"); err != nil || m.Value != "GET /" {
		t.Fatalf("root: got %v %v", m.Value, err)
	}
	if _, _, err := r.Lookup("GET", ""); !errors.Is(err, ErrAmbiguous) {
		t.Fatalf("empty path: %v", err)
	}
}

func TestAddErrors(t *testing.T) {
	tests := []struct {
		name     string
		template string
	}{
		{"unclosed variable", "/pets/{id"},
		{"stray closing brace", "/pets/id}"},
		{"empty variable", "/pets/{}"},
		{"adjacent variables", "/pets/{a}{b}"},
		{"nested brace", "/pets/{a{b}}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := New[string]().Add("/v1", tc.template, "GET", "x"); err == nil {
				t.Fatalf("Add(%q) accepted", tc.template)
			}
		})
	}
	for _, base := range []string{"v1", "/v1/{version}", "/a//b", "/a/../b", "/a/./b", `/a\b`, "//host/v1"} {
		if err := New[string]().Add(base, "/pets", "GET", "x"); !errors.Is(err, ErrBadBase) {
			t.Errorf("base path %q: err = %v, want ErrBadBase", base, err)
		}
	}
	r := New[string]()
	if err := r.Add("", "/pets/{id}", "GET", "a"); err != nil {
		t.Fatal(err)
	}
	var ce *ConflictError[string]
	if err := r.Add("", "/pets/{petId}", "GET", "b"); !errors.As(err, &ce) || ce.Existing != "a" || ce.ExistingPath != "/pets/{id}" || ce.Path != "/pets/{petId}" {
		t.Fatalf("the same operation twice under another variable name: %v", err)
	}
	if err := r.Add("", "/pets/{petId}", "PUT", "c"); err != nil {
		t.Fatalf("another method on the same shape: %v", err)
	}
}

// TestServerBasePaths covers templates registered under different base
// paths (servers of the document, of a path item, of an operation).
func TestServerBasePaths(t *testing.T) {
	r := New[string]()
	add := func(base, template, method, v string) error {
		t.Helper()
		return r.Add(base, template, method, v)
	}
	for _, a := range [][4]string{
		{"/v1", "/users", "GET", "users"},
		{"/v1", "/{section}/users", "GET", "section users"},
		{"/v1/admin", "/users", "GET", "admin users"},
		{"/v2", "/", "GET", "v2 root"},
		{"", "/health", "GET", "health"},
		{"/v1", "/{id}", "GET", "by id"},
		{"", "/v1/special", "GET", "special"},
	} {
		if err := add(a[0], a[1], a[2], a[3]); err != nil {
			t.Fatalf("Add %v: %v", a, err)
		}
	}
	for _, tc := range []struct {
		path, want, template string
		err                  error
	}{
		{"/v1/users", "users", "/users", nil},
		{"/v1/admin/users", "admin users", "/users", nil}, // concrete (the base path) wins
		{"/v1/other/users", "section users", "/{section}/users", nil},
		{"/admin/users", "", "", ErrNotFound}, // only under its own base path
		{"/users", "", "", ErrNotFound},
		{"/v2", "v2 root", "/", nil},
		{"/v2/", "v2 root", "/", nil},
		{"/v2/users", "", "", ErrNotFound},
		{"/health", "health", "/health", nil},
		{"/v1/health", "by id", "/{id}", nil},
		{"/v1/special", "special", "/v1/special", nil}, // concrete beats /v1/{id}
		{"/v1/admin", "by id", "/{id}", nil},
		{"/v1/%61dmin/users", "", "", ErrAmbiguous}, // a base path's segment is concrete too
	} {
		m, _, err := r.Lookup("GET", tc.path)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err = %v, want %v", tc.path, err, tc.err)
			continue
		}
		if err == nil && (m.Value != tc.want || m.Template != tc.template) {
			t.Errorf("%s: matched %q (%s), want %q (%s)", tc.path, m.Value, m.Template, tc.want, tc.template)
		}
	}

	// Two operations reachable at the same path through their servers:
	// reported when added, refused when requested.
	var ce *ConflictError[string]
	if err := add("/v1/admin", "/{x}", "GET", "admin by x"); err != nil {
		t.Fatalf("a template under a longer base path is not the same path as a concrete one: %v", err)
	}
	if err := add("", "/v1/admin/users", "GET", "clash"); !errors.As(err, &ce) || ce.Existing != "admin users" || ce.ExistingPath != "/v1/admin/users" || ce.Path != "/v1/admin/users" {
		t.Fatalf("conflict: %v", err)
	}
	if err := add("", "/v1/admin/users", "POST", "post"); err != nil {
		t.Fatalf("another method at the path: %v", err)
	}
	if err := add("", "/v2", "GET", "clash with the root"); !errors.As(err, &ce) || ce.Existing != "v2 root" {
		t.Fatalf("conflict with a root under a base path: %v", err)
	}
	for _, tc := range []struct {
		method, path string
		err          error
	}{
		{"GET", "/v1/admin/users", ErrConflict},
		{"HEAD", "/v1/admin/users", ErrConflict},
		{"POST", "/v1/admin/users", nil},
		{"GET", "/v2", ErrConflict},
		{"GET", "/v2/", nil},
		{"GET", "/v1/users", nil},
	} {
		if _, _, err := r.Lookup(tc.method, tc.path); !errors.Is(err, tc.err) {
			t.Errorf("%s %s: err = %v, want %v", tc.method, tc.path, err, tc.err)
		}
	}
	if _, allow, err := r.Lookup("PUT", "/v1/admin/users"); !errors.Is(err, ErrNotAllowed) || allow != "GET, HEAD, POST" {
		t.Errorf("405 at a conflicting path: %v %q", err, allow)
	}
}

// TestFoldedSiblings: concrete siblings that differ only in case (base
// paths /v1 and /V1, say) are each checked when a templated sibling
// would capture a segment spelling them: /v%31/admin/keys is the /v1
// operation to a server that decodes escapes, whichever sibling was added
// last.
func TestFoldedSiblings(t *testing.T) {
	for _, order := range [][2]string{{"/v1", "/V1"}, {"/V1", "/v1"}} {
		r := New[string]()
		for _, a := range [][3]string{
			{order[0], "/admin/keys", order[0] + " keys"},
			{order[1], "/public", order[1] + " public"},
			{"", "/{tenant}/admin/keys", "tenant keys"},
		} {
			if err := r.Add(a[0], a[1], "GET", a[2]); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{"/v%31/admin/keys", "/%76%31/admin/keys"} {
			if m, _, err := r.Lookup("GET", p); !errors.Is(err, ErrAmbiguous) {
				t.Errorf("added %v: %s matched %q, err %v; want ErrAmbiguous", order, p, m.Value, err)
			}
		}
		if m, _, err := r.Lookup("GET", "/other/admin/keys"); err != nil || m.Value != "tenant keys" {
			t.Errorf("added %v: /other/admin/keys: %q %v", order, m.Value, err)
		}
	}
}

// Literal segments with characters a client must percent-encode (a space,
// non-ASCII letters) are matched in their encoded form, whether the
// contract writes them plainly or already encoded; sub-delimiters that
// travel as they are keep matching as they are.
func TestEncodedLiterals(t *testing.T) {
	r := New[string]()
	for _, a := range [][2]string{
		{"/my api", "/files/{id}"},
		{"", "/caf\u00e9/menu"},
		{"", "/my%20docs"},
		{"", "/a(b)/c:d"},
	} {
		if err := r.Add(a[0], a[1], "GET", a[0]+a[1]); err != nil {
			t.Fatalf("Add %q %q: %v", a[0], a[1], err)
		}
	}
	for _, tc := range []struct {
		path, want string
		err        error
	}{
		{"/my%20api/files/3", "/my api/files/{id}", nil},
		{"/caf%C3%A9/menu", "/caf\u00e9/menu", nil},
		{"/my%20docs", "/my%20docs", nil},
		{"/a(b)/c:d", "/a(b)/c:d", nil},
		// As written in the contract, unencoded, no client sends it.
		{"/my api/files/3", "", ErrNotFound},
		{"/cafe/menu", "", ErrNotFound},
	} {
		m, _, err := r.Lookup("GET", tc.path)
		if !errors.Is(err, tc.err) || (tc.err == nil && m.Value != tc.want) {
			t.Errorf("Lookup %q = %q, %v; want %q, %v", tc.path, m.Value, err, tc.want, tc.err)
		}
	}
}

// An encoded slash passes only inside a parameter of a value that
// Router.EncodedSlash allows, and never around a dot-segment or beside
// another encoded slash.
func TestEncodedSlashWhereAllowed(t *testing.T) {
	r := build(t, nil, "GET", "/jobs/{arn}", "GET", "/files/{name}", "GET", "/jobs/{arn}/tags")
	r.EncodedSlash = func(v string, param string) bool { return v != "GET /files/{name}" && param == "arn" }
	for _, tc := range []struct {
		path string
		want string
		err  error
	}{
		{"/jobs/arn:job%2F1", "GET /jobs/{arn}", nil},
		{"/jobs/arn:job%2f1/tags", "GET /jobs/{arn}/tags", nil},
		{"/files/a%2Fb", "", ErrAmbiguous},     // not allowed for this operation
		{"/jobs/a%2F..%2Fb", "", ErrAmbiguous}, // a dot-segment once decoded
		{"/jobs/a%2F%2Fb", "", ErrAmbiguous},   // an empty segment once decoded
		{"/jobs/%2Fa", "", ErrAmbiguous},       // likewise
		{"/jobs/a%5Cb", "", ErrAmbiguous},      // backslashes stay refused
		{"/jobs%2Fx", "", ErrAmbiguous},        // not inside a parameter
	} {
		m, _, err := r.Lookup("GET", tc.path)
		if !errors.Is(err, tc.err) || (err == nil && m.Value != tc.want) {
			t.Errorf("%s: %q, %v; want %q, %v", tc.path, m.Value, err, tc.want, tc.err)
		}
	}
	// Without the hook, as by default, every encoded slash is refused.
	r.EncodedSlash = nil
	if _, _, err := r.Lookup("GET", "/jobs/arn:job%2F1"); !errors.Is(err, ErrAmbiguous) {
		t.Errorf("without EncodedSlash: %v, want ErrAmbiguous", err)
	}
}

// A multi-segment parameter (GitHub's x-multi-segment) takes one or more
// whole segments, the fewest that let the rest of the template match;
// literal segments and one-segment parameters still come first, and what
// the router refuses elsewhere (dot-segments, empty segments) it refuses
// inside such a value too.
func TestMultiSegment(t *testing.T) {
	r := New[string]()
	r.MultiSegment = func(v string, param string) bool {
		return strings.Contains(v, "{path}") && param == "path" || strings.Contains(v, "{ref}") && param == "ref"
	}
	for _, op := range [][2]string{
		{"GET", "/repos/{owner}/contents/{path}"},
		{"PUT", "/repos/{owner}/contents/{path}"},
		{"GET", "/repos/{owner}/contents/README"},
		{"GET", "/repos/{owner}/contents/admin/secret"},
		{"GET", "/repos/{owner}/commits/{ref}"},
		{"GET", "/repos/{owner}/commits/{ref}/status"},
		{"GET", "/repos/{owner}/issues/{number}"},
	} {
		if err := r.Add("", op[1], op[0], op[0]+" "+op[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		method, path string
		want         string
		value        string // the last captured parameter
		err          error
	}{
		{"GET", "/repos/o/contents/docs/readme.md", "GET /repos/{owner}/contents/{path}", "docs/readme.md", nil},
		{"PUT", "/repos/o/contents/a/b/c.txt", "PUT /repos/{owner}/contents/{path}", "a/b/c.txt", nil},
		{"GET", "/repos/o/contents/readme.md", "GET /repos/{owner}/contents/{path}", "readme.md", nil},
		{"GET", "/repos/o/contents/README", "GET /repos/{owner}/contents/README", "o", nil},
		{"GET", "/repos/o/commits/heads/main", "GET /repos/{owner}/commits/{ref}", "heads/main", nil},
		{"GET", "/repos/o/commits/heads/main/status", "GET /repos/{owner}/commits/{ref}/status", "heads/main", nil},
		{"GET", "/repos/o/issues/1/2", "", "", ErrNotFound}, // not a multi-segment parameter
		{"GET", "/repos/o/contents/a/../b", "", "", ErrAmbiguous},
		{"GET", "/repos/o/contents/admin/secret", "GET /repos/{owner}/contents/admin/secret", "o", nil},
		{"GET", "/repos/o/contents/admin/secre%74", "", "", ErrAmbiguous},
		{"GET", "/repos/o/contents/Admin/Secret", "", "", ErrAmbiguous},
		{"GET", "/repos/o/contents/admin/%73ecret", "", "", ErrAmbiguous},
		{"GET", "/repos/o/contents/admin/secrets", "GET /repos/{owner}/contents/{path}", "admin/secrets", nil},
		{"GET", "/repos/o/contents/a//b", "", "", ErrAmbiguous},
		{"DELETE", "/repos/o/contents/a/b", "", "", ErrNotAllowed},
	} {
		m, _, err := r.Lookup(tc.method, tc.path)
		if !errors.Is(err, tc.err) || (err == nil && m.Value != tc.want) {
			t.Errorf("%s %s: %q, %v; want %q, %v", tc.method, tc.path, m.Value, err, tc.want, tc.err)
			continue
		}
		if err == nil && (len(m.Params) == 0 || m.Params[len(m.Params)-1].Raw != tc.value) {
			t.Errorf("%s %s: params %+v, want the last %q", tc.method, tc.path, m.Params, tc.value)
		}
	}
}

// Azure's resource IDs: a template with two parameters over several
// segments splits the path at its literals; a parameter takes at most
// maxMultiSegments segments.
func TestMultiSegmentSplits(t *testing.T) {
	r := New[string]()
	r.MultiSegment = func(_ string, param string) bool { return param == "scope" || param == "parent" }
	for _, tmpl := range []string{"/{scope}/providers/Microsoft.Authorization/roleAssignments", "/{scope}/providers/{ns}/{parent}/{type}/{name}"} {
		if err := r.Add("", tmpl, "GET", tmpl); err != nil {
			t.Fatal(err)
		}
	}
	if m, _, err := r.Lookup("GET", "/"+strings.Repeat("a/", maxMultiSegments)+"providers/Microsoft.Authorization/roleAssignments"); err != nil || len(m.Params[0].Raw) != 2*maxMultiSegments-1 {
		t.Errorf("a scope of %d segments: %+v, %v", maxMultiSegments, m, err)
	}
	m, _, err := r.Lookup("GET", "/subscriptions/s1/resourceGroups/g1/providers/Microsoft.Authorization/roleAssignments")
	if err != nil || m.Value != "/{scope}/providers/Microsoft.Authorization/roleAssignments" || m.Params[0].Raw != "subscriptions/s1/resourceGroups/g1" {
		t.Errorf("role assignments: %+v, %v", m, err)
	}
	m, _, err = r.Lookup("GET", "/subscriptions/s1/providers/Microsoft.Web/sites/a/slots/b/config/web")
	if err != nil || m.Value != "/{scope}/providers/{ns}/{parent}/{type}/{name}" {
		t.Fatalf("nested resource: %+v, %v", m, err)
	}
	got := map[string]string{}
	for _, p := range m.Params {
		got[p.Name] = p.Raw
	}
	if got["scope"] != "subscriptions/s1" || got["ns"] != "Microsoft.Web" || got["parent"] != "sites/a/slots/b" || got["type"] != "config" || got["name"] != "web" {
		t.Errorf("nested resource captures %v", got)
	}
	long := "/" + strings.Repeat("a/", maxMultiSegments+1) + "providers/Microsoft.Authorization/roleAssignments"
	if m, _, err := r.Lookup("GET", long); !errors.Is(err, ErrNotFound) {
		t.Errorf("a scope of %d segments: %+v %v, want ErrNotFound", maxMultiSegments+1, m, err)
	}
	// A long path that matches nothing is refused after a bounded number
	// of splits (64 x 64 here, not 4,000 x 4,000).
	if _, _, err := r.Lookup("GET", "/"+strings.Repeat("a/", 4000)+"x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("4,000 segments: %v, want ErrNotFound", err)
	}
}

// TestTrailingSlashTwins: many routers (Express, ASP.NET Core) take a path
// with and without its trailing slash for one. A template must not take
// a path whose twin is a concrete route: the upstream would serve the
// concrete operation, with its own security, instead of the one checked.
func TestTrailingSlashTwins(t *testing.T) {
	r := build(t, []string{"/v1"},
		"GET", "/docs/admin/",
		"GET", "/docs/{page}",
		"GET", "/files/admin",
		"GET", "/files/{name}/",
		"GET", "/pets/{id}",
		"GET", "/pets/{id}/",
		"GET", "/orgs/{org}/settings/",
		"GET", "/orgs/{org}/{page}",
	)
	tests := []struct {
		path string
		want string
		err  error
	}{
		{"/v1/docs/admin/", "GET /docs/admin/", nil},
		{"/v1/docs/admin", "", ErrAmbiguous},
		{"/v1/docs/ADMIN", "", ErrAmbiguous},
		{"/v1/docs/guide", "GET /docs/{page}", nil},
		{"/v1/files/admin", "GET /files/admin", nil},
		{"/v1/files/admin/", "", ErrAmbiguous},
		{"/v1/files/readme/", "GET /files/{name}/", nil},
		{"/v1/pets/1", "GET /pets/{id}", nil},
		{"/v1/pets/1/", "GET /pets/{id}/", nil},
		// The twin has a template segment of its own, but a concrete
		// one where this path has a capture.
		{"/v1/orgs/acme/settings/", "GET /orgs/{org}/settings/", nil},
		{"/v1/orgs/acme/settings", "", ErrAmbiguous},
		{"/v1/orgs/acme/members", "GET /orgs/{org}/{page}", nil},
	}
	for _, tc := range tests {
		m, _, err := r.Lookup("GET", tc.path)
		if !errors.Is(err, tc.err) || (err == nil && m.Value != tc.want) {
			t.Errorf("GET %s: %q, %v; want %q, %v", tc.path, m.Value, err, tc.want, tc.err)
		}
	}
}
