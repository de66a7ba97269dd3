package store

import (
	"context"
	"strings"
)

// Exec runs raw SQL on the writer, for tests that set up what the API cannot.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (any, error) {
	return db.exec(ctx, query, args...)
}

// UpcomingQuery is the reminder loop's query, for a test of its plan.
var UpcomingQuery = upcomingQuery

// Plan returns SQLite's query plan of query, its details one a line.
func (db *DB) Plan(ctx context.Context, query string, args ...any) (string, error) {
	rows, err := db.queries.query(ctx, "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		out = append(out, detail)
	}
	return strings.Join(out, "\n"), rows.Err()
}

// KeptStatements is how many statements the SQLite pools keep prepared:
// the writer's and the readers'.
func (db *DB) KeptStatements() (write, read int) {
	return db.writeStmts.size(), db.readStmts.size()
}

// MaxKeptStatements is how many statements a pool keeps at most.
const MaxKeptStatements = maxKeptStatements

// ExecInTx runs raw SQL in a transaction of the store's own.
func (db *DB) ExecInTx(ctx context.Context, query string, args ...any) error {
	return db.inTx(ctx, func(q *queries) error {
		_, err := q.exec(ctx, query, args...)
		return err
	})
}

// CacheSizes is SQLite's cache_size on the writer and on a reader.
func (db *DB) CacheSizes(ctx context.Context) (write, read int, err error) {
	if err := db.writeRow(ctx, `PRAGMA cache_size`).Scan(&write); err != nil {
		return 0, 0, err
	}
	err = db.row(ctx, `PRAGMA cache_size`).Scan(&read)
	return write, read, err
}

// QueryTwiceInTx runs query in a transaction of the store's own and, while
// its rows are open, runs it again; it returns the first column of each
// first row.
func (db *DB) QueryTwiceInTx(ctx context.Context, query string, args ...any) (first, second int64, err error) {
	err = db.inTx(ctx, func(q *queries) error {
		outer, err := q.r.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer outer.Close()
		if !outer.Next() {
			return outer.Err()
		}
		if err := q.row(ctx, query, args...).Scan(&second); err != nil {
			return err
		}
		inner, err := q.r.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer inner.Close()
		if !inner.Next() {
			return inner.Err()
		}
		if err := inner.Scan(&second); err != nil {
			return err
		}
		return outer.Scan(&first)
	})
	return first, second, err
}

// size is how many statements c keeps.
func (c *stmtCache) size() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.stmts)
}
