package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

// slotWorld is an appointment of an hour from t0, a service on a fixed clock
// at its start, and a helper that holds a call of it.
type slotWorld struct {
	db            *store.DB
	svc           *coaching.Service
	clock         *app.FixedClock
	appt          *coaching.Appointment
	coach, client *coaching.User
}

func mustSlot(t *testing.T, db *store.DB, room string) *slotWorld {
	t.Helper()
	coach := mustUser(t, db, room+"-coach@example.com", app.RoleCoach)
	client := mustUser(t, db, room+"-client@example.com", app.RoleClient)
	clock := app.NewFixedClock(t0)
	return &slotWorld{db: db, svc: coaching.NewService(db, clock), clock: clock,
		appt: mustAppt(t, db, coach, client, t0, room), coach: coach, client: client}
}

// call holds a call that lasts d: opened, started, and ended when both left.
func (w *slotWorld) call(t *testing.T, d time.Duration) *coaching.CallSession {
	t.Helper()
	ctx := context.Background()
	cs, err := w.svc.OpenCall(ctx, w.appt)
	if err == nil {
		err = w.svc.StartCall(ctx, cs)
	}
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Advance(d)
	if err := w.svc.EndCall(ctx, cs, w.clock.Now()); err != nil {
		t.Fatal(err)
	}
	return cs
}

func (w *slotWorld) status(t *testing.T) coaching.AppointmentStatus {
	t.Helper()
	a, err := w.db.AppointmentByID(context.Background(), w.appt.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

// TestAnEndedCallLeavesTheSlotOpen: a call that ends early (both left)
// leaves the appointment scheduled; a second call is a second session, and
// the time in calls is the sum of both.
func TestAnEndedCallLeavesTheSlotOpen(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		w := mustSlot(t, db, "room-open-0123456789abcdef")
		first := w.call(t, 20*time.Minute)
		if got := w.status(t); got != coaching.ApptScheduled {
			t.Fatalf("after a call that ended 40 minutes early the appointment is %s", got)
		}
		w.clock.Advance(5 * time.Minute)
		second := w.call(t, 10*time.Minute)
		if second.ID == first.ID {
			t.Fatal("the second call continued the first session")
		}
		list, err := db.ListCallSessions(context.Background(), w.appt.ID)
		if err != nil || len(list) != 2 {
			t.Fatalf("%d sessions, %v", len(list), err)
		}
		if got := coaching.CallTime(list); got != 30*time.Minute {
			t.Fatalf("time in calls %v, want 30m (20m + 10m)", got)
		}
		if got := w.status(t); got != coaching.ApptScheduled {
			t.Fatalf("after the second call the appointment is %s", got)
		}
	})
}

// TestSweepCompletesWhenTheRoomCloses: the sweep completes an appointment
// once its room has closed (an hour after the scheduled end) and nobody is
// in it; not before, not one whose call is still open, not one where no
// call ever started.
func TestSweepCompletesWhenTheRoomCloses(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		held := mustSlot(t, db, "room-held-0123456789abcdef")
		held.call(t, 20*time.Minute)
		open := &slotWorld{db: db, svc: held.svc, clock: held.clock,
			appt: mustAppt(t, db, held.coach, held.client, t0.Add(-time.Minute), "room-still-open-0123456789abcdef")}
		if _, err := open.svc.OpenCall(ctx, open.appt); err != nil {
			t.Fatal(err)
		}
		empty := &slotWorld{db: db, svc: held.svc, clock: held.clock,
			appt: mustAppt(t, db, held.coach, held.client, t0.Add(-2*time.Minute), "room-nobody-came-0123456789abcdef")}

		held.clock.Advance(held.appt.RoomClosesAt().Add(-time.Second).Sub(held.clock.Now()))
		if n, err := held.svc.CompleteFinished(ctx, nil); err != nil || n != 0 {
			t.Fatalf("a second before the room closes the sweep completed %d (%v)", n, err)
		}
		held.clock.Advance(time.Second)
		if n, _ := held.svc.CompleteFinished(ctx, func(id int64) bool { return id == held.appt.ID }); n != 0 {
			t.Fatal("the sweep completed an appointment whose room is live")
		}
		if n, err := held.svc.CompleteFinished(ctx, nil); err != nil || n != 1 {
			t.Fatalf("when the room closed the sweep completed %d (%v), want 1", n, err)
		}
		for _, c := range []struct {
			w    *slotWorld
			want coaching.AppointmentStatus
		}{{held, coaching.ApptCompleted}, {open, coaching.ApptScheduled}, {empty, coaching.ApptScheduled}} {
			if got := c.w.status(t); got != c.want {
				t.Errorf("%s: %s, want %s", c.w.appt.RoomID, got, c.want)
			}
		}
	})
}

// TestEndAppointmentCompletesAtOnce: the coach's End session ends the call
// and completes the appointment with its slot far from over; the room then
// opens no new call.
func TestEndAppointmentCompletesAtOnce(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := mustSlot(t, db, "room-ended-0123456789abcdef")
		cs, err := w.svc.OpenCall(ctx, w.appt)
		if err == nil {
			err = w.svc.StartCall(ctx, cs)
		}
		if err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(7 * time.Minute)
		if err := w.svc.EndAppointment(ctx, cs, w.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if got := w.status(t); got != coaching.ApptCompleted {
			t.Fatalf("after End session the appointment is %s", got)
		}
		ended, err := db.CallSessionByID(ctx, cs.ID)
		if err != nil || ended.EndedAt == nil || ended.Duration != 7*time.Minute {
			t.Fatalf("session %+v %v, want ended after 7m", ended, err)
		}
		if _, err := w.svc.OpenCall(ctx, w.appt); app.ErrorCode(err) != app.EFORBIDDEN {
			t.Fatalf("a call opened in a completed appointment's room: %v", err)
		}
	})
}
