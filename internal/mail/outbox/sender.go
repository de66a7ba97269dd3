// Package outbox sends what the practice's outbox holds: one Sender per
// server, of which the one holding the lease "mail-sender" sends, over SMTP
// (github.com/wneessen/go-mail), the due messages in the order they fell
// due, and records each attempt: sent, or failed with its error and the
// time of the next try (30 s doubling to an hour; after a day it gives up
// and keeps the row).
//
// Delivery is at least once. A message is marked sent by the one UPDATE
// that ends its attempt, right after the SMTP server accepted it (250 to
// the end of DATA). A crash between that answer and the UPDATE, a window of
// one local statement, leaves the message due and it goes again after the
// restart; the other order (mark, then send) would lose it instead. The
// copy carries the same Message-ID, made from the row, so a mail client
// that sees both can tell them the same.
package outbox

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"rapport/internal/app"
	"rapport/internal/mail"
)

// LeaseName is the lease that lets one server at a time send.
const LeaseName = "mail-sender"

// Store is the outbox's table and the leases, as the sender needs them.
type Store interface {
	DueMail(ctx context.Context, now time.Time, limit int) ([]*mail.Queued, error)
	MarkMailSent(ctx context.Context, id int64, at time.Time) error
	MarkMailFailed(ctx context.Context, a mail.Attempt) error
	AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// SMTP is the server the messages go through (SMTP_HOST, SMTP_PORT,
// SMTP_USER, SMTP_PASSWORD, shared with the operators' alerts). STARTTLS is
// used when the server offers it, implicit TLS on port 465, and the best
// authentication the server offers when a user is set.
type SMTP struct {
	Addr     string // host:port
	User     string
	Password string
}

// Sender sends the outbox's due messages while it holds the lease. One
// goroutine runs it (Run, or Round in the tests).
type Sender struct {
	Store    Store
	SMTP     SMTP
	From     string // MAIL_FROM
	FromName string // PRACTICE_NAME
	// Holder names this sender in the lease (host/pid).
	Holder string
	Clock  app.Clock
	Log    *slog.Logger
	// Every is how often Run looks for due messages (1 s by default).
	Every time.Duration
	// Batch is how many messages one connection sends at most (100).
	Batch int
	// LeaseFor is how long a take of the lease lasts (2 min); the sender
	// renews it before a message once half of it has run, so that it must
	// outlast one message's SMTP commands (each within Timeout).
	LeaseFor time.Duration
	// Timeout bounds the connection and each SMTP command (15 s).
	Timeout time.Duration

	leaseUntil time.Time
}

// Run sends what falls due, every Every, until ctx ends; then it gives the
// lease back so that another server takes over at once.
func (s *Sender) Run(ctx context.Context) {
	s.logRound(ctx)
	app.Every(ctx, s.every(), s.logRound)
	if err := s.Store.ReleaseLease(context.WithoutCancel(ctx), LeaseName, s.Holder); err != nil {
		s.log().Warn("mail: give the sender's lease back", "err", err)
	}
}

// logRound runs a round and logs what went wrong.
func (s *Sender) logRound(ctx context.Context) {
	if _, err := s.Round(ctx); err != nil && ctx.Err() == nil {
		s.log().Warn("mail: send the outbox", "err", err)
	}
}

// Round sends every due message if this sender holds (or takes) the lease,
// and reports how many the SMTP server accepted. A sender without the
// lease does nothing. It is Run's step, and the tests' run-now.
func (s *Sender) Round(ctx context.Context) (int, error) {
	if held, err := s.hold(ctx); err != nil || !held {
		return 0, err
	}
	sent := 0
	for {
		due, err := s.Store.DueMail(ctx, s.now(), s.batch())
		if err != nil || len(due) == 0 {
			return sent, err
		}
		n, err := s.sendBatch(ctx, due)
		sent += n
		if err != nil || len(due) < s.batch() {
			return sent, err
		}
	}
}

// hold reports whether this sender holds the lease, renewing it once half
// of it has run: a sender that lost it stops before its next message.
func (s *Sender) hold(ctx context.Context) (bool, error) {
	now := s.now()
	if s.leaseUntil.Sub(now) > s.leaseFor()/2 {
		return true, nil
	}
	until := now.Add(s.leaseFor())
	ok, err := s.Store.AcquireLease(ctx, LeaseName, s.Holder, until, now)
	if err != nil || !ok {
		s.leaseUntil = time.Time{}
		return false, err
	}
	s.leaseUntil = until
	return true, nil
}

// sendBatch sends due over one connection, recording each attempt, and
// returns how many were accepted. When the server cannot be reached every
// message of the batch records the failure.
func (s *Sender) sendBatch(ctx context.Context, due []*mail.Queued) (int, error) {
	c, err := s.dial(ctx)
	if err != nil {
		return 0, s.failAll(ctx, due, err)
	}
	defer c.Close()
	sent := 0
	for _, m := range due {
		if held, err := s.hold(ctx); err != nil || !held {
			return sent, err
		}
		msg, err := s.message(m)
		if err == nil {
			err = c.Send(msg)
		}
		if err == nil {
			sent++
			if err := s.Store.MarkMailSent(context.WithoutCancel(ctx), m.ID, s.now()); err != nil {
				return sent, fmt.Errorf("mark email %d sent: %w", m.ID, err)
			}
			continue
		}
		if err := s.failed(ctx, m, err); err != nil {
			return sent, err
		}
		if broken(err) {
			return sent, fmt.Errorf("send email %d: %w", m.ID, err)
		}
	}
	return sent, nil
}

// dial connects and says hello to the SMTP server (STARTTLS and
// authentication included).
func (s *Sender) dial(ctx context.Context) (*gomail.Client, error) {
	host, port, err := net.SplitHostPort(s.SMTP.Addr)
	if err != nil {
		return nil, fmt.Errorf("the SMTP address %q: %w", s.SMTP.Addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		return nil, fmt.Errorf("the SMTP port %q: %w", port, err)
	}
	opts := []gomail.Option{gomail.WithPort(n), gomail.WithTimeout(s.timeout()), gomail.WithTLSPolicy(gomail.TLSOpportunistic)}
	if n == 465 {
		opts = append(opts, gomail.WithSSL())
	}
	if s.SMTP.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.SMTP.User), gomail.WithPassword(s.SMTP.Password))
	}
	c, err := gomail.NewClient(host, opts...)
	if err == nil {
		err = c.DialWithContext(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.SMTP.Addr, err)
	}
	return c, nil
}

// failAll records the same failure on every message of a batch.
func (s *Sender) failAll(ctx context.Context, due []*mail.Queued, cause error) error {
	for _, m := range due {
		if err := s.failed(ctx, m, cause); err != nil {
			return err
		}
	}
	return cause
}

// failed records a failed attempt with the time of the next one, or gives
// up: after a day, or at once when the server refused the message for
// good (a 5xx answer to it, such as an unknown recipient).
func (s *Sender) failed(ctx context.Context, m *mail.Queued, cause error) error {
	now := s.now()
	a := mail.Attempt{ID: m.ID, At: now, Err: cause.Error(), Next: now.Add(Backoff(m.Attempts + 1))}
	a.GaveUp = permanent(cause) || now.Sub(m.CreatedAt) >= GiveUpAfter
	if a.GaveUp {
		s.log().Error("mail: gave up on an email; its row stays in the outbox", "id", m.ID, "key", m.Key,
			"attempts", m.Attempts+1, "err", cause)
	}
	if err := s.Store.MarkMailFailed(context.WithoutCancel(ctx), a); err != nil {
		return fmt.Errorf("record the failed attempt of email %d: %w", m.ID, err)
	}
	return nil
}

// message is the outbox row as an email: the practice as the sender, the
// text with the HTML as its alternative, and a Message-ID made from the row
// so that every attempt of it carries the same.
func (s *Sender) message(m *mail.Queued) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.FromFormat(s.FromName, s.From); err != nil {
		return nil, &unsendable{fmt.Errorf("the sender %q: %w", s.From, err)}
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return nil, &unsendable{fmt.Errorf("the recipient %q: %w", m.To, err)}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(MessageID(m, s.From))
	msg.SetDateWithValue(s.now())
	if m.Unsubscribe != "" {
		// One-click unsubscribe (RFC 2369, RFC 8058): the URL was checked
		// when queued (mail.Message.Validate), so it cannot end the header.
		msg.SetGenHeader(gomail.HeaderListUnsubscribe, "<"+m.Unsubscribe+">")
		msg.SetGenHeader(gomail.HeaderListUnsubscribePost, "List-Unsubscribe=One-Click")
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if m.Calendar != "" {
		// As calendar apps expect an invitation (RFC 6047): the iCalendar
		// object as the last alternative, its method in the Content-Type
		// (Gmail and Outlook show the invitation from it), and again as
		// invite.ics for the mail clients that show only attachments.
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+m.CalendarMethod), m.Calendar)
		if err := msg.AttachReader(InviteFile, strings.NewReader(m.Calendar),
			gomail.WithFileContentType(gomail.ContentType("application/ics"))); err != nil {
			return nil, &unsendable{fmt.Errorf("the calendar attachment: %w", err)}
		}
	}
	return msg, nil
}

// InviteFile is the name of an email's calendar attachment.
const InviteFile = "invite.ics"

// unsendable is a message that cannot be made into an email at all.
type unsendable struct{ error }

func (u *unsendable) Unwrap() error { return u.error }

// MessageID is the Message-ID of an outbox row (without its angle
// brackets): its ID and a hash of its key, at the sender's domain.
func MessageID(m *mail.Queued, from string) string {
	sum := sha256.Sum256([]byte(m.Key))
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return fmt.Sprintf("rapport.%d.%s@%s", m.ID, hex.EncodeToString(sum[:6]), domain)
}

// The retry policy: 30 s after the first failure, doubling up to an hour,
// and no more tries once the message is a day old.
const (
	FirstRetry  = 30 * time.Second
	MaxRetry    = time.Hour
	GiveUpAfter = 24 * time.Hour
)

// Backoff is the wait after the attempt-th failed attempt.
func Backoff(attempt int) time.Duration {
	d := FirstRetry
	for i := 1; i < attempt && d < MaxRetry; i++ {
		d *= 2
	}
	return min(d, MaxRetry)
}

// permanent reports whether the server refused a message for good.
func permanent(err error) bool {
	var se *gomail.SendError
	var un *unsendable
	return errors.As(err, &un) || errors.As(err, &se) && se.Reason != gomail.ErrConnCheck && se.ErrorCode()/100 == 5
}

// broken reports whether the connection cannot send another message.
func broken(err error) bool {
	var se *gomail.SendError
	if errors.As(err, new(*unsendable)) {
		return false
	}
	return !errors.As(err, &se) || se.Reason == gomail.ErrConnCheck || se.ErrorCode() == 0
}

func (s *Sender) now() time.Time {
	if s.Clock == nil {
		return time.Now().UTC()
	}
	return s.Clock.Now()
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

func (s *Sender) every() time.Duration    { return orDefault(s.Every, time.Second) }
func (s *Sender) leaseFor() time.Duration { return orDefault(s.LeaseFor, 2*time.Minute) }
func (s *Sender) timeout() time.Duration  { return orDefault(s.Timeout, 15*time.Second) }

func (s *Sender) batch() int {
	if s.Batch <= 0 {
		return 100
	}
	return s.Batch
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
