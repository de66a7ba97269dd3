package outbox_test

import (
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/mail"
	"rapport/internal/mail/mailtest"
	"rapport/internal/mail/outbox"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

var t0 = time.Date(2030, 5, 6, 9, 30, 0, 0, time.UTC)

const from = "practice@rapport.test"

// rig is a database with a clock, and Mailpit.
type rig struct {
	db    *store.DB
	clock *app.FixedClock
	mp    *mailtest.Mailpit
}

func mustRig(t testing.TB, dialect string) *rig {
	t.Helper()
	return &rig{mp: mailtest.MustMailpit(t), db: storetest.MustOpen(t, dialect), clock: app.NewFixedClock(t0)}
}

// sender is a sender of the rig's outbox through addr, as holder.
func (r *rig) sender(addr, holder string) *outbox.Sender {
	return &outbox.Sender{Store: r.db, SMTP: outbox.SMTP{Addr: addr}, From: from, FromName: "Bright Path",
		Holder: holder, Clock: r.clock, Timeout: 5 * time.Second}
}

// mustQueue queues an email to to.
func (r *rig) mustQueue(t testing.TB, key, to string) *mail.Message {
	t.Helper()
	m := &mail.Message{Key: key, To: to, ToName: "Ann Example", Subject: "Your session",
		Text: "Hello Ann,\nsee you soon.", HTML: "<p>Hello Ann,<br>see you <b>soon</b>.</p>", CreatedAt: r.clock.Now()}
	if err := r.db.EnqueueMail(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustRound(t testing.TB, s *outbox.Sender, want int) {
	t.Helper()
	n, err := s.Round(context.Background())
	if err != nil || n != want {
		t.Fatalf("round: sent %d (%v), want %d", n, err, want)
	}
}

func mustRow(t testing.TB, r *rig, id int64) *mail.Queued {
	t.Helper()
	m, err := r.db.MailByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestSenderDeliversMultipart: a queued email arrives with its text and
// HTML parts, the practice's name on its From, its row's Message-ID, and
// its row marked sent.
func TestSenderDeliversMultipart(t *testing.T) {
	t.Parallel()
	r := mustRig(t, "sqlite")
	to := mailtest.Recipient("multipart")
	m := r.mustQueue(t, "test:multipart:1", to)
	mustRound(t, r.sender(r.mp.SMTP, "node-a"), 1)

	got := r.mp.MustWait(t, to, 1, 5*time.Second)
	msg := r.mp.Message(t, got[0].ID)
	if msg.From.Name != "Bright Path" || msg.From.Address != from || len(msg.To) != 1 || msg.To[0].Address != to ||
		msg.To[0].Name != "Ann Example" || msg.Subject != "Your session" {
		t.Errorf("headers: %+v", msg)
	}
	if !strings.Contains(msg.Text, "see you soon.") || !strings.Contains(msg.HTML, "<b>soon</b>") {
		t.Errorf("bodies: text %q, html %q", msg.Text, msg.HTML)
	}
	raw := r.mp.Raw(t, got[0].ID)
	if !strings.Contains(raw, "multipart/alternative") || !strings.Contains(raw, "text/plain") || !strings.Contains(raw, "text/html") {
		t.Errorf("not multipart text and HTML:\n%s", raw)
	}
	row := mustRow(t, r, m.ID)
	if want := outbox.MessageID(row, from); msg.MessageID != want {
		t.Errorf("Message-ID %q, want %q", msg.MessageID, want)
	}
	if row.SentAt == nil || !row.SentAt.Equal(t0) || row.Attempts != 1 || row.LastError != "" {
		t.Errorf("row after sending: %+v", row)
	}
}

// TestSenderKeepsMailWhileSMTPIsDown: a server that does not answer (a
// closed port) leaves the email queued with the attempt and its error,
// not due again before its backoff; once the port answers (a relay to
// Mailpit on it) and the time comes, it is sent.
func TestSenderKeepsMailWhileSMTPIsDown(t *testing.T) {
	t.Parallel()
	r := mustRig(t, "sqlite")
	addr := closedPort(t)
	s := r.sender(addr, "node-a")
	to := mailtest.Recipient("down")
	m := r.mustQueue(t, "test:down:1", to)

	if n, err := s.Round(context.Background()); n != 0 || err == nil {
		t.Fatalf("round through a closed port: %d, %v", n, err)
	}
	row := mustRow(t, r, m.ID)
	if row.SentAt != nil || row.Attempts != 1 || !strings.Contains(row.LastError, "connect to "+addr) ||
		!row.NextAttemptAt.Equal(t0.Add(outbox.FirstRetry)) {
		t.Fatalf("row after a failed attempt: %+v", row)
	}
	relay(t, addr, r.mp.SMTP)
	r.clock.Advance(outbox.FirstRetry - time.Second)
	mustRound(t, s, 0) // not due yet
	r.clock.Advance(time.Second)
	mustRound(t, s, 1)
	r.mp.MustWait(t, to, 1, 5*time.Second)
	if row := mustRow(t, r, m.ID); row.SentAt == nil || row.Attempts != 2 {
		t.Errorf("row after sending: %+v", row)
	}
}

// TestSenderGivesUpAfterADay: an email that could not be sent for a day
// is given up, logged, and kept.
func TestSenderGivesUpAfterADay(t *testing.T) {
	t.Parallel()
	r := mustRig(t, "sqlite")
	s := r.sender(closedPort(t), "node-a")
	m := r.mustQueue(t, "test:giveup:1", mailtest.Recipient("giveup"))
	s.Round(context.Background())
	r.clock.Advance(outbox.GiveUpAfter)
	s.Round(context.Background())
	row := mustRow(t, r, m.ID)
	if row.GaveUpAt == nil || row.Attempts != 2 || row.SentAt != nil {
		t.Fatalf("row after a day: %+v", row)
	}
	r.clock.Advance(outbox.GiveUpAfter)
	if n, err := s.Round(context.Background()); n != 0 || err != nil {
		t.Errorf("a given-up email was tried again: %d %v", n, err)
	}
}

// TestSenderWithoutTheLeaseSendsNothing: of two servers over one database
// only the one holding the lease sends.
func TestSenderWithoutTheLeaseSendsNothing(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			r := mustRig(t, dialect)
			a, b := r.sender(r.mp.SMTP, "node-a"), r.sender(r.mp.SMTP, "node-b")
			mustRound(t, a, 0) // a takes the lease
			to := mailtest.Recipient("lease")
			m := r.mustQueue(t, "test:lease:1", to)
			mustRound(t, b, 0)
			if row := mustRow(t, r, m.ID); row.Attempts != 0 || row.SentAt != nil {
				t.Fatalf("the sender without the lease touched the row: %+v", row)
			}
			mustRound(t, a, 1)
			r.mp.MustWait(t, to, 1, 5*time.Second)
		})
	}
}

// TestNothingSentTwiceAfterARestart: a sender that sent and stopped, and a
// new sender over the same database (a restart), send each email once.
func TestNothingSentTwiceAfterARestart(t *testing.T) {
	t.Parallel()
	for _, dialect := range storetest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			r := mustRig(t, dialect)
			to := mailtest.Recipient("restart")
			r.mustQueue(t, "test:restart:1", to)
			r.mustQueue(t, "test:restart:2", to)
			first := r.sender(r.mp.SMTP, "host/1")
			first.Every = 10 * time.Millisecond
			ctx, stop := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); first.Run(ctx) }()
			r.mp.MustWait(t, to, 2, 5*time.Second)
			stop()
			<-done // Run gave the lease back

			r.mustQueue(t, "test:restart:2", to) // queued again: the key keeps it out
			r.mustQueue(t, "test:restart:3", to)
			second := r.sender(r.mp.SMTP, "host/2")
			mustRound(t, second, 1)
			// A last email, sent after all the others: once it is in,
			// anything sent twice before it is in too.
			r.mustQueue(t, "test:restart:last", to)
			mustRound(t, second, 1)
			if got := r.mp.MustWait(t, to, 4, 5*time.Second); len(got) != 4 {
				t.Errorf("%d emails arrived, want 3 and the last", len(got))
			}
		})
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// relay listens on addr and passes each connection on to target, until
// the test ends: the SMTP server at addr has come back.
func relay(t testing.TB, addr, target string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); pipe(c, target) }()
		}
	}()
}

// pipe copies between c and a new connection to target until either ends.
func pipe(c net.Conn, target string) {
	defer c.Close()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	done := make(chan struct{}, 2)
	go func() { io.Copy(up, c); done <- struct{}{} }()
	go func() { io.Copy(c, up); done <- struct{}{} }()
	<-done
}
