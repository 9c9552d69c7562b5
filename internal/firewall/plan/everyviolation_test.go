package plan

import (
	"net/http"
	"slices"
	"testing"
)

// A body with several problems is reported with each distinct reason,
// the first one first: monitor mode records (and the metrics count) an
// undeclared property, the leak, even beside a type mismatch. Before,
// only the first cause was reported.
func TestEveryViolationOfABody(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /pets:
    post:
      operationId: addPet
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Pet'}}}
components:
  schemas:
    Pet:
      type: object
      additionalProperties: false
      properties:
        id: {type: integer, readOnly: true}
        name: {type: string}
        password: {type: string, writeOnly: true}
`, Config{})
	op := opsByID(p)["addPet"]
	reasons := func(vs []Violation) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Reason)
		}
		return out
	}
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"type mismatch, undeclared and write-only", `{"id":"x","name":"rex","secret":1,"password":"p"}`, []string{ReasonRespBodyInvalid, ReasonUndeclaredProp, ReasonWriteOnly}},
		{"type mismatch and undeclared", `{"id":"x","name":"rex","secret":1}`, []string{ReasonRespBodyInvalid, ReasonUndeclaredProp}},
		{"one problem", `{"id":1,"name":"rex","secret":1}`, []string{ReasonUndeclaredProp}},
	} {
		t.Run("response: "+tc.name, func(t *testing.T) {
			in := &ResponseIn{Status: 200, Method: http.MethodPost, Header: http.Header{"Content-Type": {"application/json"}}, Body: []byte(tc.body), BodyChecked: true}
			vs, _ := op.CheckResponse(in, &p.Config, Monitor)
			if got := reasons(vs); !sameSet(got, tc.want) {
				t.Fatalf("reasons %v, want %v (%+v)", got, tc.want, vs)
			}
		})
	}
	in := &Request{Header: http.Header{}, ContentType: "application/json", Body: []byte(`{"id":1,"name":7,"extra":true}`), HasBody: true}
	got := reasons(op.CheckRequest(in, &p.Config, true))
	if !sameSet(got, []string{ReasonReadOnly, ReasonTypeMismatch, ReasonUndeclaredProp}) {
		t.Fatalf("request reasons %v", got)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// A form field that names the operation's selector with another value
// (POST /?Action=Public with the body Action=DeleteAll) is refused: the
// firewall chose the operation by the query, and an upstream reading form
// values first would run another one.
func TestBodySelector(t *testing.T) {
	p := loadPlanText(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /?Action=Public:
    post:
      operationId: public
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object, additionalProperties: true}}
          multipart/form-data: {schema: {type: object, additionalProperties: true}}
      responses: {'200': {description: ok}}
  /?Action=Delete:
    post:
      operationId: remove
      responses: {'200': {description: ok}}
`, Config{})
	op := opsByID(p)["public"]
	for _, tc := range []struct {
		name, ct, body string
		want           []string
	}{
		{"another value", "application/x-www-form-urlencoded", "Action=DeleteAll", []string{ReasonOperationAmbiguous}},
		{"another value under a lenient spelling", "application/x-www-form-urlencoded", "action=DeleteAll", []string{ReasonOperationAmbiguous}},
		{"in a multipart part", "multipart/form-data; boundary=B", "--B\r\nContent-Disposition: form-data; name=\"Action\"\r\n\r\nDelete\r\n--B--\r\n", []string{ReasonOperationAmbiguous}},
		{"the same value", "application/x-www-form-urlencoded", "Action=Public&n=1", nil},
		{"other fields", "application/x-www-form-urlencoded", "n=1", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := &Request{Header: http.Header{}, RawQuery: "Action=Public", ContentType: tc.ct, Body: []byte(tc.body), HasBody: true}
			var got []string
			for _, v := range op.CheckRequest(in, &p.Config, true) {
				got = append(got, v.Reason)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("reasons %v, want %v", got, tc.want)
			}
		})
	}
}
