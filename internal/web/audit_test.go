package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/auth/oidctest"
	"rapport/internal/coaching"
)

// auditList is GET /api/v1/audit's answer.
type auditList struct {
	Items []struct {
		ID     int64
		At     time.Time
		Action string
		Detail string
		Actor  *struct {
			ID          int64
			Name, Email string
		}
		Subject *struct {
			ID          int64
			Name, Email string
		}
	}
}

// auditAPI lists the log as c, with query.
func auditAPI(t *testing.T, c *client, query string) auditList {
	t.Helper()
	res := c.get("/api/v1/audit?" + query)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("audit ?%s: %d %s", query, res.StatusCode, res.body)
	}
	var l auditList
	res.json(t, &l)
	return l
}

// TestWhatIsAudited: a sign-in (with its network), an admin's change of
// role and of status (through the API and the form), and a pin are in the
// log, with who did it to whom; the API's filters keep what they say.
func TestWhatIsAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		adminID, otherClientID := w.admin.id(), w.otherClient.id()
		if res := w.admin.api("PATCH", fmt.Sprintf("/api/v1/users/%d", otherClientID), map[string]any{"role": "coach"}); res.StatusCode != http.StatusOK {
			t.Fatalf("role change: %d %s", res.StatusCode, res.body)
		}
		if res := w.admin.form("POST", fmt.Sprintf("/users/%d", otherClientID), url.Values{"status": {"disabled"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", res.StatusCode)
		}
		if res := w.admin.form("POST", fmt.Sprintf("/users/%d/pin", w.clientID), url.Values{"pinned": {"true"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("pin: %d", res.StatusCode)
		}

		signIns := auditAPI(t, w.admin, fmt.Sprintf("action=signed_in&subject=%d", w.clientID)).Items
		if len(signIns) != 1 || signIns[0].Actor == nil || signIns[0].Actor.ID != w.clientID ||
			!strings.HasSuffix(signIns[0].Detail, "from 127.0.0.0/24") || signIns[0].Subject.Email != "client@example.com" {
			t.Errorf("the client's sign-in: %+v", signIns)
		}
		changes := auditAPI(t, w.admin, "actor=admin@example.com&subject="+itoa(otherClientID)).Items
		if len(changes) != 2 || changes[0].Action != "status_changed" || changes[0].Detail != "active -> disabled" ||
			changes[1].Action != "role_changed" || changes[1].Detail != "client -> coach" || changes[1].Actor.ID != adminID {
			t.Errorf("the admin's changes: %+v", changes)
		}
		pins := auditAPI(t, w.admin, "action=role_pinned").Items
		if len(pins) != 1 || pins[0].Subject.ID != w.clientID || pins[0].Actor.ID != adminID || !strings.HasPrefix(pins[0].Detail, "pinned") {
			t.Errorf("the pin: %+v", pins)
		}
		today := time.Now().UTC().Format("2006-01-02")
		if got := auditAPI(t, w.admin, "from="+today+"&to="+today+"&limit=3").Items; len(got) != 3 {
			t.Errorf("today's first page: %d entries, want 3", len(got))
		}
		if got := auditAPI(t, w.admin, "to=2000-01-01").Items; len(got) != 0 {
			t.Errorf("before 2000: %+v", got)
		}
		res := w.admin.get("/api/v1/audit?action=read_minds&actor=nobody@example.com&from=yesterday")
		if code, fields := res.errorBody(t); res.StatusCode != http.StatusBadRequest || code != app.EINVALID ||
			fields["action"] == "" || fields["actor"] == "" || fields["from"] == "" {
			t.Errorf("a bad filter: %d %s", res.StatusCode, res.body)
		}
	})
}

// TestTheAuditPage: admins find it in the navigation; it names the people
// of each entry, keeps a bad filter as typed with what is wrong, and pages
// with the filter kept.
func TestTheAuditPage(t *testing.T) {
	e := newEnv(t, "sqlite")
	admin := e.signIn("admin@example.com", app.RoleAdmin)
	coach := e.signIn("coach@example.com", app.RoleCoach)
	if body := string(admin.get("/dashboard").body); !strings.Contains(body, `href="/admin/audit"`) {
		t.Error("the admin's navigation does not link the audit log")
	}
	if body := string(coach.get("/dashboard").body); strings.Contains(body, `href="/admin/audit"`) {
		t.Error("a coach's navigation links the audit log")
	}
	page := admin.get("/admin/audit")
	if body := string(page.body); page.StatusCode != http.StatusOK || !strings.Contains(body, "Name coach@example.com") ||
		!strings.Contains(body, `data-action="signed_in"`) || !strings.Contains(body, "Entries are kept for 730 days") {
		t.Fatalf("the page: %d %s", page.StatusCode, page.body)
	}
	bad := admin.get("/admin/audit?actor=who%3F&to=31.12.2030")
	if body := string(bad.body); bad.StatusCode != http.StatusBadRequest || !strings.Contains(body, `value="who?"`) ||
		!strings.Contains(body, `value="31.12.2030"`) || !strings.Contains(body, "must be a person&#39;s email or number") {
		t.Errorf("a bad filter: %d %s", bad.StatusCode, bad.body)
	}
	for i := range 105 {
		if err := e.db.Record(t.Context(), &audit.Entry{At: time.Now().Add(-time.Duration(i) * time.Minute), Action: audit.RetentionApplied,
			Detail: fmt.Sprintf("run %03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	first := string(admin.get("/admin/audit?actor=system").body)
	if !strings.Contains(first, "run 099") || strings.Contains(first, "run 100") ||
		!strings.Contains(first, `href="/admin/audit?actor=system&amp;offset=100"`) || strings.Contains(first, ">Newer<") {
		t.Fatalf("the first page of the system's entries:\n%s", first)
	}
	second := string(admin.get("/admin/audit?actor=system&offset=100").body)
	if !strings.Contains(second, "run 104") || strings.Contains(second, `data-action="signed_in"`) || !strings.Contains(second, ">Newer<") {
		t.Fatalf("the second page:\n%s", second)
	}
}

// TestAProvidersSignInIsAudited: a sign-in through the provider records
// its entry like the developer sign-in's; a refused one records nothing.
func TestAProvidersSignInIsAudited(t *testing.T) {
	e, p := oidcEnvWith(t, "sqlite", oidctest.New("rapport-client", "s3cret"), nil) // SIGNUP closed: strangers are refused
	p.SignInAs(oidctest.User{Subject: "g-9", Email: "stranger@example.com", EmailVerified: true})
	if res := signInWith(t, e.anon(), "/dashboard"); res.StatusCode != http.StatusForbidden {
		t.Fatalf("a stranger's sign-in: %d", res.StatusCode)
	}
	if got, _ := e.db.AuditEntries(t.Context(), audit.Filter{Limit: 10}); len(got) != 0 {
		t.Fatalf("a refused sign-in recorded %+v", got)
	}
	if _, err := e.svc.CreateUser(app.WithActor(t.Context(), app.Operator), coaching.NewUser{Email: "ada@example.com", Role: app.RoleCoach}); err != nil {
		t.Fatal(err)
	}
	p.SignInAs(oidctest.User{Subject: "g-1", Email: "ada@example.com", EmailVerified: true})
	if res := signInWith(t, e.anon(), "/dashboard"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	got, err := e.db.AuditEntries(t.Context(), audit.Filter{Action: audit.SignedIn, Limit: 10})
	if err != nil || len(got) != 1 || got[0].Actor.Email != "ada@example.com" || got[0].SubjectID != got[0].ActorID ||
		!strings.HasSuffix(got[0].Detail, "from 127.0.0.0/24") {
		t.Fatalf("the sign-in's entry %+v %v", got, err)
	}
}
