package firewall

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/redistest"
)

// TestProtectRedisTLS runs firewalls whose three Redis-backed stores (rate
// limits, the token denylist, the DPoP replay store) reach a Redis that
// speaks TLS only. With TLS and the server's CA in the CA file, each store
// keeps its state in Redis; with a CA that did not sign the server's
// certificate, or plain TCP to the TLS port, a request that needs the
// store gets the section's failure policy (503, or it passes when the
// section fails open), within a small multiple of the timeout.
func TestProtectRedisTLS(t *testing.T) {
	srv := redistest.StartTLS(t)
	up := startUpstream(t)
	d := startIDP(t, true)
	key := newDPoPKey(t)

	// A store: its section, given how it reaches the server, its timeout
	// and the failure policy, and the request that needs it. The second request of a client is refused when the store
	// works: over the limit, revoked in between, the proof replayed.
	type store struct {
		section func(c redistest.TLSClient, timeout time.Duration, failOpen bool) Config
		request func(s *Server) call
		between func(s *Server)
		// refused is the status and reason of the second request, and
		// unavailable the reason of a 503, when Redis cannot be used.
		refused             int
		reason, unavailable string
		// failing open, the node's own memory still refuses the second
		// request (a proof sent twice to the same node)
		memoryRefuses bool
	}
	dpopTok := d.token(t, "k1", map[string]any{"cnf": map[string]any{"jkt": key.jkt}})
	denyTok := d.token(t, "k1", map[string]any{"jti": "t-tls"})
	stores := map[string]store{
		"rate_limits": {
			section: func(c redistest.TLSClient, timeout time.Duration, failOpen bool) Config {
				policy := map[bool]string{false: "closed", true: "open"}[failOpen]
				return protectConfig(t, up, d.url, fmt.Sprintf(`rate_limits:
  store: redis
  on_store_error: %s
  redis: {addr: %q, tls: %v, ca_file: %q, timeout: %s}
  rules: [{name: per-ip, key: ip, rate: 1, period: 1h}]
`, policy, srv.Addr, c.TLS, c.CAFile, timeout))
			},
			request: func(*Server) call { return call{"GET", "/public/search", nil, ""} },
			refused: 429, reason: "rate-limited", unavailable: "rate-limit-unavailable",
		},
		"denylist": {
			section: func(c redistest.TLSClient, timeout time.Duration, failOpen bool) Config {
				return protectConfig(t, up, d.url, fmt.Sprintf("  denylist: {backend: redis, redis_addr: %q, redis_tls: %v, redis_ca_file: %q, timeout: %s, fail_open: %v}\n",
					srv.Addr, c.TLS, c.CAFile, timeout, failOpen))
			},
			request: func(*Server) call { return call{"GET", "/orders", bearer(denyTok), ""} },
			between: func(s *Server) { revoke(t, s, fmt.Sprintf(`{"jti":"t-tls","exp":%q}`, rfc3339In(10*time.Minute))) },
			refused: 401, reason: "auth-invalid", unavailable: "auth-unavailable",
		},
		"dpop_replay": {
			section: func(c redistest.TLSClient, timeout time.Duration, failOpen bool) Config {
				return loadConfigYAML(t, dpopYAML(up, d.url, fmt.Sprintf("{backend: redis, redis_addr: %q, redis_tls: %v, redis_ca_file: %q, timeout: %s, fail_open: %v}",
					srv.Addr, c.TLS, c.CAFile, timeout, failOpen)))
			},
			request: func(s *Server) call {
				// One proof per firewall, sent twice.
				proof := key.proof(t, "GET", "https://api.example/orders", "tls-"+s.Addr(), dpopTok)
				return call{"GET", "/orders", []string{"Authorization", "DPoP " + dpopTok, "DPoP", proof}, ""}
			},
			refused: 401, reason: "auth-invalid", unavailable: "auth-unavailable",
			memoryRefuses: true,
		},
	}
	for _, conn := range srv.Clients {
		timeout := conn.Timeout(100 * time.Millisecond)
		for _, failOpen := range []bool{false, true} {
			if conn.Works && failOpen {
				continue // the policy does not apply
			}
			for _, name := range []string{"rate_limits", "denylist", "dpop_replay"} {
				st := stores[name]
				t.Run(fmt.Sprintf("%s/%s/fail_open=%v", conn.Name, name, failOpen), func(t *testing.T) {
					s := startFirewall(t, st.section(conn, timeout, failOpen), nil)
					waitFor(t, "JWKS", s.Ready)
					c := st.request(s)
					want := [2]int{503, 503}
					reasons := [2]string{st.unavailable, st.unavailable}
					switch {
					case conn.Works:
						want, reasons = [2]int{200, st.refused}, [2]string{"", st.reason}
					case failOpen && st.memoryRefuses:
						want, reasons = [2]int{200, st.refused}, [2]string{"", st.reason}
					case failOpen:
						want, reasons = [2]int{200, 200}, [2]string{}
					}
					for i := range 2 {
						if i == 1 && conn.Works && st.between != nil {
							st.between(s)
						}
						start := time.Now()
						resp, reason := c.do(t, s)
						took := time.Since(start)
						if resp.StatusCode != want[i] || reason != reasons[i] {
							t.Fatalf("request %d: %d %q, want %d %q", i+1, resp.StatusCode, reason, want[i], reasons[i])
						}
						if took > 10*timeout {
							t.Fatalf("request %d: answered after %v, want under %v", i+1, took, 10*timeout)
						}
					}
				})
			}
		}
	}
}

// TestProtectRedisCAFile: a CA file that does not exist or holds no PEM
// certificate stops start-up with an error naming the key, in each of the
// three sections.
func TestProtectRedisCAFile(t *testing.T) {
	up := startUpstream(t)
	const jwks = "http://127.0.0.1:1/jwks.json"
	for _, file := range []struct{ path, err string }{
		{"testdata/no-such-ca.pem", "open testdata/no-such-ca.pem: no such file or directory"},
		{"testdata/protect.yaml", "testdata/protect.yaml holds no PEM certificate"},
	} {
		for key, cfg := range map[string]Config{
			"rate_limits.redis.ca_file":                protectConfig(t, up, jwks, fmt.Sprintf("rate_limits:\n  store: redis\n  redis: {addr: 127.0.0.1:1, tls: true, ca_file: %s}\n  rules: [{name: per-ip, key: ip, rate: 1, period: 1h}]\n", file.path)),
			"authentication.denylist.redis_ca_file":    protectConfig(t, up, jwks, fmt.Sprintf("  denylist: {backend: redis, redis_addr: 127.0.0.1:1, redis_tls: true, redis_ca_file: %s}\n", file.path)),
			"authentication.dpop_replay.redis_ca_file": loadConfigYAML(t, dpopYAML(up, jwks, fmt.Sprintf("{backend: redis, redis_addr: 127.0.0.1:1, redis_tls: true, redis_ca_file: %s}", file.path))),
		} {
			cfg.Listen, cfg.Admin = "127.0.0.1:0", "127.0.0.1:0"
			_, err := New(context.Background(), cfg, nil, io.Discard)
			if want := key + ": " + file.err; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s = %s: err = %v, want %q", key, file.path, err, want)
			}
		}
	}
}
