package redistest

import (
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"
)

// Blackhole returns an address at which connections are never
// established, like a Redis host that drops packets: a loopback socket
// listening with the smallest backlog and never accepting, whose queue is
// filled at once, so the kernel drops every further SYN. It stops when
// the test ends; the test is skipped where the kernel does not behave so.
func Blackhole(t testing.TB) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the accept queue until a connection attempt goes unanswered.
	for range 8 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return addr
			}
			t.Fatalf("filling the blackhole's queue: %v", err)
		}
		t.Cleanup(func() { _ = c.Close() })
	}
	t.Skip("connections to a full listen queue are not dropped here")
	return ""
}
