package introspect

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestIntrospect(t *testing.T) {
	var calls atomic.Int64
	var down atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if down.Load() {
			http.Error(w, "down", 500)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok || id != "fw" || secret != "s3cret" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		_ = r.ParseForm()
		switch r.PostForm.Get("token") {
		case "good":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "bob", "scope": "a b", "aud": "orders", "exp": time.Now().Add(time.Hour).Unix()})
		case "other-aud":
			_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "aud": "billing"})
		default:
			_ = json.NewEncoder(w).Encode(map[string]any{"active": false})
		}
	}))
	defer srv.Close()
	t.Setenv("INTROSPECT_SECRET", "s3cret")
	c, err := New(Config{URL: srv.URL, ClientID: "fw", ClientSecretEnv: "INTROSPECT_SECRET", Audiences: []string{"orders"}, CacheSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.Introspect(ctx, "good")
	if err != nil || res.Claims["sub"] != "bob" {
		t.Fatalf("good: %v %v", res, err)
	}
	if _, err := c.Introspect(ctx, "good"); err != nil || calls.Load() != 1 {
		t.Fatalf("second lookup should come from the cache (calls=%d, err=%v)", calls.Load(), err)
	}
	for _, tok := range []string{"revoked", "other-aud"} {
		if _, err := c.Introspect(ctx, tok); !errors.Is(err, ErrInactive) {
			t.Errorf("%s: err = %v, want ErrInactive", tok, err)
		}
	}
	// The cache is bounded: two more entries evicted "good".
	down.Store(true)
	if _, err := c.Introspect(ctx, "good"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("endpoint down: err = %v, want ErrUnavailable", err)
	}
	if _, err := New(Config{URL: srv.URL, ClientID: "fw", ClientSecretEnv: "UNSET_VARIABLE_X"}); err == nil {
		t.Fatal("a missing secret must be reported at start-up")
	}
}

// TestIntrospectionDoesNotFollowRedirects: the request carries the
// client's token in its body and the firewall's credentials; a redirect
// (307 keeps the body) would hand them to whatever the location names.
func TestIntrospectionDoesNotFollowRedirects(t *testing.T) {
	var leaked atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("token") != "" {
			leaked.Add(1)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"active": true, "sub": "mallory"})
	}))
	defer elsewhere.Close()
	for _, code := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL, code)
		}))
		t.Setenv("INTROSPECT_SECRET", "s3cret")
		c, err := New(Config{URL: srv.URL, ClientID: "fw", ClientSecretEnv: "INTROSPECT_SECRET"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Introspect(context.Background(), "good"); !errors.Is(err, ErrUnavailable) {
			t.Errorf("%d: err = %v, want ErrUnavailable", code, err)
		}
		srv.Close()
	}
	if n := leaked.Load(); n != 0 {
		t.Fatalf("the token reached the redirect's location %d times", n)
	}
}
