package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/app"
)

// TestExportDownloads: the client downloads their own export, an admin a
// client's; it is a ZIP with their data, and nobody else gets it.
func TestExportDownloads(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		for name, res := range map[string]*response{
			"the client's own": w.client.get("/account/export"),
			"an admin's":       w.admin.get(fmt.Sprintf("/api/v1/users/%d/export", w.clientID)),
		} {
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
				!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
				t.Fatalf("%s: %d %v", name, res.StatusCode, res.Header)
			}
			z, err := zip.NewReader(bytes.NewReader(res.body), int64(len(res.body)))
			if err != nil {
				t.Fatalf("%s: not a ZIP: %v", name, err)
			}
			var data string
			for _, f := range z.File {
				if f.Name == "data.json" {
					r, _ := f.Open()
					b, _ := io.ReadAll(r)
					data = string(b)
				}
			}
			if !strings.Contains(data, `"email": "client@example.com"`) || !strings.Contains(data, `"title": "Kickoff"`) {
				t.Fatalf("%s: data.json lacks the client or their session:\n%s", name, data)
			}
		}
		if res := w.coach.get(fmt.Sprintf("/users/%d/export", w.clientID)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("the coach exports their client: %d", res.StatusCode)
		}
	})
}

// TestErasureFromTheProfile: a wrong confirmation says so; a right one
// waits two weeks, shown on the profile, and can be undone; an admin's
// erasure is at once and ends the client's sign-in.
func TestErasureFromTheProfile(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		res := w.client.form("POST", "/account/erasure", url.Values{"confirm": {"someone@else.com"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/profile?erasure=invalid#your-data" {
			t.Fatalf("a wrong confirmation: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if page := w.client.get("/profile?erasure=invalid"); !strings.Contains(string(page.body), "That is not your email address.") {
			t.Fatal("the profile does not say why")
		}
		res = w.client.form("POST", "/account/erasure", url.Values{"confirm": {"client@example.com"}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "erasurerequested") {
			t.Fatalf("the request: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if page := w.client.get("/profile"); !strings.Contains(string(page.body), "data-erasure-due") {
			t.Fatal("the profile does not show the waiting erasure")
		}
		if res := w.client.form("POST", "/account/erasure/cancel", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("undo: %d %s", res.StatusCode, res.body)
		}
		if res := w.client.get("/api/v1/erasure"); res.StatusCode != http.StatusNotFound {
			t.Fatalf("after undo an erasure still waits: %d", res.StatusCode)
		}

		if res := w.admin.form("POST", fmt.Sprintf("/users/%d/erase", w.clientID), url.Values{"confirm": {"nope"}}); res.StatusCode != http.StatusBadRequest {
			t.Fatalf("an admin's wrong confirmation: %d", res.StatusCode)
		}
		res = w.admin.form("POST", fmt.Sprintf("/users/%d/erase", w.clientID), url.Values{"confirm": {"client@example.com"}})
		if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "erased") {
			t.Fatalf("an admin's erasure: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res := w.client.get("/api/v1/me"); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the erased client is still signed in: %d", res.StatusCode)
		}
		if res := w.admin.form("POST", fmt.Sprintf("/users/%d/erase", w.coachID), url.Values{"confirm": {"coach@example.com"}}); res.StatusCode != http.StatusBadRequest ||
			!strings.Contains(string(res.body), "moved to another coach or released") {
			t.Fatalf("erasing a coach: %d", res.StatusCode)
		}
	})
}

// TestAWaitingErasureStaysItsPersons: a client who asked to be erased and
// then became a coach still sees the erasure on their profile, and
// cancels it.
func TestAWaitingErasureStaysItsPersons(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		id := w.otherClient.id()
		if res := w.otherClient.form("POST", "/account/erasure", url.Values{"confirm": {"client2@example.com"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the request: %d", res.StatusCode)
		}
		if res := w.admin.api("PATCH", fmt.Sprintf("/api/v1/users/%d", id), map[string]any{"role": "coach"}); res.StatusCode != http.StatusOK {
			t.Fatalf("role change: %d %s", res.StatusCode, res.body)
		}
		coach := e.signIn("client2@example.com", app.RoleCoach)
		page := string(coach.get("/profile").body)
		if !strings.Contains(page, "data-erasure-due") || !strings.Contains(page, "no longer a client") || strings.Contains(page, "/account/export") {
			t.Fatalf("the coach's profile does not show their waiting erasure alone:\n%s", page)
		}
		if res := coach.get("/api/v1/erasure"); res.StatusCode != http.StatusOK {
			t.Fatalf("the coach's own waiting erasure: %d %s", res.StatusCode, res.body)
		}
		if res := coach.api("DELETE", "/api/v1/erasure", nil); res.StatusCode != http.StatusNoContent {
			t.Fatalf("the coach cancels it: %d %s", res.StatusCode, res.body)
		}
		if page := string(coach.get("/profile").body); strings.Contains(page, "your-data") {
			t.Fatal("a coach with no erasure waiting is shown the data section")
		}
	})
}
