package firewall

import (
	"slices"
	"testing"

	"github.com/rampart-sec/rampart/internal/firewall/blacklist"
	"github.com/rampart-sec/rampart/internal/spec"
)

// TestExtensionsAreKnown: the audit and the contract loader report an
// x-rampart-* key that is not in spec.RampartExtensions as read by
// nothing; every extension the firewall reads must be listed there, or
// its users are told to remove it.
func TestExtensionsAreKnown(t *testing.T) {
	for _, ext := range []string{ExtMode, ExtResponseMode, ExtRateLimit, ExtIPRules, ExtBlacklist, ExtBlacklistTier, ExtMTLS, ExtSigned, blacklist.ExtBlacklist} {
		if !slices.Contains(spec.RampartExtensions, ext) {
			t.Errorf("%s is read by the firewall but not in spec.RampartExtensions", ext)
		}
	}
}
