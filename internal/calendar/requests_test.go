package calendar_test

import (
	"bytes"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/calendar"
	"rapport/internal/coaching"
)

// TestFeedShowsRequestsAsTentative: in a feed, a request waiting for the
// coach is TENTATIVE, one that lapsed unanswered at its start is
// CANCELLED, and an accepted one CONFIRMED; read back with golang-ical.
func TestFeedShowsRequestsAsTentative(t *testing.T) {
	owner := &coaching.User{ID: 1, Name: "Ann"}
	coach := &coaching.User{ID: 2, Name: "Cy"}
	now := time.Date(2030, 1, 2, 12, 0, 0, 0, time.UTC)
	appt := func(id int64, start time.Time, st coaching.AppointmentStatus) *coaching.Appointment {
		return &coaching.Appointment{ID: id, CoachID: 2, ClientID: 1, Title: "Deep dive", StartsAt: start, Duration: time.Hour,
			Status: st, RoomID: "r00m", Coach: coach, UpdatedAt: now}
	}
	list := []*coaching.Appointment{appt(1, now.Add(time.Hour), coaching.ApptRequested),
		appt(2, now.Add(-time.Minute), coaching.ApptRequested), appt(3, now.Add(2*time.Hour), coaching.ApptScheduled)}
	var buf bytes.Buffer
	if err := calendar.WriteFeed(&buf, &coaching.Feed{Owner: owner, Appointments: list, Now: now}, calendar.Site{UIDDomain: "rapport", BaseURL: "https://x.example"}); err != nil {
		t.Fatal(err)
	}
	cal, err := ics.ParseCalendar(&buf)
	if err != nil || len(cal.Events()) != 3 {
		t.Fatalf("parse: %v\n%s", err, buf.String())
	}
	for i, want := range []string{"TENTATIVE", "CANCELLED", "CONFIRMED"} {
		if got := cal.Events()[i].GetProperty(ics.ComponentPropertyStatus).Value; got != want {
			t.Errorf("event %d: STATUS %s, want %s", i+1, got, want)
		}
	}
}
