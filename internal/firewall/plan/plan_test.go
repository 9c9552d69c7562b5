package plan

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/body"
	"github.com/rampart-sec/rampart/internal/firewall/route"
	"github.com/rampart-sec/rampart/internal/params"
	"github.com/rampart-sec/rampart/internal/spec"
)

func loadPlan(tb testing.TB, path string, cfg Config) *Plan {
	tb.Helper()
	doc, err := spec.Load(context.Background(), path, spec.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	p, err := Build(context.Background(), doc, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// loadPlanText builds a plan from a definition's text.
func loadPlanText(tb testing.TB, text string, cfg Config) *Plan {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "api.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	return loadPlan(tb, path, cfg)
}

// opsByID indexes a plan's operations by their ID.
func opsByID(p *Plan) map[string]*Op {
	ops := map[string]*Op{}
	for _, op := range p.Ops {
		ops[op.ID] = op
	}
	return ops
}

// orderBody is a typical ~1 KB order.
func orderBody() []byte {
	var items []string
	for i := 0; i < 9; i++ {
		items = append(items, fmt.Sprintf(`{"sku":"SKU-%04d","quantity":%d,"price":%d.99,"note":"handle with care, item %d"}`, i, i+1, 10+i, i))
	}
	return []byte(`{"customer":{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0958"},` +
		`"items":[` + strings.Join(items, ",") + `],"currency":"EUR",` +
		`"address":{"street":"12 Analytical Engine Road","city":"London","zip":"N1 9GU","country":"GB"},` +
		`"notes":"Please deliver between 9 and 5 on weekdays; ring twice.","gift":false}`)
}

func TestOrderBodyIsValidAndAboutOneKB(t *testing.T) {
	p := loadPlan(t, "../testdata/bench.yaml", Config{})
	b := orderBody()
	if len(b) < 800 || len(b) > 1300 {
		t.Fatalf("body is %d bytes", len(b))
	}
	m, _, err := p.Router.Lookup("POST", "/orders")
	if err != nil {
		t.Fatal(err)
	}
	in := &Request{Header: http.Header{}, ContentType: "application/json", Body: b, HasBody: true}
	if vs := m.Value.CheckRequest(in, &p.Config, false); len(vs) != 0 {
		t.Fatalf("violations: %v", vs)
	}
	in.Body = []byte(strings.Replace(string(b), `"quantity":1,`, `"quantity":0,`, 1))
	if vs := m.Value.CheckRequest(in, &p.Config, false); len(vs) != 1 {
		t.Fatalf("an invalid order passed: %v", vs)
	}
}

// BenchmarkDecodeValidate is the request-body hot path (decode with limits,
// duplicate-key and UTF-8 checks, then schema validation) beside a bare
// json.Unmarshal of the same body, for the ratio in docs/benchmarks.md.
func BenchmarkDecodeValidate(b *testing.B) {
	p := loadPlan(b, "../testdata/bench.yaml", Config{})
	m, _, err := p.Router.Lookup("POST", "/orders")
	if err != nil {
		b.Fatal(err)
	}
	data := orderBody()
	op := m.Value
	b.Run("bare-json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode-only", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			if _, err := body.DecodeJSON(data, p.Config.JSON); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode+validate", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		in := &Request{Header: http.Header{}, ContentType: "application/json", Body: data, HasBody: true}
		for i := 0; i < b.N; i++ {
			if vs := op.CheckRequest(in, &p.Config, false); len(vs) != 0 {
				b.Fatal(vs)
			}
		}
	})
}

// HeaderNames lists what the firewall's header checks treat as declared:
// the operation's header parameters and every apiKey scheme's header.
func TestOpHeaderNames(t *testing.T) {
	p := loadPlan(t, "../testdata/protect.yaml", Config{})
	byID := map[string]*Op{}
	for _, op := range p.Ops {
		byID[op.ID] = op
	}
	for id, want := range map[string][]string{
		"listOrders":    {"X-Api-Key"},
		"partnerOrders": {"X-Api-Key"},
	} {
		op := byID[id]
		if op == nil {
			t.Fatalf("no operation %s", id)
		}
		if !reflect.DeepEqual(op.HeaderNames, want) {
			t.Errorf("%s: HeaderNames = %q, want %q", id, op.HeaderNames, want)
		}
	}
	p = loadPlan(t, "../testdata/api31.yaml", Config{})
	found := false
	for _, op := range p.Ops {
		if op.ID == "headerArray" {
			found = true
			if want := []string{"X-Ids", "X-Obj", "X-Legacy", "X_Legacy"}; !reflect.DeepEqual(op.HeaderNames, want) {
				t.Errorf("headerArray: HeaderNames = %q, want %q", op.HeaderNames, want)
			}
		}
	}
	if !found {
		t.Fatal("no operation headerArray")
	}
}

// Two templates of one shape reach the same paths: the firewall cannot
// tell which operation the upstream runs, so it reports them and refuses
// their requests rather than checking the first one declared.
func TestSameShapeTemplatesConflict(t *testing.T) {
	src := `openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: /v1}]
paths:
  /items/{id}:
    get:
      operationId: byID
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
    delete:
      operationId: deleteItem
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: gone}}
  /items/{key}:
    get:
      operationId: byKey
      parameters: [{name: key, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
`
	p := loadPlanText(t, src, Config{})
	want := "byID (GET /v1/items/{id}) and byKey (GET /v1/items/{key}) are reachable at the same paths"
	if !strings.Contains(strings.Join(p.Problems, "\n"), want) {
		t.Errorf("problems lack %q: %q", want, p.Problems)
	}
	if _, _, err := p.Router.Lookup("GET", "/v1/items/x"); !errors.Is(err, route.ErrConflict) {
		t.Errorf("GET: err = %v, want ErrConflict", err)
	}
	if m, _, err := p.Router.Lookup("DELETE", "/v1/items/x"); err != nil || m.Value.ID != "deleteItem" {
		t.Errorf("DELETE: %v", err)
	}
}

func TestCharsetProblem(t *testing.T) {
	tests := []struct {
		kind int
		ct   string
		bad  bool
	}{
		{KindJSON, "application/json", false},
		{KindJSON, "application/json; charset=utf-8", false},
		{KindJSON, "application/json; charset=utf-16", true},
		{KindForm, "application/x-www-form-urlencoded; charset=US-ASCII", false},
		{KindForm, "application/x-www-form-urlencoded; charset=iso-8859-1", true},
		{KindForm, "application/x-www-form-urlencoded; charset*=utf-8''utf-8", true},
		{KindForm, "application/x-www-form-urlencoded; charset=iso-8859-1; charset*=utf-8''utf-8", true},
		{KindText, "text/plain; charset=utf-7", true},
		{KindMultipart, "multipart/form-data; boundary=x", false},
		{KindMultipart, "multipart/form-data; charset=utf-8; boundary=x", false},
		{KindMultipart, "multipart/form-data; charset=iso-8859-1; boundary=x", true},
		{KindMultipart, "multipart/form-data; boundary=x; boundary*=utf-8''y", true},
		{KindMultipart, "multipart/form-data; boundary=x; boundary=y", false}, // the boundary check's
		{KindOther, "image/png; charset=latin1", false},
	}
	for _, tc := range tests {
		if got := CharsetProblem(tc.kind, tc.ct) != ""; got != tc.bad {
			t.Errorf("CharsetProblem(%d, %q) refused = %v, want %v", tc.kind, tc.ct, got, tc.bad)
		}
	}
}

func TestPartTypeProblem(t *testing.T) {
	str := &params.Shape{Types: params.TString}
	m := &Media{
		Kind: KindMultipart,
		Shape: &params.Shape{Types: params.TObject, Props: map[string]*params.Shape{"name": str, "note": str, "avatar": str, "meta": {Types: params.TObject},
			// A tuple: a string, then an object (JSON by default).
			"pair": {Types: params.TArray, Prefix: []*params.Shape{str, {Types: params.TObject}}}}},
		JSONFields: map[string]bool{"meta": true, "note": false},
		PartTypes:  map[string][]string{"note": {"text/plain", "application/json"}, "avatar": {"image/*"}},
	}
	tests := []struct {
		part body.Part
		i    int // position among the parts of its name
		bad  bool
	}{
		{body.Part{Name: "name"}, 0, false},
		{body.Part{Name: "name", ContentType: "text/plain; charset=utf-8"}, 0, false},
		{body.Part{Name: "name", ContentType: "application/json"}, 0, true},
		{body.Part{Name: "name", ContentType: "application/x-www-form-urlencoded"}, 0, true},
		{body.Part{Name: "name", ContentType: "application/json", FileName: "a.json"}, 0, false},
		{body.Part{Name: "meta", ContentType: "application/json"}, 0, false},
		{body.Part{Name: "meta", ContentType: "application/problem+json"}, 0, false},
		{body.Part{Name: "meta", ContentType: "text/plain"}, 0, true},
		{body.Part{Name: "note", ContentType: "application/json"}, 0, false},
		{body.Part{Name: "note", ContentType: "text/html"}, 0, true},
		{body.Part{Name: "avatar", ContentType: "image/png", FileName: "a.png"}, 0, false},
		{body.Part{Name: "avatar", ContentType: "text/html", FileName: "a.png"}, 0, true},
		{body.Part{Name: "free", ContentType: "text/csv"}, 0, false},
		{body.Part{Name: "free", ContentType: "application/json"}, 0, true},
		{body.Part{Name: "pair", ContentType: "text/plain"}, 0, false},
		{body.Part{Name: "pair", ContentType: "application/json"}, 0, true},
		{body.Part{Name: "pair", ContentType: "application/json"}, 1, false},
		{body.Part{Name: "pair", ContentType: "text/plain"}, 1, true},
	}
	for _, tc := range tests {
		if got := partTypeProblem(m, tc.part, tc.i) != nil; got != tc.bad {
			t.Errorf("partTypeProblem(%+v, %d) refused = %v, want %v", tc.part, tc.i, got, tc.bad)
		}
	}
}

func TestFormObjectEncoding(t *testing.T) {
	str := &params.Shape{Types: params.TString}
	num := &params.Shape{Types: params.TInteger}
	m := &Media{Kind: KindForm, Shape: &params.Shape{Types: params.TObject, Props: map[string]*params.Shape{
		"tags":   {Types: params.TArray, Items: str},
		"ids":    {Types: params.TArray, Items: num},
		"pipes":  {Types: params.TArray, Items: num},
		"filter": {Types: params.TObject, Props: map[string]*params.Shape{"kind": str, "max": num}},
		"obj":    {Types: params.TObject, Props: map[string]*params.Shape{"a": str}},
		"name":   str,
	}}}
	f, tr := false, true
	m.addFormParam("tags", "form", &f)
	m.addFormParam("ids", "", &tr)
	m.addFormParam("pipes", "pipeDelimited", nil)
	m.addFormParam("filter", "deepObject", nil)
	m.addFormParam("obj", "form", nil) // exploded form object: left to plain reading
	m.addFormParam("missing", "form", &f)
	if _, ok := m.FormParams["obj"]; ok {
		t.Error("an exploded form object was compiled as a form parameter")
	}
	if _, ok := m.FormParams["missing"]; ok {
		t.Error("an undeclared property was compiled as a form parameter")
	}
	n := func(s string) json.Number { return json.Number(s) }
	tests := []struct {
		form   string
		want   map[string]any
		reason string
	}{
		{"tags=a,b&name=x", map[string]any{"tags": []any{"a", "b"}, "name": "x"}, ""},
		{"tags=a&tags=b", nil, ReasonParamAmbiguous},
		{"ids=1&ids=2", map[string]any{"ids": []any{n("1"), n("2")}}, ""},
		{"ids=1,2", map[string]any{"ids": []any{"1,2"}}, ""},
		{"pipes=1|2", map[string]any{"pipes": []any{n("1"), n("2")}}, ""},
		{"filter[kind]=a&filter[max]=3", map[string]any{"filter": map[string]any{"kind": "a", "max": n("3")}}, ""},
		{"filter[kind]=a&filter[kind]=b", nil, ReasonParamAmbiguous},
		// Nested keys are decoded (qs, PHP and Rails build nested values
		// from them); validation judges what they hold. Under a property
		// the schema makes a scalar, a nested key is no serialisation.
		{"filter[a][b]=1", map[string]any{"filter": map[string]any{"a": map[string]any{"b": "1"}}}, ""},
		{"filter[kind][x]=1", nil, body.ReasonInvalidForm},
		{"filter[kind]=a&filter=x", nil, ReasonParamAmbiguous},
		{"name=x&name=y", nil, ReasonParamAmbiguous},
		{"__proto__[x]=1", nil, body.ReasonPrototypeKey},
		{"_charset_=iso-8859-1&name=x", nil, ReasonMediaType},
		{"_charset_=UTF-8&name=x", map[string]any{"_charset_": "UTF-8", "name": "x"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.form, func(t *testing.T) {
			pairs, err := body.ParseForm(strings.NewReplacer("[", "%5B", "]", "%5D", "|", "%7C").Replace(tc.form))
			if err != nil {
				t.Fatal(err)
			}
			got, v := formObject(pairs, m, &Config{})
			if v != nil {
				if v.Reason != tc.reason {
					t.Fatalf("violation %+v, want reason %q", v, tc.reason)
				}
				return
			}
			if tc.reason != "" {
				t.Fatalf("got %v, want reason %q", got, tc.reason)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

// The plan lists the patterns it cannot enforce as written, so that
// `rampart protect` logs them at start: one RE2 cannot run, one it runs
// without its upper bound.
func TestPlanListsPatternProblems(t *testing.T) {
	text := `openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /a:
    get:
      parameters:
        - {name: q, in: query, schema: {type: string, pattern: '^(?!x)[a-z]+$'}}
        - {name: r, in: query, schema: {type: string, maxLength: 3000, pattern: '^([a-z]-){1,2048}$'}}
      responses: {'200': {description: ok}}
`
	p := loadPlanText(t, text, Config{})
	all := strings.Join(p.Problems, "\n")
	for _, want := range []string{`pattern "^(?!x)[a-z]+$" cannot be compiled`, `pattern "^([a-z]-){1,2048}$" repeats more than`} {
		if !strings.Contains(all, want) {
			t.Errorf("plan problems lack %q:\n%s", want, all)
		}
	}
}
