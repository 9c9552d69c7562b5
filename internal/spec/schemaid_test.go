package spec

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const schemaIDExample = "testdata/schemaid/anchors-3.1.yaml"

func loadSchemaIDExample(t *testing.T) *Document {
	t.Helper()
	d, err := Load(context.Background(), schemaIDExample, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func problemsWithCode(d *Document, codes ...string) []Problem {
	var out []Problem
	for _, p := range d.Problems {
		for _, c := range codes {
			if p.Code == c {
				out = append(out, p)
			}
		}
	}
	return out
}

// In 3.1, $id and $anchor take part in $ref resolution (JSON Schema
// 2020-12): each reference lands on the schema the identifier names.
func TestSchemaIDResolution(t *testing.T) {
	d := loadSchemaIDExample(t)
	for _, p := range d.Problems {
		t.Errorf("unexpected problem %s at %s: %s", p.Code, p.Loc, p.Message)
	}
	root := d.RootFile()
	cases := []struct {
		name, at, ref, want string
	}{
		{"absolute $id", "/paths/~1pets/post/requestBody/content/application~1json/schema", "https://example.com/schemas/pet", "/components/schemas/Pet"},
		{"anchor at the top level", "/paths/~1nodes/get/responses/200/content/application~1json/schema", "#node", "/components/schemas/Node"},
		{"anchor inside its own schema", "/components/schemas/Node/properties/next", "#node", "/components/schemas/Node"},
		{"relative to the enclosing $id", "/components/schemas/Pet/properties/tag", "tag", "/components/schemas/Tag"},
		{"pointer inside the enclosing resource", "/components/schemas/Pet/properties/nickname", "#/properties/name", "/components/schemas/Pet/properties/name"},
		{"relative $id and a pointer", "/components/schemas/Owner/properties/petName", "pet#/properties/name", "/components/schemas/Pet/properties/name"},
		{"anchor of another resource", "/components/schemas/Owner/properties/node", "https://example.com/schemas/node#leaf", "/components/schemas/Leaves/$defs/leaf"},
		{"an empty fragment", "/paths", "https://example.com/schemas/tag#", "/components/schemas/Tag"},
		{"a plain pointer outside any $id", "/paths", "#/components/schemas/Owner", "/components/schemas/Owner"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := d.ResolveRefAt(NodeRef{File: root, Pointer: c.at}, c.ref)
			if err != nil {
				t.Fatalf("%s at %s: %v", c.ref, c.at, err)
			}
			if got.File != root || got.Pointer != c.want {
				t.Errorf("%s at %s: got %s#%s, want #%s", c.ref, c.at, got.File, got.Pointer, c.want)
			}
		})
	}
}

// A reference whose identifier the definition does not declare is
// reported, with its line, and is never fetched, even with remote
// references allowed; so is an anchor of another resource, and a pointer
// that a $id makes relative to its own schema. Only a URL written as such
// is a remote reference, as in 3.0.
func TestSchemaIDUnresolved(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("type: string\n"))
	}))
	defer srv.Close()
	const head = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
	cases := []struct {
		name, schemas, want string
		fetched             bool // a URL written as such, with remote references allowed
	}{
		{"relative to an $id, not declared", `
    Pet:
      $id: ` + srv.URL + `/schemas/pet
      properties:
        owner: {$ref: owner}
`, "which no $id of the definition declares", false},
		{"unknown anchor", `
    A: {$ref: '#nowhere'}
`, `no $anchor "nowhere"`, false},
		{"anchor of a nested resource from outside it", `
    Outer:
      $id: https://example.com/outer
      $defs:
        inner: {$anchor: inner, type: string}
    User: {$ref: '#inner'}
`, `no $anchor "inner"`, false},
		{"document pointer under an $id", `
    Tag: {type: string}
    Pet:
      $id: https://example.com/pet
      properties:
        tag: {$ref: '#/components/schemas/Tag'}
`, "resolves to nothing", false},
		{"absolute URL with an anchor", `
    A: {$ref: '` + srv.URL + `/schemas/other#x'}
`, `no $anchor "x"`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := hits.Load()
			d := loadString(t, head+c.schemas, Options{AllowRemoteRefs: true})
			ps := problemsWithCode(d, "unresolved-ref")
			if len(ps) != 1 {
				t.Fatalf("want one unresolved-ref, got %+v", d.Problems)
			}
			if !strings.Contains(ps[0].Message, c.want) || ps[0].Loc.Line == 0 {
				t.Errorf("got %q at %s, want %q with a line", ps[0].Message, ps[0].Loc, c.want)
			}
			if fetched := hits.Load() > before; fetched != c.fetched {
				t.Errorf("fetched=%v, want %v", fetched, c.fetched)
			}
		})
	}
}

// Without remote references an absolute $id that is not declared is not
// fetched either.
func TestSchemaIDNotFetchedByDefault(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte("type: string\n"))
	}))
	defer srv.Close()
	d := loadString(t, `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '`+srv.URL+`/schemas/pet'}}}}
components:
  schemas:
    Owner:
      $id: `+srv.URL+`/schemas/owner
      properties:
        pet: {$ref: pet}
`, Options{})
	if n := len(problemsWithCode(d, "unresolved-ref")); n != 2 {
		t.Errorf("want 2 unresolved-ref, got %+v", d.Problems)
	}
	if err := d.CompileAll(context.Background()); err == nil {
		t.Error("a schema whose $ref is unresolved compiled")
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server was asked %d times", n)
	}
}

// Before 3.1 the keywords mean nothing: references stay locators.
func TestSchemaIDIgnoredBefore31(t *testing.T) {
	for _, version := range []string{"3.0.3", "2.0"} {
		t.Run(version, func(t *testing.T) {
			text := `openapi: 3.0.3
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Pet: {$id: 'https://example.com/pet', $anchor: pet, type: string}
    A: {$ref: '#pet'}
    B: {$ref: 'https://example.com/pet'}
    C: {$ref: '#/components/schemas/Pet'}
`
			if version == "2.0" {
				text = strings.Replace(strings.Replace(text, "openapi: 3.0.3", "swagger: '2.0'", 1), "components:\n  schemas:\n", "definitions:\n", 1)
				text = strings.ReplaceAll(strings.ReplaceAll(text, "\n    ", "\n  "), "#/components/schemas/", "#/definitions/")
			}
			d := loadString(t, text, Options{})
			ps := problemsWithCode(d, "unresolved-ref")
			if len(ps) != 2 {
				t.Fatalf("want 2 unresolved-ref (A and B), got %+v", d.Problems)
			}
			if !strings.Contains(ps[0].Message+ps[1].Message, "only JSON-pointer fragments") {
				t.Errorf("the anchor reference was not refused as before: %+v", ps)
			}
		})
	}
}

// The compiled schemas the firewall and the scanner validate with follow
// the same references: through $id, relative $id and $anchor, recursively.
func TestSchemaIDCompiledValidation(t *testing.T) {
	d := loadSchemaIDExample(t)
	if err := d.CompileAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	byOp := map[string]*Operation{}
	for _, op := range d.Operations {
		byOp[op.OperationID] = op
	}
	cases := []struct {
		name, op string
		request  bool
		body     string
		valid    bool
	}{
		{"pet", "createPet", true, `{"name": "rex", "tag": "dog"}`, true},
		{"pet: name too long", "createPet", true, `{"name": "abcdefghijklmnopqrstuvwxyz"}`, false},
		{"pet: tag through the relative $id", "createPet", true, `{"name": "rex", "tag": "cow"}`, false},
		{"pet: nickname through the resource pointer", "createPet", true, `{"name": "rex", "nickname": "REX"}`, false},
		{"pet: undeclared property", "createPet", true, `{"name": "rex", "age": 3}`, false},
		{"node list", "listNodes", false, `{"value": 1, "next": {"value": 2, "next": {"value": 3}}}`, true},
		{"node: deep value out of range", "listNodes", false, `{"value": 1, "next": {"value": 2, "next": {"value": 300}}}`, false},
		{"node: deep undeclared property", "listNodes", false, `{"next": {"next": {"other": 1}}}`, false},
		{"owner", "listOwners", false, `{"petName": "rex", "node": true}`, true},
		{"owner: pet name through $id and pointer", "listOwners", false, `{"petName": "Rex"}`, false},
		{"owner: anchor of another resource", "listOwners", false, `{"node": 1}`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			op := byOp[c.op]
			var s *Schema
			view := ResponseView
			if c.request {
				s, view = op.RequestBody.Content["application/json"].Schema, RequestView
			} else {
				s = op.Responses[0].Content["application/json"].Schema
			}
			sch, err := d.Compile(s, view)
			if err != nil {
				t.Fatal(err)
			}
			err = sch.Validate(instance(t, c.body))
			if (err == nil) != c.valid {
				t.Errorf("%s: valid=%v, want %v (%v)", c.body, err == nil, c.valid, err)
			}
		})
	}
}

// Loops through identifiers are cycles like any other: a chain of
// references with no schema is circular-ref (each $ref into it too: the
// operation's), a recursive schema is legal,
// and nothing hangs or panics (in the loader, libopenapi or the compiler).
func TestSchemaIDCycles(t *testing.T) {
	cases := []struct {
		name, schemas string
		circular      int
	}{
		{"anchors", `
    C: {$anchor: c, $ref: '#d'}
    D: {$anchor: d, $ref: '#c'}
`, 3},
		{"self anchor", `
    C: {$anchor: c, $ref: '#c'}
`, 2},
		{"ids", `
    A: {$id: 'https://example.com/a', $ref: 'https://example.com/b'}
    B: {$id: 'https://example.com/b', $ref: a}
`, 3},
		{"id and pointer", `
    A:
      $id: 'https://example.com/a'
      $ref: '#/$defs/x'
      $defs:
        x: {$ref: 'https://example.com/a'}
`, 3},
		{"recursion through properties", `
    A:
      $id: 'https://example.com/a'
      type: object
      properties:
        self: {$ref: 'https://example.com/a'}
        other: {$ref: 'b#b'}
    B:
      $id: 'https://example.com/b'
      $anchor: b
      type: array
      items: {$ref: '#b'}
`, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/" +
				strings.Fields(strings.TrimSpace(c.schemas))[0][:1] + "'}}}}\ncomponents:\n  schemas:\n" + c.schemas
			done := make(chan *Document, 1)
			go func() {
				d := loadString(t, text, Options{})
				_ = d.CompileAll(context.Background())
				done <- d
			}()
			var d *Document
			select {
			case d = <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("loading or compiling did not finish")
			}
			if n := len(problemsWithCode(d, "circular-ref")); n != c.circular {
				t.Errorf("want %d circular-ref, got %+v", c.circular, d.Problems)
			}
			if n := len(problemsWithCode(d, "unresolved-ref")); n != 0 {
				t.Errorf("unexpected unresolved-ref: %+v", d.Problems)
			}
			if c.circular == 0 {
				if err := d.CompileAll(context.Background()); err != nil {
					t.Errorf("compile: %v", err)
				}
			}
		})
	}
}

// Duplicate and malformed identifiers are structural errors.
func TestSchemaIDProblems(t *testing.T) {
	const head = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n"
	cases := []struct{ name, schemas, code string }{
		{"duplicate $id", "    A: {$id: 'https://example.com/x', type: string}\n    B: {$id: 'https://example.com/x', type: integer}\n", "duplicate-schema-id"},
		{"duplicate $anchor", "    A: {$anchor: x, type: string}\n    B: {$anchor: x, type: integer}\n", "duplicate-schema-anchor"},
		{"$id with a fragment", "    A: {$id: 'https://example.com/x#y', type: string}\n", "invalid-schema-id"},
		{"invalid anchor", "    A: {$anchor: '1x', type: string}\n", "invalid-schema-anchor"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := loadString(t, head+c.schemas, Options{})
			ps := problemsWithCode(d, c.code)
			if len(ps) != 1 || !ps[0].Error || ps[0].Loc.Line == 0 {
				t.Errorf("want one %s error with a line, got %+v", c.code, d.Problems)
			}
		})
	}
	// The same schema reached twice through a YAML alias is one schema.
	d := loadString(t, head+"    A: &a {$id: 'https://example.com/x', $anchor: a, type: string}\n    B: *a\n", Options{})
	if len(d.Problems) != 0 {
		t.Errorf("an aliased schema is reported: %+v", d.Problems)
	}
	// A property named like a keyword is not an identifier.
	d = loadString(t, head+"    A: {type: object, properties: {$id: {type: string}, $anchor: {type: string}}}\n", Options{})
	if len(d.Problems) != 0 {
		t.Errorf("property names read as identifiers: %+v", d.Problems)
	}
}

// Identifiers in a file reached by a relative $ref: the base URI of that
// file is its own location, and its $id and $anchor resolve there. A
// relative $id names a location too: a relative $ref under it reads the
// file next to that location.
func TestSchemaIDInOtherFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "pet.yaml"), []byte(`$id: https://example.com/pet
type: object
properties:
  name: {$ref: '#name'}
  tag: {$ref: tag}
$defs:
  name: {$anchor: name, type: string, maxLength: 3}
  tag: {$id: tag, type: string, maxLength: 2}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "schemas"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "schemas", "code.yaml"), []byte("type: integer\nmaximum: 599\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(root, []byte(`openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: 'pet.yaml'}}}}
        default:
          description: error
          content:
            application/json:
              schema:
                # A relative $id names a file location: code.yaml is read
                # next to it, in schemas/.
                $id: schemas/error
                $anchor: error
                type: object
                properties:
                  code: {$ref: code.yaml}
                  cause: {$ref: '#error'}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Load(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Problems {
		t.Errorf("unexpected problem %s at %s: %s", p.Code, p.Loc, p.Message)
	}
	sch, err := d.Compile(d.Operations[0].Responses[0].Content["application/json"].Schema, ResponseView)
	if err != nil {
		t.Fatal(err)
	}
	for body, valid := range map[string]bool{`{"name": "abc", "tag": "ab"}`: true, `{"name": "abcd"}`: false, `{"tag": "abc"}`: false} {
		if err := sch.Validate(instance(t, body)); (err == nil) != valid {
			t.Errorf("%s: valid=%v, want %v (%v)", body, err == nil, valid, err)
		}
	}
	sch, err = d.Compile(d.Operations[0].Responses[1].Content["application/json"].Schema, ResponseView)
	if err != nil {
		t.Fatal(err)
	}
	for body, valid := range map[string]bool{`{"code": 500, "cause": {"code": 404}}`: true, `{"cause": {"code": 600}}`: false} {
		if err := sch.Validate(instance(t, body)); (err == nil) != valid {
			t.Errorf("%s: valid=%v, want %v (%v)", body, err == nil, valid, err)
		}
	}
}
