package coaching_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/calendar"
	"rapport/internal/coaching"
	"rapport/internal/mail"
)

// TestCoachBookingEmails: a coach's booking queues the booked email to
// both people in the same transaction, with its invitation; a retitle
// queues nothing, a reschedule the changed email at the new sequence, a
// cancellation the cancelled one with the reason; a key queued already
// is left alone; and a booking whose email would carry a line break in
// an address is refused whole (mail.Message.Validate), nothing queued.
func TestCoachBookingEmails(t *testing.T) {
	t.Parallel()
	w := MustWorld(t)
	w.svc.Practice = coaching.Practice{Name: "Bright Path", URL: "https://coach.example.com"}
	w.svc.Invites = calendar.Inviter{UIDDomain: "coach.example.com"}.Write
	ctx := context.Background()
	start := now.Add(72 * time.Hour)
	appt, err := w.svc.Book(as(w.coach), coaching.Booking{ClientID: w.client.ID, Title: "Kickoff", StartsAt: start, Duration: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	keysOf := func() map[string]*mail.Queued {
		t.Helper()
		list, err := w.db.RecentMail(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]*mail.Queued{}
		for _, m := range list {
			out[m.Key] = m
		}
		return out
	}
	got := keysOf()
	booked := got[coaching.AppointmentMailKey(coaching.MailBooked, appt.ID, "client", 0)]
	if len(got) != 2 || booked == nil || got[coaching.AppointmentMailKey(coaching.MailBooked, appt.ID, "coach", 0)] == nil {
		t.Fatalf("after the booking: %v", got)
	}
	if booked.To != w.client.Email || booked.CalendarMethod != "REQUEST" || !strings.Contains(booked.Calendar, "METHOD:REQUEST") ||
		!strings.Contains(booked.Calendar, "UID:"+coaching.AppointmentUID(appt.ID, "coach.example.com")) ||
		!strings.Contains(booked.Text, w.coach.Name+" booked a session") || !strings.Contains(booked.Text, "(UTC)") {
		t.Errorf("the client's booked email: %+v", booked)
	}

	title := "Kickoff, again"
	if _, err := w.svc.UpdateAppointment(as(w.coach), appt.ID, coaching.AppointmentChange{Title: &title}); err != nil {
		t.Fatal(err)
	}
	if n := len(keysOf()); n != 2 {
		t.Errorf("a retitle queued email: %d rows", n)
	}
	later := start.Add(24 * time.Hour)
	moved, err := w.svc.UpdateAppointment(as(w.coach), appt.ID, coaching.AppointmentChange{StartsAt: &later})
	if err != nil {
		t.Fatal(err)
	}
	if moved.Sequence != 2 {
		t.Errorf("sequence after a retitle and a move: %d", moved.Sequence)
	}
	changed := keysOf()[coaching.AppointmentMailKey(coaching.MailChanged, appt.ID, "client", 2)]
	if changed == nil || !strings.Contains(changed.Calendar, "SEQUENCE:2") || !strings.Contains(changed.Text, "Was:") ||
		!strings.Contains(changed.Calendar, "DTSTART:"+later.Format("20060102T150405Z")) {
		t.Fatalf("the changed email: %+v", changed)
	}

	again := *changed
	again.ID = 0
	if err := w.db.EnqueueMail(ctx, &again.Message); err != nil || again.ID != 0 {
		t.Errorf("the same key queued again: id %d, %v", again.ID, err)
	}

	if _, err := w.svc.CancelAppointment(as(w.client), appt.ID, "Ill <today>"); err != nil {
		t.Fatal(err)
	}
	all := keysOf()
	cancelled := all[coaching.AppointmentMailKey(coaching.MailCancelled, appt.ID, "coach", 3)]
	if len(all) != 6 || cancelled == nil || cancelled.To != w.coach.Email || cancelled.CalendarMethod != "CANCEL" ||
		!strings.Contains(cancelled.Calendar, "STATUS:CANCELLED") || !strings.Contains(cancelled.Text, "Ill <today>") ||
		!strings.Contains(cancelled.HTML, "Ill &lt;today&gt;") {
		t.Fatalf("after the cancellation (%d rows): %+v", len(all), cancelled)
	}

	bad := MustUser(t, w.db, "bad@example.com\r\nBcc: someone@example.com", app.RoleClient, coaching.StatusActive)
	MustLink(t, w.db, w.coach, bad)
	_, err = w.svc.Book(as(w.coach), coaching.Booking{ClientID: bad.ID, StartsAt: start.Add(48 * time.Hour), Duration: time.Hour})
	MustField(t, err, app.EINVALID, "to")
	if n := len(keysOf()); n != 6 {
		t.Errorf("a refused booking queued email: %d rows", n)
	}
	list, _ := w.svc.ListAppointments(as(w.coach), coaching.AppointmentFilter{ClientID: bad.ID})
	if len(list) != 0 {
		t.Errorf("the refused booking was stored: %+v", list)
	}
}
