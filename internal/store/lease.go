package store

import (
	"context"
	"time"
)

// AcquireLease takes the named lease for holder until until, when it is
// free, has expired (at now), or is theirs already: one node at a time
// does what the lease guards. It reports whether holder has it.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, until, now time.Time) (bool, error) {
	// Leases long expired go (a nightly job leaves one a night).
	if _, err := db.queries.exec(ctx, `DELETE FROM leases WHERE expires_at < ?`, db.Dialect.Time(now.AddDate(0, 0, -7))); err != nil {
		return false, err
	}
	res, err := db.queries.exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at < ? OR leases.holder = excluded.holder`,
		name, holder, db.Dialect.Time(until), db.Dialect.Time(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}

// ReleaseLease gives a lease back, if holder has it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.queries.exec(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return err
}
