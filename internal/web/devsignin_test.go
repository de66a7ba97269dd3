package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"rapport/internal/app"
)

// TestDevSignInNeedsItsToken: the developer sign-in answers only with the
// token of the link serve prints: as a form field, or in the cookie that
// opening the link sets (for /auth/dev only, HttpOnly, SameSite=Strict).
func TestDevSignInNeedsItsToken(t *testing.T) {
	e := newEnv(t, "sqlite")
	form := url.Values{"email": {"dev@example.com"}, "role": {"coach"}}
	for name, tok := range map[string]string{"NoToken": "", "WrongToken": devToken + "x", "Prefix": devToken[:10]} {
		f := url.Values{"email": form["email"], "role": form["role"], "token": {tok}}
		if res := e.anon().form("POST", "/auth/dev", f); res.StatusCode != http.StatusForbidden || !strings.Contains(string(res.body), "rapport serve") {
			t.Errorf("%s: POST %d %s", name, res.StatusCode, res.body)
		}
	}
	browser := e.anon()
	if res := browser.get("/auth/dev"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("GET without the token: %d", res.StatusCode)
	}
	res := browser.get("/auth/dev?token=" + devToken + "&next=/appointments")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/auth/dev?next=%2Fappointments" {
		t.Fatalf("the link: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	var ck *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "rapport_dev" {
			ck = c
		}
	}
	if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/auth/dev" {
		t.Fatalf("the link's cookie: %+v", ck)
	}
	page := browser.get("/auth/dev")
	if page.StatusCode != http.StatusOK || !strings.Contains(string(page.body), `<option value="client" selected>`) {
		t.Fatalf("the form after the link: %d (client must be the default role)\n%s", page.StatusCode, page.body)
	}
	if res := browser.form("POST", "/auth/dev", form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the link's cookie: %d %s", res.StatusCode, res.body)
	}
}

// TestDevSignInKeepsTheRole: the role chosen applies to a new user only; an
// invited client who signs in with "coach" stays a client.
func TestDevSignInKeepsTheRole(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach := e.signIn("coach@example.com", app.RoleCoach)
	if res := coach.api("POST", "/api/v1/clients", map[string]string{"email": "invited@example.com"}); res.StatusCode != http.StatusAccepted {
		t.Fatalf("invite: %d %s", res.StatusCode, res.body)
	}
	c := e.signIn("invited@example.com", app.RoleCoach)
	var me struct{ Role string }
	c.get("/api/v1/me").json(t, &me)
	if me.Role != "client" {
		t.Fatalf("an invited client signed in as %q", me.Role)
	}
}
