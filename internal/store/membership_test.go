package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/membership"
	"rapport/internal/store"
)

// TestApplyingAMembershipPlan: a plan's users, records and history land in
// one transaction; a disabled user's sessions end; a pinned user is never
// touched; the next run reads the state and the last good run's counts.
func TestApplyingAMembershipPlan(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "carla@example.com", app.RoleClient)
		client := mustUser(t, db, "cleo@example.com", app.RoleClient)
		pinned := mustUser(t, db, "pat@example.com", app.RoleCoach)
		if err := db.PinRole(ctx, pinned.ID, true); err != nil {
			t.Fatal(err)
		}
		at := t0
		id, err := db.StartMembershipRun(ctx, at)
		if err != nil {
			t.Fatal(err)
		}
		plan := membership.Plan{
			Users: []membership.UserChange{
				{ID: coach.ID, Email: coach.Email, FromRole: app.RoleClient, ToRole: app.RoleCoach, FromStatus: coaching.StatusActive, ToStatus: coaching.StatusActive},
				{ID: client.ID, Email: client.Email, FromRole: app.RoleClient, ToRole: app.RoleClient, FromStatus: coaching.StatusActive, ToStatus: coaching.StatusDisabled},
				{Email: "New@Example.com", Name: "Nia", ToRole: app.RoleClient, ToStatus: coaching.StatusInvited},
			},
			Records: []membership.Record{
				{Email: "carla@example.com", Community: membership.Coaches, Status: membership.Active, Joined: t0.AddDate(-1, 0, 0), LastSeen: at},
				{Email: "new@example.com", Community: membership.Clients, Status: membership.Cancelled, AccessEnds: ptrTime(t0.AddDate(0, 0, 10)), LastSeen: at},
			},
			Events: []membership.Event{{UserID: coach.ID, Email: coach.Email, What: "role", From: "client", To: "coach", Why: "active in the coaches' community"},
				{Email: "new@example.com", What: "user", To: "client, invited", Why: "active in the clients' community"}},
		}
		fin := at.Add(time.Minute)
		run := &membership.Run{ID: id, Finished: &fin, Outcome: membership.OK, Coaches: 1, Clients: 1, Changes: 3}
		if err := db.ApplyMembershipPlan(ctx, plan, run); err != nil {
			t.Fatal(err)
		}
		if u, _ := db.UserByID(ctx, coach.ID); u.Role != app.RoleCoach {
			t.Fatalf("the promotion: %+v", u)
		}
		if u, _ := db.UserByID(ctx, client.ID); u.Status != coaching.StatusDisabled || u.SessionVersion != client.SessionVersion+1 {
			t.Fatalf("the disabled user %+v: their sessions must end", u)
		}
		newUser, err := db.UserByEmail(ctx, "new@example.com")
		if err != nil || newUser.Status != coaching.StatusInvited || newUser.Role != app.RoleClient {
			t.Fatalf("the prepared user %+v %v", newUser, err)
		}
		st, err := db.MembershipState(ctx)
		if err != nil || len(st.Records) != 2 || st.LastGood[membership.Coaches] != 1 || st.LastGood[membership.Clients] != 1 {
			t.Fatalf("state %+v %v", st, err)
		}
		for _, u := range st.Users {
			if u.ID == pinned.ID && !u.Pinned {
				t.Fatal("the pinned user does not read as pinned")
			}
		}
		hist, err := db.MembershipHistory(ctx, "NEW@example.com", 10)
		if err != nil || len(hist) != 1 || hist[0].UserID != newUser.ID || hist[0].RunID != id {
			t.Fatalf("history %+v %v", hist, err)
		}
		runs, err := db.MembershipRuns(ctx, 5)
		if err != nil || len(runs) != 1 || runs[0].Outcome != membership.OK || runs[0].Changes != 3 || runs[0].Finished == nil {
			t.Fatalf("runs %+v %v", runs, err)
		}

		// A plan that cannot be applied whole is not applied at all.
		id2, _ := db.StartMembershipRun(ctx, at)
		bad := membership.Plan{Users: []membership.UserChange{
			{ID: coach.ID, Email: coach.Email, FromRole: app.RoleCoach, ToRole: app.RoleClient, ToStatus: coaching.StatusActive},
			{ID: pinned.ID, Email: pinned.Email, ToRole: app.RoleClient, ToStatus: coaching.StatusActive}, // pinned: refused
		}}
		if err := db.ApplyMembershipPlan(ctx, bad, &membership.Run{ID: id2, Finished: &fin, Outcome: membership.OK}); err == nil {
			t.Fatal("a plan changing a pinned user was applied")
		}
		if u, _ := db.UserByID(ctx, coach.ID); u.Role != app.RoleCoach {
			t.Fatal("half a plan was applied")
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }
