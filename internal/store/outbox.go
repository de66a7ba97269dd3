package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"rapport/internal/mail"
)

// outboxColumns are the columns of an outbox row, in scan order.
const outboxColumns = `id, dedupe_key, to_address, to_name, subject, text_body, html_body, calendar, calendar_method,
	unsubscribe, created_at, attempts, next_attempt_at, sent_at, gave_up_at, last_error`

// EnqueueMail queues m, due at once, in the transaction (or not) of q: the
// email exists exactly when the change that caused it does. A message that
// breaks mail's rules (a line break in an address, name or subject) is
// refused with the field's reason; one whose key was queued already is
// left alone, and m.ID stays 0.
func (q *queries) EnqueueMail(ctx context.Context, m *mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	at := q.d.Time(m.CreatedAt)
	err := q.writeRow(ctx, `INSERT INTO outbox (dedupe_key, to_address, to_name, subject, text_body, html_body,
		calendar, calendar_method, unsubscribe, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		m.Key, m.To, m.ToName, m.Subject, m.Text, m.HTML, m.Calendar, m.CalendarMethod, m.Unsubscribe, at, at).Scan(&m.ID)
	if errors.Is(err, sql.ErrNoRows) {
		m.ID = 0 // queued already
		return nil
	}
	return mapErr(err)
}

// DueMail lists up to limit messages due at now, neither sent nor given up,
// the longest due first.
func (db *DB) DueMail(ctx context.Context, now time.Time, limit int) ([]*mail.Queued, error) {
	return db.mailRows(ctx, `SELECT `+outboxColumns+` FROM outbox
		WHERE sent_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= ?
		ORDER BY next_attempt_at, id LIMIT ?`, db.Dialect.Time(now), limit)
}

// RecentMail lists the newest limit messages, whatever became of them.
func (db *DB) RecentMail(ctx context.Context, limit int) ([]*mail.Queued, error) {
	return db.mailRows(ctx, `SELECT `+outboxColumns+` FROM outbox ORDER BY id DESC LIMIT ?`, limit)
}

// MailByID returns one outbox row, or ENOTFOUND.
func (db *DB) MailByID(ctx context.Context, id int64) (*mail.Queued, error) {
	list, err := db.mailRows(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, mapErr(sql.ErrNoRows)
	}
	return list[0], nil
}

// MarkMailSent records, in the one statement that ends the attempt, that
// the SMTP server accepted message id. A message marked already (by
// another sender whose lease ran out under it) is not marked again.
func (db *DB) MarkMailSent(ctx context.Context, id int64, at time.Time) error {
	res, err := db.queries.exec(ctx, `UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = ''
		WHERE id = ? AND sent_at IS NULL`, db.Dialect.Time(at), id)
	return mustAffect(res, err, "unsent email")
}

// MarkMailFailed records a failed attempt: its error, and when to try
// again, or that the sender gave up (the row stays).
func (db *DB) MarkMailFailed(ctx context.Context, a mail.Attempt) error {
	var gaveUp any
	if a.GaveUp {
		gaveUp = db.Dialect.Time(a.At)
	}
	res, err := db.queries.exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
		gave_up_at = ? WHERE id = ? AND sent_at IS NULL`, a.Err, db.Dialect.Time(a.Next), gaveUp, a.ID)
	return mustAffect(res, err, "unsent email")
}

// mailRows runs a query of outbox rows.
func (db *DB) mailRows(ctx context.Context, query string, args ...any) ([]*mail.Queued, error) {
	rows, err := db.queries.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*mail.Queued
	for rows.Next() {
		var m mail.Queued
		if err := rows.Scan(&m.ID, &m.Key, &m.To, &m.ToName, &m.Subject, &m.Text, &m.HTML, &m.Calendar, &m.CalendarMethod,
			&m.Unsubscribe, timeScan{&m.CreatedAt},
			&m.Attempts, timeScan{&m.NextAttemptAt}, nullTimeScan{&m.SentAt}, nullTimeScan{&m.GaveUpAt}, &m.LastError); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, &m)
	}
	return out, mapErr(rows.Err())
}
