package multinode

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"rapport/internal/practicetest"
)

// TestADrainingNodeHandsBackWhatItCarries: the client's WebSocket reached
// the room's node a through b. When b drains, a closes that WebSocket as a
// restarting server's (1012), before b stops, so that the page comes back
// through another node at once instead of being cut and counting a
// network failure; the room stays on a.
func TestADrainingNodeHandsBackWhatItCarries(t *testing.T) {
	t.Parallel()
	p := newPractice(t, true)
	a, b := p.startReady("a"), p.startReady("b")
	room := practicetest.BookRoom(t, a.URL, "coach@example.com", "client@example.com")
	joinRaw(t, a.URL, room.RoomID, room.Coach)
	client := joinRaw(t, b.URL, room.RoomID, room.Client)
	if got := p.owner(t, room.AppointmentID); got != "a" {
		t.Fatalf("the room is on %q, want a, where it began", got)
	}
	b.stop(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	for {
		if _, _, err := client.Read(ctx); err != nil {
			if got := websocket.CloseStatus(err); got != websocket.StatusServiceRestart {
				t.Fatalf("the client's WebSocket through b ended with %v (status %d), want 1012", err, got)
			}
			break
		}
	}
	joinRaw(t, a.URL, room.RoomID, room.Client)
	if got := p.owner(t, room.AppointmentID); got != "a" {
		t.Fatalf("after b stopped the room is on %q, want a still", got)
	}
}
