package membership_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/coaching"
	"rapport/internal/membership"
	"rapport/internal/store/storetest"
)

// TestASyncsChangesAreAudited: every role a sync gives, to someone known
// or someone it prepares, is in the audit log as done by the system, with
// why; a dry run records nothing. On both databases.
func TestASyncsChangesAreAudited(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			db := storetest.MustOpen(t, d)
			ctx := context.Background()
			at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			carla := &coaching.User{Email: "carla@example.com", Role: app.RoleClient, Status: coaching.StatusActive, CreatedAt: at, UpdatedAt: at}
			if err := db.CreateUser(ctx, carla); err != nil {
				t.Fatal(err)
			}
			m := func(email string) membership.Member {
				return membership.Member{Email: email, Name: email, Status: membership.Active, Joined: at}
			}
			sc := &listScraper{lists: map[membership.Community][]membership.Member{
				membership.Coaches: {m("carla@example.com")}, membership.Clients: {m("nia@example.com")}}}
			s := &membership.Syncer{Scraper: sc, Store: db, GraceDays: 7, Threshold: 0.8, Now: func() time.Time { return at }}
			if _, err := s.Run(ctx, membership.Options{DryRun: true}); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.AuditEntries(ctx, audit.Filter{Limit: 10}); len(got) != 0 {
				t.Fatalf("a dry run recorded %+v", got)
			}
			if _, err := s.Run(ctx, membership.Options{}); err != nil {
				t.Fatal(err)
			}
			nia, err := db.UserByEmail(ctx, "nia@example.com")
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.AuditEntries(ctx, audit.Filter{System: true, Action: audit.RoleChanged, Limit: 10})
			if err != nil || len(got) != 2 {
				t.Fatalf("entries %+v %v", got, err)
			}
			bySubject := map[int64]audit.Row{got[0].SubjectID: got[0], got[1].SubjectID: got[1]}
			if e := bySubject[carla.ID]; !strings.HasPrefix(e.Detail, "client -> coach (Skool sync: ") || e.ActorID != 0 || !e.At.Equal(at) {
				t.Errorf("carla's promotion: %+v", e)
			}
			if e := bySubject[nia.ID]; !strings.HasPrefix(e.Detail, "new user: client, invited (Skool sync: active in the clients' community") {
				t.Errorf("nia's preparation: %+v", e)
			}
		})
	}
}
