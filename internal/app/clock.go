package app

import (
	"slices"
	"sync"
	"time"
)

// Clock tells the time and keeps timers. Services take one so that tests
// can fix "now" and move it, firing the timers that fall due on the way,
// instead of waiting for them.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed, as time.AfterFunc does.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a timer set with Clock.AfterFunc.
type Timer interface {
	// Stop keeps the timer from firing; it reports false when it had
	// fired or been stopped already.
	Stop() bool
}

// SystemClock is the real clock, in UTC.
type SystemClock struct{}

// Now returns the current time in UTC.
func (SystemClock) Now() time.Time { return time.Now().UTC() }

// AfterFunc is time.AfterFunc: f runs on a goroutine of its own.
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// FixedClock is a clock for tests that stands still until moved: its
// timers fire only when Advance reaches their time.
type FixedClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []*fixedTimer // waiting, in the order they were set
}

// NewFixedClock returns a clock stopped at t.
func NewFixedClock(t time.Time) *FixedClock { return &FixedClock{t: t.UTC()} }

// Now returns the fixed time.
func (c *FixedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d. Each timer that falls due on the
// way fires in turn, in the order of their times, with the clock at its
// time: f runs on the goroutine that moves the clock, before Advance
// returns (a timer it sets that falls due by then fires too).
func (c *FixedClock) Advance(d time.Duration) {
	c.mu.Lock()
	end := c.t.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		t := c.takeDue(end)
		if t == nil {
			c.t = end
			c.mu.Unlock()
			return
		}
		if t.at.After(c.t) {
			c.t = t.at
		}
		c.mu.Unlock()
		t.f()
	}
}

// takeDue removes and returns the earliest timer due by end (the first
// set among equals), or nil. c.mu is held.
func (c *FixedClock) takeDue(end time.Time) *fixedTimer {
	i := -1
	for j, t := range c.timers {
		if !t.at.After(end) && (i < 0 || t.at.Before(c.timers[i].at)) {
			i = j
		}
	}
	if i < 0 {
		return nil
	}
	t := c.timers[i]
	c.timers = slices.Delete(c.timers, i, i+1)
	return t
}

// AfterFunc sets a timer that calls f when Advance reaches d from now. One
// due already (d <= 0) fires at once on a goroutine of its own, as
// time.AfterFunc's does.
func (c *FixedClock) AfterFunc(d time.Duration, f func()) Timer {
	t := &fixedTimer{c: c, f: f}
	if d <= 0 {
		go f()
		return t
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t.at = c.t.Add(d)
	c.timers = append(c.timers, t)
	return t
}

// Timers returns the times at which the timers waiting will fire, earliest
// first: a test waits until the timer it means to pass is set (by another
// goroutine) before it moves the clock.
func (c *FixedClock) Timers() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	at := make([]time.Time, len(c.timers))
	for i, t := range c.timers {
		at[i] = t.at
	}
	slices.SortFunc(at, time.Time.Compare)
	return at
}

// fixedTimer is a timer of a FixedClock.
type fixedTimer struct {
	c  *FixedClock
	at time.Time
	f  func()
}

// Stop takes the timer off its clock.
func (t *fixedTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	i := slices.Index(t.c.timers, t)
	if i < 0 {
		return false
	}
	t.c.timers = slices.Delete(t.c.timers, i, i+1)
	return true
}
