package coaching_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/app"
	"rapport/internal/calendar"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// requestWorld is a world whose coach offers a session type that clients
// request, with emails and invitations on, and the appointment-changed
// hook heard.
type requestWorld struct {
	*world
	typeID int64
	heard  []coaching.AppointmentStatus
}

func mustRequestWorld(t *testing.T) *requestWorld {
	t.Helper()
	w := &requestWorld{world: MustWorld(t)}
	w.svc.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	w.svc.Invites = calendar.Inviter{UIDDomain: "coach.example.com"}.Write
	w.svc.Hooks.AppointmentChanged = func(a *coaching.Appointment) { w.heard = append(w.heard, a.Status) }
	st, err := w.svc.CreateSessionType(as(w.coach), coaching.NewSessionType{Name: "Deep dive", Minutes: 60, Confirm: coaching.ConfirmRequest})
	if err != nil || st.Confirm != coaching.ConfirmRequest {
		t.Fatalf("session type %+v %v", st, err)
	}
	w.typeID = st.ID
	return w
}

// slots are the free slots of the request type, as u sees them.
func (w *requestWorld) slots(t *testing.T, u *coaching.User) []time.Time {
	t.Helper()
	s, err := w.svc.FreeSlotsOf(as(u), w.coach.ID, w.typeID)
	if err != nil {
		t.Fatal(err)
	}
	return s.Starts
}

// mustRequest books the slot at start as u: a request.
func (w *requestWorld) mustRequest(t *testing.T, u *coaching.User, start time.Time) *coaching.Appointment {
	t.Helper()
	a, err := w.svc.BookSlot(as(u), w.coach.ID, w.typeID, start)
	if err != nil || a.Status != coaching.ApptRequested {
		t.Fatalf("request %s: %+v %v", start, a, err)
	}
	return a
}

// mail returns the queued emails by key.
func (w *requestWorld) mail(t *testing.T) map[string]*mail.Queued {
	t.Helper()
	list, err := w.db.RecentMail(context.Background(), 200)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*mail.Queued{}
	for _, m := range list {
		out[m.Key] = m
	}
	return out
}

// TestBookingARequest: a booking of a type the coach confirms is a
// request: it holds its slot (not offered to another client, refused to
// them and to the coach's own booking), opens no room, and queues the
// requested email to both, with no calendar invitation; the coach's names
// where to accept or decline.
func TestBookingARequest(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	third := MustUser(t, w.db, "third@example.com", app.RoleClient, coaching.StatusActive)
	MustLink(t, w.db, w.coach, third)
	pick := w.slots(t, w.client)[2]
	appt := w.mustRequest(t, w.client, pick)
	if appt.Sequence != 0 || appt.Title != "Deep dive" || !slices.Equal(w.heard, []coaching.AppointmentStatus{coaching.ApptRequested}) {
		t.Fatalf("requested %+v, heard %v", appt, w.heard)
	}
	if slices.ContainsFunc(w.slots(t, third), pick.Equal) {
		t.Fatal("the requested slot is offered to another client")
	}
	_, err := w.svc.BookSlot(as(third), w.coach.ID, w.typeID, pick)
	MustField(t, err, app.ECONFLICT, "starts_at")
	_, err = w.svc.Book(as(w.coach), coaching.Booking{ClientID: third.ID, StartsAt: pick.Add(30 * time.Minute), Duration: time.Hour})
	MustField(t, err, app.ECONFLICT, "starts_at")
	if appt.RoomOpenAt(pick) {
		t.Error("a request's room is open at its start")
	}
	_, err = w.svc.OpenCall(context.Background(), appt)
	MustCode(t, err, app.EFORBIDDEN)

	got := w.mail(t)
	toClient := got[coaching.AppointmentMailKey(coaching.MailRequested, appt.ID, "client", 0)]
	toCoach := got[coaching.AppointmentMailKey(coaching.MailRequested, appt.ID, "coach", 0)]
	if len(got) != 2 || toClient == nil || toCoach == nil {
		t.Fatalf("queued %v", keys(mailKeys(got)))
	}
	for _, m := range []*mail.Queued{toClient, toCoach} {
		if m.Calendar != "" || m.CalendarMethod != "" || strings.Contains(m.Text, "invitation attached") || strings.Contains(m.Text, "/rooms/") {
			t.Errorf("a request's email carries an invitation or a room: %+v", m)
		}
	}
	link := "https://coach.example.com/appointments/" + itoa(appt.ID)
	if !strings.HasPrefix(toCoach.Subject, "Request to accept or decline: ") || !strings.Contains(toCoach.Text, "Accept or decline: "+link) ||
		!strings.Contains(toCoach.Text, w.client.Name+" asks for a session") || !strings.Contains(toCoach.HTML, `href="`+link+`"`) {
		t.Errorf("the coach's email: %s\n%s", toCoach.Subject, toCoach.Text)
	}
	if !strings.HasPrefix(toClient.Subject, "Requested: ") || !strings.Contains(toClient.Text, "your request was sent") ||
		strings.Contains(toClient.Text, "Accept or decline") {
		t.Errorf("the client's email: %s\n%s", toClient.Subject, toClient.Text)
	}
}

// TestAcceptARequest: only the request's coach accepts it (the client and
// an admin are forbidden, another coach finds nothing); accepting makes it
// scheduled at a higher sequence, fires the hook, and queues the accepted
// email to both with a METHOD:REQUEST invitation that reads back at that
// SEQUENCE; accepting twice, or declining an accepted one, is a conflict.
func TestAcceptARequest(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	appt := w.mustRequest(t, w.client, w.slots(t, w.client)[0])
	_, err := w.svc.AcceptRequest(as(w.client), appt.ID)
	MustCode(t, err, app.EFORBIDDEN)
	_, err = w.svc.AcceptRequest(as(w.admin), appt.ID)
	MustCode(t, err, app.EFORBIDDEN)
	_, err = w.svc.AcceptRequest(as(w.otherCoach), appt.ID)
	MustCode(t, err, app.ENOTFOUND)
	MustCode(t, w.svc.CheckAnswer(as(w.otherClient), appt.ID), app.ENOTFOUND)
	MustCode(t, w.svc.CheckAnswer(as(w.client), appt.ID), app.EFORBIDDEN)

	done, err := w.svc.AcceptRequest(as(w.coach), appt.ID)
	if err != nil || done.Status != coaching.ApptScheduled || done.Sequence != 1 {
		t.Fatalf("accepted %+v %v", done, err)
	}
	if stored := MustGetAppointment(t, w.world, appt.ID); stored.Status != coaching.ApptScheduled || stored.Sequence != 1 || !stored.RoomOpenAt(stored.StartsAt) {
		t.Fatalf("stored %+v", stored)
	}
	if !slices.Equal(w.heard, []coaching.AppointmentStatus{coaching.ApptRequested, coaching.ApptScheduled}) {
		t.Errorf("heard %v", w.heard)
	}
	got := w.mail(t)
	for _, to := range []string{"client", "coach"} {
		m := got[coaching.AppointmentMailKey(coaching.MailAccepted, appt.ID, to, 1)]
		if m == nil || m.CalendarMethod != coaching.InviteRequest || !strings.HasPrefix(m.Subject, "Confirmed: ") ||
			!strings.Contains(m.Text, "accepted the request") || !strings.Contains(m.Text, "/rooms/"+appt.RoomID) {
			t.Fatalf("the accepted email to the %s: %+v", to, m)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(m.Calendar))
		if err != nil || len(cal.Events()) != 1 {
			t.Fatalf("the invitation does not parse: %v\n%s", err, m.Calendar)
		}
		e := cal.Events()[0]
		if e.Id() != coaching.AppointmentUID(appt.ID, "coach.example.com") || e.GetProperty(ics.ComponentPropertySequence).Value != "1" ||
			e.GetProperty(ics.ComponentPropertyStatus).Value != "CONFIRMED" || !strings.Contains(m.Calendar, "METHOD:REQUEST\r\n") {
			t.Errorf("the invitation to the %s:\n%s", to, m.Calendar)
		}
		if at, err := e.GetStartAt(); err != nil || !at.Equal(appt.StartsAt) {
			t.Errorf("DTSTART %s %v, want %s", at, err, appt.StartsAt)
		}
	}
	_, err = w.svc.AcceptRequest(as(w.coach), appt.ID)
	MustCode(t, err, app.ECONFLICT)
	_, err = w.svc.DeclineRequest(as(w.coach), appt.ID, "")
	MustCode(t, err, app.ECONFLICT)
}

// TestDeclineARequest: the coach declines with a reason: the request is
// cancelled with it, its slot is free again, and only the client is
// emailed, with the reason (escaped in HTML) and no invitation; a reason
// too long is refused naming it and changes nothing; a cancelled request
// cannot be accepted.
func TestDeclineARequest(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	pick := w.slots(t, w.client)[1]
	appt := w.mustRequest(t, w.client, pick)
	_, err := w.svc.DeclineRequest(as(w.coach), appt.ID, longString(1001))
	MustField(t, err, app.EINVALID, "reason")
	if MustGetAppointment(t, w.world, appt.ID).Status != coaching.ApptRequested {
		t.Fatal("a refused decline changed the request")
	}
	done, err := w.svc.DeclineRequest(as(w.coach), appt.ID, " Away <that> week ")
	if err != nil || done.Status != coaching.ApptCancelled || done.CancelReason != "Away <that> week" {
		t.Fatalf("declined %+v %v", done, err)
	}
	if !slices.ContainsFunc(w.slots(t, w.otherClient2(t)), pick.Equal) {
		t.Error("the declined request's slot is not free again")
	}
	got := w.mail(t)
	m := got[coaching.AppointmentMailKey(coaching.MailDeclined, appt.ID, "client", 1)]
	if m == nil || got[coaching.AppointmentMailKey(coaching.MailDeclined, appt.ID, "coach", 1)] != nil || len(got) != 3 {
		t.Fatalf("queued %v", keys(mailKeys(got)))
	}
	if m.Calendar != "" || !strings.HasPrefix(m.Subject, "Declined: ") || !strings.Contains(m.Text, "Reason: Away <that> week") ||
		!strings.Contains(m.HTML, "Away &lt;that&gt; week") || !strings.Contains(m.Text, w.coach.Name+" declined the request") {
		t.Errorf("the declined email: %+v", m)
	}
	_, err = w.svc.AcceptRequest(as(w.coach), appt.ID)
	MustCode(t, err, app.ECONFLICT)
}

// otherClient2 links one more client to the coach, to look at the slots
// as someone else.
func (w *requestWorld) otherClient2(t *testing.T) *coaching.User {
	t.Helper()
	u := MustUser(t, w.db, "fourth@example.com", app.RoleClient, coaching.StatusActive)
	MustLink(t, w.db, w.coach, u)
	return u
}

// TestWithdrawARequest: the client cancels their request as they cancel
// a session: it is withdrawn (never late), both are told, with no
// invitation to take back.
func TestWithdrawARequest(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	appt := w.mustRequest(t, w.client, w.slots(t, w.client)[0])
	w.clock.Advance(appt.StartsAt.Sub(now) - time.Hour) // inside the coach's notice
	done, err := w.svc.CancelAppointment(as(w.client), appt.ID, "changed my mind")
	if err != nil || done.Status != coaching.ApptCancelled || done.CancelledLate {
		t.Fatalf("withdrawn %+v %v", done, err)
	}
	got := w.mail(t)
	for _, to := range []string{"client", "coach"} {
		m := got[coaching.AppointmentMailKey(coaching.MailWithdrawn, appt.ID, to, 1)]
		if m == nil || m.Calendar != "" || !strings.HasPrefix(m.Subject, "Withdrawn: ") || !strings.Contains(m.Text, "changed my mind") {
			t.Errorf("the withdrawn email to the %s: %+v", to, m)
		}
	}
}

// TestARequestLapses: a request not answered by its start lapses: it can
// no longer be accepted, and it holds its time no more (the coach may book
// over it); it can still be declined, to tidy it away.
func TestARequestLapses(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	appt := w.mustRequest(t, w.client, w.slots(t, w.client)[0])
	w.clock.Advance(appt.StartsAt.Sub(now) + 10*time.Minute)
	if !appt.Lapsed(w.clock.Now()) {
		t.Fatal("not lapsed after its start")
	}
	_, err := w.svc.AcceptRequest(as(w.coach), appt.ID)
	MustCode(t, err, app.ECONFLICT)
	if _, err := w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.client.ID, StartsAt: appt.StartsAt.Add(30 * time.Minute), Duration: time.Hour}); err != nil {
		t.Fatalf("booking over a lapsed request: %v", err)
	}
	// nothing left to decline or withdraw: no email says so after its time
	_, err = w.svc.DeclineRequest(as(w.coach), appt.ID, "")
	MustCode(t, err, app.ECONFLICT)
	_, err = w.svc.CancelAppointment(as(w.client), appt.ID, "")
	MustCode(t, err, app.ECONFLICT)
}

// TestEndingTheWorkCancelsRequests: a client who ends their work with the
// coach takes their waiting requests with them, told to both as withdrawn
// (no invitation to take back), and cancels their sessions as before.
func TestEndingTheWorkCancelsRequests(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	slots := w.slots(t, w.client)
	appt := w.mustRequest(t, w.client, slots[0])
	sched := MustBook(t, w.world, w.coach, w.client, slots[4])
	done, err := w.svc.EndCoaching(as(w.client), w.coach.ID, "")
	if err != nil || len(done) != 2 || MustGetAppointment(t, w.world, appt.ID).Status != coaching.ApptCancelled {
		t.Fatalf("ended: %+v %v", done, err)
	}
	got := w.mail(t)
	for _, to := range []string{"client", "coach"} {
		if m := got[coaching.AppointmentMailKey(coaching.MailWithdrawn, appt.ID, to, 1)]; m == nil || m.Calendar != "" {
			t.Errorf("the withdrawn email to the %s: %+v", to, m)
		}
		if got[coaching.AppointmentMailKey(coaching.MailCancelled, appt.ID, to, 1)] != nil {
			t.Errorf("a request was told to the %s as a cancelled session", to)
		}
		if m := got[coaching.AppointmentMailKey(coaching.MailCancelled, sched.ID, to, 1)]; m == nil || m.CalendarMethod != coaching.InviteCancel {
			t.Errorf("the cancelled email to the %s: %+v", to, m)
		}
	}
}

func mailKeys(m map[string]*mail.Queued) map[string]string {
	out := map[string]string{}
	for k := range m {
		out[k] = ""
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
