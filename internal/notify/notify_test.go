package notify

import (
	"strings"
	"testing"
)

func TestHub(t *testing.T) {
	h := NewHub()
	if h.Online(1) {
		t.Fatal("nobody subscribed yet")
	}
	a, b := h.Subscribe(1), h.Subscribe(1)
	other := h.Subscribe(2)
	h.Notify(1, Event{Type: "room.waiting", Data: map[string]string{"who": "Ann"}})
	for _, s := range []*Sub{a, b} {
		if got := string(<-s.C); !strings.Contains(got, `"room.waiting"`) || !strings.Contains(got, "Ann") {
			t.Fatalf("event %s", got)
		}
	}
	select {
	case <-other.C:
		t.Fatal("another user got the event")
	default:
	}
	for range 100 { // a full stream drops, never blocks
		h.Notify(2, Event{Type: "x"})
	}
	a.Close()
	if !h.Online(1) {
		t.Fatal("one stream is still open")
	}
	b.Close()
	if h.Online(1) {
		t.Fatal("all streams closed")
	}
}
