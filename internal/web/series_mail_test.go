package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/mail/mailtest"
	"rapport/internal/store/storetest"
)

// TestSeriesInvitationsAndFeed: a coach books six weekly sessions at
// 10:00 New York time across the spring change (10 March 2030), moves the
// second alone, moves the third and every later one to Tuesdays 09:30,
// and cancels the fifth and the sixth. Each person receives four emails at
// Mailpit, not one per session: the series as one recurring event (RRULE
// on New York's clock, with its VTIMEZONE), the lone move as that instance
// of it (the series' UID, a RECURRENCE-ID, its own SEQUENCE), and each
// change to the following sessions as the whole series again at a raised
// SEQUENCE, with an instance for each session that departs from the rule
// and an EXDATE for each cancelled one. The client's feed carries the same
// event under the same UID, and the series' join link leads to the room
// of its next session.
func TestSeriesInvitationsAndFeed(t *testing.T) {
	mp := mailtest.MustMailpit(t)
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			clock := app.NewFixedClock(time.Date(2030, 2, 18, 12, 0, 0, 0, time.UTC))
			e, w, coachAddr, clientAddr := mailPractice(t, d, mp, clock)

			ny, _ := time.LoadLocation("America/New_York")
			at := func(day, hour, min int) time.Time { return time.Date(2030, 2, day, hour, min, 0, 0, ny) }
			res := w.coach.api("POST", "/api/v1/series", map[string]any{"client_id": w.clientID, "title": "Weekly",
				"starts_at": at(25, 10, 0).Format(time.RFC3339), "duration_minutes": 60, "every_weeks": 1, "count": 6, "time_zone": "America/New_York"})
			if res.StatusCode != http.StatusCreated {
				t.Fatalf("book the series: %d %s", res.StatusCode, res.body)
			}
			var s seriesAnswer
			res.json(t, &s)
			occ := s.Items
			if res := w.coach.api("PATCH", "/api/v1/appointments/"+itoa(occ[1].ID), map[string]any{"starts_at": at(32, 11, 0)}); res.StatusCode != http.StatusOK {
				t.Fatalf("move the second: %d %s", res.StatusCode, res.body)
			}
			// the third, 11 March (after the change), to Tuesday 12 March 09:30
			res = w.coach.api("PATCH", "/api/v1/appointments/"+itoa(occ[2].ID)+"/following", map[string]any{"starts_at": at(40, 9, 30)})
			var moved struct {
				Items []struct {
					StartsAt time.Time `json:"starts_at"`
				}
			}
			if res.StatusCode != http.StatusOK {
				t.Fatalf("move the following: %d %s", res.StatusCode, res.body)
			}
			res.json(t, &moved)
			for i, m := range moved.Items {
				if l := m.StartsAt.In(ny); l.Weekday() != time.Tuesday || l.Hour() != 9 || l.Minute() != 30 {
					t.Fatalf("moved occurrence %d to %s", i, l)
				}
			}
			if len(moved.Items) != 4 || !moved.Items[0].StartsAt.Equal(at(40, 9, 30)) {
				t.Fatalf("moved %d occurrences, the first to %s", len(moved.Items), moved.Items[0].StartsAt)
			}
			if res := w.coach.api("DELETE", "/api/v1/appointments/"+itoa(occ[4].ID)+"/following", map[string]string{"reason": "away"}); res.StatusCode != http.StatusOK {
				t.Fatalf("cancel the following: %d %s", res.StatusCode, res.body)
			}

			uid := coaching.SeriesUID(s.SeriesID, "127.0.0.1")
			for _, who := range []struct {
				address string
				emails  int
			}{{coachAddr, 4}, {clientAddr, 5}} {
				got := readInvitations(t, mp, who.address, who.emails, 4)
				checkSeriesBooked(t, got[0], uid)
				lone := got[1]
				if !strings.HasPrefix(lone.subject, "Moved: ") || len(lone.cal.Events()) != 1 || lone.event.Id() != uid ||
					lone.prop(ics.ComponentPropertyRecurrenceId).Value != "20300304T150000Z" || lone.prop(ics.ComponentPropertySequence).Value != "1" {
					t.Errorf("the lone move: %q\n%s", lone.subject, lone.cal.Serialize())
				}
				movedInv := got[2]
				if !strings.HasPrefix(movedInv.subject, "Moved: ") || movedInv.method != "REQUEST" {
					t.Errorf("the series move: %q %s", movedInv.subject, movedInv.method)
				}
				checkSeries(t, movedInv, uid, "1", nil, map[string]string{
					"20300304T150000Z": "20300304T110000", "20300311T140000Z": "20300312T093000", "20300318T140000Z": "20300319T093000",
					"20300325T140000Z": "20300326T093000", "20300401T140000Z": "20300402T093000"})
				cancelled := got[3]
				if !strings.HasPrefix(cancelled.subject, "Cancelled: ") || cancelled.method != "REQUEST" || !strings.Contains(cancelled.text, "away") {
					t.Errorf("the series cancellation: %q %s\n%s", cancelled.subject, cancelled.method, cancelled.text)
				}
				checkSeries(t, cancelled, uid, "2", []string{"20300325T100000", "20300401T100000"}, map[string]string{
					"20300304T150000Z": "20300304T110000", "20300311T140000Z": "20300312T093000", "20300318T140000Z": "20300319T093000"})
			}

			link, _ := url.Parse(feedURL(t, w.client)) // PUBLIC_URL's address: read it from this server
			feed := mustFeed(t, e, e.srv.URL+link.Path)
			if len(feed.Events()) != 4 || len(feed.Timezones()) != 1 {
				t.Fatalf("the feed holds %d events and %d zones:\n%s", len(feed.Events()), len(feed.Timezones()), feed.Serialize())
			}
			for _, ev := range feed.Events() {
				if ev.Id() != uid {
					t.Errorf("a feed event of UID %s, want the series' %s", ev.Id(), uid)
				}
			}
			join := w.client.get("/series/" + s.SeriesID + "/join")
			if join.StatusCode != http.StatusSeeOther || join.Header.Get("Location") != "/rooms/"+occ[0].RoomID {
				t.Errorf("join link: %d to %q, want the first room %s", join.StatusCode, join.Header.Get("Location"), occ[0].RoomID)
			}
			stranger := e.signIn("stranger@example.com", app.RoleClient)
			if res := stranger.get("/series/" + s.SeriesID + "/join"); res.StatusCode != http.StatusNotFound {
				t.Errorf("a stranger's join link: %d", res.StatusCode)
			}
		})
	}
}

// checkSeriesBooked checks the email of a booked series: one recurring
// event of six weekly sessions at 10:00 on New York's clock.
func checkSeriesBooked(t *testing.T, inv *invitation, uid string) {
	t.Helper()
	start := inv.prop(ics.ComponentPropertyDtStart)
	if !strings.HasPrefix(inv.subject, "Booked: ") || !strings.Contains(inv.subject, "6 sessions") || inv.method != "REQUEST" ||
		len(inv.cal.Events()) != 1 || inv.event.Id() != uid || inv.prop(ics.ComponentPropertyRrule).Value != "FREQ=WEEKLY;INTERVAL=1;COUNT=6" ||
		start.Value != "20300225T100000" || start.ICalParameters["TZID"][0] != "America/New_York" ||
		inv.prop(ics.ComponentPropertyDtEnd).Value != "20300225T110000" || inv.prop(ics.ComponentPropertySequence).Value != "0" {
		t.Errorf("the series booked: %q %s\n%s", inv.subject, inv.method, inv.cal.Serialize())
	}
	if !strings.Contains(inv.text, "Monday 1 April 2030") || !strings.Contains(inv.text, "Monday 25 February 2030") {
		t.Errorf("the series' dates are not listed:\n%s", inv.text)
	}
	if tz := inv.cal.Timezones(); len(tz) != 1 || tz[0].GetProperty(ics.ComponentPropertyTzid).Value != "America/New_York" {
		t.Errorf("VTIMEZONE %+v", tz)
	}
	url := inv.prop(ics.ComponentPropertyUrl)
	if url == nil || !strings.HasPrefix(url.Value, "http://127.0.0.1:8080/series/") || !strings.HasSuffix(url.Value, "/join") {
		t.Errorf("the series' URL %+v", url)
	}
}

// checkSeries checks a series sent again: its recurring event at seq with
// exdates (local New York times), and one instance for each RECURRENCE-ID
// of instances, starting at its local New York time.
func checkSeries(t *testing.T, inv *invitation, uid, seq string, exdates []string, instances map[string]string) {
	t.Helper()
	var master *ics.VEvent
	got, seqs := map[string]string{}, map[string]int{}
	for _, ev := range inv.cal.Events() {
		if ev.Id() != uid {
			t.Errorf("%q: an event of UID %s", inv.subject, ev.Id())
		}
		rid := ev.GetProperty(ics.ComponentPropertyRecurrenceId)
		if rid == nil {
			master = ev
			continue
		}
		start := ev.GetProperty(ics.ComponentPropertyDtStart)
		if start.ICalParameters["TZID"][0] != "America/New_York" {
			t.Errorf("%q: instance %s in %v", inv.subject, rid.Value, start.ICalParameters)
		}
		got[rid.Value] = start.Value
		seqs[rid.Value], _ = strconv.Atoi(ev.GetProperty(ics.ComponentPropertySequence).Value)
	}
	if master == nil || master.GetProperty(ics.ComponentPropertySequence).Value != seq {
		t.Fatalf("%q: no recurring event at SEQUENCE %s:\n%s", inv.subject, seq, inv.cal.Serialize())
	}
	for rid, n := range seqs {
		if m, _ := strconv.Atoi(seq); n < m { // a calendar ignores an instance older than its event
			t.Errorf("%q: the instance %s has SEQUENCE %d, below the series' %s", inv.subject, rid, n, seq)
		}
	}
	var ex []string
	for _, p := range master.Properties {
		if p.IANAToken == string(ics.ComponentPropertyExdate) {
			ex = append(ex, p.Value)
		}
	}
	if !slices.Equal(ex, exdates) {
		t.Errorf("%q: EXDATE %v, want %v", inv.subject, ex, exdates)
	}
	if len(got) != len(instances) {
		t.Errorf("%q: instances %v, want %v", inv.subject, got, instances)
	}
	for rid, want := range instances {
		if got[rid] != want {
			t.Errorf("%q: the instance %s starts %s, want %s", inv.subject, rid, got[rid], want)
		}
	}
}
