package coaching_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// now is the fixed "now" of every test: a whole second, so that the
// boundary cases of "in the future" are exact.
var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// tomorrow is a free slot in the future for bookings.
var tomorrow = now.Add(24 * time.Hour)

// world is a fresh database with a service over it and the cast every test
// uses: an admin, a coach with a client, and another coach with another
// client. Nobody is linked across the two pairs.
type world struct {
	db    *store.DB
	clock *app.FixedClock
	svc   *coaching.Service

	admin, coach, otherCoach, client, otherClient *coaching.User
}

// MustWorld opens a fresh SQLite database and fills it with the cast.
func MustWorld(t *testing.T) *world {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	clock := app.NewFixedClock(now)
	w := &world{db: db, clock: clock, svc: coaching.NewService(db, clock)}
	w.svc.Signup = coaching.Signup{Open: true} // TestSignIn's invitation cases close it
	w.admin = MustUser(t, db, "admin@example.com", app.RoleAdmin, coaching.StatusActive)
	w.coach = MustUser(t, db, "coach@example.com", app.RoleCoach, coaching.StatusActive)
	w.otherCoach = MustUser(t, db, "other.coach@example.com", app.RoleCoach, coaching.StatusActive)
	w.client = MustUser(t, db, "client@example.com", app.RoleClient, coaching.StatusActive)
	w.otherClient = MustUser(t, db, "other.client@example.com", app.RoleClient, coaching.StatusActive)
	MustLink(t, db, w.coach, w.client)
	MustLink(t, db, w.otherCoach, w.otherClient)
	return w
}

// MustUser creates a user straight in the store.
func MustUser(t *testing.T, db *store.DB, email string, role app.Role, status coaching.UserStatus) *coaching.User {
	t.Helper()
	u := &coaching.User{Email: email, Name: "Name of " + email, Role: role, Status: status, CreatedAt: now, UpdatedAt: now}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// MustLink makes client a client of coach.
func MustLink(t *testing.T, db *store.DB, coach, client *coaching.User) {
	t.Helper()
	if err := db.LinkCoachClient(context.Background(), coach.ID, client.ID, now); err != nil {
		t.Fatalf("link %s to %s: %v", client.Email, coach.Email, err)
	}
}

// MustInviteAndAccept has coach invite client's email and client accept, as
// an invitation goes through the service.
func MustInviteAndAccept(t *testing.T, w *world, coach, client *coaching.User) {
	t.Helper()
	if _, err := w.svc.InviteClient(as(coach), coaching.Invite{Email: client.Email}); err != nil {
		t.Fatalf("invite %s as %s: %v", client.Email, coach.Email, err)
	}
	if _, err := w.svc.AcceptInvitation(as(client), coach.ID); err != nil {
		t.Fatalf("accept %s's invitation as %s: %v", coach.Email, client.Email, err)
	}
}

// as returns a context in which u is the caller; nil means anonymous.
func as(u *coaching.User) context.Context {
	if u == nil {
		return context.Background()
	}
	return app.WithActor(context.Background(), u.Actor())
}

// MustBook books an hour for coach and client at start, through the service.
func MustBook(t *testing.T, w *world, coach, client *coaching.User, start time.Time) *coaching.Appointment {
	t.Helper()
	a, err := w.svc.Book(as(coach), coaching.Booking{ClientID: client.ID, Title: "Session", StartsAt: start, Duration: time.Hour})
	if err != nil {
		t.Fatalf("book %s for %s at %s: %v", client.Email, coach.Email, start, err)
	}
	return a
}

// MustCancel cancels an appointment as u.
func MustCancel(t *testing.T, w *world, u *coaching.User, id int64) {
	t.Helper()
	if _, err := w.svc.CancelAppointment(as(u), id, "test"); err != nil {
		t.Fatalf("cancel %d: %v", id, err)
	}
}

// MustSetStatus closes an appointment as its coach (completed or no_show).
// MustSetStatus closes an appointment in the store, bypassing the rules
// (which allow it only once the appointment has started).
func MustSetStatus(t *testing.T, w *world, id int64, st coaching.AppointmentStatus) {
	t.Helper()
	a := MustGetAppointment(t, w, id)
	a.Status = st
	if err := w.db.UpdateAppointment(context.Background(), a); err != nil {
		t.Fatalf("set status of %d to %s: %v", id, st, err)
	}
}

// MustGetAppointment reads an appointment from the store, bypassing the rules.
func MustGetAppointment(t *testing.T, w *world, id int64) *coaching.Appointment {
	t.Helper()
	a, err := w.db.AppointmentByID(context.Background(), id)
	if err != nil {
		t.Fatalf("appointment %d: %v", id, err)
	}
	return a
}

// MustGetUser reads a user from the store, bypassing the rules.
func MustGetUser(t *testing.T, w *world, id int64) *coaching.User {
	t.Helper()
	u, err := w.db.UserByID(context.Background(), id)
	if err != nil {
		t.Fatalf("user %d: %v", id, err)
	}
	return u
}

// MustAllAppointments lists every appointment in the store.
func MustAllAppointments(t *testing.T, w *world) []*coaching.Appointment {
	t.Helper()
	list, err := w.db.ListAppointments(context.Background(), coaching.AppointmentFilter{Page: coaching.Page{Limit: 200}})
	if err != nil {
		t.Fatalf("list appointments: %v", err)
	}
	return list
}

// MustCode fails unless err has the app error code want ("" means no error).
func MustCode(t *testing.T, err error, want string) {
	t.Helper()
	if got := app.ErrorCode(err); got != want {
		t.Fatalf("error code = %q, want %q (error: %v)", got, want, err)
	}
	if err != nil && want != "" {
		var ae *app.Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %v is no *app.Error", err)
		}
	}
}

// MustField fails unless err has code want and, when field is not empty,
// names field among its fields.
func MustField(t *testing.T, err error, want, field string) {
	t.Helper()
	MustCode(t, err, want)
	if field == "" {
		return
	}
	fields := app.ErrorFields(err)
	if _, ok := fields[field]; !ok {
		t.Fatalf("error %v names fields %v, want %q among them", err, keys(fields), field)
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// apptIDs returns the IDs of appointments, in order.
func apptIDs(list []*coaching.Appointment) []int64 {
	out := make([]int64, len(list))
	for i, a := range list {
		out[i] = a.ID
	}
	return out
}

// userIDs returns the IDs of users, sorted.
func userIDs(list []*coaching.User) []int64 {
	out := make([]int64, len(list))
	for i, u := range list {
		out[i] = u.ID
	}
	slices.Sort(out)
	return out
}

// sortedIDs returns ids sorted, for comparing sets.
func sortedIDs(ids ...int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	if out == nil {
		out = []int64{}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// longString is n runes of a multi-byte letter, so that rules count runes.
func longString(n int) string { return strings.Repeat("é", n) }
