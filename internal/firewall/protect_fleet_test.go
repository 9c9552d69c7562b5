package firewall

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/authn"
	"github.com/rampart-sec/rampart/internal/firewall/authn/dpop"
	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
	"github.com/rampart-sec/rampart/internal/firewall/tamperlog"
	"github.com/rampart-sec/rampart/internal/redistest"
)

// TestProtectFleetSharesLimit runs two firewalls over one redis-server:
// together they let exactly the burst through.
func TestProtectFleetSharesLimit(t *testing.T) {
	addr, _ := redistest.Start(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	extra := fmt.Sprintf(`rate_limits:
  store: redis
  redis: {addr: %q, timeout: 1s}
  rules:
    - {name: per-ip, key: ip, rate: 4, period: 1h}
`, addr)
	a := startFirewall(t, protectConfig(t, up, d.url, extra), nil)
	b := startFirewall(t, protectConfig(t, up, d.url, extra), nil)
	var got []int
	for i := 0; i < 6; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		resp, _ := call{"GET", "/public/search", nil, ""}.do(t, s)
		got = append(got, resp.StatusCode)
	}
	want := []int{200, 200, 200, 200, 429, 429}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("statuses %v, want %v (the two firewalls do not share the limit)", got, want)
	}
}

// TestProtectRedisDown checks fail-closed: with Redis unreachable the
// firewall answers 503 and counts the failure in /metrics.
func TestProtectRedisDown(t *testing.T) {
	dead := redistest.Refused(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	for _, tc := range []struct {
		policy string
		status int
		action string
	}{{"closed", 503, "fail_closed"}, {"open", 200, "fail_open"}} {
		t.Run(tc.policy, func(t *testing.T) {
			extra := fmt.Sprintf(`rate_limits:
  store: redis
  on_store_error: %s
  redis: {addr: %q, timeout: 100ms}
  rules: [{name: per-ip, key: ip, rate: 4, period: 1h}]
`, tc.policy, dead)
			s := startFirewall(t, protectConfig(t, up, d.url, extra), nil)
			resp, reason := call{"GET", "/public/search", nil, ""}.do(t, s)
			if resp.StatusCode != tc.status {
				t.Fatalf("%d %s, want %d", resp.StatusCode, reason, tc.status)
			}
			m, err := testClient.Get("http://" + s.AdminAddr() + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			defer m.Body.Close()
			sc := bufio.NewScanner(m.Body)
			found := false
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), `rampart_ratelimit_store_errors_total{action="`+tc.action+`"}`) {
					found = true
				}
			}
			if !found {
				t.Fatalf("store error not counted in /metrics")
			}
		})
	}
}

// dpopYAML is protectYAML with DPoP proofs on the oauth scheme, for a
// fleet behind one public origin (the htu every node compares), and
// replay, the authentication.dpop_replay section (YAML flow mapping).
func dpopYAML(up *upstream, jwksURL, replay string) string {
	y := strings.Replace(protectYAML(up, jwksURL, ""), "        fetch_timeout: 1s\n",
		"        fetch_timeout: 1s\n      dpop: {external_origin: \"https://api.example\"}\n", 1)
	if replay != "" {
		y += "  dpop_replay: " + replay + "\n"
	}
	return y
}

// metricLine reports whether /metrics has a sample whose line starts
// with prefix.
func metricLine(t *testing.T, s *Server, prefix string) bool {
	t.Helper()
	m, err := testClient.Get("http://" + s.AdminAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer m.Body.Close()
	sc := bufio.NewScanner(m.Body)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), prefix) {
			return true
		}
	}
	return false
}

// TestProtectFleetDPoPReplay runs two firewalls behind one public origin:
// a DPoP proof accepted by node A is refused as a replay by node B when
// they share the replay store in Redis, and accepted by B when each node
// keeps proofs in its own memory (what a fleet without Redis would do).
// Either store still refuses the replay after a contract reload.
func TestProtectFleetDPoPReplay(t *testing.T) {
	addr, _ := redistest.Start(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	key := newDPoPKey(t)
	tok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	const htu = "https://api.example/orders"
	rc := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rc.Close() })
	for _, tc := range []struct {
		name, replay string
		// status of the proof accepted by A, replayed to B
		replayToB int
	}{
		{"redis", fmt.Sprintf(`{backend: redis, redis_addr: %q, prefix: "test:dpop:"}`, addr), 401},
		{"memory", "", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := startFirewall(t, loadConfigYAML(t, dpopYAML(up, d.url, tc.replay)), nil)
			b, bLogs := startFirewallLogged(t, loadConfigYAML(t, dpopYAML(up, d.url, tc.replay)))
			waitFor(t, "JWKS", func() bool { return a.Ready() && b.Ready() })
			jti := "fleet-" + tc.name
			proof := key.proof(t, "GET", htu, jti, tok)
			send := func(s *Server, proof string) (int, string) {
				resp, reason := call{"GET", "/orders", []string{"Authorization", "DPoP " + tok, "DPoP", proof}, ""}.do(t, s)
				return resp.StatusCode, reason
			}
			if st, reason := send(a, proof); st != 200 {
				t.Fatalf("node A, first use: %d %s", st, reason)
			}
			if st, reason := send(b, key.proof(t, "GET", htu, jti+"-b", tok)); st != 200 {
				t.Fatalf("node B, a proof of its own: %d %s (node B does not accept the public origin)", st, reason)
			}
			st, reason := send(b, proof)
			if st != tc.replayToB {
				t.Fatalf("node B, the proof node A accepted: %d %s, want %d", st, reason, tc.replayToB)
			}
			if st == 401 && (reason != "auth-invalid" || !strings.Contains(bLogs.String(), `err="DPoP proof replayed"`)) {
				t.Fatalf("node B, replay: reason %q, want auth-invalid for a replayed proof; log:\n%s", reason, bLogs)
			}
			if st, _ := send(a, proof); st != 401 {
				t.Fatalf("node A, replay to itself: %d, want 401", st)
			}
			n, err := rc.Exists(context.Background(), dpop.NewRedis(nil, "test:dpop:", "").Key(key.jkt, jti)).Result()
			if err != nil || (n == 1) != (tc.name == "redis") {
				t.Fatalf("the proof's key in Redis: exists=%d err=%v", n, err)
			}
			if err := a.Reload(context.Background()); err != nil {
				t.Fatal(err)
			}
			if st, _ := send(a, proof); st != 401 {
				t.Fatalf("node A after a contract reload, replay: %d, want 401", st)
			}
		})
	}
}

// TestProtectDPoPReplayStoreDown: with the Redis replay store unreachable,
// a DPoP-bound request gets 503 (problem+json, Retry-After), logged and
// counted, unless fail_open lets it through, checked against the node's
// own memory; tokens that are not DPoP-bound do not need the store.
func TestProtectDPoPReplayStoreDown(t *testing.T) {
	dead := redistest.Refused(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	key := newDPoPKey(t)
	tok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	plain := d.token(t, "k1", nil)
	const htu = "https://api.example/orders"
	for _, tc := range []struct {
		name     string
		failOpen bool
		status   int
		reason   string
		// status of the same proof sent again
		again  int
		action string
		log    string
	}{
		{"fail closed (default)", false, 503, "auth-unavailable", 503, "fail_closed", "refusing DPoP-bound requests"},
		{"fail open", true, 200, "", 401, "fail_open", "failing open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfigYAML(t, dpopYAML(up, d.url, fmt.Sprintf(`{backend: redis, redis_addr: %q, fail_open: %v}`, dead, tc.failOpen)))
			s, logs := startFirewallLogged(t, cfg)
			waitFor(t, "JWKS", s.Ready)
			proof := key.proof(t, "GET", htu, "down-"+tc.action, tok)
			hdr := []string{"Authorization", "DPoP " + tok, "DPoP", proof}
			resp, reason := call{"GET", "/orders", hdr, ""}.do(t, s)
			if resp.StatusCode != tc.status || reason != tc.reason {
				t.Fatalf("%d %q, want %d %q", resp.StatusCode, reason, tc.status, tc.reason)
			}
			if tc.status == 503 {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
					t.Fatalf("Content-Type %q, want application/problem+json", ct)
				}
				if resp.Header.Get("Retry-After") == "" {
					t.Fatal("no Retry-After on the 503")
				}
			}
			if resp, reason := (call{"GET", "/orders", hdr, ""}).do(t, s); resp.StatusCode != tc.again {
				t.Fatalf("the same proof again: %d %s, want %d", resp.StatusCode, reason, tc.again)
			}
			if resp, reason := (call{"GET", "/orders", bearer(plain), ""}).do(t, s); resp.StatusCode != 200 {
				t.Fatalf("a token that is not DPoP-bound: %d %s", resp.StatusCode, reason)
			}
			if !metricLine(t, s, `rampart_dpop_replay_store_errors_total{action="`+tc.action+`"}`) {
				t.Fatal("store failure not counted in /metrics")
			}
			if l := logs.String(); !strings.Contains(l, "DPoP replay store unavailable") || !strings.Contains(l, tc.log) || !strings.Contains(l, "action="+tc.action) {
				t.Fatalf("store failure not logged as expected:\n%s", l)
			}
			if strings.Contains(logs.String(), tok) {
				t.Fatal("the log holds a token")
			}
		})
	}
}

// TestProtectRedisNotAnswering: with the Redis of the DPoP replay store
// or of the token denylist not answering (a server that accepts and stays
// silent, or packets dropped so no connection completes), a request that
// needs the store gets its answer (503, or the request passes with
// fail_open) within a small multiple of the section's timeout instead of
// hanging. The default timeout applies when none is set. The bound is
// loose on purpose: the point is that nothing waits seconds.
func TestProtectRedisNotAnswering(t *testing.T) {
	up := startUpstream(t)
	d := startIDP(t, true)
	key := newDPoPKey(t)
	bound := func(timeout time.Duration) time.Duration {
		if timeout == 0 {
			timeout = authn.DefaultRedisTimeout
		}
		return 10 * timeout
	}
	for _, redisKind := range []struct {
		name string
		addr func(testing.TB) string
	}{
		{"hung", redistest.Hung},
		{"blackholed", redistest.Blackhole},
	} {
		t.Run(redisKind.name, func(t *testing.T) {
			addr := redisKind.addr(t)
			for _, tc := range []struct {
				name    string
				store   string // dpop_replay or denylist
				section string // its YAML flow mapping
				timeout time.Duration
				status  int
				reason  string
			}{
				{"dpop replay, default timeout", "dpop_replay", fmt.Sprintf(`{backend: redis, redis_addr: %q}`, addr), 0, 503, "auth-unavailable"},
				{"dpop replay, timeout 50ms", "dpop_replay", fmt.Sprintf(`{backend: redis, redis_addr: %q, timeout: 50ms}`, addr), 50 * time.Millisecond, 503, "auth-unavailable"},
				{"dpop replay failing open", "dpop_replay", fmt.Sprintf(`{backend: redis, redis_addr: %q, timeout: 50ms, fail_open: true}`, addr), 50 * time.Millisecond, 200, ""},
				{"denylist, default timeout", "denylist", fmt.Sprintf(`{backend: redis, redis_addr: %q}`, addr), 0, 503, "auth-unavailable"},
				{"denylist, timeout 50ms", "denylist", fmt.Sprintf(`{backend: redis, redis_addr: %q, timeout: 50ms}`, addr), 50 * time.Millisecond, 503, "auth-unavailable"},
				{"denylist failing open", "denylist", fmt.Sprintf(`{backend: redis, redis_addr: %q, timeout: 50ms, fail_open: true}`, addr), 50 * time.Millisecond, 200, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var cfg Config
					var hdr func(i int) []string
					if tc.store == "dpop_replay" {
						cfg = loadConfigYAML(t, dpopYAML(up, d.url, tc.section))
						tok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
						hdr = func(i int) []string {
							proof := key.proof(t, "GET", "https://api.example/orders", fmt.Sprintf("%s-%d", t.Name(), i), tok)
							return []string{"Authorization", "DPoP " + tok, "DPoP", proof}
						}
					} else {
						cfg = protectConfig(t, up, d.url, "  denylist: "+tc.section+"\n")
						tok := d.token(t, "k1", map[string]any{"jti": "t-" + tc.name})
						hdr = func(int) []string { return bearer(tok) }
					}
					s := startFirewall(t, cfg, nil)
					waitFor(t, "JWKS", s.Ready)
					// Twice: the second request meets the client after a
					// failure (a connection given up, dials that failed).
					for i := range 2 {
						start := time.Now()
						resp, reason := call{"GET", "/orders", hdr(i), ""}.do(t, s)
						took := time.Since(start)
						if resp.StatusCode != tc.status || reason != tc.reason {
							t.Fatalf("request %d: %d %q, want %d %q", i+1, resp.StatusCode, reason, tc.status, tc.reason)
						}
						if took > bound(tc.timeout) {
							t.Fatalf("request %d: answered after %v, want under %v", i+1, took, bound(tc.timeout))
						}
					}
				})
			}
		})
	}
}

// TestProtectTamperEvidentLog writes a chained, checkpointed audit log
// through a running firewall and verifies it, then alters one record.
func TestProtectTamperEvidentLog(t *testing.T) {
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "audit.key"), filepath.Join(dir, "audit.pub")
	if _, err := tamperlog.GenerateKeyFiles(priv, pub, false); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "audit.jsonl")
	up := startUpstream(t)
	d := startIDP(t, true)
	cfg := protectConfig(t, up, d.url, fmt.Sprintf("log: %s\naudit:\n  tamper_evident: {enabled: true, signing_key: %s, checkpoint_every: 2}\n", logPath, priv))
	cfg.Listen, cfg.Admin, cfg.WatchInterval = "127.0.0.1:0", "127.0.0.1:0", -1
	run := func(n int) {
		s, err := New(context.Background(), cfg, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			_, _ = call{"GET", "/public/search", []string{"Authorization", "Bearer secret-token"}, ""}.do(t, s)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run(3)
	run(2) // a restart continues the chain
	key, err := tamperlog.LoadPublicKeyFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	verify := func() *tamperlog.Report {
		f, err := os.Open(logPath)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rep, err := tamperlog.Verify(f, key)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	rep := verify()
	if !rep.OK() {
		t.Fatalf("intact log reported as tampered: %+v", rep.Problem)
	}
	data, _ := os.ReadFile(logPath)
	if strings.Contains(string(data), "secret-token") {
		t.Fatal("a credential reached the audit log")
	}
	if !strings.Contains(string(data), `"final":true`) {
		t.Fatal("no final checkpoint on shutdown")
	}
	altered := strings.Replace(string(data), `"status":200`, `"status":201`, 1)
	if err := os.WriteFile(logPath, []byte(altered), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep := verify(); rep.OK() {
		t.Fatal("an altered record was not detected")
	}
}

// TestProtectPrecedence checks which level of an x-rampart-* extension
// applies (operation > path > global) and that the contract can only
// tighten the configuration unless allow_spec_overrides is set.
func TestProtectPrecedence(t *testing.T) {
	dir := t.TempDir()
	specYAML := `openapi: 3.0.3
info: {title: p, version: "1"}
x-rampart-mode: block
x-rampart-rate-limit: {key: ip, rate: 100, period: 1m}
paths:
  /a:
    x-rampart-mode: monitor
    get:
      operationId: pathMonitor
      responses: {"200": {description: ok}}
  /b:
    x-rampart-mode: monitor
    get:
      operationId: opBlock
      x-rampart-mode: block
      x-rampart-rate-limit: {key: ip, rate: 1, period: 1m}
      responses: {"200": {description: ok}}
  /c:
    get:
      operationId: globalOnly
      responses: {"200": {description: ok}}
`
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(specYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	up := startUpstream(t)
	for _, tc := range []struct {
		name      string
		mode      string
		overrides bool
		// status of GET /a?undeclared=1, /b?undeclared=1, /c?undeclared=1
		want [3]int
	}{
		{"config monitor, spec tightens", "monitor", false, [3]int{200, 400, 400}},
		{"config block, spec cannot loosen", "block", false, [3]int{400, 400, 400}},
		{"config block, overrides allowed", "block", true, [3]int{200, 400, 400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startFirewall(t, Config{Spec: path, Upstream: "http://" + up.addr, Mode: tc.mode, ResponseMode: "off", AllowSpecOverrides: tc.overrides}, nil)
			for i, p := range []string{"/a", "/b", "/c"} {
				resp, reason := call{"GET", p + "?undeclared=1", nil, ""}.do(t, s)
				if resp.StatusCode != tc.want[i] {
					t.Errorf("%s: %d %s, want %d", p, resp.StatusCode, reason, tc.want[i])
				}
			}
		})
	}
	t.Run("rate limit: operation level replaces the global one", func(t *testing.T) {
		s := startFirewall(t, Config{Spec: path, Upstream: "http://" + up.addr, ResponseMode: "off"}, nil)
		r1, _ := call{"GET", "/b", nil, ""}.do(t, s)
		r2, reason := call{"GET", "/b", nil, ""}.do(t, s)
		if r1.StatusCode != 200 || r2.StatusCode != http.StatusTooManyRequests || reason != "rate-limited" {
			t.Fatalf("/b: %d then %d %s", r1.StatusCode, r2.StatusCode, reason)
		}
		if pol := r1.Header.Get("RateLimit-Policy"); !strings.Contains(pol, "spec.op.opBlock") || strings.Contains(pol, "spec.global") {
			t.Fatalf("/b policy %q", pol)
		}
		r3, _ := call{"GET", "/c", nil, ""}.do(t, s)
		if pol := r3.Header.Get("RateLimit-Policy"); r3.StatusCode != 200 || !strings.Contains(pol, `"spec.global";q=100`) {
			t.Fatalf("/c: %d policy %q", r3.StatusCode, pol)
		}
	})
}

// x-rampart-blacklist-tier may choose the crs tier for an operation (it
// only adds detection); choosing the default tier under a crs
// configuration loosens it, so it needs allow_spec_overrides.
func TestProtectBlacklistTierPrecedence(t *testing.T) {
	dir := t.TempDir()
	specYAML := `openapi: 3.0.3
info: {title: p, version: "1"}
paths:
  /light:
    get:
      operationId: light
      x-rampart-blacklist-tier: default
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses: {"200": {description: ok}}
`
	path := filepath.Join(dir, "p.yaml")
	if err := os.WriteFile(path, []byte(specYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	up := startUpstream(t)
	crsOnly := "/light?q=" + url.QueryEscape("/bi[n]/bash") // found by the CRS, not by the default tier
	for _, tc := range []struct {
		name      string
		overrides bool
		want      int
	}{
		{"without overrides the configured crs tier stays", false, 403},
		{"with overrides the operation runs the default tier", true, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Spec: path, Upstream: "http://" + up.addr, ResponseMode: "off", AllowSpecOverrides: tc.overrides}
			cfg.Blacklist = blacklist.Config{Enabled: true, Tier: blacklist.TierCRS}
			s := startFirewall(t, cfg, nil)
			if resp, reason := (call{"GET", crsOnly, nil, ""}).do(t, s); resp.StatusCode != tc.want {
				t.Fatalf("%d %q, want %d", resp.StatusCode, reason, tc.want)
			}
		})
	}
}

// TestProtectDPoPReplayAcrossSchemes: an operation whose security
// requirements offer two schemes that accept the same DPoP-bound token
// (two names for one authorization server, say) accepts a proof once, not
// once per scheme: replayed, the proof the first scheme accepted is not
// accepted by the second. Within one request the proof is one use, so a
// request the first scheme authenticates but cannot admit (a scope it
// lacks) is still admitted by the second.
func TestProtectDPoPReplayAcrossSchemes(t *testing.T) {
	addr, _ := redistest.Start(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	key := newDPoPKey(t)
	tok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	const htu = "https://api.example/orders"
	dir := t.TempDir()
	specPath := filepath.Join(dir, "api.yaml")
	src := `openapi: 3.0.3
info: {title: two schemes, version: "1"}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: https://idp.example/token, scopes: {orders:read: read, orders:write: write}}}
    partner:
      type: oauth2
      flows: {clientCredentials: {tokenUrl: https://idp.example/token, scopes: {orders:read: read}}}
paths:
  /orders:
    get:
      operationId: listOrders
      security: [{oauth: []}, {partner: []}]
      responses: {'200': {description: ok, content: {application/json: {schema: {type: object}}}}}
    post:
      operationId: createOrder
      security: [{oauth: [orders:write]}, {partner: []}]
      responses: {'201': {description: ok, content: {application/json: {schema: {type: object}}}}}
`
	if err := os.WriteFile(specPath, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	scheme := func(name string) string {
		return fmt.Sprintf(`    %s:
      jwt: {jwks_url: %s, issuer: https://idp.example, audiences: [orders], type: at+jwt, min_refresh: 20ms, fetch_timeout: 1s}
      dpop: {external_origin: "https://api.example"}
`, name, d.url)
	}
	for _, tc := range []struct{ name, replay string }{
		{"memory", ""},
		{"redis", fmt.Sprintf(`{backend: redis, redis_addr: %q, prefix: "test:dpop-schemes:"}`, addr)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := fmt.Sprintf("spec: %s\nupstream: http://%s\nauthentication:\n  schemes:\n", specPath, up.addr) + scheme("oauth") + scheme("partner")
			if tc.replay != "" {
				y += "  dpop_replay: " + tc.replay + "\n"
			}
			s := startFirewall(t, loadConfigYAML(t, y), nil)
			waitFor(t, "JWKS", s.Ready)
			send := func(method, proof string) (int, string) {
				resp, reason := call{method, "/orders", []string{"Authorization", "DPoP " + tok, "DPoP", proof}, ""}.do(t, s)
				return resp.StatusCode, reason
			}
			proof := key.proof(t, "GET", htu, "schemes-"+tc.name, tok)
			if st, reason := send("GET", proof); st != 200 {
				t.Fatalf("first use: %d %s", st, reason)
			}
			if st, reason := send("GET", proof); st != 401 || reason != "auth-invalid" {
				t.Fatalf("the proof again, which the second scheme has not seen: %d %s, want 401 auth-invalid", st, reason)
			}
			// oauth authenticates the token but lacks orders:write;
			// partner admits it with the same proof, in the same request.
			post := key.proof(t, "POST", htu, "schemes-post-"+tc.name, tok)
			if st, reason := send("POST", post); st != 201 {
				t.Fatalf("one request tried by two schemes: %d %s, want 201", st, reason)
			}
			if st, _ := send("POST", post); st != 401 {
				t.Fatalf("that proof again: %d, want 401", st)
			}
		})
	}
}

// TestProtectDPoPReplayFailOpenRemembers: with the Redis replay store and
// fail_open, a node refuses a replay of a proof it accepted whether Redis
// answers or not: one accepted through Redis before it went down, one
// accepted in its own memory while Redis was down, across a contract
// reload too.
func TestProtectDPoPReplayFailOpenRemembers(t *testing.T) {
	addr, stop := redistest.Start(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	key := newDPoPKey(t)
	tok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	const htu = "https://api.example/orders"
	s := startFirewall(t, loadConfigYAML(t, dpopYAML(up, d.url, fmt.Sprintf(`{backend: redis, redis_addr: %q, fail_open: true, timeout: 200ms}`, addr))), nil)
	waitFor(t, "JWKS", s.Ready)
	send := func(proof string) int {
		resp, _ := call{"GET", "/orders", []string{"Authorization", "DPoP " + tok, "DPoP", proof}, ""}.do(t, s)
		return resp.StatusCode
	}
	before := key.proof(t, "GET", htu, "before-outage", tok)
	if st := send(before); st != 200 {
		t.Fatalf("Redis up, first use: %d", st)
	}
	stop()
	if st := send(before); st != 401 {
		t.Fatalf("Redis down, the proof accepted through Redis again: %d, want 401", st)
	}
	during := key.proof(t, "GET", htu, "during-outage", tok)
	if st := send(during); st != 200 {
		t.Fatalf("Redis down, failing open, first use: %d", st)
	}
	if err := s.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{"accepted through Redis": before, "accepted while Redis was down": during} {
		if st := send(p); st != 401 {
			t.Fatalf("after a reload, Redis down, the proof %s again: %d, want 401", name, st)
		}
	}
}
