package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/mail"
	"rapport/internal/privacy"
	"rapport/internal/record"
	"rapport/internal/store"
)

// TestEraseClient: one waiting erasure a person; carried out, it leaves
// the person without name, address or sign-in, their messages blanked,
// their rows deleted, their future session cancelled, the coach's
// appointments whole, and a record in numbers.
func TestEraseClient(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "cleo@example.com", app.RoleClient)
		if err := db.LinkCoachClient(ctx, coach.ID, client.ID, t0); err != nil {
			t.Fatal(err)
		}
		past := mustAppt(t, db, coach, client, t0.Add(-time.Hour), "room-past-0000000000000000")
		future := mustAppt(t, db, coach, client, t0.Add(48*time.Hour), "room-future-00000000000000")
		cs, _ := db.OpenCallSession(ctx, past.ID, t0.Add(-time.Hour))
		if err := db.AppendMessages(ctx, []*chat.Message{
			{SessionID: cs.ID, SenderID: client.ID, Kind: chat.KindText, Body: "my worry", Seq: 1, ClientID: "a", CreatedAt: t0},
			{SessionID: cs.ID, SenderID: coach.ID, Kind: chat.KindText, Body: "I hear you", Seq: 2, ClientID: "b", CreatedAt: t0}}); err != nil {
			t.Fatal(err)
		}
		if err := db.EnqueueMail(ctx, &mail.Message{Key: "k:1:1", To: "Cleo@example.com", Subject: "s", Text: "t", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateGoal(ctx, &record.Goal{CoachID: coach.ID, ClientID: client.ID, Title: "Sleep well", CreatedAt: t0, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		e := &privacy.Erasure{UserID: client.ID, RequestedBy: client.ID, RequestedAt: t0, DueAt: t0}
		if err := db.AddErasure(ctx, e); err != nil {
			t.Fatal(err)
		}
		if err := db.AddErasure(ctx, &privacy.Erasure{UserID: client.ID, RequestedBy: client.ID, RequestedAt: t0, DueAt: t0}); app.ErrorCode(err) != app.ECONFLICT {
			t.Fatalf("a second waiting erasure: %v", err)
		}
		if due, _ := db.DueErasures(ctx, t0); len(due) != 1 {
			t.Fatalf("due: %+v", due)
		}
		if err := db.EraseClient(ctx, e, t0); err != nil {
			t.Fatal(err)
		}
		u, _ := db.UserByID(ctx, client.ID)
		if u.Email != fmt.Sprintf("erased-%d@erased.invalid", client.ID) || u.Name != "Erased client" || u.Status != coaching.StatusDisabled {
			t.Fatalf("the person after: %+v", u)
		}
		if _, err := db.UserByEmail(ctx, "cleo@example.com"); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("the address still finds them: %v", err)
		}
		msgs, _ := db.MessagesAfter(ctx, cs.ID, 0, 10)
		if msgs[0].Body != "deleted" || msgs[1].Body != "I hear you" {
			t.Fatalf("the chat after: %q %q", msgs[0].Body, msgs[1].Body)
		}
		if a, _ := db.AppointmentByID(ctx, future.ID); a.Status != coaching.ApptCancelled {
			t.Fatalf("the future session is %s", a.Status)
		}
		if a, _ := db.AppointmentByID(ctx, past.ID); a.Status != coaching.ApptScheduled {
			t.Fatalf("the past session is %s", a.Status)
		}
		if goals, _ := db.ListGoals(ctx, record.Scope{ClientID: client.ID}); len(goals) != 0 {
			t.Fatalf("their goals survived: %+v", goals)
		}
		if mails, _ := db.RecentMail(ctx, 10); len(mails) != 0 {
			t.Fatalf("their emails survived: %+v", mails)
		}
		if !strings.Contains(e.Detail, "call chat messages blanked: 1") || e.ErasedAt == nil {
			t.Fatalf("the record: %+v", e)
		}
		if _, err := db.PendingErasure(ctx, client.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("still waiting: %v", err)
		}
		if err := db.EraseClient(ctx, e, t0); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("erasing twice: %v", err)
		}
	})
}
