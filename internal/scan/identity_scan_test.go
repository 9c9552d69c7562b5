package scan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
)

const tokenAPI = `openapi: 3.0.3
info: {title: token refresh, version: '1'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
security: [{bearer: []}]
paths:
  /thing:
    get:
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, properties: {ok: {type: boolean}}}
        '401': {description: no}
`

// authServer issues numbered tokens at /login and accepts on /thing the
// tokens accept says are good; it counts what it receives.
type authServer struct {
	accept func(n int) bool
	mu     sync.Mutex
	logins int
	calls  map[string]int // Authorization header of GET /thing -> count
}

func (a *authServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/login":
		a.logins++
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("tok-%d", a.logins)})
	case "/thing":
		h := r.Header.Get("Authorization")
		a.calls[h]++
		var n int
		if _, err := fmt.Sscanf(h, "Bearer tok-%d", &n); err == nil && a.accept(n) {
			fmt.Fprint(w, `{"ok":true}`)
			return
		}
		w.Header().Set("WWW-Authenticate", "Bearer")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func loadSpec(t *testing.T, text string) *spec.Document {
	t.Helper()
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(text)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A 401 to a request carrying a login token renews the token and retries
// that request once; a second 401 is the answer, never a loop.
func TestTokenRefreshedOnceOn401(t *testing.T) {
	for _, tc := range []struct {
		name       string
		accept     func(int) bool
		wantLogins int
		wantCalls  map[string]int
		happyFails bool
	}{
		{"first token revoked", func(n int) bool { return n >= 2 }, 2,
			map[string]int{"Bearer tok-1": 1, "Bearer tok-2": 1}, false},
		{"every token refused", func(int) bool { return false }, 2,
			map[string]int{"Bearer tok-1": 1, "Bearer tok-2": 1}, true},
		{"token accepted", func(int) bool { return true }, 1,
			map[string]int{"Bearer tok-1": 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			as := &authServer{accept: tc.accept, calls: map[string]int{}}
			srv := httptest.NewServer(as)
			defer srv.Close()
			cfg := &config.Config{Identities: []config.Identity{{Name: "alice",
				Login: &config.Login{URL: "/login", JSON: map[string]any{"user": "alice"}}}}}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := scan.Run(ctx, loadSpec(t, tokenAPI), scan.Options{Target: srv.URL, Config: cfg, Rate: 1000, NoProbes: true, Safe: true})
			if err != nil {
				t.Fatal(err)
			}
			as.mu.Lock()
			defer as.mu.Unlock()
			if as.logins != tc.wantLogins {
				t.Errorf("%d logins, want %d", as.logins, tc.wantLogins)
			}
			for h, n := range tc.wantCalls {
				if as.calls[h] != n {
					t.Errorf("GET /thing with %q: %d requests, want %d (all: %v)", h, as.calls[h], n, as.calls)
				}
			}
			for h := range as.calls {
				if strings.HasPrefix(h, "Bearer tok-") && tc.wantCalls[h] == 0 {
					t.Errorf("unexpected request with %q", h)
				}
			}
			_, failed := res.HappyFailures["GET /thing"]
			if failed != tc.happyFails {
				t.Errorf("happy path failed = %v (%v), want %v", failed, res.HappyFailures, tc.happyFails)
			}
		})
	}
}

// A login URL on another origin is refused before anything is sent unless
// that origin is listed in auth_origins.
func TestLoginOutsideAuthOriginsIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name       string
		allowlist  bool
		wantLogins int
	}{
		{"not allowlisted", false, 0},
		{"allowlisted", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idp := &authServer{accept: func(int) bool { return true }, calls: map[string]int{}}
			idpSrv := httptest.NewServer(idp)
			defer idpSrv.Close()
			api := &authServer{accept: func(int) bool { return true }, calls: map[string]int{}}
			apiSrv := httptest.NewServer(api)
			defer apiSrv.Close()
			cfg := &config.Config{Identities: []config.Identity{{Name: "alice",
				Login: &config.Login{URL: idpSrv.URL + "/login", JSON: map[string]any{"user": "alice", "password": "alice-pass"}}}}}
			if tc.allowlist {
				cfg.AuthOrigins = []string{idpSrv.URL}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := scan.Run(ctx, loadSpec(t, tokenAPI), scan.Options{Target: apiSrv.URL, Config: cfg, Rate: 1000, NoProbes: true, Safe: true})
			if err != nil {
				t.Fatal(err)
			}
			idp.mu.Lock()
			logins := idp.logins
			idp.mu.Unlock()
			if logins != tc.wantLogins {
				t.Fatalf("identity provider received %d logins, want %d", logins, tc.wantLogins)
			}
			reason := res.HappyFailures["GET /thing"]
			if !tc.allowlist {
				if !strings.Contains(reason, "outside the scan scope") || !strings.Contains(reason, "not the target or an allowlisted auth origin") {
					t.Errorf("happy-path failure %q does not say the login origin is out of scope", reason)
				}
				if api.calls["Bearer tok-1"] != 0 {
					t.Error("a request carried a token although the login was refused")
				}
			} else if reason != "" {
				t.Errorf("happy path failed: %s", reason)
			}
		})
	}
}
