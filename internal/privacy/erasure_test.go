package privacy_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
)

// erasing is the practice with its erasures wired and a clock that moves.
func erasing(t *testing.T) (*practice, *app.FixedClock) {
	p := newPractice(t)
	clock := app.NewFixedClock(now)
	p.svc.Clock, p.svc.Erasures = clock, p.db
	return p, clock
}

// TestAClientsErasureWaitsTwoWeeks: confirmed with their email, it waits
// 14 days and can be undone meanwhile; asked again, it is carried out when
// due, and the person is gone from what the coach sees.
func TestAClientsErasureWaitsTwoWeeks(t *testing.T) {
	p, clock := erasing(t)
	ctx := context.Background()
	if _, err := p.svc.RequestErasure(as(p.client), p.client.ID, "someone@else.com"); app.ErrorFields(err)["confirm"] == "" {
		t.Fatalf("a wrong confirmation: %v", err)
	}
	e, err := p.svc.RequestErasure(as(p.client), p.client.ID, " CLEO@example.com ")
	if err != nil || !e.DueAt.Equal(now.Add(14*24*time.Hour)) {
		t.Fatalf("request: %+v %v", e, err)
	}
	if _, err := p.svc.RequestErasure(as(p.client), p.client.ID, "cleo@example.com"); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("a second request: %v", err)
	}
	if err := p.svc.CancelErasure(as(p.client), p.client.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.svc.CancelErasure(as(p.client), p.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("cancelling nothing: %v", err)
	}
	if _, err := p.svc.RequestErasure(as(p.client), p.client.ID, "cleo@example.com"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(14*24*time.Hour - time.Minute)
	if n, err := p.svc.EraseDue(ctx); n != 0 || err != nil {
		t.Fatalf("before the grace ends: %d %v", n, err)
	}
	clock.Advance(time.Minute)
	if n, err := p.svc.EraseDue(ctx); n != 1 || err != nil {
		t.Fatalf("when due: %d %v", n, err)
	}
	u, err := p.db.UserByID(ctx, p.client.ID)
	if err != nil || u.Name != "Erased client" || strings.Contains(u.Email, "cleo") || u.Status != coaching.StatusDisabled {
		t.Fatalf("the erased person: %+v %v", u, err)
	}
	var actions []audit.Action
	for _, a := range p.audit.entries {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(strs(actions), ","); got != "erasure_requested,erasure_cancelled,erasure_requested,erased" {
		t.Fatalf("the audit log: %s", got)
	}
}

func strs(as []audit.Action) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// TestAnAdminErasesAtOnce: what is the client's alone goes, what they
// wrote to the coach reads "deleted", the coach's own words and the
// appointment stay.
func TestAnAdminErasesAtOnce(t *testing.T) {
	p, _ := erasing(t)
	ctx := context.Background()
	a := p.session(t, "Kickoff", now.Add(-24*time.Hour), 4)
	p.db.PutProfile(ctx, &coaching.Profile{UserID: p.client.ID, Data: map[string]any{"goals": "sleep better"}, UpdatedAt: now})
	c, _ := p.db.ConversationOf(ctx, p.coach.ID, p.client.ID, now)
	pdf := []byte("%PDF my diary")
	p.db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: p.client.ID, ClientID: "x", Body: "my secret",
		File: &conversation.File{Name: "diary.pdf", Type: "application/pdf", Size: int64(len(pdf)), SHA256: "x"}, CreatedAt: now}, pdf)
	p.db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: p.coach.ID, ClientID: "y", Body: "thanks for sharing", CreatedAt: now}, nil)

	e, err := p.svc.RequestErasure(as(p.admin), p.client.ID, "cleo@example.com")
	if err != nil || e.ErasedAt == nil || !strings.Contains(e.Detail, "profile: 1") {
		t.Fatalf("an admin's erasure: %+v %v", e, err)
	}
	if _, err := p.db.Profile(ctx, p.client.ID); err == nil {
		if prof, _ := p.db.Profile(ctx, p.client.ID); len(prof.Data) != 0 {
			t.Fatalf("the profile survived: %+v", prof)
		}
	}
	msgs, _ := p.db.Messages(ctx, c.ID, conversation.Page{Forward: true, Limit: 10})
	if len(msgs) != 2 || msgs[0].Body != "deleted" || msgs[0].File != nil || msgs[1].Body != "thanks for sharing" {
		t.Fatalf("the conversation after: %+v", msgs)
	}
	sessions, _ := p.db.ListCallSessions(ctx, a.ID)
	lines, _ := p.db.MessagesAfter(ctx, sessions[0].ID, 0, 10)
	for _, l := range lines {
		if (l.SenderID == p.client.ID) != (l.Body == "deleted") || l.Kind != chat.KindText {
			t.Fatalf("the call's chat after: %+v", l)
		}
	}
	if appt, err := p.db.AppointmentByID(ctx, a.ID); err != nil || appt.Notes != "" || appt.Title != "Kickoff" {
		t.Fatalf("the appointment after: %+v %v", appt, err)
	}
	if ok, _ := p.db.IsCoachOf(ctx, p.coach.ID, p.client.ID); ok {
		t.Fatal("the coaching link survived")
	}
}

// TestWhoMayErase: not the coach, not another client; a coach is never
// erased here.
func TestWhoMayErase(t *testing.T) {
	p, _ := erasing(t)
	for name, tc := range map[string]struct {
		who  *coaching.User
		of   int64
		want string
	}{
		"the coach": {p.coach, p.client.ID, app.ENOTFOUND}, "another client": {p.otherClient, p.client.ID, app.ENOTFOUND},
		"a coach": {p.admin, p.coach.ID, app.ECONFLICT}, "nobody": {nil, p.client.ID, app.EUNAUTHORIZED},
	} {
		ctx := context.Background()
		if tc.who != nil {
			ctx = as(tc.who)
		}
		_, err := p.svc.RequestErasure(ctx, tc.of, "cora@example.com")
		if app.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}
	if _, err := p.svc.RequestErasure(as(p.admin), p.coach.ID, "cora@example.com"); !strings.Contains(app.ErrorMessage(err), "moved to another coach or released") {
		t.Errorf("erasing a coach says %v", err)
	}
}
