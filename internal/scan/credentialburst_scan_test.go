package scan_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/rampart-sec/rampart/internal/scan"
	"github.com/rampart-sec/rampart/internal/scan/config"
)

// otpCheck is a one-time code check operation, declared under two
// versions of its path.
const otpCheck = `    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, otp]
              properties:
                email: {type: string, maxLength: 40}
                otp: {type: string, pattern: '^[0-9]{4}$'}
      responses: {"200": {description: ok}, "401": {description: wrong}, "429": {description: slow down}}
`

// credentialSpec has crAPI's shape: a login, two versions of a one-time
// code check, a sign-up and a password recovery, all anonymous.
const credentialSpec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /auth/login:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [username, password]
              properties:
                username: {type: string, maxLength: 40}
                password: {type: string, maxLength: 40}
      responses: {"200": {description: ok}, "401": {description: wrong}, "429": {description: slow down}}
  /auth/v2/check-otp:
` + otpCheck + `  /auth/v3/check-otp:
` + otpCheck + `  /auth/signup:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string, maxLength: 40}
                password: {type: string, maxLength: 40}
      responses: {"200": {description: ok}, "429": {description: slow down}}
  /auth/forgot-password:
    post:
      security: []
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email]
              properties:
                email: {type: string, maxLength: 40}
      responses: {"200": {description: ok}, "429": {description: slow down}}
`

// The opt-in burst goes to the login and to every anonymous one-time code
// check (the contract model's CredentialKind), so an old API version that
// never throttles code guesses is found beside a new one that does;
// sign-ups and password recovery, whose calls create accounts or send
// messages, get no burst.
func TestBurstReachesEveryCredentialCheck(t *testing.T) {
	const burst = 8
	cases := []struct {
		name string
		// throttled paths answer 429 from the third failed attempt on.
		throttled map[string]bool
		operation string // rate_limit.operation in the scan configuration
		want      []string
	}{
		{"old code check unthrottled", map[string]bool{"/auth/login": true, "/auth/v3/check-otp": true}, "", []string{"POST /auth/v2/check-otp"}},
		{"nothing throttled", map[string]bool{}, "", []string{"POST /auth/login", "POST /auth/v2/check-otp", "POST /auth/v3/check-otp"}},
		{"everything throttled", map[string]bool{"/auth/login": true, "/auth/v2/check-otp": true, "/auth/v3/check-otp": true}, "", nil},
		{"configured operation only", map[string]bool{}, "POST /auth/v3/check-otp", []string{"POST /auth/v3/check-otp"}},
	}
	// scanCalls runs one scan and counts the requests each path got.
	scanCalls := func(t *testing.T, throttled map[string]bool, operation string, burst int) (map[string]int, []string) {
		var mu sync.Mutex
		calls := map[string]int{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var body map[string]any
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				w.WriteHeader(http.StatusBadRequest)
				return
			}
			mu.Lock()
			calls[r.URL.Path]++
			n := calls[r.URL.Path]
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			switch r.URL.Path {
			case "/auth/signup", "/auth/forgot-password":
				_, _ = w.Write([]byte(`{}`))
				return
			}
			if throttled[r.URL.Path] && n > 2 {
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			// The first well-formed attempt is the right secret (the
			// happy path); the burst's are wrong.
			if r.URL.Path == "/auth/login" && body["password"] != "rampart-Wrong-Pass-1" || n == 1 {
				_, _ = w.Write([]byte(`{}`))
				return
			}
			w.WriteHeader(http.StatusUnauthorized)
		}))
		defer srv.Close()
		doc := loadSpec(t, credentialSpec)
		cfg := &config.Config{RateLimit: &config.RateLimit{Operation: operation}}
		res, err := scan.Run(context.Background(), doc, scan.Options{Target: srv.URL, Rate: 1000, RateLimitBurst: burst, Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range res.Spec.Findings {
			if f.Rule == scan.RuleNoRateLimit {
				got = append(got, f.Operation)
			}
		}
		sort.Strings(got)
		mu.Lock()
		defer mu.Unlock()
		return calls, got
	}
	baseline, _ := scanCalls(t, nil, "", 0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls, got := scanCalls(t, tc.throttled, tc.operation, burst)
			if !slices.Equal(got, tc.want) {
				t.Errorf("no-rate-limit findings on %v, want %v", got, tc.want)
			}
			for _, p := range []string{"/auth/signup", "/auth/forgot-password"} {
				if calls[p] != baseline[p] {
					t.Errorf("%s got %d calls, %d without the burst: a burst went to an operation with side effects", p, calls[p], baseline[p])
				}
			}
		})
	}
}
