package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/audit"
)

// mustNote has the world's coach write a note about their client (of the
// session apptID, or 0: of the client) through the API; it returns its ID.
func (w *world) mustNote(t *testing.T, body string, apptID int64) int64 {
	t.Helper()
	res := w.coach.api("POST", fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID), map[string]any{"body": body, "appointment_id": apptID})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("write a note: %d %s", res.StatusCode, res.body)
	}
	var n struct{ ID int64 }
	res.json(t, &n)
	return n.ID
}

// mustTemplate has the world's coach keep a template; it returns its ID.
func (w *world) mustTemplate(t *testing.T, name string) int64 {
	t.Helper()
	res := w.coach.api("POST", "/api/v1/note-templates", map[string]any{"name": name, "body": "## " + name})
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("keep a template: %d %s", res.StatusCode, res.body)
	}
	var tpl struct{ ID int64 }
	res.json(t, &tpl)
	return tpl.ID
}

// secret is in the notes of these tests, and must be nowhere the coach
// alone does not look.
const secret = "SECRET-7e2f: thinks about leaving her job"

// TestPrivateNotesAreInvisibleToEveryoneButTheCoach: a note of the session
// and one of the client show on the coach's pages; the client's pages and
// API answers, another coach's, and an admin's (by default) show no trace
// of them, not even the panel.
func TestPrivateNotesAreInvisibleToEveryoneButTheCoach(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		w.coach.api("PATCH", fmt.Sprintf("/api/v1/appointments/%d", w.apptID), map[string]any{"notes": "Bring your sleep diary."})
		w.mustNote(t, secret+" (session)", w.apptID)
		w.mustNote(t, "**"+secret+"** (client)", 0)
		apptPage, clientPage := fmt.Sprintf("/appointments/%d", w.apptID), fmt.Sprintf("/clients/%d", w.clientID)

		page := string(w.coach.get(apptPage).body)
		for _, want := range []string{"data-private-notes", "Only you can read these", secret + " (session)", "Shared with the client", `name="ai_may_read"`} {
			if !strings.Contains(page, want) {
				t.Errorf("the coach's appointment page lacks %q", want)
			}
		}
		if strings.Contains(page, "(client)") {
			t.Error("the session's page shows the note of the client in general")
		}
		if page := string(w.coach.get(clientPage).body); !strings.Contains(page, "<strong>"+secret+"</strong> (client)") ||
			strings.Index(page, "(client)") > strings.Index(page, "(session)") {
			t.Errorf("the coach's client page lacks the notes, rendered, newest first")
		}
		for _, viewer := range []struct {
			name string
			c    *client
		}{{"client", w.client}, {"admin", w.admin}, {"other coach", w.otherCoach}, {"other client", w.otherClient}} {
			for _, path := range []string{apptPage, clientPage, "/api/v1/appointments", "/api/v1/appointments/" + itoa(w.apptID), "/dashboard", "/appointments"} {
				body := string(viewer.c.get(path).body)
				if strings.Contains(body, "SECRET-7e2f") || strings.Contains(body, "data-private-notes") || strings.Contains(body, "Private notes") {
					t.Errorf("%s sees the private notes at %s", viewer.name, path)
				}
			}
		}
		if page := string(w.client.get(apptPage).body); !strings.Contains(page, "Shared with you by your coach") || !strings.Contains(page, "Bring your sleep diary.") {
			t.Error("the client's appointment page does not show the shared notes as shared")
		}
	})
}

// TestEveryReadOfPrivateNotesIsRecorded: the coach's pages and the API
// record who read whose notes, without their text; a refused read, or a
// page without the notes, records nothing.
func TestEveryReadOfPrivateNotesIsRecorded(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	noteID := w.mustNote(t, secret, w.apptID)
	e.audit.Taken()
	for _, tc := range []struct {
		path   string
		detail string
	}{
		{fmt.Sprintf("/appointments/%d", w.apptID), fmt.Sprintf("notes of appointment %d: 1", w.apptID)},
		{fmt.Sprintf("/clients/%d", w.clientID), fmt.Sprintf("notes of client %d: 1", w.clientID)},
		{fmt.Sprintf("/api/v1/notes/%d", noteID), fmt.Sprintf("note %d", noteID)},
		{fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID), fmt.Sprintf("notes of client %d: 1", w.clientID)},
		{fmt.Sprintf("/api/v1/appointments/%d/notes", w.apptID), fmt.Sprintf("notes of appointment %d: 1", w.apptID)},
		{fmt.Sprintf("/notes/%d/edit", noteID), fmt.Sprintf("note %d", noteID)},
	} {
		if res := w.coach.get(tc.path); res.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d", tc.path, res.StatusCode)
		}
		got := e.audit.Taken()
		if len(got) != 1 || got[0].Action != audit.PrivateNotesRead || got[0].ActorID != w.coachID || got[0].SubjectID != w.clientID || got[0].Detail != tc.detail {
			t.Errorf("%s recorded %+v, want the coach reading %q", tc.path, got, tc.detail)
		}
	}
	for _, c := range []*client{w.client, w.admin, w.otherCoach} {
		c.get(fmt.Sprintf("/appointments/%d", w.apptID))
		c.get(fmt.Sprintf("/api/v1/notes/%d", noteID))
	}
	if got := e.audit.Taken(); len(got) != 0 {
		t.Errorf("refused reads were recorded: %+v", got)
	}
}

// TestPrivateNotesWhenAdminsRead: with PRIVATE_NOTES_ADMINS=true an admin
// reads every coach's notes, with who wrote them, and changes none; the
// client and other coaches still see nothing.
func TestPrivateNotesWhenAdminsRead(t *testing.T) {
	e := newEnvWith(t, "sqlite", mustConfig(t, map[string]string{"PRIVATE_NOTES_ADMINS": "true"}), nil)
	w := e.world()
	noteID := w.mustNote(t, secret, w.apptID)
	note := fmt.Sprintf("/api/v1/notes/%d", noteID)
	for _, tc := range []struct {
		name, method, path string
		body               any
		want               [6]int // coach, otherCoach, client, otherClient, admin, anon
	}{
		{"ClientNotes", "GET", fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID), nil, [6]int{200, 404, 404, 404, 200, 401}},
		{"SessionNotes", "GET", fmt.Sprintf("/api/v1/appointments/%d/notes", w.apptID), nil, [6]int{200, 404, 404, 404, 200, 401}},
		{"GetNote", "GET", note, nil, [6]int{200, 404, 404, 404, 200, 401}},
		{"WriteNote", "POST", fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID), map[string]any{"body": "x"}, [6]int{201, 404, 404, 404, 403, 401}},
		{"PatchNote", "PATCH", note, map[string]any{"body": "y"}, [6]int{200, 404, 404, 404, 403, 401}},
		{"PatchNoteBadBody", "PATCH", note, map[string]any{"nope": 1}, [6]int{400, 404, 404, 404, 403, 401}},
		{"DeleteNote", "DELETE", note, nil, [6]int{0, 404, 404, 404, 403, 401}}, // the coach's last
		{"EditPage", "GET", fmt.Sprintf("/notes/%d/edit", noteID), nil, [6]int{200, 404, 404, 404, 403, 303}},
	} {
		for i, c := range []*client{w.coach, w.otherCoach, w.client, w.otherClient, w.admin, w.anon} {
			if tc.want[i] == 0 {
				continue
			}
			var res *response
			if tc.method == "GET" {
				res = c.get(tc.path)
			} else {
				res = c.api(tc.method, tc.path, tc.body)
			}
			if res.StatusCode != tc.want[i] {
				t.Errorf("%s as actor %d: %d, want %d (%s)", tc.name, i, res.StatusCode, tc.want[i], res.body)
			}
		}
	}
	page := string(w.admin.get(fmt.Sprintf("/clients/%d", w.clientID)).body)
	if !strings.Contains(page, "data-private-notes") || !strings.Contains(page, "by Name coach@example.com") || strings.Contains(page, `name="body"`) {
		t.Error("the admin's client page lacks the notes with their coach, or offers to write one")
	}
	if page := string(w.client.get(fmt.Sprintf("/clients/%d", w.clientID)).body); strings.Contains(page, "data-private-notes") {
		t.Error("the client sees the notes panel when admins may read notes")
	}
	e.audit.Taken()
	w.admin.get(fmt.Sprintf("/appointments/%d", w.apptID))
	if got := e.audit.Taken(); len(got) != 1 || got[0].ActorID != w.admin.id() || got[0].Action != audit.PrivateNotesRead {
		t.Errorf("the admin's read was recorded as %+v", got)
	}
}

// TestDeletingNotesAndTemplates: each actor deletes a fresh note and a
// fresh template of the coach's: only the coach may.
func TestDeletingNotesAndTemplates(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for i, tc := range []struct {
			name        string
			c           *client
			note, templ int
		}{{"otherCoach", w.otherCoach, 404, 404}, {"client", w.client, 404, 403}, {"otherClient", w.otherClient, 404, 403},
			{"admin", w.admin, 404, 403}, {"anon", w.anon, 401, 401}, {"coach", w.coach, 204, 204}} {
			noteID, tplID := w.mustNote(t, "n", 0), w.mustTemplate(t, fmt.Sprintf("T%d", i))
			if res := tc.c.api("DELETE", fmt.Sprintf("/api/v1/notes/%d", noteID), nil); res.StatusCode != tc.note {
				t.Errorf("delete a note as %s: %d, want %d", tc.name, res.StatusCode, tc.note)
			}
			if res := tc.c.api("DELETE", fmt.Sprintf("/api/v1/note-templates/%d", tplID), nil); res.StatusCode != tc.templ {
				t.Errorf("delete a template as %s: %d, want %d", tc.name, res.StatusCode, tc.templ)
			}
			formWant := map[int]int{404: 404, 401: 401, 204: 303}[tc.note]
			formNote := w.mustNote(t, "n", 0)
			if res := tc.c.form("POST", fmt.Sprintf("/notes/%d/delete", formNote), url.Values{"back": {"/clients/" + itoa(w.clientID)}}); res.StatusCode != formWant {
				t.Errorf("the delete form as %s: %d, want %d", tc.name, res.StatusCode, formWant)
			}
		}
		var left struct{ Items []any }
		w.coach.get(fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID)).json(t, &left)
		if len(left.Items) != 10 {
			t.Errorf("%d notes left, want the 10 others refused to delete", len(left.Items))
		}
	})
}
