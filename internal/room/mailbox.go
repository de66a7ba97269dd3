package room

import "sync"

// mailbox is the room's queue of work and the claim on running it. Whoever
// holds the claim runs the queued functions one at a time, so a room's
// state is only ever touched by one goroutine at a time: a connection's
// reader that found the room idle, or a goroutine started for work posted
// from elsewhere (a timer, the AI). The queue is unbounded so that posting
// never blocks the poster (the chat writer serves every room and must not
// wait on one); the senders are rate-limited.
type mailbox struct {
	mu      sync.Mutex
	fns     []func()
	running bool // someone holds the claim
	closed  bool
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

// claimIdle takes the room when nobody is running it and nothing is
// queued.
func (b *mailbox) claimIdle() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || b.running || len(b.fns) > 0 {
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

// release lets go of the claim, unless work was queued meanwhile: then
// the claim is kept, and the caller must see that it is run.
func (b *mailbox) release() (kept bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.fns) > 0 && !b.closed {
		return true
	}
	b.running = false
	return false
}

// close ends the room's work: nothing more can be posted.
func (b *mailbox) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
}
