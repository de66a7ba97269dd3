package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"rapport/internal/app"
	"rapport/internal/privacy"
)

var (
	_ privacy.ErasureStore = (*DB)(nil)
	_ privacy.ErasureTx    = (*queries)(nil)
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
// same person is ECONFLICT. In a transaction (InErasureTx) it is written
// with its audit entry, or not at all.
func (q *queries) AddErasure(ctx context.Context, e *privacy.Erasure) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO erasures (user_id, requested_by, requested_at, due_at) VALUES (?, ?, ?, ?)
		RETURNING id`, e.UserID, e.RequestedBy, q.d.Time(e.RequestedAt), q.d.Time(e.DueAt)).Scan(&e.ID))
}

// PendingErasure returns the erasure of a person that waits, or ENOTFOUND.
func (db *DB) PendingErasure(ctx context.Context, userID int64) (*privacy.Erasure, error) {
	return notFoundAs(scanErasure(db.queries.row(ctx, `SELECT `+erasureColumns+` FROM erasures
		WHERE user_id = ? AND cancelled_at IS NULL AND erased_at IS NULL`, userID)))("erasure")
}

// CancelErasure cancels the erasure of a person that waits, or answers
// ENOTFOUND.
func (q *queries) CancelErasure(ctx context.Context, userID int64, at time.Time) error {
	res, err := q.exec(ctx, `UPDATE erasures SET cancelled_at = ? WHERE user_id = ? AND cancelled_at IS NULL AND erased_at IS NULL`,
		q.d.Time(at), userID)
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

// InErasureTx runs fn in one transaction: an erasure asked for, cancelled
// or carried out is written with its audit entry, or neither is.
func (db *DB) InErasureTx(ctx context.Context, fn func(q privacy.ErasureTx) error) error {
	return db.inTx(ctx, func(q *queries) error { return fn(q) })
}

// erasureArg is what an erasure step's placeholder stands for.
type erasureArg int

const (
	byID    erasureArg = iota // the person's ID
	byEmail                   // their email address
	atNow                     // the time of the erasure
)

// erasureSteps are what erasing a client does, in order, each with its
// arguments: what is theirs alone is deleted, and so is all that was said
// in their sessions' calls (the transcripts); what they wrote in
// conversations and call chats, which the coach shares, reads "deleted",
// as do the AI's answers in their calls; their conversations count as
// read, so that no email tells anyone of a message; their user row keeps
// no name, address or sign-in, so that the coach's appointments stay
// whole without them.
var erasureSteps = []struct {
	what, sql string
	args      []erasureArg
}{
	{"profile", `DELETE FROM profiles WHERE user_id = ?`, []erasureArg{byID}},
	{"sign-in sessions", `DELETE FROM sessions WHERE user_id = ?`, []erasureArg{byID}},
	{"calendar feed", `DELETE FROM calendar_feeds WHERE user_id = ?`, []erasureArg{byID}},
	{"email choices", `DELETE FROM email_preferences WHERE user_id = ?`, []erasureArg{byID}},
	{"invitations", `DELETE FROM invitations WHERE lower(email) = lower(?)`, []erasureArg{byEmail}},
	{"emails", `DELETE FROM outbox WHERE lower(to_address) = lower(?)`, []erasureArg{byEmail}},
	{"coaching links", `DELETE FROM coach_clients WHERE client_id = ?`, []erasureArg{byID}},
	{"membership history", `DELETE FROM membership_events WHERE user_id = ? OR email = lower(?)`, []erasureArg{byID, byEmail}},
	{"memberships", `DELETE FROM memberships WHERE email = lower(?)`, []erasureArg{byEmail}},
	{"call chat messages blanked", `UPDATE messages SET body = 'deleted' WHERE sender_id = ?`, []erasureArg{byID}},
	{"AI answers in their calls blanked", `UPDATE messages SET body = 'deleted' WHERE kind = 'ai' AND body <> 'deleted' AND session_id IN
		(SELECT s.id FROM call_sessions s JOIN appointments a ON a.id = s.appointment_id WHERE a.client_id = ?)`, []erasureArg{byID}},
	{"transcript lines", `DELETE FROM transcript_lines WHERE speaker_id = ? OR session_id IN
		(SELECT s.id FROM call_sessions s JOIN appointments a ON a.id = s.appointment_id WHERE a.client_id = ?)`, []erasureArg{byID, byID}},
	{"summaries", `DELETE FROM appointment_summaries WHERE appointment_id IN (SELECT id FROM appointments WHERE client_id = ?)`, []erasureArg{byID}},
	{"appointment notes cleared", `UPDATE appointments SET notes = '', cancel_reason = '' WHERE client_id = ? AND (notes <> '' OR cancel_reason <> '')`, []erasureArg{byID}},
	{"future appointments cancelled", `UPDATE appointments SET status = 'cancelled' WHERE client_id = ? AND status IN ('scheduled', 'requested') AND starts_at > ?`, []erasureArg{byID, atNow}},
	{"file contents", `DELETE FROM conversation_file_data WHERE file_id IN (SELECT id FROM conversation_files WHERE uploader_id = ?)`, []erasureArg{byID}},
	{"messages blanked", `UPDATE conversation_messages SET body = 'deleted', file_id = NULL WHERE sender_id = ?`, []erasureArg{byID}},
	{"files", `DELETE FROM conversation_files WHERE uploader_id = ?`, []erasureArg{byID}},
	{"conversations marked read", `INSERT INTO conversation_reads (conversation_id, user_id, read_seq, notified_seq)
		SELECT id, ?, last_seq, last_seq FROM conversations WHERE coach_id = ? OR client_id = ?
		ON CONFLICT (conversation_id, user_id) DO UPDATE SET read_seq = excluded.read_seq, notified_seq = excluded.notified_seq`,
		[]erasureArg{byID, byID, byID}},
	{"private notes about them", `DELETE FROM private_notes WHERE client_id = ?`, []erasureArg{byID}},
	{"questionnaires and answers", `DELETE FROM questionnaire_requests WHERE client_id = ?`, []erasureArg{byID}},
	{"goals", `DELETE FROM goals WHERE client_id = ?`, []erasureArg{byID}},
}

// EraseClient erases a client in one transaction (see erasureSteps) and
// marks the waiting erasure e done, with what it removed in numbers.
func (db *DB) EraseClient(ctx context.Context, e *privacy.Erasure, at time.Time) error {
	return db.inTx(ctx, func(q *queries) error { return q.EraseClient(ctx, e, at) })
}

// EraseClient erases a client inside the transaction q (InErasureTx): the
// person's row is locked first, and anyone who is not a client (any more)
// is refused with ECONFLICT and nothing erased.
func (q *queries) EraseClient(ctx context.Context, e *privacy.Erasure, at time.Time) error {
	var email string
	var role app.Role
	if err := q.row(ctx, `SELECT email, role FROM users WHERE id = ?`+q.d.ForUpdate(), e.UserID).Scan(&email, &role); err != nil {
		return notFoundErr(mapErr(err), "person")
	}
	if role != app.RoleClient {
		return app.Errorf(app.ECONFLICT, "person %d is a %s now, not a client: only a client is erased", e.UserID, role)
	}
	done, err := q.eraseSteps(ctx, e.UserID, email, at)
	if err != nil {
		return err
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
}

// eraseSteps runs the erasureSteps for the person, and says what each
// that changed anything did, in numbers.
func (q *queries) eraseSteps(ctx context.Context, userID int64, email string, at time.Time) ([]string, error) {
	var done []string
	for _, step := range erasureSteps {
		args := make([]any, len(step.args))
		for i, a := range step.args {
			switch a {
			case byID:
				args[i] = userID
			case byEmail:
				args[i] = email
			case atNow:
				args[i] = q.d.Time(at)
			}
		}
		res, err := q.exec(ctx, step.sql, args...)
		if err != nil {
			return nil, fmt.Errorf("erase the %s: %w", step.what, err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			done = append(done, fmt.Sprintf("%s: %d", step.what, n))
		}
	}
	return done, nil
}
