package room

import "sync"

// mailbox is the room's queue of work and the claim on running it. Whoever
// holds the claim (the room's goroutine, or a poster that found the room
// idle) runs the queued functions one at a time, so a room's state is only
// ever touched by one goroutine at a time. The queue is unbounded so that
// posting never blocks the poster (the chat writer serves every room and
// must not wait on one); the senders are rate-limited.
type mailbox struct {
	mu      sync.Mutex
	fns     []func()
	running bool          // someone holds the claim
	wake    chan struct{} // tells the room's goroutine there is work
	closed  bool
}

// post queues fn and, when nobody is running the room, wakes its goroutine.
func (b *mailbox) post(fn func()) bool {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return false
	}
	b.fns = append(b.fns, fn)
	idle := !b.running
	b.mu.Unlock()
	if idle {
		b.signal()
	}
	return true
}

// postClaim queues fn and claims the room when nobody is running it; the
// caller then runs the queue.
func (b *mailbox) postClaim(fn func()) (ok, claimed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return false, false
	}
	b.fns = append(b.fns, fn)
	if b.running {
		return true, false
	}
	b.running = true
	return true, true
}

// claim takes the room when nobody is running it (and, with empty, when
// nothing is queued either).
func (b *mailbox) claim(empty bool) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.running || (empty && len(b.fns) > 0) {
		return false
	}
	b.running = true
	return true
}

// takeOrRelease moves what is queued into buf; when nothing is, it lets go
// of the claim and reports false.
func (b *mailbox) takeOrRelease(buf []func()) ([]func(), bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.fns) == 0 || b.closed {
		b.running = false
		return buf[:0], false
	}
	buf = append(buf[:0], b.fns...)
	clear(b.fns)
	b.fns = b.fns[:0]
	return buf, true
}

// release lets go of the claim; what was queued meanwhile goes to the
// room's goroutine.
func (b *mailbox) release() {
	b.mu.Lock()
	b.running = false
	left := len(b.fns) > 0 || b.closed
	b.mu.Unlock()
	if left {
		b.signal()
	}
}

// signal wakes the room's goroutine (once, however often it is called
// before it looks).
func (b *mailbox) signal() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// close ends the room's work: nothing more can be posted, and the room's
// goroutine ends.
func (b *mailbox) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.signal()
}
