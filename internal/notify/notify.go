// Package notify carries short notices to people wherever they are signed
// in: "someone is waiting in your room" reaches the dashboard. It also says
// who has a page open, so that a room can tell whether the other person is
// around. In memory for one node; with a Bus (cluster.Notices), notices and
// presence cross the nodes of a cluster.
package notify

import (
	"encoding/json"
	"sync"
)

// Event is one notice: a type the page reacts to and its data.
type Event struct {
	Type string `json:"type"`
	Data any    `json:"data,omitempty"`
}

// Bus carries notices to the other nodes of a cluster and knows who has a
// page open there (cluster.Notices). Its methods may wait briefly on the
// network; the hub never calls them while holding its lock.
type Bus interface {
	// Publish sends an encoded event for userID to the other nodes, whose
	// hubs Deliver it.
	Publish(userID int64, encoded []byte)
	// Here says that the first page of userID opened on this node (open)
	// or that its last one closed.
	Here(userID int64, open bool)
	// Online reports whether userID has a page open on another node.
	Online(userID int64) bool
}

// Hub routes events to the open streams of each user.
type Hub struct {
	mu     sync.Mutex
	subs   map[int64]map[*Sub]struct{}
	closed bool
	bus    Bus // nil: this node alone
}

// SetBus makes the hub part of a cluster. Call it before any use.
func (h *Hub) SetBus(b Bus) { h.bus = b }

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int64]map[*Sub]struct{}{}} }

// Sub is one open stream of a user (a page with the app open).
type Sub struct {
	C      chan []byte // encoded events; a slow reader misses events, never blocks others
	hub    *Hub
	userID int64
}

// Subscribe opens a stream for a user. Close it when the page goes. After
// the hub has closed, the stream's channel is closed at once.
func (h *Hub) Subscribe(userID int64) *Sub {
	s := &Sub{C: make(chan []byte, 16), hub: h, userID: userID}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		close(s.C)
		return s
	}
	if h.subs[userID] == nil {
		h.subs[userID] = map[*Sub]struct{}{}
	}
	h.subs[userID][s] = struct{}{}
	first := len(h.subs[userID]) == 1
	h.mu.Unlock()
	if first && h.bus != nil {
		h.bus.Here(userID, true)
	}
	return s
}

// Close ends the stream.
func (s *Sub) Close() {
	h := s.hub
	h.mu.Lock()
	_, had := h.subs[s.userID][s]
	if had {
		close(s.C)
	}
	delete(h.subs[s.userID], s)
	last := had && len(h.subs[s.userID]) == 0
	if len(h.subs[s.userID]) == 0 {
		delete(h.subs, s.userID)
	}
	h.mu.Unlock()
	if last && h.bus != nil {
		h.bus.Here(s.userID, false)
	}
}

// Close ends every stream (their channels close) and every later one: the
// server is shutting down and the pages should reconnect elsewhere.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, subs := range h.subs {
		for s := range subs {
			close(s.C)
		}
	}
	h.subs = map[int64]map[*Sub]struct{}{}
}

// Notify sends ev to every open stream of the user, on this node and, with
// a Bus, on the others. It never blocks on a stream: one that is full
// misses the event.
func (h *Hub) Notify(userID int64, ev Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	h.Deliver(userID, b)
	if h.bus != nil {
		h.bus.Publish(userID, b)
	}
}

// Deliver sends an encoded event to the user's open streams on this node
// only: the Bus calls it with the other nodes' notices.
func (h *Hub) Deliver(userID int64, b []byte) {
	h.mu.Lock() // held while sending, so that no stream closes meanwhile; sends never block
	defer h.mu.Unlock()
	for s := range h.subs[userID] {
		select {
		case s.C <- b:
		default:
		}
	}
}

// Online reports whether the user has a page of the app open, on any node.
func (h *Hub) Online(userID int64) bool {
	h.mu.Lock()
	here := len(h.subs[userID]) > 0
	h.mu.Unlock()
	return here || (h.bus != nil && h.bus.Online(userID))
}
