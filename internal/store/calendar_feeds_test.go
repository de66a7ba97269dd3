package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

func TestCalendarFeeds(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := mustUser(t, db, "ann@example.com", app.RoleClient)
		first := &coaching.CalendarFeed{UserID: ann.ID, Seed: "seed-1", TokenHash: "hash-1", CreatedAt: t0}
		if err := db.PutCalendarFeed(ctx, first, false); err != nil {
			t.Fatal(err)
		}
		kept := &coaching.CalendarFeed{UserID: ann.ID, Seed: "seed-x", TokenHash: "hash-x", CreatedAt: t0}
		if err := db.PutCalendarFeed(ctx, kept, false); err != nil {
			t.Fatalf("a second feed without replace: %v", err)
		}
		if f, err := db.CalendarFeedOf(ctx, ann.ID); err != nil || f.Seed != "seed-1" || !f.CreatedAt.Equal(t0) {
			t.Fatalf("feed without replace: %+v %v, want seed-1 kept", f, err)
		}
		f, u, err := db.CalendarFeedByToken(ctx, "hash-1")
		if err != nil || f.UserID != ann.ID || u.ID != ann.ID || u.Email != "ann@example.com" {
			t.Fatalf("by hash: %+v %+v %v", f, u, err)
		}
		next := &coaching.CalendarFeed{UserID: ann.ID, Seed: "seed-2", TokenHash: "hash-2", CreatedAt: t0.Add(time.Hour)}
		if err := db.PutCalendarFeed(ctx, next, true); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.CalendarFeedByToken(ctx, "hash-1"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("replaced hash: %v, want ENOTFOUND", err)
		}
		if f, _, err := db.CalendarFeedByToken(ctx, "hash-2"); err != nil || f.Seed != "seed-2" || !f.CreatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("new hash: %+v %v", f, err)
		}
		if _, err := db.CalendarFeedOf(ctx, 999); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("nobody's feed: %v, want ENOTFOUND", err)
		}
	})
}

func TestCalendarFeedHashIsUnique(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := mustUser(t, db, "ann@example.com", app.RoleClient)
		bob := mustUser(t, db, "bob@example.com", app.RoleClient)
		if err := db.PutCalendarFeed(ctx, &coaching.CalendarFeed{UserID: ann.ID, Seed: "a", TokenHash: "same", CreatedAt: t0}, true); err != nil {
			t.Fatal(err)
		}
		err := db.PutCalendarFeed(ctx, &coaching.CalendarFeed{UserID: bob.ID, Seed: "b", TokenHash: "same", CreatedAt: t0}, true)
		if app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("a second feed of one hash: %v, want ECONFLICT", err)
		}
	})
}

func TestAppointmentSequence(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		a := mustAppt(t, db, coach, client, t0.Add(24*time.Hour), "room-sequence-0000000000000001")
		if got, _ := db.AppointmentByID(ctx, a.ID); got.Sequence != 0 {
			t.Fatalf("new appointment's sequence = %d, want 0", got.Sequence)
		}
		for want := 1; want <= 2; want++ {
			a.StartsAt = a.StartsAt.Add(time.Hour)
			if err := db.UpdateAppointment(ctx, a); err != nil {
				t.Fatal(err)
			}
			got, _ := db.AppointmentByID(ctx, a.ID)
			if a.Sequence != want || got.Sequence != want {
				t.Fatalf("after update %d: sequence %d in hand, %d stored", want, a.Sequence, got.Sequence)
			}
		}
		if err := db.UpdateAppointment(ctx, &coaching.Appointment{ID: 999, Duration: time.Hour, Status: coaching.ApptScheduled}); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("update missing: %v, want ENOTFOUND", err)
		}
	})
}

func TestPersonAppointments(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		ann := mustUser(t, db, "ann@example.com", app.RoleClient)
		bob := mustUser(t, db, "bob@example.com", app.RoleClient)
		other := mustUser(t, db, "coach2@example.com", app.RoleCoach)
		anns := mustAppt(t, db, coach, ann, t0.Add(2*time.Hour), "room-person-000000000000000001")
		bobs := mustAppt(t, db, coach, bob, t0.Add(time.Hour), "room-person-000000000000000002")
		mustAppt(t, db, other, bob, t0.Add(3*time.Hour), "room-person-000000000000000003")
		mustAppt(t, db, coach, ann, t0.Add(-time.Hour), "room-person-000000000000000004") // before the window
		got, err := db.PersonAppointments(ctx, coach.ID, t0, t0.Add(24*time.Hour), 10)
		if err != nil || len(got) != 2 || got[0].ID != bobs.ID || got[1].ID != anns.ID || got[1].Client.Email != "ann@example.com" {
			t.Fatalf("coach's: %v %v, want bob's then ann's", ids(got), err)
		}
		got, err = db.PersonAppointments(ctx, ann.ID, t0, t0.Add(24*time.Hour), 10)
		if err != nil || len(got) != 1 || got[0].ID != anns.ID {
			t.Fatalf("ann's: %v %v", ids(got), err)
		}
		if got, _ := db.PersonAppointments(ctx, bob.ID, t0, t0.Add(24*time.Hour), 1); len(got) != 1 || got[0].ID != bobs.ID {
			t.Fatalf("bob's first: %v", ids(got))
		}
	})
}

func ids(list []*coaching.Appointment) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}
