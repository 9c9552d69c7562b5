package scan_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Bodies of a media type the scanner does not structure (text/plain,
// text/csv, application/octet-stream, image/png) are sent as they are:
// a string schema's value is the body itself, without JSON quotes, and
// a media type without a schema gets a short text. Before, such
// operations failed their happy path as unsupported.
func TestRawBodies(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /upload:
    put:
      requestBody:
        required: true
        content:
          application/octet-stream:
            schema: {type: string, format: binary}
      responses:
        "204": {description: stored}
  /note:
    post:
      requestBody:
        required: true
        content:
          text/plain:
            schema: {type: string, minLength: 0, maxLength: 100}
      responses:
        "204": {description: stored}
  /picture:
    post:
      requestBody:
        required: true
        content:
          image/png: {}
      responses:
        "204": {description: stored}
`)
	var mu sync.Mutex
	got := map[string][]string{} // path -> "content type|body" of each request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got[r.URL.Path] = append(got[r.URL.Path], r.Header.Get("Content-Type")+"|"+string(b))
		mu.Unlock()
		want := map[string]string{"/upload": "application/octet-stream", "/note": "text/plain", "/picture": "image/png"}[r.URL.Path]
		if r.Header.Get("Content-Type") != want || len(b) == 0 || strings.HasPrefix(string(b), `"`) {
			w.WriteHeader(http.StatusUnsupportedMediaType)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v (sent: %q)", res.HappyFailures, got)
	}
	for _, path := range []string{"/upload", "/note", "/picture"} {
		if len(got[path]) == 0 {
			t.Errorf("%s was never sent", path)
		}
	}
}

// A multipart body whose schema is no object (Jira's attachments:
// {type: string, format: binary}) still goes out: its value as a file
// part named "file", which servers of such contracts read as the upload.
func TestMultipartOfAFile(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /attachments:
    post:
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {type: string, format: binary}
      responses:
        "200": {description: ok}
`)
	var mu sync.Mutex
	var files []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, fh := range r.MultipartForm.File["file"] {
			files = append(files, fh.Filename)
		}
		if len(r.MultipartForm.File["file"]) == 0 {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	if len(res.HappyFailures) > 0 {
		t.Errorf("happy paths failed: %v", res.HappyFailures)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(files) == 0 {
		t.Error("no file part was sent")
	}
}

// A url-encoded body whose schema is a string (spoonacular's
// "text=I like tacos") is that string, sent as it is: before, the scan
// sent an empty form for it, which is no body at all.
func TestFormBodyOfAString(t *testing.T) {
	doc, _ := loadInline(t, `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /food/detect:
    post:
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: string}
            example: "text=I like tacos"
      responses:
        "200": {description: ok}
`)
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if len(b) == 0 {
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	res := scanConformance(t, doc, srv.URL)
	mu.Lock()
	defer mu.Unlock()
	if len(res.HappyFailures) > 0 {
		t.Fatalf("happy paths failed: %v (bodies: %q)", res.HappyFailures, bodies)
	}
	if len(bodies) == 0 || bodies[0] != "text=I like tacos" {
		t.Errorf("first body %q, want the example as it is", bodies)
	}
}
