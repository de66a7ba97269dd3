package coaching_test

import (
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestUpdateAppointment edits the coach's hour at tomorrow (the subject).
// The coach has another hour two hours later (the neighbour), and a
// cancelled hour one hour earlier.
func TestUpdateAppointment(t *testing.T) {
	t.Parallel()
	neighbourAt := tomorrow.Add(2 * time.Hour)
	cancelledAt := tomorrow.Add(-time.Hour)
	type tc struct {
		name string
		// setup runs after the subject is booked.
		setup  func(t *testing.T, w *world, subject *coaching.Appointment)
		by     func(w *world) *coaching.User
		id     func(subject *coaching.Appointment) int64 // the subject's by default
		change coaching.AppointmentChange
		code   string
		field  string
		// check looks at the stored subject; on refusal, it is unchanged
		// unless the case says otherwise.
		check func(t *testing.T, w *world, got *coaching.Appointment)
	}
	byCoach := func(w *world) *coaching.User { return w.coach }
	at := func(start time.Time) coaching.AppointmentChange {
		return coaching.AppointmentChange{StartsAt: ptr(start)}
	}
	lasting := func(d time.Duration) coaching.AppointmentChange {
		return coaching.AppointmentChange{Duration: ptr(d)}
	}
	status := func(s coaching.AppointmentStatus) coaching.AppointmentChange {
		return coaching.AppointmentChange{Status: ptr(s)}
	}
	startsAt := func(want time.Time) func(t *testing.T, w *world, got *coaching.Appointment) {
		return func(t *testing.T, w *world, got *coaching.Appointment) {
			if !got.StartsAt.Equal(want) {
				t.Errorf("starts at %s, want %s", got.StartsAt, want)
			}
		}
	}
	hasStatus := func(want coaching.AppointmentStatus) func(t *testing.T, w *world, got *coaching.Appointment) {
		return func(t *testing.T, w *world, got *coaching.Appointment) {
			if got.Status != want {
				t.Errorf("status %s, want %s", got.Status, want)
			}
		}
	}
	started := func(t *testing.T, w *world, subject *coaching.Appointment) {
		w.clock.Advance(subject.StartsAt.Sub(w.clock.Now()) + time.Minute)
	}
	closed := func(s coaching.AppointmentStatus) func(t *testing.T, w *world, subject *coaching.Appointment) {
		return func(t *testing.T, w *world, subject *coaching.Appointment) {
			if s == coaching.ApptCancelled {
				MustCancel(t, w, w.coach, subject.ID)
			} else {
				MustSetStatus(t, w, subject.ID, s)
			}
		}
	}

	cases := []tc{
		{name: "coach moves it to a free slot", by: byCoach, change: at(tomorrow.Add(24 * time.Hour)),
			check: startsAt(tomorrow.Add(24 * time.Hour))},
		{name: "coach moves it by half an hour, overlapping only itself", by: byCoach,
			change: at(tomorrow.Add(30 * time.Minute)), check: startsAt(tomorrow.Add(30 * time.Minute))},
		{name: "coach lengthens it up to the neighbour", by: byCoach, change: lasting(2 * time.Hour),
			check: func(t *testing.T, w *world, got *coaching.Appointment) {
				if got.Duration != 2*time.Hour {
					t.Errorf("duration %s", got.Duration)
				}
			}},
		{name: "coach moves it back-to-back after the neighbour", by: byCoach, change: at(neighbourAt.Add(time.Hour)),
			check: startsAt(neighbourAt.Add(time.Hour))},
		{name: "coach moves it onto a cancelled slot", by: byCoach, change: at(cancelledAt), check: startsAt(cancelledAt)},
		{name: "moving onto the neighbour is a conflict", by: byCoach, change: at(neighbourAt.Add(-30 * time.Minute)),
			code: app.ECONFLICT, field: "starts_at"},
		{name: "lengthening into the neighbour is a conflict", by: byCoach, change: lasting(2*time.Hour + 15*time.Minute),
			code: app.ECONFLICT, field: "starts_at"},
		{name: "moving onto another coach's appointment is allowed", by: byCoach, change: at(tomorrow.Add(24 * time.Hour)),
			setup: func(t *testing.T, w *world, _ *coaching.Appointment) {
				MustBook(t, w, w.otherCoach, w.otherClient, tomorrow.Add(24*time.Hour))
			},
			check: startsAt(tomorrow.Add(24 * time.Hour))},
		{name: "moving into the past is refused", by: byCoach, change: at(now.Add(-time.Hour)),
			code: app.EINVALID, field: "starts_at"},
		{name: "moving to now is refused", by: byCoach, change: at(now), code: app.EINVALID, field: "starts_at"},
		{name: "14 minutes is refused", by: byCoach, change: lasting(14 * time.Minute), code: app.EINVALID, field: "duration_minutes"},
		{name: "241 minutes is refused", by: byCoach, change: lasting(241 * time.Minute), code: app.EINVALID, field: "duration_minutes"},
		{name: "part minutes are refused", by: byCoach, change: lasting(45*time.Minute + time.Second),
			code: app.EINVALID, field: "duration_minutes"},
		{name: "an empty title is refused", by: byCoach, change: coaching.AppointmentChange{Title: ptr("  ")},
			code: app.EINVALID, field: "title"},
		{name: "a title of 201 characters is refused", by: byCoach, change: coaching.AppointmentChange{Title: ptr(longString(201))},
			code: app.EINVALID, field: "title"},
		{name: "coach retitles and writes notes", by: byCoach,
			change: coaching.AppointmentChange{Title: ptr(" Goals review "), Notes: ptr("bring the plan")},
			check: func(t *testing.T, w *world, got *coaching.Appointment) {
				if got.Title != "Goals review" || got.Notes != "bring the plan" || !got.StartsAt.Equal(tomorrow) {
					t.Errorf("stored %+v", got)
				}
				if !got.UpdatedAt.Equal(now) {
					t.Errorf("updated at %s", got.UpdatedAt)
				}
			}},
		{name: "coach chooses a peer-to-peer call", by: byCoach, change: coaching.AppointmentChange{CallMode: ptr(coaching.CallModeP2P)},
			check: func(t *testing.T, w *world, got *coaching.Appointment) {
				if got.CallMode != coaching.CallModeP2P || !got.StartsAt.Equal(tomorrow) {
					t.Errorf("stored %+v", got)
				}
			}},
		{name: "a change without a call mode keeps it", by: byCoach, change: coaching.AppointmentChange{Title: ptr("Kept")},
			setup: func(t *testing.T, w *world, subject *coaching.Appointment) {
				if _, err := w.svc.UpdateAppointment(as(w.coach), subject.ID, coaching.AppointmentChange{CallMode: ptr(coaching.CallModeSFU)}); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, w *world, got *coaching.Appointment) {
				if got.CallMode != coaching.CallModeSFU || got.Title != "Kept" {
					t.Errorf("stored %+v", got)
				}
			}},
		{name: "an unknown call mode is refused", by: byCoach, change: coaching.AppointmentChange{CallMode: ptr(coaching.CallMode("mesh"))},
			code: app.EINVALID, field: "call_mode"},
		{name: "an admin moves it", by: func(w *world) *coaching.User { return w.admin }, change: at(tomorrow.Add(24 * time.Hour)),
			check: startsAt(tomorrow.Add(24 * time.Hour))},
		{name: "an admin's move is checked for overlap", by: func(w *world) *coaching.User { return w.admin },
			change: at(neighbourAt), code: app.ECONFLICT, field: "starts_at"},
		{name: "the client is forbidden", by: func(w *world) *coaching.User { return w.client },
			change: at(tomorrow.Add(24 * time.Hour)), code: app.EFORBIDDEN},
		{name: "another coach is told it does not exist", by: func(w *world) *coaching.User { return w.otherCoach },
			change: at(tomorrow.Add(24 * time.Hour)), code: app.ENOTFOUND},
		{name: "another client is told it does not exist", by: func(w *world) *coaching.User { return w.otherClient },
			change: at(tomorrow.Add(24 * time.Hour)), code: app.ENOTFOUND},
		{name: "anonymous is told to sign in", by: func(w *world) *coaching.User { return nil },
			change: at(tomorrow.Add(24 * time.Hour)), code: app.EUNAUTHORIZED},
		{name: "a missing appointment is not found", by: byCoach, id: func(*coaching.Appointment) int64 { return 9999 },
			change: at(tomorrow.Add(24 * time.Hour)), code: app.ENOTFOUND},

		{name: "coach marks it completed once it started", by: byCoach, change: status(coaching.ApptCompleted),
			setup: started, check: hasStatus(coaching.ApptCompleted)},
		{name: "coach marks it a no-show once it started", by: byCoach, change: status(coaching.ApptNoShow),
			setup: started, check: hasStatus(coaching.ApptNoShow)},
		{name: "completed before the start is refused", by: byCoach, change: status(coaching.ApptCompleted),
			code: app.EINVALID, field: "status"},
		{name: "no-show before the start is refused", by: byCoach, change: status(coaching.ApptNoShow),
			code: app.EINVALID, field: "status"},
		{name: "setting scheduled again changes nothing", by: byCoach, change: status(coaching.ApptScheduled),
			check: hasStatus(coaching.ApptScheduled)},
		{name: "cancelling through update is refused", by: byCoach, change: status(coaching.ApptCancelled),
			code: app.EINVALID, field: "status"},
		{name: "an unknown status is refused", by: byCoach, change: status("postponed"), code: app.EINVALID, field: "status"},
		{name: "a completed appointment cannot change", by: byCoach, setup: closed(coaching.ApptCompleted),
			change: coaching.AppointmentChange{Title: ptr("Later")}, code: app.ECONFLICT, check: hasStatus(coaching.ApptCompleted)},
		{name: "a no-show cannot change", by: byCoach, setup: closed(coaching.ApptNoShow),
			change: status(coaching.ApptCompleted), code: app.ECONFLICT, check: hasStatus(coaching.ApptNoShow)},
		{name: "a cancelled appointment cannot change", by: byCoach, setup: closed(coaching.ApptCancelled),
			change: at(tomorrow.Add(24 * time.Hour)), code: app.ECONFLICT, check: hasStatus(coaching.ApptCancelled)},
		{name: "a cancelled appointment cannot be reopened", by: byCoach, setup: closed(coaching.ApptCancelled),
			change: status(coaching.ApptScheduled), code: app.ECONFLICT, check: hasStatus(coaching.ApptCancelled)},
		{name: "an admin cannot change a completed appointment", by: func(w *world) *coaching.User { return w.admin },
			setup: closed(coaching.ApptCompleted), change: status(coaching.ApptScheduled), code: app.ECONFLICT,
			check: hasStatus(coaching.ApptCompleted)},

		// Under way: the clock is past the start.
		{name: "under way it may be marked completed", by: byCoach, change: status(coaching.ApptCompleted),
			setup: func(t *testing.T, w *world, _ *coaching.Appointment) { w.clock.Advance(24*time.Hour + 10*time.Minute) },
			check: hasStatus(coaching.ApptCompleted)},
		{name: "under way it may be retitled", by: byCoach, change: coaching.AppointmentChange{Title: ptr("Renamed")},
			setup: func(t *testing.T, w *world, _ *coaching.Appointment) { w.clock.Advance(24*time.Hour + 10*time.Minute) },
			check: func(t *testing.T, w *world, got *coaching.Appointment) {
				if got.Title != "Renamed" {
					t.Errorf("title %q", got.Title)
				}
			}},
		{name: "under way a move must still be to the future", by: byCoach, change: at(tomorrow.Add(5 * time.Minute)),
			setup: func(t *testing.T, w *world, _ *coaching.Appointment) { w.clock.Advance(24*time.Hour + 10*time.Minute) },
			code:  app.EINVALID, field: "starts_at"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			subject := MustBook(t, w, w.coach, w.client, tomorrow)
			MustBook(t, w, w.coach, w.client, neighbourAt)
			MustCancel(t, w, w.coach, MustBook(t, w, w.coach, w.client, cancelledAt).ID)
			if c.setup != nil {
				c.setup(t, w, subject)
			}
			before := MustGetAppointment(t, w, subject.ID)
			id := subject.ID
			if c.id != nil {
				id = c.id(subject)
			}
			got, err := w.svc.UpdateAppointment(as(c.by(w)), id, c.change)
			MustField(t, err, c.code, c.field)
			stored := MustGetAppointment(t, w, subject.ID)
			if err != nil {
				if got != nil {
					t.Errorf("refused update returned %+v", got)
				}
				if stored.Title != before.Title || !stored.StartsAt.Equal(before.StartsAt) ||
					stored.Duration != before.Duration || stored.Status != before.Status ||
					stored.Notes != before.Notes || stored.CallMode != before.CallMode || !stored.UpdatedAt.Equal(before.UpdatedAt) {
					t.Errorf("refused update changed %+v into %+v", before, stored)
				}
			} else if got.ID != subject.ID || got.Status != stored.Status || !got.StartsAt.Equal(stored.StartsAt) {
				t.Errorf("returned %+v, stored %+v", got, stored)
			}
			if c.check != nil {
				c.check(t, w, stored)
			}
		})
	}
}

func TestCancelAppointment(t *testing.T) {
	t.Parallel()
	type tc struct {
		name   string
		setup  func(t *testing.T, w *world, subject *coaching.Appointment)
		by     func(w *world) *coaching.User
		id     func(subject *coaching.Appointment) int64
		reason string
		code   string
		field  string
		// wantStatus is the stored status afterwards.
		wantStatus coaching.AppointmentStatus
		wantReason string
	}
	cases := []tc{
		{name: "the coach cancels with a reason", by: func(w *world) *coaching.User { return w.coach },
			reason: "  I am ill  ", wantStatus: coaching.ApptCancelled, wantReason: "I am ill"},
		{name: "the client cancels with a reason", by: func(w *world) *coaching.User { return w.client },
			reason: "travelling", wantStatus: coaching.ApptCancelled, wantReason: "travelling"},
		{name: "an admin cancels with a reason", by: func(w *world) *coaching.User { return w.admin },
			reason: "coach left", wantStatus: coaching.ApptCancelled, wantReason: "coach left"},
		{name: "a reason may be empty", by: func(w *world) *coaching.User { return w.client },
			wantStatus: coaching.ApptCancelled},
		{name: "a reason of 1000 characters is fine", by: func(w *world) *coaching.User { return w.client },
			reason: longString(1000), wantStatus: coaching.ApptCancelled, wantReason: longString(1000)},
		{name: "a reason of 1001 characters is refused", by: func(w *world) *coaching.User { return w.client },
			reason: longString(1001), code: app.EINVALID, field: "reason", wantStatus: coaching.ApptScheduled},
		{name: "another coach is told it does not exist", by: func(w *world) *coaching.User { return w.otherCoach },
			reason: "x", code: app.ENOTFOUND, wantStatus: coaching.ApptScheduled},
		{name: "another client is told it does not exist", by: func(w *world) *coaching.User { return w.otherClient },
			reason: "x", code: app.ENOTFOUND, wantStatus: coaching.ApptScheduled},
		{name: "anonymous is told to sign in", by: func(w *world) *coaching.User { return nil },
			reason: "x", code: app.EUNAUTHORIZED, wantStatus: coaching.ApptScheduled},
		{name: "a missing appointment is not found", by: func(w *world) *coaching.User { return w.admin },
			id: func(*coaching.Appointment) int64 { return 9999 }, code: app.ENOTFOUND, wantStatus: coaching.ApptScheduled},
		{name: "cancelling twice is a conflict", by: func(w *world) *coaching.User { return w.client },
			setup: func(t *testing.T, w *world, s *coaching.Appointment) {
				if _, err := w.svc.CancelAppointment(as(w.coach), s.ID, "first"); err != nil {
					t.Fatal(err)
				}
			},
			reason: "second", code: app.ECONFLICT, wantStatus: coaching.ApptCancelled, wantReason: "first"},
		{name: "a completed appointment cannot be cancelled", by: func(w *world) *coaching.User { return w.coach },
			setup: func(t *testing.T, w *world, s *coaching.Appointment) {
				MustSetStatus(t, w, s.ID, coaching.ApptCompleted)
			},
			reason: "x", code: app.ECONFLICT, wantStatus: coaching.ApptCompleted},
		{name: "a no-show cannot be cancelled", by: func(w *world) *coaching.User { return w.admin },
			setup:  func(t *testing.T, w *world, s *coaching.Appointment) { MustSetStatus(t, w, s.ID, coaching.ApptNoShow) },
			reason: "x", code: app.ECONFLICT, wantStatus: coaching.ApptNoShow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			subject := MustBook(t, w, w.coach, w.client, tomorrow)
			if c.setup != nil {
				c.setup(t, w, subject)
			}
			w.clock.Advance(time.Minute)
			id := subject.ID
			if c.id != nil {
				id = c.id(subject)
			}
			got, err := w.svc.CancelAppointment(as(c.by(w)), id, c.reason)
			MustField(t, err, c.code, c.field)
			stored := MustGetAppointment(t, w, subject.ID)
			if stored.Status != c.wantStatus || stored.CancelReason != c.wantReason {
				t.Errorf("stored status %s reason %.20q, want %s %.20q", stored.Status, stored.CancelReason, c.wantStatus, c.wantReason)
			}
			if err == nil {
				if got.Status != coaching.ApptCancelled || got.CancelReason != c.wantReason {
					t.Errorf("returned %+v", got)
				}
				if !stored.UpdatedAt.Equal(now.Add(time.Minute)) {
					t.Errorf("updated at %s", stored.UpdatedAt)
				}
			} else if got != nil {
				t.Errorf("refused cancel returned %+v", got)
			}
		})
	}
}

// TestCancelFreesTheSlot checks that a cancelled slot can be booked again.
func TestCancelFreesTheSlot(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	a := MustBook(t, w, w.coach, w.client, tomorrow)
	_, err := w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour})
	MustCode(t, err, app.ECONFLICT)
	MustCancel(t, w, w.client, a.ID)
	b := MustBook(t, w, w.coach, w.client, tomorrow)
	if b.ID == a.ID {
		t.Fatal("the cancelled appointment was reused")
	}
}
