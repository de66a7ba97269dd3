package audit_test

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
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

const day = 24 * time.Hour

// practice is a database with one ended call that holds chat messages and
// transcript lines of two ages, a conversation with messages of two ages
// (an old one and a recent one with a file each), and audit entries of
// two ages.
type practice struct {
	db           *store.DB
	session      int64
	conversation int64
	files        [2]int64 // the old message's file, the recent one's
}

// mustPractice fills a fresh database of dialect: old things were said
// 400 days before now, recent ones 10 days before; old entries were
// recorded 800 days before now, recent ones 10.
func mustPractice(t *testing.T, dialect string) *practice {
	t.Helper()
	db := storetest.MustOpen(t, dialect)
	ctx := context.Background()
	var users [2]*coaching.User
	for i, role := range []app.Role{app.RoleCoach, app.RoleClient} {
		users[i] = &coaching.User{Email: fmt.Sprintf("%s@example.com", role), Role: role, Status: coaching.StatusActive, CreatedAt: now, UpdatedAt: now}
		if err := db.CreateUser(ctx, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	old := now.Add(-400 * day)
	a := &coaching.Appointment{CoachID: users[0].ID, ClientID: users[1].ID, Title: "S", StartsAt: old, Duration: time.Hour,
		Status: coaching.ApptScheduled, RoomID: "room-aaaaaaaaaaaaaaaaaaaaaaaaaaaa", CreatedAt: old, UpdatedAt: old}
	if err := db.CreateAppointment(ctx, a); err != nil {
		t.Fatal(err)
	}
	cs, err := db.OpenCallSession(ctx, a.ID, old)
	if err != nil {
		t.Fatal(err)
	}
	p := &practice{db: db, session: cs.ID}
	p.say(t, 5, old, 1)
	p.say(t, 3, now.Add(-10*day), 6)
	p.write(t, users[0].ID, users[1].ID, old, now.Add(-10*day))
	if _, err := db.EndCallSession(ctx, cs.ID, now.Add(-10*day)); err != nil {
		t.Fatal(err)
	}
	for i, at := range []time.Time{now.Add(-800 * day), now.Add(-800 * day), now.Add(-10 * day)} {
		if err := db.Record(ctx, &audit.Entry{At: at, Action: audit.SignedIn, Detail: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// say stores n chat messages and n transcript lines at at, from sequence
// number seq on.
func (p *practice) say(t *testing.T, n int, at time.Time, seq int64) {
	t.Helper()
	ctx := context.Background()
	var msgs []*chat.Message
	for i := range int64(n) {
		msgs = append(msgs, &chat.Message{SessionID: p.session, Kind: chat.KindText, Body: "words", Seq: seq + i, CreatedAt: at})
		if err := p.db.AddTranscriptLine(ctx, &coaching.TranscriptLine{SessionID: p.session, Body: "words", CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.db.AppendMessages(ctx, msgs); err != nil {
		t.Fatal(err)
	}
}

// write starts the coach's conversation with the client: four messages
// at old, the last with a file, then two at recent, the first with a file.
func (p *practice) write(t *testing.T, coachID, clientID int64, old, recent time.Time) {
	t.Helper()
	ctx := context.Background()
	c, err := p.db.ConversationOf(ctx, coachID, clientID, old)
	if err != nil {
		t.Fatal(err)
	}
	p.conversation = c.ID
	for i, at := range []time.Time{old, old, old, old, recent, recent} {
		m := &conversation.Message{ConversationID: c.ID, SenderID: coachID, ClientID: fmt.Sprint("m", i), Body: "words", CreatedAt: at}
		if i == 3 || i == 4 {
			m.File = &conversation.File{Name: "plan.pdf", Type: "application/pdf", Size: 3, SHA256: "x"}
		}
		if _, err := p.db.AddMessage(ctx, m, []byte("pdf")); err != nil {
			t.Fatal(err)
		}
		if m.File != nil {
			p.files[i-3] = m.File.ID
		}
	}
}

// conversationLeft counts the conversation's messages that remain and
// reports which of its two files do.
func (p *practice) conversationLeft(t *testing.T) (msgs int, files [2]bool) {
	t.Helper()
	ctx := context.Background()
	left, err := p.db.Messages(ctx, p.conversation, conversation.Page{Forward: true, Limit: conversation.MaxPage})
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range p.files {
		_, _, err := p.db.FileByID(ctx, id)
		files[i] = err == nil
		if _, derr := p.db.FileData(ctx, id); (derr == nil) != files[i] {
			t.Errorf("file %d: its description and its bytes disagree (%v, %v)", id, err, derr)
		}
	}
	return len(left), files
}

// left counts the chat messages and transcript lines that remain.
func (p *practice) left(t *testing.T) (int, int) {
	t.Helper()
	msgs, err := p.db.MessagesAfter(context.Background(), p.session, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := p.db.TranscriptLines(context.Background(), p.session, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	return len(msgs), len(lines)
}

// lastRun is the newest RetentionApplied entry.
func lastRun(t *testing.T, db *store.DB) audit.Row {
	t.Helper()
	rows, err := db.AuditEntries(context.Background(), audit.Filter{Action: audit.RetentionApplied, Limit: 1})
	if err != nil || len(rows) != 1 {
		t.Fatalf("the run's entry: %+v %v", rows, err)
	}
	return rows[0]
}

// TestRetentionDeletesWhatIsOlder: each kind set goes when older than its
// time, in batches, and a kind that is off stays whole; the run records
// its counts and no content. On both databases, with the tests' clock.
func TestRetentionDeletesWhatIsOlder(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			p := mustPractice(t, d)
			r := &audit.Retention{Store: p.db, Clock: app.NewFixedClock(now), Chat: 365 * day, Audit: 730 * day, Batch: 2}
			got, err := r.Apply(context.Background())
			if err != nil || got != (audit.Deleted{ChatMessages: 5, ConversationMessages: 4, AuditEntries: 2}) {
				t.Fatalf("deleted %+v, %v", got, err)
			}
			if msgs, lines := p.left(t); msgs != 3 || lines != 8 {
				t.Errorf("left %d messages and %d lines, want 3 and all 8", msgs, lines)
			}
			if msgs, files := p.conversationLeft(t); msgs != 2 || files != [2]bool{false, true} {
				t.Errorf("the conversation keeps %d messages and files %v, want 2 and only the recent file", msgs, files)
			}
			e := lastRun(t, p.db)
			want := "5 chat messages older than 365 days deleted; 4 conversation messages older than 365 days deleted; " +
				"transcript lines kept forever; 2 audit entries older than 730 days deleted"
			if e.Detail != want || e.ActorID != 0 || e.SubjectID != 0 || !e.At.Equal(now) {
				t.Errorf("the run's entry %+v, want the detail %q", e, want)
			}
			if again, err := r.Apply(context.Background()); err != nil || again != (audit.Deleted{}) {
				t.Errorf("a second run deleted %+v, %v", again, err)
			}
		})
	}
}

// failingKeeper fails to delete transcript lines.
type failingKeeper struct{ *store.DB }

func (failingKeeper) DeleteTranscriptLinesBefore(context.Context, time.Time, int) (int, error) {
	return 0, errors.New("disk on fire")
}

// TestARetentionStoppedEarlySaysWhatItDeleted: what went before an error
// is counted and recorded, and the error is returned.
func TestARetentionStoppedEarlySaysWhatItDeleted(t *testing.T) {
	p := mustPractice(t, "sqlite")
	r := &audit.Retention{Store: failingKeeper{p.db}, Clock: app.NewFixedClock(now), Chat: 365 * day, Transcripts: 365 * day, Audit: 730 * day}
	got, err := r.Apply(context.Background())
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || got.ChatMessages != 5 || got.AuditEntries != 0 {
		t.Fatalf("deleted %+v, %v", got, err)
	}
	if e := lastRun(t, p.db); !strings.HasPrefix(e.Detail, "5 chat messages") || !strings.Contains(e.Detail, "stopped early") {
		t.Errorf("the run's entry %q", e.Detail)
	}
}

// TestNightlyRunsOnceANightOnOneServer: two servers tick the same nights;
// the first tick only schedules; at the time one of them runs, the other
// finds the night's lease taken, and neither runs again before the next
// night. On both databases.
func TestNightlyRunsOnceANightOnOneServer(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(d, func(t *testing.T) {
			p := mustPractice(t, d)
			clock := app.NewFixedClock(now.Truncate(day).Add(3 * time.Hour)) // 03:00, an hour before the run
			at4 := func(after time.Time) time.Time {
				next := after.Truncate(day).Add(4 * time.Hour)
				if !next.After(after) {
					next = next.Add(day)
				}
				return next
			}
			node := func(name string) *audit.Nightly {
				r := &audit.Retention{Store: p.db, Clock: clock, Chat: 365 * day, Audit: 730 * day}
				return &audit.Nightly{Retention: r, Lease: p.db, Holder: name, Next: at4}
			}
			a, b := node("a"), node("b")
			ctx := context.Background()
			tick := func(n *audit.Nightly) bool { return n.Tick(ctx, clock.Now()) }
			if tick(a) || tick(b) {
				t.Fatal("a first tick ran")
			}
			clock.Advance(59 * time.Minute)
			if tick(a) || tick(b) {
				t.Fatal("a tick before the time ran")
			}
			clock.Advance(90 * time.Second)
			if ran := []bool{tick(a), tick(b)}; !ran[0] || ran[1] {
				t.Fatalf("at the time: ran %v, want a only", ran)
			}
			clock.Advance(time.Hour)
			if tick(a) || tick(b) {
				t.Fatal("a second run the same night")
			}
			if !b.Due().Equal(a.Due()) || !a.Due().Equal(at4(clock.Now())) {
				t.Fatalf("next runs %v and %v, want tomorrow's", a.Due(), b.Due())
			}
			clock.Advance(day)
			if ran := []bool{tick(b), tick(a)}; !ran[0] || ran[1] {
				t.Fatalf("the next night: ran %v, want b only", ran)
			}
			runs, err := p.db.AuditEntries(ctx, audit.Filter{Action: audit.RetentionApplied, Limit: 10})
			if err != nil || len(runs) != 2 {
				t.Fatalf("runs recorded %d, want 2: %v", len(runs), err)
			}
		})
	}
}
