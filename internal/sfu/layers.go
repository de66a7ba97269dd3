package sfu

import (
	"math"
	"slices"
	"time"
)

// Choosing layers. Every tick each subscriber's video tracks get, in order
// of how large they are shown, the best layer that is worth its size on
// screen, is arriving, and fits in what is left of the subscriber's
// bandwidth estimate (REMB, with a 10% margin), and moves at least half as
// many frames a second as the smoothest of them (a publisher short of CPU
// may keep sending its best layer at a few frames a second, when a smaller
// one still moves); the lowest arriving layer when nothing fits. Audio is
// set aside first.
const (
	estimateShare = 0.9
	audioReserve  = 64_000 // bits a second for each subscriber's audio
)

// layerForWidth is the best layer worth sending to a tile that many device
// pixels wide (the browser reports CSS pixels times devicePixelRatio): the quarter layer to a thumbnail, the half to a middling
// tile, the full one to the stage. Zero (hidden) gets the lowest.
func layerForWidth(width int) int {
	switch {
	case width <= 0:
		return 0
	case width <= 240:
		return 0
	case width <= 480:
		return 1
	}
	return 2
}

// View says how large the subscriber shows a stream ("12-camera"), so that
// it gets no more than it can show.
func (p *Peer) View(streamID string, width, height int) {
	r := p.room
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for f, s := range p.downs {
		if f.streamID() == streamID {
			s.down.maxLayer.Store(int32(layerForWidth(max(width, height*16/9))))
		}
	}
}

// allocate gives each of a subscriber's video tracks its layer, and asks
// again for the keyframe a track waits for: a subscriber that receives
// nothing yet cannot ask for one itself.
func allocate(estimate int64, downs []*downTrack, now int64) {
	defer func() {
		for _, d := range downs {
			if t := d.target.Load(); t != d.current.Load() {
				d.fwd.askKeyframe(int(t))
			}
		}
	}()
	budget := int64(math.MaxInt64)
	if estimate > 0 {
		budget = int64(float64(estimate)*estimateShare) - audioReserve
	}
	slices.SortStableFunc(downs, func(a, b *downTrack) int {
		return int(b.maxLayer.Load()) - int(a.maxLayer.Load()) // larger tiles first
	})
	for _, d := range downs {
		f := d.fwd
		if !f.simulcast() {
			for i := range f.layers {
				if l := f.layers[i].Load(); l != nil {
					d.setTarget(i) // the one layer there is
					budget -= l.bps.Load()
					break
				}
			}
			continue
		}
		choice, lowest := -1, -1
		smoothest := f.smoothest(int(d.maxLayer.Load()), now)
		for i := int(d.maxLayer.Load()); i >= 0; i-- {
			if !f.live(i, now) {
				continue
			}
			lowest = i
			l := f.layers[i].Load()
			if choice < 0 && l.bps.Load() <= budget && 2*l.fps.Load() >= smoothest {
				choice = i
			}
		}
		if choice < 0 {
			choice = lowest
		}
		if choice < 0 {
			continue // nothing arrives yet
		}
		d.setTarget(choice)
		budget -= f.layers[choice].Load().bps.Load()
	}
}

// smoothest is the best frame rate among the layers up to top that arrive.
func (f *forwarder) smoothest(top int, now int64) int64 {
	var best int64
	for i := range top + 1 {
		if f.live(i, now) {
			best = max(best, f.layers[i].Load().fps.Load())
		}
	}
	return best
}

// tick measures the layers, gives every subscriber its layers, and picks
// the active speaker.
func (r *Room) tick(elapsed time.Duration) {
	r.mu.Lock()
	tracks := slices.Clone(r.tracks)
	type sub struct {
		p     *Peer
		downs []*downTrack
	}
	subs := make([]sub, 0, len(r.peers))
	for _, p := range r.peers {
		s := sub{p: p}
		for f, d := range p.downs {
			if f.video {
				s.downs = append(s.downs, d.down)
			}
		}
		subs = append(subs, s)
	}
	r.mu.Unlock()
	now := time.Now().UnixNano()
	for _, f := range tracks {
		f.measure(elapsed)
	}
	for _, s := range subs {
		allocate(s.p.estimate.Load(), s.downs, now)
	}
	r.tickSpeaker(tracks)
}
