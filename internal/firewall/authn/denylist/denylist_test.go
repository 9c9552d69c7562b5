package denylist

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/redistest"
)

func testStore(t *testing.T, s Store, advance func(time.Duration)) {
	ctx := context.Background()
	tok := "eyJhbGciOiJSUzI1NiJ9.e30.sig"
	if err := s.Add(ctx, Entry{JTI: "a1", Until: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, Entry{TokenHash: TokenHash(tok), Until: time.Now().Add(2 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Add(ctx, Entry{JTI: "x", TokenHash: "y"}); err == nil {
		t.Error("an entry with both jti and hash must be refused")
	}
	tests := []struct {
		jti, hash string
		want      bool
	}{
		{"a1", "", true},
		{"a2", "", false},
		{"", TokenHash(tok), true},
		{"a2", TokenHash(tok), true},
		{"", TokenHash(tok + "x"), false},
		{"", "", false},
	}
	for _, tc := range tests {
		got, err := s.Denied(ctx, tc.jti, tc.hash)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("Denied(%q, %q) = %v, want %v", tc.jti, tc.hash, got, tc.want)
		}
	}
	// Revoking the same token again never shortens the revocation in
	// force: an exp already past changes nothing, an earlier one keeps
	// the later.
	for _, until := range []time.Time{time.Now().Add(-time.Minute), time.Now().Add(time.Second)} {
		if err := s.Add(ctx, Entry{JTI: "a1", Until: until}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Denied(ctx, "a1", ""); !got {
			t.Fatalf("a second revocation until %v lifted the first", until)
		}
	}
	advance(3 * time.Second)
	if got, _ := s.Denied(ctx, "", TokenHash(tok)); got {
		t.Error("entry should have expired with the token")
	}
	if got, _ := s.Denied(ctx, "a1", ""); !got {
		t.Error("the longer entry should still be there")
	}
}

func TestMemory(t *testing.T) {
	m := NewMemory()
	now := time.Now()
	m.Now = func() time.Time { return now }
	testStore(t, m, func(d time.Duration) { now = now.Add(d) })
}

func TestRedis(t *testing.T) {
	addr, _ := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	s := NewRedis(c, "test:")
	// Redis expires keys on its own clock, so the test waits for real.
	testStore(t, s, time.Sleep)

	// Two firewalls sharing one Redis see each other's revocations.
	c2 := redis.NewClient(&redis.Options{Addr: addr})
	defer c2.Close()
	other := NewRedis(c2, "test:")
	if err := s.Add(context.Background(), Entry{JTI: "shared", Until: time.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if got, err := other.Denied(context.Background(), "shared", ""); err != nil || !got {
		t.Fatalf("second instance: denied=%v err=%v", got, err)
	}
}

func TestRedisDown(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	if _, err := NewRedis(c, "").Denied(context.Background(), "a", ""); err == nil {
		t.Fatal("an unreachable Redis must give an error, not a silent 'not denied'")
	}
}
