package notes_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
	"rapport/internal/notes"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// now is the fixed "now" of every test.
var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// recorder is an audit log in memory; fail, when set, is what recording
// answers.
type recorder struct {
	mu      sync.Mutex
	entries []audit.Entry
	fail    error
}

// Record implements audit.Recorder.
func (r *recorder) Record(_ context.Context, e *audit.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	r.entries = append(r.entries, *e)
	return nil
}

// taken returns the entries recorded since the last call.
func (r *recorder) taken() []audit.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.entries
	r.entries = nil
	return out
}

var errAuditDown = errors.New("the audit log is down")

// world is a database with the notes service over it, and the cast: an
// admin; a coach with a client and a session with them; another coach
// with another client; and a third coach who works with the same client.
type world struct {
	db    *store.DB
	clock *app.FixedClock
	rec   *recorder
	svc   *notes.Service

	admin, coach, otherCoach, sharingCoach, client, otherClient *coaching.User
	appt, otherAppt                                             *coaching.Appointment
}

func mustWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	w := &world{db: db, clock: app.NewFixedClock(now), rec: &recorder{}}
	w.svc = notes.NewService(db, w.rec, w.clock)
	w.admin = mustUser(t, db, "admin@example.com", app.RoleAdmin)
	w.coach = mustUser(t, db, "coach@example.com", app.RoleCoach)
	w.otherCoach = mustUser(t, db, "other.coach@example.com", app.RoleCoach)
	w.sharingCoach = mustUser(t, db, "sharing.coach@example.com", app.RoleCoach)
	w.client = mustUser(t, db, "client@example.com", app.RoleClient)
	w.otherClient = mustUser(t, db, "other.client@example.com", app.RoleClient)
	mustLink(t, db, w.coach, w.client)
	mustLink(t, db, w.coach, w.otherClient)
	mustLink(t, db, w.otherCoach, w.otherClient)
	mustLink(t, db, w.sharingCoach, w.client)
	w.appt = mustAppt(t, db, w.coach, w.client, now.Add(24*time.Hour))
	w.otherAppt = mustAppt(t, db, w.otherCoach, w.otherClient, now.Add(48*time.Hour))
	return w
}

func mustUser(t *testing.T, db *store.DB, email string, role app.Role) *coaching.User {
	t.Helper()
	u := &coaching.User{Email: email, Name: "Name of " + email, Role: role, Status: coaching.StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func mustLink(t *testing.T, db *store.DB, coach, client *coaching.User) {
	t.Helper()
	if err := db.LinkCoachClient(context.Background(), coach.ID, client.ID, now); err != nil {
		t.Fatal(err)
	}
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

// as returns a context in which u is the caller; nil means anonymous.
func as(u *coaching.User) context.Context {
	if u == nil {
		return context.Background()
	}
	return app.WithActor(context.Background(), u.Actor())
}

// mustWrite writes a note as coach about client.
func (w *world) mustWrite(t *testing.T, coach, client *coaching.User, d notes.Draft) *notes.Note {
	t.Helper()
	n, err := w.svc.Write(as(coach), client.ID, d)
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

func code(err error) string { return app.ErrorCode(err) }
