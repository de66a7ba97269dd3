package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// wantRefused checks that res is a refusal with the status that names field
// (when field is not "") as JSON, or shows it on a page.
func wantRefused(t *testing.T, what string, res *response, status int, field string) {
	t.Helper()
	if res.StatusCode != status {
		t.Errorf("%s: status %d, want %d: %.300s", what, res.StatusCode, status, res.body)
		return
	}
	if field == "" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		return
	}
	if _, fields := res.errorBody(t); fields[field] == "" {
		t.Errorf("%s: no reason for %s: %s", what, field, res.body)
	}
}

// wantListsWork checks that the appointment lists of coach, client and
// admin answer whole JSON with n appointments each.
func wantListsWork(t *testing.T, w *world, n int) {
	t.Helper()
	for name, c := range map[string]*client{"coach": w.coach, "client": w.client, "admin": w.admin} {
		res := c.get("/api/v1/appointments")
		var list struct{ Items []any }
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s's list: %d %s", name, res.StatusCode, res.body)
		}
		if res.json(t, &list); len(list.Items) != n {
			t.Errorf("%s's list has %d appointments, want %d", name, len(list.Items), n)
		}
		if page := c.get("/appointments"); page.StatusCode != http.StatusOK {
			t.Errorf("%s's appointments page: %d", name, page.StatusCode)
		}
	}
}

// TestAppointmentTimesAreBounded books and moves appointments far ahead
// and with lengths that overflow, through the API and the forms: each is
// refused naming its field, nothing is written, and every list still works.
func TestAppointmentTimesAreBounded(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		path := fmt.Sprintf("/api/v1/appointments/%d", w.apptID)
		soon := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		book := func(start string, minutes any) map[string]any {
			return map[string]any{"client_id": w.clientID, "starts_at": start, "duration_minutes": minutes}
		}
		for _, tc := range []struct {
			name, method, path string
			body               any
			field              string
		}{
			{"YearTenThousandInUTC", "POST", "/api/v1/appointments", book("9999-12-31T23:00:00-05:00", 60), "starts_at"},
			{"EndPastYear9999", "POST", "/api/v1/appointments", book("9999-12-31T22:00:00Z", 240), "starts_at"},
			{"SixYearsAhead", "POST", "/api/v1/appointments", book(time.Now().AddDate(6, 0, 0).UTC().Format(time.RFC3339), 60), "starts_at"},
			{"MinutesThatWrapTo60", "POST", "/api/v1/appointments", book(soon, uint64(1<<53+60)), "duration_minutes"},
			{"MinutesOverInt64", "POST", "/api/v1/appointments", book(soon, 153722867280912930), "duration_minutes"},
			{"NegativeMinutes", "POST", "/api/v1/appointments", book(soon, -153722867280912930), "duration_minutes"},
			{"MoveToYear10000", "PATCH", path, map[string]any{"starts_at": "9999-12-31T23:00:00-05:00"}, "starts_at"},
			{"MinutesThatWrapOnPatch", "PATCH", path, map[string]any{"duration_minutes": uint64(1<<53 + 60)}, "duration_minutes"},
		} {
			wantRefused(t, tc.name, w.coach.api(tc.method, tc.path, tc.body), http.StatusBadRequest, tc.field)
		}
		form := url.Values{"client_id": {itoa(w.clientID)}, "starts_at": {"9999-12-31T23:00"}, "tz": {"America/New_York"}, "duration_minutes": {"60"}}
		wantRefused(t, "FormYear10000", w.coach.form("POST", "/appointments", form), http.StatusBadRequest, "")
		form.Set("starts_at", time.Now().Add(72*time.Hour).Format("2006-01-02T15:04"))
		form.Set("duration_minutes", "9007199254740052")
		wantRefused(t, "FormMinutesThatWrap", w.coach.form("POST", "/appointments", form), http.StatusBadRequest, "")
		wantRefused(t, "EditFormMinutesThatWrap", w.coach.form("POST", fmt.Sprintf("/appointments/%d", w.apptID), form), http.StatusBadRequest, "")
		wantListsWork(t, w, 1)
		var a struct {
			DurationMinutes int `json:"duration_minutes"`
		}
		if w.coach.get(path).json(t, &a); a.DurationMinutes != 60 {
			t.Errorf("the appointment now lasts %d minutes", a.DurationMinutes)
		}
	})
}

// TestFreeTextIsRefusedByName sends a NUL, a control character, a line
// break in one-line fields and a bidirectional override to every free-text
// field: each is a 400 naming the field on both databases (PostgreSQL
// answered 500 to a NUL), and nothing is written.
func TestFreeTextIsRefusedByName(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		path := fmt.Sprintf("/api/v1/appointments/%d", w.apptID)
		soon := time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339)
		book := func(field, v string) map[string]any {
			return map[string]any{"client_id": w.clientID, "starts_at": soon, "duration_minutes": 60, field: v}
		}
		type call struct {
			name   string
			c      *client
			method string
			path   string
			body   any
			field  string
		}
		for _, tc := range []call{
			{"TitleNUL", w.coach, "POST", "/api/v1/appointments", book("title", "a\x00b"), "title"},
			{"TitleNewline", w.coach, "POST", "/api/v1/appointments", book("title", "a\nb"), "title"},
			{"TitleOverride", w.coach, "POST", "/api/v1/appointments", book("title", "a\u202Eb"), "title"},
			{"NotesNUL", w.coach, "POST", "/api/v1/appointments", book("notes", "x\x00"), "notes"},
			{"NotesEscape", w.coach, "POST", "/api/v1/appointments", book("notes", "x\x1b[2J"), "notes"},
			{"PatchTitleNUL", w.coach, "PATCH", path, map[string]any{"title": "\x00"}, "title"},
			{"PatchNotesIsolate", w.coach, "PATCH", path, map[string]any{"notes": "\u2067x"}, "notes"},
			{"ReasonNUL", w.client, "DELETE", path, map[string]any{"reason": "ill\x00"}, "reason"},
			{"BioNUL", w.client, "PUT", "/api/v1/profile", map[string]any{"data": map[string]any{"bio": "\x00"}}, "bio"},
			{"GoalsOverride", w.client, "PUT", "/api/v1/profile", map[string]any{"data": map[string]any{"goals": "\u202D"}}, "goals"},
			{"OtherFieldNUL", w.client, "PUT", "/api/v1/profile", map[string]any{"data": map[string]any{"pets": []any{map[string]any{"name": "\x00"}}}}, "pets"},
			{"InviteNameOverride", w.coach, "POST", "/api/v1/clients", map[string]any{"email": "new@example.com", "name": "Eve\u202E"}, "name"},
			{"UserNameC1", w.admin, "POST", "/api/v1/users", map[string]any{"email": "new2@example.com", "name": "E\u0085ve", "role": "coach"}, "name"},
			{"SearchNUL", w.admin, "GET", "/api/v1/users?q=%00", nil, "q"},
			{"SearchNewline", w.admin, "GET", "/api/v1/users?q=a%0Ab", nil, "q"},
		} {
			wantRefused(t, tc.name, tc.c.api(tc.method, tc.path, tc.body), http.StatusBadRequest, tc.field)
		}
		for _, tc := range []struct {
			name string
			c    *client
			path string
			form url.Values
		}{
			{"FormNotesNUL", w.coach, fmt.Sprintf("/appointments/%d", w.apptID), url.Values{"title": {"t"}, "starts_at": {time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")}, "duration_minutes": {"60"}, "notes": {"\x00"}}},
			{"FormReasonNUL", w.client, fmt.Sprintf("/appointments/%d/cancel", w.apptID), url.Values{"reason": {"\x00"}}},
			{"FormBioNUL", w.client, "/profile", url.Values{"bio": {"\x00"}}},
			{"FormPersonaNUL", w.coach, "/settings/ai", url.Values{"ai_persona": {"be kind\x00"}}},
			{"FormPersonaBadUTF8", w.coach, "/settings/ai", url.Values{"ai_persona": {"be kind\xff"}}},
			{"UsersPageSearchNUL", w.admin, "/users?q=%00", nil},
		} {
			var res *response
			if tc.form == nil {
				res = tc.c.get(tc.path)
			} else {
				res = tc.c.form("POST", tc.path, tc.form)
			}
			wantRefused(t, tc.name, res, http.StatusBadRequest, "")
		}
		wantListsWork(t, w, 1)
		var a struct{ Status, Notes string }
		if w.coach.get(path).json(t, &a); a.Status != "scheduled" || a.Notes != "" {
			t.Errorf("a refused change was written: %+v", a)
		}
		ok := w.coach.api("PATCH", path, map[string]any{"notes": "line one\r\n\tline two\nline three"})
		if ok.StatusCode != http.StatusOK {
			t.Errorf("notes with line breaks and tabs: %d %s", ok.StatusCode, ok.body)
		}
	})
}

// TestStrangersAreRefusedBeforeTheirInput sends invalid bodies as people
// who may not act: each is told 404 (may not see) or 403 (may see, may not
// act), not how their input would be judged.
func TestStrangersAreRefusedBeforeTheirInput(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		api := fmt.Sprintf("/api/v1/appointments/%d", w.apptID)
		page := fmt.Sprintf("/appointments/%d", w.apptID)
		badForm := url.Values{"starts_at": {"soon"}, "duration_minutes": {"long"}}
		for _, tc := range []struct {
			name   string
			c      *client
			method string
			path   string
			body   string
			ct     string
			status int
		}{
			{"PatchMalformedByStranger", w.otherCoach, "PATCH", api, `{`, "application/json", 404},
			{"PatchWrongTypeByStranger", w.otherClient, "PATCH", api, `{"duration_minutes":"long"}`, "application/json", 404},
			{"PatchBadTimeByStranger", w.otherCoach, "PATCH", api, `{"starts_at":"soon","title":"\u0000"}`, "application/json", 404},
			{"PatchBadTimeByClient", w.client, "PATCH", api, `{"starts_at":"soon"}`, "application/json", 403},
			{"CancelMalformedByStranger", w.otherClient, "DELETE", api, `{`, "application/json", 404},
			{"CancelLongReasonByStranger", w.otherCoach, "DELETE", api, `{"reason":"` + strings.Repeat("x", 1001) + `"}`, "application/json", 404},
			{"EditFormByStranger", w.otherCoach, "POST", page, badForm.Encode(), "application/x-www-form-urlencoded", 404},
			{"EditFormByClient", w.client, "POST", page, badForm.Encode(), "application/x-www-form-urlencoded", 403},
			{"EditFormUnreadableByClient", w.client, "POST", page, "title=%zz", "application/x-www-form-urlencoded", 403},
			{"CancelFormLongReasonByStranger", w.otherClient, "POST", page + "/cancel", "reason=" + strings.Repeat("x", 1001), "application/x-www-form-urlencoded", 404},
			{"BookMalformedByClient", w.client, "POST", "/api/v1/appointments", `{`, "application/json", 403},
			{"BookFormByClient", w.client, "POST", "/appointments", badForm.Encode(), "application/x-www-form-urlencoded", 403},
			{"InviteMalformedByClient", w.client, "POST", "/api/v1/clients", `{`, "application/json", 403},
			{"InviteFormUnreadableByClient", w.client, "POST", "/clients", "email=%zz", "application/x-www-form-urlencoded", 403},
			{"CreateUserMalformedByCoach", w.coach, "POST", "/api/v1/users", `{`, "application/json", 403},
			{"UpdateUserMalformedByCoach", w.coach, "PATCH", "/api/v1/users/1", `{`, "application/json", 403},
			{"ListUsersBadRoleByCoach", w.coach, "GET", "/api/v1/users?role=king&limit=x", ``, "", 403},
			{"UserFormUnreadableByCoach", w.coach, "POST", "/users", "email=%zz", "application/x-www-form-urlencoded", 403},
			{"PersonaFormUnreadableByClient", w.client, "POST", "/settings/ai", "ai_persona=%zz", "application/x-www-form-urlencoded", 403},
		} {
			res := tc.c.raw(tc.method, tc.path, tc.ct, strings.NewReader(tc.body))
			wantRefused(t, tc.name, res, tc.status, "")
		}
		wantListsWork(t, w, 1)
	})
}

// TestListsSurviveAnUnreadableRow writes an appointment ending past the
// year 9999 straight into the database, as an older version could: the
// lists and pages of its coach, its client and the admin leave it out and
// still answer.
func TestListsSurviveAnUnreadableRow(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID,
			"starts_at": time.Now().Add(96 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 60})
		var a struct{ ID int64 }
		res.json(t, &a)
		update := e.db.Dialect.Rebind(`UPDATE appointments SET starts_at = ?, duration_minutes = 240 WHERE id = ?`)
		pool := e.db.Pools()["write"]
		if pool == nil {
			pool = e.db.Pools()["main"] // PostgreSQL's one pool
		}
		if _, err := pool.ExecContext(context.Background(), update, "9999-12-31T22:00:00.000000Z", a.ID); err != nil {
			t.Fatal(err)
		}
		wantListsWork(t, w, 1)
	})
}
