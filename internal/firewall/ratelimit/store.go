package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"
)

// Params are the GCRA parameters of one rule: one request is worth
// Interval (Period/Rate) and a burst of Burst requests is tolerated, so
// Tolerance is Burst*Interval.
type Params struct {
	Interval  time.Duration
	Tolerance time.Duration
}

// Outcome is a store's answer for one key.
type Outcome struct {
	Allowed bool
	// Reset is how long until the key is back to its full burst.
	Reset time.Duration
	// RetryAfter is how long until the next request would be allowed
	// (zero when allowed).
	RetryAfter time.Duration
}

// Store applies GCRA to a key atomically.
type Store interface {
	Take(ctx context.Context, key string, p Params) (Outcome, error)
	Close() error
}

// gcra is the decision shared by the stores (the Redis script is the same
// arithmetic in Lua): tat is the stored theoretical arrival time (zero
// when absent), all values in one unit. It returns the new TAT to store
// (only when allowed).
func gcra(now, tat, interval, tolerance int64) (allowed bool, newTAT, reset, retry int64) {
	if tat < now {
		tat = now
	}
	next := tat + interval
	allowAt := next - tolerance
	if allowAt > now {
		return false, tat, tat - now, allowAt - now
	}
	return true, next, next - now, 0
}

// MemoryStore is a bounded, sharded, expiring in-memory GCRA store for a
// single node.
type MemoryStore struct {
	shards  []memShard
	seed    maphash.Seed
	perShrd int
	now     func() time.Time
}

type memShard struct {
	mu        sync.Mutex
	m         map[string]int64 // key -> TAT in Unix nanoseconds
	lastSweep int64
	evicted   uint64
}

// sweepEvery is how often a shard drops all its expired entries; between
// sweeps an expired entry costs only its memory, and it is treated as
// absent when met.
const sweepEvery = int64(30 * time.Second)

// evictSample is how many entries are examined to pick a victim when a
// shard is full: the one closest to expiry loses the least.
const evictSample = 8

// NewMemoryStore makes a store holding at most maxKeys keys in shards
// maps (defaults 1,000,000 and 64).
func NewMemoryStore(maxKeys, shards int) *MemoryStore {
	if maxKeys <= 0 {
		maxKeys = 1_000_000
	}
	if shards <= 0 {
		shards = 64
	}
	if shards > maxKeys {
		shards = maxKeys
	}
	s := &MemoryStore{shards: make([]memShard, shards), seed: maphash.MakeSeed(), perShrd: (maxKeys + shards - 1) / shards, now: time.Now}
	for i := range s.shards {
		s.shards[i].m = make(map[string]int64)
	}
	return s
}

// Take applies GCRA to key.
func (s *MemoryStore) Take(_ context.Context, key string, p Params) (Outcome, error) {
	now := s.now().UnixNano()
	sh := &s.shards[maphash.String(s.seed, key)%uint64(len(s.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if now-sh.lastSweep > sweepEvery {
		for k, tat := range sh.m {
			if tat <= now {
				delete(sh.m, k)
			}
		}
		sh.lastSweep = now
	}
	tat, ok := sh.m[key]
	allowed, next, reset, retry := gcra(now, tat, int64(p.Interval), int64(p.Tolerance))
	if allowed {
		if !ok && len(sh.m) >= s.perShrd {
			sh.evict(now)
		}
		sh.m[key] = next
	}
	return Outcome{Allowed: allowed, Reset: time.Duration(reset), RetryAfter: time.Duration(retry)}, nil
}

// evict frees one place: an expired entry if the sample has one, else the
// sampled entry closest to expiry. Map iteration order is random, which
// makes the sample random.
func (sh *memShard) evict(now int64) {
	victim, best, n := "", int64(0), 0
	for k, tat := range sh.m {
		if tat <= now {
			delete(sh.m, k)
			return
		}
		if n == 0 || tat < best {
			victim, best = k, tat
		}
		if n++; n >= evictSample {
			break
		}
	}
	if n > 0 {
		delete(sh.m, victim)
		sh.evicted++
	}
}

// Len is the number of keys held (expired ones not yet swept included).
func (s *MemoryStore) Len() int {
	n := 0
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += len(s.shards[i].m)
		s.shards[i].mu.Unlock()
	}
	return n
}

// Evicted is how many live entries were dropped because the store was full.
func (s *MemoryStore) Evicted() uint64 {
	var n uint64
	for i := range s.shards {
		s.shards[i].mu.Lock()
		n += s.shards[i].evicted
		s.shards[i].mu.Unlock()
	}
	return n
}

// Close does nothing; it is there to satisfy Store.
func (s *MemoryStore) Close() error { return nil }
