package firewall

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/logthrottle"
)

// The Redis client logs through RouteRedisLog's logger as JSON, and a
// message repeated at request rate is logged once per interval with the
// count of what was suppressed.
func TestRouteRedisLog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	restore := RouteRedisLog(logger)
	defer restore()

	// A sub-millisecond expiry makes the client log a truncation warning
	// while it builds the command, before any network I/O; the command
	// then fails on a closed loopback port, within its short deadline.
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 50 * time.Millisecond, MaxRetries: -1})
	defer rdb.Close()
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		rdb.Set(cctx, "k", "v", time.Microsecond)
		cancel()
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if m, _ := rec["message"].(string); strings.Contains(m, "truncating to 1ms") {
			recs = append(recs, rec)
		}
	}
	if len(recs) != 1 {
		t.Fatalf("%d truncation warnings logged, want 1 (repeats suppressed): %s", len(recs), buf.String())
	}
	if recs[0]["level"] != "WARN" || recs[0]["msg"] != "redis client" {
		t.Fatalf("record %v", recs[0])
	}

	// After the interval the next one is logged with the suppressed count.
	l := &redisLogger{log: logger, byFormat: map[string]*logthrottle.Throttle{}}
	now := time.Unix(0, 0)
	l.now = func() time.Time { return now }
	buf.Reset()
	for i := 0; i < 4; i++ {
		l.Printf(ctx, "redis: connection pool: failed to dial after %d attempts: %v", 5, "refused")
	}
	now = now.Add(redisLogEvery)
	l.Printf(ctx, "redis: connection pool: failed to dial after %d attempts: %v", 5, "refused")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines logged, want 2: %q", len(lines), lines)
	}
	var last map[string]any
	_ = json.Unmarshal([]byte(lines[1]), &last)
	if last["suppressed_since_last"] != float64(3) || last["message"] != "connection pool: failed to dial after 5 attempts: refused" {
		t.Fatalf("second record %v", last)
	}
}
