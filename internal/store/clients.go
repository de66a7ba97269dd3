package store

import (
	"context"
	"time"

	"rapport/internal/coaching"
)

// LinkCoachClient records that coach works with client; linking twice is fine.
func (q *queries) LinkCoachClient(ctx context.Context, coachID, clientID int64, at time.Time) error {
	_, err := q.exec(ctx, `INSERT INTO coach_clients (coach_id, client_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (coach_id, client_id) DO NOTHING`, coachID, clientID, q.d.Time(at))
	return err
}

// IsCoachOf reports whether coach works with client.
func (q *queries) IsCoachOf(ctx context.Context, coachID, clientID int64) (bool, error) {
	var n int
	err := q.row(ctx, `SELECT count(*) FROM coach_clients WHERE coach_id = ? AND client_id = ?`,
		coachID, clientID).Scan(&n)
	return n > 0, mapErr(err)
}

// ListClients lists a coach's clients by name.
func (q *queries) ListClients(ctx context.Context, coachID int64, p coaching.Page) ([]*coaching.User, error) {
	return q.users(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM users u
		JOIN coach_clients cc ON cc.client_id = u.id WHERE cc.coach_id = ?
		ORDER BY lower(u.name), lower(u.email) LIMIT ? OFFSET ?`, coachID, p.Limit, p.Offset)
}

// ListCoaches lists a client's coaches by name.
func (q *queries) ListCoaches(ctx context.Context, clientID int64, p coaching.Page) ([]*coaching.User, error) {
	return q.users(ctx, `SELECT `+prefixed("u.", userColumns)+` FROM users u
		JOIN coach_clients cc ON cc.coach_id = u.id WHERE cc.client_id = ?
		ORDER BY lower(u.name), lower(u.email) LIMIT ? OFFSET ?`, clientID, p.Limit, p.Offset)
}

// UnlinkCoachClient ends the link between coach and client, or answers
// ENOTFOUND when there is none.
func (q *queries) UnlinkCoachClient(ctx context.Context, coachID, clientID int64) error {
	res, err := q.exec(ctx, `DELETE FROM coach_clients WHERE coach_id = ? AND client_id = ?`, coachID, clientID)
	return mustAffect(res, err, "coach")
}
