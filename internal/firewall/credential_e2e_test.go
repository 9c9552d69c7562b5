package firewall

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/authn/apikey"
)

// credentialSpecYAML is a shop with a login and an order operation. The
// arguments go into the document: root-level keys, keys of the /login
// path item and of its post operation (each line indented for its level),
// and the login's security requirement.
const credentialSpecYAML = `openapi: 3.1.0
info: {title: shop, version: "1"}
%s
paths:
  /login:
%s
    post:
      operationId: login
      security: %s
%s
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string}
                password: {type: string}
      responses:
        '201':
          description: signed in
          content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}}}}}
  /orders:
    post:
      operationId: createOrder
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {item: {type: string}}}
      responses:
        '201':
          description: created
          content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}}}}}
components:
  securitySchemes:
    clientKey: {type: apiKey, in: header, name: X-Client-Key}
`

// credentialDoc are the variable parts of credentialSpecYAML.
type credentialDoc struct {
	root, path, op string // extensions at each level, indented
	security       string // the login's; default []
}

func (d credentialDoc) write(t *testing.T) string {
	t.Helper()
	sec := d.security
	if sec == "" {
		sec = "[]"
	}
	p := filepath.Join(t.TempDir(), "shop.yaml")
	if err := os.WriteFile(p, []byte(fmt.Sprintf(credentialSpecYAML, d.root, d.path, sec, d.op)), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// startCredentialFirewall runs a firewall over the shop with the extra
// configuration, its audit records in audit and its log in logs.
func startCredentialFirewall(t *testing.T, up *upstream, doc credentialDoc, extra string, audit, logs io.Writer) *Server {
	t.Helper()
	cfg := loadConfigYAML(t, fmt.Sprintf("spec: %s\nupstream: http://%s\nwatch_interval: -1s\n%s", doc.write(t), up.addr, extra))
	return startFirewallWithLogger(t, cfg, slog.New(slog.NewTextHandler(logs, nil)), audit)
}

func loginCall(i int, hdr ...string) call {
	return call{"POST", "/login", hdr, fmt.Sprintf(`{"username":"alice","password":"guess-%d"}`, i)}
}

const credentialLogMsg = "credential operations limited by default"

// TestCredentialEndpointsDefaultLimit sends logins from one client until
// one is refused: the login gets the default limit unless it has a limit
// keyed by ip of its own (which then applies alone) or the default is
// switched off, and the order operation is never limited by it.
func TestCredentialEndpointsDefaultLimit(t *testing.T) {
	up := startUpstream(t)
	const unlimited = 0
	tests := []struct {
		name   string
		doc    credentialDoc
		config string
		// allowed is how many logins pass before the next is refused
		// (unlimited: 15 pass); rule is the rule that refuses.
		allowed int
		rule    string
		// beside: the default limit is charged too, not replaced.
		beside bool
	}{
		{"no configuration: the default", credentialDoc{}, "", 10, "credential.login", false},
		{"switched off", credentialDoc{}, "rate_limits:\n  credential_endpoints: {enabled: false}\n", unlimited, "", false},
		{"a lower rate", credentialDoc{}, "rate_limits:\n  credential_endpoints: {rate: 3}\n", 3, "credential.login", false},
		{"a burst below the rate", credentialDoc{}, "rate_limits:\n  credential_endpoints: {rate: 20, period: 1h, burst: 4}\n", 4, "credential.login", false},
		// The contract's own limit is charged beside the default: it may
		// only tighten what the configuration sets.
		{"the operation's own x-rampart-rate-limit, stricter", credentialDoc{op: "      x-rampart-rate-limit: {key: ip, rate: 2, period: 1m}"}, "", 2, "spec.op.login", true},
		{"the path's own x-rampart-rate-limit, stricter", credentialDoc{path: "    x-rampart-rate-limit: {rate: 4, period: 1m}"}, "", 4, "spec.path._login", true},
		{"the operation's own x-rampart-rate-limit, looser: the default still applies", credentialDoc{op: "      x-rampart-rate-limit: {key: ip, rate: 100000, period: 1s}"}, "", 10, "credential.login", false},
		{"the path's own x-rampart-rate-limit, looser: the default still applies", credentialDoc{path: "    x-rampart-rate-limit: {key: ip, rate: 100000, period: 1s}"}, "", 10, "credential.login", false},
		// Where the configuration lets the contract loosen it, the
		// contract's limit replaces the default.
		{"the operation's own x-rampart-rate-limit with allow_spec_overrides", credentialDoc{op: "      x-rampart-rate-limit: {key: ip, rate: 12, period: 1m}"}, "allow_spec_overrides: true\n", 12, "spec.op.login", false},
		{"a configuration rule naming it", credentialDoc{}, "rate_limits:\n  rules:\n    - {name: l, key: ip, rate: 5, period: 1m, operations: [login]}\n", 5, "l", false},
		{"a configuration rule naming it by method and path", credentialDoc{}, "rate_limits:\n  rules:\n    - {name: l, key: ip, rate: 5, period: 1m, operations: [\"POST /login\"]}\n", 5, "l", false},
		{"an API-wide rule does not replace it", credentialDoc{}, "rate_limits:\n  rules:\n    - {name: api, key: ip, rate: 600, period: 1m}\n", 10, "credential.login", false},
		{"an API-wide rule per operation does not replace it", credentialDoc{}, "rate_limits:\n  rules:\n    - {name: api, key: ip, rate: 600, period: 1m, scope: operation}\n", 10, "credential.login", false},
		{"a global x-rampart-rate-limit does not replace it", credentialDoc{root: "x-rampart-rate-limit: {key: ip, rate: 600, period: 1m}"}, "", 10, "credential.login", false},
		{"a rule naming it keyed by a claim does not replace it", credentialDoc{}, "rate_limits:\n  rules:\n    - {name: c, key: \"claim:sub\", rate: 1, period: 1m, operations: [login]}\n", 10, "credential.login", false},
		{"an operation limit keyed by a claim does not replace it", credentialDoc{op: "      x-rampart-rate-limit: {key: \"claim:sub\", rate: 1, period: 1m}"}, "", 10, "credential.login", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			audit, logs := &syncBuffer{}, &syncBuffer{}
			s := startCredentialFirewall(t, up, tc.doc, tc.config, audit, logs)
			n := tc.allowed
			if n == unlimited {
				n = 15
			}
			for i := 1; i <= n; i++ {
				resp, reason := loginCall(i).do(t, s)
				if resp.StatusCode != http.StatusCreated || !up.reached(resp.Header.Get(RequestIDHeader)) {
					t.Fatalf("login %d: %d %s, want 201 forwarded", i, resp.StatusCode, reason)
				}
				pol := resp.Header.Get("RateLimit-Policy")
				if tc.rule != "" && !strings.Contains(pol, fmt.Sprintf("%q;q=%d", tc.rule, tc.allowed)) {
					t.Fatalf("login %d: RateLimit-Policy %q, want rule %s with quota %d", i, pol, tc.rule, tc.allowed)
				}
				if tc.rule != "credential.login" && !tc.beside && strings.Contains(pol, "credential.") {
					t.Fatalf("login %d: the default limit applies although it should not: RateLimit-Policy %q", i, pol)
				}
			}
			if tc.allowed != unlimited {
				checkLimitedLogin(t, s, up, audit, tc.allowed+1, tc.rule)
			}
			// The order operation is not a credential operation.
			for i := 1; i <= 12; i++ {
				resp, reason := call{"POST", "/orders", nil, `{"item":"book"}`}.do(t, s)
				if resp.StatusCode != http.StatusCreated || strings.Contains(resp.Header.Get("RateLimit-Policy"), "credential.") {
					t.Fatalf("order %d: %d %s, RateLimit-Policy %q; want 201 without the credential limit", i, resp.StatusCode, reason, resp.Header.Get("RateLimit-Policy"))
				}
			}
			logged := strings.Contains(logs.String(), credentialLogMsg)
			if want := tc.rule == "credential.login" || tc.beside; logged != want {
				t.Fatalf("logged %q: %v, want %v; log:\n%s", credentialLogMsg, logged, want, logs)
			}
		})
	}
}

// checkLimitedLogin sends login number i and checks it is refused as
// every rate-limit refusal is: 429 rate-limited, Retry-After, the rule in
// RateLimit and RateLimit-Policy, not forwarded, and recorded so.
func checkLimitedLogin(t *testing.T, s *Server, up *upstream, audit *syncBuffer, i int, rule string) {
	t.Helper()
	resp, reason := loginCall(i).do(t, s)
	h := resp.Header
	if resp.StatusCode != http.StatusTooManyRequests || reason != "rate-limited" {
		t.Fatalf("login %d: %d %s, want 429 rate-limited", i, resp.StatusCode, reason)
	}
	if h.Get("Retry-After") == "" || !strings.Contains(h.Get("RateLimit"), fmt.Sprintf("%q;r=0", rule)) || !strings.Contains(h.Get("RateLimit-Policy"), fmt.Sprintf("%q;", rule)) {
		t.Fatalf("login %d: the 429 lacks Retry-After or names another rule than %s: %v", i, rule, h)
	}
	id := h.Get(RequestIDHeader)
	if up.reached(id) {
		t.Fatalf("login %d: the refused login reached the upstream", i)
	}
	waitFor(t, "the audit record of the 429", func() bool { return strings.Contains(audit.String(), id) })
	for _, rec := range auditLines(t, audit) {
		if rec["request_id"] == id && (rec["decision"] != "blocked" || rec["operation"] != "login" || fmt.Sprint(rec["reasons"]) != "[rate-limited]" || rec["status"] != float64(429)) {
			t.Fatalf("audit record of the 429: %v", rec)
		}
	}
}

// TestCredentialEndpointsBeforeAuthentication checks that the default
// limit covers a login behind a client API key and is charged before
// authentication and before the body is read: wrong keys count, and once
// the address is limited a right key gets 429 too.
func TestCredentialEndpointsBeforeAuthentication(t *testing.T) {
	up := startUpstream(t)
	audit := &syncBuffer{}
	auth := fmt.Sprintf("authentication:\n  schemes:\n    clientKey:\n      api_keys:\n        keys: [{id: web, sha256: %s}]\n", apikey.Digest("web-key"))
	s := startCredentialFirewall(t, up, credentialDoc{security: "[{clientKey: []}]"}, auth, audit, io.Discard)
	for i := 1; i <= 10; i++ {
		// A body that is not even JSON: authentication answers first.
		resp, reason := call{"POST", "/login", []string{"X-Client-Key", "wrong"}, "{"}.do(t, s)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d %s, want 401", i, resp.StatusCode, reason)
		}
	}
	checkLimitedLogin(t, s, up, audit, 11, "credential.login")
	if resp, reason := loginCall(12, "X-Client-Key", "web-key").do(t, s); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("the right key once the address is limited: %d %s, want 429", resp.StatusCode, reason)
	}
}

// TestCredentialEndpointsMonitor checks that monitor mode records the
// default limit's refusals and lets the logins through.
func TestCredentialEndpointsMonitor(t *testing.T) {
	up := startUpstream(t)
	audit := &syncBuffer{}
	s := startCredentialFirewall(t, up, credentialDoc{}, "mode: monitor\nrate_limits:\n  credential_endpoints: {rate: 2}\n", audit, io.Discard)
	var last *http.Response
	for i := 1; i <= 3; i++ {
		var reason string
		last, reason = loginCall(i).do(t, s)
		if last.StatusCode != http.StatusCreated || !up.reached(last.Header.Get(RequestIDHeader)) {
			t.Fatalf("login %d in monitor mode: %d %s, want 201 forwarded", i, last.StatusCode, reason)
		}
	}
	if last.Header.Get("Retry-After") != "" {
		t.Fatalf("monitor mode sent the refusal's Retry-After: %v", last.Header)
	}
	id := last.Header.Get(RequestIDHeader)
	waitFor(t, "the audit record", func() bool { return strings.Contains(audit.String(), id) })
	for _, rec := range auditLines(t, audit) {
		if rec["request_id"] == id && (rec["decision"] != "monitored-violation" || fmt.Sprint(rec["reasons"]) != "[rate-limited]") {
			t.Fatalf("audit record of the third login: %v", rec)
		}
	}
}

// TestCredentialEndpointsReload changes the setting under a running
// firewall: each reload applies it and says again what it covers.
func TestCredentialEndpointsReload(t *testing.T) {
	up := startUpstream(t)
	cf := newConfigFile(t, up.addr, -1)
	specLine := "spec: " + credentialDoc{}.write(t) + "\n"
	logs := &syncBuffer{}
	cf.log = slog.New(slog.NewTextHandler(logs, nil))
	cf.write(specLine + "rate_limits:\n  credential_endpoints: {enabled: false}\n")
	s := cf.start()
	statuses := func(n int) string {
		var got []string
		for i := range n {
			resp, _ := loginCall(i).do(t, s)
			got = append(got, fmt.Sprint(resp.StatusCode))
		}
		return strings.Join(got, " ")
	}
	if got := statuses(4); got != "201 201 201 201" {
		t.Fatalf("switched off: statuses %s", got)
	}
	if strings.Contains(logs.String(), credentialLogMsg) {
		t.Fatalf("switched off, yet logged:\n%s", logs)
	}

	cf.write(specLine + "rate_limits:\n  credential_endpoints: {rate: 2}\n")
	if err := s.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := statuses(3); got != "201 201 429" {
		t.Fatalf("after a reload with rate 2: statuses %s, want 201 201 429", got)
	}
	if l := logs.String(); !strings.Contains(l, credentialLogMsg) || !strings.Contains(l, "operations=[login]") || !strings.Contains(l, "rate=2") || !strings.Contains(l, "period=1m0s") {
		t.Fatalf("the reload did not log the default limit:\n%s", l)
	}

	cf.write(specLine + "rate_limits:\n  credential_endpoints: {enabled: false}\n")
	if err := s.Reload(context.Background()); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if got := statuses(3); got != "201 201 201" {
		t.Fatalf("switched off again: statuses %s", got)
	}
}
