package firewall

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/logthrottle"
)

// redisLogEvery bounds how often one kind of Redis client message is
// logged: during an outage the client reports a failed dial per request.
const redisLogEvery = logthrottle.DefaultEvery

// RouteRedisLog sends what the Redis client library logs (by default bare
// text lines on standard error, which break the JSON lines of the
// operational log) to logger as warnings, each kind of message at most
// once per 10 s with a count of the repeats suppressed since. The client's
// logger is process-wide; the returned function routes it to the standard
// logger again.
func RouteRedisLog(logger *slog.Logger) (restore func()) {
	redis.SetLogger(&redisLogger{log: logger, byFormat: map[string]*logthrottle.Throttle{}})
	return func() { redis.SetLogger(stdRedisLogger{}) }
}

type redisLogger struct {
	log *slog.Logger
	now func() time.Time // nil: time.Now

	mu sync.Mutex
	// byFormat is keyed by the message's format string: repeats of one
	// message with other values (an attempt count, a connection id)
	// are the same kind. The library has a bounded set of formats.
	byFormat map[string]*logthrottle.Throttle
}

func (l *redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.mu.Lock()
	th := l.byFormat[format]
	if th == nil {
		th = &logthrottle.Throttle{Every: redisLogEvery, Now: l.now}
		l.byFormat[format] = th
	}
	l.mu.Unlock()
	ok, suppressed := th.Allow()
	if !ok {
		return
	}
	msg := strings.TrimSpace(strings.TrimPrefix(fmt.Sprintf(format, v...), "redis: "))
	l.log.WarnContext(ctx, "redis client", "message", msg, "suppressed_since_last", suppressed)
}

// stdRedisLogger is the library's default destination, the standard
// logger, for when routing ends.
type stdRedisLogger struct{}

func (stdRedisLogger) Printf(_ context.Context, format string, v ...any) {
	slog.Default().Warn("redis client", "message", fmt.Sprintf(format, v...))
}
