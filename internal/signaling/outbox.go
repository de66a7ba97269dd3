package signaling

import (
	"sync"

	"rapport/internal/protocol"
)

// outbox is a connection's bounded queue of frames to write. Most of the
// time it holds none or one, so it is a slice that grows with what waits
// rather than a channel the size of the bound: a channel of 256 frame
// pointers is 2 KiB per connection that every garbage collection scans,
// empty or not.
type outbox struct {
	mu     sync.Mutex
	frames []*protocol.Frame
	limit  int
	ready  chan struct{} // holds a token while frames wait
}

func newOutbox(limit int) *outbox {
	return &outbox{limit: limit, ready: make(chan struct{}, 1)}
}

// push queues f; it reports false when limit frames wait already.
func (o *outbox) push(f *protocol.Frame) bool {
	o.mu.Lock()
	if len(o.frames) >= o.limit {
		o.mu.Unlock()
		return false
	}
	o.frames = append(o.frames, f)
	o.mu.Unlock()
	select {
	case o.ready <- struct{}{}:
	default:
	}
	return true
}

// take returns the waiting frames, oldest first, in spare's place: the
// writer hands back the batch it has written, so that two slices take
// turns. A batch grown large by a burst is let go rather than kept.
func (o *outbox) take(spare []*protocol.Frame) []*protocol.Frame {
	clear(spare)
	if cap(spare) > 32 {
		spare = nil
	}
	o.mu.Lock()
	batch := o.frames
	o.frames = spare[:0]
	o.mu.Unlock()
	return batch
}
