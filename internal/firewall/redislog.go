package firewall

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisLogEvery bounds how often one kind of Redis client message is
// logged: during an outage the client reports a failed dial per request.
const redisLogEvery = 10 * time.Second

// RouteRedisLog sends what the Redis client library logs (by default bare
// text lines on standard error, which break the JSON lines of the
// operational log) to logger as warnings, each kind of message at most
// once per 10 s with a count of the repeats suppressed since. The client's
// logger is process-wide; the returned function routes it to the standard
// logger again.
func RouteRedisLog(logger *slog.Logger) (restore func()) {
	redis.SetLogger(&redisLogger{log: logger, last: map[string]redisLogState{}, now: time.Now})
	return func() { redis.SetLogger(stdRedisLogger{}) }
}

type redisLogState struct {
	at         time.Time
	suppressed int
}

type redisLogger struct {
	log *slog.Logger
	now func() time.Time

	mu sync.Mutex
	// last is keyed by the message's format string: repeats of one
	// message with other values (an attempt count, a connection id)
	// are the same kind. The library has a bounded set of formats.
	last map[string]redisLogState
}

func (l *redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.mu.Lock()
	now := l.now()
	st := l.last[format]
	if !st.at.IsZero() && now.Sub(st.at) < redisLogEvery {
		st.suppressed++
		l.last[format] = st
		l.mu.Unlock()
		return
	}
	suppressed := st.suppressed
	l.last[format] = redisLogState{at: now}
	l.mu.Unlock()
	msg := strings.TrimSpace(strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
	l.log.WarnContext(ctx, "redis client", "message", msg, "suppressed_since_last", suppressed)
}

// stdRedisLogger is the library's default destination, the standard
// logger, for when routing ends.
type stdRedisLogger struct{}

func (stdRedisLogger) Printf(_ context.Context, format string, v ...any) {
	slog.Default().Warn("redis client", "message", fmt.Sprintf(format, v...))
}
