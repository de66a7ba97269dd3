package store

import (
	"context"
	"strings"
	"time"

	"rapport/internal/coaching"
)

const signInColumns = `s.id, s.token_hash, s.user_id, s.version, s.created_at, s.last_seen_at, s.user_agent, s.ip_prefix`

func scanSignIn(dest []any) (*coaching.Session, []any) {
	var ss coaching.Session
	return &ss, append(dest, &ss.ID, &ss.TokenHash, &ss.UserID, &ss.Version, timeScan{&ss.CreatedAt},
		timeScan{&ss.LastSeenAt}, &ss.UserAgent, &ss.IPPrefix)
}

// CreateSession stores a new sign-in session and sets its ID.
func (q *queries) CreateSession(ctx context.Context, s *coaching.Session) error {
	return mapErr(q.writeRow(ctx, `INSERT INTO sessions (token_hash, user_id, version, created_at, last_seen_at,
		user_agent, ip_prefix) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, s.TokenHash, s.UserID, s.Version,
		q.d.Time(s.CreatedAt), q.d.Time(s.LastSeenAt), s.UserAgent, s.IPPrefix).Scan(&s.ID))
}

// SessionByToken returns the session of a token's hash and its user, in
// one query: every request asks it.
func (q *queries) SessionByToken(ctx context.Context, tokenHash string) (*coaching.Session, *coaching.User, error) {
	ss, dest := scanSignIn(nil)
	var u *coaching.User
	row := q.row(ctx, `SELECT `+signInColumns+`, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`, tokenHash)
	u, err := scanUser(scanner{row, dest})
	if err != nil {
		return nil, nil, notFoundErr(err, "session")
	}
	return ss, u, nil
}

// TouchSession records a session's last use and network.
func (q *queries) TouchSession(ctx context.Context, id int64, at time.Time, ipPrefix string) error {
	_, err := q.exec(ctx, `UPDATE sessions SET last_seen_at = ?, ip_prefix = ? WHERE id = ?`, q.d.Time(at), ipPrefix, id)
	return err
}

// DeleteSession ends one session of a user.
func (q *queries) DeleteSession(ctx context.Context, userID, id int64) (bool, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE id = ? AND user_id = ?`, id, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}

// DeleteUserSessions ends every session of a user.
func (q *queries) DeleteUserSessions(ctx context.Context, userID int64) error {
	_, err := q.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID)
	return err
}

// ListSessions returns a user's sessions of a version, the latest used first.
func (q *queries) ListSessions(ctx context.Context, userID, version int64) ([]*coaching.Session, error) {
	rows, err := q.query(ctx, `SELECT `+signInColumns+` FROM sessions s
		WHERE s.user_id = ? AND s.version = ? ORDER BY s.last_seen_at DESC, s.id DESC LIMIT 200`, userID, version)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*coaching.Session
	for rows.Next() {
		ss, dest := scanSignIn(nil)
		if err := rows.Scan(dest...); err != nil {
			return nil, mapErr(err)
		}
		out = append(out, ss)
	}
	return out, mapErr(rows.Err())
}

// DeleteIdleSessions ends the sessions last used before a time.
func (q *queries) DeleteIdleSessions(ctx context.Context, before time.Time) (int64, error) {
	res, err := q.exec(ctx, `DELETE FROM sessions WHERE last_seen_at < ?`, q.d.Time(before))
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

// StandingSessions returns which of ids stand, in one query.
func (q *queries) StandingSessions(ctx context.Context, ids []int64, idleBefore time.Time) (map[int64]bool, error) {
	out := make(map[int64]bool, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(ids)+1)
	args = append(args, q.d.Time(idleBefore))
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.query(ctx, `SELECT s.id FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.last_seen_at >= ? AND s.version = u.session_version AND u.status <> 'disabled'
		AND s.id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		out[id] = true
	}
	return out, mapErr(rows.Err())
}

// placeholders is n question marks, comma-separated.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// scanner scans a row into some destinations before the ones its caller
// asks for: a join's first table, then the second's scan function.
type scanner struct {
	row   interface{ Scan(...any) error }
	first []any
}

func (s scanner) Scan(dest ...any) error { return s.row.Scan(append(s.first, dest...)...) }
