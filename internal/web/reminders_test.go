package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store/storetest"
)

// reminderEnv is a coach and a client with a session in two days, on a
// fixed clock.
type reminderEnv struct {
	e              *env
	clock          *app.FixedClock
	coach, client  *client
	apptID, userID int64
}

func newReminderEnv(t *testing.T, dialect string) *reminderEnv {
	t.Helper()
	clock := app.NewFixedClock(time.Date(2030, 3, 3, 12, 0, 0, 0, time.UTC))
	e := newEnvAt(t, dialect, clock)
	r := &reminderEnv{e: e, clock: clock, coach: e.signIn("coach@example.com", app.RoleCoach),
		client: e.signIn("ann@example.com", app.RoleClient)}
	r.userID = e.inviteAndAccept(r.coach, r.client, "ann@example.com")
	res := r.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": r.userID, "title": "Kickoff",
		"starts_at": clock.Now().Add(48 * time.Hour).Format(time.RFC3339), "duration_minutes": 60})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("book: %d %s", res.StatusCode, res.body)
	}
	var a struct{ ID int64 }
	res.json(t, &a)
	r.apptID = a.ID
	return r
}

// mustUnsubscribePath runs the reminders a day before the session and
// returns the path of the client's unsubscribe link in theirs.
func (r *reminderEnv) mustUnsubscribePath(t *testing.T) string {
	t.Helper()
	r.clock.Advance(24 * time.Hour)
	if _, err := r.e.svc.SendDueReminders(context.Background()); err != nil {
		t.Fatal(err)
	}
	list, err := r.e.db.RecentMail(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if strings.HasPrefix(m.Key, coaching.MailReminder+":") && m.To == "ann@example.com" {
			u, err := url.Parse(m.Unsubscribe)
			if err != nil || !strings.HasPrefix(u.Path, "/unsubscribe/") || u.Host == "" {
				t.Fatalf("the reminder's unsubscribe link %q: %v", m.Unsubscribe, err)
			}
			return u.Path
		}
	}
	t.Fatalf("no reminder to the client among %d emails", len(list))
	return ""
}

// choices reads c's email choices through the API.
func choices(t *testing.T, c *client) coaching.EmailChoices {
	t.Helper()
	res := c.get("/api/v1/profile/email")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/profile/email: %d %s", res.StatusCode, res.body)
	}
	var got coaching.EmailChoices
	res.json(t, &got)
	return got
}

// TestOneClickUnsubscribe: the reminder's link shows a page with a button
// and changes nothing on GET (mail scanners follow links); a POST with no
// cookie, sent cross-site as a mail provider's one-click is (RFC 8058),
// turns the person's reminders off; an unknown token is not found either
// way; and the cross-origin check still refuses other cookieless POSTs.
func TestOneClickUnsubscribe(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			r := newReminderEnv(t, d)
			path := r.mustUnsubscribePath(t)
			anon := r.e.anon()
			page := anon.get(path)
			if page.StatusCode != http.StatusOK || !strings.Contains(string(page.body), `<form method="post" action="`+path+`"`) ||
				!strings.Contains(string(page.body), "ann@example.com") {
				t.Fatalf("GET the link: %d %s", page.StatusCode, page.body)
			}
			if !choices(t, r.client).Reminders {
				t.Fatal("GET turned reminders off")
			}

			req, _ := http.NewRequest("POST", r.e.srv.URL+path, strings.NewReader("List-Unsubscribe=One-Click"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "https://mail.example")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			if res := anon.do(req); res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), "data-unsubscribed") {
				t.Fatalf("one-click POST: %d %s", res.StatusCode, res.body)
			}
			if got := choices(t, r.client); got.Reminders || !got.Bookings {
				t.Errorf("choices after unsubscribing: %+v", got)
			}
			if !choices(t, r.coach).Reminders {
				t.Error("the coach's reminders went off too")
			}
			if res := anon.form("POST", path, nil); res.StatusCode != http.StatusOK {
				t.Errorf("unsubscribing again: %d", res.StatusCode)
			}

			for _, bad := range []string{"/unsubscribe/nope", path + "x"} {
				if res := anon.get(bad); res.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s: %d", bad, res.StatusCode)
				}
				if res := anon.form("POST", bad, nil); res.StatusCode != http.StatusNotFound {
					t.Errorf("POST %s: %d", bad, res.StatusCode)
				}
			}
			other, _ := http.NewRequest("POST", r.e.srv.URL+"/profile/email", strings.NewReader("reminders=on"))
			other.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			other.Header.Set("Sec-Fetch-Site", "cross-site")
			if res := r.client.do(other); res.StatusCode != http.StatusForbidden {
				t.Errorf("a cross-site POST of the profile's choices: %d, want 403", res.StatusCode)
			}
		})
	}
}

// TestEmailChoicesRoundTrip: a person's choices go through the API and the
// profile's form and come back the same; the API wants every choice and
// names a missing one; nobody signed in has none.
func TestEmailChoicesRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ann := e.signIn("ann@example.com", app.RoleClient)
		if got := choices(t, ann); got != coaching.DefaultEmailChoices() {
			t.Fatalf("before any choice: %+v", got)
		}
		res := ann.api("PUT", "/api/v1/profile/email", map[string]bool{"bookings": false, "reminders": true, "messages": false})
		if res.StatusCode != http.StatusOK {
			t.Fatalf("PUT: %d %s", res.StatusCode, res.body)
		}
		if got := choices(t, ann); got.Bookings || !got.Reminders || got.Messages {
			t.Errorf("after PUT: %+v", got)
		}
		res = ann.api("PUT", "/api/v1/profile/email", map[string]bool{"bookings": true})
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || code != "invalid" || fields["reminders"] == "" {
			t.Errorf("PUT without reminders: %d %s", res.StatusCode, res.body)
		}
		if res := ann.form("POST", "/profile/email", url.Values{"reminders": {"on"}, "messages": {"on"}}); res.StatusCode != http.StatusSeeOther ||
			res.Header.Get("Location") != "/profile?flash=emailssaved" {
			t.Fatalf("form: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if got := choices(t, ann); got.Bookings || !got.Reminders || !got.Messages {
			t.Errorf("after the form: %+v", got)
		}
		page := ann.get("/profile")
		body := string(page.body)
		if page.StatusCode != http.StatusOK || !strings.Contains(body, `name="reminders" value="on" checked`) ||
			!strings.Contains(body, `name="bookings" value="on">`) || !strings.Contains(body, `name="messages" value="on" checked`) {
			t.Errorf("profile page: %d\n%s", page.StatusCode, body)
		}
		if res := e.anon().get("/api/v1/profile/email"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous GET: %d", res.StatusCode)
		}
	})
}

// TestBookingEmailsFollowChoices: a client who turned booking emails off
// gets none for a booking, while their coach gets theirs.
func TestBookingEmailsFollowChoices(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		coach := e.signIn("coach@example.com", app.RoleCoach)
		ann := e.signIn("ann@example.com", app.RoleClient)
		annID := e.inviteAndAccept(coach, ann, "ann@example.com")
		if res := ann.api("PUT", "/api/v1/profile/email", map[string]bool{"bookings": false, "reminders": true, "messages": true}); res.StatusCode != http.StatusOK {
			t.Fatalf("PUT: %d %s", res.StatusCode, res.body)
		}
		res := coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": annID, "title": "Kickoff",
			"starts_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 60})
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("book: %d %s", res.StatusCode, res.body)
		}
		list, err := e.db.RecentMail(context.Background(), 50)
		if err != nil {
			t.Fatal(err)
		}
		booked := map[string]bool{}
		for _, m := range list {
			if strings.HasPrefix(m.Key, coaching.MailBooked+":") {
				booked[m.To] = true
			}
		}
		if !booked["coach@example.com"] || booked["ann@example.com"] {
			t.Errorf("booked emails to %v", booked)
		}
	})
}

// TestReminderSettings: a coach sets their reminders on the availability
// form ("2d, 30m") and through the API; bad ones are refused naming the
// field, and nothing is saved.
func TestReminderSettings(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		coach := e.signIn("coach@example.com", app.RoleCoach)
		page := coach.get("/availability")
		if page.StatusCode != http.StatusOK || !strings.Contains(string(page.body), `name="reminders" value="24h, 1h"`) {
			t.Fatalf("the form's default reminders: %d", page.StatusCode)
		}
		form := url.Values{"time_zone": {"Europe/Paris"}, "buffer_before_minutes": {"0"}, "buffer_after_minutes": {"0"},
			"notice_hours": {"24"}, "change_notice_hours": {"24"}, "horizon_days": {"60"}, "max_per_day": {"0"}, "reminders": {"2d, 30m"}}
		if res := coach.form("POST", "/availability", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.StatusCode, res.body)
		}
		var av struct {
			Reminders []int `json:"reminder_minutes"`
		}
		coach.get("/api/v1/availability").json(t, &av)
		if len(av.Reminders) != 2 || av.Reminders[0] != 2880 || av.Reminders[1] != 30 {
			t.Errorf("reminders after the form: %v", av.Reminders)
		}
		for _, bad := range []string{"soon", "8d", "1h, 2h, 3h, 4h", "0m"} {
			form.Set("reminders", bad)
			res := coach.form("POST", "/availability", form)
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), `id="reminders" name="reminders" value="`+bad+`"`) ||
				!strings.Contains(string(res.body), `aria-invalid="true"`) {
				t.Errorf("form with %q: %d", bad, res.StatusCode)
			}
		}
		full := map[string]any{}
		coach.get("/api/v1/availability").json(t, &full)
		full["reminder_minutes"] = []int{60, 60}
		res := coach.api("PUT", "/api/v1/availability", full)
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || code != "invalid" || fields["reminder_minutes"] == "" {
			t.Errorf("API with a reminder twice: %d %s", res.StatusCode, res.body)
		}
		coach.get("/api/v1/availability").json(t, &av)
		if len(av.Reminders) != 2 || av.Reminders[0] != 2880 {
			t.Errorf("a refused change was saved: %v", av.Reminders)
		}
	})
}
