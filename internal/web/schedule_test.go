package web_test

import (
	"net/http"
	"sync"
	"testing"
	"time"
)

// slotsAnswer is GET /api/v1/coaches/{id}/slots.
type slotsAnswer struct {
	TimeZone string      `json:"time_zone"`
	Slots    []time.Time `json:"slots"`
}

// openPractice sets the coach open every day 9 to 17 in New York with an
// hour's session type, and returns that type's ID.
func openPractice(t *testing.T, w *world) int64 {
	t.Helper()
	week := map[string]any{}
	for _, d := range []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"} {
		week[d] = []map[string]int{{"start": 9 * 60, "end": 17 * 60}}
	}
	av := map[string]any{"time_zone": "America/New_York", "weekly": week, "overrides": []any{},
		"buffer_before_minutes": 0, "buffer_after_minutes": 15, "min_notice_minutes": 60, "horizon_days": 14, "max_per_day": 0}
	if res := w.coach.api("PUT", "/api/v1/availability", av); res.StatusCode != http.StatusOK {
		t.Fatalf("set availability: %d %s", res.StatusCode, res.body)
	}
	var st struct{ ID int64 }
	res := w.coach.api("POST", "/api/v1/session-types", map[string]any{"name": "Coaching hour", "duration_minutes": 60})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("session type: %d %s", res.StatusCode, res.body)
	}
	res.json(t, &st)
	return st.ID
}

func (w *world) slots(t *testing.T, c *client, typeID int64) slotsAnswer {
	t.Helper()
	res := c.get("/api/v1/coaches/" + itoa(w.coachID) + "/slots?session_type=" + itoa(typeID))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("slots: %d %s", res.StatusCode, res.body)
	}
	var a slotsAnswer
	res.json(t, &a)
	return a
}

// TestClientBooksAFreeSlot: a client sees their coach's free slots in the
// coach's zone, books one, and it leaves the free slots with its buffer; a
// time that is not free is refused naming the field; a stranger sees
// nothing.
func TestClientBooksAFreeSlot(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		typeID := openPractice(t, w)
		before := w.slots(t, w.client, typeID)
		if before.TimeZone != "America/New_York" || len(before.Slots) < 20 {
			t.Fatalf("slots before: %s %d", before.TimeZone, len(before.Slots))
		}
		pick := before.Slots[3]
		res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": pick})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("book: %d %s", res.StatusCode, res.body)
		}
		var appt struct {
			Title    string
			StartsAt time.Time `json:"starts_at"`
			Client   struct{ ID int64 }
		}
		res.json(t, &appt)
		if appt.Title != "Coaching hour" || !appt.StartsAt.Equal(pick) || appt.Client.ID != w.clientID {
			t.Fatalf("booked %+v", appt)
		}
		for _, s := range w.slots(t, w.client, typeID).Slots {
			if s.After(pick.Add(-time.Hour-15*time.Minute)) && s.Before(pick.Add(time.Hour+15*time.Minute)) {
				t.Fatalf("slot %s is offered within an hour and the buffer of the booking at %s", s, pick)
			}
		}
		for _, bad := range []time.Time{pick, pick.Add(7 * time.Minute), time.Now().Add(-time.Hour)} {
			res := w.client.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": bad})
			if code, fields := res.errorBody(t); res.StatusCode != http.StatusConflict || code != "conflict" || fields["starts_at"] == "" {
				t.Fatalf("booking %s: %d %s", bad, res.StatusCode, res.body)
			}
		}
		if res := w.otherClient.get("/api/v1/coaches/" + itoa(w.coachID) + "/slots?session_type=" + itoa(typeID)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a stranger's slots: %d", res.StatusCode)
		}
	})
}

// TestTwoClientsTakeTheSameSlotAtOnce: of two clients who book the same
// slot at the same moment, exactly one gets it; the other is told and
// given the free slots as they are now, without it.
func TestTwoClientsTakeTheSameSlotAtOnce(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		e.inviteAndAccept(w.coach, w.otherClient, "client2@example.com")
		typeID := openPractice(t, w)
		slots := w.slots(t, w.client, typeID).Slots
		for round := range 5 {
			pick := slots[round*4]
			var wg sync.WaitGroup
			answers := make([]*response, 2)
			for i, c := range []*client{w.client, w.otherClient} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					answers[i] = c.api("POST", "/api/v1/coaches/"+itoa(w.coachID)+"/bookings", map[string]any{"session_type_id": typeID, "starts_at": pick})
				}()
			}
			wg.Wait()
			won, lost := 0, 0
			for _, a := range answers {
				switch a.StatusCode {
				case http.StatusCreated:
					won++
				case http.StatusConflict:
					lost++
					var body slotsAnswer
					a.json(t, &body)
					for _, s := range body.Slots {
						if s.Equal(pick) {
							t.Fatalf("round %d: the loser was offered the slot just taken", round)
						}
					}
				}
			}
			if won != 1 || lost != 1 {
				t.Fatalf("round %d: %d won, %d lost: %d %s / %d %s", round, won, lost,
					answers[0].StatusCode, answers[0].body, answers[1].StatusCode, answers[1].body)
			}
		}
	})
}
