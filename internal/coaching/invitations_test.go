package coaching_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestPendingInvitationGivesNothing invites a client of another coach: until
// they accept, the coach reads nothing of them and books nothing with them;
// once they accept, the coach may.
func TestPendingInvitationGivesNothing(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	MustPutProfile(t, w, w.otherClient, map[string]any{coaching.ProfilePhone: "+49 123"})
	if _, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: w.otherClient.Email}); err != nil {
		t.Fatal(err)
	}
	book := func() error {
		_, err := w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.otherClient.ID, StartsAt: tomorrow, Duration: time.Hour})
		return err
	}
	_, err := w.svc.Client(as(w.coach), w.otherClient.ID)
	MustCode(t, err, app.ENOTFOUND)
	_, err = w.svc.Profile(as(w.coach), w.otherClient.ID)
	MustCode(t, err, app.ENOTFOUND)
	MustField(t, book(), app.EINVALID, "client_id")

	coach, err := w.svc.AcceptInvitation(as(w.otherClient), w.coach.ID)
	MustCode(t, err, "")
	if coach.ID != w.coach.ID {
		t.Fatalf("accepted %+v", coach)
	}
	_, err = w.svc.Client(as(w.coach), w.otherClient.ID)
	MustCode(t, err, "")
	p, err := w.svc.Profile(as(w.coach), w.otherClient.ID)
	MustCode(t, err, "")
	if p.Text(coaching.ProfilePhone) != "+49 123" {
		t.Errorf("profile %+v", p.Data)
	}
	MustCode(t, book(), "")
	if got := mustPending(t, w, w.coach); len(got) != 0 {
		t.Errorf("pending after the accept: %q", got)
	}
	_, err = w.svc.AcceptInvitation(as(w.otherClient), w.coach.ID)
	MustCode(t, err, app.ENOTFOUND) // accepted once: gone
}

// TestAnswerInvitation accepts and declines as each kind of person.
func TestAnswerInvitation(t *testing.T) {
	t.Parallel()
	accept := func(w *world, u *coaching.User, coachID int64) error {
		_, err := w.svc.AcceptInvitation(as(u), coachID)
		return err
	}
	decline := func(w *world, u *coaching.User, coachID int64) error {
		return w.svc.DeclineInvitation(as(u), coachID)
	}
	cases := []struct {
		name   string
		invite string // the email the coach invites
		by     func(w *world) *coaching.User
		answer func(w *world, u *coaching.User, coachID int64) error
		coach  func(w *world) *coaching.User // whose invitation is answered: the coach by default
		code   string
		linked bool // the invited client is the coach's afterwards
	}{
		{name: "the invited client accepts", invite: "other.client@example.com", answer: accept, linked: true,
			by: func(w *world) *coaching.User { return w.otherClient }},
		{name: "the email matches without regard to case", invite: "OTHER.Client@example.com", answer: accept, linked: true,
			by: func(w *world) *coaching.User { return w.otherClient }},
		{name: "the invited client declines", invite: "other.client@example.com", answer: decline,
			by: func(w *world) *coaching.User { return w.otherClient }},
		{name: "another client has no invitation to accept", invite: "other.client@example.com", answer: accept,
			by: func(w *world) *coaching.User { return w.client }, code: app.ENOTFOUND},
		{name: "another client has no invitation to decline", invite: "other.client@example.com", answer: decline,
			by: func(w *world) *coaching.User { return w.client }, code: app.ENOTFOUND},
		{name: "no invitation of that coach", invite: "other.client@example.com", answer: accept,
			by: func(w *world) *coaching.User { return w.otherClient }, coach: func(w *world) *coaching.User { return w.otherCoach },
			code: app.ENOTFOUND},
		{name: "an invited coach may not accept", invite: "other.coach@example.com", answer: accept,
			by: func(w *world) *coaching.User { return w.otherCoach }, code: app.EFORBIDDEN},
		{name: "an invited admin may not accept", invite: "admin@example.com", answer: accept,
			by: func(w *world) *coaching.User { return w.admin }, code: app.EFORBIDDEN},
		{name: "an invited coach may decline", invite: "other.coach@example.com", answer: decline,
			by: func(w *world) *coaching.User { return w.otherCoach }},
		{name: "anonymous may not accept", invite: "other.client@example.com", answer: accept,
			by: func(w *world) *coaching.User { return nil }, code: app.EUNAUTHORIZED},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			if _, err := w.svc.InviteClient(as(w.coach), coaching.Invite{Email: c.invite}); err != nil {
				t.Fatal(err)
			}
			coach := w.coach
			if c.coach != nil {
				coach = c.coach(w)
			}
			MustCode(t, c.answer(w, c.by(w), coach.ID), c.code)
			want := []int64{w.client.ID}
			if c.linked {
				want = append(want, w.otherClient.ID)
			}
			mustClients(t, w, w.coach, want...)
			pending := mustPending(t, w, w.coach)
			if gone := c.code == ""; gone != (len(pending) == 0) {
				t.Errorf("pending %q after the answer (error %q)", pending, c.code)
			}
		})
	}
}

// TestReceivedInvitations lists a client's invitations: only theirs, with
// their coach, and none of a coach who no longer coaches.
func TestReceivedInvitations(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	third := MustUser(t, w.db, "third.coach@example.com", app.RoleCoach, coaching.StatusActive)
	for _, coach := range []*coaching.User{w.coach, third, w.otherCoach} { // the other coach's client already: no invitation
		if _, err := w.svc.InviteClient(as(coach), coaching.Invite{Email: "Other.Client@example.com", Name: "Oc"}); err != nil {
			t.Fatal(err)
		}
	}
	w.clock.Advance(time.Minute)
	demoted := MustGetUser(t, w, w.coach.ID)
	demoted.Status = coaching.StatusDisabled
	if err := w.db.UpdateUser(context.Background(), demoted); err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.ReceivedInvitations(as(w.otherClient), coaching.Page{})
	MustCode(t, err, "")
	if len(got) != 1 || got[0].CoachID != third.ID || got[0].Coach.Name != third.Name || got[0].Name != "Oc" {
		t.Fatalf("received %+v, want the third coach's only", got)
	}
	_, err = w.svc.AcceptInvitation(as(w.otherClient), w.coach.ID)
	MustCode(t, err, app.ENOTFOUND)
	none, err := w.svc.ReceivedInvitations(as(w.client), coaching.Page{})
	if err != nil || len(none) != 0 {
		t.Fatalf("another client's: %v %v", none, err)
	}
	_, err = w.svc.ReceivedInvitations(as(w.coach), coaching.Page{})
	MustCode(t, err, app.EFORBIDDEN)
}

// TestEndCoaching ends the client's work with their coach: the link goes,
// and the coach's appointments with them that have not started are
// cancelled with the reason, each told to the hook; nothing else changes.
func TestEndCoaching(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, reason, want string
	}{
		{name: "with a reason", reason: "  Moving on.\nThanks! ", want: "Name of client@example.com ended your work together: Moving on.\nThanks!"},
		{name: "without a reason", want: "Name of client@example.com ended your work together"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			MustLink(t, w.db, w.otherCoach, w.client)
			MustLink(t, w.db, w.coach, w.otherClient)
			first := MustBook(t, w, w.coach, w.client, tomorrow)
			second := MustBook(t, w, w.coach, w.client, tomorrow.Add(48*time.Hour))
			done := MustBook(t, w, w.coach, w.client, tomorrow.Add(72*time.Hour))
			MustCancel(t, w, w.coach, done.ID)
			otherCoachs := MustBook(t, w, w.otherCoach, w.client, tomorrow.Add(2*time.Hour))
			otherClients := MustBook(t, w, w.coach, w.otherClient, tomorrow.Add(4*time.Hour))
			w.clock.Advance(-2 * time.Hour) // booked in the past of the clock: started already
			started := MustBook(t, w, w.coach, w.client, now.Add(-time.Hour))
			w.clock.Advance(2 * time.Hour)
			var closed []int64
			w.svc.Hooks.AppointmentClosed = func(a *coaching.Appointment) { closed = append(closed, a.ID) }

			got, err := w.svc.EndCoaching(as(w.client), w.coach.ID, c.reason)
			MustCode(t, err, "")
			if want := []int64{first.ID, second.ID}; !slices.Equal(apptIDs(got), want) || !slices.Equal(closed, want) {
				t.Fatalf("cancelled %v, hook told of %v, want %v", apptIDs(got), closed, want)
			}
			for _, id := range []int64{first.ID, second.ID} {
				a := MustGetAppointment(t, w, id)
				if a.Status != coaching.ApptCancelled || a.CancelReason != c.want || !a.UpdatedAt.Equal(now) {
					t.Errorf("appointment %d: %s %q", id, a.Status, a.CancelReason)
				}
			}
			for _, id := range []int64{otherCoachs.ID, otherClients.ID, started.ID} {
				if a := MustGetAppointment(t, w, id); a.Status != coaching.ApptScheduled {
					t.Errorf("appointment %d is %s, want scheduled", id, a.Status)
				}
			}
			if a := MustGetAppointment(t, w, done.ID); a.CancelReason != "test" {
				t.Errorf("the cancelled one's reason became %q", a.CancelReason)
			}
			_, err = w.svc.Client(as(w.coach), w.client.ID)
			MustCode(t, err, app.ENOTFOUND)
			_, err = w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.client.ID, StartsAt: tomorrow.Add(9 * time.Hour), Duration: time.Hour})
			MustField(t, err, app.EINVALID, "client_id")
			coaches, _ := w.svc.ListCoaches(as(w.client), coaching.Page{})
			if !slices.Equal(userIDs(coaches), []int64{w.otherCoach.ID}) {
				t.Errorf("coaches %v, want the other coach only", userIDs(coaches))
			}
		})
	}
}

// TestEndCoachingRefusals: a stranger's coach is not found before the
// reason is judged; a bad reason changes nothing.
func TestEndCoachingRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		coach  func(w *world) *coaching.User
		reason string
		code   string
		field  string
	}{
		{name: "not the client's coach, a bad reason", coach: func(w *world) *coaching.User { return w.otherCoach },
			reason: "a\x00", code: app.ENOTFOUND},
		{name: "not a user", coach: func(w *world) *coaching.User { return &coaching.User{ID: 999} }, code: app.ENOTFOUND},
		{name: "a control character", coach: func(w *world) *coaching.User { return w.coach },
			reason: "a\x00", code: app.EINVALID, field: "reason"},
		{name: "over 1000 characters", coach: func(w *world) *coaching.User { return w.coach },
			reason: longString(1001), code: app.EINVALID, field: "reason"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := MustWorld(t)
			appt := MustBook(t, w, w.coach, w.client, tomorrow)
			_, err := w.svc.EndCoaching(as(w.client), c.coach(w).ID, c.reason)
			MustField(t, err, c.code, c.field)
			mustClients(t, w, w.coach, w.client.ID)
			if a := MustGetAppointment(t, w, appt.ID); a.Status != coaching.ApptScheduled {
				t.Errorf("appointment %s", a.Status)
			}
		})
	}
}
