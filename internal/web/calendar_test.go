package web_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"rapport/internal/app"
)

// calendarWorld is a coach, a client and another client, on a clock fixed
// a week before New York's clocks spring forward (2030-03-10).
type calendarWorld struct {
	e                     *env
	clock                 *app.FixedClock
	coach, ann, bob       *client
	annID, bobID, coachID int64
}

func newCalendarWorld(t *testing.T, dialect string) *calendarWorld {
	t.Helper()
	clock := app.NewFixedClock(time.Date(2030, 3, 3, 12, 0, 0, 0, time.UTC))
	e := newEnvAt(t, dialect, clock)
	w := &calendarWorld{e: e, clock: clock, coach: e.signIn("coach@example.com", app.RoleCoach),
		ann: e.signIn("ann@example.com", app.RoleClient), bob: e.signIn("bob@example.com", app.RoleClient)}
	w.coachID = w.coach.id()
	w.annID = e.inviteAndAccept(w.coach, w.ann, "ann@example.com")
	w.bobID = e.inviteAndAccept(w.coach, w.bob, "bob@example.com")
	return w
}

// book has the coach book clientID at start (RFC 3339) and returns its ID.
func (w *calendarWorld) book(t *testing.T, clientID int64, title, start string) int64 {
	t.Helper()
	res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": clientID, "title": title,
		"starts_at": start, "duration_minutes": 60})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("book %s: %d %s", title, res.StatusCode, res.body)
	}
	var a struct{ ID int64 }
	res.json(t, &a)
	return a.ID
}

// feedURL is c's feed link over http, from the API.
func feedURL(t *testing.T, c *client) string {
	t.Helper()
	var links struct {
		URL      string `json:"url"`
		HTTPSURL string `json:"https_url"`
	}
	res := c.get("/api/v1/calendar")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/calendar: %d %s", res.StatusCode, res.body)
	}
	res.json(t, &links)
	if !strings.HasPrefix(links.URL, "webcal://") || !strings.HasSuffix(links.URL, ".ics") ||
		strings.TrimPrefix(links.URL, "webcal://") != strings.TrimPrefix(links.HTTPSURL, c.e.srv.URL[:strings.Index(c.e.srv.URL, "://")+3]) {
		t.Fatalf("links %+v", links)
	}
	return links.HTTPSURL
}

// mustFeed fetches a feed without cookies and parses it back.
func mustFeed(t *testing.T, e *env, link string) *ics.Calendar {
	t.Helper()
	res := e.anon().get(strings.TrimPrefix(link, e.srv.URL))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("feed: %d %s", res.StatusCode, res.body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, max-age=300" {
		t.Errorf("Cache-Control %q", cc)
	}
	if res.Header.Get("Set-Cookie") != "" {
		t.Errorf("a feed set a cookie: %q", res.Header.Get("Set-Cookie"))
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(res.body))
	if err != nil {
		t.Fatalf("parse the feed: %v\n%s", err, res.body)
	}
	return cal
}

// events are a feed's events by UID.
func events(cal *ics.Calendar) map[string]*ics.VEvent {
	out := map[string]*ics.VEvent{}
	for _, ev := range cal.Events() {
		out[ev.Id()] = ev
	}
	return out
}

func prop(ev *ics.VEvent, p ics.ComponentProperty) string {
	if v := ev.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

func TestCalendarFeed(t *testing.T) {
	for _, d := range []string{"sqlite", "postgres"} {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			w := newCalendarWorld(t, d)
			before := w.book(t, w.annID, "Kickoff", "2030-03-08T09:00:00-05:00") // EST: 14:00Z
			after := w.book(t, w.annID, "Review", "2030-03-11T09:00:00-04:00")   // EDT: 13:00Z
			bobs := w.book(t, w.bobID, "Bob's", "2030-03-09T09:00:00Z")
			link := feedURL(t, w.ann)

			cal := mustFeed(t, w.e, link)
			checkCalendarHeader(t, cal, "Rapport — Name ann@example.com")
			evs := events(cal)
			uid := func(id int64) string { return "appointment-" + itoa(id) + "@rapport" }
			if len(evs) != 2 || evs[uid(bobs)] != nil {
				t.Fatalf("ann's feed holds %d events %v, want her 2 and not bob's", len(evs), keys(evs))
			}
			kick, review := evs[uid(before)], evs[uid(after)]
			if kick == nil || review == nil {
				t.Fatalf("UIDs %v, want %s and %s", keys(evs), uid(before), uid(after))
			}
			checkEvent(t, kick, map[ics.ComponentProperty]string{
				ics.ComponentPropertyDtStart: "20300308T140000Z", ics.ComponentPropertyDtEnd: "20300308T150000Z",
				ics.ComponentPropertySummary: "Kickoff with Name coach@example.com", ics.ComponentPropertySequence: "0",
				ics.ComponentPropertyStatus: "CONFIRMED", ics.ComponentPropertyDtstamp: "20300303T120000Z",
			})
			checkEvent(t, review, map[ics.ComponentProperty]string{
				ics.ComponentPropertyDtStart: "20300311T130000Z", ics.ComponentPropertyDtEnd: "20300311T140000Z",
			})
			room := prop(kick, ics.ComponentPropertyUrl)
			if !strings.HasPrefix(room, w.e.srv.URL+"/rooms/") || prop(kick, ics.ComponentPropertyLocation) != room ||
				!strings.Contains(prop(kick, ics.ComponentPropertyDescription), room) {
				t.Errorf("URL %q, LOCATION %q, DESCRIPTION %q", room, prop(kick, ics.ComponentPropertyLocation), prop(kick, ics.ComponentPropertyDescription))
			}

			w.clock.Advance(time.Minute)
			if res := w.coach.api("PATCH", "/api/v1/appointments/"+itoa(before), map[string]any{"starts_at": "2030-03-08T10:00:00-05:00"}); res.StatusCode != http.StatusOK {
				t.Fatalf("reschedule: %d %s", res.StatusCode, res.body)
			}
			if res := w.ann.api("DELETE", "/api/v1/appointments/"+itoa(after), map[string]string{"reason": "ill"}); res.StatusCode != http.StatusOK {
				t.Fatalf("cancel: %d %s", res.StatusCode, res.body)
			}
			evs = events(mustFeed(t, w.e, link))
			checkEvent(t, evs[uid(before)], map[ics.ComponentProperty]string{
				ics.ComponentPropertyDtStart: "20300308T150000Z", ics.ComponentPropertySequence: "1",
				ics.ComponentPropertyStatus: "CONFIRMED", ics.ComponentPropertyLastModified: "20300303T120100Z",
			})
			checkEvent(t, evs[uid(after)], map[ics.ComponentProperty]string{
				ics.ComponentPropertyStatus: "CANCELLED", ics.ComponentPropertySequence: "1",
				ics.ComponentPropertyDtStart: "20300311T130000Z",
			})
			if desc := prop(evs[uid(after)], ics.ComponentPropertyDescription); strings.Contains(desc, "ill") {
				t.Errorf("the cancel reason reached the feed: %q", desc)
			}
		})
	}
}

func checkCalendarHeader(t *testing.T, cal *ics.Calendar, name string) {
	t.Helper()
	want := map[ics.Property]string{ics.PropertyVersion: "2.0", ics.PropertyCalscale: "GREGORIAN",
		ics.PropertyMethod: "PUBLISH", ics.PropertyXWRCalName: name, ics.PropertyProductId: "-//Rapport//Rapport calendar//EN"}
	for p, v := range want {
		if got := calProp(cal, p); got != v {
			t.Errorf("%s = %q, want %q", p, got, v)
		}
	}
}

func checkEvent(t *testing.T, ev *ics.VEvent, want map[ics.ComponentProperty]string) {
	t.Helper()
	if ev == nil {
		t.Fatal("no such event")
	}
	for p, v := range want {
		if got := prop(ev, p); got != v {
			t.Errorf("%s %s = %q, want %q", ev.Id(), p, got, v)
		}
	}
}

func keys(m map[string]*ics.VEvent) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCalendarFeedOfAnotherPerson(t *testing.T) {
	w := newCalendarWorld(t, "sqlite")
	anns := w.book(t, w.annID, "Ann's", "2030-03-08T09:00:00Z")
	bobs := w.book(t, w.bobID, "Bob's", "2030-03-09T09:00:00Z")
	// Bob's link, whoever holds it (ann, or nobody signed in), shows bob's.
	for _, c := range []*client{w.ann, w.e.anon()} {
		res := c.get(strings.TrimPrefix(feedURL(t, w.bob), w.e.srv.URL))
		cal, err := ics.ParseCalendar(bytes.NewReader(res.body))
		if err != nil {
			t.Fatal(err)
		}
		evs := events(cal)
		if len(evs) != 1 || evs["appointment-"+itoa(bobs)+"@rapport"] == nil || evs["appointment-"+itoa(anns)+"@rapport"] != nil {
			t.Fatalf("bob's feed: %v", keys(evs))
		}
	}
	// The coach's holds both.
	if evs := events(mustFeed(t, w.e, feedURL(t, w.coach))); len(evs) != 2 {
		t.Fatalf("coach's feed: %v", keys(evs))
	}
}

func TestCalendarFeedReplaced(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		ann := e.signIn("ann@example.com", app.RoleClient)
		old := feedURL(t, ann)
		if again := feedURL(t, ann); again != old {
			t.Fatalf("a second GET gave another link: %s then %s", old, again)
		}
		mustFeed(t, e, old)
		res := ann.api("POST", "/api/v1/calendar/reset", nil)
		var links struct {
			HTTPSURL string `json:"https_url"`
		}
		res.json(t, &links)
		if res.StatusCode != http.StatusOK || links.HTTPSURL == old || links.HTTPSURL != feedURL(t, ann) {
			t.Fatalf("reset: %d %s (old %s)", res.StatusCode, res.body, old)
		}
		for _, path := range []string{strings.TrimPrefix(old, e.srv.URL), "/calendar/" + strings.Repeat("A", 43) + ".ics", "/calendar/x", "/calendar/.ics"} {
			if res := e.anon().get(path); res.StatusCode != http.StatusNotFound || strings.Contains(string(res.body), "BEGIN:VCALENDAR") {
				t.Errorf("%s: %d, want 404", path, res.StatusCode)
			}
		}
		mustFeed(t, e, links.HTTPSURL)
	})
}

func TestCalendarFeedNeedsSignInForItsLink(t *testing.T) {
	e := newEnv(t, "sqlite")
	if res := e.anon().get("/api/v1/calendar"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v1/calendar signed out: %d", res.StatusCode)
	}
	if res := e.anon().api("POST", "/api/v1/calendar/reset", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("reset signed out: %d", res.StatusCode)
	}
}

func TestProfileShowsCalendarLink(t *testing.T) {
	e := newEnv(t, "sqlite")
	ann := e.signIn("ann@example.com", app.RoleClient)
	page := ann.get("/profile")
	link := feedURL(t, ann)
	webcal := "webcal://" + strings.TrimPrefix(strings.TrimPrefix(link, "http://"), "https://")
	body := string(page.body)
	for _, want := range []string{`value="` + webcal + `"`, `href="` + webcal + `"`, `data-copy="calendar-url"`,
		`action="/profile/calendar/reset"`, "Make a new link"} {
		if !strings.Contains(body, want) {
			t.Errorf("the profile lacks %s", want)
		}
	}
	res := ann.form("POST", "/profile/calendar/reset", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile?flash=calendarreset" {
		t.Fatalf("Make a new link: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if now := feedURL(t, ann); now == link {
		t.Fatal("the link did not change")
	}
	if res := e.anon().get(strings.TrimPrefix(link, e.srv.URL)); res.StatusCode != http.StatusNotFound {
		t.Errorf("old link after Make a new link: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/profile/calendar/reset", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res := ann.do(req); res.StatusCode != http.StatusForbidden {
		t.Errorf("Make a new link from another site: %d, want 403", res.StatusCode)
	}
}
