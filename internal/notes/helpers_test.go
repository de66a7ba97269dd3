package notes_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit/audittest"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// now is the fixed "now" of every test.
var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// world is a database with the notes service over it, and the cast: an
// admin; a coach with a client and a session with them; another coach
// with another client; and a third coach who works with the same client.
type world struct {
	db    *store.DB
	clock *app.FixedClock
	rec   *audittest.Recorder
	svc   *notes.Service

	admin, coach, otherCoach, sharingCoach, client, otherClient *coaching.User
	appt, otherAppt                                             *coaching.Appointment
}

func mustWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	w := &world{db: db, clock: app.NewFixedClock(now), rec: &audittest.Recorder{}}
	w.svc = notes.NewService(db, w.rec, w.clock)
	w.admin = storetest.MustUser(t, db, "admin@example.com", app.RoleAdmin, now)
	w.coach = storetest.MustUser(t, db, "coach@example.com", app.RoleCoach, now)
	w.otherCoach = storetest.MustUser(t, db, "other.coach@example.com", app.RoleCoach, now)
	w.sharingCoach = storetest.MustUser(t, db, "sharing.coach@example.com", app.RoleCoach, now)
	w.client = storetest.MustUser(t, db, "client@example.com", app.RoleClient, now)
	w.otherClient = storetest.MustUser(t, db, "other.client@example.com", app.RoleClient, now)
	storetest.MustLink(t, db, w.coach, w.client, now)
	storetest.MustLink(t, db, w.coach, w.otherClient, now)
	storetest.MustLink(t, db, w.otherCoach, w.otherClient, now)
	storetest.MustLink(t, db, w.sharingCoach, w.client, now)
	w.appt = mustAppt(t, db, w.coach, w.client, now.Add(24*time.Hour))
	w.otherAppt = mustAppt(t, db, w.otherCoach, w.otherClient, now.Add(48*time.Hour))
	return w
}

func mustAppt(t *testing.T, db *store.DB, coach, client *coaching.User, start time.Time) *coaching.Appointment {
	t.Helper()
	a := &coaching.Appointment{CoachID: coach.ID, ClientID: client.ID, Title: "Session", StartsAt: start, Duration: time.Hour,
		Status: coaching.ApptScheduled, RoomID: coaching.RandomRoomID(), CreatedAt: now, UpdatedAt: now}
	if err := db.CreateAppointment(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

// mustWrite writes a note as coach about client.
func (w *world) mustWrite(t *testing.T, coach, client *coaching.User, d notes.Draft) *notes.Note {
	t.Helper()
	n, err := w.svc.Write(storetest.As(coach), client.ID, d)
	if err != nil {
		t.Fatalf("write %+v: %v", d, err)
	}
	return n
}

// stored counts every note in the store, whoever wrote it.
func (w *world) stored(t *testing.T) int {
	t.Helper()
	list, err := w.db.ListNotes(context.Background(), notes.Filter{Page: coaching.Page{Limit: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}
