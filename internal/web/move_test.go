package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bookFirst books the client the n-th free slot of the session type and
// returns the appointment's ID and room.
func bookFirst(t *testing.T, w *world, typeID int64, n int) (int64, string, time.Time) {
	t.Helper()
	pick := w.slots(t, w.client, typeID).Slots[n]
	res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": pick})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("book: %d %s", res.StatusCode, res.body)
	}
	var a struct {
		ID     int64
		RoomID string `json:"room_id"`
	}
	res.json(t, &a)
	return a.ID, a.RoomID, pick
}

// TestClientMovesAnAppointment: the client moves their session to another
// free time; it stays the same appointment with the same room, its old
// time is free again, and the coach's open pages hear of it. Inside the
// coach's notice for changes the client is told to ask their coach.
func TestClientMovesAnAppointment(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		typeID := openPractice(t, w)
		id, room, old := bookFirst(t, w, typeID, 2)
		var moves struct{ Slots []time.Time }
		if res := w.client.get("/api/v1/appointments/" + itoa(id) + "/slots"); res.StatusCode != http.StatusOK {
			t.Fatalf("move slots: %d %s", res.StatusCode, res.body)
		} else {
			res.json(t, &moves)
		}
		offered := false
		for _, s := range moves.Slots {
			offered = offered || s.Equal(old)
		}
		if !offered {
			t.Fatal("the appointment's own time is not among the times it may move to")
		}
		to := moves.Slots[len(moves.Slots)/2]
		coachEvents := e.app.Hub.Subscribe(w.coachID)
		defer coachEvents.Close()
		res := w.client.api("POST", "/api/v1/appointments/"+itoa(id)+"/move", map[string]any{"starts_at": to})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("move: %d %s", res.StatusCode, res.body)
		}
		var moved struct {
			ID       int64
			RoomID   string    `json:"room_id"`
			StartsAt time.Time `json:"starts_at"`
		}
		res.json(t, &moved)
		if moved.ID != id || moved.RoomID != room || !moved.StartsAt.Equal(to) {
			t.Fatalf("moved %+v, want appointment %d in room %s at %s", moved, id, room, to)
		}
		select {
		case raw := <-coachEvents.C:
			var ev struct {
				Type string
				Data struct{ ID int64 }
			}
			json.Unmarshal(raw, &ev)
			if ev.Type != "appointment.changed" || ev.Data.ID != id {
				t.Fatalf("the coach heard %s", raw)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the coach's pages heard nothing of the move")
		}
		found := false
		for _, s := range w.slots(t, w.client, typeID).Slots {
			found = found || s.Equal(old)
		}
		if !found {
			t.Fatal("the old time is not free again")
		}
		if res := w.coach.api("POST", "/api/v1/appointments/"+itoa(id)+"/move", map[string]any{"starts_at": old}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("the coach used the client's move: %d", res.StatusCode)
		}
		if res := w.otherClient.api("POST", "/api/v1/appointments/"+itoa(id)+"/move", map[string]any{"starts_at": old}); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a stranger moved it: %d", res.StatusCode)
		}
	})
}

// TestMoveInsideTheNotice: inside the coach's notice for changes the client
// cannot move the session themselves.
func TestMoveInsideTheNotice(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	typeID := openPractice(t, w)
	id, _, _ := bookFirst(t, w, typeID, 0)
	var av map[string]any
	w.coach.get("/api/v1/availability").json(t, &av)
	av["change_notice_minutes"] = 30 * 1440
	if res := w.coach.api("PUT", "/api/v1/availability", av); res.StatusCode != http.StatusOK {
		t.Fatalf("set the notice: %d %s", res.StatusCode, res.body)
	}
	for _, res := range []*response{w.client.get("/api/v1/appointments/" + itoa(id) + "/slots"),
		w.client.api("POST", "/api/v1/appointments/"+itoa(id)+"/move", map[string]any{"starts_at": time.Now().Add(72 * time.Hour)})} {
		if res.StatusCode != http.StatusForbidden || !strings.Contains(string(res.body), "too late to move") {
			t.Fatalf("inside the notice: %d %s", res.StatusCode, res.body)
		}
	}
}

// TestLateCancellationIsMarked: a client who cancels inside the coach's
// notice for changes may, but the coach sees it marked late; outside the
// notice, or by the coach, it is not.
func TestLateCancellationIsMarked(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		typeID := openPractice(t, w)
		early, _, earlyAt := bookFirst(t, w, typeID, 0)
		later, _, _ := bookFirst(t, w, typeID, 6)
		byCoach, _, _ := bookFirst(t, w, typeID, 12)
		var av map[string]any
		w.coach.get("/api/v1/availability").json(t, &av)
		// a notice that reaches past the first booking but not the later ones
		av["change_notice_minutes"] = int(time.Until(earlyAt).Minutes()) + 90
		if res := w.coach.api("PUT", "/api/v1/availability", av); res.StatusCode != http.StatusOK {
			t.Fatalf("set the notice: %d %s", res.StatusCode, res.body)
		}
		cancel := func(c *client, id int64) bool {
			res := c.api("DELETE", "/api/v1/appointments/"+itoa(id), map[string]string{"reason": "something came up"})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("cancel %d: %d %s", id, res.StatusCode, res.body)
			}
			var a struct {
				Late bool `json:"cancelled_late"`
			}
			w.coach.get("/api/v1/appointments/"+itoa(id)).json(t, &a)
			return a.Late
		}
		if !cancel(w.client, early) {
			t.Fatal("a cancellation inside the notice is not marked late")
		}
		if cancel(w.client, later) {
			t.Fatal("a cancellation outside the notice is marked late")
		}
		if cancel(w.coach, byCoach) {
			t.Fatal("the coach's cancellation is marked late")
		}
		if page := string(w.coach.get("/appointments/" + itoa(early)).body); !strings.Contains(page, "Cancelled late") {
			t.Fatal("the appointment page does not say it was cancelled late")
		}
	})
}
