//go:build !linux

package redistest

import "testing"

// Blackhole is implemented on Linux only; elsewhere the test is skipped.
func Blackhole(t testing.TB) string {
	t.Helper()
	t.Skip("the blackholed Redis is made on Linux only")
	return ""
}
