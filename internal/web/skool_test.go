package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"rapport/internal/membership"
	"rapport/internal/store"
	"rapport/internal/web"
)

// TestTheSkoolAdminPage: an admin sees the runs and a member's history,
// and pins a role; nobody else sees the page or pins; without the sync
// set up, the page says how to set it up.
func TestTheSkoolAdminPage(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		w := e.world()
		ctx := context.Background()
		res := w.admin.get("/admin/skool")
		if res.StatusCode != http.StatusOK || !strings.Contains(string(res.body), "SKOOL_EMAIL") {
			t.Fatalf("the page without a sync: %d", res.StatusCode)
		}
		if res := w.coach.get("/admin/skool"); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a coach on the page: %d", res.StatusCode)
		}
		// A run with a change, as a sync leaves it.
		id, _ := e.db.StartMembershipRun(ctx, time.Now())
		fin := time.Now()
		plan := membership.Plan{Events: []membership.Event{{Email: "cleo@example.com", What: "role", From: "client", To: "coach", Why: "active in the coaches' community"}}}
		if err := e.db.ApplyMembershipPlan(ctx, plan, &membership.Run{ID: id, Finished: &fin, Outcome: membership.OK, Coaches: 3, Clients: 40, Changes: 1}); err != nil {
			t.Fatal(err)
		}
		e.setSkool(e.db)
		res = w.admin.get("/admin/skool?email=Cleo@example.com")
		body := string(res.body)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-outcome="ok"`) || !strings.Contains(body, "active in the coaches&#39; community") {
			t.Fatalf("the page: %d\n%s", res.StatusCode, body)
		}
		if res := w.coach.form("POST", "/users/"+itoa(w.clientID)+"/pin", url.Values{"pinned": {"true"}}); res.StatusCode != http.StatusForbidden {
			t.Fatalf("a coach pinned a role: %d", res.StatusCode)
		}
		if res := w.admin.form("POST", "/users/"+itoa(w.clientID)+"/pin", url.Values{"pinned": {"true"}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the admin's pin: %d %s", res.StatusCode, res.body)
		}
		if u, _ := e.db.UserByID(ctx, w.clientID); !u.RolePinned {
			t.Fatal("the role is not pinned")
		}
		if res := w.admin.get("/users"); !strings.Contains(string(res.body), "Unpin role") {
			t.Fatal("the users page does not show the pin")
		}
	})
}

// skoolOf is the store as the admin page's Skool sync, whose SyncNow does
// nothing.
type skoolOf struct{ *store.DB }

func (skoolOf) SyncNow() error { return nil }

func (e *env) setSkool(db *store.DB) { web.SetSkool(e.app.Web, skoolOf{db}) }
