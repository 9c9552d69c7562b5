package logthrottle

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	now := time.Unix(1000, 0)
	th := &Throttle{Every: 10 * time.Second, Now: func() time.Time { return now }}
	type step struct {
		advance    time.Duration
		ok         bool
		suppressed uint64
	}
	for i, s := range []step{
		{0, true, 0},                // the first occurrence is logged
		{time.Second, false, 0},     // repeats within the interval are counted
		{time.Second, false, 0},     //
		{8 * time.Second, true, 2},  // the next line says how many were left out
		{9 * time.Second, false, 0}, //
		{11 * time.Second, true, 1}, //
		{time.Minute, true, 0},      // nothing left out since
		{0, false, 0},               // the same instant again
		{DefaultEvery, true, 1},     //
	} {
		now = now.Add(s.advance)
		ok, n := th.Allow()
		if ok != s.ok || n != s.suppressed {
			t.Fatalf("step %d: Allow() = %v, %d; want %v, %d", i, ok, n, s.ok, s.suppressed)
		}
	}
	// The zero value works: the first occurrence is logged.
	var z Throttle
	if ok, _ := z.Allow(); !ok {
		t.Fatal("zero Throttle refused the first line")
	}
	if ok, _ := z.Allow(); ok {
		t.Fatal("zero Throttle logged a repeat at once")
	}
}
