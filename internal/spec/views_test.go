package spec

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/sharedtest"
)

func loadString(t testing.TB, text string, opts Options) *Document {
	t.Helper()
	d, err := LoadBytes(context.Background(), []byte(text), "test.yaml", filepath.Join(t.TempDir(), "test.yaml"), opts)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return d
}

func component(t testing.TB, d *Document, name string) *Schema {
	t.Helper()
	p := "/components/schemas/" + name
	if d.Family == Swagger20 {
		p = "/definitions/" + name
	}
	v, ok := d.Value(NodeRef{File: d.RootFile(), Pointer: p})
	if !ok {
		t.Fatalf("no schema %s", name)
	}
	return &Schema{Ref: NodeRef{File: d.RootFile(), Pointer: p}, Value: v}
}

func instance(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("bad instance %s: %v", s, err)
	}
	return v
}

const views30 = `openapi: 3.0.3
info: {title: views, version: "1"}
paths: {}
components:
  schemas:
    NullableName: {type: string, nullable: true, maxLength: 3}
    NullableEnum: {type: string, nullable: true, enum: [a, b]}
    NotNullable: {type: string}
    ExclMin: {type: number, minimum: 5, exclusiveMinimum: true}
    InclMin: {type: number, minimum: 5, exclusiveMinimum: false}
    ExclMax: {type: integer, maximum: 10, exclusiveMaximum: true}
    Account:
      type: object
      required: [id, name, password]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        password: {type: string, writeOnly: true}
    Base:
      type: object
      properties:
        kind: {type: string}
    Derived:
      allOf:
        - $ref: '#/components/schemas/Base'
        - type: object
          properties:
            extra: {type: integer}
    Open:
      type: object
      additionalProperties: true
      properties:
        a: {type: string}
    Formats:
      type: object
      properties:
        when: {type: string, format: date-time}
        day: {type: string, format: date}
        mail: {type: string, format: email}
        id: {type: string, format: uuid}
        ip: {type: string, format: ipv4}
        small: {type: integer, format: int32}
        blob: {type: string, format: byte}
        link: {type: string, format: uri}
        template: {type: string, format: uri-template}
    Lookahead: {type: string, pattern: '^(?=.*[0-9]).{8,}$'}
    Id: {type: string, readOnly: true}
    Secret: {type: string, writeOnly: true}
    Cursor: {properties: {cursor: {type: string}}}
    Reset: {properties: {limit: {type: integer}, start: {type: string}}}
    CursorOrReset:
      oneOf: [{$ref: '#/components/schemas/Cursor'}, {$ref: '#/components/schemas/Reset'}]
    TracedChoice:
      type: object
      properties: {trace: {type: string}}
      patternProperties: {'^x-': {type: string}}
      oneOf:
        - $ref: '#/components/schemas/Cursor'
        - {type: object, properties: {limit: {type: integer}}}
    NarrowingChoice:
      type: object
      properties: {a: {type: string}, b: {type: string}}
      oneOf: [{required: [a]}, {required: [b]}]
    OpenChoice:
      additionalProperties: true
      oneOf: [{$ref: '#/components/schemas/Cursor'}, {$ref: '#/components/schemas/Reset'}]
    RefFlags:
      type: object
      required: [id, name, secret]
      properties:
        id: {$ref: '#/components/schemas/Id'}
        name: {type: string}
        secret: {allOf: [{$ref: '#/components/schemas/Secret'}]}
    Revoke:
      type: object
      required: [token, grant_type]
      properties:
        token: {type: string}
    Profile:
      allOf: [{$ref: '#/components/schemas/Base'}]
      required: [kind, file]
    SelfClosedRequired:
      type: object
      additionalProperties: false
      required: [name, nmae]
      properties: {name: {type: string}}
    ClosedComposition:
      type: object
      additionalProperties: false
      allOf: [{$ref: '#/components/schemas/Base'}]
      properties: {extra: {type: integer}}
    ClosedNothingExtra:
      type: object
      additionalProperties: false
      allOf: [{required: [a]}]
      properties: {a: {type: string}}
    Rules:
      type: object
      properties:
        inbound: {type: array, items: {type: string}}
        inbound_policy: {type: string, enum: [ACCEPT, DROP]}
        outbound: {type: array, items: {type: string}}
    Firewall:
      type: object
      properties:
        label: {type: string}
        rules: {$ref: '#/components/schemas/Rules'}
    FirewallCreate:
      allOf: [{$ref: '#/components/schemas/Firewall'}]
      properties:
        rules:
          required: [inbound_policy]
          properties:
            inbound: {minItems: 1}
    RefTyped: {$ref: '#/components/schemas/Base', type: string}
    RefNullable: {$ref: '#/components/schemas/Base', nullable: true}
    Tsp: {type: string, enum: [1, 2, a]}
    Rating: {type: integer, enum: ["1", "9", x]}
    Flag: {type: boolean, enum: ["true"]}
    Cat: {type: object, properties: {petType: {type: string}, name: {type: string}}}
    Dog: {type: object, properties: {petType: {type: string}, name: {type: string}, bark: {type: boolean}}}
    Pet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator: {propertyName: petType}
    MappedPet:
      oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]
      discriminator:
        propertyName: petType
        mapping: {cat: '#/components/schemas/Cat', kitten: Cat, dog: '#/components/schemas/Dog'}
    RefMediaType: {$ref: '#/components/schemas/Base', type: application/json, minProperties: 1}
    RefAllOfMap: {$ref: '#/components/schemas/Base', allOf: {a: {type: string}}}
`

const views31 = `openapi: 3.1.0
info: {title: views, version: "1"}
paths: {}
components:
  schemas:
    TypeArray: {type: [string, "null"], maxLength: 3}
    NullableIgnored: {type: string, nullable: true}
    ExclMin: {type: number, exclusiveMinimum: 5}
    Const: {const: fixed}
    Tuple:
      type: array
      prefixItems: [{type: string}, {type: integer}]
      items: false
    Uneval:
      type: object
      properties:
        a: {type: string}
      unevaluatedProperties: {type: integer}
    Account:
      type: object
      required: [id, name]
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
    Id: {type: string, readOnly: true}
    RefFlags:
      type: object
      required: [id, name]
      properties:
        id: {$ref: '#/components/schemas/Id'}
        name: {type: string}
    Base: {type: object, properties: {kind: {type: string}}}
    RefTyped: {$ref: '#/components/schemas/Base', type: string}
`

func TestCompiledViews(t *testing.T) {
	d30 := loadString(t, views30, Options{})
	d31 := loadString(t, views31, Options{})
	cases := []struct {
		doc    *Document
		schema string
		view   View
		value  string
		valid  bool
	}{
		// OAS 3.0 nullable is translated.
		{d30, "NullableName", RequestView, `null`, true},
		{d30, "NullableName", RequestView, `"abc"`, true},
		{d30, "NullableName", RequestView, `"abcd"`, false},
		{d30, "NullableEnum", RequestView, `null`, true},
		{d30, "NullableEnum", RequestView, `"c"`, false},
		{d30, "NotNullable", RequestView, `null`, false},
		// OAS 3.0 boolean exclusive bounds.
		{d30, "ExclMin", RequestView, `5`, false},
		{d30, "ExclMin", RequestView, `5.01`, true},
		{d30, "InclMin", RequestView, `5`, true},
		{d30, "ExclMax", RequestView, `10`, false},
		{d30, "ExclMax", RequestView, `9`, true},
		// readOnly: not required in requests and rejected when present.
		{d30, "Account", RequestView, `{"name":"n","password":"p"}`, true},
		{d30, "Account", RequestView, `{"id":1,"name":"n","password":"p"}`, false},
		// writeOnly: not required in responses and rejected when present.
		{d30, "Account", ResponseView, `{"id":1,"name":"n"}`, true},
		{d30, "Account", ResponseView, `{"id":1,"name":"n","password":"p"}`, false},
		{d30, "Account", ResponseView, `{"name":"n"}`, false},
		// The marks count where a property's $ref (or allOf wrapper)
		// leads to them, as OpenAPI tools read them.
		{d30, "RefFlags", RequestView, `{"name":"n","secret":"s"}`, true},
		{d30, "RefFlags", RequestView, `{"id":"1","name":"n","secret":"s"}`, false},
		{d30, "RefFlags", ResponseView, `{"id":"1","name":"n"}`, true},
		{d30, "RefFlags", ResponseView, `{"id":"1","name":"n","secret":"s"}`, false},
		// oneOf branches that declare properties are closed too, or
		// open branches would all match and oneOf refuse every value.
		{d30, "CursorOrReset", RequestView, `{"cursor":"c"}`, true},
		{d30, "CursorOrReset", RequestView, `{"limit":5,"start":"s"}`, true},
		{d30, "CursorOrReset", RequestView, `{"cursor":"c","limit":5}`, false},
		{d30, "CursorOrReset", RequestView, `{"cursor":"c","evil":1}`, false},
		{d30, "CursorOrReset", RequestView, `{"limit":"five"}`, false},
		// ... and admit what the schema beside the oneOf declares.
		{d30, "TracedChoice", RequestView, `{"trace":"t","cursor":"c"}`, true},
		{d30, "TracedChoice", RequestView, `{"trace":"t","x-a":"v","limit":1}`, true},
		{d30, "TracedChoice", RequestView, `{"cursor":"c","limit":1}`, false},
		{d30, "TracedChoice", RequestView, `{"cursor":"c","evil":1}`, false},
		{d30, "TracedChoice", RequestView, `{"trace":1,"cursor":"c"}`, false},
		// Branches that only narrow stay open; the object stays closed.
		{d30, "NarrowingChoice", RequestView, `{"a":"x"}`, true},
		{d30, "NarrowingChoice", RequestView, `{"a":"x","b":"y"}`, false},
		{d30, "NarrowingChoice", RequestView, `{"a":"x","c":"y"}`, false},
		// An object left open by its author keeps open branches.
		{d30, "OpenChoice", RequestView, `{"cursor":"c"}`, false},
		// strict-objects: closed by default, across allOf.
		{d30, "Base", RequestView, `{"kind":"k"}`, true},
		{d30, "Base", RequestView, `{"kind":"k","evil":1}`, false},
		{d30, "Derived", RequestView, `{"kind":"k","extra":1}`, true},
		{d30, "Derived", RequestView, `{"kind":"k","extra":1,"evil":1}`, false},
		{d30, "Open", RequestView, `{"a":"x","b":1}`, true},
		// A name required but not declared stays sendable (any value)
		// when the policy closes the object, alone or composed ...
		{d30, "Revoke", RequestView, `{"token":"t","grant_type":"refresh_token"}`, true},
		{d30, "Revoke", RequestView, `{"token":"t","grant_type":5}`, true},
		{d30, "Revoke", RequestView, `{"token":"t"}`, false},
		{d30, "Revoke", RequestView, `{"token":"t","grant_type":"g","evil":1}`, false},
		{d30, "Profile", RequestView, `{"kind":"k","file":"f"}`, true},
		{d30, "Profile", RequestView, `{"kind":1,"file":"f"}`, false},
		{d30, "Profile", RequestView, `{"kind":"k","file":"f","evil":1}`, false},
		// ... but an object its author closed is read as written.
		{d30, "SelfClosedRequired", RequestView, `{"name":"n","nmae":"n"}`, false},
		// additionalProperties: false beside allOf admits what the
		// members declare (and they still validate it), nothing else.
		{d30, "ClosedComposition", RequestView, `{"kind":"k","extra":1}`, true},
		{d30, "ClosedComposition", RequestView, `{"kind":1,"extra":1}`, false},
		{d30, "ClosedComposition", RequestView, `{"kind":"k","evil":1}`, false},
		{d30, "ClosedNothingExtra", RequestView, `{"a":"x"}`, true},
		{d30, "ClosedNothingExtra", RequestView, `{"a":"x","b":"y"}`, false},
		{d30, "ClosedNothingExtra", RequestView, `{}`, false},
		// A property declared beside an allOf and in its member: the
		// inline schema adds constraints and admits the member's names.
		{d30, "FirewallCreate", RequestView, `{"label":"l","rules":{"inbound":["a"],"inbound_policy":"DROP"}}`, true},
		{d30, "FirewallCreate", RequestView, `{"label":"l","rules":{"inbound":["a"],"inbound_policy":"DROP","outbound":["b"]}}`, true},
		{d30, "FirewallCreate", RequestView, `{"label":"l","rules":{"inbound":["a"]}}`, false},
		{d30, "FirewallCreate", RequestView, `{"label":"l","rules":{"inbound":[],"inbound_policy":"DROP"}}`, false},
		{d30, "FirewallCreate", RequestView, `{"label":"l","rules":{"inbound":["a"],"inbound_policy":"OPEN"}}`, false},
		{d30, "FirewallCreate", RequestView, `{"label":"l","rules":{"inbound":["a"],"inbound_policy":"DROP","evil":1}}`, false},
		{d30, "FirewallCreate", RequestView, `{"label":"l","evil":1,"rules":{"inbound":["a"],"inbound_policy":"DROP"}}`, false},
		// Before 3.1 a $ref's siblings are ignored: a type that
		// contradicts the target is not enforced (other siblings, such
		// as nullable, are kept as meant); in 3.1 both apply.
		{d30, "RefTyped", RequestView, `{"kind":"k"}`, true},
		{d30, "RefTyped", RequestView, `"k"`, false},
		{d30, "RefNullable", RequestView, `null`, true},
		// Siblings JSON Schema has no reading for (a media type for a
		// type, allOf as a map) are ignored as OpenAPI 3.0 says, not
		// a schema that refuses to compile; well-formed ones still
		// apply.
		{d30, "RefMediaType", RequestView, `{"kind":"k"}`, true},
		{d30, "RefMediaType", RequestView, `{}`, false},
		{d30, "RefAllOfMap", RequestView, `{"kind":"k"}`, true},
		{d31, "RefTyped", RequestView, `{"kind":"k"}`, false},
		// Enum values spelled in another type read as the declared
		// type's: on a parameter's wire they are the same text.
		{d30, "Tsp", RequestView, `"1"`, true},
		{d30, "Tsp", RequestView, `"a"`, true},
		{d30, "Tsp", RequestView, `1`, false},
		{d30, "Tsp", RequestView, `"3"`, false},
		{d30, "Rating", RequestView, `9`, true},
		{d30, "Rating", RequestView, `"9"`, false},
		{d30, "Rating", RequestView, `3`, false},
		{d30, "Flag", RequestView, `true`, true},
		{d30, "Flag", RequestView, `false`, false},
		// A discriminator selects the branch: overlapping branches (Cat's
		// properties are Dog's too) no longer all match. Implicit names
		// are the component names; a mapping replaces them.
		{d30, "Pet", RequestView, `{"petType":"Cat","name":"x"}`, true},
		{d30, "Pet", RequestView, `{"petType":"Dog","name":"x","bark":true}`, true},
		{d30, "Pet", RequestView, `{"petType":"Dog","name":"x"}`, true},
		{d30, "Pet", RequestView, `{"petType":"Cat","name":"x","bark":true}`, false},
		{d30, "Pet", RequestView, `{"petType":"Cow","name":"x"}`, false},
		{d30, "Pet", RequestView, `{"name":"x"}`, false},
		{d30, "MappedPet", RequestView, `{"petType":"kitten","name":"x"}`, true},
		{d30, "MappedPet", RequestView, `{"petType":"cat","name":"x"}`, true},
		{d30, "MappedPet", RequestView, `{"petType":"dog","bark":false}`, true},
		{d30, "MappedPet", RequestView, `{"petType":"Cat","name":"x"}`, false},
		{d30, "MappedPet", RequestView, `{"petType":"kitten","bark":true}`, false},
		// Formats are asserted.
		{d30, "Formats", RequestView, `{"when":"2024-01-02T03:04:05Z","day":"2024-01-02","mail":"a@b.example","id":"123e4567-e89b-12d3-a456-426614174000","ip":"10.0.0.1","small":5,"blob":"aGVsbG8=","link":"https://x.example/"}`, true},
		{d30, "Formats", RequestView, `{"when":"yesterday"}`, false},
		// RFC 6570 path-segment expansion (GitHub's root document).
		{d30, "Formats", RequestView, `{"template":"https://github.com/settings/connections/applications{/client_id}"}`, true},
		{d30, "Formats", RequestView, `{"template":"https://x.example/{unclosed"}`, false},
		{d30, "Formats", RequestView, `{"day":"2024-13-40"}`, false},
		{d30, "Formats", RequestView, `{"mail":"not-an-email"}`, false},
		{d30, "Formats", RequestView, `{"id":"1234"}`, false},
		{d30, "Formats", RequestView, `{"ip":"999.1.1.1"}`, false},
		{d30, "Formats", RequestView, `{"small":3000000000}`, false},
		{d30, "Formats", RequestView, `{"blob":"***"}`, false},
		{d30, "Formats", RequestView, `{"link":"not a uri"}`, false},
		// 3.1: type arrays, numeric exclusive bounds, const, prefixItems,
		// unevaluatedProperties; nullable is not a 3.1 keyword.
		{d31, "TypeArray", RequestView, `null`, true},
		{d31, "TypeArray", RequestView, `"abcd"`, false},
		{d31, "NullableIgnored", RequestView, `null`, false},
		{d31, "ExclMin", RequestView, `5`, false},
		{d31, "ExclMin", RequestView, `6`, true},
		{d31, "Const", RequestView, `"fixed"`, true},
		{d31, "Const", RequestView, `"other"`, false},
		{d31, "Tuple", RequestView, `["a", 1]`, true},
		{d31, "Tuple", RequestView, `[1, "a"]`, false},
		{d31, "Tuple", RequestView, `["a", 1, 2]`, false},
		{d31, "Uneval", RequestView, `{"a":"x","b":2}`, true},
		{d31, "Uneval", RequestView, `{"a":"x","b":"y"}`, false},
		{d31, "Account", RequestView, `{"name":"n"}`, true},
		{d31, "Account", RequestView, `{"id":1,"name":"n"}`, false},
		{d31, "Account", ResponseView, `{"name":"n"}`, false},
		{d31, "RefFlags", RequestView, `{"name":"n"}`, true},
		{d31, "RefFlags", RequestView, `{"id":"1","name":"n"}`, false},
		{d31, "RefFlags", ResponseView, `{"id":"1","name":"n"}`, true},
	}
	for _, c := range cases {
		name := string(c.doc.Family) + "/" + c.schema + "/" + c.view.String() + "/" + c.value
		t.Run(name, func(t *testing.T) {
			sch, err := c.doc.Compile(component(t, c.doc, c.schema), c.view)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			err = sch.Validate(instance(t, c.value))
			if (err == nil) != c.valid {
				t.Fatalf("valid=%v, want %v (err: %v)", err == nil, c.valid, err)
			}
		})
	}
}

func TestOpenObjectsPolicy(t *testing.T) {
	d := loadString(t, views30, Options{OpenObjects: true})
	sch, err := d.Compile(component(t, d, "Base"), RequestView)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(instance(t, `{"kind":"k","extra":1}`)); err != nil {
		t.Fatalf("open-objects policy still rejects undeclared properties: %v", err)
	}
	if !loadString(t, views30, Options{}).StrictObjects() || d.StrictObjects() {
		t.Fatal("StrictObjects does not reflect the option")
	}
}

// TestUnsupportedPatternReported: an ECMA-262 lookahead cannot run on RE2;
// it is reported with its location, not silently dropped.
func TestUnsupportedPatternReported(t *testing.T) {
	d := loadString(t, views30, Options{})
	sch, err := d.Compile(component(t, d, "Lookahead"), RequestView)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if err := sch.Validate("short"); err != nil {
		t.Logf("other keywords still apply: %v", err)
	}
	probs := d.SchemaProblems()
	if len(probs) != 1 || probs[0].Code != "pattern-unsupported" {
		t.Fatalf("problems = %+v", probs)
	}
	if probs[0].Loc.Line != 46 || !strings.HasSuffix(probs[0].Loc.Pointer, "/Lookahead/pattern") {
		t.Errorf("location = %+v, want line 46 at .../Lookahead/pattern", probs[0].Loc)
	}
}

// TestContractReadingsReported: where the compiled view reads a contract
// other than literally (a required name admitted, additionalProperties:
// false beside allOf read as unevaluatedProperties: false), it says so at
// the keyword's line, and only there.
func TestContractReadingsReported(t *testing.T) {
	d := loadString(t, views30, Options{})
	for _, name := range []string{"Revoke", "Profile", "SelfClosedRequired", "ClosedComposition", "ClosedNothingExtra", "Base", "FirewallCreate", "Tsp", "NotNullable", "RefTyped", "RefMediaType", "RefAllOfMap"} {
		if _, err := d.Compile(component(t, d, name), RequestView); err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
	}
	got := map[string]string{}
	for _, p := range d.SchemaProblems() {
		got[p.Loc.Pointer] = p.Code
		if p.Loc.Line == 0 || p.Error {
			t.Errorf("problem %+v: want a line and a warning", p)
		}
	}
	want := map[string]string{
		"/components/schemas/Revoke/required":                        "required-undeclared",
		"/components/schemas/Profile/required":                       "required-undeclared",
		"/components/schemas/ClosedComposition/additionalProperties": "closed-composition",
		"/components/schemas/Tsp/enum":                               "enum-retyped",
		"/components/schemas/RefTyped/type":                          "ref-sibling-ignored",
		"/components/schemas/RefMediaType/type":                      "ref-sibling-ignored",
		"/components/schemas/RefAllOfMap/allOf":                      "ref-sibling-ignored",
	}
	for ptr, code := range want {
		if got[ptr] != code {
			t.Errorf("at %s: problem %q, want %q (all: %v)", ptr, got[ptr], code, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems %v, want exactly %v", got, want)
	}
}

// TestSwagger20Normalised: 2.0 definitions land in the 3.x shape.
func TestSwagger20Normalised(t *testing.T) {
	d, err := Load(context.Background(), filepath.Join("..", "..", "examples", "inventory-2.0.yaml"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Family != Swagger20 || len(d.Servers) != 2 || d.Servers[0].URL != "http://inventory.example/api" {
		t.Fatalf("servers = %+v", d.Servers)
	}
	basic := d.SecuritySchemes["basicAuth"]
	if basic == nil || basic.Type != "http" || basic.Scheme != "basic" {
		t.Fatalf("basic scheme = %+v", basic)
	}
	if f := d.SecuritySchemes["oauth"].Flows["implicit"]; f == nil || f.Scopes["inventory:write"] == "" {
		t.Fatalf("oauth flows = %+v", d.SecuritySchemes["oauth"].Flows)
	}
	var list, add, upload *Operation
	for _, op := range d.Operations {
		switch op.OperationID {
		case "listItems":
			list = op
		case "addItem":
			add = op
		case "uploadPhoto":
			upload = op
		}
	}
	if p := list.Parameters[0]; p.Style != "form" || p.Explode || p.Schema == nil {
		t.Fatalf("csv query param = %+v", p)
	}
	sch, err := d.Compile(list.Parameters[0].Schema, RequestView)
	if err != nil {
		t.Fatal(err)
	}
	if sch.Validate(instance(t, `["ABC-1234"]`)) != nil || sch.Validate(instance(t, `["bad"]`)) == nil {
		t.Fatal("2.0 items pattern not enforced")
	}
	mt := add.RequestBody.Content["application/json"]
	if mt == nil || !add.RequestBody.Required {
		t.Fatalf("body param not normalised: %+v", add.RequestBody)
	}
	item, err := d.Compile(mt.Schema, RequestView)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v     string
		valid bool
	}{
		{`{"sku":"ABC-1234","quantity":0,"price":1}`, true},
		{`{"sku":"ABC-1234","quantity":0,"price":0}`, false},  // exclusiveMinimum: true
		{`{"sku":"ABC-1234","quantity":0,"note":null}`, true}, // x-nullable
		{`{"sku":"ABC-1234","quantity":0,"rogue":1}`, false},  // strict objects
	} {
		if err := item.Validate(instance(t, c.v)); (err == nil) != c.valid {
			t.Errorf("%s: valid=%v want %v (%v)", c.v, err == nil, c.valid, err)
		}
	}
	form := upload.RequestBody.Content["multipart/form-data"]
	if form == nil || !form.Schema.Synthetic {
		t.Fatalf("formData not normalised: %+v", upload.RequestBody.Content)
	}
	fs, err := d.Compile(form.Schema, RequestView)
	if err != nil {
		t.Fatal(err)
	}
	if fs.Validate(instance(t, `{"photo":"bytes","caption":"hi"}`)) != nil || fs.Validate(instance(t, `{"caption":"hi"}`)) == nil {
		t.Fatal("form schema: photo should be required")
	}
}

// TestExternalRefLocations: nodes in an external file carry that file and
// its lines (the petstore-separate example's ../common/Error.json).
func TestExternalRefLocations(t *testing.T) {
	root := filepath.Join(sharedtest.Path(t, "specs"), "oai-v2.0-petstore-separate", "spec", "swagger.json")
	d, err := Load(context.Background(), root, sharedOptions(root))
	if err != nil {
		t.Fatal(err)
	}
	if !d.Valid() {
		t.Fatalf("problems: %+v", d.Problems)
	}
	var found bool
	for _, op := range d.Operations {
		r := op.Response(500)
		if r == nil || r.Content["application/json"] == nil {
			continue
		}
		s := r.Content["application/json"].Schema
		at, _, ok := d.Deref(s.Ref, s.Value)
		if !ok {
			t.Fatalf("cannot follow %v", s.Ref)
		}
		loc := d.Locate(NodeRef{File: at.File, Pointer: "/properties/message"})
		if !strings.HasSuffix(loc.File, "common/Error.json") || loc.Line < 2 {
			t.Fatalf("location = %+v, want common/Error.json with a line", loc)
		}
		if _, err := d.Compile(s, ResponseView); err != nil {
			t.Fatalf("compile across files: %v", err)
		}
		found = true
		break
	}
	if !found {
		t.Fatal("no operation uses the external Error schema")
	}
}

// TestRecursiveSchemasLoad: legal recursion (a tree) compiles and validates.
func TestRecursiveSchemasLoad(t *testing.T) {
	d := loadString(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths: {}
components:
  schemas:
    Node:
      type: object
      required: [name]
      properties:
        name: {type: string}
        children:
          type: array
          items: {$ref: '#/components/schemas/Node'}
        parent: {$ref: '#/components/schemas/Node'}
`, Options{})
	if !d.Valid() {
		t.Fatalf("recursive schema reported invalid: %+v", d.Problems)
	}
	sch, err := d.Compile(component(t, d, "Node"), RequestView)
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(instance(t, `{"name":"a","children":[{"name":"b","children":[{"name":"c"}]}]}`)); err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(instance(t, `{"name":"a","children":[{"children":[]}]}`)); err == nil {
		t.Fatal("nested required not enforced")
	}
}

func TestStripeLoads(t *testing.T) {
	d, err := Load(context.Background(), filepath.Join(sharedtest.Path(t, "specs"), "stripe.yaml"), Options{})
	if err != nil {
		t.Fatalf("Stripe (legal recursive schemas) must load: %v", err)
	}
	if !d.Valid() {
		t.Fatalf("Stripe reported invalid: %+v", d.Problems[:min(3, len(d.Problems))])
	}
	if err := d.CompileAll(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// Patterns RE2 spells otherwise are enforced as RE2 reads them
// (RE2Pattern); one whose repetition RE2 cannot count is enforced exactly
// when its bounds are the string's length (RelaxedBounds), and otherwise
// relaxed, with a pattern-relaxed problem at its line.
func TestRewrittenPatternsEnforced(t *testing.T) {
	d := loadString(t, `openapi: 3.1.0
info: {title: t, version: '1'}
paths: {}
components:
  schemas:
    Code:
      type: string
      pattern: '^[\u0041-\u005A]{2}\p{XDigit}$'
    Note:
      type: string
      maxLength: 3000
      pattern: '^\p{Alnum}{1,2048}$'
    Pairs:
      type: string
      pattern: '^(ab|c){1,2048}$'
    Labels:
      type: object
      patternProperties:
        '^x-\p{Lower}+$': {type: integer}
      additionalProperties: false
`, Options{})
	if !d.Valid() {
		t.Fatalf("definition refused: %+v", d.Problems)
	}
	cases := []struct {
		schema, value string
		valid         bool
	}{
		{"Code", `"AB9"`, true},
		{"Code", `"ab9"`, false},
		{"Code", `"ABG"`, false},
		{"Note", `"abc123"`, true},
		{"Note", `"a-b"`, false},
		{"Note", `""`, false},
		// The repetition's bounds are the string's length, enforced
		// as maxLength beside the relaxed pattern: exact.
		{"Note", `"` + strings.Repeat("a", 2048) + `"`, true},
		{"Note", `"` + strings.Repeat("a", 2049) + `"`, false},
		// A repeated group has no such reading: relaxed.
		{"Pairs", `"abcab"`, true},
		{"Pairs", `"` + strings.Repeat("ab", 2049) + `"`, true},
		{"Pairs", `"b"`, false},
		{"Labels", `{"x-abc":1}`, true},
		{"Labels", `{"x-ABC":1}`, false},
	}
	for _, c := range cases {
		sch, err := d.Compile(component(t, d, c.schema), RequestView)
		if err != nil {
			t.Fatalf("compile %s: %v", c.schema, err)
		}
		if err := sch.Validate(instance(t, c.value)); (err == nil) != c.valid {
			t.Errorf("%s %s: valid=%v, want %v (%v)", c.schema, c.value, err == nil, c.valid, err)
		}
	}
	var relaxed []Problem
	for _, p := range d.SchemaProblems() {
		switch p.Code {
		case "pattern-relaxed":
			relaxed = append(relaxed, p)
		case "pattern-unsupported":
			t.Errorf("unsupported: %s", p.Message)
		}
	}
	if len(relaxed) != 1 || !strings.HasSuffix(relaxed[0].Loc.Pointer, "/Pairs/pattern") || relaxed[0].Loc.Line != 15 {
		t.Fatalf("pattern-relaxed problems = %+v, want one at .../Pairs/pattern line 15", relaxed)
	}
}
