package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/privacy"
)

const erasureColumns = `id, user_id, requested_by, requested_at, due_at, cancelled_at, erased_at, detail`

func scanErasure(s interface{ Scan(...any) error }) (*privacy.Erasure, error) {
	var e privacy.Erasure
	err := s.Scan(&e.ID, &e.UserID, &e.RequestedBy, timeScan{&e.RequestedAt}, timeScan{&e.DueAt},
		nullTimeScan{&e.CancelledAt}, nullTimeScan{&e.ErasedAt}, &e.Detail)
	if err != nil {
		return nil, mapErr(err)
	}
	return &e, nil
}

// AddErasure records an erasure asked for; one already waiting for the
// same person is ECONFLICT.
func (db *DB) AddErasure(ctx context.Context, e *privacy.Erasure) error {
	return mapErr(db.queries.writeRow(ctx, `INSERT INTO erasures (user_id, requested_by, requested_at, due_at) VALUES (?, ?, ?, ?)
		RETURNING id`, e.UserID, e.RequestedBy, db.Dialect.Time(e.RequestedAt), db.Dialect.Time(e.DueAt)).Scan(&e.ID))
}

// PendingErasure returns the erasure of a person that waits, or ENOTFOUND.
func (db *DB) PendingErasure(ctx context.Context, userID int64) (*privacy.Erasure, error) {
	return notFoundAs(scanErasure(db.queries.row(ctx, `SELECT `+erasureColumns+` FROM erasures
		WHERE user_id = ? AND cancelled_at IS NULL AND erased_at IS NULL`, userID)))("erasure")
}

// CancelErasure cancels the erasure of a person that waits, or answers
// ENOTFOUND.
func (db *DB) CancelErasure(ctx context.Context, userID int64, at time.Time) error {
	res, err := db.queries.exec(ctx, `UPDATE erasures SET cancelled_at = ? WHERE user_id = ? AND cancelled_at IS NULL AND erased_at IS NULL`,
		db.Dialect.Time(at), userID)
	return mustAffect(res, err, "erasure")
}

// DueErasures lists the erasures that wait and are due at now.
func (db *DB) DueErasures(ctx context.Context, now time.Time) ([]*privacy.Erasure, error) {
	rows, err := db.queries.query(ctx, `SELECT `+erasureColumns+` FROM erasures
		WHERE cancelled_at IS NULL AND erased_at IS NULL AND due_at <= ? ORDER BY due_at`, db.Dialect.Time(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []*privacy.Erasure
	for rows.Next() {
		e, err := scanErasure(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, e)
	}
	return list, mapErr(rows.Err())
}

// erasureSteps are what erasing a client does, in order, each with the
// person's ID (or their email, where email says so) as its argument, and
// the time of the erasure after it where now says so:
// what is theirs alone is deleted; what they wrote in conversations and
// call chats, which the coach shares, reads "deleted"; their user row
// keeps no name, address or sign-in, so that the coach's appointments stay
// whole without them.
var erasureSteps = []struct {
	what, sql  string
	email, now bool
}{
	{"profile", `DELETE FROM profiles WHERE user_id = ?`, false, false},
	{"sign-in sessions", `DELETE FROM sessions WHERE user_id = ?`, false, false},
	{"calendar feed", `DELETE FROM calendar_feeds WHERE user_id = ?`, false, false},
	{"email choices", `DELETE FROM email_preferences WHERE user_id = ?`, false, false},
	{"invitations", `DELETE FROM invitations WHERE lower(email) = lower(?)`, true, false},
	{"emails", `DELETE FROM outbox WHERE lower(to_address) = lower(?)`, true, false},
	{"coaching links", `DELETE FROM coach_clients WHERE client_id = ?`, false, false},
	{"membership history", `DELETE FROM membership_events WHERE user_id = ?`, false, false},
	{"memberships", `DELETE FROM memberships WHERE email = lower(?)`, true, false},
	{"call chat messages blanked", `UPDATE messages SET body = 'deleted' WHERE sender_id = ?`, false, false},
	{"transcript lines", `DELETE FROM transcript_lines WHERE speaker_id = ?`, false, false},
	{"summaries", `DELETE FROM appointment_summaries WHERE appointment_id IN (SELECT id FROM appointments WHERE client_id = ?)`, false, false},
	{"appointment notes cleared", `UPDATE appointments SET notes = '', cancel_reason = '' WHERE client_id = ? AND (notes <> '' OR cancel_reason <> '')`, false, false},
	{"future appointments cancelled", `UPDATE appointments SET status = 'cancelled' WHERE client_id = ? AND status IN ('scheduled', 'requested') AND starts_at > ?`, false, true},
	{"file contents", `DELETE FROM conversation_file_data WHERE file_id IN (SELECT id FROM conversation_files WHERE uploader_id = ?)`, false, false},
	{"messages blanked", `UPDATE conversation_messages SET body = 'deleted', file_id = NULL WHERE sender_id = ?`, false, false},
	{"files", `DELETE FROM conversation_files WHERE uploader_id = ?`, false, false},
	{"read marks", `DELETE FROM conversation_reads WHERE user_id = ?`, false, false},
	{"private notes about them", `DELETE FROM private_notes WHERE client_id = ?`, false, false},
	{"questionnaires and answers", `DELETE FROM questionnaire_requests WHERE client_id = ?`, false, false},
	{"goals", `DELETE FROM goals WHERE client_id = ?`, false, false},
}

// EraseClient erases a client in one transaction (see erasureSteps) and
// marks the waiting erasure e done, with what it removed in numbers.
func (db *DB) EraseClient(ctx context.Context, e *privacy.Erasure, at time.Time) error {
	return db.inTx(ctx, func(q *queries) error {
		var email string
		if err := q.row(ctx, `SELECT email FROM users WHERE id = ?`+q.d.ForUpdate(), e.UserID).Scan(&email); err != nil {
			return notFoundErr(mapErr(err), "person")
		}
		var done []string
		for _, step := range erasureSteps {
			args := []any{e.UserID}
			if step.email {
				args = []any{email}
			}
			if step.now {
				args = append(args, q.d.Time(at))
			}
			res, err := q.exec(ctx, step.sql, args...)
			if err != nil {
				return fmt.Errorf("erase the %s: %w", step.what, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				done = append(done, fmt.Sprintf("%s: %d", step.what, n))
			}
		}
		if _, err := q.exec(ctx, `UPDATE users SET email = ?, name = 'Erased client', avatar_url = '', oidc_issuer = NULL,
			oidc_subject = NULL, status = 'disabled', session_version = session_version + 1, role_pinned = 1, updated_at = ? WHERE id = ?`,
			fmt.Sprintf("erased-%d@erased.invalid", e.UserID), q.d.Time(at), e.UserID); err != nil {
			return fmt.Errorf("erase the person: %w", err)
		}
		e.Detail = strings.Join(done, "; ")
		e.ErasedAt = &at
		res, err := q.exec(ctx, `UPDATE erasures SET erased_at = ?, detail = ? WHERE id = ? AND erased_at IS NULL AND cancelled_at IS NULL`,
			q.d.Time(at), e.Detail, e.ID)
		return mustAffect(res, err, "erasure")
	})
}
