package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/spec"
)

const defSpec = `openapi: 3.0.3
info: {title: identity test, version: '1'}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    basic: {type: http, scheme: basic}
    keyHeader: {type: apiKey, in: header, name: X-API-Key}
    keyQuery: {type: apiKey, in: query, name: api_key}
    keyCookie: {type: apiKey, in: cookie, name: sid}
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: /oauth/token
          refreshUrl: /oauth/refresh
          scopes: {read: read, write: write}
paths:
  /a:
    get: {responses: {'200': {description: ok}}}
`

func loadDoc(t *testing.T) *spec.Document {
	t.Helper()
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(defSpec)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// seen is what a test server received.
type seen struct {
	Method, Path string
	Header       http.Header
	Query        url.Values
	Form         url.Values
	Body         []byte
	Cookies      map[string]string
}

// recorder is a 127.0.0.1 server that records every request and answers
// with the handler for its path.
type recorder struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []seen
}

func newRecorder(t *testing.T, routes map[string]http.HandlerFunc) *recorder {
	t.Helper()
	rec := &recorder{}
	rec.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s := seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Query: r.URL.Query(), Body: body, Cookies: map[string]string{}}
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
			s.Form, _ = url.ParseQuery(string(body))
		}
		for _, c := range r.Cookies() {
			s.Cookies[c.Name] = c.Value
		}
		rec.mu.Lock()
		rec.got = append(rec.got, s)
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		if h := routes[r.URL.Path]; h != nil {
			h(w, r)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rec.srv.Close)
	return rec
}

func (r *recorder) requests(path string) []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []seen
	for _, s := range r.got {
		if s.Path == path {
			out = append(out, s)
		}
	}
	return out
}

func (r *recorder) base(t *testing.T) *url.URL {
	u, err := url.Parse(r.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func jsonAnswer(status int, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

// call sends GET /a with the identity's credentials for requirement r and
// returns what the server saw.
func call(t *testing.T, rec *recorder, id *Identity, r spec.SecurityRequirement, omit string) seen {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, rec.srv.URL+"/a?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := id.Apply(context.Background(), req, r, omit); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	got := rec.requests("/a")
	if len(got) == 0 {
		t.Fatal("the API received nothing")
	}
	return got[len(got)-1]
}

func requirement(names ...string) spec.SecurityRequirement {
	var r spec.SecurityRequirement
	for _, n := range names {
		r.Schemes = append(r.Schemes, spec.SchemeRequirement{Name: n})
	}
	return r
}

func TestStaticCredentialsArePlacedWhereTheSchemeSays(t *testing.T) {
	doc := loadDoc(t)
	rec := newRecorder(t, nil)
	creds := map[string]config.Credential{
		"bearer":    {Token: "tok-static-1"},
		"basic":     {Username: "alice", Password: "p:ss word"},
		"keyHeader": {Value: "hdr-key-1"},
		"keyQuery":  {Value: "query key&1"},
		"keyCookie": {Value: "cookie-key-1"},
	}
	id := New(config.Identity{Name: "alice", Credentials: creds}, doc, rec.base(t), http.DefaultClient)
	for _, tc := range []struct {
		scheme string
		check  func(s seen) string
	}{
		{"bearer", func(s seen) string { return s.Header.Get("Authorization") }},
		{"basic", func(s seen) string {
			r := &http.Request{Header: s.Header}
			u, p, ok := r.BasicAuth()
			if !ok {
				return "no basic auth"
			}
			return u + "/" + p
		}},
		{"keyHeader", func(s seen) string { return s.Header.Get("X-API-Key") }},
		{"keyQuery", func(s seen) string { return s.Query.Get("api_key") + " x=" + s.Query.Get("x") }},
		{"keyCookie", func(s seen) string { return s.Cookies["sid"] }},
	} {
		want := map[string]string{
			"bearer":    "Bearer tok-static-1",
			"basic":     "alice/p:ss word",
			"keyHeader": "hdr-key-1",
			"keyQuery":  "query key&1 x=1", // the existing query parameter is kept
			"keyCookie": "cookie-key-1",
		}[tc.scheme]
		t.Run(tc.scheme, func(t *testing.T) {
			s := call(t, rec, id, requirement(tc.scheme), "")
			if got := tc.check(s); got != want {
				t.Errorf("server saw %q, want %q", got, want)
			}
		})
	}
	t.Run("AND-ed requirement with one scheme omitted", func(t *testing.T) {
		s := call(t, rec, id, requirement("bearer", "keyHeader"), "keyHeader")
		if s.Header.Get("Authorization") != "Bearer tok-static-1" || s.Header.Get("X-API-Key") != "" {
			t.Errorf("Authorization %q, X-API-Key %q; want the bearer token only", s.Header.Get("Authorization"), s.Header.Get("X-API-Key"))
		}
	})
	if id.Logins != 0 || len(rec.got) != 6 {
		t.Errorf("static credentials sent %d extra requests (logins %d)", len(rec.got)-6, id.Logins)
	}
	if !id.Has("keyQuery") || id.Has("oauth") {
		t.Errorf("Has: keyQuery %v, oauth %v; want true, false", id.Has("keyQuery"), id.Has("oauth"))
	}
	secrets := strings.Join(id.Secrets(), "\n")
	for _, s := range []string{"tok-static-1", "p:ss word", "hdr-key-1", "cookie-key-1"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() lacks %q, so it would not be redacted", s)
		}
	}
}

func TestLoginExtractsTokenWithJSONPath(t *testing.T) {
	doc := loadDoc(t)
	for _, tc := range []struct {
		name    string
		login   config.Login
		answer  any
		want    string
		wantErr string
	}{
		{"default paths", config.Login{URL: "/login", JSON: map[string]any{"user": "alice", "password": "alice-pass"}},
			map[string]any{"access_token": "tok-default", "expires_in": 900}, "tok-default", ""},
		{"nested path", config.Login{URL: "/login", JSON: map[string]any{"user": "alice"}, Token: "$.data.session.jwt"},
			map[string]any{"data": map[string]any{"session": map[string]any{"jwt": "tok-nested"}}}, "tok-nested", ""},
		{"array path", config.Login{URL: "/login", Form: map[string]string{"user": "alice"}, Token: "$.tokens[1].value"},
			map[string]any{"tokens": []any{map[string]any{"value": "first"}, map[string]any{"value": "tok-second"}}}, "tok-second", ""},
		{"path matches nothing", config.Login{URL: "/login", JSON: map[string]any{"user": "alice"}, Token: "$.token"},
			map[string]any{"access_token": "x"}, "", `JSONPath "$.token" matched nothing`},
		{"bad JSONPath", config.Login{URL: "/login", JSON: map[string]any{"user": "alice"}, Token: "$[?("},
			map[string]any{"access_token": "x"}, "", `JSONPath "$[?("`},
		{"token is an object", config.Login{URL: "/login", JSON: map[string]any{"user": "alice"}, Token: "$.data"},
			map[string]any{"data": map[string]any{"x": "y"}}, "", "matched nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, map[string]http.HandlerFunc{"/login": jsonAnswer(200, tc.answer)})
			tc.login.Schemes = []string{"bearer"}
			tc.login.Headers = map[string]string{"X-Client": "scanner"}
			id := New(config.Identity{Name: "alice", Login: &tc.login}, doc, rec.base(t), http.DefaultClient)
			c, ok, err := id.Credential(context.Background(), "bearer")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "identity alice") {
					t.Fatalf("error %v, want one naming the identity and containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !ok || c.Token != tc.want {
				t.Fatalf("Credential = %q, %v, %v; want %q", c.Token, ok, err, tc.want)
			}
			logins := rec.requests("/login")
			if len(logins) != 1 {
				t.Fatalf("%d login requests, want 1", len(logins))
			}
			l := logins[0]
			if l.Method != http.MethodPost || l.Header.Get("X-Client") != "scanner" {
				t.Errorf("login sent as %s with X-Client %q", l.Method, l.Header.Get("X-Client"))
			}
			switch {
			case tc.login.JSON != nil:
				var sent map[string]any
				if err := json.Unmarshal(l.Body, &sent); err != nil || l.Header.Get("Content-Type") != "application/json" || sent["user"] != "alice" {
					t.Errorf("login body %s (%s), want the configured JSON", l.Body, l.Header.Get("Content-Type"))
				}
			default:
				if l.Form.Get("user") != "alice" {
					t.Errorf("login form %v, want user=alice", l.Form)
				}
			}
			// The token is used for the bearer scheme on API requests.
			s := call(t, rec, id, requirement("bearer"), "")
			if s.Header.Get("Authorization") != "Bearer "+tc.want {
				t.Errorf("API saw Authorization %q", s.Header.Get("Authorization"))
			}
			if !strings.Contains(strings.Join(id.Secrets(), "\n"), tc.want) {
				t.Error("the obtained token is not among the secrets to redact")
			}
		})
	}
}

func TestLoginFailuresAreClearErrors(t *testing.T) {
	doc := loadDoc(t)
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // nothing listens there any more
	for _, tc := range []struct {
		name    string
		url     string
		handler http.HandlerFunc
		want    []string
	}{
		{"endpoint down", downURL + "/login", nil, []string{"identity alice", "login", "connection refused"}},
		{"server error", "/login", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "database unavailable", http.StatusInternalServerError)
		}, []string{"identity alice", "answered 500", "database unavailable"}},
		{"HTML instead of JSON", "/login", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>Sign in</body></html>")
		}, []string{"identity alice", "login response", "not JSON", "<html>"}},
		{"empty body", "/login", func(w http.ResponseWriter, _ *http.Request) {}, []string{"not JSON", "(empty body)"}},
		{"truncated JSON", "/login", func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"access_token": "abc`)
		}, []string{"not JSON"}},
		{"wrong credentials", "/login", jsonAnswer(401, map[string]any{"error": "bad credentials"}), []string{"answered 401", "bad credentials"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := newRecorder(t, map[string]http.HandlerFunc{"/login": tc.handler})
			id := New(config.Identity{Name: "alice", Login: &config.Login{URL: tc.url, JSON: map[string]any{"u": "alice"}, Schemes: []string{"bearer"}}},
				doc, rec.base(t), &http.Client{Timeout: 5 * time.Second})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, _, err := id.Credential(ctx, "bearer")
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if id.Logins != 0 {
				t.Errorf("Logins = %d after a failed login", id.Logins)
			}
		})
	}
}

// tokenServer is an OAuth2 token endpoint that checks client
// authentication and issues numbered tokens.
type tokenServer struct {
	mu       sync.Mutex
	n        int
	expires  int
	refresh  bool // issue refresh tokens
	rejectRT bool // refuse refresh_token grants
	answer   http.HandlerFunc
}

func (ts *tokenServer) handler(clientID, secret string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ts.answer != nil {
			ts.answer(w, r)
			return
		}
		u, p, ok := r.BasicAuth()
		if ok {
			u, _ = url.QueryUnescape(u)
			p, _ = url.QueryUnescape(p)
		}
		if !ok || u != clientID || p != secret {
			jsonAnswer(401, map[string]any{"error": "invalid_client"})(w, r)
			return
		}
		_ = r.ParseForm()
		if r.PostForm.Get("grant_type") == "refresh_token" && ts.rejectRT {
			jsonAnswer(400, map[string]any{"error": "invalid_grant"})(w, r)
			return
		}
		ts.mu.Lock()
		ts.n++
		n := ts.n
		ts.mu.Unlock()
		out := map[string]any{"access_token": fmt.Sprintf("access-%d", n), "token_type": "Bearer"}
		if ts.expires > 0 {
			out["expires_in"] = ts.expires
		}
		if ts.refresh {
			out["refresh_token"] = fmt.Sprintf("refresh-%d", n)
		}
		jsonAnswer(200, out)(w, r)
	}
}

func TestOAuth2Grants(t *testing.T) {
	doc := loadDoc(t)
	const clientID, secret = "scanner app", "s3cr:t/+&="
	t.Run("client_credentials sends the form and authenticates the client", func(t *testing.T) {
		ts := &tokenServer{expires: 3600}
		rec := newRecorder(t, map[string]http.HandlerFunc{"/oauth/token": ts.handler(clientID, secret)})
		id := New(config.Identity{Name: "svc", OAuth2: &config.OAuth2{Scheme: "oauth", Grant: "client_credentials",
			ClientID: clientID, ClientSecret: secret, Scopes: []string{"read", "write"}}}, doc, rec.base(t), http.DefaultClient)
		c, ok, err := id.Credential(context.Background(), "oauth")
		if err != nil || !ok || c.Token != "access-1" {
			t.Fatalf("Credential = %q, %v, %v", c.Token, ok, err)
		}
		got := rec.requests("/oauth/token")
		if len(got) != 1 {
			t.Fatalf("%d token requests (the scheme's tokenUrl), want 1", len(got))
		}
		f := got[0].Form
		if got[0].Method != http.MethodPost || f.Get("grant_type") != "client_credentials" || f.Get("scope") != "read write" || f.Has("refresh_token") {
			t.Errorf("token request %s form %v", got[0].Method, f)
		}
		if f.Has("client_secret") {
			t.Error("client secret sent in the form as well as in Authorization")
		}
		if s := call(t, rec, id, requirement("oauth"), ""); s.Header.Get("Authorization") != "Bearer access-1" {
			t.Errorf("API saw Authorization %q", s.Header.Get("Authorization"))
		}
		if !strings.Contains(strings.Join(id.Secrets(), "\n"), secret) {
			t.Error("client secret not among the secrets to redact")
		}
	})
	t.Run("wrong client secret is a clear error", func(t *testing.T) {
		ts := &tokenServer{}
		rec := newRecorder(t, map[string]http.HandlerFunc{"/oauth/token": ts.handler(clientID, "other")})
		id := New(config.Identity{Name: "svc", OAuth2: &config.OAuth2{Scheme: "oauth", Grant: "client_credentials",
			ClientID: clientID, ClientSecret: secret}}, doc, rec.base(t), http.DefaultClient)
		_, _, err := id.Credential(context.Background(), "oauth")
		if err == nil || !strings.Contains(err.Error(), "answered 401") || !strings.Contains(err.Error(), "invalid_client") {
			t.Fatalf("error %v, want the 401 and invalid_client", err)
		}
	})
	t.Run("refresh_token grant uses the refreshUrl and the configured token", func(t *testing.T) {
		ts := &tokenServer{refresh: true}
		rec := newRecorder(t, map[string]http.HandlerFunc{"/oauth/refresh": ts.handler(clientID, secret)})
		id := New(config.Identity{Name: "svc", OAuth2: &config.OAuth2{Scheme: "oauth", Grant: "refresh_token",
			ClientID: clientID, ClientSecret: secret, RefreshToken: "rt-configured"}}, doc, rec.base(t), http.DefaultClient)
		c, _, err := id.Credential(context.Background(), "oauth")
		if err != nil || c.Token != "access-1" {
			t.Fatalf("Credential = %q, %v", c.Token, err)
		}
		id.Invalidate()
		if c, _, err = id.Credential(context.Background(), "oauth"); err != nil || c.Token != "access-2" {
			t.Fatalf("after Invalidate: %q, %v", c.Token, err)
		}
		got := rec.requests("/oauth/refresh")
		if len(got) != 2 {
			t.Fatalf("%d token requests, want 2", len(got))
		}
		// The rotated refresh token the server returned is used next.
		for i, want := range []string{"rt-configured", "refresh-1"} {
			if f := got[i].Form; f.Get("grant_type") != "refresh_token" || f.Get("refresh_token") != want {
				t.Errorf("request %d form %v, want refresh_token=%s", i, f, want)
			}
		}
	})
	t.Run("client_credentials renews with the issued refresh token, then falls back", func(t *testing.T) {
		ts := &tokenServer{refresh: true}
		rec := newRecorder(t, map[string]http.HandlerFunc{"/oauth/token": ts.handler(clientID, secret)})
		id := New(config.Identity{Name: "svc", OAuth2: &config.OAuth2{Scheme: "oauth", Grant: "client_credentials",
			ClientID: clientID, ClientSecret: secret}}, doc, rec.base(t), http.DefaultClient)
		ctx := context.Background()
		if _, _, err := id.Credential(ctx, "oauth"); err != nil {
			t.Fatal(err)
		}
		id.Invalidate()
		if _, _, err := id.Credential(ctx, "oauth"); err != nil {
			t.Fatal(err)
		}
		ts.rejectRT = true
		id.Invalidate()
		c, _, err := id.Credential(ctx, "oauth")
		if err != nil || c.Token != "access-3" {
			t.Fatalf("after a refused refresh: %q, %v; want a new client_credentials token", c.Token, err)
		}
		var grants []string
		for _, s := range rec.requests("/oauth/token") {
			grants = append(grants, s.Form.Get("grant_type")+":"+s.Form.Get("refresh_token"))
		}
		want := "client_credentials:,refresh_token:refresh-1,refresh_token:refresh-2,client_credentials:"
		if strings.Join(grants, ",") != want {
			t.Errorf("grants %v, want %s", grants, want)
		}
	})
	for _, tc := range []struct {
		name   string
		answer http.HandlerFunc
		want   string
	}{
		{"garbage", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>oops</html>") }, "not a JSON object: <html>oops</html>"},
		{"no access_token", jsonAnswer(200, map[string]any{"token": "tok-secret-value", "expires_in": 60}), "no access_token (keys: expires_in, token)"},
	} {
		t.Run("token response "+tc.name, func(t *testing.T) {
			rec := newRecorder(t, map[string]http.HandlerFunc{"/oauth/token": tc.answer})
			id := New(config.Identity{Name: "svc", OAuth2: &config.OAuth2{Scheme: "oauth", Grant: "client_credentials", ClientID: "c"}},
				doc, rec.base(t), http.DefaultClient)
			_, _, err := id.Credential(context.Background(), "oauth")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "tok-secret-value") {
				t.Error("the error shows a token value")
			}
		})
	}
}

// fakeClock is a settable clock for expiry tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestTokenRenewedBeforeExpiry(t *testing.T) {
	doc := loadDoc(t)
	for _, tc := range []struct {
		name      string
		expiresIn int
		steps     []time.Duration // clock advance before each request
		logins    []int           // logins after each request
	}{
		// Renewed 30 s before a 15-minute token expires, not sooner.
		{"15 minutes", 900, []time.Duration{0, 860 * time.Second, 15 * time.Second, 0}, []int{1, 1, 2, 2}},
		// A 10-second token is renewed at half its life, not on every
		// request (a 30 s margin would exceed its whole lifetime).
		{"10 seconds", 10, []time.Duration{0, time.Second, 3 * time.Second, 2 * time.Second, 0}, []int{1, 1, 1, 2, 2}},
		// No expires_in and an opaque token: kept until a 401.
		{"no expiry", 0, []time.Duration{0, 24 * time.Hour, 24 * time.Hour}, []int{1, 1, 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := &tokenServer{expires: tc.expiresIn}
			rec := newRecorder(t, map[string]http.HandlerFunc{"/login": func(w http.ResponseWriter, r *http.Request) {
				ts.mu.Lock()
				ts.n++
				out := map[string]any{"access_token": fmt.Sprintf("login-%d", ts.n)}
				if ts.expires > 0 {
					out["expires_in"] = ts.expires
				}
				ts.mu.Unlock()
				jsonAnswer(200, out)(w, r)
			}})
			id := New(config.Identity{Name: "alice", Login: &config.Login{URL: "/login", JSON: map[string]any{"u": "a"}, Schemes: []string{"bearer"}}},
				doc, rec.base(t), http.DefaultClient)
			clock := &fakeClock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
			id.now = clock.now
			for i, d := range tc.steps {
				clock.t = clock.t.Add(d)
				c, _, err := id.Credential(context.Background(), "bearer")
				if err != nil {
					t.Fatal(err)
				}
				if id.Logins != tc.logins[i] || c.Token != fmt.Sprintf("login-%d", tc.logins[i]) {
					t.Fatalf("request %d: %d logins, token %q; want %d", i, id.Logins, c.Token, tc.logins[i])
				}
			}
		})
	}
}

func TestTokenExpiryFromJWTExp(t *testing.T) {
	doc := loadDoc(t)
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// An unsigned token is enough: the scanner only reads its own
	// identity's exp claim, it does not verify the token.
	tok := AlgNone(map[string]any{"sub": "alice", "exp": now.Add(10 * time.Minute).Unix()})
	rec := newRecorder(t, map[string]http.HandlerFunc{"/login": jsonAnswer(200, map[string]any{"access_token": tok})})
	id := New(config.Identity{Name: "alice", Login: &config.Login{URL: "/login", JSON: map[string]any{"u": "a"}, Schemes: []string{"bearer"}}},
		doc, rec.base(t), http.DefaultClient)
	clock := &fakeClock{t: now}
	id.now = clock.now
	for _, step := range []struct {
		at     time.Duration
		logins int
	}{{0, 1}, {9 * time.Minute, 1}, {9*time.Minute + 31*time.Second, 2}} {
		clock.t = now.Add(step.at)
		if _, _, err := id.Credential(context.Background(), "bearer"); err != nil {
			t.Fatal(err)
		}
		if id.Logins != step.logins {
			t.Errorf("at +%s: %d logins, want %d", step.at, id.Logins, step.logins)
		}
	}
}

func TestInvalidateOnlyForObtainedTokens(t *testing.T) {
	doc := loadDoc(t)
	static := New(config.Identity{Name: "a", Credentials: map[string]config.Credential{"bearer": {Token: "t"}}}, doc, &url.URL{Scheme: "http", Host: "127.0.0.1"}, http.DefaultClient)
	if static.Invalidate() {
		t.Error("a static credential cannot be renewed, yet Invalidate asks for a retry")
	}
	login := New(config.Identity{Name: "b", Login: &config.Login{URL: "/login"}}, doc, &url.URL{Scheme: "http", Host: "127.0.0.1"}, http.DefaultClient)
	if !login.Invalidate() {
		t.Error("Invalidate refused for a login identity")
	}
}

func TestExtract(t *testing.T) {
	for _, tc := range []struct {
		body, expr, want, err string
	}{
		{`{"a":{"b":"x"}}`, "$.a.b", "x", ""},
		{`{"n":42}`, "$.n", "42", ""},
		{`[{"id":"7"}]`, "$[0].id", "7", ""},
		{`{"a":""}`, "$.a", "", "matched nothing"},
		{`a: yaml-not-json`, "$.a", "", "not JSON"},
		{`{"a":1}`, "a..b[", "", "JSONPath"},
	} {
		got, err := Extract([]byte(tc.body), tc.expr)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Extract(%s, %s) error %v, want %q", tc.body, tc.expr, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Extract(%s, %s) = %q, %v; want %q", tc.body, tc.expr, got, err, tc.want)
		}
	}
}

// A login's header values and the secret-looking fields of its JSON body,
// at any depth, are secrets to redact.
func TestLoginSecrets(t *testing.T) {
	id := New(config.Identity{Name: "carl", Login: &config.Login{URL: "/login",
		Headers: map[string]string{"X-Client-Key": "client-key-123"},
		JSON:    map[string]any{"user": "carl", "credentials": map[string]any{"secret": "nested-secret-1"}, "otp_code": "445566"}}},
		nil, nil, nil)
	secrets := strings.Join(id.Secrets(), "\n")
	for _, s := range []string{"client-key-123", "nested-secret-1", "445566"} {
		if !strings.Contains(secrets, s) {
			t.Errorf("Secrets() lacks %q", s)
		}
	}
	if strings.Contains(secrets, "carl") {
		t.Error("the user name is not a secret")
	}
}

// An API-key scheme whose header name no request can carry is refused with
// a message that says so, before any request is built around it.
func TestHeaderKeyWithAnInvalidName(t *testing.T) {
	doc := "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  securitySchemes:\n    spaced: {type: apiKey, in: header, name: 'ADVICEment API Key'}\n"
	d, err := spec.Load(context.Background(), "-", spec.Options{Stdin: strings.NewReader(doc)})
	if err != nil {
		t.Fatal(err)
	}
	id := New(config.Identity{Name: "a", Credentials: map[string]config.Credential{"spaced": {Value: "k-1"}}}, d, nil, http.DefaultClient)
	req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
	err = id.Apply(context.Background(), req, requirement("spaced"), "")
	if err == nil || !strings.Contains(err.Error(), "not a valid HTTP field name") {
		t.Fatalf("Apply = %v, want an error naming the invalid field name", err)
	}
	if len(req.Header) != 0 {
		t.Errorf("the request got headers anyway: %v", req.Header)
	}
}
