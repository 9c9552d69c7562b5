package scan_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An id in a create answer is a resource only when the contract has an
// item operation for it: POST /user/register answering the account id
// made no /user/register/{id}, which must not be listed as left behind;
// POST /pets with GET /pets/{petId} but no DELETE made a pet the scan
// cannot delete, which is listed.
func TestCreatedResourcesNeedAnItemOperation(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /user/register:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string, maxLength: 20}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "400": {description: bad request}
  /pets:
    post:
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [name], properties: {name: {type: string, maxLength: 20}}}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "400": {description: bad request}
  /pets/{petId}:
    get:
      parameters: [{name: petId, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {id: {type: string}}}}}}
        "404": {description: not found}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && (r.URL.Path == "/user/register" || r.URL.Path == "/pets"):
			var in map[string]any
			if json.NewDecoder(r.Body).Decode(&in) != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			if s, ok := in["name"].(string); !ok || len(s) > 20 {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"id": "8d3c1c1e-5b7a-4f0e-9a51-2f4b7c9d0e11"})
		case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/pets/8d3c1c1e-"):
			_ = json.NewEncoder(w).Encode(map[string]string{"id": strings.TrimPrefix(r.URL.Path, "/pets/")})
		case r.Method == http.MethodGet || r.Method == http.MethodPost:
			w.WriteHeader(http.StatusNotFound)
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v", res.HappyFailures)
	}
	pets := false
	for _, s := range res.NotCleaned {
		if strings.Contains(s, "/user/register") {
			t.Errorf("a registration is listed as a resource left behind: %s", s)
		}
		if strings.HasPrefix(s, "/pets/8d3c1c1e-") {
			pets = true
		}
	}
	if !pets {
		t.Errorf("the pet the scan could not delete is not listed: %v", res.NotCleaned)
	}
}
