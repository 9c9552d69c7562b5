package harden

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func boolp(b bool) *bool { return &b }

func TestHeadersApply(t *testing.T) {
	upstream := func() http.Header {
		return http.Header{
			"Server":                  {"nginx/1.2.3"},
			"X-Powered-By":            {"PHP/5.6"},
			"X-Aspnet-Version":        {"4.0"},
			"Cache-Control":           {"public, max-age=3600"},
			"Expires":                 {"Thu, 01 Dec 2094 16:00:00 GMT"},
			"Content-Security-Policy": {"default-src *"},
			"Content-Type":            {"application/json"},
		}
	}
	tests := []struct {
		name string
		cfg  HeadersConfig
		info ResponseInfo
		want map[string]string // "" = absent
	}{
		{"defaults over TLS, authenticated", HeadersConfig{}, ResponseInfo{TLS: true, Authenticated: true}, map[string]string{
			"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
			"X-Content-Type-Options":    "nosniff",
			"Content-Security-Policy":   "default-src 'none'; frame-ancestors 'none'",
			"Referrer-Policy":           "no-referrer",
			"X-Frame-Options":           "DENY",
			"Cache-Control":             "no-store",
			"Expires":                   "",
			"Server":                    "",
			"X-Powered-By":              "",
			"X-Aspnet-Version":          "4.0",
			"Content-Type":              "application/json",
		}},
		{"plain HTTP: no HSTS", HeadersConfig{}, ResponseInfo{}, map[string]string{
			"Strict-Transport-Security": "",
			"X-Content-Type-Options":    "nosniff",
		}},
		{"anonymous: upstream caching kept", HeadersConfig{}, ResponseInfo{TLS: true}, map[string]string{
			"Cache-Control": "public, max-age=3600",
		}},
		{"custom", HeadersConfig{
			HSTS:                  HSTSConfig{MaxAge: 2 * 365 * 24 * time.Hour, Preload: true},
			ReferrerPolicy:        "strict-origin",
			ContentSecurityPolicy: "-",
			FrameOptions:          "-",
			NoSniff:               boolp(false),
			NoStoreAuthenticated:  boolp(false),
			Remove:                []string{"x-aspnet-version"},
		}, ResponseInfo{TLS: true, Authenticated: true}, map[string]string{
			"Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
			"Referrer-Policy":           "strict-origin",
			"Content-Security-Policy":   "default-src *", // left to the upstream
			"X-Frame-Options":           "",
			"X-Content-Type-Options":    "",
			"Cache-Control":             "public, max-age=3600",
			"X-Aspnet-Version":          "",
		}},
		{"hsts disabled", HeadersConfig{HSTS: HSTSConfig{MaxAge: -1}}, ResponseInfo{TLS: true}, map[string]string{
			"Strict-Transport-Security": "",
		}},
		{"all disabled", HeadersConfig{Disabled: true}, ResponseInfo{TLS: true, Authenticated: true}, map[string]string{
			"Server": "nginx/1.2.3", "X-Content-Type-Options": "", "Cache-Control": "public, max-age=3600",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := NewHeaders(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			hdr := upstream()
			h.Apply(hdr, tc.info)
			for k, v := range tc.want {
				if got := hdr.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestHeadersValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  HeadersConfig
		want string
	}{
		{HeadersConfig{ReferrerPolicy: "never"}, "referrer_policy"},
		{HeadersConfig{FrameOptions: "ALLOW-FROM x"}, "frame_options"},
		{HeadersConfig{ContentSecurityPolicy: "a\r\nSet-Cookie: x"}, "one line"},
		{HeadersConfig{HSTS: HSTSConfig{MaxAge: time.Hour, Preload: true}}, "one year"},
		{HeadersConfig{HSTS: HSTSConfig{Preload: true, IncludeSubdomains: boolp(false)}}, "include_subdomains"},
		{HeadersConfig{Remove: []string{"Bad Header"}}, "remove[0]"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

func preflight(origin, method, headers string) *http.Request {
	r := httptest.NewRequest(http.MethodOptions, "https://api.example.com/orders", nil)
	r.Header.Set("Origin", origin)
	r.Header.Set("Access-Control-Request-Method", method)
	if headers != "" {
		r.Header.Set("Access-Control-Request-Headers", headers)
	}
	return r
}

func TestPreflight(t *testing.T) {
	creds := CORSConfig{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.partner.example", "http://localhost:3000"},
		AllowedMethods:   []string{"GET", "POST", "DELETE"},
		AllowedHeaders:   []string{"Authorization", "Content-Type"},
		AllowCredentials: true,
		MaxAge:           5 * time.Hour,
	}
	public := CORSConfig{AllowedOrigins: []string{"*"}}
	// Written with the scheme's default port, which browsers never send.
	defaultPorts := CORSConfig{AllowedOrigins: []string{"https://app.example.com:443", "http://*.partner.example:80", "https://other.example:8443"}}
	tests := []struct {
		name        string
		cfg         CORSConfig
		r           *http.Request
		pathMethods []string
		status      int
		reason      string
		acao        string
		acah        string
	}{
		{"allowed", creds, preflight("https://app.example.com", "POST", "content-type, Authorization"), nil, 204, "", "https://app.example.com", "content-type, authorization"},
		{"wildcard subdomain", creds, preflight("https://shop.partner.example", "GET", ""), nil, 204, "", "https://shop.partner.example", ""},
		{"wildcard does not match the apex", creds, preflight("https://partner.example", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"wildcard does not match two labels", creds, preflight("https://a.b.partner.example", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"suffix trick", creds, preflight("https://evilpartner.example", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"scheme must match", creds, preflight("http://app.example.com", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"port must match", creds, preflight("http://localhost:3001", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"null origin", creds, preflight("null", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"origin with a query", creds, preflight("https://app.example.com?x=1", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"origin with an empty query", creds, preflight("https://app.example.com?", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"origin with a fragment", creds, preflight("https://app.example.com#frag", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"wildcard origin with a query", creds, preflight("https://shop.partner.example?q", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"unknown origin", creds, preflight("https://evil.test", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"method not allowed", creds, preflight("https://app.example.com", "PUT", ""), nil, 403, ReasonMethodDenied, "", ""},
		{"method not on the path", creds, preflight("https://app.example.com", "DELETE", ""), []string{"GET", "POST"}, 403, ReasonMethodDenied, "", ""},
		{"header not allowed", creds, preflight("https://app.example.com", "GET", "X-Debug"), nil, 403, ReasonHeadersDenied, "", ""},
		{"public API: star without credentials", public, preflight("https://anyone.test", "GET", ""), nil, 204, "", "*", ""},
		{"configured with the default https port", defaultPorts, preflight("https://app.example.com", "GET", ""), nil, 204, "", "https://app.example.com", ""},
		{"wildcard configured with the default http port", defaultPorts, preflight("http://shop.partner.example", "GET", ""), nil, 204, "", "http://shop.partner.example", ""},
		{"another port is not a default one", defaultPorts, preflight("https://other.example", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
		{"cors off", CORSConfig{}, preflight("https://app.example.com", "GET", ""), nil, 403, ReasonOriginDenied, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCORS(tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if !IsPreflight(tc.r) {
				t.Fatal("not recognised as a preflight")
			}
			h := http.Header{}
			out := c.Preflight(tc.r, h, tc.pathMethods)
			if out.Status != tc.status || out.Reason != tc.reason || out.Allowed != (tc.status == 204) {
				t.Fatalf("outcome %+v, want %d %q", out, tc.status, tc.reason)
			}
			if got := h.Get("Access-Control-Allow-Origin"); got != tc.acao {
				t.Errorf("ACAO %q, want %q", got, tc.acao)
			}
			if got := h.Get("Access-Control-Allow-Headers"); got != tc.acah {
				t.Errorf("ACAH %q, want %q", got, tc.acah)
			}
			if !strings.Contains(h.Get("Vary"), "Origin") {
				t.Error("no Vary: Origin")
			}
			if out.Allowed {
				if tc.cfg.AllowCredentials != (h.Get("Access-Control-Allow-Credentials") == "true") {
					t.Error("credentials header does not follow the policy")
				}
				if tc.cfg.MaxAge > 2*time.Hour && h.Get("Access-Control-Max-Age") != "7200" {
					t.Errorf("max age %q not capped", h.Get("Access-Control-Max-Age"))
				}
			} else if len(h.Values("Access-Control-Allow-Methods")) > 0 {
				t.Error("refused preflight discloses the policy")
			}
		})
	}
}

func TestCORSValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  CORSConfig
		want string
	}{
		{CORSConfig{AllowedOrigins: []string{"*"}, AllowCredentials: true}, "cannot be used with allow_credentials"},
		{CORSConfig{AllowedOrigins: []string{"app.example.com"}}, "not an origin"},
		{CORSConfig{AllowedOrigins: []string{"https://app.example.com/path"}}, "not an origin"},
		{CORSConfig{AllowedOrigins: []string{"null"}}, "null"},
		{CORSConfig{AllowedOrigins: []string{"https://*.com"}}, "wildcard"},
		{CORSConfig{AllowedOrigins: []string{"https://a.*.example.com"}}, "wildcard"},
		{CORSConfig{AllowedMethods: []string{"get"}}, "allowed_methods[0]"},
		{CORSConfig{AllowedHeaders: []string{"*"}, AllowCredentials: true}, "not a wildcard"},
	} {
		err := tc.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one mentioning %q", tc.cfg, err, tc.want)
		}
	}
}

// TestCORSOverRealListener: preflights are answered before the
// application (which counts its calls), actual responses get the CORS
// headers, and credentials are never combined with "*".
func TestCORSOverRealListener(t *testing.T) {
	c, err := NewCORS(CORSConfig{
		AllowedOrigins:          []string{"https://app.example.com"},
		AllowedMethods:          []string{"GET", "POST"},
		AllowedHeaders:          []string{"Content-Type"},
		ExposedHeaders:          []string{"ratelimit", "retry-after"},
		AllowCredentials:        true,
		RejectDisallowedOrigins: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	hd, _ := NewHeaders(HeadersConfig{})
	calls := 0
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		w.Header().Set("Server", "upstream/1.0")
		hd.Apply(w.Header(), ResponseInfo{TLS: r.TLS != nil, Authenticated: r.Header.Get("Authorization") != ""})
		io.WriteString(w, `{"ok":true}`)
	})
	srv := httptest.NewTLSServer(c.Handler(app))
	defer srv.Close()
	do := func(method, origin string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+"/orders", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := do("OPTIONS", "https://app.example.com", map[string]string{"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || calls != 0 {
		t.Fatalf("preflight: %d %v, app called %d times", resp.StatusCode, resp.Header, calls)
	}
	resp = do("GET", "https://app.example.com", map[string]string{"Authorization": "Bearer x"})
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "Ratelimit, Retry-After" || resp.Header.Get("Vary") != "Origin" {
		t.Fatalf("actual: %d %v", resp.StatusCode, resp.Header)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Strict-Transport-Security") == "" || resp.Header.Get("Server") != "" {
		t.Fatalf("hardening missing: %v", resp.Header)
	}
	if resp = do("POST", "https://evil.test", nil); resp.StatusCode != 403 || calls != 1 {
		t.Fatalf("disallowed origin: %d, app called %d times", resp.StatusCode, calls)
	}
	if resp = do("GET", "", nil); resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("no origin: %d %v", resp.StatusCode, resp.Header)
	}
}

func BenchmarkApply(b *testing.B) {
	h, _ := NewHeaders(HeadersConfig{})
	b.ReportAllocs()
	for b.Loop() {
		hdr := http.Header{"Server": {"x"}, "Content-Type": {"application/json"}}
		h.Apply(hdr, ResponseInfo{TLS: true, Authenticated: true})
	}
}
