package room_test

import (
	"context"
	"slices"
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
	waitUntil(t, "the room to end", func() bool { return f.m.Count() == 0 })
}

// passGrace moves the clock past an emptied room's grace period, once the
// room has set its timer (the last person's leave may be run by another
// goroutine).
func (f *fixture) passGrace(t *testing.T) {
	t.Helper()
	end := f.clock.Now().Add(f.m.Grace)
	waitUntil(t, "the grace timer", func() bool { return slices.ContainsFunc(f.clock.Timers(), end.Equal) })
	f.clock.Advance(f.m.Grace)
}

func (f *fixture) status(t *testing.T) coaching.AppointmentStatus {
	t.Helper()
	a, err := f.db.AppointmentByID(context.Background(), f.appt.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

// bothLeave takes the client and then the coach out, lets the grace
// period pass and waits for the room to end its call.
func bothLeave(t *testing.T, f *fixture, coach, client *room.Seat) {
	t.Helper()
	client.Leave(room.ReasonGone)
	coach.Leave(room.ReasonGone)
	f.passGrace(t)
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

// TestTheCallEndsAfterItsLastMessageIsStored: when the grace period of an
// emptied room passes while a message is still being stored, the call ends
// (and its summary is asked for) only once the message is.
func TestTheCallEndsAfterItsLastMessageIsStored(t *testing.T) {
	f := newFixture(t)
	slow := &slowWriter{release: make(chan struct{}), next: f.w}
	f.m.Chat = slow
	after := &fakeSummarizer{ended: make(chan int64, 1)}
	f.m.Summarizer = after
	_, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	_, client, joined := f.join(t, f.client, protocol.JoinRequest{})
	coach.Chat("r1", "c1", "the last word")
	waitUntil(t, "the message to reach the writer", func() bool { return slow.waiting() > 0 })
	client.Leave(room.ReasonLeft)
	coach.Leave(room.ReasonLeft)
	f.passGrace(t)
	if !f.m.Settle(f.appt.RoomID) {
		t.Fatal("the room ended with its last message still being stored")
	}
	select {
	case <-after.ended:
		t.Fatal("the call ended before its last message was stored")
	default:
	}
	close(slow.release)
	select {
	case <-after.ended:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end once its last message was stored")
	}
	f.waitGone(t)
	stored, err := f.db.MessagesAfter(context.Background(), sessionOf(t, joined), 0, 10)
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored %v %v, want the last word", stored, err)
	}
}

// TestEndSessionDeliversTheMessageInFlight: a message being stored when the
// coach ends the session reaches the client before the room closes.
func TestEndSessionDeliversTheMessageInFlight(t *testing.T) {
	f := newFixture(t)
	slow := &slowWriter{release: make(chan struct{}), next: f.w}
	f.m.Chat = slow
	coachConn, coach, _ := f.join(t, f.coach, protocol.JoinRequest{})
	clientConn, _, _ := f.join(t, f.client, protocol.JoinRequest{})
	coach.Chat("r1", "c1", "see you next week")
	waitUntil(t, "the message to reach the writer", func() bool { return slow.waiting() > 0 })
	coach.End("e1")
	coachConn.wait(t, "ok")
	if !f.m.Settle(f.appt.RoomID) || clientConn.closedWith() != "" {
		t.Fatalf("the room closed (the client's connection: %q) with a message still being stored", clientConn.closedWith())
	}
	close(slow.release)
	if m := clientConn.wait(t, "chat.message")["data"].(map[string]any); m["body"] != "see you next week" {
		t.Fatalf("the client got %v", m)
	}
	f.waitGone(t)
	if got := clientConn.closedWith(); got != room.ReasonRoomEnded {
		t.Fatalf("the client's connection closed with %q, want %q", got, room.ReasonRoomEnded)
	}
}
