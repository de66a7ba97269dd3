package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// TestAuthorizationMatrix asks every endpoint as the coach, another coach,
// the client, another client, an admin and nobody, and checks the status:
// 404 for what the caller may not see, 403 for what they see but may not
// change, 401 for nobody (a redirect to sign-in for pages). The write
// limit is lifted: the matrix makes more changes as the coach than it lets
// through, and limits_test.go tests it.
func TestAuthorizationMatrix(t *testing.T) {
	eachUnlimited(t, func(t *testing.T, e *env) {
		w := e.world()
		actors := []struct {
			name string
			c    *client
		}{{"coach", w.coach}, {"otherCoach", w.otherCoach}, {"client", w.client}, {"otherClient", w.otherClient}, {"admin", w.admin}, {"anon", w.anon}}
		appt := fmt.Sprintf("/api/v1/appointments/%d", w.apptID)
		convID, fileID := w.conversation(t)
		conv := fmt.Sprintf("/api/v1/conversations/%d", convID)
		sent := 0
		message := func() any { sent++; return map[string]any{"client_id": fmt.Sprint("authz-", sent), "body": "hello"} }
		iq := w.intakeFixture(t)
		qn, req := fmt.Sprintf("/api/v1/questionnaires/%d", iq.qn), fmt.Sprintf("/api/v1/questionnaire-requests/%d", iq.request)
		hours := 100
		noteID, tplID := w.mustNote(t, "private", w.apptID), w.mustTemplate(t, "Mine")
		clientGoals, goal := fmt.Sprintf("/api/v1/clients/%d/goals", w.clientID), fmt.Sprintf("/api/v1/goals/%d", w.mustGoal(t, "Sleep"))
		for _, tc := range []struct {
			name, method, path string
			body               func() any
			want               [6]int // coach, otherCoach, client, otherClient, admin, anon
		}{
			{"Me", "GET", "/api/v1/me", nil, [6]int{200, 200, 200, 200, 200, 401}},
			{"ListAppointments", "GET", "/api/v1/appointments", nil, [6]int{200, 200, 200, 200, 200, 401}},
			{"Book", "POST", "/api/v1/appointments", func() any {
				hours += 3
				return map[string]any{"client_id": w.clientID, "starts_at": time.Now().Add(time.Duration(hours) * time.Hour).Format(time.RFC3339), "duration_minutes": 30}
			}, [6]int{201, 400, 403, 403, 400, 401}},
			{"GetAppointment", "GET", appt, nil, [6]int{200, 404, 200, 404, 200, 401}},
			{"PatchAppointment", "PATCH", appt, func() any { return map[string]any{"notes": "n"} }, [6]int{200, 404, 403, 404, 200, 401}},
			{"ListClients", "GET", "/api/v1/clients", nil, [6]int{200, 200, 403, 403, 200, 401}},
			{"InviteClient", "POST", "/api/v1/clients", func() any { return map[string]any{"email": "new@example.com"} }, [6]int{202, 202, 403, 403, 403, 401}},
			{"ListInvitations", "GET", "/api/v1/invitations", nil, [6]int{200, 200, 200, 200, 403, 401}},
			{"AcceptInvitation", "POST", fmt.Sprintf("/api/v1/invitations/%d/accept", w.coachID), nil, [6]int{403, 403, 404, 404, 403, 401}},
			{"DeclineInvitation", "POST", fmt.Sprintf("/api/v1/invitations/%d/decline", w.coachID), nil, [6]int{404, 404, 404, 404, 404, 401}},
			{"EndCoaching", "DELETE", fmt.Sprintf("/api/v1/coaches/%d", w.otherCoachID), func() any { return map[string]any{"reason": "\u0000"} },
				[6]int{403, 403, 404, 404, 403, 401}},
			{"GetProfile", "GET", "/api/v1/profile", nil, [6]int{200, 200, 200, 200, 200, 401}},
			{"PutProfile", "PUT", "/api/v1/profile", func() any { return map[string]any{"data": map[string]any{"bio": "hi"}} }, [6]int{200, 200, 200, 200, 200, 401}},
			{"ListUsers", "GET", "/api/v1/users", nil, [6]int{403, 403, 403, 403, 200, 401}},
			{"PatchUser", "PATCH", fmt.Sprintf("/api/v1/users/%d", w.clientID), func() any { return map[string]any{"name": "Renamed"} }, [6]int{403, 403, 403, 403, 200, 401}},
			{"CreateUser", "POST", "/api/v1/users", func() any {
				hours++
				return map[string]any{"email": fmt.Sprintf("u%d@example.com", hours), "role": "coach"}
			}, [6]int{403, 403, 403, 403, 201, 401}},
			{"AppointmentPage", "GET", fmt.Sprintf("/appointments/%d", w.apptID), nil, [6]int{200, 404, 200, 404, 200, 303}},
			{"EditPage", "GET", fmt.Sprintf("/appointments/%d/edit", w.apptID), nil, [6]int{200, 404, 403, 404, 200, 303}},
			{"RoomPage", "GET", "/rooms/" + w.roomID, nil, [6]int{200, 404, 200, 404, 404, 303}},
			{"ClientPage", "GET", fmt.Sprintf("/clients/%d", w.clientID), nil, [6]int{200, 404, 200, 404, 200, 303}},
			{"UsersPage", "GET", "/users", nil, [6]int{403, 403, 403, 403, 200, 303}},
			{"AuditAPI", "GET", "/api/v1/audit", nil, [6]int{403, 403, 403, 403, 200, 401}},
			{"AuditPage", "GET", "/admin/audit", nil, [6]int{403, 403, 403, 403, 200, 303}},
			{"Dashboard", "GET", "/dashboard", nil, [6]int{200, 200, 200, 200, 200, 303}},
			{"ListConversations", "GET", "/api/v1/conversations", nil, [6]int{200, 200, 200, 200, 200, 401}},
			{"OpenConversation", "POST", "/api/v1/conversations", func() any { return map[string]any{"with": w.clientID} }, [6]int{200, 404, 404, 404, 404, 401}},
			{"ConversationMessages", "GET", conv + "/messages", nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"SendMessage", "POST", conv + "/messages", message, [6]int{201, 404, 201, 404, 404, 401}},
			{"MarkRead", "POST", conv + "/read", func() any { return map[string]any{"seq": 1} }, [6]int{204, 404, 204, 404, 404, 401}},
			{"DownloadFile", "GET", fmt.Sprintf("/api/v1/files/%d", fileID), nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"MessagesPage", "GET", "/messages", nil, [6]int{200, 200, 200, 200, 200, 303}},
			{"ConversationPage", "GET", fmt.Sprintf("/messages/%d", convID), nil, [6]int{200, 404, 200, 404, 404, 303}},
			{"ConversationWith", "GET", fmt.Sprintf("/messages/with/%d", w.clientID), nil, [6]int{303, 404, 404, 404, 404, 303}},
			{"Export", "GET", "/api/v1/export", nil, [6]int{409, 409, 200, 200, 409, 401}},
			{"ExportUser", "GET", fmt.Sprintf("/api/v1/users/%d/export", w.clientID), nil, [6]int{404, 404, 200, 404, 200, 401}},
			{"PendingErasure", "GET", "/api/v1/erasure", nil, [6]int{404, 404, 404, 404, 404, 401}},
			{"CancelErasure", "DELETE", "/api/v1/erasure", nil, [6]int{404, 404, 404, 404, 404, 401}},
			{"EraseUserBadConfirm", "POST", fmt.Sprintf("/api/v1/users/%d/erasure", w.clientID), func() any { return map[string]any{"confirm": "x"} },
				[6]int{404, 404, 400, 404, 400, 401}},
			{"ErasePage", "GET", fmt.Sprintf("/users/%d/erase", w.clientID), nil, [6]int{403, 403, 403, 403, 200, 303}},
			// The coach's private notes: theirs alone; an admin reads them
			// only when PRIVATE_NOTES_ADMINS allows (TestPrivateNotesWhenAdminsRead).
			{"ClientNotes", "GET", fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID), nil, [6]int{200, 404, 404, 404, 404, 401}},
			{"WriteNote", "POST", fmt.Sprintf("/api/v1/clients/%d/notes", w.clientID), func() any { return map[string]any{"body": "x"} },
				[6]int{201, 404, 404, 404, 404, 401}},
			{"SessionNotes", "GET", appt + "/notes", nil, [6]int{200, 404, 404, 404, 404, 401}},
			{"GetNote", "GET", fmt.Sprintf("/api/v1/notes/%d", noteID), nil, [6]int{200, 404, 404, 404, 404, 401}},
			{"PatchNote", "PATCH", fmt.Sprintf("/api/v1/notes/%d", noteID), func() any { return map[string]any{"ai_may_read": true} },
				[6]int{200, 404, 404, 404, 404, 401}},
			{"PatchNoteBadBody", "PATCH", fmt.Sprintf("/api/v1/notes/%d", noteID), func() any { return map[string]any{"nope": 1} },
				[6]int{400, 404, 404, 404, 404, 401}},
			{"ListTemplates", "GET", "/api/v1/note-templates", nil, [6]int{200, 200, 403, 403, 403, 401}},
			{"CreateTemplate", "POST", "/api/v1/note-templates", func() any {
				hours++
				return map[string]any{"name": fmt.Sprintf("T%d", hours), "body": "b"}
			}, [6]int{201, 201, 403, 403, 403, 401}},
			{"PatchTemplate", "PATCH", fmt.Sprintf("/api/v1/note-templates/%d", tplID), func() any { return map[string]any{"body": "c"} },
				[6]int{200, 404, 403, 403, 403, 401}},
			{"NoteEditPage", "GET", fmt.Sprintf("/notes/%d/edit", noteID), nil, [6]int{200, 404, 404, 404, 404, 303}},
			{"NoteTemplatesPage", "GET", "/note-templates", nil, [6]int{200, 200, 403, 403, 403, 303}},
			{"ListQuestionnaires", "GET", "/api/v1/questionnaires", nil, [6]int{200, 200, 403, 403, 403, 401}},
			{"CreateQuestionnaire", "POST", "/api/v1/questionnaires", func() any { return everyKind("New") }, [6]int{201, 201, 403, 403, 403, 401}},
			{"GetQuestionnaire", "GET", qn, nil, [6]int{200, 404, 404, 404, 404, 401}},
			{"PutQuestionnaire", "PUT", qn, func() any { return everyKind("Edited") }, [6]int{200, 404, 404, 404, 404, 401}},
			{"AskAtBooking", "PUT", qn + "/session-types", func() any { return map[string]any{"session_type_ids": []int64{}} },
				[6]int{200, 404, 404, 404, 404, 401}},
			{"RemoveQuestionnaire", "DELETE", fmt.Sprintf("/api/v1/questionnaires/%d", iq.toRemove), nil, [6]int{204, 404, 404, 404, 404, 401}},
			{"SendQuestionnaire", "POST", "/api/v1/questionnaire-requests", func() any {
				return map[string]any{"questionnaire_id": iq.toSend, "client_id": w.clientID}
			}, [6]int{201, 404, 404, 404, 404, 401}},
			{"ListQuestionnaireRequests", "GET", "/api/v1/questionnaire-requests", nil, [6]int{200, 200, 200, 200, 403, 401}},
			{"GetQuestionnaireRequest", "GET", req, nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"SaveAnswers", "PUT", req + "/answers", func() any { return map[string]any{"answers": map[string]any{"2": "Hi"}} },
				[6]int{403, 404, 200, 404, 404, 401}},
			{"SubmitAnswers", "POST", fmt.Sprintf("/api/v1/questionnaire-requests/%d/submit", iq.toSubmit), func() any {
				return map[string]any{"answers": map[string]any{"1": "Stress", "5": 3}}
			}, [6]int{403, 404, 200, 404, 404, 401}},
			{"ClientAnswers", "GET", fmt.Sprintf("/api/v1/clients/%d/answers", w.clientID), nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"QuestionnairesPage", "GET", "/questionnaires", nil, [6]int{200, 200, 403, 403, 403, 303}},
			{"NewQuestionnairePage", "GET", "/questionnaires/new", nil, [6]int{200, 200, 403, 403, 403, 303}},
			{"QuestionnairePage", "GET", fmt.Sprintf("/questionnaires/%d", iq.qn), nil, [6]int{200, 404, 404, 404, 404, 303}},
			{"QuestionnaireRequestPage", "GET", fmt.Sprintf("/questionnaire-requests/%d", iq.request), nil, [6]int{200, 404, 200, 404, 404, 303}},
			// The client's record: their coach's, and their own; nobody
			// else's, an admin's neither (TestGoalDeleteMatrix deletes).
			{"ClientRecord", "GET", fmt.Sprintf("/api/v1/clients/%d/record?q=x", w.clientID), nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"OwnRecord", "GET", "/api/v1/record", nil, [6]int{404, 404, 200, 200, 404, 401}},
			{"ClientGoals", "GET", clientGoals, nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"CreateGoal", "POST", clientGoals, func() any { return map[string]any{"title": "Walk", "progress": 10} }, [6]int{201, 404, 201, 404, 404, 401}},
			{"CreateGoalBadBody", "POST", clientGoals, func() any { return map[string]any{"title": "", "progress": 101} }, [6]int{400, 404, 400, 404, 404, 401}},
			{"GetGoal", "GET", goal, nil, [6]int{200, 404, 200, 404, 404, 401}},
			{"PatchGoal", "PATCH", goal, func() any { return map[string]any{"progress": 50} }, [6]int{200, 404, 200, 404, 404, 401}},
			{"ClientRecordPage", "GET", fmt.Sprintf("/clients/%d/record", w.clientID), nil, [6]int{200, 404, 303, 404, 404, 303}},
			{"OwnRecordPage", "GET", "/record", nil, [6]int{404, 404, 200, 200, 404, 303}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for i, a := range actors {
					var body any
					if tc.body != nil {
						body = tc.body()
					}
					var res *response
					if body == nil && tc.method == "GET" {
						res = a.c.get(tc.path)
					} else {
						res = a.c.api(tc.method, tc.path, body)
					}
					if res.StatusCode != tc.want[i] {
						t.Errorf("%s %s as %s: %d, want %d (%s)", tc.method, tc.path, a.name, res.StatusCode, tc.want[i], res.body)
					}
				}
			})
		}
	})
}

// TestCancelMatrix cancels a fresh appointment as each actor.
func TestCancelMatrix(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for i, tc := range []struct {
			name string
			c    *client
			want int
		}{{"otherCoach", w.otherCoach, 404}, {"otherClient", w.otherClient, 404}, {"anon", w.anon, 401},
			{"coach", w.coach, 200}, {"client", w.client, 200}, {"admin", w.admin, 200}} {
			res := w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID,
				"starts_at": time.Now().Add(time.Duration(200+i*2) * time.Hour).Format(time.RFC3339), "duration_minutes": 45})
			var a struct{ ID int64 }
			res.json(t, &a)
			got := tc.c.api("DELETE", fmt.Sprintf("/api/v1/appointments/%d", a.ID), map[string]string{"reason": "sick"})
			if got.StatusCode != tc.want {
				t.Errorf("cancel as %s: %d, want %d (%s)", tc.name, got.StatusCode, tc.want, got.body)
			}
			if tc.want == 200 {
				again := tc.c.api("DELETE", fmt.Sprintf("/api/v1/appointments/%d", a.ID), nil)
				if again.StatusCode != http.StatusConflict {
					t.Errorf("second cancel as %s: %d, want 409", tc.name, again.StatusCode)
				}
			}
		}
	})
}

// TestListingsShowOnlyWhatIsVisible checks the contents, not just the status.
func TestListingsShowOnlyWhatIsVisible(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for _, tc := range []struct {
			name string
			c    *client
			path string
			want int
		}{
			{"coach appointments", w.coach, "/api/v1/appointments", 1},
			{"other coach appointments", w.otherCoach, "/api/v1/appointments", 0},
			{"client appointments", w.client, "/api/v1/appointments", 1},
			{"other client appointments", w.otherClient, "/api/v1/appointments", 0},
			{"coach clients", w.coach, "/api/v1/clients", 1},
			{"other coach clients", w.otherCoach, "/api/v1/clients", 0},
			{"admin clients", w.admin, "/api/v1/clients", 2},
			{"admin users", w.admin, "/api/v1/users", 5},
		} {
			var list struct{ Items []map[string]any }
			w := tc.c.get(tc.path)
			w.json(t, &list)
			if len(list.Items) != tc.want {
				t.Errorf("%s: %d items, want %d", tc.name, len(list.Items), tc.want)
			}
		}
	})
}

// TestFormRoutesAuthorization asks the state-changing form routes as each
// actor: the same answers as the API, with a redirect on success.
func TestFormRoutesAuthorization(t *testing.T) {
	eachUnlimited(t, func(t *testing.T, e *env) {
		w := e.world()
		actors := []*client{w.coach, w.otherCoach, w.client, w.otherClient, w.admin, w.anon}
		names := []string{"coach", "otherCoach", "client", "otherClient", "admin", "anon"}
		day := 30
		noteID, tplID := w.mustNote(t, "private", 0), w.mustTemplate(t, "Mine")
		iq := w.intakeFixture(t)
		goalID := w.mustGoal(t, "Sleep")
		question := func() map[string][]string {
			return map[string][]string{"title": {"T"}, "questions.0.kind": {"short_text"}, "questions.0.text": {"Q"}, "questions.0.order": {"1"}}
		}
		for _, tc := range []struct {
			name, path string
			form       func() map[string][]string
			want       [6]int
		}{
			{"Book", "/appointments", func() map[string][]string {
				day++
				return map[string][]string{"client_id": {itoa(w.clientID)}, "tz": {"UTC"}, "duration_minutes": {"30"},
					"starts_at": {time.Now().AddDate(0, 0, day).Format("2006-01-02") + "T09:00"}}
			}, [6]int{303, 400, 403, 403, 400, 401}},
			{"Edit", fmt.Sprintf("/appointments/%d", w.apptID), func() map[string][]string {
				return map[string][]string{"title": {"T"}, "tz": {"UTC"}, "duration_minutes": {"60"},
					"starts_at": {time.Now().AddDate(0, 0, 2).UTC().Format("2006-01-02T15:04")}}
			}, [6]int{303, 404, 403, 404, 303, 401}},
			{"Invite", "/clients", func() map[string][]string { return map[string][]string{"email": {"f@example.com"}} },
				[6]int{303, 303, 403, 403, 403, 401}},
			{"Accept", fmt.Sprintf("/invitations/%d/accept", w.coachID), func() map[string][]string { return nil },
				[6]int{403, 403, 404, 404, 403, 401}},
			{"EndCoaching", fmt.Sprintf("/coaches/%d/end", w.otherCoachID), func() map[string][]string { return map[string][]string{"reason": {"r"}} },
				[6]int{403, 403, 404, 404, 403, 401}},
			{"Profile", "/profile", func() map[string][]string { return map[string][]string{"bio": {"b"}} },
				[6]int{303, 303, 303, 303, 303, 401}},
			{"CreateUser", "/users", func() map[string][]string {
				day++
				return map[string][]string{"email": {fmt.Sprintf("n%d@example.com", day)}, "role": {"coach"}}
			}, [6]int{403, 403, 403, 403, 303, 401}},
			{"UpdateUser", fmt.Sprintf("/users/%d", w.clientID), func() map[string][]string { return map[string][]string{"role": {"client"}} },
				[6]int{403, 403, 403, 403, 303, 401}},
			{"WriteNote", fmt.Sprintf("/clients/%d/notes", w.clientID), func() map[string][]string {
				return map[string][]string{"body": {"b"}, "appointment_id": {itoa(w.apptID)}, "back": {fmt.Sprintf("/appointments/%d", w.apptID)}}
			}, [6]int{303, 404, 404, 404, 404, 401}},
			{"UpdateNote", fmt.Sprintf("/notes/%d", noteID), func() map[string][]string { return map[string][]string{"body": {"c"}} },
				[6]int{303, 404, 404, 404, 404, 401}},
			{"CreateTemplate", "/note-templates", func() map[string][]string {
				day++
				return map[string][]string{"name": {fmt.Sprintf("F%d", day)}, "body": {"b"}}
			}, [6]int{303, 303, 403, 403, 403, 401}},
			{"UpdateTemplate", fmt.Sprintf("/note-templates/%d", tplID), func() map[string][]string { return map[string][]string{"name": {"Mine"}, "body": {"d"}} },
				[6]int{303, 404, 403, 403, 403, 401}},
			{"CreateQuestionnaire", "/questionnaires", question, [6]int{303, 303, 403, 403, 403, 401}},
			{"SaveQuestionnaire", fmt.Sprintf("/questionnaires/%d", iq.qn), question, [6]int{303, 404, 404, 404, 404, 401}},
			{"AskAtBooking", fmt.Sprintf("/questionnaires/%d/session-types", iq.qn), func() map[string][]string { return nil },
				[6]int{303, 404, 404, 404, 404, 401}},
			{"RemoveQuestionnaire", fmt.Sprintf("/questionnaires/%d/archive", iq.toRemove), func() map[string][]string { return nil },
				[6]int{303, 404, 404, 404, 404, 401}},
			{"SendQuestionnaire", "/questionnaire-requests", func() map[string][]string {
				return map[string][]string{"questionnaire_id": {itoa(iq.toSend)}, "client_id": {itoa(w.clientID)}}
			}, [6]int{303, 404, 404, 404, 404, 401}},
			{"Answer", fmt.Sprintf("/questionnaire-requests/%d", iq.request), func() map[string][]string {
				return map[string][]string{"action": {"save"}, "answers.2": {"Hi"}}
			}, [6]int{403, 404, 303, 404, 404, 401}},
			{"CreateGoal", fmt.Sprintf("/clients/%d/goals", w.clientID), func() map[string][]string {
				return map[string][]string{"title": {"Walk"}, "progress": {"20"}}
			}, [6]int{303, 404, 303, 404, 404, 401}},
			{"UpdateGoal", fmt.Sprintf("/goals/%d", goalID), func() map[string][]string {
				return map[string][]string{"title": {"Sleep"}, "progress": {"40"}}
			}, [6]int{303, 404, 303, 404, 404, 401}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				for i, c := range actors {
					res := c.form("POST", tc.path, tc.form())
					if res.StatusCode != tc.want[i] {
						t.Errorf("POST %s as %s: %d, want %d", tc.path, names[i], res.StatusCode, tc.want[i])
					}
				}
			})
		}
		// Cancelling last: a fresh appointment for each actor who may.
		for i, c := range actors {
			var a struct{ ID int64 }
			w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": w.clientID,
				"starts_at": time.Now().Add(time.Duration(500+i*2) * time.Hour).Format(time.RFC3339), "duration_minutes": 30}).json(t, &a)
			want := [6]int{303, 404, 303, 404, 303, 401}[i]
			if res := c.form("POST", fmt.Sprintf("/appointments/%d/cancel", a.ID), map[string][]string{"reason": {"r"}}); res.StatusCode != want {
				t.Errorf("cancel form as %s: %d, want %d", names[i], res.StatusCode, want)
			}
		}
	})
}

func TestUsersPagePages(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.signIn("admin@example.com", app.RoleAdmin)
	ctx := app.WithActor(t.Context(), app.Operator) // more than the API lets one person write at once
	for i := range 104 {
		if _, err := e.svc.CreateUser(ctx, coaching.NewUser{Email: fmt.Sprintf("u%03d@example.com", i), Role: app.RoleClient}); err != nil {
			t.Fatal(err)
		}
	}
	first := string(admin.get("/users").body)
	second := string(admin.get("/users?offset=100").body)
	if !strings.Contains(first, "offset=100") || !strings.Contains(first, "u098@example.com") || strings.Contains(first, "u099@example.com") {
		t.Fatal("first page wrong")
	}
	if !strings.Contains(second, "u103@example.com") || !strings.Contains(second, "Previous") || strings.Contains(second, ">Next<") {
		t.Fatal("second page wrong")
	}
}
