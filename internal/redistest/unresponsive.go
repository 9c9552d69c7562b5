package redistest

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Hung returns the address of a server that accepts connections, reads
// what it is sent and never answers, like a Redis that has hung or whose
// replies are dropped on the way. It stops when the test ends.
func Hung(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed at the end of the test
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(io.Discard, c) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// Refused returns a loopback address where nothing listens, like a Redis
// that is down: connections are refused at once.
func Refused(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// Unreachable is one way a Redis fails to answer, for table tests.
type Unreachable struct {
	Name string
	Addr func(testing.TB) string
	// Refuses: connections are refused at once, and a client that dials
	// once says so rather than running into its deadline.
	Refuses bool
}

// Unreachables are the ways a Redis fails to answer: down (connections
// refused), hung (accepts and never answers), blackholed (packets
// dropped).
var Unreachables = []Unreachable{
	{Name: "connection refused", Addr: Refused, Refuses: true},
	{Name: "hung: accepts and never answers", Addr: Hung},
	{Name: "blackholed: packets dropped", Addr: Blackhole},
}
