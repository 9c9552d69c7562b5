package audit

import (
	"encoding/json"
	"testing"

	"github.com/rampart-sec/rampart/internal/report"
)

// A plain-text server is a lesser risk only when its host is this
// machine, judged on the parsed host: a public name that starts like
// localhost or like a loopback address is a public server.
func TestPlainServerLocalHost(t *testing.T) {
	cases := []struct {
		url  string
		want report.Severity
	}{
		{"http://localhost:8888", report.SeverityLow},
		{"http://LOCALHOST/v1", report.SeverityLow},
		{"http://localhost./v1", report.SeverityLow},
		{"http://api.localhost", report.SeverityLow}, // RFC 6761
		{"http://127.0.0.1:5000", report.SeverityLow},
		{"http://127.1.2.3", report.SeverityLow},
		{"http://[::1]:8080", report.SeverityLow},
		{"http://0.0.0.0:3000", report.SeverityLow},
		{"http://localhost-prod.mycompany.com", report.SeverityHigh},
		{"http://localhostx.com", report.SeverityHigh},
		{"http://localhost.evil.com", report.SeverityHigh},
		{"http://127.1.2.3.evil.com", report.SeverityHigh},
		{"http://10.0.0.5", report.SeverityHigh},
		{"http://api.example.com", report.SeverityHigh},
		{"ws://localhost:8080/socket", report.SeverityLow},
		{"ws://stream.example.com", report.SeverityHigh},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			d := base()
			set(d, "/servers", []any{map[string]any{"url": tc.url}})
			text, _ := json.Marshal(d)
			got := findingsOf(auditText(t, string(text), Options{}), "tls-http-server")
			if len(got) != 1 {
				t.Fatalf("%d tls-http-server findings, want 1", len(got))
			}
			if got[0].Severity != tc.want {
				t.Errorf("severity %s (%s), want %s", got[0].Severity, got[0].Message, tc.want)
			}
		})
	}
}

// A templated URL's host is judged with its variables' defaults.
func TestPlainServerLocalTemplated(t *testing.T) {
	cases := []struct {
		name, servers string
		want          report.Severity
	}{
		{"local default", `[{"url":"http://{host}:8080","variables":{"host":{"default":"localhost"}}}]`, report.SeverityLow},
		{"public default starting like localhost", `[{"url":"http://{host}/v1","variables":{"host":{"default":"localhost.evil.com"}}}]`, report.SeverityHigh},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := base()
			set(d, "/servers", j(tc.servers))
			text, _ := json.Marshal(d)
			got := findingsOf(auditText(t, string(text), Options{}), "tls-http-server")
			if len(got) != 1 || got[0].Severity != tc.want {
				t.Fatalf("findings %+v, want one %s", got, tc.want)
			}
		})
	}
}

// An unencrypted WebSocket server (ws://) carries its frames as clear as
// plain http; wss:// is encrypted as https:// is.
func TestWebSocketServer(t *testing.T) {
	checkServerCases(t, []serverCase{
		{"ws server", `[{"url":"ws://stream.example.com/v1"}]`, "tls-http-server", "/servers/0", `"wss://stream.example.com/v1"`, true},
		{"WS in capitals", `[{"url":"WS://stream.example.com"}]`, "tls-http-server", "/servers/0", `"wss://stream.example.com"`, true},
		{"wss server", `[{"url":"wss://stream.example.com/v1"}]`, "tls-http-server", "", "", false},
		{"scheme variable defaulting to ws", `[{"url":"{scheme}://stream.example.com","variables":{"scheme":{"default":"ws","enum":["ws","wss"]}}}]`,
			"tls-http-server", "/servers/0", `{"default":"wss","enum":["wss"]}`, true},
		{"scheme variable allowing ws", `[{"url":"{scheme}://stream.example.com","variables":{"scheme":{"default":"wss","enum":["wss","ws"]}}}]`,
			"tls-server-variable-http", "/servers/0/variables/scheme", `{"default":"wss","enum":["wss"]}`, true},
		{"wss only", `[{"url":"{scheme}://stream.example.com","variables":{"scheme":{"default":"wss","enum":["wss"]}}}]`,
			"tls-server-variable-http", "", "", false},
	})
}

// Swagger 2.0's schemes list several servers at one place: a plain one
// is reported whatever its position in the list (ws is among the schemes
// 2.0 allows).
func TestPlainSchemeSwagger2(t *testing.T) {
	for schemes, want := range map[string]int{
		"[ws]": 1, "[wss, ws]": 1, "[https, http]": 1, "[http, https]": 1, "[http, ws]": 1,
		"[https, wss]": 0, "[https]": 0,
	} {
		t.Run(schemes, func(t *testing.T) {
			res := auditText(t, `swagger: "2.0"
info: {title: t, version: "1"}
host: stream.example.com
schemes: `+schemes+`
paths:
  /events:
    get:
      responses: {"200": {description: ok}}
`, Options{})
			got := findingsOf(res, "tls-http-server")
			if len(got) != want || (want == 1 && got[0].Location.Pointer != "/schemes") {
				t.Fatalf("findings %+v, want %d tls-http-server at /schemes", got, want)
			}
		})
	}
}
