package room_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/protocol"
	"rapport/internal/room"
)

// waitGone waits until the manager holds no live room.
func (f *fixture) waitGone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for f.m.Count() > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the empty room did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) status(t *testing.T) coaching.AppointmentStatus {
	t.Helper()
	a, err := f.db.AppointmentByID(context.Background(), f.appt.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

// bothLeave takes the coach and then the client out and waits for the
// room to end its call.
func bothLeave(t *testing.T, f *fixture, coach, client *room.Seat) {
	t.Helper()
	client.Leave(room.ReasonGone)
	coach.Leave(room.ReasonGone)
	f.waitGone(t)
}

// TestBothLeaveEarlyAndRejoin: both lose their connection 23 minutes before
// the end of a 30-minute session. The call session ends with its duration,
// but the appointment stays scheduled and its room open; rejoining starts a
// second call session of the same appointment, and the time in calls is the
// sum of both. Once the room closes with nobody in it, the sweep completes
// the appointment.
func TestBothLeaveEarlyAndRejoin(t *testing.T) {
	f := newFixture(t)
	f.clock.Advance(10 * time.Minute) // the start
	_, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	_, client, j := f.join(t, f.client, protocol.JoinRequest{})
	first := int64(j["session"].(map[string]any)["id"].(float64))
	f.clock.Advance(7 * time.Minute)
	bothLeave(t, f, coach, client)
	if got := f.status(t); got != coaching.ApptScheduled {
		t.Fatalf("23 minutes before the end, with both gone, the appointment is %s", got)
	}
	if !f.appt.RoomOpenAt(f.clock.Now()) {
		t.Fatal("the room does not take people back 23 minutes before the end")
	}

	f.clock.Advance(3 * time.Minute)
	_, coach, _ = f.join(t, f.coach, protocol.JoinRequest{SessionID: first})
	_, client, j = f.join(t, f.client, protocol.JoinRequest{SessionID: first})
	second := int64(j["session"].(map[string]any)["id"].(float64))
	if second == first || j["timer"].(map[string]any)["started_at"] == nil {
		t.Fatalf("the rejoin: session %d (the first was %d), timer %v", second, first, j["timer"])
	}
	f.clock.Advance(12 * time.Minute)
	bothLeave(t, f, coach, client)

	sessions, err := f.db.ListCallSessions(context.Background(), f.appt.ID)
	if err != nil || len(sessions) != 2 {
		t.Fatalf("%d call sessions (%v), want 2", len(sessions), err)
	}
	if got := coaching.CallTime(sessions); got != 19*time.Minute {
		t.Fatalf("time in calls %v, want 19m (7m + 12m)", got)
	}
	if got := f.status(t); got != coaching.ApptScheduled {
		t.Fatalf("after the second call, within the slot, the appointment is %s", got)
	}
	f.clock.Advance(f.appt.RoomClosesAt().Sub(f.clock.Now()))
	if _, _, err := f.m.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.status(t); got != coaching.ApptCompleted {
		t.Fatalf("once the room closed with nobody in it the appointment is %s", got)
	}
}

// TestCoachEndsTheSession: End session completes the appointment at once,
// tells both why, and closes the room for everyone; nobody gets back in.
func TestCoachEndsTheSession(t *testing.T) {
	f := newFixture(t)
	f.clock.Advance(12 * time.Minute)
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, _, j := f.join(t, f.client, protocol.JoinRequest{})
	session := int64(j["session"].(map[string]any)["id"].(float64))
	f.clock.Advance(5 * time.Minute)
	coach.End("e1")
	if ok := coachConn.wait(t, "ok"); ok["id"] != "e1" {
		t.Fatalf("End session answered %v", ok)
	}
	for _, c := range []*fakeConn{coachConn, clientConn} {
		ended := c.wait(t, "room.ended")["data"].(map[string]any)
		if ended["reason"] != room.EndedByCoach || ended["name"] != "Cora" {
			t.Fatalf("room.ended %v", ended)
		}
	}
	f.waitGone(t)
	for _, c := range []*fakeConn{coachConn, clientConn} {
		if got := c.closedWith(); got != room.ReasonRoomEnded {
			t.Fatalf("a connection closed with %q, want %q", got, room.ReasonRoomEnded)
		}
	}
	if got := f.status(t); got != coaching.ApptCompleted {
		t.Fatalf("after End session the appointment is %s", got)
	}
	cs, err := f.db.CallSessionByID(context.Background(), session)
	if err != nil || cs.EndedAt == nil || cs.Duration != 5*time.Minute {
		t.Fatalf("session %+v %v, want ended after 5 minutes", cs, err)
	}
	if _, err := f.m.Join(f.appt, f.client, newConn(), protocol.JoinRequest{}, "j"); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("a join after End session: %v", err)
	}
}

// TestOnlyTheCoachEndsTheSession: the client and the AI's seat are refused,
// and the call goes on.
func TestOnlyTheCoachEndsTheSession(t *testing.T) {
	f := newFixture(t)
	coachConn, _, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, client, _ := f.join(t, f.client, protocol.JoinRequest{})
	aiConn, ai, _ := f.join(t, room.AIUser(), protocol.JoinRequest{})
	for _, c := range []struct {
		conn *fakeConn
		h    *room.Seat
	}{{clientConn, client}, {aiConn, ai}} {
		c.h.End("e1")
		refused := c.conn.wait(t, "error")
		if refused["id"] != "e1" || refused["data"].(map[string]any)["code"] != "forbidden" {
			t.Fatalf("End session by a non-coach answered %v", refused)
		}
	}
	if got := f.status(t); got != coaching.ApptScheduled {
		t.Fatalf("after refused End sessions the appointment is %s", got)
	}
	if coachConn.count("room.ended") != 0 || coachConn.closedWith() != "" || f.m.Count() != 1 {
		t.Fatal("a refused End session closed the room")
	}
}
