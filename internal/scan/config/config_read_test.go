package config_test

import (
	"testing"

	"github.com/rampart-sec/rampart/internal/scan/config"
	"github.com/rampart-sec/rampart/internal/sharedtest"
)

// TestLoadRefusesWhatIsNotASmallFile checks that `rampart scan --config`
// refuses, with the file and the limit named, what os.ReadFile would read
// until memory runs out (/dev/zero, a huge file) or block on (a FIFO).
func TestLoadRefusesWhatIsNotASmallFile(t *testing.T) {
	sharedtest.CheckBoundedRead(t, "reading config: ", "target: http://127.0.0.1:8000\n", func(p string) error {
		_, err := config.Load(p)
		return err
	})
}
