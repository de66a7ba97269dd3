package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
)

// TestOverlapSaysWhenInTheViewersZone: a New York coach whose booking
// overlaps another is told when the other one is in New York time, not
// as a UTC timestamp.
func TestOverlapSaysWhenInTheViewersZone(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	ny, _ := time.LoadLocation("America/New_York")
	day := time.Now().In(ny).AddDate(0, 0, 20)
	at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, ny)
	res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID, "title": "Morning",
		"starts_at": at.Format(time.RFC3339), "duration_minutes": 60})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("book: %d %s", res.StatusCode, res.body)
	}
	form := url.Values{"client_id": {itoa(w.clientID)}, "title": {"Clash"}, "tz": {"America/New_York"},
		"starts_at": {at.Add(30 * time.Minute).Format("2006-01-02T15:04")}, "duration_minutes": {"30"}}
	res = w.coach.form("POST", "/appointments", form)
	body := string(res.body)
	want := "overlaps “Morning” on " + at.Format("Mon 2 Jan 2006 at 15:04 MST")
	if res.StatusCode != http.StatusConflict || !strings.Contains(body, want) || strings.Contains(body, at.UTC().Format(time.RFC3339)) {
		t.Fatalf("overlap: %d, want %q in:\n%s", res.StatusCode, want, body)
	}
}

// TestUpcomingListsScheduledOnly: a cancelled appointment leaves Upcoming
// (it is still found by its status).
func TestUpcomingListsScheduledOnly(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	if res := w.coach.api("DELETE", "/api/v1/appointments/"+itoa(w.apptID), map[string]string{"reason": "ill"}); res.StatusCode != http.StatusOK {
		t.Fatalf("cancel: %d %s", res.StatusCode, res.body)
	}
	if body := string(w.coach.get("/appointments").body); strings.Contains(body, "Kickoff") {
		t.Fatal("Upcoming lists a cancelled appointment")
	}
	if body := string(w.coach.get("/appointments?status=cancelled").body); !strings.Contains(body, "Kickoff") {
		t.Fatal("the cancelled appointment is not found by its status")
	}
}

// TestCancelFormOfACancelledAppointment: the cancel form is not offered
// again; its page goes back to the appointment, which says why.
func TestCancelFormOfACancelledAppointment(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	w.coach.api("DELETE", "/api/v1/appointments/"+itoa(w.apptID), map[string]string{"reason": "ill"})
	res := w.coach.get("/appointments/" + itoa(w.apptID) + "/cancel")
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/appointments/"+itoa(w.apptID)+"?flash=alreadycancelled") {
		t.Fatalf("cancel page of a cancelled appointment: %d %s", res.StatusCode, loc)
	}
	if body := string(w.coach.get(res.Header.Get("Location")).body); !strings.Contains(body, "cancelled already") {
		t.Fatal("the appointment page does not say it is cancelled already")
	}
}

// TestSyncNowOnlyWhenSetUp: without Skool settings the page offers no
// "Sync now", and a stale page's button is answered with the page saying
// what to set, not a bare error.
func TestSyncNowOnlyWhenSetUp(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.signIn("admin@example.com", "admin")
	page := string(admin.get("/admin/skool").body)
	if strings.Contains(page, "Sync now") || !strings.Contains(page, "SKOOL_EMAIL") {
		t.Fatalf("the page without Skool settings:\n%s", page)
	}
	res := admin.form("POST", "/admin/skool/sync", nil)
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(res.body), "SKOOL_EMAIL") || !strings.Contains(string(res.body), "Skool sync</h1>") {
		t.Fatalf("sync now without Skool settings: %d\n%s", res.StatusCode, res.body)
	}
}

// TestSessionUnderWayIsNotPast: a session under way is the dashboard's
// "Happening now", and not yet among the past sessions.
func TestSessionUnderWayIsNotPast(t *testing.T) {
	clock := app.NewFixedClock(time.Now())
	e := newEnvAt(t, "sqlite", clock)
	w := e.world() // booked 48 hours ahead, for an hour
	clock.Advance(48*time.Hour + 10*time.Minute)
	body := string(w.coach.get("/dashboard").body)
	past := body[strings.Index(body, "Past sessions"):]
	if !strings.Contains(body, "Happening now") || strings.Contains(past, "Kickoff") {
		t.Fatalf("a session under way on the dashboard:\n%s", body)
	}
	clock.Advance(time.Hour)
	body = string(w.coach.get("/dashboard").body)
	if past := body[strings.Index(body, "Past sessions"):]; !strings.Contains(past, "Kickoff") {
		t.Fatalf("a session that ended is not past:\n%s", body)
	}
}
