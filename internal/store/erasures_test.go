package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/mail"
	"rapport/internal/membership"
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
			{SessionID: cs.ID, SenderID: coach.ID, Kind: chat.KindText, Body: "I hear you", Seq: 2, ClientID: "b", CreatedAt: t0},
			{SessionID: cs.ID, Kind: chat.KindAI, Body: "about your worry", Seq: 3, ClientID: "ai-1", CreatedAt: t0}}); err != nil {
			t.Fatal(err)
		}
		for _, l := range []*coaching.TranscriptLine{{SpeakerID: client.ID, Body: "my worry, aloud"}, {SpeakerID: coach.ID, Body: "your worry, repeated"},
			{Body: "the AI on your worry"}} {
			l.SessionID, l.CreatedAt = cs.ID, t0
			if err := db.AddTranscriptLine(ctx, l); err != nil {
				t.Fatal(err)
			}
		}
		mustHistory(t, db, membership.Event{Email: "Cleo@example.com", What: "community", From: "", To: "clients", Why: "joined"})
		conv, _ := db.ConversationOf(ctx, coach.ID, client.ID, t0)
		if _, err := db.AddMessage(ctx, &conversation.Message{ConversationID: conv.ID, SenderID: coach.ID, ClientID: "m1", Body: "how are you?",
			CreatedAt: t0.Add(-time.Hour)}, nil); err != nil {
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
		if msgs[0].Body != "deleted" || msgs[1].Body != "I hear you" || msgs[2].Body != "deleted" || msgs[2].Kind != chat.KindAI {
			t.Fatalf("the chat after: %q %q %q", msgs[0].Body, msgs[1].Body, msgs[2].Body)
		}
		if lines, _ := db.TranscriptLines(ctx, cs.ID, 0, 10); len(lines) != 0 {
			t.Fatalf("their session's transcript survived: %+v", lines)
		}
		if hist, _ := db.MembershipHistory(ctx, "cleo@example.com", 10); len(hist) != 0 {
			t.Fatalf("their membership history by email survived: %+v", hist)
		}
		if n, _ := db.UnreadCount(ctx, client.ID); n != 0 {
			t.Fatalf("the erased person has %d unread messages", n)
		}
		if due, _ := db.UnreadNotices(ctx, t0.Add(24*time.Hour), 15*time.Minute, time.Hour); len(due) != 0 {
			t.Fatalf("a notice is due after the erasure: %+v", due[0])
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

// mustHistory records a membership event of a run of the Skool sync.
func mustHistory(t *testing.T, db *store.DB, e membership.Event) {
	t.Helper()
	ctx := context.Background()
	id, err := db.StartMembershipRun(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	fin := t0.Add(time.Minute)
	if err := db.ApplyMembershipPlan(ctx, membership.Plan{Events: []membership.Event{e}},
		&membership.Run{ID: id, Finished: &fin, Outcome: membership.OK}); err != nil {
		t.Fatal(err)
	}
}

// TestEraseClientRefusesWhoIsNoLongerAClient: someone who became a coach
// while their erasure waited is refused, and nothing of theirs is erased.
func TestEraseClientRefusesWhoIsNoLongerAClient(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mustUser(t, db, "cleo@example.com", app.RoleClient)
		if err := db.PutProfile(ctx, &coaching.Profile{UserID: u.ID, Data: map[string]any{"bio": "coach now"}, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		e := &privacy.Erasure{UserID: u.ID, RequestedBy: u.ID, RequestedAt: t0, DueAt: t0}
		if err := db.AddErasure(ctx, e); err != nil {
			t.Fatal(err)
		}
		u.Role = app.RoleCoach
		if err := db.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.EraseClient(ctx, e, t0); app.ErrorCode(err) != app.ECONFLICT || !strings.Contains(app.ErrorMessage(err), "not a client") {
			t.Fatalf("erasing a coach: %v", err)
		}
		if got, _ := db.UserByID(ctx, u.ID); got.Email != "cleo@example.com" || got.Status != coaching.StatusActive {
			t.Fatalf("the coach after: %+v", got)
		}
		if p, err := db.Profile(ctx, u.ID); err != nil || p.Text("bio") != "coach now" {
			t.Fatalf("the coach's profile after: %+v %v", p, err)
		}
		if _, err := db.PendingErasure(ctx, u.ID); err != nil {
			t.Fatalf("the erasure no longer waits: %v", err)
		}
	})
}

// TestAnErasureAndItsAuditEntryAreOne: what fails after the change in
// InErasureTx leaves neither the change nor its entry.
func TestAnErasureAndItsAuditEntryAreOne(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := mustUser(t, db, "cleo@example.com", app.RoleClient)
		errLater := errors.New("something after the entry failed")
		err := db.InErasureTx(ctx, func(q privacy.ErasureTx) error {
			if err := q.AddErasure(ctx, &privacy.Erasure{UserID: u.ID, RequestedBy: u.ID, RequestedAt: t0, DueAt: t0}); err != nil {
				return err
			}
			if err := q.Record(ctx, &audit.Entry{At: t0, ActorID: u.ID, Action: audit.ErasureRequested, SubjectID: u.ID}); err != nil {
				return err
			}
			return errLater
		})
		if !errors.Is(err, errLater) {
			t.Fatalf("the transaction answered %v", err)
		}
		if _, err := db.PendingErasure(ctx, u.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Fatalf("the erasure was kept: %v", err)
		}
		if rows, _ := db.AuditEntries(ctx, audit.Filter{SubjectID: u.ID, Limit: 10}); len(rows) != 0 {
			t.Fatalf("the entry was kept: %+v", rows)
		}
	})
}

// TestNoUnreadNoticeToTheDisabled: a person disabled gets no email about
// a message they have not read.
func TestNoUnreadNoticeToTheDisabled(t *testing.T) {
	each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		coach := mustUser(t, db, "coach@example.com", app.RoleCoach)
		client := mustUser(t, db, "cleo@example.com", app.RoleClient)
		c, _ := db.ConversationOf(ctx, coach.ID, client.ID, t0)
		if _, err := db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: coach.ID, ClientID: "m1", Body: "hello",
			CreatedAt: t0}, nil); err != nil {
			t.Fatal(err)
		}
		later := t0.Add(time.Hour)
		if due, _ := db.UnreadNotices(ctx, later, 15*time.Minute, time.Hour); len(due) != 1 || due[0].To.ID != client.ID {
			t.Fatalf("an active client's notice: %+v", due)
		}
		client.Status = coaching.StatusDisabled
		if err := db.UpdateUser(ctx, client); err != nil {
			t.Fatal(err)
		}
		if due, _ := db.UnreadNotices(ctx, later, 15*time.Minute, time.Hour); len(due) != 0 {
			t.Fatalf("a notice is due to someone disabled: %+v", due[0])
		}
	})
}
