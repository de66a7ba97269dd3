package signaling_test

import (
	"net/http"
	"testing"
	"time"
)

// TestTheCoachEndsTheSession: "room.end" from the client is refused; from
// the coach it is answered, both are told why with "room.ended", both
// connections close with 4003 (the room ended), and the room opens no more.
func TestTheCoachEndsTheSession(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach, client := e.mustWS(t, e.coach), e.mustWS(t, e.client)
	join(t, coach, nil)
	join(t, client, nil)
	client.send(t, "room.end", "e1", nil)
	var refused struct{ Code string }
	if f := wait(t, client, "error"); f.ID != "e1" {
		t.Fatalf("the client's room.end answered %+v", f)
	} else if f.decode(t, &refused); refused.Code != "forbidden" {
		t.Fatalf("the client's room.end: %s", refused.Code)
	}
	coach.send(t, "room.end", "e2", nil)
	if f := wait(t, coach, "ok"); f.ID != "e2" {
		t.Fatalf("the coach's room.end answered %+v", f)
	}
	for _, p := range []*wsPeer{coach, client} {
		var ended struct{ Reason, Name string }
		wait(t, p, "room.ended").decode(t, &ended)
		if ended.Reason != "ended_by_coach" || ended.Name != "coach" {
			t.Fatalf("room.ended %+v", ended)
		}
		select {
		case code := <-p.closed:
			if code != 4003 {
				t.Fatalf("closed with %d, want 4003 (the room ended)", code)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the connection stayed open after End session")
		}
	}
	if _, res, err := e.dialWS(t, e.client); err == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("the room after End session: %v %v", err, res)
	}
}
