// Package ttlcache is a bounded least-recently-used cache whose entries
// expire. Authentication keeps several such caches (introspection results,
// verified basic credentials, DPoP proof identifiers); each must stay small
// however many distinct credentials an attacker sends, so every cache here
// has a hard entry limit and evicts the least recently used entry.
package ttlcache

import (
	"container/list"
	"sync"
	"time"
)

type entry[K comparable, V any] struct {
	key     K
	value   V
	expires time.Time
}

// Cache is safe for concurrent use.
type Cache[K comparable, V any] struct {
	mu  sync.Mutex
	max int
	ll  *list.List
	m   map[K]*list.Element
	// Now is the clock; tests replace it.
	Now func() time.Time
}

// New returns a cache holding at most max entries (at least 1).
func New[K comparable, V any](max int) *Cache[K, V] {
	if max < 1 {
		max = 1
	}
	return &Cache[K, V]{max: max, ll: list.New(), m: make(map[K]*list.Element), Now: time.Now}
}

// Get returns the live value for k.
func (c *Cache[K, V]) Get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var zero V
	el, ok := c.m[k]
	if !ok {
		return zero, false
	}
	e := el.Value.(*entry[K, V])
	if !c.Now().Before(e.expires) {
		c.remove(el)
		return zero, false
	}
	c.ll.MoveToFront(el)
	return e.value, true
}

// Set stores v under k for ttl. A non-positive ttl stores nothing.
func (c *Cache[K, V]) Set(k K, v V, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.set(k, v, c.Now().Add(ttl))
}

// Add stores v under k only when k has no live entry, and reports whether
// it did. It is the atomic check-and-record a replay cache needs.
func (c *Cache[K, V]) Add(k K, v V, ttl time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if el, ok := c.m[k]; ok {
		if now.Before(el.Value.(*entry[K, V]).expires) {
			return false
		}
		c.remove(el)
	}
	if ttl <= 0 {
		return true
	}
	c.set(k, v, now.Add(ttl))
	return true
}

// Delete removes k.
func (c *Cache[K, V]) Delete(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.remove(el)
	}
}

// Len is the number of entries, live or not yet swept.
func (c *Cache[K, V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}

func (c *Cache[K, V]) set(k K, v V, exp time.Time) {
	if el, ok := c.m[k]; ok {
		e := el.Value.(*entry[K, V])
		e.value, e.expires = v, exp
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&entry[K, V]{key: k, value: v, expires: exp})
	for c.ll.Len() > c.max {
		// Expired entries go first; otherwise the least recently used.
		c.remove(c.ll.Back())
	}
}

func (c *Cache[K, V]) remove(el *list.Element) {
	c.ll.Remove(el)
	delete(c.m, el.Value.(*entry[K, V]).key)
}
