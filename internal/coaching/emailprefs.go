package coaching

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"rapport/internal/app"
)

// EmailChoices are the emails a person chose to get. The invitation and
// the security emails are not among them: they always go. The zero value
// is "none"; DefaultEmailChoices is what a person who never chose gets.
type EmailChoices struct {
	// Bookings: an appointment booked, moved or cancelled.
	Bookings bool `json:"bookings"`
	// Reminders: the reminders before a session.
	Reminders bool `json:"reminders"`
	// Messages: a message between sessions left unread for a while.
	Messages bool `json:"messages"`
}

// DefaultEmailChoices are every email: what a person gets until they
// choose.
func DefaultEmailChoices() EmailChoices {
	return EmailChoices{Bookings: true, Reminders: true, Messages: true}
}

// The choices an email kind falls under (EmailChoiceOf).
const (
	ChoiceBookings  = "bookings"
	ChoiceReminders = "reminders"
	ChoiceMessages  = "messages"
)

// emailChoiceOf maps the kinds of email a person may turn off to their
// choice; a kind not here (the invitation, security emails, a booking
// request, which the coach must answer before it lapses) always goes.
var emailChoiceOf = map[string]string{
	MailBooked:         ChoiceBookings,
	MailChanged:        ChoiceBookings,
	MailCancelled:      ChoiceBookings,
	MailAccepted:       ChoiceBookings,
	MailDeclined:       ChoiceBookings,
	MailWithdrawn:      ChoiceBookings,
	MailReminder:       ChoiceReminders,
	MailUnreadMessages: ChoiceMessages,

	MailSeriesBooked:    ChoiceBookings,
	MailSeriesCancelled: ChoiceBookings,
	MailSeriesMoved:     ChoiceBookings,
}

// MailUnreadMessages is the kind of the email about a message left unread
// (package conversation sends it).
const MailUnreadMessages = "conversation-unread"

// EmailChoiceOf is the choice an email kind falls under, or "" for an
// email that always goes.
func EmailChoiceOf(kind string) string { return emailChoiceOf[kind] }

// Wants reports whether these choices let an email of kind go.
func (c EmailChoices) Wants(kind string) bool {
	switch EmailChoiceOf(kind) {
	case ChoiceBookings:
		return c.Bookings
	case ChoiceReminders:
		return c.Reminders
	case ChoiceMessages:
		return c.Messages
	}
	return true
}

// EmailPreferences are a person's stored choices and the seed of their
// unsubscribe link. The link's token is made from Seed and the service's
// key (so that each reminder can carry it); the store finds the person by
// the token's hash.
type EmailPreferences struct {
	UserID    int64
	Choices   EmailChoices
	Seed      string
	TokenHash string
	UpdatedAt time.Time
}

// EmailPreferenceStore keeps each person's email choices.
type EmailPreferenceStore interface {
	// EmailPreferences returns a person's, or ENOTFOUND when they never
	// chose (they get every email).
	EmailPreferences(ctx context.Context, userID int64) (*EmailPreferences, error)
	// PutEmailPreferences records a person's preferences. With replace
	// they take the place of the stored ones, seed and all; without, a row
	// they have already stays as it is.
	PutEmailPreferences(ctx context.Context, p *EmailPreferences, replace bool) error
	// EmailPreferencesByToken returns the preferences of an unsubscribe
	// token's hash, or ENOTFOUND.
	EmailPreferencesByToken(ctx context.Context, tokenHash string) (*EmailPreferences, error)
	// RenewUnsubscribeToken replaces a person's unsubscribe seed and
	// hash, and nothing else.
	RenewUnsubscribeToken(ctx context.Context, userID int64, seed, tokenHash string) error
}

// EmailChoices returns the caller's email choices.
func (s *Service) EmailChoices(ctx context.Context) (EmailChoices, error) {
	a, err := actor(ctx)
	if err != nil {
		return EmailChoices{}, err
	}
	return choicesOf(ctx, s.Store, a.UserID)
}

// SetEmailChoices records which emails the caller gets. The queueing code
// reads them when it queues an email: an email queued before the change
// still goes.
func (s *Service) SetEmailChoices(ctx context.Context, c EmailChoices) (EmailChoices, error) {
	a, err := actor(ctx)
	if err != nil {
		return EmailChoices{}, err
	}
	err = s.changePreferences(ctx, s.Store, a.UserID, func(p *EmailPreferences) { p.Choices = c })
	if err != nil {
		return EmailChoices{}, fmt.Errorf("set email choices: %w", err)
	}
	return c, nil
}

// changePreferences applies change to a person's preferences (made on
// first use) in one transaction under their lock, so that a choice made
// on the profile and a one-click unsubscribe cannot undo each other; the
// seed of their unsubscribe link stays.
func (s *Service) changePreferences(ctx context.Context, st Store, userID int64, change func(p *EmailPreferences)) error {
	return st.InTx(ctx, func(q Records) error {
		if err := q.LockUser(ctx, userID); err != nil {
			return err
		}
		if err := q.PutEmailPreferences(ctx, s.newEmailPreferences(userID), false); err != nil {
			return err
		}
		p, err := q.EmailPreferences(ctx, userID)
		if err != nil {
			return err
		}
		change(p)
		p.UpdatedAt = s.Clock.Now()
		return q.PutEmailPreferences(ctx, p, true)
	})
}

// choicesOf is a person's email choices, the defaults when they never
// chose.
func choicesOf(ctx context.Context, q EmailPreferenceStore, userID int64) (EmailChoices, error) {
	p, err := q.EmailPreferences(ctx, userID)
	switch {
	case app.ErrorCode(err) == app.ENOTFOUND:
		return DefaultEmailChoices(), nil
	case err != nil:
		return EmailChoices{}, fmt.Errorf("read the email choices of user %d: %w", userID, err)
	}
	return p.Choices, nil
}

// wantsEmail reports whether a person lets an email of kind go. It is
// asked when the email is queued, in the queueing transaction.
func wantsEmail(ctx context.Context, q EmailPreferenceStore, userID int64, kind string) (bool, error) {
	if EmailChoiceOf(kind) == "" {
		return true, nil
	}
	c, err := choicesOf(ctx, q, userID)
	return c.Wants(kind), err
}

// Unsubscriber is who an unsubscribe link belongs to, as its page shows.
type Unsubscriber struct {
	Email     string
	Reminders bool // whether they still get reminders
}

// UnsubscribeTarget returns whose an unsubscribe token is, for whoever
// holds it (the page that asks "stop reminders?"). It changes nothing.
func (s *Service) UnsubscribeTarget(ctx context.Context, token string) (*Unsubscriber, error) {
	p, err := s.preferencesOfToken(ctx, s.Store, token)
	if err != nil {
		return nil, err
	}
	u, err := s.Store.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("unsubscribe: %w", err)
	}
	return &Unsubscriber{Email: u.Email, Reminders: p.Choices.Reminders}, nil
}

// UnsubscribeReminders turns the reminders off for the person of an
// unsubscribe token, for whoever holds it (the one-click POST of a mail
// client, RFC 8058). Doing it again changes nothing. An unknown token is
// not found.
func (s *Service) UnsubscribeReminders(ctx context.Context, token string) error {
	p, err := s.preferencesOfToken(ctx, s.Store, token)
	if err != nil {
		return err
	}
	err = s.changePreferences(ctx, s.Store, p.UserID, func(p *EmailPreferences) { p.Choices.Reminders = false })
	if err != nil {
		return fmt.Errorf("unsubscribe: %w", err)
	}
	return nil
}

// preferencesOfToken finds the preferences of an unsubscribe token.
func (s *Service) preferencesOfToken(ctx context.Context, q EmailPreferenceStore, token string) (*EmailPreferences, error) {
	if token == "" || len(token) > 100 {
		return nil, notFound("unsubscribe link")
	}
	p, err := q.EmailPreferencesByToken(ctx, HashToken(token))
	if app.ErrorCode(err) == app.ENOTFOUND {
		return nil, notFound("unsubscribe link")
	} else if err != nil {
		return nil, fmt.Errorf("unsubscribe: %w", err)
	}
	return p, nil
}

// unsubscribeToken returns a person's unsubscribe token and their
// choices, making their preferences (every email) on first use, in q's
// transaction. A seed whose token the service's key no longer makes (the
// key changed) is replaced, so that the link in the email works.
func (s *Service) unsubscribeToken(ctx context.Context, q EmailPreferenceStore, userID int64) (string, EmailChoices, error) {
	if err := q.PutEmailPreferences(ctx, s.newEmailPreferences(userID), false); err != nil {
		return "", EmailChoices{}, err
	}
	p, err := q.EmailPreferences(ctx, userID)
	if err != nil {
		return "", EmailChoices{}, err
	}
	token := s.unsubscribeTokenOf(p.Seed)
	if HashToken(token) != p.TokenHash {
		// Only the link is renewed: a choice made meanwhile (a one-click
		// unsubscribe, say) is not written over with the one read above.
		fresh := s.newEmailPreferences(userID)
		if err := q.RenewUnsubscribeToken(ctx, userID, fresh.Seed, fresh.TokenHash); err != nil {
			return "", EmailChoices{}, err
		}
		token = s.unsubscribeTokenOf(fresh.Seed)
	}
	return token, p.Choices, nil
}

// newEmailPreferences are the default choices of userID with a fresh seed
// of 32 random bytes.
func (s *Service) newEmailPreferences(userID int64) *EmailPreferences {
	raw := make([]byte, 32)
	rand.Read(raw)
	seed := base64.RawURLEncoding.EncodeToString(raw)
	return &EmailPreferences{UserID: userID, Choices: DefaultEmailChoices(), Seed: seed,
		TokenHash: HashToken(s.unsubscribeTokenOf(seed)), UpdatedAt: s.Clock.Now()}
}

// unsubscribeTokenOf is the token of a seed: 32 bytes of HMAC-SHA256
// under the service's key (CalendarKey, with a label of its own), base64url.
func (s *Service) unsubscribeTokenOf(seed string) string {
	m := hmac.New(sha256.New, s.CalendarKey)
	m.Write([]byte("rapport unsubscribe\x00" + seed))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
