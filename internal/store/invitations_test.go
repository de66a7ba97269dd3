package store_test

import (
	"context"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/store"
)

func TestInvitations(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		coach2 := mustUser(t, db, "coach2@example.com", app.RoleCoach)
		put := func(coachID int64, email, name string, at time.Time) {
			t.Helper()
			if err := db.PutInvitation(ctx, &coaching.Invitation{CoachID: coachID, Email: email, Name: name, CreatedAt: at}); err != nil {
				t.Fatalf("put %s: %v", email, err)
			}
		}
		put(coach.ID, "Ann@example.com", "Ann", t0)
		put(coach.ID, "ann@EXAMPLE.com", "Again", t0.Add(time.Hour)) // kept as it was
		put(coach.ID, "bob@example.com", "", t0.Add(time.Minute))
		put(coach2.ID, "ann@example.com", "A.", t0.Add(2*time.Minute))

		sent, err := db.InvitationsSent(ctx, coach.ID, coaching.Page{Limit: 10})
		if err != nil || len(sent) != 2 {
			t.Fatalf("sent: %v %v", sent, err)
		}
		if s := sent[1]; s.Email != "Ann@example.com" || s.Name != "Ann" || !s.CreatedAt.Equal(t0) || s.CoachID != coach.ID || s.Coach != nil {
			t.Errorf("the first invitation became %+v", s)
		}
		if sent[0].Email != "bob@example.com" {
			t.Errorf("newest first: %+v", sent[0])
		}
		got, err := db.InvitationsFor(ctx, "ANN@example.com", coaching.Page{Limit: 10})
		if err != nil || len(got) != 2 {
			t.Fatalf("for ann: %v %v", got, err)
		}
		if got[0].CoachID != coach2.ID || got[0].Coach.Email != coach2.Email || got[0].Coach.Role != app.RoleCoach || got[1].CoachID != coach.ID {
			t.Errorf("for ann, newest first with the coach: %+v %+v", got[0], got[1])
		}
		if err := db.DeleteInvitation(ctx, coach.ID, "ann@EXAMPLE.COM"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteInvitation(ctx, coach.ID, "ann@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("delete twice: %v, want ENOTFOUND", err)
		}
		if got, _ := db.InvitationsFor(ctx, "ann@example.com", coaching.Page{Limit: 10}); len(got) != 1 || got[0].CoachID != coach2.ID {
			t.Errorf("after the delete: %+v", got)
		}
		none, err := db.InvitationsSent(ctx, 999, coaching.Page{Limit: 10})
		if err != nil || len(none) != 0 {
			t.Errorf("nobody's: %v %v", none, err)
		}
	})
}

func TestUnlinkCoachClient(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "client@example.com", app.RoleClient)
		if err := db.LinkCoachClient(ctx, coach.ID, client.ID, t0); err != nil {
			t.Fatal(err)
		}
		if err := db.UnlinkCoachClient(ctx, coach.ID, client.ID); err != nil {
			t.Fatal(err)
		}
		if ok, err := db.IsCoachOf(ctx, coach.ID, client.ID); ok || err != nil {
			t.Fatalf("still linked: %v %v", ok, err)
		}
		if err := db.UnlinkCoachClient(ctx, coach.ID, client.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("unlink twice: %v, want ENOTFOUND", err)
		}
	})
}
