// Package mail holds the practice's emails as the domain queues them: a
// Message, checked when it is queued, kept in the outbox (a table the store
// writes in the same transaction as the change that causes the email) until
// the sender (package mail/outbox) hands it to the SMTP server.
//
// It imports no network or database package, so that the domain can name
// its emails without depending on how they travel.
package mail

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"rapport/internal/app"
)

// Message is one email to one person, with a plain-text body and, when the
// sender has one, an HTML alternative.
type Message struct {
	// ID is the outbox row's, set when the message is queued; it stays 0
	// when a message of the same Key was queued already.
	ID int64
	// Key names the email so that it is queued once: its kind, what it is
	// about and a sequence (Key builds one).
	Key     string
	To      string // the address
	ToName  string // the display name, maybe empty
	Subject string
	Text    string
	HTML    string
	// Calendar is an iCalendar object (RFC 5545) sent with the email as
	// a text/calendar part of the alternatives and as invite.ics, or ""
	// for none; CalendarMethod is its iTIP METHOD (RFC 5546: REQUEST,
	// CANCEL), which the part's Content-Type repeats.
	Calendar       string
	CalendarMethod string
	// Unsubscribe is the one-click unsubscribe URL (https, or http on a
	// laptop) of an email a person may stop getting, such as a reminder,
	// or "" for none. The sender gives it as List-Unsubscribe (RFC 2369)
	// with List-Unsubscribe-Post (RFC 8058): the mail client shows an
	// Unsubscribe button that POSTs to it.
	Unsubscribe string
	CreatedAt   time.Time
}

// Queued is a message in the outbox with where its delivery stands.
type Queued struct {
	Message
	Attempts      int
	NextAttemptAt time.Time
	SentAt        *time.Time // nil until the SMTP server accepted it
	GaveUpAt      *time.Time // set when the sender stopped trying
	LastError     string
}

// Attempt is the end of one try to send a message that failed: what went
// wrong, and when to try again unless the sender gives up.
type Attempt struct {
	ID     int64
	At     time.Time
	Err    string
	Next   time.Time
	GaveUp bool
}

// Enqueuer queues a message, inside the transaction of the change that
// causes it: the email exists exactly when the change does. A message
// whose Key was queued already is left alone (nothing is sent twice).
type Enqueuer interface {
	EnqueueMail(ctx context.Context, m *Message) error
}

// Key is a dedupe key: kind, what the email is about, and a sequence for
// an email of the same kind sent again on purpose (a second reminder).
func Key(kind, about string, seq int) string {
	return fmt.Sprintf("%s:%s:%d", kind, about, seq)
}

// Validate checks a message before it is queued. Addresses, names and the
// subject become headers: a CR or LF in them would let whoever typed them
// add headers of their own (header injection), so they are refused.
func (m *Message) Validate() error {
	fields := map[string]string{}
	for _, f := range []struct{ name, value string }{{"to", m.To}, {"to_name", m.ToName}, {"subject", m.Subject}, {"key", m.Key},
		{"unsubscribe", m.Unsubscribe}} {
		if strings.ContainsAny(f.value, "\r\n") {
			fields[f.name] = "must be on one line (no line breaks)"
		}
	}
	if _, ok := fields["to"]; !ok && !validAddress(m.To) {
		fields["to"] = "is not an email address"
	}
	switch {
	case m.Key == "":
		fields["key"] = "is required"
	case len(m.Key) > 500:
		fields["key"] = "is longer than 500 characters"
	}
	if m.Subject == "" {
		fields["subject"] = "is required"
	}
	if m.Text == "" {
		fields["text"] = "is required"
	}
	if m.Calendar != "" && !calendarMethod(m.CalendarMethod) {
		fields["calendar_method"] = "must be an iTIP method such as REQUEST or CANCEL"
	} else if m.Calendar == "" && m.CalendarMethod != "" {
		fields["calendar"] = "is required with a calendar method"
	}
	if _, ok := fields["unsubscribe"]; !ok && m.Unsubscribe != "" && !unsubscribeURL(m.Unsubscribe) {
		fields["unsubscribe"] = "must be an http or https URL without spaces or angle brackets"
	}
	return app.Invalid(fields)
}

// unsubscribeURL reports whether s may stand between the angle brackets of
// a List-Unsubscribe header: an absolute http(s) URL of printable ASCII
// with no space, comma or angle bracket (which would end it early or add
// another).
func unsubscribeURL(s string) bool {
	if len(s) > 2000 || !(strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' || r == '<' || r == '>' || r == ',' {
			return false
		}
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != ""
}

// validAddress reports whether s is a bare address (local@domain).
func validAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// calendarMethod reports whether s is an iTIP method's name (capital
// letters only, so that it cannot add a parameter to a Content-Type).
func calendarMethod(s string) bool {
	if s == "" || len(s) > 20 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
