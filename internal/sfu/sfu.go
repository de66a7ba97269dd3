package sfu

import (
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Signal sends a signaling frame to a peer's client: "media.offer" or
// "media.candidate" with its data. It must not block.
type Signal func(typ string, data any)

// SFU forwards every participant's tracks to the others in the same room.
type SFU struct {
	media   *media
	closers []func() error
	log     *slog.Logger

	mu    sync.Mutex
	rooms map[string]*Room

	forwarded atomic.Uint64 // packets written to subscribers
	keyframes atomic.Uint64 // keyframe requests sent to publishers
	resent    atomic.Uint64 // packets sent again for subscribers' NACKs
}

// Stats is what the SFU is doing, for metrics.
type Stats struct {
	Rooms, Peers, Tracks int
	Forwarded            uint64 // packets forwarded to subscribers, since start
	KeyframeRequests     uint64 // PLIs sent to publishers, since start
	Resent               uint64 // packets sent again from the cache for subscribers' NACKs, since start
	FastPath             uint64 // packets received on the fast path, since start
}

// Stats counts the rooms, peers and published tracks now, and the packets
// forwarded and keyframes asked for so far.
func (s *SFU) Stats() Stats {
	rooms := s.roomList()
	st := Stats{Rooms: len(rooms), Forwarded: s.forwarded.Load(), KeyframeRequests: s.keyframes.Load(), Resent: s.resent.Load(),
		FastPath: s.media.fast.packets.Load()}
	for _, r := range rooms {
		r.mu.Lock()
		st.Peers += len(r.peers)
		st.Tracks += len(r.tracks)
		r.mu.Unlock()
	}
	return st
}

// New starts an SFU with the given network settings; log may be nil.
func New(s Settings, log *slog.Logger) (*SFU, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m, closers, err := newMedia(s, log)
	if err != nil {
		return nil, err
	}
	return &SFU{media: m, closers: closers, log: log, rooms: map[string]*Room{}}, nil
}

// Connect answers a participant's first offer (reply gets the answer): it
// makes the participant's peer connection in the room, and subscribes it to
// everyone else's tracks, which the server then offers. A participant
// already connected (another tab) is replaced.
func (s *SFU) Connect(roomID string, userID int64, offer Description, signal Signal, reply func(answer string)) (*Peer, error) {
	p, err := s.newPeer(userID, signal)
	if err != nil {
		return nil, err
	}
	if err := p.Offer(offer, reply); err != nil {
		p.Close()
		return nil, err
	}
	for !s.room(roomID).join(p) {
	}
	return p, nil
}

// room returns the room with this ID, making it if need be.
func (s *SFU) room(id string) *Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[id]
	if r == nil {
		r = &Room{sfu: s, id: id, peers: map[int64]*Peer{}, stop: make(chan struct{})}
		s.rooms[id] = r
		go r.speakerLoop()
	}
	return r
}

// forget drops a room that has emptied.
func (s *SFU) forget(r *Room) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.peers) == 0 && s.rooms[r.id] == r {
		r.gone = true
		close(r.stop)
		delete(s.rooms, r.id)
	}
}

// roomList is the rooms now.
func (s *SFU) roomList() []*Room {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Collect(maps.Values(s.rooms))
}

// Rooms is how many rooms have media.
func (s *SFU) Rooms() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}

// Close ends every peer connection and releases the shared sockets.
func (s *SFU) Close() error {
	for _, r := range s.roomList() {
		for _, p := range r.members() {
			p.Close()
		}
	}
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	return errors.Join(errs...)
}
