package firewall

import (
	"bytes"
	"compress/zlib"
	"net/http"
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
	}{
		{"monitor API, blocking operation", Config{Mode: "monitor", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "block"}}}, http.StatusBadGateway},
		{"blocking API, operation in monitor", Config{Mode: "block", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "monitor"}}}, 599},
		{"configured response mode wins", Config{Mode: "monitor", ResponseMode: "monitor", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "block"}}}, 599},
		{"operation's own response mode wins", Config{Mode: "monitor", Operations: map[string]plan.OpConfig{"publicSearch": {Mode: "block", ResponseMode: "monitor"}}}, 599},
		{"API mode alone", Config{Mode: "monitor"}, 599},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Spec, cfg.Upstream = "testdata/protect.yaml", "http://"+up.addr
			fw := startFirewall(t, cfg, nil)
			resp, _ := get(t, "http://"+fw.Addr()+"/public/search?q=a", map[string]string{"X-Up-Status": "599"})
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
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
