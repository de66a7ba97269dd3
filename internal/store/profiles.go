package store

import (
	"context"
	"encoding/json"
	"fmt"

	"rapport/internal/coaching"
)

// Profile returns a user's profile, or ENOTFOUND when they have none yet.
func (q *queries) Profile(ctx context.Context, userID int64) (*coaching.Profile, error) {
	p := &coaching.Profile{UserID: userID}
	var data []byte
	err := q.row(ctx, `SELECT data, updated_at FROM profiles WHERE user_id = ?`, userID).
		Scan(&data, timeScan{&p.UpdatedAt})
	if err != nil {
		return notFoundAs(p, mapErr(err))("profile")
	}
	if err := json.Unmarshal(data, &p.Data); err != nil {
		return nil, fmt.Errorf("read profile %d: %w", userID, err)
	}
	return p, nil
}

// PutProfile stores a profile, replacing the one there was.
func (q *queries) PutProfile(ctx context.Context, p *coaching.Profile) error {
	data, err := json.Marshal(p.Data)
	if err != nil {
		return fmt.Errorf("encode profile: %w", err)
	}
	_, err = q.exec(ctx, `INSERT INTO profiles (user_id, data, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
		p.UserID, string(data), q.d.Time(p.UpdatedAt))
	return err
}
