// Package logthrottle bounds how often one repeated warning is logged: a
// store that is down (Redis, say) fails at request rate, and one line per
// request would flood the operational log and hide everything else. The
// first occurrence is logged, repeats within the interval are counted,
// and the next line logged says how many were left out.
package logthrottle

import (
	"sync"
	"time"
)

// DefaultEvery is the interval the firewall's store warnings use.
const DefaultEvery = 10 * time.Second

// Throttle is safe for concurrent use; its zero value logs at most once
// per DefaultEvery.
type Throttle struct {
	// Every is the shortest time between two logged lines (DefaultEvery
	// when zero).
	Every time.Duration
	// Now is the clock (time.Now when nil); tests replace it.
	Now func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed uint64
}

// Allow reports whether to log now and, when it does, how many
// occurrences were left out since the last line logged.
func (t *Throttle) Allow() (ok bool, suppressed uint64) {
	now := time.Now
	if t.Now != nil {
		now = t.Now
	}
	every := t.Every
	if every <= 0 {
		every = DefaultEvery
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	n := now()
	if !t.last.IsZero() && n.Sub(t.last) < every {
		t.suppressed++
		return false, 0
	}
	suppressed, t.last, t.suppressed = t.suppressed, n, 0
	return true, suppressed
}
