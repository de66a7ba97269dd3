package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/calendar"
	"rapport/internal/coaching"
)

// A name from a sign-in provider may hold anything; a title and a name
// with commas, semicolons, a backslash and a carriage return stay one
// property each.
func TestFeedEscapesText(t *testing.T) {
	owner := &coaching.User{ID: 1, Name: "Ann; \"A\", \\ Client"}
	coach := &coaching.User{ID: 2, Name: "Cy\r\nBEGIN:VEVENT\r\nUID:evil"}
	start := time.Date(2030, 1, 2, 14, 0, 0, 0, time.UTC)
	a := &coaching.Appointment{ID: 7, CoachID: 2, ClientID: 1, Title: "Plan, review; go", StartsAt: start,
		Duration: time.Hour, Status: coaching.ApptScheduled, RoomID: "r00m", Coach: coach, UpdatedAt: start}
	var buf bytes.Buffer
	err := calendar.WriteFeed(&buf, &coaching.Feed{Owner: owner, Appointments: []*coaching.Appointment{a}, Now: start},
		calendar.Site{UIDDomain: "rapport", BaseURL: "https://coach.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if text := buf.String(); strings.Count(text, "\n") != strings.Count(text, "\r\n") {
		t.Fatal("the feed has lines that do not end in CRLF (RFC 5545 3.1)")
	}
	cal, err := ics.ParseCalendar(&buf)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, buf.String())
	}
	evs := cal.Events()
	if len(evs) != 1 || evs[0].Id() != "appointment-7@rapport" {
		t.Fatalf("%d events\n%s", len(evs), buf.String())
	}
	summary := evs[0].GetProperty(ics.ComponentPropertySummary).Value
	if want := "Plan, review; go with CyBEGIN:VEVENTUID:evil"; ics.FromText(summary) != want {
		t.Errorf("SUMMARY %q, want %q", ics.FromText(summary), want)
	}
	if got := evs[0].GetProperty(ics.ComponentPropertyUrl).Value; got != "https://coach.example.com/rooms/r00m" {
		t.Errorf("URL %q", got)
	}
	if strings.Contains(buf.String(), "\r\nUID:evil") {
		t.Error("a name's line break reached the feed")
	}
}
