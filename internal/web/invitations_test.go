package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
)

// TestInviteAnswersAlike: the answer to an invitation is the same for an
// email nobody has as for a client's, a coach's or an admin's, so that the
// API tells nobody who has an account.
func TestInviteAnswersAlike(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for _, email := range []string{"nobody@example.com", "client2@example.com", "coach2@example.com", "admin@example.com"} {
			res := w.coach.api("POST", "/api/v1/clients", map[string]string{"email": email, "name": "Same"})
			want := fmt.Sprintf(`{"email":%q,"status":"invited"}`, email)
			if res.StatusCode != http.StatusAccepted || strings.TrimSpace(string(res.body)) != want {
				t.Errorf("invite %s: %d %s, want 202 %s", email, res.StatusCode, res.body, want)
			}
		}
		for _, email := range []string{"nobody2@example.com", "client2@example.com", "admin@example.com"} {
			res := w.coach.form("POST", "/clients", url.Values{"email": {email}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/clients?flash=invited" {
				t.Errorf("invite %s by the form: %d %s", email, res.StatusCode, res.Header.Get("Location"))
			}
		}
		var list struct {
			Items []struct{ Email, Name string }
		}
		w.coach.get("/api/v1/invitations").json(t, &list)
		if len(list.Items) != 5 {
			t.Errorf("sent invitations %+v", list.Items)
		}
		page := string(w.coach.get("/clients").body)
		if !strings.Contains(page, "Invitations waiting") || !strings.Contains(page, "client2@example.com") {
			t.Errorf("the clients page shows no pending invitation")
		}
	})
}

// TestPendingInvitationShowsNothing: a coach whose invitation waits gets 404
// on the client's page and may not book with them, until they accept.
func TestPendingInvitationShowsNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		otherID := w.otherClient.id()
		if res := w.otherClient.api("PUT", "/api/v1/profile", map[string]any{"data": map[string]any{"phone": "+49 555"}}); res.StatusCode != http.StatusOK {
			t.Fatalf("profile: %d %s", res.StatusCode, res.body)
		}
		w.coach.api("POST", "/api/v1/clients", map[string]string{"email": "client2@example.com"})
		book := func() *response {
			return w.coach.api("POST", "/api/v1/appointments", map[string]any{"client_id": otherID,
				"starts_at": time.Now().Add(72 * time.Hour).UTC().Format(time.RFC3339), "duration_minutes": 30})
		}
		if res := w.coach.get(fmt.Sprintf("/clients/%d", otherID)); res.StatusCode != http.StatusNotFound || strings.Contains(string(res.body), "555") {
			t.Fatalf("the client's page while pending: %d", res.StatusCode)
		}
		if res := book(); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("book while pending: %d %s", res.StatusCode, res.body)
		}
		if res := w.coach.get("/api/v1/clients"); strings.Contains(string(res.body), "client2@") {
			t.Fatalf("listed while pending: %s", res.body)
		}
		if res := w.otherClient.api("POST", fmt.Sprintf("/api/v1/invitations/%d/accept", w.coachID), nil); res.StatusCode != http.StatusOK {
			t.Fatalf("accept: %d %s", res.StatusCode, res.body)
		}
		if res := w.coach.get(fmt.Sprintf("/clients/%d", otherID)); res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), "555") {
			t.Fatalf("the client's page once accepted: %d", res.StatusCode)
		}
		if res := book(); res.StatusCode != http.StatusCreated {
			t.Fatalf("book once accepted: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestDashboardInvitation: the invited client's dashboard shows the
// invitation with Accept and Decline; Accept links them, Decline deletes
// another; a live notice reaches their open pages.
func TestDashboardInvitation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		otherID := w.otherClient.id()
		sub := e.app.Hub.Subscribe(otherID)
		defer sub.Close()
		w.coach.api("POST", "/api/v1/clients", map[string]string{"email": "client2@example.com"})
		w.otherCoach.api("POST", "/api/v1/clients", map[string]string{"email": "client2@example.com"})
		select {
		case ev := <-sub.C:
			if !strings.Contains(string(ev), `"invitation"`) || !strings.Contains(string(ev), "coach@example.com") {
				t.Errorf("notice %s", ev)
			}
		case <-time.After(5 * time.Second):
			t.Error("no live notice of the invitation")
		}
		page := html.UnescapeString(string(w.otherClient.get("/dashboard").body))
		accept := fmt.Sprintf(`action="/invitations/%d/accept"`, w.coachID)
		if !strings.Contains(page, "Name coach@example.com (coach@example.com) invites you to work with them") ||
			!strings.Contains(page, accept) || !strings.Contains(page, fmt.Sprintf(`action="/invitations/%d/decline"`, w.otherCoachID)) {
			t.Fatalf("dashboard without the invitations:\n%s", page)
		}
		res := w.otherClient.form("POST", fmt.Sprintf("/invitations/%d/accept", w.coachID), nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard?flash=accepted" {
			t.Fatalf("accept: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		res = w.otherClient.form("POST", fmt.Sprintf("/invitations/%d/decline", w.otherCoachID), nil)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard?flash=declined" {
			t.Fatalf("decline: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		page = string(w.otherClient.get("/dashboard").body)
		if strings.Contains(page, "/invitations/") {
			t.Errorf("answered invitations still shown")
		}
		if res := w.coach.get(fmt.Sprintf("/clients/%d", otherID)); res.StatusCode != http.StatusOK {
			t.Errorf("the coach after the accept: %d", res.StatusCode)
		}
		if res := w.otherCoach.get(fmt.Sprintf("/clients/%d", otherID)); res.StatusCode != http.StatusNotFound {
			t.Errorf("the declined coach: %d", res.StatusCode)
		}
		var list struct{ Items []any }
		w.otherCoach.get("/api/v1/invitations").json(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("the declined invitation is still pending: %v", list.Items)
		}
	})
}

// TestEndCoachingForm: the client confirms on a page with a reason; the
// coach's appointment with them is cancelled and the coach reads why.
func TestEndCoachingForm(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		end := fmt.Sprintf("/coaches/%d/end", w.coachID)
		if !strings.Contains(string(w.client.get("/dashboard").body), `href="`+end+`"`) {
			t.Fatal("the dashboard offers no way to end the work with the coach")
		}
		if page := string(w.client.get(end).body); !strings.Contains(page, `action="`+end+`"`) || !strings.Contains(page, `name="reason"`) {
			t.Fatal("no confirmation form")
		}
		if res := w.client.form("POST", end, url.Values{"reason": {"a\x00"}}); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("a bad reason: %d", res.StatusCode)
		}
		res := w.client.form("POST", end, url.Values{"reason": {"Found my way"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/dashboard?flash=ended" {
			t.Fatalf("end: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		var a struct {
			Status       string
			CancelReason string `json:"cancel_reason"`
		}
		w.coach.get(fmt.Sprintf("/api/v1/appointments/%d", w.apptID)).json(t, &a)
		want := "Name client@example.com ended your work together: Found my way"
		if a.Status != "cancelled" || a.CancelReason != want {
			t.Fatalf("the coach's appointment: %+v", a)
		}
		if page := html.UnescapeString(string(w.coach.get(fmt.Sprintf("/appointments/%d", w.apptID)).body)); !strings.Contains(page, want) {
			t.Error("the appointment page does not say why")
		}
		if res := w.coach.get(fmt.Sprintf("/clients/%d", w.clientID)); res.StatusCode != http.StatusNotFound {
			t.Errorf("the coach still reads the client: %d", res.StatusCode)
		}
		if res := w.client.get(end); res.StatusCode != http.StatusNotFound {
			t.Errorf("ending again: %d", res.StatusCode)
		}
	})
}

// TestEndCoachingAPI ends through DELETE /api/v1/coaches/{id}.
func TestEndCoachingAPI(t *testing.T) {
	e := newEnv(t, "sqlite")
	w := e.world()
	res := w.client.api("DELETE", fmt.Sprintf("/api/v1/coaches/%d", w.coachID), nil)
	var got struct {
		CoachID   int64   `json:"coach_id"`
		Cancelled []int64 `json:"cancelled"`
	}
	res.json(t, &got)
	if res.StatusCode != http.StatusOK || got.CoachID != w.coachID || len(got.Cancelled) != 1 || got.Cancelled[0] != w.apptID {
		t.Fatalf("end: %d %s", res.StatusCode, res.body)
	}
	var a struct {
		CancelReason string `json:"cancel_reason"`
	}
	w.coach.get(fmt.Sprintf("/api/v1/appointments/%d", w.apptID)).json(t, &a)
	if a.CancelReason != "Name client@example.com ended your work together" {
		t.Fatalf("reason %q", a.CancelReason)
	}
	coach := e.signIn("coach@example.com", app.RoleCoach)
	if res := coach.api("POST", fmt.Sprintf("/api/v1/invitations/%d/accept", w.coachID), nil); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a coach accepts: %d", res.StatusCode)
	} else if !strings.Contains(string(res.body), "only a client can accept") {
		t.Fatalf("a coach accepts: %s", res.body)
	}
}
