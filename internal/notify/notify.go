// Package notify carries short notices to people wherever they are signed
// in: "someone is waiting in your room" reaches the dashboard. It also says
// who has a page open, so that a room can tell whether the other person is
// around. In memory, for one node; the cluster issue carries it across nodes.
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

// Hub routes events to the open streams of each user.
type Hub struct {
	mu     sync.Mutex
	subs   map[int64]map[*Sub]struct{}
	closed bool
}

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
	h.mu.Unlock()
	return s
}

// Close ends the stream.
func (s *Sub) Close() {
	h := s.hub
	h.mu.Lock()
	if _, open := h.subs[s.userID][s]; open {
		close(s.C)
	}
	delete(h.subs[s.userID], s)
	if len(h.subs[s.userID]) == 0 {
		delete(h.subs, s.userID)
	}
	h.mu.Unlock()
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

// Notify sends ev to every open stream of the user. It never blocks: a
// stream that is full misses the event.
func (h *Hub) Notify(userID int64, ev Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	h.mu.Lock() // held while sending, so that no stream closes meanwhile; sends never block
	defer h.mu.Unlock()
	for s := range h.subs[userID] {
		select {
		case s.C <- b:
		default:
		}
	}
}

// Online reports whether the user has a page of the app open.
func (h *Hub) Online(userID int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[userID]) > 0
}
