package sfu

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Room is the media of one call: its peers and the tracks they publish.
type Room struct {
	sfu *SFU
	id  string

	mu     sync.Mutex
	peers  map[int64]*Peer
	tracks []*forwarder
	gone   bool // forgotten by the SFU: a joiner must ask for the room again

	detector detector      // the speaker loop's own
	speaker  atomic.Int64  // who speaks now, for a peer that joins
	stop     chan struct{} // ends the speaker loop when the room is forgotten
}

// speakerLoop measures the room's layers, chooses its subscribers' layers
// and tells its peers who speaks, every tick until the room is forgotten.
func (r *Room) speakerLoop() {
	t := time.NewTicker(speakerTick)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.tick(speakerTick)
		}
	}
}

func (r *Room) tickSpeaker(tracks []*forwarder) {
	var mics []*forwarder
	for _, f := range tracks {
		if f.voice != nil {
			mics = append(mics, f)
		}
	}
	who, changed := r.detector.pick(mics)
	if !changed {
		return
	}
	r.speaker.Store(who)
	for _, p := range r.members() {
		p.signal("speaker", Speaker{UserID: who})
	}
}

// join adds a peer and subscribes it to the other peers' tracks. Another
// peer of the same user is closed: the newest connection wins. It returns
// false when the room has just been forgotten.
func (r *Room) join(p *Peer) bool {
	r.mu.Lock()
	if r.gone {
		r.mu.Unlock()
		return false
	}
	if !p.enter(r) {
		r.mu.Unlock()
		return true // closed already: nothing to join
	}
	old := r.peers[p.user]
	r.peers[p.user] = p
	added := false
	for _, f := range r.tracks {
		if f.pub.user != p.user {
			added = p.subscribe(f) || added
		}
	}
	r.mu.Unlock()
	if old != nil {
		old.Close()
	}
	if added {
		p.negotiate()
	}
	if who := r.speaker.Load(); who != 0 {
		p.signal("speaker", Speaker{UserID: who})
	}
	return true
}

// publish forwards a new track to every other peer.
func (r *Room) publish(f *forwarder) {
	r.mu.Lock()
	if r.peers[f.pub.user] != f.pub {
		r.mu.Unlock()
		return // the publisher has left or been replaced
	}
	r.tracks = append(r.tracks, f)
	var subs []*Peer
	for _, p := range r.peers {
		if p != f.pub && p.subscribe(f) {
			subs = append(subs, p)
		}
	}
	r.mu.Unlock()
	for _, p := range subs {
		p.negotiate()
	}
}

// unpublish stops forwarding a track that ended.
func (r *Room) unpublish(f *forwarder) {
	r.mu.Lock()
	i := slices.Index(r.tracks, f)
	if i < 0 {
		r.mu.Unlock()
		return
	}
	r.tracks = slices.Delete(r.tracks, i, i+1)
	var subs []*Peer
	for _, p := range r.peers {
		if p.unsubscribe(f) {
			subs = append(subs, p)
		}
	}
	r.mu.Unlock()
	for _, p := range subs {
		p.negotiate()
	}
}

// leave removes a peer and the tracks it published.
func (r *Room) leave(p *Peer) {
	r.mu.Lock()
	if r.peers[p.user] == p {
		delete(r.peers, p.user)
	}
	p.dropAll() // out of every forwarder: a closed peer costs nothing more
	var mine []*forwarder
	for _, f := range r.tracks {
		if f.pub == p {
			mine = append(mine, f)
		}
	}
	empty := len(r.peers) == 0
	r.mu.Unlock()
	for _, f := range mine {
		r.unpublish(f)
	}
	if empty {
		r.sfu.forget(r)
	}
}

// members returns the room's peers.
func (r *Room) members() []*Peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := make([]*Peer, 0, len(r.peers))
	for _, p := range r.peers {
		list = append(list, p)
	}
	return list
}

// tracksIn is how many tracks a room forwards (for tests and metrics).
func (s *SFU) tracksIn(roomID string) int {
	s.mu.Lock()
	r := s.rooms[roomID]
	s.mu.Unlock()
	if r == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tracks)
}
