package firewall

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/redistest"
)

// startFirewallLogged is startFirewall with the server's log captured, so
// a test can check what revocations write there.
func startFirewallLogged(t *testing.T, cfg Config) (*Server, *syncBuffer) {
	t.Helper()
	cfg.WatchInterval = -1
	logs := &syncBuffer{}
	s := startFirewallWithLogger(t, cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), nil)
	return s, logs
}

// adminCall sends a request to the admin listener and returns the status,
// the problem reason (if any) and the body.
func adminCall(t *testing.T, s *Server, method, path, contentType, body string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+s.AdminAddr()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var prob struct {
		Reason string `json:"reason"`
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
		if err := json.Unmarshal(b, &prob); err != nil {
			t.Fatalf("problem body %q: %v", b, err)
		}
	}
	return resp.StatusCode, prob.Reason, b
}

func revoke(t *testing.T, s *Server, body string) {
	t.Helper()
	if st, reason, b := adminCall(t, s, "POST", "/denylist", "application/json", body); st != http.StatusNoContent {
		t.Fatalf("POST /denylist %s: %d %s %s", body, st, reason, b)
	}
}

func denyCount(t *testing.T, s *Server) int {
	t.Helper()
	st, reason, b := adminCall(t, s, "GET", "/denylist/count", "", "")
	if st != http.StatusOK {
		t.Fatalf("GET /denylist/count: %d %s", st, reason)
	}
	var out struct {
		Count int `json:"count"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("count body %q: %v", b, err)
	}
	return out.Count
}

// wantToken calls an operation secured by the JWT scheme and checks the
// outcome: 200 through to the upstream, or 401 invalid_token.
func wantToken(t *testing.T, s *Server, name, tok string, pass bool) {
	t.Helper()
	resp, reason := call{"GET", "/orders", bearer(tok), ""}.do(t, s)
	if pass {
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s, want 200", name, resp.StatusCode, reason)
		}
		return
	}
	www := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized || reason != "auth-invalid" || !strings.Contains(www, `error="invalid_token"`) || !strings.Contains(www, "revoked") {
		t.Fatalf("%s: %d %q WWW-Authenticate %q, want 401 auth-invalid invalid_token revoked", name, resp.StatusCode, reason, www)
	}
}

func rfc3339In(d time.Duration) string { return time.Now().Add(d).UTC().Format(time.RFC3339Nano) }

// TestDenylistAdmin: revocations sent to the admin listener apply to the
// next request, leave other tokens alone, survive a contract reload with
// the in-memory store, and end at the token's exp.
func TestDenylistAdmin(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s, logs := startFirewallLogged(t, protectConfig(t, up, d.url, "  denylist: {backend: memory, max_ttl: 1h}\n"))
	waitFor(t, "JWKS", s.Ready)

	byJTI := d.token(t, "k1", map[string]any{"jti": "t-revoked"})
	live := d.token(t, "k1", map[string]any{"jti": "t-live"})
	byToken := d.token(t, "k1", map[string]any{"jti": "t-by-token"})
	byHash := d.token(t, "k1", map[string]any{"jti": "t-by-hash"})
	noJTI := d.token(t, "k1", map[string]any{"sub": "bob"})
	for name, tok := range map[string]string{"jti": byJTI, "live": live, "token": byToken, "hash": byHash, "no jti": noJTI} {
		wantToken(t, s, name+" before revocation", tok, true)
	}
	if n := denyCount(t, s); n != 0 {
		t.Fatalf("count before = %d", n)
	}

	revoke(t, s, fmt.Sprintf(`{"jti":"t-revoked","exp":%q}`, rfc3339In(time.Hour)))
	revoke(t, s, fmt.Sprintf(`{"token":%q}`, byToken))
	revoke(t, s, fmt.Sprintf(`{"token_sha256":"%x"}`, sha256.Sum256([]byte(byHash))))
	revoke(t, s, fmt.Sprintf(`{"token":%q}`, noJTI))

	check := func(t *testing.T) {
		wantToken(t, s, "revoked by jti", byJTI, false)
		wantToken(t, s, "revoked by token", byToken, false)
		wantToken(t, s, "revoked by hash", byHash, false)
		wantToken(t, s, "token without jti revoked by token", noJTI, false)
		wantToken(t, s, "live token", live, true)
		if n := denyCount(t, s); n != 4 {
			t.Fatalf("count = %d, want 4", n)
		}
	}
	t.Run("before reload", check)
	before := s.cur.Load()
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.cur.Load() == before {
		t.Fatal("Reload did not swap in a new contract")
	}
	t.Run("after reload", check)

	t.Run("expired entries stop applying", func(t *testing.T) {
		short := d.token(t, "k1", map[string]any{"jti": "t-short"})
		revoke(t, s, fmt.Sprintf(`{"jti":"t-short","exp":%q}`, rfc3339In(1500*time.Millisecond)))
		wantToken(t, s, "short revocation in force", short, false)
		waitFor(t, "the revocation to expire", func() bool {
			resp, _ := call{"GET", "/orders", bearer(short), ""}.do(t, s)
			return resp.StatusCode == http.StatusOK
		})
		// An exp already past adds nothing that applies.
		past := d.token(t, "k1", map[string]any{"jti": "t-past"})
		revoke(t, s, fmt.Sprintf(`{"jti":"t-past","exp":%q}`, rfc3339In(-time.Minute)))
		wantToken(t, s, "revocation with a past exp", past, true)
		wantToken(t, s, "long revocation still in force", byJTI, false)
	})

	t.Run("the token is never logged", func(t *testing.T) {
		out := logs.String()
		if !strings.Contains(out, "token revoked") || !strings.Contains(out, "jti=t-revoked") {
			t.Fatalf("revocations are not logged:\n%s", out)
		}
		for _, tok := range []string{byToken, noJTI, byHash} {
			if strings.Contains(out, tok) {
				t.Fatal("a revoked token appears in the log")
			}
		}
	})
}

// TestDenylistAdminMaxTTL: max_ttl is both the default lifetime of a
// revocation and the cap on a later exp.
func TestDenylistAdminMaxTTL(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s := startFirewall(t, protectConfig(t, up, d.url, "  denylist: {backend: memory, max_ttl: 1s}\n"), nil)
	waitFor(t, "JWKS", s.Ready)
	noExp := d.token(t, "k1", map[string]any{"jti": "t-no-exp"})
	farExp := d.token(t, "k1", map[string]any{"jti": "t-far-exp"})
	revoke(t, s, `{"jti":"t-no-exp"}`)
	revoke(t, s, fmt.Sprintf(`{"jti":"t-far-exp","exp":%q}`, rfc3339In(24*time.Hour)))
	wantToken(t, s, "no exp", noExp, false)
	wantToken(t, s, "far exp", farExp, false)
	for name, tok := range map[string]string{"no exp": noExp, "far exp": farExp} {
		waitFor(t, name+" revocation to end at max_ttl", func() bool {
			resp, _ := call{"GET", "/orders", bearer(tok), ""}.do(t, s)
			return resp.StatusCode == http.StatusOK
		})
	}
}

// TestDenylistAdminBadInput: malformed revocations are refused with a
// problem naming the fault, and refuse nothing.
func TestDenylistAdminBadInput(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s := startFirewall(t, protectConfig(t, up, d.url, "  denylist: {backend: memory}\n"), nil)
	waitFor(t, "JWKS", s.Ready)
	tok := d.token(t, "k1", map[string]any{"jti": "t-1"})
	tests := []struct {
		name, ct, body string
		status         int
		reason         string
	}{
		{"empty object", "application/json", `{}`, 400, "denylist-bad-request"},
		{"not JSON", "application/json", `jti=t-1`, 400, "denylist-bad-request"},
		{"jti and token", "application/json", fmt.Sprintf(`{"jti":"t-1","token":%q}`, tok), 400, "denylist-bad-request"},
		{"unknown field", "application/json", `{"jti":"t-1","until":"2030-01-01T00:00:00Z"}`, 400, "denylist-bad-request"},
		{"bad hash", "application/json", `{"token_sha256":"abc"}`, 400, "denylist-bad-request"},
		{"bad exp", "application/json", `{"jti":"t-1","exp":"next week"}`, 400, "denylist-bad-request"},
		{"token with its scheme", "application/json", fmt.Sprintf(`{"token":"Bearer %s"}`, tok), 400, "denylist-bad-request"},
		{"form post", "application/x-www-form-urlencoded", `jti=t-1`, 415, "unsupported-media-type"},
		{"text/plain (no CORS preflight)", "text/plain", `{"jti":"t-1"}`, 415, "unsupported-media-type"},
		{"no content type", "", `{"jti":"t-1"}`, 415, "unsupported-media-type"},
		{"too large", "application/json", `{"jti":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "body-too-large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, reason, b := adminCall(t, s, "POST", "/denylist", tc.ct, tc.body)
			if st != tc.status || reason != tc.reason {
				t.Fatalf("got %d %q (%s), want %d %q", st, reason, b, tc.status, tc.reason)
			}
			if strings.Contains(string(b), tok) {
				t.Fatal("the problem echoes the token")
			}
		})
	}
	// A page that rebinds its own host name to the admin address is
	// same-origin to the browser, so application/json needs no preflight.
	// Its Host is refused on a loopback listener (TestAdminRefusesRebindingHosts);
	// on any listener, browsers send Origin on every POST and operators'
	// tools do not.
	req, _ := http.NewRequest("POST", "http://"+s.AdminAddr()+"/denylist", strings.NewReader(`{"jti":"t-1"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", "http://rebound.example:9901")
	resp, err := testClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST /denylist from a web page: %d, want 403", resp.StatusCode)
	}
	wantToken(t, s, "token named only in bad requests", tok, true)
	if n := denyCount(t, s); n != 0 {
		t.Fatalf("count = %d after bad requests only", n)
	}
	if st, _, _ := adminCall(t, s, "GET", "/denylist", "", ""); st != http.StatusMethodNotAllowed {
		t.Fatalf("GET /denylist: %d, want 405", st)
	}
}

// TestDenylistAdminNotConfigured: without a denylist the endpoints answer
// 404 rather than accepting revocations nothing would enforce.
func TestDenylistAdminNotConfigured(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s := startFirewall(t, protectConfig(t, up, d.url, ""), nil)
	for _, tc := range []struct{ method, path, ct, body string }{
		{"POST", "/denylist", "application/json", `{"jti":"t-1"}`},
		{"GET", "/denylist/count", "", ""},
	} {
		if st, reason, _ := adminCall(t, s, tc.method, tc.path, tc.ct, tc.body); st != http.StatusNotFound || reason != "denylist-not-configured" {
			t.Fatalf("%s %s: %d %q, want 404 denylist-not-configured", tc.method, tc.path, st, reason)
		}
	}
}

// TestDenylistAdminRedis: with the Redis backend a revocation sent to one
// firewall's admin listener is stored in Redis with the token's TTL, so
// the rest of the fleet refuses the token too.
func TestDenylistAdminRedis(t *testing.T) {
	addr, _ := redistest.Start(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, fmt.Sprintf("  denylist: {backend: redis, redis_addr: %q, prefix: \"adm:deny:\"}\n", addr))
	a := startFirewall(t, cfg, nil)
	b := startFirewall(t, cfg, nil)
	waitFor(t, "JWKS", func() bool { return a.Ready() && b.Ready() })
	tok := d.token(t, "k1", map[string]any{"jti": "t-fleet"})
	live := d.token(t, "k1", map[string]any{"jti": "t-fleet-live"})
	revoke(t, a, fmt.Sprintf(`{"jti":"t-fleet","exp":%q}`, rfc3339In(10*time.Minute)))
	wantToken(t, a, "revoked on the firewall that took it", tok, false)
	wantToken(t, b, "revoked on the other firewall", tok, false)
	wantToken(t, b, "live token", live, true)

	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rc.Close() })
	ttl, err := rc.TTL(context.Background(), "adm:deny:jti:t-fleet").Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl <= 9*time.Minute || ttl > 10*time.Minute {
		t.Fatalf("redis TTL = %v, want about 10m (the exp sent)", ttl)
	}
	if n := denyCount(t, b); n != 1 {
		t.Fatalf("count on the other firewall = %d, want 1", n)
	}
}

// TestDenylistMaxTTLNegative: a negative max_ttl is a configuration error
// rather than revocations that expire on arrival.
func TestDenylistMaxTTLNegative(t *testing.T) {
	cfg := protectConfig(t, startUpstream(t), "http://127.0.0.1:1/jwks.json", "  denylist: {backend: memory}\n")
	cfg.Authentication.Denylist.MaxTTL = -time.Second
	cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
	_, err := New(context.Background(), cfg, nil, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "authentication.denylist.max_ttl") {
		t.Fatalf("New: err = %v, want one naming authentication.denylist.max_ttl", err)
	}
}

// A page that rebinds its own host name to the loopback admin listener is
// same-origin there and could read metrics or post revocations; its
// requests still carry that name in Host, so the listener refuses them.
func TestAdminRefusesRebindingHosts(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	s := startFirewall(t, protectConfig(t, up, d.url, "  denylist: {backend: memory}\n"), nil)
	_, port, _ := net.SplitHostPort(s.AdminAddr())
	tests := []struct {
		host, method, path string
		status             int
	}{
		{"rebound.attacker.example:" + port, "GET", "/metrics", 421},
		{"rebound.attacker.example", "GET", "/denylist/count", 421},
		{"rebound.attacker.example:" + port, "POST", "/denylist", 421},
		{"localhost.attacker.example", "GET", "/metrics", 421},
		{"127.0.0.1:" + port, "GET", "/metrics", 200},
		{"localhost:" + port, "GET", "/healthz", 200},
		{"LOCALHOST.", "GET", "/healthz", 200},
		{"admin.localhost:" + port, "GET", "/healthz", 200},
		{"[::1]:" + port, "GET", "/healthz", 200},
		{"10.1.2.3", "GET", "/healthz", 200},
	}
	for _, tc := range tests {
		t.Run(tc.host+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "http://"+s.AdminAddr()+tc.path, strings.NewReader(`{"jti":"t-9"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			req.Header.Set("Content-Type", "application/json")
			resp, err := testClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}
