package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/firewall"
	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/spec"
)

const duplicatesSpec = `openapi: 3.0.3
info: {title: duplicates, version: "1"}
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer, minimum: 1, maximum: 100}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, additionalProperties: false, properties: {limit: {type: integer}}}}}}
        "400": {description: invalid}
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, additionalProperties: false, required: [qty], properties: {qty: {type: integer, minimum: 1, maximum: 10}}}
      responses:
        "201": {description: created, content: {application/json: {schema: {type: object, additionalProperties: false, properties: {qty: {type: integer}}}}}}
        "400": {description: invalid}
  /orders:
    post:
      operationId: createOrder
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {type: object, additionalProperties: false, required: [qty], properties: {qty: {type: integer, minimum: 1, maximum: 10}}}
      responses:
        "204": {description: created}
        "400": {description: invalid}
`

// duplicatesAPI validates its input as the contract says, reading repeated
// names as the parsers of real frameworks do: "first" (net/http's
// Query().Get; JSON parsers that keep the first duplicate), "last"
// (PHP's $_GET, encoding/json and Python's json), "reject" (a strict
// parser that refuses repeated names) and "each" (every occurrence
// validated).
func duplicatesAPI(reads string) http.Handler {
	pick := func(vs []string) ([]string, bool) {
		switch {
		case len(vs) <= 1:
			return vs, true
		case reads == "first" || reads == "struct" || reads == "throttled":
			return vs[:1], true
		case reads == "last":
			return vs[len(vs)-1:], true
		case reads == "reject":
			return nil, false
		}
		return vs, true
	}
	valid := func(s string, lo, hi int) bool {
		n, err := strconv.Atoi(s)
		return err == nil && n >= lo && n <= hi
	}
	// read applies the API's reading to the occurrences of one name and
	// validates what it reads; false once it has answered 400.
	read := func(w http.ResponseWriter, vs []string, lo, hi int) (int, bool) {
		picked, ok := pick(vs)
		if !ok || len(picked) == 0 {
			http.Error(w, "bad value", 400)
			return 0, false
		}
		for _, v := range picked {
			if !valid(v, lo, hi) {
				http.Error(w, "bad value", 400)
				return 0, false
			}
		}
		n, _ := strconv.Atoi(picked[0])
		return n, true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		for k := range q {
			if k != "limit" {
				http.Error(w, "unknown parameter", 400)
				return
			}
		}
		if reads == "throttled" && len(q["limit"]) > 1 && !valid(q["limit"][0], 1, 100) {
			// A limiter in front that answers 429 to some of the
			// requests: no reading of the parser can be told from it.
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		n, ok := read(w, q["limit"], 1, 100)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]int{"limit": n})
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" || r.ParseForm() != nil {
			http.Error(w, "not a form", http.StatusUnsupportedMediaType)
			return
		}
		for k := range r.PostForm {
			if k != "qty" {
				http.Error(w, "unknown field", 400)
				return
			}
		}
		if _, ok := read(w, r.PostForm["qty"], 1, 10); ok {
			w.WriteHeader(204)
		}
	})
	mux.HandleFunc("POST /items", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "not JSON", http.StatusUnsupportedMediaType)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if reads == "struct" {
			// A typical Go handler: encoding/json into a struct matches
			// names without regard to case, and the last occurrence wins.
			var in struct {
				Qty *int `json:"qty"`
			}
			d := json.NewDecoder(bytes.NewReader(body))
			d.DisallowUnknownFields()
			if err := d.Decode(&in); err != nil || in.Qty == nil || *in.Qty < 1 || *in.Qty > 10 {
				http.Error(w, "bad qty", 400)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			_ = json.NewEncoder(w).Encode(map[string]int{"qty": *in.Qty})
			return
		}
		members, err := topLevelMembers(body)
		if err != nil {
			http.Error(w, "bad json", 400)
			return
		}
		for k := range members {
			if k != "qty" {
				http.Error(w, "unknown property", 400)
				return
			}
		}
		n, ok := read(w, members["qty"], 1, 10)
		if !ok {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		_ = json.NewEncoder(w).Encode(map[string]int{"qty": n})
	})
	return mux
}

// topLevelMembers returns every occurrence of each top-level name of a
// JSON object, as raw JSON text, in order.
func topLevelMembers(b []byte) (map[string][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, io.ErrUnexpectedEOF
	}
	out := map[string][]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		k, _ := tok.(string)
		out[k] = append(out[k], string(raw))
	}
	return out, nil
}

func TestDuplicateNamesRead(t *testing.T) {
	dir := t.TempDir()
	specPath := filepath.Join(dir, "api.yaml")
	if err := os.WriteFile(specPath, []byte(duplicatesSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	doc, err := spec.Load(ctx, specPath, spec.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		reads      string
		noProbes   bool
		behindWall bool
		// want maps each rule reported to the occurrence it says the API
		// reads; no other finding of these rules may appear.
		want map[string]string
	}{
		{reads: "first", want: map[string]string{"GET " + scan.RuleDuplicateParam: "first", "POST /orders " + scan.RuleDuplicateParam: "first", scan.RuleDuplicateKey: "first"}},
		{reads: "last", want: map[string]string{"GET " + scan.RuleDuplicateParam: "last", "POST /orders " + scan.RuleDuplicateParam: "last", scan.RuleDuplicateKey: "last"}},
		{reads: "struct", want: map[string]string{"GET " + scan.RuleDuplicateParam: "first", "POST /orders " + scan.RuleDuplicateParam: "first", scan.RuleDuplicateKey: "last", scan.RuleCaseVariantKey: "last"}},
		{reads: "reject"},
		// 429 for one order: nothing said of the query parser (the JSON
		// one still reads first).
		{reads: "throttled", want: map[string]string{"POST /orders " + scan.RuleDuplicateParam: "first", scan.RuleDuplicateKey: "first"}},
		{reads: "each"},
		{reads: "last", noProbes: true},
		{reads: "struct", behindWall: true}, // rampart protect refuses every such request
	}
	for _, tc := range tests {
		name := tc.reads
		if tc.noProbes {
			name += ", --no-probes"
		}
		if tc.behindWall {
			name += ", behind rampart protect"
		}
		t.Run(name, func(t *testing.T) {
			api := httptest.NewServer(duplicatesAPI(tc.reads))
			defer api.Close()
			target := api.URL
			if tc.behindWall {
				quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
				cfg := firewall.Config{Spec: specPath, Upstream: api.URL, Listen: "127.0.0.1:0", Admin: "127.0.0.1:0", Mode: "block", WatchInterval: -1}
				fw, err := firewall.New(ctx, cfg.WithDefaults(), quiet, io.Discard)
				if err != nil {
					t.Fatal(err)
				}
				if err := fw.Start(); err != nil {
					t.Fatal(err)
				}
				defer fw.Shutdown(context.Background())
				target = "http://" + fw.Addr()
			}
			res, err := scan.Run(ctx, doc, scan.Options{Target: target, Rate: 1000, NoProbes: tc.noProbes})
			if err != nil {
				t.Fatal(err)
			}
			found := map[string]string{}
			for _, f := range res.Spec.Findings {
				switch f.Rule {
				case scan.RuleDuplicateParam, scan.RuleDuplicateKey, scan.RuleCaseVariantKey:
					key := f.Rule
					if f.Rule == scan.RuleDuplicateParam {
						// Query parameters and form fields each give one.
						key = "GET " + f.Rule
						if strings.HasPrefix(f.Message, "POST /orders") {
							key = "POST /orders " + f.Rule
						}
					}
					found[key] = f.Message
					t.Logf("%s: %s (expected %s; actual %s)", f.Rule, f.Message, f.Expected, f.Actual)
					if len(f.Exchanges) < 2 {
						t.Errorf("%s: want both orders as reproducible requests, got %d", f.Rule, len(f.Exchanges))
					}
				case scan.RuleNegativeAccepted:
					t.Errorf("the API validates its input, yet: %s", f.Message)
				}
			}
			for rule, msg := range found {
				reads, ok := tc.want[rule]
				if !ok {
					t.Errorf("unexpected %s: %s", rule, msg)
					continue
				}
				if !strings.Contains(msg, "reads the "+reads+" of two") && !strings.Contains(msg, "taking the "+reads+" of the two") {
					t.Errorf("%s: %s; want it to say the API reads the %s", rule, msg, reads)
				}
			}
			for rule := range tc.want {
				if _, ok := found[rule]; !ok {
					t.Errorf("%s not reported", rule)
				}
			}
		})
	}
}
