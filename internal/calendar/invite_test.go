package calendar_test

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/calendar"
	"rapport/internal/coaching"
)

// TestInviteAcrossSummerTime: an invitation's times are local times of
// the recipient's zone under its TZID, read back to the same instants on
// either side of New York's change to summer time (10 March 2030), with a
// VTIMEZONE whose observances cover the event; a zone of no changes has
// one STANDARD; UTC gives UTC times and no VTIMEZONE; CANCEL says so.
func TestInviteAcrossSummerTime(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	coach := &coaching.User{ID: 1, Email: "coach@example.com", Name: "Sam"}
	client := &coaching.User{ID: 2, Email: "pat@example.com", Name: "Pat"}
	for _, c := range []struct {
		zone         *time.Location
		start        time.Time
		local, tzid  string
		observations int // STANDARD and DAYLIGHT parts
	}{
		{ny, time.Date(2030, 3, 8, 15, 0, 0, 0, time.UTC), "20300308T100000", "America/New_York", 4},
		{ny, time.Date(2030, 3, 11, 14, 0, 0, 0, time.UTC), "20300311T100000", "America/New_York", 4},
		{tokyo, time.Date(2030, 3, 11, 14, 0, 0, 0, time.UTC), "20300311T230000", "Asia/Tokyo", 1},
		{time.UTC, time.Date(2030, 3, 11, 14, 0, 0, 0, time.UTC), "20300311T140000Z", "", 0},
	} {
		for _, method := range []string{coaching.InviteRequest, coaching.InviteCancel} {
			a := &coaching.Appointment{ID: 7, Title: "Coaching hour", StartsAt: c.start, Duration: time.Hour, Sequence: 3, RoomID: "r"}
			text, err := calendar.Inviter{UIDDomain: "coach.example.com"}.Write(&coaching.CalendarInvite{Method: method, Appointment: a,
				Coach: coach, Client: client, Practice: "Bright Path", RoomURL: "https://coach.example.com/rooms/r", Zone: c.zone, Now: c.start.Add(-time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			cal, err := ics.ParseCalendar(strings.NewReader(text))
			if err != nil || len(cal.Events()) != 1 {
				t.Fatalf("%s: %v\n%s", c.tzid, err, text)
			}
			e := cal.Events()[0]
			if !strings.Contains(text, "METHOD:"+method+"\r\n") || e.Id() != "appointment-7@coach.example.com" ||
				e.GetProperty(ics.ComponentPropertySequence).Value != "3" {
				t.Errorf("%s %s:\n%s", c.tzid, method, text)
			}
			wantStatus := map[string]string{coaching.InviteRequest: "CONFIRMED", coaching.InviteCancel: "CANCELLED"}[method]
			if got := e.GetProperty(ics.ComponentPropertyStatus).Value; got != wantStatus {
				t.Errorf("%s %s: STATUS %s", c.tzid, method, got)
			}
			dt := e.GetProperty(ics.ComponentPropertyDtStart)
			at, err := e.GetStartAt()
			if dt.Value != c.local || strings.Join(dt.ICalParameters["TZID"], "") != c.tzid || err != nil || !at.Equal(c.start) {
				t.Errorf("%s: DTSTART %+v read as %s (%v), want %s", c.tzid, dt.BaseProperty, at, err, c.start)
			}
			if end, err := e.GetEndAt(); err != nil || !end.Equal(c.start.Add(time.Hour)) {
				t.Errorf("%s: DTEND %s %v", c.tzid, end, err)
			}
			if c.tzid == "" {
				if len(cal.Timezones()) != 0 {
					t.Errorf("UTC with a VTIMEZONE:\n%s", text)
				}
				continue
			}
			if len(cal.Timezones()) != 1 {
				t.Fatalf("%s: %d VTIMEZONEs", c.tzid, len(cal.Timezones()))
			}
			tz := cal.Timezones()[0]
			if tz.GetProperty(ics.ComponentPropertyTzid).Value != c.tzid || len(tz.Components) != c.observations {
				t.Errorf("%s: VTIMEZONE\n%s", c.tzid, text)
			}
			covered := false // an observance begins before the event, at its offset
			_, off := c.start.In(c.zone).Zone()
			for _, o := range tz.Components {
				g := o.(interface {
					GetProperty(ics.ComponentProperty) *ics.IANAProperty
				})
				onset, _ := time.Parse("20060102T150405", g.GetProperty(ics.ComponentPropertyDtStart).Value)
				if onset.Before(c.start.Add(time.Duration(off)*time.Second)) && g.GetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto)).Value == offset(off) {
					covered = true
				}
			}
			if !covered {
				t.Errorf("%s: no observance covers %s:\n%s", c.tzid, c.start, text)
			}
		}
	}
}

func offset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return sign + time.Date(0, 1, 1, sec/3600, sec/60%60, 0, 0, time.UTC).Format("1504")
}
