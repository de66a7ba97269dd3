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
	mu   sync.Mutex
	subs map[int64]map[*Sub]struct{}
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int64]map[*Sub]struct{}{}} }

// Sub is one open stream of a user (a page with the app open).
type Sub struct {
	C      chan []byte // encoded events; a slow reader misses events, never blocks others
	hub    *Hub
	userID int64
}

// Subscribe opens a stream for a user. Close it when the page goes.
func (h *Hub) Subscribe(userID int64) *Sub {
	s := &Sub{C: make(chan []byte, 16), hub: h, userID: userID}
	h.mu.Lock()
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
	delete(h.subs[s.userID], s)
	if len(h.subs[s.userID]) == 0 {
		delete(h.subs, s.userID)
	}
	h.mu.Unlock()
}

// Notify sends ev to every open stream of the user. It never blocks: a
// stream that is full misses the event.
func (h *Hub) Notify(userID int64, ev Event) {
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	h.mu.Lock()
	subs := make([]*Sub, 0, len(h.subs[userID]))
	for s := range h.subs[userID] {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
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
