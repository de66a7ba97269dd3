package store

import "context"

// Exec runs raw SQL on the writer, for tests that set up what the API cannot.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (any, error) {
	return db.exec(ctx, query, args...)
}
