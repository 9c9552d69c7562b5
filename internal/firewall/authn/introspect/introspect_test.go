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
