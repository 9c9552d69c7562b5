package scan_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
)

// A form body can only carry an object: a mutation that replaces the
// whole body with a string or a number arrives as an empty form, which is
// no body at all. An API that honours its contract (the body is optional,
// criteria is required when there is one) has no finding.
func TestFormBodyWithoutFieldsIsNotAWrongType(t *testing.T) {
	for _, required := range []bool{false, true} {
		t.Run("required="+strconv.FormatBool(required), func(t *testing.T) {
			doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /records:
    post:
      requestBody:
        required: `+strconv.FormatBool(required)+`
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [criteria]
              properties:
                criteria: {type: string, default: "*:*"}
                rows: {type: integer, default: 100}
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: object, properties: {n: {type: integer}}}}}
        "400": {description: bad request}
`)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Content-Type-Options", "nosniff")
				if r.Method != http.MethodPost || r.URL.Path != "/records" {
					w.WriteHeader(http.StatusNotFound)
					return
				}
				ok := r.Header.Get("Content-Type") == "application/x-www-form-urlencoded" && r.ParseForm() == nil
				if ok && r.ContentLength > 0 {
					_, rowsErr := strconv.Atoi(r.PostForm.Get("rows"))
					ok = r.PostForm.Get("criteria") != "" && (!r.PostForm.Has("rows") || rowsErr == nil)
				} else if ok {
					ok = !required
				}
				if !ok {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"n":1}`))
			}))
			defer srv.Close()
			res := scanConformance(t, doc, srv.URL)
			if res.Spec.Summary["mutations_sent"] == 0 {
				t.Fatal("no mutation sent")
			}
			for _, f := range res.Spec.Findings {
				t.Errorf("%s %s: %s", f.Rule, f.Operation, f.Message)
			}
		})
	}
}

// When the API refuses the documented example and no value can be
// generated for a second attempt, the happy path's failure says what the
// API answered, not only that generation failed.
func TestHappyPathFailureKeepsTheAnswer(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /subscribe:
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email]
              properties:
                email: {type: string, format: email, pattern: '^x', example: x@example.com}
      responses:
        "201": {description: created}
        "400": {description: refused}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("mailbox unknown"))
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	why := res.HappyFailures["POST /subscribe"]
	if !strings.Contains(why, "answered 400") || !strings.Contains(why, "mailbox unknown") {
		t.Errorf("happy path failure %q does not say what the API answered", why)
	}
}

// A required url-encoded body whose schema lets the object be empty is
// sent with one field the schema admits: an empty form goes out as a
// zero-length body, which servers read as no body, so the required body
// was missing and the happy path failed. Only an object that admits no
// field at all is still sent empty.
func TestRequiredFormBodyIsNotEmpty(t *testing.T) {
	for _, tc := range []struct {
		name, content string
		// want is the form the server receives first; empty: none.
		want string
	}{
		{"free-form", `{schema: {type: object, additionalProperties: true}}`, "rampart=rampart"},
		{"no additionalProperties keyword", `{schema: {type: object}}`, "rampart=rampart"},
		{"additionalProperties schema", `{schema: {type: object, additionalProperties: {type: integer, minimum: 5}}}`, "rampart=5"},
		{"patternProperties only", `{schema: {type: object, patternProperties: {'^x-[a-z]+$': {type: boolean}}, additionalProperties: false}}`, "x-a=true"},
		{"no schema", `{}`, "rampart=rampart"},
		{"closed and empty", `{schema: {type: object, additionalProperties: false}}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, _ := loadInline(t, `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /notes:
    post:
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded: `+tc.content+`
      responses:
        "201": {description: created}
        "400": {description: refused}
`)
			var mu sync.Mutex
			var first *string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				if first == nil && r.Method == http.MethodPost {
					s := string(b)
					first = &s
				}
				mu.Unlock()
				if r.Method != http.MethodPost || len(b) == 0 {
					w.WriteHeader(http.StatusBadRequest)
					return
				}
				w.WriteHeader(http.StatusCreated)
			}))
			defer srv.Close()
			res := scanConformance(t, doc, srv.URL)
			mu.Lock()
			defer mu.Unlock()
			if first == nil {
				t.Fatal("no request received")
			}
			if *first != tc.want {
				t.Errorf("first body %q, want %q", *first, tc.want)
			}
			_, failed := res.HappyFailures["POST /notes"]
			if failed != (tc.want == "") {
				t.Errorf("happy path failed: %v (%s)", failed, res.HappyFailures["POST /notes"])
			}
		})
	}
}

// An optional url-encoded body whose one required field a mutation drops
// would go out as a zero-length body, which is no body at all: in
// contract, so the mutation is not sent and an API accepting the request
// is no finding.
func TestOptionalFormBodyLeftEmptyIsNoBody(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /decode:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, required: [image], properties: {image: {type: string, maxLength: 10}}}
      responses:
        "200": {description: ok}
        "400": {description: bad}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// As the firewall reads it: no body is fine, a body needs image.
		b, _ := io.ReadAll(r.Body)
		q, err := url.ParseQuery(string(b))
		if len(b) > 0 && (err != nil || !q.Has("image") || len(q.Get("image")) > 10) {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleNegativeAccepted {
			t.Errorf("an empty optional form was reported: %s", f.Message)
		}
	}
	if res.Spec.Summary["mutations_sent"] == 0 {
		t.Errorf("no mutation was sent at all")
	}
}

// A form with a required deepObject array (Stripe's enabled_events[]=*)
// is read back with that array: a mutation elsewhere is judged on a body
// that is otherwise in contract, so the number 12345 sent for a string
// property, which arrives as the text "12345", is not reported.
func TestFormReadBackKeepsDeepObjectArrays(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /webhook_endpoints:
    post:
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [enabled_events]
              properties:
                description: {type: string, maxLength: 50}
                enabled_events: {type: array, items: {type: string, maxLength: 20}}
            encoding:
              enabled_events: {style: deepObject, explode: true}
      responses:
        "200": {description: ok}
        "400": {description: bad}
`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	for _, f := range res.Spec.Findings {
		if f.Rule == scan.RuleNegativeAccepted && strings.Contains(f.Message, "description: wrong-type") {
			t.Errorf("a mutation that arrives in contract was reported: %s", f.Message)
		}
	}
}
