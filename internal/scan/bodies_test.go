package scan

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan/gen"
	"github.com/rampart-sec/rampart/internal/spec"
)

const bodiesSpec = `openapi: 3.1.0
info: {title: bodies, version: '1'}
paths:
  /upload:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [title, file, labels, meta, count, photo]
              properties:
                title: {type: string, const: 'Q3 "report"'}
                count: {type: integer, const: 4}
                labels: {type: array, items: {type: string, enum: [a, b]}, minItems: 2, maxItems: 2, example: [a, b]}
                meta: {type: object, required: [source], properties: {source: {type: string, const: web}}}
                file: {type: string, format: binary, const: 'x,y'}
                photo: {type: string, contentMediaType: image/png, const: PNGDATA}
                tags: {type: array, items: {type: string}, minItems: 1}
            encoding:
              file: {contentType: 'text/csv, text/plain'}
      responses: {'201': {description: ok}}
  /pets:
    post:
      requestBody:
        required: true
        content:
          application/xml:
            schema: {$ref: '#/components/schemas/Pet'}
      responses: {'201': {description: ok}}
  /form:
    post:
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [q, ids]
              properties:
                q: {type: string, const: 'a&b=c'}
                ids: {type: array, items: {type: integer, minimum: 7}, minItems: 2, maxItems: 2, example: [7, 8]}
      responses: {'201': {description: ok}}
components:
  schemas:
    Pet:
      type: object
      required: [id, name, tags, owner]
      properties:
        id: {type: integer, const: 12, xml: {attribute: true}}
        name: {type: string, const: 'Rex <&> "the dog"'}
        tags:
          type: array
          minItems: 2
          maxItems: 2
          xml: {wrapped: true, name: tagList}
          example: [good, bad]
          items: {type: string, enum: [good, bad], xml: {name: tag}}
        owner:
          type: object
          required: [login]
          properties:
            login: {type: string, const: ann}
`

func bodiesEngine(t *testing.T) *engine {
	t.Helper()
	doc, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(bodiesSpec)})
	if err != nil {
		t.Fatal(err)
	}
	return &engine{doc: doc, gen: &gen.Generator{Doc: doc}}
}

func opAt(t *testing.T, e *engine, key string) *spec.Operation {
	t.Helper()
	for _, op := range e.doc.Operations {
		if op.Key() == key {
			return op
		}
	}
	t.Fatalf("no operation %s", key)
	return nil
}

// generated builds the happy-path body of op as prepare does and sends it
// to a 127.0.0.1 server, returning the request the server received.
func generated(t *testing.T, e *engine, key string) (*http.Request, []byte) {
	t.Helper()
	op := opAt(t, e, key)
	media, mt := pickMedia(op.RequestBody)
	if mt == nil {
		t.Fatalf("%s: no media type picked", key)
	}
	v, _, err := e.gen.Valid(mt.Schema, spec.RequestView)
	if err != nil {
		t.Fatal(err)
	}
	body, ctype, err := e.encodeBody(&request{op: op, media: media, body: v, hasBody: true})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *http.Request, 1)
	var raw []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(raw))
		got <- r
	}))
	defer srv.Close()
	resp, err := http.Post(srv.URL+op.Path, ctype, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return <-got, raw
}

func TestMultipartBodyHonoursSchemaAndEncoding(t *testing.T) {
	e := bodiesEngine(t)
	r, raw := generated(t, e, "POST /upload")
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		t.Fatalf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	_, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	mr := multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	type part struct{ ctype, file, data string }
	parts := map[string][]part{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("malformed multipart body: %v\n%s", err, raw)
		}
		b, _ := io.ReadAll(p)
		parts[p.FormName()] = append(parts[p.FormName()], part{p.Header.Get("Content-Type"), p.FileName(), string(b)})
	}
	for _, tc := range []struct {
		name string
		want []part
	}{
		{"title", []part{{"", "", `Q3 "report"`}}},                     // text field, quotes escaped in the header
		{"count", []part{{"", "", "4"}}},                               // primitives default to text/plain
		{"labels", []part{{"", "", "a"}, {"", "", "b"}}},               // arrays: one part per item
		{"meta", []part{{"application/json", "", `{"source":"web"}`}}}, // objects default to JSON
		{"file", []part{{"text/csv", "file.csv", "x,y"}}},              // encoding contentType, first of the list
		{"photo", []part{{"image/png", "photo.png", "PNGDATA"}}},       // 3.1 contentMediaType
	} {
		got := parts[tc.name]
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d parts %v, want %v", tc.name, len(got), got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s part %d = %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
	// A standard server-side reader sees the same fields.
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		t.Fatalf("net/http cannot read the body: %v", err)
	}
	if r.FormValue("title") != `Q3 "report"` || len(r.MultipartForm.File["file"]) != 1 {
		t.Errorf("net/http read title %q and %d files", r.FormValue("title"), len(r.MultipartForm.File["file"]))
	}
}

func TestXMLBodyFromSchema(t *testing.T) {
	e := bodiesEngine(t)
	r, raw := generated(t, e, "POST /pets")
	if r.Header.Get("Content-Type") != "application/xml" {
		t.Errorf("Content-Type %q", r.Header.Get("Content-Type"))
	}
	var pet struct {
		XMLName xml.Name `xml:"Pet"`
		ID      int      `xml:"id,attr"`
		Name    string   `xml:"name"`
		Tags    []string `xml:"tagList>tag"`
		Owner   struct {
			Login string `xml:"login"`
		} `xml:"owner"`
	}
	if err := xml.Unmarshal(raw, &pet); err != nil {
		t.Fatalf("not well-formed XML (%v):\n%s", err, raw)
	}
	if pet.ID != 12 || pet.Name != `Rex <&> "the dog"` || strings.Join(pet.Tags, ",") != "good,bad" || pet.Owner.Login != "ann" {
		t.Errorf("server read %+v from\n%s", pet, raw)
	}
}

func TestFormBodyRepeatsArrays(t *testing.T) {
	e := bodiesEngine(t)
	r, _ := generated(t, e, "POST /form")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if r.PostForm.Get("q") != "a&b=c" || strings.Join(r.PostForm["ids"], ",") != "7,8" {
		t.Errorf("server read %v", r.PostForm)
	}
}

// An XML body needs a root element name. Without xml.name or a component
// name there is none, except by the convention of definitions converted
// from AWS's models: an object whose one, required property is an object
// is that property's document.
func TestXMLRootName(t *testing.T) {
	cases := []struct {
		name, schema string
		body         map[string]any
		want         string // the XML written, or "" for a refusal naming xml.name
		operationID  string
	}{
		{"unnamed object", `{type: object, properties: {a: {type: string}}}`, map[string]any{"a": "b"}, "", ""},
		{"unnamed object of a named operation", `{type: object, properties: {a: {type: string}}}`, map[string]any{"a": "b"}, `<AssociateVPCRequest><a>b</a></AssociateVPCRequest>`, "AssociateVPC"},
		{"operationId that is no XML name", `{type: object, properties: {a: {type: string}}}`, map[string]any{"a": "b"}, "", "associate vpc"},
		{"one required object property", `{type: object, required: [Config], properties: {Config: {type: object, properties: {Name: {type: string}}}}}`,
			map[string]any{"Config": map[string]any{"Name": "n"}}, `<Config><Name>n</Name></Config>`, ""},
		{"one optional object property", `{type: object, properties: {Config: {type: object, properties: {Name: {type: string}}}}}`,
			map[string]any{"Config": map[string]any{"Name": "n"}}, "", ""},
		{"one required scalar property", `{type: object, required: [a], properties: {a: {type: string}}}`, map[string]any{"a": "b"}, "", ""},
		{"xml.name on the property", `{type: object, required: [c], properties: {c: {type: object, xml: {name: Conf}, properties: {N: {type: integer}}}}}`,
			map[string]any{"c": map[string]any{"N": 1}}, `<Conf><N>1</N></Conf>`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(`openapi: 3.0.3
info: {title: x, version: '1'}
paths:
  /x:
    post:
      operationId: "` + c.operationID + `"
      requestBody:
        content:
          application/xml:
            schema: ` + c.schema + `
      responses: {'200': {description: ok}}
`)})
			if err != nil {
				t.Fatal(err)
			}
			e := &engine{doc: doc, gen: &gen.Generator{Doc: doc}}
			op := doc.Operations[0]
			raw, _, err := e.encodeBody(&request{op: op, media: "application/xml", body: c.body, hasBody: true})
			if c.want == "" {
				if err == nil || !strings.Contains(err.Error(), "xml.name") {
					t.Errorf("error %v, want one explaining the root element has no name", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimPrefix(string(raw), xml.Header); got != c.want {
				t.Errorf("wrote %s, want %s", got, c.want)
			}
		})
	}
}

// Form and multipart bodies lose scalar types on the wire, so a mutation
// is only out of contract when the server's reading of it is.
func TestWireView(t *testing.T) {
	e := bodiesEngine(t)
	up := opAt(t, e, "POST /upload")
	mt := up.RequestBody.Content["multipart/form-data"]
	sch, err := e.doc.Compile(mt.Schema, spec.RequestView)
	if err != nil {
		t.Fatal(err)
	}
	valid := map[string]any{"title": `Q3 "report"`, "count": json.Number("4"), "labels": []any{"a", "b"},
		"meta": map[string]any{"source": "web"}, "file": "x,y", "photo": "PNGDATA"}
	with := func(k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range valid {
			out[kk] = vv
		}
		out[k] = v
		return out
	}
	for _, tc := range []struct {
		name      string
		body      map[string]any
		outOfSpec bool
	}{
		{"valid", valid, false},
		{"count as a string of digits reads back as the integer", with("count", "4"), false},
		{"count not a number", with("count", "four"), true},
		{"label outside the enum", with("labels", []any{"a", "z"}), true},
		{"labels as numbers read back as text", with("labels", []any{json.Number("1"), "b"}), true},
		{"meta as a JSON part keeps its type", with("meta", "web"), true},
		{"title as a number reads back as text", with("title", json.Number("3")), true}, // const fails, not the type
		// Repeated parts: an empty array sends none, so an optional one
		// is absent (not too short) and a required one missing.
		{"optional array left empty is absent", with("tags", []any{}), false},
		{"required array left empty is missing", with("labels", []any{}), true},
	} {
		got := sch.Validate(e.wireView("multipart/form-data", mt, tc.body)) != nil
		if got != tc.outOfSpec {
			t.Errorf("%s: out of contract = %v, want %v", tc.name, got, tc.outOfSpec)
		}
	}
	// The type alone: a number where a free string is declared is in
	// contract once sent as text.
	e2 := bodiesEngine(t)
	form := opAt(t, e2, "POST /form")
	fm := form.RequestBody.Content["application/x-www-form-urlencoded"]
	fsch, _ := e2.doc.Compile(fm.Schema, spec.RequestView)
	if err := fsch.Validate(e2.wireView("application/x-www-form-urlencoded", fm, map[string]any{"q": "a&b=c", "ids": []any{"7", "8"}})); err != nil {
		t.Errorf("ids sent as text \"7\" should read back as integers: %v", err)
	}
}

const encodedFormSpec = `openapi: 3.1.0
info: {title: encoded, version: '1'}
paths:
  /encoded:
    post:
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                tags: {type: array, items: {type: string, pattern: '^[a-z]+$'}}
                ids: {type: array, minItems: 1, items: {type: integer}}
                pipes: {type: array, items: {type: integer}}
                spaced: {type: array, items: {type: string}}
                filter: {type: object, properties: {kind: {type: string}, max: {type: integer}}}
                plain: {type: array, items: {type: string}}
                obj: {type: object, properties: {a: {type: integer}}}
                asJSON: {type: array, items: {type: integer}}
                name: {type: string, maxLength: 20}
                grid: {type: array, items: {type: array, items: {type: integer}}}
            encoding:
              tags: {style: form, explode: false}
              ids: {style: form, explode: true}
              pipes: {style: pipeDelimited, explode: false}
              spaced: {style: spaceDelimited}
              filter: {style: deepObject, explode: true}
              asJSON: {contentType: application/json}
      responses: {'201': {description: ok}}
`

// A url-encoded form property is serialised as its encoding says (style
// and explode, with the query parameters' meaning), else as its
// contentType says (JSON for objects by default, repeated fields for
// arrays); and a mutation is judged by what the server reads back from
// that serialisation.
func TestFormEncoding(t *testing.T) {
	doc, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(encodedFormSpec)})
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{doc: doc, gen: &gen.Generator{Doc: doc}}
	op := doc.Operations[0]
	const media = "application/x-www-form-urlencoded"
	mt := op.RequestBody.Content[media]
	n := func(s string) json.Number { return json.Number(s) }
	valid := map[string]any{
		"tags": []any{"a", "b"}, "ids": []any{n("1"), n("2")}, "pipes": []any{n("1"), n("2")}, "spaced": []any{"a", "b"},
		"filter": map[string]any{"kind": "x", "max": n("1")}, "plain": []any{"p", "q"},
		"obj": map[string]any{"a": n("1")}, "asJSON": []any{n("1"), n("2")},
	}
	body, _, err := e.encodeBody(&request{op: op, media: media, body: valid, hasBody: true})
	if err != nil {
		t.Fatal(err)
	}
	want := "asJSON=%5B1%2C2%5D&filter[kind]=x&filter[max]=1&ids=1&ids=2&obj=%7B%22a%22%3A1%7D&pipes=1|2&plain=p&plain=q&spaced=a%20b&tags=a,b"
	if string(body) != want {
		t.Errorf("form body\n%s\nwant\n%s", body, want)
	}

	sch, err := doc.Compile(mt.Schema, spec.RequestView)
	if err != nil {
		t.Fatal(err)
	}
	with := func(k string, v any) map[string]any {
		out := map[string]any{}
		for kk, vv := range valid {
			out[kk] = vv
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		body      map[string]any
		outOfSpec bool
	}{
		{"valid", valid, false},
		{"filter as text (filter=x is no deepObject)", with("filter", "x"), true},
		{"filter.max not a number", with("filter", map[string]any{"max": "many"}), true},
		{"a tag holding the delimiter arrives as two tags", with("tags", []any{"a,b"}), false},
		{"a pipe item holding '|' arrives as two integers", with("pipes", []any{"1|2"}), false},
		{"a pipe item not a number", with("pipes", []any{"1", "x"}), true},
		{"an empty exploded array sends nothing: ids is absent, not too short", with("ids", []any{}), false},
		{"obj as text is not its JSON", with("obj", "rampart-not-an-object"), true},
		{"asJSON keeps its JSON types", with("asJSON", []any{"1"}), true},
		// A string field reads whatever text arrives as a string, JSON
		// text included; nested arrays arrive as JSON text.
		{"an object in a string field is text", with("name", map[string]any{"a": n("1")}), false},
		{"nested arrays keep their items", with("grid", []any{[]any{n("1"), n("2")}}), false},
		{"a nested item of the wrong type", with("grid", []any{[]any{"x"}}), true},
	} {
		got := sch.Validate(e.wireView(media, mt, tc.body)) != nil
		if got != tc.outOfSpec {
			t.Errorf("%s: out of contract = %v, want %v", tc.name, got, tc.outOfSpec)
		}
	}
}
