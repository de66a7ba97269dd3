package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// availabilityForm is the availability page's form, every day open
// 09:00-17:00 but Sunday.
func availabilityForm(overrides url.Values) url.Values {
	f := url.Values{"time_zone": {"Europe/Paris"}, "overrides": {"2030-12-24 off"}, "buffer_before_minutes": {"0"},
		"buffer_after_minutes": {"10"}, "notice_hours": {"2"}, "change_notice_hours": {"12"}, "horizon_days": {"21"}, "max_per_day": {"0"}}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday"} {
		f.Set("hours_"+d, "09:00-12:00, 13:00-17:00")
	}
	for k, v := range overrides {
		f[k] = v
	}
	return f
}

// TestAvailabilityPage: the coach sets their hours and session types on a
// page; what cannot be read or breaks a rule is named beside its field
// and nothing is saved.
func TestAvailabilityPage(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	if page := string(w.coach.get("/availability").body); !strings.Contains(page, `value="09:00-17:00"`) {
		t.Fatalf("the default hours are not shown:\n%s", page)
	}
	if res := w.coach.form("POST", "/availability", availabilityForm(nil)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", res.StatusCode, res.body)
	}
	page := string(w.coach.get("/availability").body)
	for _, want := range []string{`value="09:00-12:00, 13:00-17:00"`, "2030-12-24 off", `value="Europe/Paris"`, `value="21"`, `name="change_notice_hours" inputmode="decimal" value="12"`} {
		if !strings.Contains(page, want) {
			t.Fatalf("saved page lacks %s:\n%s", want, page)
		}
	}
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"Unreadable", url.Values{"hours_monday": {"9 to 12"}}, "write hours like 09:00-12:00"},
		{"Overlapping", url.Values{"hours_tuesday": {"09:00-12:00, 11:00-13:00"}}, "overlap"},
		{"TenYears", url.Values{"horizon_days": {"3650"}}, "must be from 1 to 366"},
		{"BadDate", url.Values{"overrides": {"24/12 off"}}, "start with a date like"},
		{"NegativeChangeNotice", url.Values{"change_notice_hours": {"-1"}}, "hours of notice"},
	} {
		res := w.coach.form("POST", "/availability", availabilityForm(tc.form))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), tc.want) {
			t.Fatalf("%s: %d, want 400 saying %q:\n%s", tc.name, res.StatusCode, tc.want, res.body)
		}
	}
	if page := string(w.coach.get("/availability").body); !strings.Contains(page, `value="21"`) {
		t.Fatal("a refused form changed the saved availability")
	}
	res := w.coach.form("POST", "/session-types", url.Values{"name": {"Deep dive"}, "duration_minutes": {"7"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), "in steps of 5") {
		t.Fatalf("a bad session type: %d %s", res.StatusCode, res.body)
	}
	if res := w.coach.form("POST", "/session-types", url.Values{"name": {"Deep dive"}, "duration_minutes": {"90"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("a session type: %d %s", res.StatusCode, res.body)
	}
	if page := string(w.coach.get("/availability").body); !strings.Contains(page, "Deep dive") {
		t.Fatal("the session type is not listed")
	}
	if res := w.client.get("/availability"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a client's availability page: %d", res.StatusCode)
	}
}

// TestClientBooksOnThePages: the client finds their coach's session type,
// picks a time and is booked; the same time again gets the free times now.
func TestClientBooksOnThePages(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	w.coach.form("POST", "/availability", availabilityForm(nil))
	w.coach.form("POST", "/session-types", url.Values{"name": {"Deep dive"}, "duration_minutes": {"90"}})
	book := string(w.client.get("/book").body)
	link := regexp.MustCompile(`href="(/book/\d+/\d+)">Deep dive`).FindStringSubmatch(book)
	if link == nil {
		t.Fatalf("the book page offers no Deep dive:\n%s", book)
	}
	slots := string(w.client.get(link[1]).body)
	first := regexp.MustCompile(`name="starts_at" value="([^"]+)"`).FindStringSubmatch(slots)
	if first == nil {
		t.Fatalf("no free time offered:\n%s", slots)
	}
	res := w.client.form("POST", link[1], url.Values{"starts_at": {first[1]}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "flash=booked") {
		t.Fatalf("book: %d %s %s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	res = w.client.form("POST", link[1], url.Values{"starts_at": {first[1]}})
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(res.body), "Here are the free times now") || strings.Contains(string(res.body), `value="`+first[1]+`"`) {
		t.Fatalf("the same time again: %d\n%s", res.StatusCode, res.body)
	}
}
