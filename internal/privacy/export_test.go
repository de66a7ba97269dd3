package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/audit"
	"rapport/internal/audit/audittest"
	"rapport/internal/chat"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/intake"
	"rapport/internal/privacy"
	"rapport/internal/record"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// practice is a database with a coach, their client, another client and
// an admin, and the privacy service over it.
type practice struct {
	db                                *store.DB
	svc                               *privacy.Service
	audit                             *audittest.Recorder
	coach, client, otherClient, admin *coaching.User
}

func newPractice(t testing.TB) *practice {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	user := func(email, name string, role app.Role) *coaching.User {
		u := &coaching.User{Email: email, Name: name, Role: role, Status: coaching.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	p := &practice{db: db, audit: &audittest.Recorder{}}
	p.coach, p.client = user("cora@example.com", "Cora Coach", app.RoleCoach), user("cleo@example.com", "Cleo Client", app.RoleClient)
	p.otherClient, p.admin = user("olga@example.com", "Olga", app.RoleClient), user("ada@example.com", "Ada", app.RoleAdmin)
	storetest.MustLink(t, db, p.coach, p.client, now)
	p.svc = &privacy.Service{Store: db, Clock: app.NewFixedClock(now), Audit: p.audit, Holder: "test"}
	return p
}

// session books an appointment of the pair with a call of chat messages.
func (p *practice) session(t testing.TB, title string, at time.Time, chatLines int) *coaching.Appointment {
	t.Helper()
	ctx := context.Background()
	a := &coaching.Appointment{CoachID: p.coach.ID, ClientID: p.client.ID, Title: title, StartsAt: at, Duration: time.Hour,
		Status: coaching.ApptCompleted, RoomID: fmt.Sprintf("room-%022d", at.Unix()), Notes: "Bring your journal", CreatedAt: now, UpdatedAt: now}
	if err := p.db.CreateAppointment(ctx, a); err != nil {
		t.Fatal(err)
	}
	cs, err := p.db.OpenCallSession(ctx, a.ID, at)
	if err != nil {
		t.Fatal(err)
	}
	msgs := make([]*chat.Message, chatLines)
	for i := range msgs {
		from := []int64{p.coach.ID, p.client.ID}[i%2]
		msgs[i] = &chat.Message{SessionID: cs.ID, SenderID: from, Kind: chat.KindText, Body: fmt.Sprint("line ", i), Seq: int64(i + 1),
			ClientID: fmt.Sprint("c", i), CreatedAt: at.Add(time.Duration(i) * time.Second)}
	}
	if len(msgs) > 0 {
		if err := p.db.AppendMessages(ctx, msgs); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// open reads the export's data.json and files.
func open(t *testing.T, b []byte) (privacy.Export, map[string][]byte) {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, _ := f.Open()
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	var e privacy.Export
	if err := json.Unmarshal(files["data.json"], &e); err != nil {
		t.Fatalf("data.json: %v", err)
	}
	return e, files
}

// TestExportHoldsEverythingOfTheClients: the sessions with their chats,
// transcripts and shared summaries (not the unshared one), the
// conversation and its file, readable as HTML with what was typed escaped.
func TestExportHoldsEverythingOfTheClients(t *testing.T) {
	p := newPractice(t)
	ctx := context.Background()
	first := p.session(t, "Kickoff", now.Add(-48*time.Hour), 4)
	second := p.session(t, "<script>alert(1)</script>", now.Add(-24*time.Hour), 2)
	p.db.PutSummary(ctx, &coaching.Summary{AppointmentID: first.ID, Body: "Shared summary", WrittenAt: now})
	p.db.ShareSummary(ctx, first.ID, true)
	p.db.PutSummary(ctx, &coaching.Summary{AppointmentID: second.ID, Body: "The coach's own summary", WrittenAt: now})
	c, _ := p.db.ConversationOf(ctx, p.coach.ID, p.client.ID, now)
	pdf := []byte("%PDF-1.7 plan")
	p.db.AddMessage(ctx, &conversation.Message{ConversationID: c.ID, SenderID: p.coach.ID, ClientID: "f", Body: "the plan",
		File: &conversation.File{Name: "../../plan.pdf", Type: "application/pdf", Size: int64(len(pdf)), SHA256: "x"}, CreatedAt: now}, pdf)

	questions := intake.NewService(p.db, app.NewFixedClock(now))
	qn, err := questions.Create(storetest.As(p.coach), intake.Draft{Content: intake.Content{Title: "Intake",
		Questions: []intake.Question{{Kind: intake.ShortText, Text: "What brings you here?", Required: true}}}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := questions.Send(storetest.As(p.coach), qn.ID, p.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	qid := fmt.Sprint(req.Version.Questions[0].ID)
	if _, err := questions.Submit(storetest.As(p.client), req.ID, map[string][]string{qid: {"Better sleep"}}); err != nil {
		t.Fatal(err)
	}

	if err := p.db.CreateGoal(ctx, &record.Goal{CoachID: p.coach.ID, ClientID: p.client.ID, Title: "Sleep <by> eleven", Progress: 40,
		Note: "weeknights", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := p.svc.ExportTo(storetest.As(p.client), p.client.ID, &buf); err != nil {
		t.Fatal(err)
	}
	e, files := open(t, buf.Bytes())
	if len(e.Goals) != 1 || e.Goals[0].Title != "Sleep <by> eleven" || e.Goals[0].Progress != 40 || e.Goals[0].With != p.coach.DisplayName() ||
		!strings.Contains(string(files["index.html"]), "Sleep &lt;by&gt; eleven") {
		t.Fatalf("the goals: %+v", e.Goals)
	}
	if len(e.Answers) != 1 || e.Answers[0].Title != "Intake" || e.Answers[0].SubmittedAt == nil ||
		len(e.Answers[0].Items) != 1 || e.Answers[0].Items[0].Answer[0] != "Better sleep" ||
		!strings.Contains(string(files["index.html"]), "answered Mon 4 Mar 2030, 09:00 UTC") {
		t.Fatalf("the questionnaires: %+v", e.Answers)
	}
	if e.Person.Email != "cleo@example.com" || len(e.Coaches) != 1 || len(e.Sessions) != 2 {
		t.Fatalf("the export: %+v", e)
	}
	if s := e.Sessions[0]; s.Title != "Kickoff" || s.Summary != "Shared summary" || len(s.Calls) != 1 || len(s.Calls[0].Chat) != 4 ||
		s.Calls[0].Chat[1].Who != "Cleo Client" || s.Notes != "Bring your journal" {
		t.Fatalf("the first session: %+v", s)
	}
	if e.Sessions[1].Summary != "" || strings.Contains(string(files["data.json"]), "coach's own") {
		t.Fatal("an unshared summary is in the export")
	}
	if len(e.Messages) != 1 || len(e.Messages[0].Messages) != 1 {
		t.Fatalf("the conversation: %+v", e.Messages)
	}
	path := e.Messages[0].Messages[0].File
	if !strings.HasPrefix(path, "files/") || strings.Contains(path, "..") || !bytes.Equal(files[path], pdf) {
		t.Fatalf("the file at %q: %q", path, files[path])
	}
	page := string(files["index.html"])
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(page, "<script>alert") {
		t.Fatal("the HTML export does not escape what was typed")
	}
	if got := p.audit.Entries(); len(got) != 1 || got[0].Action != audit.Exported || got[0].SubjectID != p.client.ID {
		t.Fatalf("the audit log: %+v", got)
	}
}

// TestWhoMayExport: the client and an admin; not their coach, not another
// client; a coach has no client export; two at once are refused.
func TestWhoMayExport(t *testing.T) {
	p := newPractice(t)
	for name, tc := range map[string]struct {
		who  *coaching.User
		of   int64
		want string
	}{
		"the client": {p.client, p.client.ID, ""}, "an admin": {p.admin, p.client.ID, ""},
		"the coach": {p.coach, p.client.ID, app.ENOTFOUND}, "another client": {p.otherClient, p.client.ID, app.ENOTFOUND},
		"a coach's own": {p.admin, p.coach.ID, app.ECONFLICT},
	} {
		err := p.svc.ExportTo(storetest.As(tc.who), tc.of, io.Discard)
		if app.ErrorCode(err) != tc.want && !(tc.want == "" && err == nil) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if ok, err := p.db.AcquireLease(context.Background(), "export:"+fmt.Sprint(p.client.ID), "another server", now.Add(time.Minute), now); !ok || err != nil {
		t.Fatalf("hold the lease: %v %v", ok, err)
	}
	if err := p.svc.ExportTo(storetest.As(p.client), p.client.ID, io.Discard); app.ErrorCode(err) != app.ECONFLICT {
		t.Fatalf("an export while another is made: %v, want ECONFLICT", err)
	}
}

// stalled is a writer that holds its first write until released: an
// export being made.
type stalled struct {
	writing chan struct{} // closed at the first write
	release chan struct{}
	once    sync.Once
}

func (w *stalled) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.writing) })
	<-w.release
	return len(b), nil
}

// TestTwoExportsAtOnceOnOneServer: while one export of a client is made,
// a second on the same server is refused; once the first is done, the
// next goes ahead.
func TestTwoExportsAtOnceOnOneServer(t *testing.T) {
	p := newPractice(t)
	p.session(t, "Kickoff", now.Add(-24*time.Hour), 2)
	first := &stalled{writing: make(chan struct{}), release: make(chan struct{})}
	done := make(chan error, 1)
	go func() { done <- p.svc.ExportTo(storetest.As(p.client), p.client.ID, first) }()
	select {
	case <-first.writing:
	case err := <-done:
		t.Fatalf("the first export ended before it wrote: %v", err)
	}
	if err := p.svc.ExportTo(storetest.As(p.admin), p.client.ID, io.Discard); app.ErrorCode(err) != app.ECONFLICT {
		t.Errorf("a second export at once on the same server: %v, want ECONFLICT", err)
	}
	close(first.release)
	if err := <-done; err != nil {
		t.Fatalf("the first export: %v", err)
	}
	if err := p.svc.ExportTo(storetest.As(p.client), p.client.ID, io.Discard); err != nil {
		t.Fatalf("an export after the first is done: %v", err)
	}
}

// BenchmarkExport is a client with 200 sessions and 10,000 chat messages
// (50 a session): the whole export, as a ZIP in memory.
func BenchmarkExport(b *testing.B) {
	p := newPractice(b)
	for i := range 200 {
		p.session(b, fmt.Sprint("Session ", i), now.Add(-time.Duration(200-i)*24*time.Hour), 50)
	}
	ctx := storetest.As(p.client)
	b.ResetTimer()
	for b.Loop() {
		if err := p.svc.ExportTo(ctx, p.client.ID, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
