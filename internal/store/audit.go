package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"rapport/internal/audit"
)

var (
	_ audit.Store  = (*DB)(nil)
	_ audit.Keeper = (*DB)(nil)
)

// Record keeps an audit entry and sets its ID; in a transaction (InTx) it
// is written with the change it records, or not at all.
func (q *queries) Record(ctx context.Context, e *audit.Entry) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO audit_entries (at, actor_id, action, subject_id, detail)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, q.d.Time(e.At), e.ActorID, string(e.Action), e.SubjectID, e.Detail).Scan(&e.ID))
}

// AuditEntries lists the entries f keeps, newest first, with the names and
// emails of the people they name (empty for the system and for someone
// since deleted).
func (q *queries) AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Row, error) {
	where, args := auditWhere(q.d, f)
	query := `SELECT e.id, e.at, e.actor_id, e.action, e.subject_id, e.detail,
		COALESCE(a.name, ''), COALESCE(a.email, ''), COALESCE(s.name, ''), COALESCE(s.email, '')
		FROM audit_entries e LEFT JOIN users a ON a.id = e.actor_id LEFT JOIN users s ON s.id = e.subject_id`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += ` ORDER BY e.at DESC, e.id DESC LIMIT ? OFFSET ?`
	rows, err := q.query(ctx, query, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []audit.Row
	for rows.Next() {
		var r audit.Row
		if err := rows.Scan(&r.ID, timeScan{&r.At}, &r.ActorID, &r.Action, &r.SubjectID, &r.Detail,
			&r.Actor.Name, &r.Actor.Email, &r.Subject.Name, &r.Subject.Email); err != nil {
			return nil, mapErr(err)
		}
		r.Actor.ID, r.Subject.ID = r.ActorID, r.SubjectID
		out = append(out, r)
	}
	return out, mapErr(rows.Err())
}

// auditWhere is the filter's conditions and their arguments.
func auditWhere(d Dialect, f audit.Filter) ([]string, []any) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	switch {
	case f.System:
		add("e.actor_id = ?", 0)
	case f.ActorID != 0:
		add("e.actor_id = ?", f.ActorID)
	}
	if f.SubjectID != 0 {
		add("e.subject_id = ?", f.SubjectID)
	}
	if f.Action != "" {
		add("e.action = ?", string(f.Action))
	}
	if !f.From.IsZero() {
		add("e.at >= ?", d.Time(f.From))
	}
	if !f.To.IsZero() {
		add("e.at < ?", d.Time(f.To))
	}
	return where, args
}

// DeleteChatMessagesBefore deletes at most limit of the oldest room chat
// messages sent before before, in calls that have ended: an open call's
// sequence numbers go on from its last stored message.
func (db *DB) DeleteChatMessagesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	bound, err := db.lastIDBefore(ctx, "messages", before)
	if err != nil || bound == 0 {
		return 0, err
	}
	return db.deleteSome(ctx, `DELETE FROM messages WHERE id IN (SELECT m.id FROM messages m
		WHERE m.id <= ? AND m.created_at < ?
		AND EXISTS (SELECT 1 FROM call_sessions s WHERE s.id = m.session_id AND s.ended_at IS NOT NULL)
		ORDER BY m.id LIMIT ?)`, bound, before, limit)
}

// DeleteConversationMessagesBefore deletes at most limit of the oldest
// messages between coaches and clients sent before before, and the files
// attached to them, in one transaction. A conversation's numbering goes on
// from its last_seq, which stays.
func (db *DB) DeleteConversationMessagesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	bound, err := db.lastIDBefore(ctx, "conversation_messages", before)
	if err != nil || bound == 0 {
		return 0, err
	}
	var n int
	err = db.inTx(ctx, func(q *queries) error {
		// The batch is the rows up to the limit-th oldest, so that both
		// statements name the same messages.
		var last sql.NullInt64
		if err := q.row(ctx, `SELECT max(id) FROM (SELECT id FROM conversation_messages
			WHERE id <= ? AND created_at < ? ORDER BY id LIMIT ?) AS batch`, bound, q.d.Time(before), limit).Scan(&last); err != nil || !last.Valid {
			return mapErr(err)
		}
		if _, err := q.exec(ctx, `DELETE FROM conversation_files WHERE id IN (SELECT file_id FROM conversation_messages
			WHERE id <= ? AND created_at < ? AND file_id IS NOT NULL)`, last.Int64, q.d.Time(before)); err != nil {
			return err
		}
		res, err := q.exec(ctx, `DELETE FROM conversation_messages WHERE id <= ? AND created_at < ?`, last.Int64, q.d.Time(before))
		if err != nil {
			return err
		}
		rows, err := res.RowsAffected()
		n = int(rows)
		return mapErr(err)
	})
	return n, err
}

// DeleteTranscriptLinesBefore deletes at most limit of the oldest lines
// the AI heard before before.
func (db *DB) DeleteTranscriptLinesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	bound, err := db.lastIDBefore(ctx, "transcript_lines", before)
	if err != nil || bound == 0 {
		return 0, err
	}
	return db.deleteSome(ctx, `DELETE FROM transcript_lines WHERE id IN (SELECT id FROM transcript_lines
		WHERE id <= ? AND created_at < ? ORDER BY id LIMIT ?)`, bound, before, limit)
}

// DeleteAuditEntriesBefore deletes at most limit of the oldest audit
// entries made before before (their time has an index).
func (db *DB) DeleteAuditEntriesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return db.deleteSome(ctx, `DELETE FROM audit_entries WHERE id IN (SELECT id FROM audit_entries
		WHERE at < ? ORDER BY at, id LIMIT ?)`, nil, before, limit)
}

// deleteSome runs a bounded DELETE, a transaction of its own, and reports
// how many rows went. A non-nil bound is the query's first argument.
func (db *DB) deleteSome(ctx context.Context, query string, bound any, before time.Time, limit int) (int, error) {
	args := []any{db.Dialect.Time(before), limit}
	if bound != nil {
		args = append([]any{bound}, args...)
	}
	res, err := db.queries.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err)
}

// lastIDBefore finds, by a binary search over the primary key on a reading
// connection, the highest ID of table (messages or transcript_lines) whose
// created_at is before before; 0 for none. A deletion's scan stops there
// instead of reading the whole table while it holds SQLite's only writer,
// and its chat. IDs grow with time; a row stored out of order at the edge
// waits for the next night.
func (db *DB) lastIDBefore(ctx context.Context, table string, before time.Time) (int64, error) {
	var lo, hi sql.NullInt64
	// Each of min and max alone reads one end of the key; together in one
	// SELECT, SQLite would scan the table.
	if err := db.queries.row(ctx, `SELECT (SELECT min(id) FROM `+table+`), (SELECT max(id) FROM `+table+`)`).Scan(&lo, &hi); err != nil || !lo.Valid {
		return 0, mapErr(err)
	}
	var found int64
	for l, h := lo.Int64, hi.Int64; l <= h; {
		mid := l + (h-l)/2
		var id int64
		var at time.Time
		err := db.queries.row(ctx, `SELECT id, created_at FROM `+table+` WHERE id >= ? ORDER BY id LIMIT 1`, mid).Scan(&id, timeScan{&at})
		switch {
		case errors.Is(err, sql.ErrNoRows): // deleted meanwhile: nothing from mid on
			h = mid - 1
		case err != nil:
			return 0, mapErr(err)
		case at.Before(before):
			found, l = id, id+1
		default:
			h = mid - 1
		}
	}
	return found, nil
}
