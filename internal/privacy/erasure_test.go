package privacy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/audit/audittest"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/privacy"
	"rapport/internal/store/storetest"
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
	if _, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, "someone@else.com"); app.ErrorFields(err)["confirm"] == "" {
		t.Fatalf("a wrong confirmation: %v", err)
	}
	e, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, " CLEO@example.com ")
	if err != nil || !e.DueAt.Equal(now.Add(14*24*time.Hour)) {
		t.Fatalf("request: %+v %v", e, err)
	}
	if _, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, "cleo@example.com"); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("a second request: %v", err)
	}
	if err := p.svc.CancelErasure(storetest.As(p.client), p.client.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.svc.CancelErasure(storetest.As(p.client), p.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("cancelling nothing: %v", err)
	}
	if _, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, "cleo@example.com"); err != nil {
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
	if got := p.logged(t, p.client.ID); got != "erasure_requested,erasure_cancelled,erasure_requested,erased" {
		t.Fatalf("the audit log: %s", got)
	}
}

// logged lists the actions the database's audit log holds about a
// person, oldest first, with their details after a colon when they have
// one.
func (p *practice) logged(t *testing.T, subjectID int64) string {
	t.Helper()
	rows, err := p.db.AuditEntries(context.Background(), audit.Filter{SubjectID: subjectID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[len(rows)-1-i] = string(r.Action)
		if r.Action == audit.ErasureCancelled && r.Detail != "" {
			out[len(rows)-1-i] += ":" + r.Detail
		}
	}
	return strings.Join(out, ",")
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

	sessions, _ := p.db.ListCallSessions(ctx, a.ID)
	if err := p.db.AppendMessages(ctx, []*chat.Message{{SessionID: sessions[0].ID, Kind: chat.KindAI, Body: "on your diary", Seq: 5,
		ClientID: "ai-5", CreatedAt: now}}); err != nil {
		t.Fatal(err)
	}
	for _, l := range []*coaching.TranscriptLine{{SpeakerID: p.client.ID, Body: "I kept a diary"}, {SpeakerID: p.coach.ID, Body: "your diary, said back"}} {
		l.SessionID, l.CreatedAt = sessions[0].ID, now
		if err := p.db.AddTranscriptLine(ctx, l); err != nil {
			t.Fatal(err)
		}
	}

	e, err := p.svc.RequestErasure(storetest.As(p.admin), p.client.ID, "cleo@example.com")
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
	lines, _ := p.db.MessagesAfter(ctx, sessions[0].ID, 0, 10)
	for _, l := range lines {
		if (l.SenderID == p.client.ID || l.Kind == chat.KindAI) != (l.Body == "deleted") {
			t.Fatalf("the call's chat after: %+v", l)
		}
	}
	if said, _ := p.db.TranscriptLines(ctx, sessions[0].ID, 0, 10); len(said) != 0 {
		t.Fatalf("the call's transcript after: %+v", said)
	}
	if got := p.logged(t, p.client.ID); got != "erasure_requested,erased" {
		t.Fatalf("the audit log: %s", got)
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
			ctx = storetest.As(tc.who)
		}
		_, err := p.svc.RequestErasure(ctx, tc.of, "cora@example.com")
		if app.ErrorCode(err) != tc.want {
			t.Errorf("%s: %v, want %s", name, err, tc.want)
		}
	}
	if _, err := p.svc.RequestErasure(storetest.As(p.admin), p.coach.ID, "cora@example.com"); !strings.Contains(app.ErrorMessage(err), "moved to another coach or released") {
		t.Errorf("erasing a coach says %v", err)
	}
}

// TestAClientWhoBecameACoach: their waiting erasure stays theirs to see
// and cancel; when it falls due, it is cancelled with the reason in the
// audit log, not carried out, and not tried again.
func TestAClientWhoBecameACoach(t *testing.T) {
	p, clock := erasing(t)
	ctx := context.Background()
	if _, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, "cleo@example.com"); err != nil {
		t.Fatal(err)
	}
	p.client.Role = app.RoleCoach
	if err := p.db.UpdateUser(ctx, p.client); err != nil {
		t.Fatal(err)
	}
	if e, err := p.svc.PendingErasure(storetest.As(p.client), p.client.ID); err != nil || e.UserID != p.client.ID {
		t.Fatalf("a coach's own waiting erasure: %+v %v", e, err)
	}
	if err := p.svc.CancelErasure(storetest.As(p.client), p.client.ID); err != nil {
		t.Fatalf("a coach cancels their own: %v", err)
	}
	if err := p.db.AddErasure(ctx, &privacy.Erasure{UserID: p.client.ID, RequestedBy: p.client.ID, RequestedAt: now, DueAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	for range 2 {
		if n, err := p.svc.EraseDue(ctx); n != 0 || err != nil {
			t.Fatalf("erasing someone who became a coach: %d %v", n, err)
		}
	}
	if u, _ := p.db.UserByID(ctx, p.client.ID); u.Email != "cleo@example.com" || u.Status != coaching.StatusActive {
		t.Fatalf("the coach after: %+v", u)
	}
	if _, err := p.db.PendingErasure(ctx, p.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("the erasure still waits: %v", err)
	}
	if got := p.logged(t, p.client.ID); got != "erasure_requested,erasure_cancelled,erasure_cancelled:became a coach" {
		t.Fatalf("the audit log: %s", got)
	}
}

// failingLog is the erasure store whose transactions cannot record the
// action on: recording it fails, inside the transaction.
type failingLog struct {
	privacy.ErasureStore
	on audit.Action
}

func (f failingLog) InErasureTx(ctx context.Context, fn func(q privacy.ErasureTx) error) error {
	return f.ErasureStore.InErasureTx(ctx, func(q privacy.ErasureTx) error { return fn(failingTx{q, f.on}) })
}

type failingTx struct {
	privacy.ErasureTx
	on audit.Action
}

func (f failingTx) Record(ctx context.Context, e *audit.Entry) error {
	if e.Action == f.on {
		return audittest.ErrDown
	}
	return f.ErasureTx.Record(ctx, e)
}

// TestNoErasureChangeWithoutItsEntry: when its audit entry cannot be
// written, a request, a cancellation or an erasure is not made either,
// and nothing of it is in the log.
func TestNoErasureChangeWithoutItsEntry(t *testing.T) {
	p, _ := erasing(t)
	ctx := context.Background()
	p.svc.Erasures = failingLog{p.db, audit.ErasureRequested}
	if _, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, "cleo@example.com"); !errors.Is(err, audittest.ErrDown) {
		t.Fatalf("a request without its entry: %v", err)
	}
	if _, err := p.db.PendingErasure(ctx, p.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("the request was kept without its entry: %v", err)
	}

	p.svc.Erasures = failingLog{p.db, audit.ErasureCancelled}
	if _, err := p.svc.RequestErasure(storetest.As(p.client), p.client.ID, "cleo@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := p.svc.CancelErasure(storetest.As(p.client), p.client.ID); !errors.Is(err, audittest.ErrDown) {
		t.Fatalf("a cancellation without its entry: %v", err)
	}
	if _, err := p.db.PendingErasure(ctx, p.client.ID); err != nil {
		t.Fatalf("the cancellation was kept without its entry: %v", err)
	}

	p.svc.Erasures = failingLog{p.db, audit.Erased}
	if _, err := p.svc.RequestErasure(storetest.As(p.admin), p.otherClient.ID, "olga@example.com"); !errors.Is(err, audittest.ErrDown) {
		t.Fatalf("an erasure without its entry: %v", err)
	}
	if u, _ := p.db.UserByID(ctx, p.otherClient.ID); u.Email != "olga@example.com" {
		t.Fatalf("the person was erased without the entry: %+v", u)
	}
	if _, err := p.db.PendingErasure(ctx, p.otherClient.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Fatalf("the admin's request was kept without its erasure: %v", err)
	}
	if got := p.logged(t, p.client.ID) + "|" + p.logged(t, p.otherClient.ID); got != "erasure_requested|" {
		t.Fatalf("the audit log: %s", got)
	}
}
