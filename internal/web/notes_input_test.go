package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestTheNotesAPI: a note written, read (its Markdown and the same as
// safe HTML), listed, changed and deleted; templates likewise, the two
// built-in ones first.
func TestTheNotesAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		res := w.coach.api("POST", fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID),
			map[string]any{"appointment_id": w.apptID, "body": "## Goal\n**Sleep** <b>more</b><iframe src=https://evil.example></iframe>", "ai_may_read": true})
		var n struct {
			ID            int64
			CoachID       int64 `json:"coach_id"`
			ClientID      int64 `json:"client_id"`
			AppointmentID int64 `json:"appointment_id"`
			Session       *struct{ Title string }
			Body, HTML    string
			AIMayRead     bool `json:"ai_may_read"`
		}
		res.json(t, &n)
		if res.StatusCode != http.StatusCreated || res.Header.Get("Location") != fmt.Sprintf("/api/v1/notes/%d", n.ID) ||
			n.CoachID != w.coachID || n.ClientID != w.clientID || n.AppointmentID != w.apptID || n.Session == nil || n.Session.Title != "Kickoff" || !n.AIMayRead {
			t.Fatalf("written: %d %s", res.StatusCode, res.body)
		}
		if !strings.Contains(n.HTML, "<h2>Goal</h2>") || !strings.Contains(n.HTML, "<strong>Sleep</strong>") || strings.Contains(n.HTML, "<iframe") || strings.Contains(n.HTML, "<b>") {
			t.Errorf("the note's HTML: %s", n.HTML)
		}
		res = w.coach.api("PATCH", fmt.Sprintf("/api/v1/notes/%d", n.ID), map[string]any{"body": "changed"})
		res.json(t, &n)
		if res.StatusCode != http.StatusOK || n.Body != "changed" || !n.AIMayRead {
			t.Errorf("patched: %d %s", res.StatusCode, res.body)
		}
		var list struct{ Items []struct{ ID int64 } }
		w.coach.get(fmt.Sprintf("/api/v1/appointments/%d/notes", w.apptID)).json(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != n.ID {
			t.Errorf("the session's notes: %+v", list)
		}
		if res := w.coach.api("DELETE", fmt.Sprintf("/api/v1/notes/%d", n.ID), nil); res.StatusCode != http.StatusNoContent {
			t.Errorf("delete: %d", res.StatusCode)
		}
		if res := w.coach.get(fmt.Sprintf("/api/v1/notes/%d", n.ID)); res.StatusCode != http.StatusNotFound {
			t.Errorf("a deleted note: %d", res.StatusCode)
		}

		tplID := w.mustTemplate(t, "Weekly")
		var tpls struct {
			Items []struct {
				Key, Name, Body string
				ID              int64
				BuiltIn         bool `json:"built_in"`
			}
		}
		w.coach.get("/api/v1/note-templates").json(t, &tpls)
		if len(tpls.Items) != 3 || tpls.Items[0].Key != "free" || !tpls.Items[1].BuiltIn || tpls.Items[1].Key != "grow" ||
			!strings.Contains(tpls.Items[1].Body, "## Way forward") || tpls.Items[2].ID != tplID || tpls.Items[2].Key != itoa(tplID) {
			t.Errorf("templates: %+v", tpls)
		}
		if res := w.coach.api("POST", "/api/v1/note-templates", map[string]any{"name": "Weekly", "body": "x"}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("a name twice: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestBadNotesThroughTheAPI: each is refused naming the field, and
// nothing is stored.
func TestBadNotesThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		notes := fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID)
		var other struct{ ID int64 }
		otherClientID := e.inviteAndAccept(w.otherCoach, w.otherClient, "client2@example.com")
		w.otherCoach.api("POST", "/api/v1/appointments", map[string]any{"client_id": otherClientID,
			"starts_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 30}).json(t, &other)
		for _, tc := range []struct {
			name  string
			body  any
			field string
		}{
			{"EmptyObject", map[string]any{}, "body"},
			{"Blank", map[string]any{"body": "  \n "}, "body"},
			{"TooLong", map[string]any{"body": strings.Repeat("x", 100<<10+1)}, "body"},
			{"Script", map[string]any{"body": "hi <script>alert(1)</script>"}, "body"},
			{"JavascriptLink", map[string]any{"body": "[x](javascript:alert(1))"}, "body"},
			{"OnAttribute", map[string]any{"body": `<img src=x onerror=alert(1)>`}, "body"},
			{"AnotherCoachsSession", map[string]any{"body": "ok", "appointment_id": other.ID}, "appointment_id"},
			{"WrongType", map[string]any{"body": 7}, "body"},
			{"UnknownField", map[string]any{"body": "ok", "title": "x"}, "title"},
		} {
			res := w.coach.api("POST", notes, tc.body)
			code, fields := res.errorBody(t)
			if res.StatusCode != http.StatusBadRequest || code != "invalid" || fields[tc.field] == "" {
				t.Errorf("%s: %d %s, want 400 naming %s", tc.name, res.StatusCode, res.body, tc.field)
			}
		}
		var list struct{ Items []any }
		w.coach.get(notes).json(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("refused notes were stored: %+v", list.Items)
		}
		res := w.coach.raw("POST", notes, "application/json", strings.NewReader(""))
		if code, _ := res.errorBody(t); res.StatusCode != http.StatusBadRequest || code != "invalid" {
			t.Errorf("an empty request body: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestARefusedNoteComesBackWithWhatWasTyped: the form shows the page it
// came from again, with the text typed, the box ticked, and the reason
// beside the editor; nothing is stored.
func TestARefusedNoteComesBackWithWhatWasTyped(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	appt := fmt.Sprintf("/appointments/%d", w.apptID)
	typed := "Long thoughts <script>alert(1)</script> to keep"
	res := w.coach.form("POST", fmt.Sprintf("/clients/%d/notes", w.clientID), url.Values{
		"body": {typed}, "ai_may_read": {"on"}, "appointment_id": {itoa(w.apptID)}, "back": {appt}})
	page := string(res.body)
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, html.EscapeString(typed)) ||
		!strings.Contains(page, "must not contain a script") || !strings.Contains(page, "checked data-ai-may-read-box") ||
		!strings.Contains(page, "<h1>Kickoff</h1>") {
		t.Fatalf("the refused form: %d\n%s", res.StatusCode, page)
	}
	if strings.Contains(page, "<script>alert(1)") {
		t.Fatal("the refused note's script is live on the page")
	}
	res = w.coach.form("POST", fmt.Sprintf("/clients/%d/notes", w.clientID), url.Values{"body": {""}, "back": {"/clients/" + itoa(w.clientID)}})
	if page := string(res.body); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "is required") || !strings.Contains(page, "<h2>Sessions</h2>") {
		t.Errorf("an empty note from the client's page: %d", res.StatusCode)
	}
	var list struct{ Items []any }
	w.coach.get(fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID)).json(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("refused notes were stored: %+v", list.Items)
	}
	res = w.coach.form("POST", fmt.Sprintf("/clients/%d/notes", w.clientID), url.Values{"body": {"fine"}, "back": {"https://evil.example/"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/clients?flash=notesaved") {
		t.Errorf("a note saved with a foreign back: %d to %q, want the clients' list", res.StatusCode, loc)
	}
}

// TestTemplatesFillTheEditor: choosing the GROW template, or the coach's
// own, fills the editor; the page carries every template's text for the
// script to fill it without a reload.
func TestTemplatesFillTheEditor(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	tplID := w.mustTemplate(t, "Weekly")
	appt := fmt.Sprintf("/appointments/%d", w.apptID)
	for _, tc := range []struct{ key, want string }{{"grow", "## Goal\nWhat does the client want"}, {itoa(tplID), "## Weekly"}} {
		page := string(w.coach.get(appt + "?template=" + tc.key).body)
		editor := page[strings.Index(page, `id="note-body"`):]
		editor = editor[:strings.Index(editor, "</textarea>")]
		if !strings.Contains(editor, html.EscapeString(tc.want)) {
			t.Errorf("template %s: the editor holds %q", tc.key, editor)
		}
		if !strings.Contains(page, fmt.Sprintf(`<option value="%s" selected>`, tc.key)) {
			t.Errorf("template %s is not the one chosen", tc.key)
		}
	}
	page := string(w.coach.get(appt).body)
	for _, key := range []string{"free", "grow", itoa(tplID)} {
		if !strings.Contains(page, fmt.Sprintf(`data-template-body="%s"`, key)) {
			t.Errorf("the page lacks the text of template %s", key)
		}
	}
	if page := string(w.otherCoach.get("/note-templates").body); strings.Contains(page, "## Weekly") || !strings.Contains(page, "GROW") {
		t.Error("another coach's templates page shows the coach's template, or lacks GROW")
	}
	res := w.coach.form("POST", "/note-templates", url.Values{"name": {"Weekly"}, "body": {"again"}})
	if page := string(res.body); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "is the name of another of your templates") || !strings.Contains(page, ">again</textarea>") {
		t.Errorf("a template's name twice: %d", res.StatusCode)
	}
}

// TestEditingANoteOnItsPage: the editor shows the note; a saved edit
// returns to the note's session; a refused one comes back with what was
// typed and leaves the note as it was.
func TestEditingANoteOnItsPage(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	id := w.mustNote(t, "first words", w.apptID)
	edit := fmt.Sprintf("/notes/%d/edit", id)
	if page := string(w.coach.get(edit).body); !strings.Contains(page, ">first words</textarea>") || !strings.Contains(page, "Kickoff") {
		t.Fatalf("the editor:\n%s", page)
	}
	res := w.coach.form("POST", fmt.Sprintf("/notes/%d", id), url.Values{"body": {"second words"}, "ai_may_read": {"on"}})
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther || loc != fmt.Sprintf("/appointments/%d?flash=notesaved#private-notes", w.apptID) {
		t.Fatalf("saved: %d to %q", res.StatusCode, loc)
	}
	res = w.coach.form("POST", fmt.Sprintf("/notes/%d", id), url.Values{"body": {"third <script>x</script>"}})
	if page := string(res.body); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, html.EscapeString("third <script>x</script>")) || !strings.Contains(page, "must not contain a script") {
		t.Fatalf("refused: %d\n%s", res.StatusCode, page)
	}
	var n struct {
		Body      string
		AIMayRead bool `json:"ai_may_read"`
	}
	w.coach.get(fmt.Sprintf("/api/v1/notes/%d", id)).json(t, &n)
	if n.Body != "second words" || !n.AIMayRead {
		t.Errorf("the note is now %+v", n)
	}
}
