package firewall

import (
	"os"
	"path/filepath"
	"testing"
)

// prefixItemsSpec declares arrays whose items are typed by position
// (OpenAPI 3.1 prefixItems): as query, path, header and deepObject
// parameters, and as form and multipart fields.
const prefixItemsSpec = `openapi: 3.1.0
info: {title: "Firewall end-to-end: prefixItems", version: "1"}
servers:
  - url: http://localhost/v1
components:
  responses:
    OK:
      description: ok
      content:
        application/json:
          schema: {type: object, properties: {ok: {type: boolean}}}
paths:
  /tuple:
    get:
      operationId: tupleQuery
      parameters:
        - {name: pt, in: query, explode: false, schema: {type: array, prefixItems: [{type: integer}, {type: boolean}], items: false}}
        - {name: nt, in: query, explode: false, schema: {type: array, prefixItems: [{type: integer}, {type: [integer, "null"]}], items: false}}
        - {name: et, in: query, explode: true, schema: {type: array, prefixItems: [{type: integer}, {type: boolean}], items: {type: string, maxLength: 3}}}
        - {name: pd, in: query, style: pipeDelimited, explode: false, schema: {type: array, prefixItems: [{type: number}, {type: string}], items: false}}
        - {name: dt, in: query, style: deepObject, explode: true, schema: {type: array, prefixItems: [{type: integer}, {type: boolean}], items: false}}
        - {name: X-Pair, in: header, schema: {type: array, prefixItems: [{type: integer}, {type: boolean}], items: false}}
      responses:
        "200": {$ref: '#/components/responses/OK'}
  /tuple/{at}:
    get:
      operationId: tuplePath
      parameters:
        - {name: at, in: path, required: true, schema: {type: array, prefixItems: [{type: integer}, {type: boolean}], items: false}}
      responses:
        "200": {$ref: '#/components/responses/OK'}
  /tupleform:
    post:
      operationId: tupleForm
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: &form
              type: object
              required: [name]
              properties:
                name: {type: string}
                pair: {type: array, prefixItems: [{type: integer}, {type: string}], items: false}
                tagged: {type: array, prefixItems: [{type: string}, {type: object, required: [n], properties: {n: {type: integer}}}], items: false}
          multipart/form-data:
            schema: *form
          application/json:
            schema: *form
      responses:
        "201": {$ref: '#/components/responses/OK'}
`

// prefixItemsFirewall runs a firewall with prefixItemsSpec in front of a
// real upstream.
func prefixItemsFirewall(t *testing.T) (*Server, *upstream) {
	t.Helper()
	up := startUpstream(t)
	path := filepath.Join(t.TempDir(), "prefixitems.yaml")
	if err := os.WriteFile(path, []byte(prefixItemsSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	return startFirewall(t, Config{Upstream: "http://" + up.addr, Spec: path}, nil), up
}

// runPrefixItemsCases checks each case against fw as the end-to-end
// table does.
func runPrefixItemsCases(t *testing.T, fw *Server, up *upstream, cases []e2eCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkE2ECase(t, fw, up, c) })
	}
}

// TestPrefixItemsParamsEndToEnd: parameters whose schema types each item
// by its position (prefixItems) are decoded item by item with that
// position's type, so a valid tuple passes and an item of the wrong type
// at its position is refused; items: false refuses items beyond them.
func TestPrefixItemsParamsEndToEnd(t *testing.T) {
	const inv = "parameter-invalid"
	fw, up := prefixItemsFirewall(t)
	runPrefixItemsCases(t, fw, up, []e2eCase{
		{"query tuple accepted", "", "GET", "/v1/tuple?pt=1,true", nil, "", "", 200, true, ""},
		{"query tuple first item not an integer", "", "GET", "/v1/tuple?pt=x,true", nil, "", "", 400, false, inv},
		{"query tuple second item not a boolean", "", "GET", "/v1/tuple?pt=1,2", nil, "", "", 400, false, inv},
		{"query tuple items swapped", "", "GET", "/v1/tuple?pt=true,1", nil, "", "", 400, false, inv},
		{"query tuple item beyond items false", "", "GET", "/v1/tuple?pt=1,true,x", nil, "", "", 400, false, inv},
		{"query tuple fewer items", "", "GET", "/v1/tuple?pt=1", nil, "", "", 200, true, ""},
		// A 3.1 type list at a position: an empty item is its null.
		{"query tuple nullable item empty", "", "GET", "/v1/tuple?nt=1,", nil, "", "", 200, true, ""},
		{"query tuple nullable item integer", "", "GET", "/v1/tuple?nt=1,2", nil, "", "", 200, true, ""},
		{"query tuple nullable item not an integer", "", "GET", "/v1/tuple?nt=1,x", nil, "", "", 400, false, inv},
		// Exploded: one pair per item, in order; items types the rest.
		{"query exploded tuple accepted", "", "GET", "/v1/tuple?et=1&et=false&et=abc", nil, "", "", 200, true, ""},
		{"query exploded tuple, an item after the prefix invalid", "", "GET", "/v1/tuple?et=1&et=false&et=abcd", nil, "", "", 400, false, inv},
		{"query exploded tuple first item not an integer", "", "GET", "/v1/tuple?et=a&et=false", nil, "", "", 400, false, inv},
		{"query pipeDelimited tuple accepted", "", "GET", "/v1/tuple?pd=1.5%7Cx", nil, "", "", 200, true, ""},
		{"query pipeDelimited tuple first item not a number", "", "GET", "/v1/tuple?pd=x%7Cx", nil, "", "", 400, false, inv},
		{"query deepObject tuple accepted", "", "GET", "/v1/tuple?dt[]=1&dt[]=true", nil, "", "", 200, true, ""},
		{"query deepObject tuple by index accepted", "", "GET", "/v1/tuple?dt[0]=1&dt[1]=true", nil, "", "", 200, true, ""},
		{"query deepObject tuple second item not a boolean", "", "GET", "/v1/tuple?dt[]=1&dt[]=1", nil, "", "", 400, false, inv},
		{"header tuple accepted", "", "GET", "/v1/tuple", h("X-Pair", "1, true"), "", "", 200, true, ""},
		{"header tuple first item not an integer", "", "GET", "/v1/tuple", h("X-Pair", "x, true"), "", "", 400, false, inv},
		{"path tuple accepted", "", "GET", "/v1/tuple/1,true", nil, "", "", 200, true, ""},
		{"path tuple first item not an integer", "", "GET", "/v1/tuple/x,true", nil, "", "", 400, false, inv},
	})
}

// TestPrefixItemsFormEndToEnd: a form or multipart field whose schema
// types each item by its position is read item by item, as the same
// value sent as JSON is.
func TestPrefixItemsFormEndToEnd(t *testing.T) {
	fw, up := prefixItemsFirewall(t)
	// taggedParts sends the tuple "tagged" with its object part labelled
	// with the given Content-Type.
	taggedParts := func(ct string) string {
		return field(`form-data; name="name"`, "a") + "\r\n" + field(`form-data; name="tagged"`, "x") + "\r\n" +
			field(`form-data; name="tagged"`, `{"n":1}`, "Content-Type: "+ct) + "\r\n" + closeB
	}
	runPrefixItemsCases(t, fw, up, []e2eCase{
		{"JSON tuple accepted", "", "POST", "/v1/tupleform", nil, "application/json", `{"name":"a","pair":[1,"a"]}`, 201, true, ""},
		{"JSON tuple first item not an integer", "", "POST", "/v1/tupleform", nil, "application/json", `{"name":"a","pair":["a","a"]}`, 400, false, ""},
		{"form tuple accepted", "", "POST", "/v1/tupleform", nil, formCT, "name=a&pair=1&pair=a", 201, true, ""},
		{"form tuple whose string item looks like a number", "", "POST", "/v1/tupleform", nil, formCT, "name=a&pair=1&pair=2", 201, true, ""},
		{"form tuple first item not an integer", "", "POST", "/v1/tupleform", nil, formCT, "name=a&pair=a&pair=a", 400, false, "type-mismatch"},
		{"form tuple item beyond items false", "", "POST", "/v1/tupleform", nil, formCT, "name=a&pair=1&pair=a&pair=b", 400, false, ""},
		{"multipart tuple accepted", "", "POST", "/v1/tupleform", nil, mpB, parts("name", "a", "pair", "1", "pair", "a"), 201, true, ""},
		{"multipart tuple first item not an integer", "", "POST", "/v1/tupleform", nil, mpB, parts("name", "a", "pair", "a", "pair", "a"), 400, false, "type-mismatch"},
		// An object at one position is JSON text there (OpenAPI's
		// default content type for an object), text at the others.
		{"multipart tuple with an object position accepted", "", "POST", "/v1/tupleform", nil, mpB, parts("name", "a", "tagged", "x", "tagged", `{"n":1}`), 201, true, ""},
		{"multipart tuple object position invalid", "", "POST", "/v1/tupleform", nil, mpB, parts("name", "a", "tagged", "x", "tagged", `{"n":"x"}`), 400, false, "type-mismatch"},
		{"multipart tuple object position not JSON", "", "POST", "/v1/tupleform", nil, mpB, parts("name", "a", "tagged", "x", "tagged", "n=1"), 400, false, "invalid-json"},
		{"multipart tuple string position not read as JSON", "", "POST", "/v1/tupleform", nil, mpB, parts("name", "a", "tagged", `{"n":1}`, "tagged", `{"n":1}`), 201, true, ""},
		{"multipart tuple object position labelled JSON", "", "POST", "/v1/tupleform", nil, mpB, taggedParts("application/json"), 201, true, ""},
		{"multipart tuple object position labelled text", "", "POST", "/v1/tupleform", nil, mpB, taggedParts("text/plain"), 415, false, "unsupported-media-type"},
		{"form tuple with an object position accepted", "", "POST", "/v1/tupleform", nil, formCT, "name=a&tagged=x&tagged=%7B%22n%22%3A1%7D", 201, true, ""},
		{"JSON tuple with an object position accepted", "", "POST", "/v1/tupleform", nil, "application/json", `{"name":"a","tagged":["x",{"n":1}]}`, 201, true, ""},
	})
}
