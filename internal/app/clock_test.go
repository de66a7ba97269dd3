package app

import (
	"slices"
	"testing"
	"time"
)

// TestFixedClockFiresTimersInOrderAtTheirTime: Advance fires each timer
// that falls due, earliest first, with the clock at its time; the rest wait.
func TestFixedClockFiresTimersInOrderAtTheirTime(t *testing.T) {
	start := time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC)
	c := NewFixedClock(start)
	var fired []string
	var at []time.Duration
	note := func(name string) func() {
		return func() { fired, at = append(fired, name), append(at, c.Now().Sub(start)) }
	}
	c.AfterFunc(3*time.Minute, note("three"))
	c.AfterFunc(time.Minute, note("one"))
	c.AfterFunc(time.Hour, note("hour"))
	if got := c.Timers(); !slices.Equal(got, []time.Time{start.Add(time.Minute), start.Add(3 * time.Minute), start.Add(time.Hour)}) {
		t.Fatalf("timers %v", got)
	}
	c.Advance(5 * time.Minute)
	if !slices.Equal(fired, []string{"one", "three"}) || !slices.Equal(at, []time.Duration{time.Minute, 3 * time.Minute}) {
		t.Fatalf("fired %v at %v, want one at 1m and three at 3m", fired, at)
	}
	if got := c.Now().Sub(start); got != 5*time.Minute {
		t.Fatalf("the clock is at %v, want 5m", got)
	}
	if got := c.Timers(); len(got) != 1 || !got[0].Equal(start.Add(time.Hour)) {
		t.Fatalf("timers left %v, want the hour's", got)
	}
}

// TestFixedClockTimerSetByATimerFiresInTheSameAdvance: a timer that a
// firing timer sets, due before the end of the move, fires in it too.
func TestFixedClockTimerSetByATimerFiresInTheSameAdvance(t *testing.T) {
	c := NewFixedClock(time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC))
	fired := 0
	c.AfterFunc(time.Second, func() { c.AfterFunc(time.Second, func() { fired++ }) })
	c.Advance(2 * time.Second)
	if fired != 1 {
		t.Fatalf("the second timer fired %d times, want 1", fired)
	}
}

func TestFixedClockStop(t *testing.T) {
	c := NewFixedClock(time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC))
	fired := false
	tm := c.AfterFunc(time.Second, func() { fired = true })
	if !tm.Stop() {
		t.Fatal("Stop of a waiting timer reported false")
	}
	if tm.Stop() {
		t.Fatal("a second Stop reported true")
	}
	c.Advance(time.Minute)
	if fired || len(c.Timers()) != 0 {
		t.Fatalf("a stopped timer fired (%v) or waits (%v)", fired, c.Timers())
	}
	done := c.AfterFunc(time.Second, func() {})
	c.Advance(time.Second)
	if done.Stop() {
		t.Fatal("Stop of a timer that fired reported true")
	}
}

// TestFixedClockTimerDueAtOnceFires: like time.AfterFunc, a timer due
// already fires without the clock moving.
func TestFixedClockTimerDueAtOnceFires(t *testing.T) {
	c := NewFixedClock(time.Date(2030, 1, 2, 9, 0, 0, 0, time.UTC))
	fired := make(chan struct{})
	c.AfterFunc(0, func() { close(fired) })
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("a timer due at once did not fire")
	}
}

// The system clock's timers are the real ones.
func TestSystemClockAfterFunc(t *testing.T) {
	fired := make(chan struct{})
	SystemClock{}.AfterFunc(time.Millisecond, func() { close(fired) })
	select {
	case <-fired:
	case <-time.After(5 * time.Second):
		t.Fatal("the system clock's timer did not fire")
	}
	if (SystemClock{}).AfterFunc(time.Hour, func() {}).Stop() != true {
		t.Fatal("Stop of a waiting system timer reported false")
	}
}
