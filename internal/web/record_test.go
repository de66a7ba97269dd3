package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/audit"
	"rapport/internal/coaching"
)

// mustGoal has the world's coach set a goal with the client; it returns
// its ID.
func (w *world) mustGoal(t *testing.T, title string) int64 {
	t.Helper()
	res := w.coach.api("POST", fmt.Sprintf("/api/v1/clients/%d/goals", w.clientID), map[string]any{"title": title, "progress": 10})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("set a goal: %d %s", res.StatusCode, res.body)
	}
	var g struct{ ID int64 }
	res.json(t, &g)
	return g.ID
}

// The texts of these tests that only the coach may read.
const (
	unsharedSummary = "UNSHARED-4c1d: the client seems exhausted"
	sharedSummary   = "Shared summary: a plan to sleep earlier"
)

// mustRecordStory gives the world's appointment shared notes, a call, an
// unshared summary, a private note (secret), a second appointment with a
// shared summary, and a message.
func (w *world) mustRecordStory(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	if res := w.coach.api("PATCH", fmt.Sprintf("/api/v1/appointments/%d", w.apptID), map[string]any{"notes": "Bring your sleep diary."}); res.StatusCode != http.StatusOK {
		t.Fatalf("notes: %d %s", res.StatusCode, res.body)
	}
	cs, err := e.db.OpenCallSession(ctx, w.apptID, time.Now())
	if err == nil {
		err = e.db.AddTranscriptLine(ctx, &coaching.TranscriptLine{SessionID: cs.ID, SpeakerID: w.clientID, Body: "I sleep badly", CreatedAt: time.Now()})
	}
	if err == nil {
		err = e.db.PutSummary(ctx, &coaching.Summary{AppointmentID: w.apptID, Body: unsharedSummary, WrittenAt: time.Now()})
	}
	if err != nil {
		t.Fatal(err)
	}
	w.mustNote(t, secret, w.apptID)
	var second struct{ ID int64 }
	w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID, "title": "Follow-up",
		"starts_at": time.Now().Add(96 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 30}).json(t, &second)
	if err := e.db.PutSummary(ctx, &coaching.Summary{AppointmentID: second.ID, Body: sharedSummary, WrittenAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.db.ShareSummary(ctx, second.ID, true); err != nil {
		t.Fatal(err)
	}
	w.conversation(t)
}

// TestRecordClientViewHidesThePrivateParts: the coach's record (page and
// API) holds the private note and the unshared summary, marked private;
// the client's own view, by every way in, holds neither, not even when
// searched for, and holds the shared parts.
func TestRecordClientViewHidesThePrivateParts(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		w.mustRecordStory(t, e)
		coachPage := w.coach.get(fmt.Sprintf("/clients/%d/record", w.clientID))
		for _, want := range []string{secret, unsharedSummary, sharedSummary, "Bring your sleep diary.", "I sleep badly", "the plan", "Private note · only you", "Not shared · only you"} {
			if coachPage.StatusCode != http.StatusOK || !strings.Contains(string(coachPage.body), want) {
				t.Errorf("the coach's record page lacks %q (%d)", want, coachPage.StatusCode)
			}
		}
		coachAPI := w.coach.get(fmt.Sprintf("/api/v1/clients/%d/record", w.clientID))
		if !strings.Contains(string(coachAPI.body), secret) || !strings.Contains(string(coachAPI.body), unsharedSummary) {
			t.Errorf("the coach's record API lacks the private parts: %s", coachAPI.body)
		}
		for _, path := range []string{"/record", "/record?q=exhausted", "/record?q=leaving", "/api/v1/record", "/api/v1/record?q=exhausted",
			fmt.Sprintf("/api/v1/clients/%d/record", w.clientID), fmt.Sprintf("/api/v1/clients/%d/record?q=SECRET", w.clientID)} {
			res := w.client.get(path)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s as the client: %d %s", path, res.StatusCode, res.body)
			}
			// The searches are echoed back; these longer texts are not.
			for _, hidden := range []string{"SECRET-7e2f", "leaving her job", "UNSHARED-4c1d", "seems exhausted", "Private note"} {
				if strings.Contains(string(res.body), hidden) {
					t.Errorf("%s shows the client %q", path, hidden)
				}
			}
		}
		own := string(w.client.get("/record").body)
		for _, want := range []string{sharedSummary, "Bring your sleep diary.", "I sleep badly", "the plan"} {
			if !strings.Contains(own, want) {
				t.Errorf("the client's record lacks %q", want)
			}
		}
		var api struct {
			View    string
			Entries []struct {
				Kind        string
				PrivateNote any `json:"private_note"`
				Session     *struct{ Summary *struct{ Body string } }
			}
		}
		w.client.get("/api/v1/record").json(t, &api)
		if api.View != "client" || len(api.Entries) == 0 {
			t.Fatalf("the client's API record: %+v", api)
		}
		for _, en := range api.Entries {
			if en.Kind == "private_note" || en.PrivateNote != nil || (en.Session != nil && en.Session.Summary != nil && en.Session.Summary.Body != sharedSummary) {
				t.Errorf("the client's API record holds a private part: %+v", en)
			}
		}
	})
}

// TestRecordOpeningsAreAudited: the coach's opening (page or API) is
// recorded with the client as subject and no content, and so is the read
// of the private notes; the client's own opening is not.
func TestRecordOpeningsAreAudited(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	w.mustRecordStory(t, e)
	e.audit.Taken()
	w.client.get("/record")
	w.client.get("/api/v1/record")
	if got := e.audit.Taken(); len(got) != 0 {
		t.Fatalf("the client's own openings were recorded: %+v", got)
	}
	for _, path := range []string{fmt.Sprintf("/clients/%d/record?q=sleep", w.clientID), fmt.Sprintf("/api/v1/clients/%d/record", w.clientID)} {
		if res := w.coach.get(path); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", path, res.StatusCode)
		}
		opened, notesRead := 0, 0
		for _, en := range e.audit.Taken() {
			if en.SubjectID != w.clientID || en.ActorID != w.coachID || strings.Contains(en.Detail, "SECRET") || strings.Contains(en.Detail, "sleep") {
				t.Errorf("%s recorded %+v", path, en)
			}
			switch en.Action {
			case audit.RecordOpened:
				opened++
			case audit.PrivateNotesRead:
				notesRead++
			}
		}
		if opened != 1 || notesRead != 1 {
			t.Errorf("%s: %d openings and %d reads of notes recorded, want 1 and 1", path, opened, notesRead)
		}
	}
}

// TestRecordPageSearch: the search box filters the timeline and marks what
// it found, escaped.
func TestRecordPageSearch(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	w.mustRecordStory(t, e)
	page := string(w.coach.get(fmt.Sprintf("/clients/%d/record?q=DIARY", w.clientID)).body)
	if !strings.Contains(page, `value="DIARY"`) || !strings.Contains(page, "sleep <mark>diary</mark>") || strings.Contains(page, sharedSummary) ||
		!strings.Contains(page, `data-record-matches="1"`) {
		t.Fatalf("the search for DIARY:\n%s", page)
	}
	page = string(w.coach.get(fmt.Sprintf("/clients/%d/record?q=%s", w.clientID, url.QueryEscape("<b>"))).body)
	if strings.Contains(page, "<b>") || !strings.Contains(page, `data-record-matches="0"`) {
		t.Fatalf("the search for <b> was not escaped, or found something")
	}
	if res := w.coach.get(fmt.Sprintf("/clients/%d/record?q=%s", w.clientID, strings.Repeat("x", 201))); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("a long search: %d", res.StatusCode)
	}
}

// TestGoalForms: a goal set, moved and deleted on the page, by the coach
// and the client; a refused one comes back with what was typed and each
// field's reason.
func TestGoalForms(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	path := fmt.Sprintf("/clients/%d/goals", w.clientID)
	res := w.coach.form("POST", path, url.Values{"title": {""}, "progress": {"lots"}, "note": {"kept note"}})
	page := string(res.body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "is required") || !strings.Contains(page, "must be a whole number from 0 to 100") ||
		!strings.Contains(page, "kept note") || !strings.Contains(page, `value="lots"`) {
		t.Fatalf("a refused goal: %d\n%s", res.StatusCode, page)
	}
	res = w.client.form("POST", path, url.Values{"title": {"Walk daily"}, "progress": {"30"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/record?flash=goalsaved#goals" {
		t.Fatalf("the client's goal: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var goals struct{ Items []struct{ ID int64 } }
	w.coach.get(fmt.Sprintf("/api/v1/clients/%d/goals", w.clientID)).json(t, &goals)
	if len(goals.Items) != 1 {
		t.Fatalf("goals: %+v", goals)
	}
	id := goals.Items[0].ID
	res = w.coach.form("POST", fmt.Sprintf("/goals/%d", id), url.Values{"title": {"Walk daily"}, "progress": {"100"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != fmt.Sprintf("/clients/%d/record?flash=goalsaved#goals", w.clientID) {
		t.Fatalf("the coach's change: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	own := string(w.client.get("/record").body)
	if !strings.Contains(own, "data-achieved") || !strings.Contains(own, "Walk daily") {
		t.Fatalf("the achieved goal is not shown so")
	}
	res = w.client.form("POST", fmt.Sprintf("/goals/%d", id), url.Values{"title": {"Walk daily"}, "progress": {"101"}})
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(res.body), `value="101"`) {
		t.Fatalf("a refused change: %d", res.StatusCode)
	}
	if res = w.client.form("POST", fmt.Sprintf("/goals/%d/delete", id), nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("delete: %d", res.StatusCode)
	}
	if strings.Contains(string(w.client.get("/record").body), "Walk daily") {
		t.Fatal("the deleted goal is still shown")
	}
}

// TestGoalDeleteMatrix deletes a fresh goal as each actor.
func TestGoalDeleteMatrix(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for _, tc := range []struct {
			name         string
			c            *client
			api, form    int
			goneAfterAPI bool
		}{{"otherCoach", w.otherCoach, 404, 404, false}, {"otherClient", w.otherClient, 404, 404, false}, {"admin", w.admin, 404, 404, false},
			{"anon", w.anon, 401, 401, false}, {"coach", w.coach, 204, 303, true}, {"client", w.client, 204, 303, true}} {
			id := w.mustGoal(t, "Delete me")
			if got := tc.c.api("DELETE", fmt.Sprintf("/api/v1/goals/%d", id), nil); got.StatusCode != tc.api {
				t.Errorf("API delete as %s: %d, want %d", tc.name, got.StatusCode, tc.api)
			}
			id = w.mustGoal(t, "Delete me too")
			if got := tc.c.form("POST", fmt.Sprintf("/goals/%d/delete", id), nil); got.StatusCode != tc.form {
				t.Errorf("form delete as %s: %d, want %d", tc.name, got.StatusCode, tc.form)
			}
			if gone := w.coach.get(fmt.Sprintf("/api/v1/goals/%d", id)).StatusCode == http.StatusNotFound; gone != tc.goneAfterAPI {
				t.Errorf("after %s's delete, gone: %v", tc.name, gone)
			}
		}
	})
}

// TestRecordLinks: the client page and the clients list link the coach to
// the record, and the client's navigation links to their own.
func TestRecordLinks(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	record := fmt.Sprintf(`href="/clients/%d/record"`, w.clientID)
	for _, path := range []string{"/clients", fmt.Sprintf("/clients/%d", w.clientID)} {
		if !strings.Contains(string(w.coach.get(path).body), record) {
			t.Errorf("%s does not link to the record", path)
		}
	}
	if page := string(w.admin.get(fmt.Sprintf("/clients/%d", w.clientID)).body); strings.Contains(page, record) {
		t.Error("the admin is linked to a record they may not open")
	}
	if !strings.Contains(string(w.client.get("/dashboard").body), `href="/record"`) {
		t.Error("the client's navigation does not link to their record")
	}
	if res := w.client.get(fmt.Sprintf("/clients/%d/record?q=a%%20b", w.clientID)); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/record?q=a+b" {
		t.Errorf("the client at the coach's address: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
