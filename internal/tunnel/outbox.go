package tunnel

import (
	"context"
	"sync"
)

// Outbox holds the frames on their way to one tunnel client over its
// WebSocket, for every track it receives. It never grows without bound:
// when the client falls behind, video goes first — every queued video frame
// is dropped, and so is every later video frame of the same tracks up to
// each track's next keyframe (which is asked for) — and audio only when
// audio alone overflows, oldest first.
type Outbox struct {
	maxVideo int // video frames queued at most
	maxAudio int // audio frames queued at most

	mu       sync.Mutex
	texts    [][]byte // control messages, sent before any frame
	frames   []Frame
	video    int
	audio    int
	skipping [256]bool // by track: dropping video until a keyframe
	askKey   [256]bool // by track: a keyframe is wanted
	dropped  int
	wake     chan struct{}
	closed   bool
}

// NewOutbox holds at most maxVideo video and maxAudio audio frames.
func NewOutbox(maxVideo, maxAudio int) *Outbox {
	return &Outbox{maxVideo: maxVideo, maxAudio: maxAudio, wake: make(chan struct{}, 1)}
}

// Push queues a frame (its Data must stay unchanged: it is not copied).
func (o *Outbox) Push(f Frame) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	switch f.Kind {
	case Video:
		if o.skipping[f.Track] && !f.Keyframe {
			o.dropped++
			return
		}
		o.skipping[f.Track] = false
		if o.video >= o.maxVideo {
			o.dropVideo()
			if !f.Keyframe {
				o.skip(f.Track)
				o.dropped++
				return
			}
		}
		o.video++
	case Audio:
		if o.audio >= o.maxAudio {
			o.dropOldestAudio()
		}
		o.audio++
	}
	o.frames = append(o.frames, f)
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// skip drops a track's video until its next keyframe, and asks for one.
func (o *Outbox) skip(track byte) { o.skipping[track], o.askKey[track] = true, true }

// dropVideo takes every queued video frame out; their tracks skip to their
// next keyframes.
func (o *Outbox) dropVideo() {
	kept := o.frames[:0]
	for _, f := range o.frames {
		if f.Kind == Video {
			o.dropped++
			o.skip(f.Track)
			continue
		}
		kept = append(kept, f)
	}
	clear(o.frames[len(kept):])
	o.frames, o.video = kept, 0
}

func (o *Outbox) dropOldestAudio() {
	for i, f := range o.frames {
		if f.Kind == Audio {
			o.frames = append(o.frames[:i], o.frames[i+1:]...)
			o.audio--
			o.dropped++
			return
		}
	}
}

// maxTexts bounds the control messages queued; past it the oldest goes
// (each says all there is to know of its subject: the tracks, a keyframe).
const maxTexts = 64

// PushText queues a control message (JSON, sent as a WebSocket text
// message) ahead of the frames queued: a track is announced before its
// first frame is sent.
func (o *Outbox) PushText(msg []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return
	}
	if len(o.texts) >= maxTexts {
		o.texts = o.texts[1:]
	}
	o.texts = append(o.texts, msg)
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Pop waits for the next control message or frame: a control message is a
// Frame of kind Text. It returns false once the outbox is closed and empty,
// or ctx ends.
func (o *Outbox) Pop(ctx context.Context) (Frame, bool) {
	for {
		o.mu.Lock()
		if len(o.texts) > 0 {
			msg := o.texts[0]
			o.texts = o.texts[1:]
			o.mu.Unlock()
			return Frame{Kind: Text, Data: msg}, true
		}
		if len(o.frames) > 0 {
			f := o.frames[0]
			o.frames[0] = Frame{}
			o.frames = o.frames[1:]
			if f.Kind == Video {
				o.video--
			} else {
				o.audio--
			}
			o.mu.Unlock()
			return f, true
		}
		closed := o.closed
		o.mu.Unlock()
		if closed {
			return Frame{}, false
		}
		select {
		case <-o.wake:
		case <-ctx.Done():
			return Frame{}, false
		}
	}
}

// NeedKeyframe reports, once, that a track's video was dropped and a
// keyframe is wanted to go on.
func (o *Outbox) NeedKeyframe(track byte) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	ask := o.askKey[track]
	o.askKey[track] = false
	return ask
}

// Dropped is how many frames were dropped so far.
func (o *Outbox) Dropped() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dropped
}

// Close ends the outbox: Pop returns false once it is empty.
func (o *Outbox) Close() {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}
