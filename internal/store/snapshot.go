package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
)

// ErrNotSQLite answers a snapshot or an integrity check of a PostgreSQL
// database: PostgreSQL has its own tools (pg_dump, pg_restore).
var ErrNotSQLite = errors.New("the database is PostgreSQL: back it up with pg_dump and restore it with pg_restore (docs/operating.md)")

// Snapshot writes a consistent copy of the SQLite database to path, which
// must not exist, while the server goes on writing: VACUUM INTO reads one
// snapshot of the database in a read transaction, which in WAL mode holds
// no writer up. The copy is compact (free pages left out) and needs no
// write-ahead log beside it.
func (db *DB) Snapshot(ctx context.Context, path string) error {
	if db.Dialect.Name() != "sqlite" {
		return ErrNotSQLite
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("snapshot: %s exists already", path)
	}
	// A connection of its own: the writer's is not held up, and the
	// readers' refuse writes (query_only), VACUUM INTO's new file too.
	conn, err := sql.Open("sqlite", sqliteDSN(db.Where, readerCacheKiB))
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("snapshot the database: %w", err)
	}
	return nil
}

// CheckIntegrity runs SQLite's integrity check and answers an error
// naming the first problem it finds, if any.
func (db *DB) CheckIntegrity(ctx context.Context) error {
	if db.Dialect.Name() != "sqlite" {
		return ErrNotSQLite
	}
	var result string
	if err := db.read.QueryRowContext(ctx, `PRAGMA integrity_check(1)`).Scan(&result); err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if result != "ok" {
		return fmt.Errorf("integrity check: %s", result)
	}
	return nil
}
