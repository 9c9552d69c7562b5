package ttlcache

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string, int](2)
	c.Now = func() time.Time { return now }

	c.Set("a", 1, time.Second)
	c.Set("b", 2, time.Second)
	if _, ok := c.Get("a"); !ok { // a is now most recent
		t.Fatal("a missing")
	}
	c.Set("c", 3, time.Second) // evicts b, the least recently used
	if _, ok := c.Get("b"); ok {
		t.Error("b should have been evicted")
	}
	if c.Len() != 2 {
		t.Errorf("len = %d, want 2", c.Len())
	}
	now = now.Add(time.Second)
	if _, ok := c.Get("a"); ok {
		t.Error("a should have expired")
	}
	if !c.Add("x", 1, time.Second) || c.Add("x", 2, time.Second) {
		t.Error("Add must record once and refuse a live duplicate")
	}
	now = now.Add(2 * time.Second)
	if !c.Add("x", 3, time.Second) {
		t.Error("Add must accept a key whose entry expired")
	}
}
