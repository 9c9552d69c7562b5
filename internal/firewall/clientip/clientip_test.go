package clientip

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func mustPolicy(t *testing.T, c Config) *Policy {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func req(remote string, hdr map[string][]string) *http.Request {
	r := httptest.NewRequest("GET", "/x", nil)
	r.RemoteAddr = remote
	for k, vs := range hdr {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	return r
}

func TestResolve(t *testing.T) {
	xff := Config{TrustedProxies: []string{"10.0.0.0/8", "192.0.2.10"}}
	fwd := Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: "forwarded"}
	none := Config{}
	tests := []struct {
		name       string
		cfg        Config
		remote     string
		hdr        map[string][]string
		want       string
		src        Source
		incomplete bool
	}{
		{"untrusted peer: header ignored", xff, "203.0.113.5:4000", map[string][]string{"X-Forwarded-For": {"1.2.3.4"}}, "203.0.113.5", SourcePeer, false},
		{"no proxies configured: header ignored", none, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"1.2.3.4"}}, "10.1.1.1", SourcePeer, false},
		{"trusted peer, one hop", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.7"}}, "198.51.100.7", SourceXFF, false},
		{"spoofed left entries ignored", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.7"}}, "198.51.100.7", SourceXFF, false},
		{"skips trusted hops from the right", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.7, 192.0.2.10, 10.9.9.9"}}, "198.51.100.7", SourceXFF, false},
		{"several header lines form one list", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"6.6.6.6", "198.51.100.7"}}, "198.51.100.7", SourceXFF, false},
		{"all hops trusted: leftmost", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"10.2.2.2, 10.3.3.3"}}, "10.2.2.2", SourceXFF, false},
		{"trusted peer without header", xff, "10.1.1.1:4000", nil, "10.1.1.1", SourcePeer, false},
		{"garbage from trusted hop: nearest known", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.7, not-an-ip"}}, "10.1.1.1", SourceXFF, true},
		{"garbage left of the client is not reached", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"<script>, 198.51.100.7"}}, "198.51.100.7", SourceXFF, false},
		{"xff with port and v6", xff, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"[2001:db8::7]:5555"}}, "2001:db8::7", SourceXFF, false},
		{"ipv4-mapped peer matches v4 trust", xff, "[::ffff:10.1.1.1]:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.7"}}, "198.51.100.7", SourceXFF, false},
		{"forwarded header", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https, for=10.5.5.5;by=10.1.1.1`}}, "2001:db8:cafe::17", SourceForwarded, false},
		{"forwarded unknown from trusted hop", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=unknown`}}, "10.1.1.1", SourceForwarded, true},
		{"forwarded configured: xff ignored", fwd, "10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"198.51.100.7"}}, "10.1.1.1", SourcePeer, false},
		{"forwarded quoted comma", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=1.1.1.1;host="a,b", for=198.51.100.9`}}, "198.51.100.9", SourceForwarded, false},
		// The client opens a quoted string that the trusted proxy's own
		// element would fall into; the proxy's element still decides.
		{"forwarded: client quote swallows the proxy element (same line)", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=1.1.1.1;by="x, for=198.51.100.9`}}, "198.51.100.9", SourceForwarded, false},
		{"forwarded: client quote swallows the proxy element (next line)", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=1.1.1.1;by="x`, `for=198.51.100.9`}}, "198.51.100.9", SourceForwarded, false},
		{"forwarded: client quote pairs with the proxy's quote", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=1.1.1.1;by="x, for="[2001:db8::9]:443";proto=https`}}, "2001:db8::9", SourceForwarded, false},
		{"forwarded: escaped quote in the client's part", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=1.1.1.1;by="x\", for=198.51.100.9`}}, "198.51.100.9", SourceForwarded, false},
		{"forwarded: trusted hop then client behind a quote", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for=1.1.1.1;by="x, for=198.51.100.9, for=10.2.2.2`}}, "198.51.100.9", SourceForwarded, false},
		{"forwarded: unterminated quote from the trusted hop", fwd, "10.1.1.1:4000", map[string][]string{"Forwarded": {`for="198.51.100.9`}}, "10.1.1.1", SourceForwarded, true},
		{"unparseable remote addr", xff, "pipe", nil, "invalid IP", SourcePeer, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustPolicy(t, tc.cfg)
			got := p.Resolve(req(tc.remote, tc.hdr))
			if got.Addr.String() != tc.want || got.Source != tc.src || got.Incomplete != tc.incomplete {
				t.Fatalf("Resolve = %v (%s, incomplete=%v), want %s (%s, incomplete=%v)", got.Addr, got.Source, got.Incomplete, tc.want, tc.src, tc.incomplete)
			}
		})
	}
}

func TestResolveHugeHeaderIsBounded(t *testing.T) {
	p := mustPolicy(t, Config{TrustedProxies: []string{"10.0.0.0/8"}})
	long := strings.Repeat("10.0.0.1, ", 100000) + "198.51.100.7"
	got := p.Resolve(req("10.1.1.1:1", map[string][]string{"X-Forwarded-For": {long}}))
	if got.Addr.String() != "198.51.100.7" {
		t.Fatalf("got %v", got.Addr)
	}
	// A chain of trusted hops longer than the walk limit stops at the
	// limit instead of believing an entry far to the left.
	long = "6.6.6.6, " + strings.Repeat("10.0.0.1, ", 200) + "10.0.0.2"
	got = p.Resolve(req("10.1.1.1:1", map[string][]string{"X-Forwarded-For": {long}}))
	if got.Addr.String() == "6.6.6.6" {
		t.Fatalf("walked past the hop limit to a client-written entry")
	}
	// Forwarded: several huge lines are cut to the rightmost 8 KiB, and a
	// client line full of quoted commas does not hide the proxy's line.
	fwd := mustPolicy(t, Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: "forwarded"})
	lines := []string{`for=6.6.6.6;by="` + strings.Repeat(",", 100000), strings.Repeat("for=10.0.0.1, ", 1000) + "for=198.51.100.7"}
	if got := fwd.Resolve(req("10.1.1.1:1", map[string][]string{"Forwarded": lines})); got.Addr.String() != "198.51.100.7" {
		t.Fatalf("got %v, want 198.51.100.7", got.Addr)
	}
	lines = []string{strings.Repeat("for=10.0.0.1, ", 1000) + `for=198.51.100.7, for=6.6.6.6;by="` + strings.Repeat(",", 100)}
	if got := fwd.Resolve(req("10.1.1.1:1", map[string][]string{"Forwarded": lines})); got.Addr.String() != "10.1.1.1" || !got.Incomplete {
		t.Fatalf("got %v (incomplete %v), want the trusted peer 10.1.1.1 as an incomplete answer", got.Addr, got.Incomplete)
	}
}

func TestCheck(t *testing.T) {
	p := mustPolicy(t, Config{
		Allow: []string{"198.51.100.0/24", "2001:db8::/32"},
		Deny:  []string{"198.51.100.66"},
		Operations: map[string]Rules{
			"adminOp":  {Allow: []string{"198.51.100.0/28"}},
			"publicOp": {Deny: []string{"198.51.100.7"}},
		},
	})
	tests := []struct {
		addr, op string
		allowed  bool
		reason   string
		rule     string
	}{
		{"198.51.100.7", "", true, "", ""},
		{"198.51.100.66", "", false, ReasonDenied, "deny"},
		{"203.0.113.1", "", false, ReasonNotAllowed, "allow"},
		{"2001:db8::1", "", true, "", ""},
		{"::ffff:198.51.100.7", "", true, "", ""},
		{"198.51.100.7", "adminOp", true, "", ""},
		{"198.51.100.77", "adminOp", false, ReasonNotAllowed, "operations.adminOp.allow"},
		{"198.51.100.7", "publicOp", false, ReasonDenied, "operations.publicOp.deny"},
		{"198.51.100.8", "publicOp", true, "", ""},
		{"198.51.100.8", "otherOp", true, "", ""},
		{"203.0.113.1", "publicOp", false, ReasonNotAllowed, "allow"},
		{"", "", false, ReasonUnknown, "allow"},
	}
	for _, tc := range tests {
		t.Run(tc.addr+"/"+tc.op, func(t *testing.T) {
			var a netip.Addr
			if tc.addr != "" {
				a = netip.MustParseAddr(tc.addr)
			}
			d := p.Check(a, tc.op)
			if d.Allowed != tc.allowed || d.Reason != tc.reason || d.Rule != tc.rule {
				t.Fatalf("Check = %+v, want allowed=%v reason=%q rule=%q", d, tc.allowed, tc.reason, tc.rule)
			}
		})
	}
	// Without an allow list, an unknown address is not refused.
	if d := mustPolicy(t, Config{Deny: []string{"10.0.0.0/8"}}).Check(netip.Addr{}, ""); !d.Allowed {
		t.Fatalf("unknown address refused by a deny-only list: %+v", d)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error; none means valid
	}{
		{"valid", Config{TrustedProxies: []string{"10.0.0.0/8", "::1"}, Allow: []string{"192.0.2.0/24"}, Header: "Forwarded"}, nil},
		{"bad proxy", Config{TrustedProxies: []string{"10.0.0.0/33"}}, []string{"trusted_proxies[0]", "not a CIDR"}},
		{"host bits", Config{Allow: []string{"10.0.0.1/8"}}, []string{"allow[0]", "host bits", "10.0.0.0/8"}},
		{"not an address", Config{Deny: []string{"ok", "example.com"}}, []string{"deny[0]", "deny[1]", `"example.com"`}},
		{"bad header", Config{Header: "x-real-ip"}, []string{"header", "x-real-ip"}},
		{"operation list", Config{Operations: map[string]Rules{"getPet": {Deny: []string{"300.1.1.1"}}}}, []string{"operations.getPet.deny[0]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, nerr := New(tc.cfg); nerr == nil {
				t.Error("New accepted an invalid config")
			}
		})
	}
}

func TestIsTLS(t *testing.T) {
	xff := mustPolicy(t, Config{TrustedProxies: []string{"10.0.0.0/8"}})
	fwd := mustPolicy(t, Config{TrustedProxies: []string{"10.0.0.0/8"}, Header: "forwarded"})
	tests := []struct {
		name   string
		p      *Policy
		remote string
		hdr    map[string][]string
		tls    bool
		want   bool
	}{
		{"direct tls", xff, "203.0.113.1:1", nil, true, true},
		{"direct plain", xff, "203.0.113.1:1", nil, false, false},
		{"untrusted claims https", xff, "203.0.113.1:1", map[string][]string{"X-Forwarded-Proto": {"https"}}, false, false},
		{"trusted proxy https", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-Proto": {"https"}}, false, true},
		{"trusted proxy http (client spoofed left)", xff, "10.0.0.1:1", map[string][]string{"X-Forwarded-Proto": {"https, http"}}, false, false},
		{"forwarded proto", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"for=1.2.3.4;proto=http, for=198.51.100.1;proto=https"}}, false, true},
		{"forwarded: client quote swallows the proxy's proto", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`proto=https;by="x, for=198.51.100.1;proto=http`}}, false, false},
		{"forwarded: client quote on an earlier line", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {`proto=https;by="x`, `for=198.51.100.1;proto=http`}}, false, false},
		{"forwarded no proto", fwd, "10.0.0.1:1", map[string][]string{"Forwarded": {"for=1.2.3.4"}}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := req(tc.remote, tc.hdr)
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			if got := tc.p.IsTLS(r); got != tc.want {
				t.Fatalf("IsTLS = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestOverRealListener checks the address a real connection yields: the
// loopback peer, which is trusted here, so its X-Forwarded-For is read,
// and which is not trusted in the second policy, so the header is ignored.
func TestOverRealListener(t *testing.T) {
	trusting := mustPolicy(t, Config{TrustedProxies: []string{"127.0.0.0/8", "::1"}, Deny: []string{"198.51.100.66"}})
	strict := mustPolicy(t, Config{TrustedProxies: []string{"10.0.0.0/8"}})
	for _, tc := range []struct {
		name string
		p    *Policy
		xff  string
		want string
		code int
	}{
		{"trusted loopback proxy", trusting, "198.51.100.7", "198.51.100.7", 200},
		{"denied client behind proxy", trusting, "198.51.100.66", "198.51.100.66", 403},
		{"untrusted peer", strict, "198.51.100.7", "127.0.0.1", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				res := tc.p.Resolve(r)
				if d := tc.p.Check(res.Addr, ""); !d.Allowed {
					http.Error(w, d.Reason, http.StatusForbidden)
					return
				}
				io.WriteString(w, res.Addr.String())
			}))
			defer srv.Close()
			rq, _ := http.NewRequest("GET", srv.URL, nil)
			rq.Header.Set("X-Forwarded-For", tc.xff)
			resp, err := srv.Client().Do(rq)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.code, body)
			}
			if tc.code == 200 && string(body) != tc.want {
				t.Fatalf("client %q, want %q", body, tc.want)
			}
		})
	}
}

func BenchmarkResolveAndCheck(b *testing.B) {
	p, _ := New(Config{TrustedProxies: []string{"10.0.0.0/8"}, Allow: []string{"198.51.100.0/24"}, Deny: []string{"198.51.100.66"}})
	r := req("10.1.1.1:4000", map[string][]string{"X-Forwarded-For": {"6.6.6.6, 198.51.100.7, 10.2.2.2"}})
	b.ReportAllocs()
	for b.Loop() {
		res := p.Resolve(r)
		if !p.Check(res.Addr, "").Allowed {
			b.Fatal("refused")
		}
	}
}
