package authn

import (
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
)

// NewStore builds the store the section selects and returns it with the
// function that releases its connections. A caller that outlives several
// runtimes (the firewall across contract reloads) builds it once and hands
// it to each runtime with UseDenylist, so in-memory revocations are kept.
func (d *DenylistConfig) NewStore() (denylist.Store, func() error) {
	if d.Backend == "redis" {
		opts := &redis.Options{Addr: d.RedisAddr, DB: d.RedisDB}
		if d.RedisPasswordEnv != "" {
			opts.Password = os.Getenv(d.RedisPasswordEnv)
		}
		cl := redis.NewClient(opts)
		return denylist.NewRedis(cl, d.Prefix), cl.Close
	}
	return denylist.NewMemory(), func() error { return nil }
}

// UseDenylist makes every token verifier of the runtime consult store.
// The runtime does not own the store: Close leaves it open.
func (rt *Runtime) UseDenylist(store denylist.Store, failOpen bool) {
	for _, v := range rt.verifiers {
		if b, ok := v.(*Bearer); ok {
			b.Denylist, b.DenylistFailOpen = store, failOpen
		}
	}
}
