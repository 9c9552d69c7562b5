package firewall

import (
	"testing"

	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// TestConfigFileReadIsBounded checks that `rampart protect --config` and
// `rampart config validate` refuse, naming the file and the limit, what
// os.ReadFile read until memory ran out (/dev/zero, a huge file) or
// blocked on (a FIFO).
func TestConfigFileReadIsBounded(t *testing.T) {
	t.Run("LoadConfigFile", func(t *testing.T) {
		sharedtest.CheckBoundedRead(t, "reading config: ", "mode: monitor\n", func(p string) error {
			_, err := LoadConfigFile(p)
			return err
		})
	})
	t.Run("CheckConfigFile", func(t *testing.T) {
		sharedtest.CheckBoundedRead(t, "reading config: ", "mode: monitor\n", func(p string) error {
			ps, _, err := CheckConfigFile(p)
			if err == nil && len(ps) > 0 {
				t.Errorf("%s: %v", p, ps)
			}
			return err
		})
	})
}
