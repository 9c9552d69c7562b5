package authn

import (
	"time"

	"github.com/rampart-sec/rampart/internal/firewall/authn/denylist"
)

// denylist returns the store shared by the runtime's bearer verifiers.
func (rt *Runtime) denylist() denylist.Store {
	for _, v := range rt.verifiers {
		if b, ok := v.(*Bearer); ok && b.Denylist != nil {
			return b.Denylist
		}
	}
	return nil
}

func denyEntry(jti string) denylist.Entry {
	return denylist.Entry{JTI: jti, Until: time.Now().Add(time.Hour)}
}
