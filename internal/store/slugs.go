package store

import (
	"context"
	"time"

	"rapport/internal/coaching"
)

// SlugOf returns the slug of a user's public booking link.
func (q *queries) SlugOf(ctx context.Context, userID int64) (string, error) {
	var slug string
	err := q.row(ctx, `SELECT slug FROM coach_slugs WHERE user_id = ?`, userID).Scan(&slug)
	return slug, notFoundErr(mapErr(err), "public link")
}

// UserBySlug returns the user whose public booking link has slug, in one
// query.
func (q *queries) UserBySlug(ctx context.Context, slug string) (*coaching.User, error) {
	return notFoundAs(scanUser(q.row(ctx, `SELECT `+prefixed("u.", userColumns)+`
		FROM coach_slugs s JOIN users u ON u.id = s.user_id WHERE s.slug = ?`, slug)))("public link")
}

// PutSlug gives a user a slug, in place of theirs (replace) or only when
// they have none; a slug someone else has is ECONFLICT.
func (q *queries) PutSlug(ctx context.Context, userID int64, slug string, at time.Time, replace bool) error {
	onConflict := `DO NOTHING`
	if replace {
		onConflict = `DO UPDATE SET slug = excluded.slug, updated_at = excluded.updated_at`
	}
	_, err := q.exec(ctx, `INSERT INTO coach_slugs (user_id, slug, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (user_id) `+onConflict, userID, slug, q.d.Time(at))
	return err
}
