package coaching_test

import (
	"context"
	"strings"
	"testing"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestBookingHook: a client's booking from a session type tells the hook
// in its transaction, with the appointment and the type; the ToDo it
// returns is in the client's booking email (text and HTML), not the
// coach's; a hook that fails undoes the booking whole, nothing queued.
func TestBookingHook(t *testing.T) {
	t.Parallel()
	w := mustRequestWorld(t)
	st, err := w.svc.CreateSessionType(as(w.coach), coaching.NewSessionType{Name: "Kickoff", Minutes: 60})
	if err != nil {
		t.Fatal(err)
	}
	var told []int64
	w.svc.OnBooking = func(ctx context.Context, q coaching.Records, appt *coaching.Appointment, got *coaching.SessionType) ([]coaching.ToDo, error) {
		if _, err := q.AppointmentByID(ctx, appt.ID); err != nil { // written, in the same transaction
			t.Errorf("the hook cannot read the appointment: %v", err)
		}
		told = append(told, got.ID)
		if got.Name == "Deep dive" {
			return nil, app.Errorf(app.EINVALID, "the hook refuses")
		}
		return []coaching.ToDo{{Text: "fill in <the> questionnaire", URL: "https://coach.example.com/questionnaire-requests/7"}}, nil
	}
	free, err := w.svc.FreeSlotsOf(as(w.client), w.coach.ID, st.ID)
	if err != nil || len(free.Starts) < 2 {
		t.Fatalf("slots: %v %v", free, err)
	}
	appt, err := w.svc.BookSlot(as(w.client), w.coach.ID, st.ID, free.Starts[0])
	if err != nil {
		t.Fatal(err)
	}
	sent := w.mail(t)
	toClient := sent[coaching.AppointmentMailKey(coaching.MailBooked, appt.ID, "client", 0)]
	toCoach := sent[coaching.AppointmentMailKey(coaching.MailBooked, appt.ID, "coach", 0)]
	if toClient == nil || toCoach == nil {
		t.Fatalf("emails queued: %v", sent)
	}
	if !strings.Contains(toClient.Text, "Before the session: fill in <the> questionnaire\nhttps://coach.example.com/questionnaire-requests/7") ||
		!strings.Contains(toClient.HTML, `<a href="https://coach.example.com/questionnaire-requests/7">fill in &lt;the&gt; questionnaire</a>`) {
		t.Errorf("the client's email lacks the ToDo:\n%s\n%s", toClient.Text, toClient.HTML)
	}
	if strings.Contains(toCoach.Text, "questionnaire") || strings.Contains(toCoach.HTML, "questionnaire") {
		t.Errorf("the coach's email has the client's ToDo:\n%s", toCoach.Text)
	}

	before := len(w.mail(t))
	_, err = w.svc.BookSlot(as(w.client), w.coach.ID, w.typeID, free.Starts[len(free.Starts)-1])
	MustCode(t, err, app.EINVALID)
	if n := len(MustAllAppointments(t, w.world)); n != 1 {
		t.Errorf("%d appointments after the hook refused, want 1", n)
	}
	if n := len(w.mail(t)); n != before {
		t.Errorf("%d emails after the hook refused, want %d", n, before)
	}
	if len(told) != 2 || told[0] != st.ID || told[1] != w.typeID {
		t.Errorf("the hook heard of types %v", told)
	}
}
