package ai

import (
	"sync"
	"time"
)

// breaker stops asking a model that keeps failing: after threshold
// failures in a row it opens for cooldown, when every request fails at
// once; then one request may try (half open), and its success closes it.
type breaker struct {
	threshold int
	cooldown  time.Duration

	mu       sync.Mutex
	failures int
	openAt   time.Time // when it opened; zero: closed
	probing  bool      // the one request of a half-open breaker is out
}

// allow says whether a request may go, or the breaker's error.
func (b *breaker) allow(now time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openAt.IsZero() || b.threshold <= 0 {
		return nil
	}
	if now.Sub(b.openAt) < b.cooldown || b.probing {
		return unavailable("it failed %d times in a row; trying again in %v", b.failures, (b.cooldown - now.Sub(b.openAt)).Round(time.Second))
	}
	b.probing = true
	return nil
}

func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures, b.openAt, b.probing = 0, time.Time{}, false
}

func (b *breaker) failure(now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.failures++
	b.probing = false
	if b.threshold > 0 && b.failures >= b.threshold {
		b.openAt = now
	}
}

// Open reports whether the breaker is open: the model is resting after
// failures.
func (c *Client) Open() bool {
	c.breaker.mu.Lock()
	defer c.breaker.mu.Unlock()
	return !c.breaker.openAt.IsZero() && time.Since(c.breaker.openAt) < c.breaker.cooldown
}

// watchdog calls fire when kick has not been called for d.
type watchdog struct {
	t *time.Timer
	d time.Duration
}

func newWatchdog(d time.Duration, fire func()) *watchdog {
	if d <= 0 {
		return &watchdog{}
	}
	return &watchdog{t: time.AfterFunc(d, fire), d: d}
}

func (w *watchdog) kick() {
	if w.t != nil {
		w.t.Reset(w.d)
	}
}

func (w *watchdog) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}
