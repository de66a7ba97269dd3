package conversation_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/coaching"
	"rapport/internal/conversation"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

var now = time.Date(2030, 3, 4, 9, 0, 0, 0, time.UTC)

// pair is a database with a coach and their client, another coach and
// client, an admin, and the service over it.
type pair struct {
	db                                            *store.DB
	clock                                         *app.FixedClock
	svc                                           *conversation.Service
	told                                          *told
	coach, client, otherCoach, otherClient, admin *coaching.User
}

// told records what the Notifier heard.
type told struct {
	mu   sync.Mutex
	seqs []int64
}

func (t *told) MessageAdded(_ *conversation.Conversation, m *conversation.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seqs = append(t.seqs, m.Seq)
}

func newPair(t *testing.T) *pair {
	t.Helper()
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	user := func(email string, role app.Role) *coaching.User {
		u := &coaching.User{Email: email, Name: strings.Split(email, "@")[0], Role: role, Status: coaching.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	p := &pair{db: db, clock: app.NewFixedClock(now), told: &told{}}
	p.coach, p.client = user("cora@example.com", app.RoleCoach), user("cleo@example.com", app.RoleClient)
	p.otherCoach, p.otherClient = user("otto@example.com", app.RoleCoach), user("olga@example.com", app.RoleClient)
	p.admin = user("ada@example.com", app.RoleAdmin)
	for _, l := range [][2]*coaching.User{{p.coach, p.client}, {p.otherCoach, p.otherClient}} {
		if err := db.LinkCoachClient(ctx, l[0].ID, l[1].ID, now); err != nil {
			t.Fatal(err)
		}
	}
	p.svc = &conversation.Service{Store: db, Clock: p.clock, Notify: p.told, Practice: coaching.Practice{Name: "Bright Path", URL: "https://coach.example"}}
	return p
}

func as(u *coaching.User) context.Context {
	return app.WithActor(context.Background(), u.Actor())
}

// TestOnlyThePairTalks: the coach and the client find the same
// conversation; everyone else is told there is none, admins too.
func TestOnlyThePairTalks(t *testing.T) {
	p := newPair(t)
	c, err := p.svc.With(as(p.coach), p.client.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c2, err := p.svc.With(as(p.client), p.coach.ID); err != nil || c2.ID != c.ID {
		t.Fatalf("the client's side: %+v %v, want conversation %d", c2, err, c.ID)
	}
	for name, u := range map[string]*coaching.User{"another coach": p.otherCoach, "another client": p.otherClient, "an admin": p.admin} {
		if _, err := p.svc.Get(as(u), c.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s reads the conversation: %v, want ENOTFOUND", name, err)
		}
		if _, err := p.svc.Send(as(u), c.ID, "x1", "hello", nil); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s writes into it: %v, want ENOTFOUND", name, err)
		}
	}
	if _, err := p.svc.With(as(p.otherCoach), p.client.ID); app.ErrorCode(err) != app.ENOTFOUND {
		t.Errorf("a coach opens a conversation with someone else's client: %v", err)
	}
	if _, err := p.svc.With(context.Background(), p.client.ID); app.ErrorCode(err) != app.EUNAUTHORIZED {
		t.Errorf("nobody signed in: %v", err)
	}
}

// TestSendStoresThenTells: a message is numbered, stored once however
// often it is sent, and the pages are told of it once.
func TestSendStoresThenTells(t *testing.T) {
	p := newPair(t)
	c, _ := p.svc.With(as(p.client), p.coach.ID)
	m, err := p.svc.Send(as(p.client), c.ID, "m-1", "Can we move Thursday?", nil)
	if err != nil || m.Seq != 1 {
		t.Fatalf("send: %+v %v", m, err)
	}
	again, err := p.svc.Send(as(p.client), c.ID, "m-1", "Can we move Thursday?", nil)
	if err != nil || again.ID != m.ID {
		t.Fatalf("a resend: %+v %v, want message %d", again, err, m.ID)
	}
	if len(p.told.seqs) != 1 || p.told.seqs[0] != 1 {
		t.Fatalf("the pages were told %v, want [1]", p.told.seqs)
	}
	if n, _ := p.svc.Unread(as(p.coach)); n != 1 {
		t.Fatalf("the coach has %d unread, want 1", n)
	}
	if err := p.svc.MarkRead(as(p.coach), c.ID, 99); err != nil {
		t.Fatal(err)
	}
	if n, _ := p.svc.Unread(as(p.coach)); n != 0 {
		t.Fatalf("after reading: %d unread", n)
	}
	list, err := p.svc.Messages(as(p.coach), c.ID, conversation.Page{Forward: true})
	if err != nil || len(list) != 1 || list[0].Body != "Can we move Thursday?" {
		t.Fatalf("the coach reads %+v %v", list, err)
	}
}

// TestBadMessages: each refusal names its field, and nothing is stored.
func TestBadMessages(t *testing.T) {
	p := newPair(t)
	c, _ := p.svc.With(as(p.coach), p.client.ID)
	big := &conversation.Upload{Name: "big.pdf", Data: make([]byte, conversation.MaxFileSize+1)}
	cases := []struct {
		name, clientID, body string
		up                   *conversation.Upload
		field, want          string
	}{
		{"blank", "a", "   ", nil, "body", "must not be empty"},
		{"too long", "a", strings.Repeat("x", 4001), nil, "body", "at most 4000"},
		{"a control character", "a", "hi\x00", nil, "body", "control"},
		{"no client id", "", "hi", nil, "client_id", "1 to 64"},
		{"a file over 10 MB", "a", "", big, "file", "at most 10 MB"},
		{"an empty file", "a", "", &conversation.Upload{Name: "a.pdf"}, "file", "empty"},
		{"a program", "a", "", &conversation.Upload{Name: "setup.exe", Data: []byte("MZ")}, "file", ".exe files are not taken"},
		{"no name", "a", "", &conversation.Upload{Name: "../", Data: []byte("x")}, "file", "must have a name"},
	}
	for _, tc := range cases {
		_, err := p.svc.Send(as(p.coach), c.ID, tc.clientID, tc.body, tc.up)
		if app.ErrorCode(err) != app.EINVALID || !strings.Contains(app.ErrorFields(err)[tc.field], tc.want) {
			t.Errorf("%s: %v (fields %v), want %s: %q", tc.name, err, app.ErrorFields(err), tc.field, tc.want)
		}
	}
	if list, _ := p.svc.Messages(as(p.coach), c.ID, conversation.Page{}); len(list) != 0 {
		t.Fatalf("refused messages were stored: %+v", list)
	}
}

// TestFiles: a file goes with a message, its name cleaned, and only the
// pair downloads it.
func TestFiles(t *testing.T) {
	p := newPair(t)
	c, _ := p.svc.With(as(p.coach), p.client.ID)
	m, err := p.svc.Send(as(p.coach), c.ID, "f", "", &conversation.Upload{Name: `C:\Users\cora\Plan` + "\u202e" + `.pdf`, Data: []byte("%PDF-1.7")})
	if err != nil {
		t.Fatal(err)
	}
	if m.File == nil || m.File.Name != "Plan.pdf" || m.File.Type != "application/pdf" || m.File.Size != 8 {
		t.Fatalf("the file: %+v", m.File)
	}
	f, data, err := p.svc.FileOf(as(p.client), m.File.ID)
	if err != nil || string(data) != "%PDF-1.7" || f.Name != "Plan.pdf" {
		t.Fatalf("the client downloads %+v %q %v", f, data, err)
	}
	for _, u := range []*coaching.User{p.otherCoach, p.otherClient, p.admin} {
		if _, _, err := p.svc.FileOf(as(u), m.File.ID); app.ErrorCode(err) != app.ENOTFOUND {
			t.Errorf("%s downloads it: %v", u.Email, err)
		}
	}
}

// TestAnEndedCoachingIsReadOnly: after the link ends, both still read,
// neither writes.
func TestAnEndedCoachingIsReadOnly(t *testing.T) {
	p := newPair(t)
	c, _ := p.svc.With(as(p.coach), p.client.ID)
	if _, err := p.svc.Send(as(p.coach), c.ID, "a", "see you", nil); err != nil {
		t.Fatal(err)
	}
	if err := p.db.UnlinkCoachClient(context.Background(), p.coach.ID, p.client.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := p.svc.Messages(as(p.client), c.ID, conversation.Page{}); err != nil || len(list) != 1 {
		t.Fatalf("reading after the end: %v %v", list, err)
	}
	if _, err := p.svc.Send(as(p.client), c.ID, "b", "bye", nil); app.ErrorCode(err) != app.EFORBIDDEN {
		t.Fatalf("writing after the end: %v, want EFORBIDDEN", err)
	}
}

// TestUnreadNoticeEmails: a message unread for 15 minutes queues one
// email, with the sender's name and a link and without the message.
func TestUnreadNoticeEmails(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	c, _ := p.svc.With(as(p.client), p.coach.ID)
	if _, err := p.svc.Send(as(p.client), c.ID, "a", "my private worry", nil); err != nil {
		t.Fatal(err)
	}
	p.clock.Advance(14 * time.Minute)
	if n, err := p.svc.SendUnreadNotices(ctx); err != nil || n != 0 {
		t.Fatalf("before 15 minutes: %d %v", n, err)
	}
	p.clock.Advance(time.Minute)
	if n, err := p.svc.SendUnreadNotices(ctx); err != nil || n != 1 {
		t.Fatalf("at 15 minutes: %d %v", n, err)
	}
	if n, _ := p.svc.SendUnreadNotices(ctx); n != 0 {
		t.Fatalf("a second run sent %d more", n)
	}
	queued, err := p.db.RecentMail(ctx, 10)
	if err != nil || len(queued) != 1 {
		t.Fatalf("the outbox: %+v %v", queued, err)
	}
	e := queued[0]
	if e.To != p.coach.Email || !strings.Contains(e.Subject, "cleo sent you a message on Bright Path") ||
		!strings.Contains(e.Text, "https://coach.example/messages/") || strings.Contains(e.Text+e.HTML, "private worry") {
		t.Fatalf("the email: %+v", e)
	}
}
