package web_test

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/mail/mailtest"
)

// TestInvitationEmailArrives: a coach's invitation through the API reaches
// the invited address at the SMTP server (Mailpit), from the practice,
// with the sign-in link.
func TestInvitationEmailArrives(t *testing.T) {
	mp := mailtest.MustMailpit(t)
	host, port, _ := net.SplitHostPort(mp.SMTP)
	cfg := mustConfig(t, map[string]string{"SMTP_HOST": host, "SMTP_PORT": port, "MAIL_FROM": "hello@rapport.test",
		"PRACTICE_NAME": "Bright Path", "PUBLIC_URL": "http://127.0.0.1:8080"})
	e := newEnvWith(t, "sqlite", cfg, nil)
	coach := e.signIn("coach@example.com", app.RoleCoach)
	to := mailtest.Recipient("invited")
	if res := coach.api("POST", "/api/v1/clients", map[string]string{"email": to, "name": "Pat"}); res.StatusCode != http.StatusAccepted {
		t.Fatalf("invite: %d %s", res.StatusCode, res.body)
	}
	coach.api("POST", "/api/v1/clients", map[string]string{"email": strings.ToUpper(to)}) // again: no second email
	got := mp.MustWait(t, to, 1, 10*time.Second)
	msg := mp.Message(t, got[0].ID)
	if msg.From.Name != "Bright Path" || msg.From.Address != "hello@rapport.test" ||
		msg.Subject != "Name coach@example.com invites you to work with them on Bright Path" {
		t.Errorf("from %+v, subject %q", msg.From, msg.Subject)
	}
	if !strings.Contains(msg.Text, "http://127.0.0.1:8080/signin") || !strings.Contains(msg.HTML, `href="http://127.0.0.1:8080/signin"`) {
		t.Errorf("no sign-in link:\n%s\n%s", msg.Text, msg.HTML)
	}
	waitAllSent(t, e)
	if n := len(mp.Search(t, to)); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}

// TestDevMailShowsTheOutbox: without an SMTP server the invitation email
// waits in the outbox, and /dev/mail lists and shows it to this machine;
// through a proxy, or to another host name, it is not there (404).
func TestDevMailShowsTheOutbox(t *testing.T) {
	e := newEnv(t, "sqlite")
	coach := e.signIn("coach@example.com", app.RoleCoach)
	if res := coach.api("POST", "/api/v1/clients", map[string]string{"email": "pat@example.com", "name": "Pat <i>"}); res.StatusCode != http.StatusAccepted {
		t.Fatalf("invite: %d %s", res.StatusCode, res.body)
	}
	res := coach.get("/dev/mail")
	list := string(res.body)
	if res.StatusCode != http.StatusOK || !strings.Contains(list, "pat@example.com") || !strings.Contains(list, "invites you to work with them on Rapport") ||
		!strings.Contains(list, "not sent") || !strings.Contains(list, "SMTP_HOST") {
		t.Fatalf("/dev/mail: %d\n%s", res.StatusCode, list)
	}
	mails, err := e.db.RecentMail(t.Context(), 10)
	if err != nil || len(mails) != 1 {
		t.Fatalf("outbox %v %v", mails, err)
	}
	res = coach.get("/dev/mail/" + itoa(mails[0].ID))
	page := string(res.body)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "Hello Pat &lt;i&gt;,") || !strings.Contains(page, "&lt;a href=") {
		t.Errorf("/dev/mail/%d: %d\n%s", mails[0].ID, res.StatusCode, page)
	}
	if res := coach.get("/dev/mail/999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a missing email: %d", res.StatusCode)
	}
	if res := e.anon().get("/dev/mail"); res.StatusCode == http.StatusOK {
		t.Errorf("signed out: %d", res.StatusCode)
	}
	for name, set := range map[string]func(*http.Request){
		"XForwardedFor": func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9") },
		"PublicHost":    func(r *http.Request) { r.Host = "coach.example.com" },
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/dev/mail", nil)
		set(req)
		if res := coach.do(req); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", name, res.StatusCode)
		}
	}
}
