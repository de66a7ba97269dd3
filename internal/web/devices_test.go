package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/auth"
)

// sessionCookie is the session cookie a client holds.
func (c *client) sessionCookie(t *testing.T) *http.Cookie {
	t.Helper()
	for _, ck := range c.hc.Jar.Cookies(mustURL(t, c.e.srv.URL)) {
		if ck.Name == auth.SessionCookie {
			return ck
		}
	}
	t.Fatal("no session cookie")
	return nil
}

// withCookie is a fresh client that carries only ck: the stolen or copied
// cookie of another browser.
func (e *env) withCookie(ck *http.Cookie) func(path string) int {
	return func(path string) int {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
		return e.anon().do(req).StatusCode
	}
}

// TestSignOutEndsTheSession: after POST /auth/logout the old cookie answers
// nothing more, from any client.
func TestSignOutEndsTheSession(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.signIn("leaver@example.com", app.RoleClient)
		copied := e.withCookie(c.sessionCookie(t))
		if got := copied("/api/v1/me"); got != http.StatusOK {
			t.Fatalf("the copied cookie before signing out: %d", got)
		}
		if res := c.form("POST", "/auth/logout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: %d", res.StatusCode)
		}
		if got := copied("/api/v1/me"); got != http.StatusUnauthorized {
			t.Fatalf("the old cookie after signing out: %d, want 401", got)
		}
	})
}

// TestYourDevices: the devices page and API list a person's sessions, this
// one marked, and sign out one device without the others; nobody can sign
// out another person's device.
func TestYourDevices(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		laptop := e.signIn("dana@example.com", app.RoleCoach)
		phone := e.signIn("dana@example.com", app.RoleCoach)
		stranger := e.signIn("eve@example.com", app.RoleClient)
		var list struct {
			Items []struct {
				ID      int64
				Browser string
				Place   string
				Current bool
			}
		}
		phone.get("/api/v1/devices").json(t, &list)
		if len(list.Items) != 2 || list.Items[0].Current == list.Items[1].Current || list.Items[0].Place != "This machine" {
			t.Fatalf("sessions: %+v", list.Items)
		}
		var laptopID int64
		for _, d := range list.Items {
			if !d.Current {
				laptopID = d.ID
			}
		}
		if res := stranger.raw("DELETE", "/api/v1/devices/"+itoa(laptopID), "", nil); res.StatusCode != http.StatusNotFound {
			t.Fatalf("a stranger signed out another's device: %d", res.StatusCode)
		}
		page := phone.get("/account/devices")
		if page.StatusCode != http.StatusOK || !strings.Contains(string(page.body), "This device") {
			t.Fatalf("devices page: %d %s", page.StatusCode, page.body)
		}
		if res := phone.form("POST", "/account/devices/"+itoa(laptopID)+"/signout", nil); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign the laptop out: %d %s", res.StatusCode, res.body)
		}
		if got := laptop.get("/api/v1/me").StatusCode; got != http.StatusUnauthorized {
			t.Fatalf("the laptop after being signed out: %d", got)
		}
		if got := phone.get("/api/v1/me").StatusCode; got != http.StatusOK {
			t.Fatalf("the phone after signing the laptop out: %d", got)
		}
	})
}

// TestSessionUseRenewsTheCookie: a use is recorded at most once a minute,
// and each record sets the cookie again for two weeks; a session unused
// for two weeks ends.
func TestSessionUseRenewsTheCookie(t *testing.T) {
	clock := app.NewFixedClock(time.Now())
	e := newEnvAt(t, "sqlite", clock)
	c := e.signIn("r@example.com", app.RoleCoach)
	renewed := func(res *response) bool {
		for _, ck := range res.Cookies() {
			if ck.Name == auth.SessionCookie && ck.MaxAge >= int((14*24*time.Hour).Seconds()) {
				return true
			}
		}
		return false
	}
	if renewed(c.get("/api/v1/me")) {
		t.Fatal("a session used seconds after it began set its cookie again")
	}
	clock.Advance(2 * time.Minute)
	if res := c.get("/api/v1/me"); res.StatusCode != http.StatusOK || !renewed(res) {
		t.Fatalf("a use two minutes on: %d, cookie set again %v", res.StatusCode, renewed(res))
	}
	clock.Advance(15 * 24 * time.Hour)
	if got := c.get("/api/v1/me").StatusCode; got != http.StatusUnauthorized {
		t.Fatalf("a session unused for 15 days: %d", got)
	}
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
