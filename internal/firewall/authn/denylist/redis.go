package denylist

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a store shared by a fleet of firewalls. Each entry is a key
// that expires with the token, so Redis drops it by itself.
type Redis struct {
	Client redis.UniversalClient
	Prefix string // default "rampart:deny:"
	Now    func() time.Time
}

// NewRedis wraps a client.
func NewRedis(c redis.UniversalClient, prefix string) *Redis {
	if prefix == "" {
		prefix = "rampart:deny:"
	}
	return &Redis{Client: c, Prefix: prefix, Now: time.Now}
}

func (s *Redis) Add(ctx context.Context, e Entry) error {
	k, err := key(e)
	if err != nil {
		return err
	}
	ttl := e.Until.Sub(s.Now())
	if ttl <= 0 {
		return nil // already expired: nothing to deny
	}
	if err := s.Client.Set(ctx, s.Prefix+k, "1", ttl).Err(); err != nil {
		return fmt.Errorf("denylist: redis SET: %w", err)
	}
	return nil
}

func (s *Redis) Denied(ctx context.Context, jti, tokenHash string) (bool, error) {
	var keys []string
	if jti != "" {
		keys = append(keys, s.Prefix+"jti:"+jti)
	}
	if tokenHash != "" {
		keys = append(keys, s.Prefix+"sha256:"+tokenHash)
	}
	if len(keys) == 0 {
		return false, nil
	}
	n, err := s.Client.Exists(ctx, keys...).Result()
	if err != nil {
		return false, fmt.Errorf("denylist: redis EXISTS: %w", err)
	}
	return n > 0, nil
}
