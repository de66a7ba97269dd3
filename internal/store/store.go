// Package store keeps Rapport's data in SQLite (the embedded default, through
// the pure-Go modernc.org/sqlite) or PostgreSQL (through pgx), with the same
// SQL where the two agree and a small dialect where they do not.
//
// It implements coaching.Store. Driver errors become app errors: a broken
// unique constraint is ECONFLICT, a missing row ENOTFOUND; nothing is dropped.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"rapport/internal/app"
	"rapport/internal/coaching"
)

// DB is an open database. On SQLite it holds two pools: one connection that
// writes (SQLite allows one writer at a time; queueing in Go beats retrying
// on SQLITE_BUSY) and several that read. On PostgreSQL both are the same pool.
type DB struct {
	queries
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// writeStmts and readStmts keep the SQLite pools' statements prepared
	// (nil on PostgreSQL).
	writeStmts, readStmts *stmtCache
	// insertSQL is the INSERT of n messages, by n, made once.
	insertSQL sync.Map
	// Where is the database, for logs: a file path or a URL without password.
	Where string
}

var _ coaching.Store = (*DB)(nil)

// Open opens the database that databaseURL names: a postgres:// URL, or, when
// it is empty, the SQLite file rapport.db in dataDir. A sqlite:// or file:
// URL names another SQLite file.
func Open(ctx context.Context, databaseURL, dataDir string) (*DB, error) {
	var db *DB
	var err error
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		db, err = openPostgres(databaseURL)
	case databaseURL == "":
		db, err = openSQLite(filepath.Join(dataDir, "rapport.db"))
	case strings.HasPrefix(databaseURL, "sqlite://"):
		db, err = openSQLite(strings.TrimPrefix(databaseURL, "sqlite://"))
	case strings.HasPrefix(databaseURL, "file:"):
		db, err = openSQLite(strings.TrimPrefix(databaseURL, "file:"))
	default:
		return nil, fmt.Errorf("DATABASE_URL must start with postgres:// or sqlite://, or be empty for SQLite in the data directory")
	}
	if err != nil {
		return nil, err
	}
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", db.Where, err)
	}
	return db, nil
}

func openSQLite(path string) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("DATABASE_URL: the SQLite file path %q must be non-empty and contain no ? or #", path)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	// WAL with synchronous=NORMAL: a commit writes the log without waiting
	// for the disk (a power cut may lose the last commits, never corrupt).
	// Statement journals and temporary tables stay in memory. Each reading
	// connection caches 32 MiB of pages; the writer 2 MiB (writerCacheKiB).
	// Checkpoints copies the log into the database in the
	// background; the writer checkpoints itself only past 40,000 pages
	// (160 MiB of log), a safety net for processes that run no Checkpoints:
	// a busy chat writes a page of log per message, and a commit that
	// copied them would hold every message behind it for tens of
	// milliseconds.
	w, err := sql.Open("sqlite", sqliteDSN(path, writerCacheKiB)+"&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", sqliteDSN(path, readerCacheKiB)+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	d := sqliteDialect{}
	ws, rs := newStmtCache(w), newStmtCache(r)
	return &DB{queries: queries{w: cachedPool{ws}, r: cachedPool{ws}, d: d}, Dialect: d, write: w, read: r,
		writeStmts: ws, readStmts: rs, Where: path}, nil
}

// The page caches of SQLite's connections, in KiB. The writer's is small:
// at every commit SQLite walks its cache's hash table to drop pages past the
// end of the database, and with 32 MiB, as the readers have, that walk took
// 3.5-3.7% of the server's CPU under a chat of 700 rooms (a CPU profile);
// with 2 MiB it is gone, and storing the messages took a fifth less CPU.
// The writer appends: what it reads back is the last pages of the tables
// and indexes it writes, which the operating system's cache holds anyway.
const (
	writerCacheKiB = 2000
	readerCacheKiB = 32000
)

// sqliteDSN is how every connection to the SQLite file at path is opened,
// with a page cache of cacheKiB.
func sqliteDSN(path string, cacheKiB int) string {
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)" +
		fmt.Sprintf("&_pragma=cache_size(-%d)", cacheKiB) + "&_pragma=wal_autocheckpoint(40000)"
}

func openPostgres(u string) (*DB, error) {
	p, err := sql.Open("pgx", u)
	if err != nil {
		return nil, err
	}
	p.SetMaxOpenConns(20)
	p.SetMaxIdleConns(10)
	p.SetConnMaxIdleTime(5 * time.Minute)
	d := postgresDialect{}
	return &DB{queries: queries{w: p, r: p, d: d}, Dialect: d, write: p, read: p, Where: redact(u)}, nil
}

// Checkpoints copies the SQLite write-ahead log into the database every
// interval until ctx ends, and lets the log start over, without holding the
// writer up. It does nothing on PostgreSQL.
//
// Each round has two steps. The first copies what the log holds from a
// reading connection, beside the writer (PASSIVE: it neither waits for nor
// blocks it), however long that takes. The writer has gone on meanwhile,
// so the log is never wholly copied by then, and SQLite starts a log over
// only when it is: the second step copies the little that was written
// during the first, on the writer's own connection between two of its
// transactions, and the writer's next transaction starts the log from its
// beginning. A busy chat (10,000 messages a second, each on a page of its
// own) makes about 10,000 pages of log a second: the first step copies
// them in tens of milliseconds, the second in a few.
func (db *DB) Checkpoints(ctx context.Context, every time.Duration, log func(error)) {
	if db.Dialect.Name() != "sqlite" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			checkpoint(context.Background(), db.write, "TRUNCATE") // leave a small log behind
			return
		case <-t.C:
			err := checkpoint(ctx, db.read, "PASSIVE")
			if err == nil {
				err = checkpoint(ctx, db.write, "PASSIVE")
			}
			if err != nil && ctx.Err() == nil {
				log(err)
			}
		}
	}
}

// checkpoint runs a checkpoint of mode on a connection of pool.
func checkpoint(ctx context.Context, pool *sql.DB, mode string) error {
	_, err := pool.ExecContext(ctx, "PRAGMA wal_checkpoint("+mode+")")
	return err
}

// useReaders sends reads outside transactions to the reading pool. It is
// turned on once migrations have made the schema, which readers then see.
func (db *DB) useReaders() {
	if db.readStmts != nil {
		db.queries.r = cachedPool{db.readStmts}
		return
	}
	db.queries.r = db.read
}

// redact returns u without its password, for logs.
func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "postgres"
	}
	return p.Redacted()
}

// Close closes both pools.
func (db *DB) Close() error {
	if db.writeStmts != nil {
		db.writeStmts.close()
		db.readStmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Ping checks that the database answers, for /readyz.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// Pools returns the pools by name, for metrics.
func (db *DB) Pools() map[string]*sql.DB {
	if db.read == db.write {
		return map[string]*sql.DB{"main": db.write}
	}
	return map[string]*sql.DB{"write": db.write, "read": db.read}
}

// InTx runs fn in a transaction on the writing connection. It commits when fn
// returns nil and rolls back otherwise, so nothing half-written remains.
func (db *DB) InTx(ctx context.Context, fn func(q coaching.Records) error) error {
	return db.inTx(ctx, func(q *queries) error { return fn(q) })
}

// inTx is InTx for the store's own methods.
func (db *DB) inTx(ctx context.Context, fn func(q *queries) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	q := &queries{w: tx, r: tx, d: db.Dialect, log: db.log}
	var missed []string
	if db.writeStmts != nil {
		ts := &txStmts{tx: tx, c: db.writeStmts, missed: &missed}
		q.w, q.r = ts, ts
	}
	defer func() { db.writeStmts.prepareMissed(ctx, missed) }()
	// Rolls back when fn fails, and runs first: should fn panic, the
	// writing connection is given back before prepareMissed asks for it.
	defer tx.Rollback() //nolint:errcheck // after a commit it does nothing
	if err := fn(q); err != nil {
		return err
	}
	return mapErr(tx.Commit())
}

// dbtx is what *sql.DB and *sql.Tx have in common.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries runs the SQL, writing through w and reading through r.
type queries struct {
	w, r dbtx
	d    Dialect
	log  *slog.Logger // nil: slog's default
}

// SetLogger sets where the store reports what it handles itself, such as a
// row it cannot read and leaves out of a list. Call it before any use.
func (db *DB) SetLogger(log *slog.Logger) { db.log = log }

// logger returns the store's logger.
func (q *queries) logger() *slog.Logger {
	if q.log == nil {
		return slog.Default()
	}
	return q.log
}

func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := q.w.ExecContext(ctx, q.d.Rebind(query), args...)
	return res, mapErr(err)
}

func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.r.QueryContext(ctx, q.d.Rebind(query), args...)
	return rows, mapErr(err)
}

// row reads one row; in a transaction it reads through the transaction.
func (q *queries) row(ctx context.Context, query string, args ...any) *sql.Row {
	return q.r.QueryRowContext(ctx, q.d.Rebind(query), args...)
}

// writeRow runs a write that returns a row (INSERT ... RETURNING).
func (q *queries) writeRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.w.QueryRowContext(ctx, q.d.Rebind(query), args...)
}

// mustAffect turns "no row changed" into ENOTFOUND.
func mustAffect(res sql.Result, err error, what string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return app.Errorf(app.ENOTFOUND, "%s not found", what)
	}
	return nil
}
