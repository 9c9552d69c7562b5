package authn

import (
	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
	"github.com/rampart-sec/rampart/internal/firewall/redisconn"
)

// NewStore builds the store the section selects and returns it with the
// function that releases its connections. A caller that outlives several
// runtimes (the firewall across contract reloads) builds it once and hands
// it to each runtime with UseDenylist, so in-memory revocations are kept.
// It fails when redis_password_env names an unset variable.
func (d *DenylistConfig) NewStore() (denylist.Store, func() error, error) {
	if !d.isRedis() {
		return denylist.NewMemory(), func() error { return nil }, nil
	}
	// Lookups and revocations may run twice: EXISTS reads, and the
	// revocation script only ever lengthens an entry.
	cl, err := d.newClient("authentication.denylist", redisconn.RetryOnce)
	if err != nil {
		return nil, nil, err
	}
	s := denylist.NewRedis(cl, d.Prefix)
	s.Timeout = d.timeout()
	return s, cl.Close, nil
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
