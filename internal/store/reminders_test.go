package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// TestUpcomingAppointments: the reminder loop's query lists the scheduled
// appointments that start in (from, to], by start, each once with its
// coach's availability (or none) and the offsets handled at its current
// sequence only; a cancelled one, one that started, and one past the
// window are left out.
func TestUpcomingAppointments(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		other := mustUser(t, db, "other@example.com", app.RoleCoach)
		ann := mustUser(t, db, "ann@example.com", app.RoleClient)
		from := t0.Add(24 * time.Hour)
		started := mustAppt(t, db, coach, ann, from, "room-started-000000000000")
		soon := mustAppt(t, db, coach, ann, from.Add(time.Hour), "room-soon-000000000000000")
		later := mustAppt(t, db, other, ann, from.Add(48*time.Hour), "room-later-00000000000000")
		cancelled := mustAppt(t, db, coach, ann, from.Add(2*time.Hour), "room-cancelled-0000000000")
		beyond := mustAppt(t, db, coach, ann, from.Add(8*24*time.Hour), "room-beyond-0000000000000")
		cancelled.Status = coaching.ApptCancelled
		if err := db.UpdateAppointment(ctx, cancelled); err != nil {
			t.Fatal(err)
		}
		av := coaching.DefaultAvailability("Europe/Paris")
		av.ReminderMinutes = []int{120}
		if err := db.PutAvailability(ctx, coach.ID, &av, t0); err != nil {
			t.Fatal(err)
		}
		for _, m := range []struct {
			id      int64
			seq     int
			minutes int
		}{{soon.ID, 0, 1440}, {soon.ID, 0, 60}, {later.ID, 5, 60}} {
			if fresh, err := db.MarkReminder(ctx, m.id, m.seq, m.minutes, t0); err != nil || !fresh {
				t.Fatalf("mark %v: %v %v", m, fresh, err)
			}
		}
		if fresh, err := db.MarkReminder(ctx, soon.ID, 0, 60, t0.Add(time.Minute)); err != nil || fresh {
			t.Errorf("marking again: fresh %v, %v", fresh, err)
		}

		list, err := db.UpcomingAppointments(ctx, from, from.Add(coaching.MaxReminderOffset))
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, up := range list {
			ids = append(ids, up.Appointment.ID)
		}
		if !slices.Equal(ids, []int64{soon.ID, later.ID}) {
			t.Fatalf("upcoming %v, want [%d %d] (not started %d, cancelled %d, beyond %d)", ids, soon.ID, later.ID,
				started.ID, cancelled.ID, beyond.ID)
		}
		s, l := list[0], list[1]
		if !slices.Equal(s.Handled, []int{60, 1440}) || len(l.Handled) != 0 {
			t.Errorf("handled: soon %v, later %v (marked at another sequence)", s.Handled, l.Handled)
		}
		if s.Availability == nil || !slices.Equal(s.Availability.ReminderMinutes, []int{120}) || l.Availability != nil {
			t.Errorf("availabilities: soon %+v, later %+v", s.Availability, l.Availability)
		}
		if s.Appointment.Client == nil || s.Appointment.Client.Email != "ann@example.com" || s.Appointment.Coach.Email != "coach@example.com" {
			t.Errorf("people: %+v %+v", s.Appointment.Coach, s.Appointment.Client)
		}
	})
}

// TestUpcomingAppointmentsUseTheIndex: on SQLite the reminder loop's
// query reads one range of appointments_upcoming, not every appointment.
func TestUpcomingAppointmentsUseTheIndex(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	plan, err := db.Plan(context.Background(), store.UpcomingQuery, "2030-01-01T00:00:00.000000Z", "2030-01-08T00:00:00.000000Z")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "SEARCH a USING INDEX appointments_upcoming (starts_at>? AND starts_at<?)") || strings.Contains(plan, "SCAN a") {
		t.Errorf("plan:\n%s", plan)
	}
}

// TestEmailPreferences: preferences are kept per person, replaced or
// kept, and found by their token's hash, which is one person's.
func TestEmailPreferences(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ann := mustUser(t, db, "ann@example.com", app.RoleClient)
		bob := mustUser(t, db, "bob@example.com", app.RoleClient)
		if _, err := db.EmailPreferences(ctx, ann.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("before any: %v, want ENOTFOUND", err)
		}
		first := &coaching.EmailPreferences{UserID: ann.ID, Choices: coaching.DefaultEmailChoices(), Seed: "s1", TokenHash: "h1", UpdatedAt: t0}
		if err := db.PutEmailPreferences(ctx, first, false); err != nil {
			t.Fatal(err)
		}
		kept := &coaching.EmailPreferences{UserID: ann.ID, Choices: coaching.EmailChoices{}, Seed: "s2", TokenHash: "h2", UpdatedAt: t0}
		if err := db.PutEmailPreferences(ctx, kept, false); err != nil {
			t.Fatal(err)
		}
		if p, err := db.EmailPreferences(ctx, ann.ID); err != nil || p.Seed != "s1" || p.Choices != coaching.DefaultEmailChoices() {
			t.Fatalf("without replace: %+v %v", p, err)
		}
		off := &coaching.EmailPreferences{UserID: ann.ID, Choices: coaching.EmailChoices{Bookings: true}, Seed: "s1", TokenHash: "h1",
			UpdatedAt: t0.Add(time.Hour)}
		if err := db.PutEmailPreferences(ctx, off, true); err != nil {
			t.Fatal(err)
		}
		p, err := db.EmailPreferencesByToken(ctx, "h1")
		if err != nil || p.UserID != ann.ID || p.Choices.Reminders || !p.Choices.Bookings || !p.UpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("by token after replace: %+v %v", p, err)
		}
		if _, err := db.EmailPreferencesByToken(ctx, "h2"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("an unknown hash: %v", err)
		}
		err = db.PutEmailPreferences(ctx, &coaching.EmailPreferences{UserID: bob.ID, Seed: "b", TokenHash: "h1", UpdatedAt: t0}, false)
		if app.ErrorCode(err) != app.ECONFLICT {
			t.Errorf("a second person with the same hash: %v, want ECONFLICT", err)
		}
		// A renewed link keeps the choices as they are now.
		if err := db.RenewUnsubscribeToken(ctx, ann.ID, "s3", "h3"); err != nil {
			t.Fatal(err)
		}
		if p, err := db.EmailPreferencesByToken(ctx, "h3"); err != nil || p.Seed != "s3" || p.Choices != (coaching.EmailChoices{Bookings: true}) {
			t.Fatalf("after renewing the link: %+v %v", p, err)
		}
		if _, err := db.EmailPreferencesByToken(ctx, "h1"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("the old link after renewal: %v", err)
		}
	})
}

// TestOutboxKeepsUnsubscribe: an email's unsubscribe URL is kept in its
// row; one that would break its header is refused naming the field.
func TestOutboxKeepsUnsubscribe(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := &mail.Message{Key: "test:unsub:1", To: "ann@example.com", Subject: "Reminder", Text: "Soon.",
			Unsubscribe: "https://coach.example.com/unsubscribe/abc", CreatedAt: t0}
		if err := db.EnqueueMail(ctx, m); err != nil {
			t.Fatal(err)
		}
		if got, err := db.MailByID(ctx, m.ID); err != nil || got.Unsubscribe != m.Unsubscribe {
			t.Fatalf("row: %+v %v", got, err)
		}
		for _, bad := range []string{"https://x.example/u>, <mailto:evil@example.com", "https://x.example/u\r\nBcc: evil@example.com",
			"javascript:alert(1)", "https://x.example/a b", "/unsubscribe/abc"} {
			m := &mail.Message{Key: "test:unsub:bad", To: "ann@example.com", Subject: "Reminder", Text: "Soon.", Unsubscribe: bad, CreatedAt: t0}
			err := db.EnqueueMail(ctx, m)
			if f := app.ErrorFields(err); app.ErrorCode(err) != app.EINVALID || f["unsubscribe"] == "" {
				t.Errorf("unsubscribe %q: %v", bad, err)
			}
		}
	})
}
