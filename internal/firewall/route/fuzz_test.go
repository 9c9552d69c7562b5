package route

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLookup sends arbitrary methods and escaped paths to a router with
// concrete and templated siblings, mixed segments, base paths and a
// parameter over several segments. Lookup
// never panics, and a match always names an operation of the request's
// method (GET for HEAD) whose template the path fits.
func FuzzLookup(f *testing.F) {
	for _, seed := range []struct{ method, path string }{
		{"GET", "/v1/pets/mine"}, {"DELETE", "/v1/pets/mine"}, {"HEAD", "/v1/services/asana"},
		{"GET", "/v1/files/a.b.json"}, {"PATCH", "/v1/pets/%6Dine"}, {"GET", "/v1//pets"},
		{"GET", "/v1/range/1-2-3"}, {"PUT", "/v1/services/ASANA"}, {"GET", "/v1/pets/a%2Fb"},
		{"GET", "/v1/repos/a/b/c/meta"}, {"GET", "/v1/repos/a/./b"}, {"GET", "/v1/repos/a/b/"},
	} {
		f.Add(seed.method, seed.path)
	}
	r := New[string]()
	r.MultiSegment = func(v, param string) bool { return param == "path" }
	for _, op := range [][2]string{
		{"GET", "/repos/{path}"}, {"GET", "/repos/{path}/meta"}, {"GET", "/repos/mine"},
		{"GET", "/pets"}, {"POST", "/pets"}, {"GET", "/pets/{id}"}, {"DELETE", "/pets/{petId}"},
		{"GET", "/pets/mine"}, {"GET", "/pets/{id}/toys"}, {"GET", "/files/{name}.json"},
		{"GET", "/files/{name}"}, {"GET", "/range/{from}-{to}"}, {"PUT", "/services/asana"},
		{"GET", "/services/{slug}"}, {"GET", "/sites/{site}/zones/{zone}"}, {"GET", "/sites/{site}/{type}/count"},
	} {
		if err := r.Add("/v1", op[1], op[0], op[0]+" "+op[1]); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		m, allow, err := r.Lookup(method, path)
		if err != nil {
			if errors.Is(err, ErrNotAllowed) && allow == "" {
				t.Fatalf("405 without Allow for %s %q", method, path)
			}
			return
		}
		want := method
		if method == "HEAD" && !strings.HasPrefix(m.Value, "HEAD ") {
			want = "GET"
		}
		if !strings.HasPrefix(m.Value, want+" ") {
			t.Fatalf("%s %q matched %q", method, path, m.Value)
		}
		if got := strings.Count(m.Template, "{"); got != len(m.Params) {
			t.Fatalf("%s %q: template %q captured %d values", method, path, m.Template, len(m.Params))
		}
		for _, p := range m.Params {
			// A value that is a whole segment, or several, holds whole
			// segments, none of them empty or a dot-segment. (Part of a
			// segment may be a dot: /range/{from}-{to} takes .-2-3,
			// which no server reads as a dot-segment.)
			if !strings.Contains(m.Template+"/", "/{"+p.Name+"}/") {
				continue
			}
			for _, seg := range strings.Split(p.Raw, "/") {
				if seg == "" || seg == "." || seg == ".." {
					t.Fatalf("%s %q: %s captured %q", method, path, p.Name, p.Raw)
				}
			}
		}
	})
}
