package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/web"
)

// TestBadInputIsRefusedAndWritesNothing sends broken bodies to the API and
// checks the status, the code, the field named, and that nothing was booked.
func TestBadInputIsRefusedAndWritesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		future := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		for _, tc := range []struct {
			name, body, contentType string
			status                  int
			field                   string
		}{
			{"Malformed", `{"client_id": `, "application/json", 400, ""},
			{"NotAnObject", `[1,2]`, "application/json", 400, ""},
			{"Empty", ``, "application/json", 400, ""},
			{"WrongType", fmt.Sprintf(`{"client_id":"%d","starts_at":%q,"duration_minutes":60}`, w.clientID, future), "application/json", 400, "client_id"},
			{"UnknownField", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":60,"room_id":"mine"}`, w.clientID, future), "application/json", 400, "room_id"},
			{"TrailingData", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":60} {}`, w.clientID, future), "application/json", 400, ""},
			{"BadTime", fmt.Sprintf(`{"client_id":%d,"starts_at":"next tuesday","duration_minutes":60}`, w.clientID), "application/json", 400, "starts_at"},
			{"PastTime", fmt.Sprintf(`{"client_id":%d,"starts_at":"2001-01-01T10:00:00Z","duration_minutes":60}`, w.clientID), "application/json", 400, "starts_at"},
			{"TooShort", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":10}`, w.clientID, future), "application/json", 400, "duration_minutes"},
			{"TooLong", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":241}`, w.clientID, future), "application/json", 400, "duration_minutes"},
			{"UnknownClient", fmt.Sprintf(`{"client_id":99999,"starts_at":%q,"duration_minutes":60}`, future), "application/json", 400, "client_id"},
			{"BadCallMode", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":60,"call_mode":"mesh"}`, w.clientID, future), "application/json", 400, "call_mode"},
			{"CallModeWrongType", fmt.Sprintf(`{"client_id":%d,"starts_at":%q,"duration_minutes":60,"call_mode":2}`, w.clientID, future), "application/json", 400, "call_mode"},
			{"NotJSON", `client_id=1`, "application/x-www-form-urlencoded", 400, ""},
			{"TooBig", `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, "application/json", 400, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := w.coach.raw("POST", "/api/v1/appointments", tc.contentType, strings.NewReader(tc.body))
				if res.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, res.body)
				}
				code, fields := res.errorBody(t)
				if code != "invalid" {
					t.Errorf("code %q, want invalid", code)
				}
				if tc.field != "" && fields[tc.field] == "" {
					t.Errorf("no message for field %s: %s", tc.field, res.body)
				}
				if strings.Contains(string(res.body), "goroutine") || strings.Contains(string(res.body), ".go:") {
					t.Errorf("internals leaked: %s", res.body)
				}
			})
		}
		var list struct{ Items []any }
		w.coach.get("/api/v1/appointments").json(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("refused bookings wrote something: %d appointments", len(list.Items))
		}
	})
}

func TestUnknownIDsAndRoutes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for _, path := range []string{"/api/v1/appointments/99999", "/api/v1/appointments/abc", "/api/v1/appointments/-1", "/api/v1/nothing"} {
			res := w.coach.get(path)
			if code, _ := res.errorBody(t); res.StatusCode != 404 || code != "not_found" {
				t.Errorf("GET %s: %d %s", path, res.StatusCode, res.body)
			}
		}
		if res := w.coach.get("/no/such/page"); res.StatusCode != 404 || !strings.Contains(string(res.body), "<h1>Not Found</h1>") {
			t.Errorf("missing page: %d", res.StatusCode)
		}
		if res := w.coach.api("PATCH", fmt.Sprintf("/api/v1/appointments/%d", w.apptID), map[string]any{"duration_minutes": "long"}); res.StatusCode != 400 {
			t.Errorf("patch with wrong type: %d", res.StatusCode)
		}
		if res := w.coach.get("/api/v1/appointments?from=yesterday"); res.StatusCode != 400 {
			t.Errorf("bad from: %d", res.StatusCode)
		}
		if res := w.coach.get("/api/v1/appointments?limit=-3"); res.StatusCode != 400 {
			t.Errorf("bad limit: %d", res.StatusCode)
		}
	})
}

// TestFormErrorsKeepWhatWasTyped posts a bad booking form and checks that
// the page comes back with the error and the text the coach typed.
func TestFormErrorsKeepWhatWasTyped(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	res := w.coach.form("POST", "/appointments", map[string][]string{"client_id": {fmt.Sprint(w.clientID)},
		"title": {"Deep <dive>"}, "starts_at": {"2001-01-01T10:00"}, "duration_minutes": {"60"}, "tz": {"Europe/Berlin"}, "notes": {"bring goals"}})
	body := string(res.body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "must be in the future") ||
		!strings.Contains(body, "Please correct the highlighted fields.") ||
		!strings.Contains(body, `value="Deep &lt;dive&gt;"`) || !strings.Contains(body, "bring goals") {
		t.Fatalf("form error page: %d\n%s", res.StatusCode, body)
	}
	res = w.coach.form("POST", "/appointments", map[string][]string{"client_id": {fmt.Sprint(w.clientID)},
		"title": {"Berlin time"}, "starts_at": {time.Now().Add(96*time.Hour).Format("2006-01-02") + "T10:00"}, "duration_minutes": {"30"}, "tz": {"Europe/Berlin"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("good form: %d %s", res.StatusCode, res.body)
	}
	var a struct {
		StartsAt time.Time `json:"starts_at"`
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	w.coach.get("/api/v1"+loc.Path).json(t, &a)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if h := a.StartsAt.In(berlin).Hour(); h != 10 {
		t.Errorf("10:00 in Berlin stored as %v (%d o'clock there)", a.StartsAt, h)
	}
}

// TestFormTimeInBrowserZone: with no zone in the form or the profile, a
// typed time is read in the browser's zone, which app.js keeps in a cookie.
func TestFormTimeInBrowserZone(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	u, _ := url.Parse(e.srv.URL)
	w.coach.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "rapport_tz", Value: "Asia%2FTokyo"}})
	day := time.Now().Add(120 * time.Hour).Format("2006-01-02")
	res := w.coach.form("POST", "/appointments", map[string][]string{"client_id": {fmt.Sprint(w.clientID)},
		"starts_at": {day + "T10:00"}, "duration_minutes": {"30"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("form: %d %s", res.StatusCode, res.body)
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	var a struct {
		StartsAt time.Time `json:"starts_at"`
	}
	w.coach.get("/api/v1"+loc.Path).json(t, &a)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	if got := a.StartsAt.In(tokyo).Format("2006-01-02 15:04"); got != day+" 10:00" {
		t.Fatalf("10:00 in Tokyo stored as %v (%s there)", a.StartsAt, got)
	}
}

// TestErrorPagesSpeakInSentences: a 404 page reads as a sentence, and a
// refused role change names the field in words.
func TestErrorPagesSpeakInSentences(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	if body := string(w.otherClient.get(fmt.Sprintf("/appointments/%d", w.apptID)).body); !strings.Contains(body, "Appointment not found.") {
		t.Fatalf("404 page: %s", body)
	}
	var me struct{ ID int64 }
	w.admin.get("/api/v1/me").json(t, &me)
	res := w.admin.form("POST", fmt.Sprintf("/users/%d", me.ID), map[string][]string{"role": {"client"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), "Role: you cannot change your own role.") {
		t.Fatalf("own role change: %d %s", res.StatusCode, res.body)
	}
}

func TestLinkify(t *testing.T) {
	for in, want := range map[string]string{
		"see https://example.com/a?b=1&c=2.":  `see <a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow" target="_blank">https://example.com/a?b=1&amp;c=2</a>.`,
		"<b>bold</b> & javascript:alert(1)":   `&lt;b&gt;bold&lt;/b&gt; &amp; javascript:alert(1)`,
		`(http://x.io/"onmouseover=alert(1))`: `(<a href="http://x.io/" rel="noopener noreferrer nofollow" target="_blank">http://x.io/</a>&#34;onmouseover=alert(1))`,
		"plain text":                          "plain text",
	} {
		if got := string(web.Linkify(in)); got != want {
			t.Errorf("%q:\n got %s\nwant %s", in, got, want)
		}
	}
}
