package scan_test

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Media type keys may carry parameters, as Spring-generated definitions
// write them (application/json;charset=UTF-8): the request body is still
// JSON, sent and mutated as such, and a response of that type matches its
// declaration, with or without the parameter.
func TestMediaTypeKeysWithParameters(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /notes:
    post:
      requestBody:
        required: true
        content:
          application/json;charset=UTF-8:
            schema:
              type: object
              additionalProperties: false
              required: [text]
              properties: {text: {type: string, maxLength: 20}}
      responses:
        "201":
          description: created
          content:
            application/json;charset=UTF-8:
              schema: {type: object, additionalProperties: false, properties: {text: {type: string}}}
        "400": {description: bad request}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if r.URL.Path != "/notes" || r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		var in map[string]any
		media, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if media != "application/json" || dec.Decode(&in) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		text, ok := in["text"].(string)
		if !ok || len(text) > 20 || len(in) != 1 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]string{"text": text})
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy path failed: %v", res.HappyFailures)
	}
	if res.Spec.Summary["mutations_sent"] < 3 {
		t.Errorf("%d mutations sent: the body was not mutated as JSON", res.Spec.Summary["mutations_sent"])
	}
	for _, f := range res.Spec.Findings {
		t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Message)
	}
}
