package store

import (
	"context"

	"rapport/internal/coaching"
)

const emailPrefColumns = `user_id, bookings, reminders, messages, unsubscribe_seed, unsubscribe_hash, updated_at`

func scanEmailPreferences(s interface{ Scan(...any) error }) (*coaching.EmailPreferences, error) {
	var p coaching.EmailPreferences
	var bookings, reminders, messages int64
	if err := s.Scan(&p.UserID, &bookings, &reminders, &messages, &p.Seed, &p.TokenHash, timeScan{&p.UpdatedAt}); err != nil {
		return nil, notFoundErr(mapErr(err), "email preferences")
	}
	p.Choices = coaching.EmailChoices{Bookings: bookings != 0, Reminders: reminders != 0, Messages: messages != 0}
	return &p, nil
}

// EmailPreferences returns a person's email preferences.
func (q *queries) EmailPreferences(ctx context.Context, userID int64) (*coaching.EmailPreferences, error) {
	return scanEmailPreferences(q.row(ctx, `SELECT `+emailPrefColumns+` FROM email_preferences WHERE user_id = ?`, userID))
}

// EmailPreferencesByToken returns the preferences of an unsubscribe
// token's hash.
func (q *queries) EmailPreferencesByToken(ctx context.Context, tokenHash string) (*coaching.EmailPreferences, error) {
	return scanEmailPreferences(q.row(ctx, `SELECT `+emailPrefColumns+` FROM email_preferences WHERE unsubscribe_hash = ?`, tokenHash))
}

// PutEmailPreferences records a person's preferences, replacing theirs or
// keeping them.
func (q *queries) PutEmailPreferences(ctx context.Context, p *coaching.EmailPreferences, replace bool) error {
	onConflict := `DO NOTHING`
	if replace {
		onConflict = `DO UPDATE SET bookings = excluded.bookings, reminders = excluded.reminders, messages = excluded.messages,
			unsubscribe_seed = excluded.unsubscribe_seed, unsubscribe_hash = excluded.unsubscribe_hash, updated_at = excluded.updated_at`
	}
	_, err := q.exec(ctx, `INSERT INTO email_preferences (`+emailPrefColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (user_id) `+onConflict,
		p.UserID, boolInt(p.Choices.Bookings), boolInt(p.Choices.Reminders), boolInt(p.Choices.Messages), p.Seed, p.TokenHash, q.d.Time(p.UpdatedAt))
	return err
}

// RenewUnsubscribeToken gives a person's unsubscribe link a new seed and
// hash, leaving their choices as they are (a choice made meanwhile stays).
func (q *queries) RenewUnsubscribeToken(ctx context.Context, userID int64, seed, tokenHash string) error {
	_, err := q.exec(ctx, `UPDATE email_preferences SET unsubscribe_seed = ?, unsubscribe_hash = ? WHERE user_id = ?`,
		seed, tokenHash, userID)
	return mapErr(err)
}
