package firewall

import (
	"bytes"
	"compress/zlib"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
	"github.com/rampart-sec/rampart/internal/firewall/plan"
)

// TestOperationModeCoversResponses: an operation's mode in the
// configuration applies to its responses too when no response mode is
// configured, as the API's mode does. An operation put in block mode
// during a monitor rollout used to forward its undeclared responses, and
// one put in monitor mode under a blocking API still had them replaced
// by 502s.
func TestOperationModeCoversResponses(t *testing.T) {
	up := startUpstream(t)
	tests := []struct {
		name string
		cfg  Config
		// want is the status the client gets when the upstream answers
		// with an undeclared status (599).
		want int
		// mode and respMode are the record's mode and response_mode:
		// a response let through in monitor on an operation whose
		// requests are blocked read only "block".
		mode, respMode string
	}{
		{"monitor API, blocking operation", Config{Mode: "monitor", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "block"}}}, http.StatusBadGateway, "block", "block"},
		{"blocking API, operation in monitor", Config{Mode: "block", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "monitor"}}}, 599, "monitor", "monitor"},
		{"configured response mode wins", Config{Mode: "monitor", ResponseMode: "monitor", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "block"}}}, 599, "block", "monitor"},
		{"operation's own response mode wins", Config{Mode: "monitor", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "block", ResponseMode: "monitor"}}}, 599, "block", "monitor"},
		{"API mode alone", Config{Mode: "monitor"}, 599, "monitor", "monitor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Spec, cfg.Upstream = "testdata/protect.yaml", "http://"+up.addr
			sink := &syncBuffer{}
			fw := startFirewall(t, cfg, sink)
			resp, _ := get(t, "http://"+fw.Addr()+"/public/search?q=a", map[string]string{"X-Up-Status": "599"})
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if n := recordsAfterShutdown(t, fw, sink); n != 1 {
				t.Fatalf("%d records", n)
			}
			rec := auditLines(t, sink)[0]
			if rec["mode"] != tc.mode || rec["response_mode"] != tc.respMode {
				t.Fatalf("record mode %v, response_mode %v; want %s, %s", rec["mode"], rec["response_mode"], tc.mode, tc.respMode)
			}
		})
	}
}

// TestOperationBodyLimitBoundsDecodedBody: a compressed body is held to
// 8 × the body limit of its operation once decoded, not to 8 × the API's:
// a 99-byte deflate body that inflates to 70 KB passed an operation
// limited to 100 bytes.
func TestOperationBodyLimitBoundsDecodedBody(t *testing.T) {
	up := startUpstream(t)
	var z bytes.Buffer
	w, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
	_, _ = w.Write([]byte(`{"title":"` + strings.Repeat("a", 70000) + `"}`))
	_ = w.Close()
	small := []byte(`{"title":"short"}`)
	tests := []struct {
		name       string
		op         plan.OpConfig
		maxDecoded int64
		body       []byte
		coding     string
		want       int
	}{
		{"inflates past 8 × the operation's limit", plan.OpConfig{MaxBody: 1000}, 0, z.Bytes(), "deflate", http.StatusRequestEntityTooLarge},
		{"plain body within the operation's limit", plan.OpConfig{MaxBody: 1000}, 0, small, "", http.StatusCreated},
		// Decoded within the configured limit, the title then fails its
		// maxLength of 200.
		{"explicit decoded limit wins", plan.OpConfig{MaxBody: 1000}, 1 << 20, z.Bytes(), "deflate", http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Spec: "testdata/protect.yaml", Upstream: "http://" + up.addr, Operations: map[string]plan.OpConfig{"publicArticle": tc.op}}
			cfg.Limits.MaxDecodedBytes = tc.maxDecoded
			fw := startFirewall(t, cfg, nil)
			req, _ := http.NewRequest(http.MethodPost, "http://"+fw.Addr()+"/public/articles", bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			if tc.coding != "" {
				req.Header.Set("Content-Encoding", tc.coding)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

// TestLooseningExtensionIsNamed: the problem logged for a spec extension
// that would switch the configured blacklist off names the value written;
// it printed "" for "off".
func TestLooseningExtensionIsNamed(t *testing.T) {
	up := startUpstream(t)
	cfg := Config{Spec: "testdata/protect.yaml", Upstream: "http://" + up.addr}
	cfg.Blacklist = blacklist.Config{Enabled: true}
	fw := startFirewall(t, cfg, nil)
	want := `x-rampart-blacklist "off" (operation level) would loosen the configured blacklist`
	for _, p := range fw.Plan().Problems {
		if strings.Contains(p, want) {
			return
		}
	}
	t.Fatalf("no problem says %q: %v", want, fw.Plan().Problems)
}

// TestAuditNotes: an allowed transaction whose response was stripped, or
// whose body passed unchecked (an event stream), says so in its record;
// both read "allowed" with nothing else, as a body that was checked and
// valid does.
func TestAuditNotes(t *testing.T) {
	up := startUpstream(t)
	sink := &syncBuffer{}
	cfg := Config{Spec: "testdata/api31.yaml", Upstream: "http://" + up.addr, Operations: map[string]plan.OpConfig{"resp": {ResponseMode: "strip"}}}
	fw := startFirewall(t, cfg, sink)
	tests := []struct {
		name, path string
		hdr        map[string]string
		want       []string
	}{
		{"stripped", "/v1/resp", map[string]string{"X-Up-Rate": "5", "X-Up-Body": `{"id":1,"extra":2}`}, []string{NoteResponseStripped}},
		{"valid", "/v1/resp", map[string]string{"X-Up-Rate": "5", "X-Up-Body": `{"id":1}`}, nil},
		{"event stream", "/v1/stream", map[string]string{"X-Up-CT": "text/event-stream", "X-Up-Body": "data: x"}, []string{NoteResponseBodyUnchecked}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, "http://"+fw.Addr()+tc.path, tc.hdr)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			rec, got := recordNotes(t, sink, resp.Header.Get(RequestIDHeader))
			if rec["decision"] != "allowed" || !slices.Equal(got, tc.want) {
				t.Fatalf("decision %v notes %v, want allowed %v", rec["decision"], got, tc.want)
			}
		})
	}
}

// TestUnenforcedAuthenticationIsNoted: without an authentication section
// the contract's security requirements are not verified (start-up says
// so); the record of each call to a secured operation says so too, where
// it read as any allowed call did.
func TestUnenforcedAuthenticationIsNoted(t *testing.T) {
	up := startUpstream(t)
	path := filepath.Join(t.TempDir(), "secured.yaml")
	if err := os.WriteFile(path, []byte(`openapi: 3.1.0
info: {title: secured, version: "1"}
servers: [{url: /v1}]
security: [{key: []}]
paths:
  /secure:
    get:
      operationId: secure
      responses: {"200": {description: ok, content: {application/json: {schema: {}}}}}
  /open:
    get:
      operationId: open
      security: []
      responses: {"200": {description: ok, content: {application/json: {schema: {}}}}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Api-Key}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	sink := &syncBuffer{}
	fw := startFirewall(t, Config{Spec: path, Upstream: "http://" + up.addr}, sink)
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/v1/secure", []string{NoteAuthenticationNotEnforced}},
		{"/v1/open", nil},
	} {
		resp, body := get(t, "http://"+fw.Addr()+tc.path, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", tc.path, resp.StatusCode, body)
		}
		_, got := recordNotes(t, sink, resp.Header.Get(RequestIDHeader))
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: notes %v, want %v", tc.path, got, tc.want)
		}
	}
}

// recordNotes waits for the audit record of request id and returns it with
// its notes.
func recordNotes(t *testing.T, sink *syncBuffer, id string) (map[string]any, []string) {
	t.Helper()
	var rec map[string]any
	waitFor(t, "the record", func() bool {
		for _, r := range auditLines(t, sink) {
			if r["request_id"] == id {
				rec = r
				return true
			}
		}
		return false
	})
	var notes []string
	if ns, ok := rec["notes"].([]any); ok {
		for _, n := range ns {
			notes = append(notes, n.(string))
		}
	}
	return rec, notes
}
