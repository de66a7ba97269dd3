package coaching_test

import (
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

func TestBook(t *testing.T) {
	t.Parallel()
	type tc struct {
		name string
		// setup prepares the world, e.g. books an appointment already there.
		setup func(t *testing.T, w *world)
		// by is who books; nil is anonymous.
		by      func(w *world) *coaching.User
		booking func(w *world) coaching.Booking
		code    string
		field   string
		// count is how many appointments exist afterwards.
		count int
		check func(t *testing.T, w *world, a *coaching.Appointment)
	}
	byCoach := func(w *world) *coaching.User { return w.coach }
	hour := func(start time.Time) func(w *world) coaching.Booking {
		return func(w *world) coaching.Booking {
			return coaching.Booking{ClientID: w.client.ID, Title: "Session", StartsAt: start, Duration: time.Hour}
		}
	}
	lasting := func(d time.Duration) func(w *world) coaching.Booking {
		return func(w *world) coaching.Booking {
			return coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow, Duration: d}
		}
	}
	// existing books the coach's hour at tomorrow.
	existing := func(t *testing.T, w *world) { MustBook(t, w, w.coach, w.client, tomorrow) }

	cases := []tc{
		{name: "coach books own client in the future", by: byCoach, booking: hour(tomorrow), count: 1,
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if a.ID == 0 || a.CoachID != w.coach.ID || a.ClientID != w.client.ID || a.Status != coaching.ApptScheduled {
					t.Errorf("booked %+v", a)
				}
				if !a.StartsAt.Equal(tomorrow) || a.Duration != time.Hour || a.Title != "Session" {
					t.Errorf("time or title: %s %s %q", a.StartsAt, a.Duration, a.Title)
				}
				if len(a.RoomID) != 32 {
					t.Errorf("room ID %q is not 32 characters", a.RoomID)
				}
				if !a.CreatedAt.Equal(now) || !a.UpdatedAt.Equal(now) {
					t.Errorf("created %s updated %s, want %s", a.CreatedAt, a.UpdatedAt, now)
				}
				got := MustGetAppointment(t, w, a.ID)
				if got.RoomID != a.RoomID || !got.StartsAt.Equal(tomorrow) || got.Duration != time.Hour {
					t.Errorf("stored %+v", got)
				}
			}},
		{name: "one second from now is the future", by: byCoach, booking: hour(now.Add(time.Second)), count: 1},
		{name: "now is refused", by: byCoach, booking: hour(now), code: app.EINVALID, field: "starts_at"},
		{name: "the past is refused", by: byCoach, booking: hour(now.Add(-time.Hour)), code: app.EINVALID, field: "starts_at"},
		{name: "less than a second from now is refused", by: byCoach, booking: hour(now.Add(500 * time.Millisecond)),
			code: app.EINVALID, field: "starts_at"},
		{name: "no start is refused", by: byCoach, booking: hour(time.Time{}), code: app.EINVALID, field: "starts_at"},
		{name: "a start is kept to the second, in UTC", by: byCoach,
			booking: hour(tomorrow.Add(999 * time.Millisecond).In(time.FixedZone("CET", 3600))), count: 1,
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if !a.StartsAt.Equal(tomorrow) || a.StartsAt.Location() != time.UTC {
					t.Errorf("starts at %s, want %s", a.StartsAt, tomorrow)
				}
			}},
		{name: "15 minutes is the shortest", by: byCoach, booking: lasting(15 * time.Minute), count: 1},
		{name: "240 minutes is the longest", by: byCoach, booking: lasting(240 * time.Minute), count: 1},
		{name: "14 minutes is refused", by: byCoach, booking: lasting(14 * time.Minute), code: app.EINVALID, field: "duration_minutes"},
		{name: "241 minutes is refused", by: byCoach, booking: lasting(241 * time.Minute), code: app.EINVALID, field: "duration_minutes"},
		{name: "no duration is refused", by: byCoach, booking: lasting(0), code: app.EINVALID, field: "duration_minutes"},
		{name: "a negative duration is refused", by: byCoach, booking: lasting(-time.Hour), code: app.EINVALID, field: "duration_minutes"},
		{name: "part minutes are refused", by: byCoach, booking: lasting(30*time.Minute + 30*time.Second),
			code: app.EINVALID, field: "duration_minutes"},
		{name: "an empty title becomes the default", by: byCoach, count: 1,
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, Title: "   ", StartsAt: tomorrow, Duration: time.Hour}
			},
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if a.Title != "Coaching session" {
					t.Errorf("title %q", a.Title)
				}
			}},
		{name: "a title of 201 characters is refused", by: byCoach, code: app.EINVALID, field: "title",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, Title: longString(201), StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "notes of 10001 characters are refused", by: byCoach, code: app.EINVALID, field: "notes",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, Notes: longString(10001), StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "no call mode leaves it to the server", by: byCoach, booking: hour(tomorrow), count: 1,
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if a.CallMode != coaching.CallModeDefault || MustGetAppointment(t, w, a.ID).CallMode != coaching.CallModeDefault {
					t.Errorf("call mode %q, want the server's default", a.CallMode)
				}
			}},
		{name: "a peer-to-peer call mode is kept", by: byCoach, count: 1,
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour, CallMode: coaching.CallModeP2P}
			},
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if a.CallMode != coaching.CallModeP2P || MustGetAppointment(t, w, a.ID).CallMode != coaching.CallModeP2P {
					t.Errorf("call mode %q, want p2p", a.CallMode)
				}
			}},
		{name: "an unknown call mode is refused", by: byCoach, code: app.EINVALID, field: "call_mode",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour, CallMode: "SFU"}
			}},
		{name: "no client is refused", by: byCoach, code: app.EINVALID, field: "client_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "another coach's client is refused", by: byCoach, code: app.EINVALID, field: "client_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.otherClient.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "a missing client is refused", by: byCoach, code: app.EINVALID, field: "client_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: 9999, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "the coach as their own client is refused", by: byCoach, code: app.EINVALID, field: "client_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.coach.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "a coach naming another coach books for themselves", by: byCoach, count: 1,
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.otherCoach.ID, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			},
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if a.CoachID != w.coach.ID {
					t.Errorf("coach %d, want the caller %d", a.CoachID, w.coach.ID)
				}
			}},
		{name: "a coach cannot book another coach's client by naming that coach", by: byCoach,
			code: app.EINVALID, field: "client_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.otherCoach.ID, ClientID: w.otherClient.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "a client cannot book", by: func(w *world) *coaching.User { return w.client },
			booking: hour(tomorrow), code: app.EFORBIDDEN},
		{name: "anonymous cannot book", by: func(w *world) *coaching.User { return nil },
			booking: hour(tomorrow), code: app.EUNAUTHORIZED},
		{name: "an admin books naming the coach", by: func(w *world) *coaching.User { return w.admin }, count: 1,
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.coach.ID, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			},
			check: func(t *testing.T, w *world, a *coaching.Appointment) {
				if a.CoachID != w.coach.ID || a.ClientID != w.client.ID {
					t.Errorf("booked %+v", a)
				}
			}},
		{name: "an admin naming no coach is refused", by: func(w *world) *coaching.User { return w.admin },
			code: app.EINVALID, field: "coach_id", booking: hour(tomorrow)},
		{name: "an admin naming a client as coach is refused", by: func(w *world) *coaching.User { return w.admin },
			code: app.EINVALID, field: "coach_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.otherClient.ID, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "an admin naming themselves as coach is refused", by: func(w *world) *coaching.User { return w.admin },
			code: app.EINVALID, field: "coach_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.admin.ID, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "an admin naming a coach that is not the client's is refused", by: func(w *world) *coaching.User { return w.admin },
			code: app.EINVALID, field: "client_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.otherCoach.ID, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "an admin naming a missing coach is refused", by: func(w *world) *coaching.User { return w.admin },
			code: app.EINVALID, field: "coach_id",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: 9999, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},

		// Overlaps with the coach's hour at tomorrow.
		{name: "the same slot is a conflict", setup: existing, by: byCoach, booking: hour(tomorrow),
			code: app.ECONFLICT, field: "starts_at", count: 1},
		{name: "a slot starting inside is a conflict", setup: existing, by: byCoach, booking: hour(tomorrow.Add(30 * time.Minute)),
			code: app.ECONFLICT, field: "starts_at", count: 1},
		{name: "a slot ending inside is a conflict", setup: existing, by: byCoach, booking: hour(tomorrow.Add(-30 * time.Minute)),
			code: app.ECONFLICT, field: "starts_at", count: 1},
		{name: "a slot within is a conflict", setup: existing, by: byCoach, count: 1, code: app.ECONFLICT, field: "starts_at",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow.Add(15 * time.Minute), Duration: 15 * time.Minute}
			}},
		{name: "a slot around is a conflict", setup: existing, by: byCoach, count: 1, code: app.ECONFLICT, field: "starts_at",
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow.Add(-time.Hour), Duration: 3 * time.Hour}
			}},
		{name: "a slot overlapping by one minute is a conflict", setup: existing, by: byCoach,
			booking: hour(tomorrow.Add(59 * time.Minute)), code: app.ECONFLICT, field: "starts_at", count: 1},
		{name: "an admin's booking is checked for overlap too", setup: existing, by: func(w *world) *coaching.User { return w.admin },
			code: app.ECONFLICT, field: "starts_at", count: 1,
			booking: func(w *world) coaching.Booking {
				return coaching.Booking{CoachID: w.coach.ID, ClientID: w.client.ID, StartsAt: tomorrow, Duration: time.Hour}
			}},
		{name: "back-to-back after is allowed", setup: existing, by: byCoach, booking: hour(tomorrow.Add(time.Hour)), count: 2},
		{name: "back-to-back before is allowed", setup: existing, by: byCoach, booking: hour(tomorrow.Add(-time.Hour)), count: 2},
		{name: "a cancelled appointment does not block", by: byCoach, booking: hour(tomorrow), count: 2,
			setup: func(t *testing.T, w *world) {
				a := MustBook(t, w, w.coach, w.client, tomorrow)
				MustCancel(t, w, w.coach, a.ID)
			}},
		{name: "a completed appointment does not block", by: byCoach, booking: hour(tomorrow), count: 2,
			setup: func(t *testing.T, w *world) {
				a := MustBook(t, w, w.coach, w.client, tomorrow)
				MustSetStatus(t, w, a.ID, coaching.ApptCompleted)
			}},
		{name: "another coach's appointment does not block", by: byCoach, booking: hour(tomorrow), count: 2,
			setup: func(t *testing.T, w *world) { MustBook(t, w, w.otherCoach, w.otherClient, tomorrow) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			if c.setup != nil {
				c.setup(t, w)
			}
			got, err := w.svc.Book(as(c.by(w)), c.booking(w))
			MustField(t, err, c.code, c.field)
			if err != nil && got != nil {
				t.Errorf("refused booking returned %+v", got)
			}
			if n := len(MustAllAppointments(t, w)); n != c.count {
				t.Errorf("%d appointments afterwards, want %d", n, c.count)
			}
			if c.check != nil && err == nil {
				c.check(t, w, got)
			}
		})
	}
}

// TestCallModeOr: an appointment's own call mode wins over the server's
// default; the default applies only when the appointment left it open.
func TestCallModeOr(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ own, def, want coaching.CallMode }{
		{coaching.CallModeDefault, coaching.CallModeSFU, coaching.CallModeSFU},
		{coaching.CallModeDefault, coaching.CallModeP2P, coaching.CallModeP2P},
		{coaching.CallModeP2P, coaching.CallModeSFU, coaching.CallModeP2P},
		{coaching.CallModeSFU, coaching.CallModeP2P, coaching.CallModeSFU},
	} {
		a := &coaching.Appointment{CallMode: tc.own}
		if got := a.CallModeOr(tc.def); got != tc.want {
			t.Errorf("%q or %q = %q, want %q", tc.own, tc.def, got, tc.want)
		}
	}
}

// TestBookRoomsDiffer checks that every appointment gets its own room.
func TestBookRoomsDiffer(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	a := MustBook(t, w, w.coach, w.client, tomorrow)
	b := MustBook(t, w, w.coach, w.client, tomorrow.Add(time.Hour))
	if a.RoomID == b.RoomID {
		t.Fatalf("two appointments share room %q", a.RoomID)
	}
	got, err := w.svc.Room(as(w.client), b.RoomID)
	MustCode(t, err, "")
	if got.ID != b.ID {
		t.Fatalf("room %q is appointment %d, want %d", b.RoomID, got.ID, b.ID)
	}
}

// TestBookConcurrently checks that of several bookings of one slot racing
// each other exactly one wins and the others conflict.
func TestBookConcurrently(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Each starts a different minute into the same hour, so all overlap.
			start := tomorrow.Add(time.Duration(i) * time.Minute)
			_, errs[i] = w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.client.ID, StartsAt: start, Duration: time.Hour})
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch app.ErrorCode(err) {
		case "":
			won++
		case app.ECONFLICT:
		default:
			t.Errorf("booking %d: %v, want success or ECONFLICT", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d bookings won, want 1", won)
	}
	if got := len(MustAllAppointments(t, w)); got != 1 {
		t.Errorf("%d appointments stored, want 1", got)
	}
}
