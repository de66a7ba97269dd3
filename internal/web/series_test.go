package web_test

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

type seriesAnswer struct {
	SeriesID string `json:"series_id"`
	Items    []struct {
		ID       int64
		RoomID   string    `json:"room_id"`
		StartsAt time.Time `json:"starts_at"`
		SeriesID string    `json:"series_id"`
	}
}

// TestWeeklySeriesAcrossDaylightSaving: a coach books ten weekly sessions
// at 10:00 New York time across the spring change: each is an appointment
// of its own with its own room, at 10:00 on the coach's clock (15:00 UTC
// before 9 March, 14:00 after); cancelling the following ones from the
// sixth leaves the first five.
func TestWeeklySeriesAcrossDaylightSaving(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		ny, _ := time.LoadLocation("America/New_York")
		first := time.Date(time.Now().Year()+1, 2, 20, 10, 0, 0, 0, ny)
		res := w.coach.api("POST", "/api/v1/series", map[string]any{"client_id": w.clientID, "title": "Weekly",
			"starts_at": first.Format(time.RFC3339), "duration_minutes": 60, "every_weeks": 1, "count": 10, "time_zone": "America/New_York"})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("book the series: %d %s", res.StatusCode, res.body)
		}
		var s seriesAnswer
		res.json(t, &s)
		rooms := map[string]bool{}
		for i, a := range s.Items {
			local := a.StartsAt.In(ny)
			if local.Hour() != 10 || local.Weekday() != first.Weekday() || a.SeriesID != s.SeriesID || s.SeriesID == "" {
				t.Fatalf("occurrence %d at %s (%s) in series %q", i, local, a.StartsAt, a.SeriesID)
			}
			rooms[a.RoomID] = true
		}
		if len(s.Items) != 10 || len(rooms) != 10 {
			t.Fatalf("%d occurrences in %d rooms", len(s.Items), len(rooms))
		}
		res = w.coach.api("DELETE", "/api/v1/appointments/"+itoa(s.Items[5].ID)+"/following", map[string]string{"reason": "moving abroad"})
		var cancelled struct{ Cancelled []int64 }
		if res.StatusCode != http.StatusOK {
			t.Fatalf("cancel the following: %d %s", res.StatusCode, res.body)
		}
		res.json(t, &cancelled)
		if len(cancelled.Cancelled) != 5 || cancelled.Cancelled[0] != s.Items[5].ID {
			t.Fatalf("cancelled %v", cancelled.Cancelled)
		}
		var fifth struct{ Status string }
		w.coach.get("/api/v1/appointments/"+itoa(s.Items[4].ID)).json(t, &fifth)
		if fifth.Status != "scheduled" {
			t.Fatalf("the fifth is %s", fifth.Status)
		}
	})
}

// TestSeriesRefusals: 5,000 occurrences, an interval of three weeks and a
// clash are refused, naming the field or the date, and nothing is written.
func TestSeriesRefusals(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	book := func(start time.Time, every, count int) *response {
		return w.coach.api("POST", "/api/v1/series", map[string]any{"client_id": w.clientID, "starts_at": start.UTC().Format(time.RFC3339),
			"duration_minutes": 60, "every_weeks": every, "count": count, "time_zone": "UTC"})
	}
	later := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	for _, tc := range []struct {
		every, count int
		field        string
	}{{1, 5000, "count"}, {3, 4, "every_weeks"}, {2, 27, "count"}} {
		res := book(later, tc.every, tc.count)
		if _, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || fields[tc.field] == "" {
			t.Fatalf("every %d, %d times: %d %s", tc.every, tc.count, res.StatusCode, res.body)
		}
	}
	var list struct{ Items []struct{ ID int64 } }
	w.coach.get("/api/v1/appointments").json(t, &list)
	before := len(list.Items)
	// an appointment a week after the series' first session: its second clashes
	if res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID, "title": "In the way",
		"starts_at": later.Add(7*24*time.Hour + 30*time.Minute).UTC().Format(time.RFC3339), "duration_minutes": 60}); res.StatusCode != http.StatusCreated {
		t.Fatalf("book the blocker: %d %s", res.StatusCode, res.body)
	}
	w.coach.get("/api/v1/appointments").json(t, &list)
	before = len(list.Items)
	clash := book(later, 1, 3)
	if clash.StatusCode != http.StatusConflict || !strings.Contains(string(clash.body), later.Add(7*24*time.Hour).UTC().Format("2006-01-02")) {
		t.Fatalf("a clashing series: %d %s", clash.StatusCode, clash.body)
	}
	w.coach.get("/api/v1/appointments").json(t, &list)
	if len(list.Items) != before {
		t.Fatalf("a refused series wrote %d appointments", len(list.Items)-before)
	}
}

// TestSeriesPages: the coach books a fortnightly series from the booking
// form, moves the second session and the later ones from the appointment's
// page, and cancels the last two with the cancel page's box; the client may
// neither move the series nor open its page; a stranger's move is not
// found; a move into another appointment is refused with its date and
// moves nothing.
func TestSeriesPages(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Hour)
	res := w.coach.form("POST", "/appointments", url.Values{"client_id": {itoa(w.clientID)}, "title": {"Fortnightly"},
		"starts_at": {start.Format("2006-01-02T15:04")}, "tz": {"UTC"}, "duration_minutes": {"45"}, "every_weeks": {"2"}, "count": {"4"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "flash=seriesbooked") {
		t.Fatalf("book from the form: %d %s %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	type row struct {
		ID       int64
		StartsAt time.Time `json:"starts_at"`
		SeriesID string    `json:"series_id"`
		Status   string
	}
	var list struct{ Items []row }
	series := func() map[time.Time]string {
		w.coach.get("/api/v1/appointments?limit=100").json(t, &list)
		out := map[time.Time]string{}
		for _, a := range list.Items {
			if a.SeriesID != "" {
				out[a.StartsAt.UTC()] = a.Status
			}
		}
		return out
	}
	if got := series(); len(got) != 4 || got[start.Add(14*24*time.Hour)] != "scheduled" {
		t.Fatalf("the series: %v", got)
	}
	var second int64
	for _, a := range list.Items {
		if a.StartsAt.Equal(start.Add(14 * 24 * time.Hour)) {
			second = a.ID
		}
	}
	if page := w.coach.get("/appointments/" + itoa(second)); !strings.Contains(string(page.body), "/appointments/"+itoa(second)+"/following") {
		t.Fatalf("the appointment page has no link to move the series:\n%s", page.body)
	}
	if res := w.client.get("/appointments/" + itoa(second) + "/following"); res.StatusCode != http.StatusForbidden {
		t.Errorf("the client opens the series' move page: %d", res.StatusCode)
	}
	if res := w.otherCoach.api("PATCH", "/api/v1/appointments/"+itoa(second)+"/following", map[string]any{"starts_at": start}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a stranger moves the series: %d %s", res.StatusCode, res.body)
	}
	if res := w.coach.api("PATCH", "/api/v1/appointments/"+itoa(w.apptID)+"/following", map[string]any{"starts_at": start}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("move the following of a single appointment: %d %s", res.StatusCode, res.body)
	}
	before := series()
	// moved a day and an hour later, the fourth session would overlap this
	blocker := start.Add(43*24*time.Hour + time.Hour)
	if res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID, "title": "In the way",
		"starts_at": blocker, "duration_minutes": 60}); res.StatusCode != http.StatusCreated {
		t.Fatalf("book the blocker: %d %s", res.StatusCode, res.body)
	}
	moveTo := start.Add(15*24*time.Hour + time.Hour)
	clash := w.coach.form("POST", "/appointments/"+itoa(second)+"/following", url.Values{"starts_at": {moveTo.Format("2006-01-02T15:04")}, "tz": {"UTC"}})
	if clash.StatusCode != http.StatusConflict || !strings.Contains(string(clash.body), blocker.Format("2 January 2006")) {
		t.Fatalf("a move onto another appointment: %d %s", clash.StatusCode, clash.body)
	}
	if after := series(); !maps.Equal(after, before) {
		t.Fatalf("a refused move changed the series: %v, was %v", after, before)
	}
	moveTo = start.Add(15*24*time.Hour + 3*time.Hour)
	res = w.coach.form("POST", "/appointments/"+itoa(second)+"/following", url.Values{"starts_at": {moveTo.Format("2006-01-02T15:04")}, "tz": {"UTC"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "flash=seriesmoved") {
		t.Fatalf("move the following: %d %s", res.StatusCode, res.body)
	}
	got := series()
	for i, want := range []time.Time{start, moveTo, moveTo.Add(14 * 24 * time.Hour), moveTo.Add(28 * 24 * time.Hour)} {
		if got[want] != "scheduled" {
			t.Fatalf("session %d is not at %s: %v", i, want, got)
		}
	}
	third := list.Items[slices.IndexFunc(list.Items, func(a row) bool { return a.StartsAt.Equal(moveTo.Add(14 * 24 * time.Hour)) })].ID
	if page := w.coach.get("/appointments/" + itoa(third) + "/cancel"); !strings.Contains(string(page.body), `name="following"`) {
		t.Fatalf("the cancel page of a series' session has no box for the later ones")
	}
	res = w.coach.form("POST", "/appointments/"+itoa(third)+"/cancel", url.Values{"reason": {"done"}, "following": {"1"}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(res.Header.Get("Location"), "flash=seriescancelled") {
		t.Fatalf("cancel the following: %d %s", res.StatusCode, res.body)
	}
	got = series()
	if got[moveTo] != "scheduled" || got[moveTo.Add(14*24*time.Hour)] != "cancelled" || got[moveTo.Add(28*24*time.Hour)] != "cancelled" {
		t.Fatalf("after cancelling the following: %v", got)
	}
}
