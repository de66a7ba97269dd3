package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxKeptStatements bounds how many statements a pool keeps prepared: the
// store's SQL is a few hundred fixed texts, and a text made on the fly
// (a list of n placeholders, say) past the bound runs unprepared.
const maxKeptStatements = 1000

// stmtCache keeps each statement of a SQLite pool prepared. SQLite parses a
// statement's SQL every time it is prepared, and database/sql prepares one
// for every query with arguments: a page's twenty queries parsed twenty
// statements, which cost more than running most of them. A kept statement
// is prepared on each of the pool's connections the first time it runs
// there, and is reused from then on. (PostgreSQL needs none of this: pgx
// keeps its connections' prepared statements itself.)
type stmtCache struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt // by SQL text
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, stmts: make(map[string]*sql.Stmt)}
}

// lookup returns the kept statement of query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// prepared returns the kept statement of query, preparing it the first
// time; nil when the cache is full. It must not be called inside one of
// the pool's transactions that could hold its last connection (the
// preparation would wait for it): see txStmts.
func (c *stmtCache) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	c.mu.RLock()
	s, full := c.stmts[query], len(c.stmts) >= maxKeptStatements
	c.mu.RUnlock()
	if s != nil || full {
		return s, nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if other := c.stmts[query]; other != nil {
		s.Close() // prepared meanwhile by another caller
		return other, nil
	}
	c.stmts[query] = s
	return s, nil
}

// close closes the kept statements.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.stmts {
		s.Close()
	}
}

// cachedPool runs a pool's SQL through its kept statements (a dbtx). A
// statement that cannot be prepared runs as plain SQL, which reports the
// same error the preparation would have.
type cachedPool struct{ c *stmtCache }

func (p cachedPool) stmt(ctx context.Context, query string) *sql.Stmt {
	s, _ := p.c.prepared(ctx, query)
	return s
}

func (p cachedPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return p.c.db.ExecContext(ctx, query, args...)
}

func (p cachedPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return p.c.db.QueryContext(ctx, query, args...)
}

func (p cachedPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := p.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return p.c.db.QueryRowContext(ctx, query, args...)
}

// txStmts runs a transaction's SQL through the pool's kept statements (a
// dbtx). A statement not kept yet cannot be prepared on the pool while the
// transaction holds SQLite's one writing connection: it runs as plain SQL,
// and is noted in missed, for prepareMissed to keep once the transaction
// has ended.
//
// In a transaction every use of a kept statement is the same SQLite
// statement on the one connection, which cannot run twice at once: SQL run
// again while a query's rows of it are still open would fail. So once SQL
// has run as a query (QueryContext, whose rows the caller may hold while it
// runs more), it runs as plain SQL for the rest of the transaction.
// (QueryRowContext's row is read at once, before anything else runs.)
type txStmts struct {
	tx      *sql.Tx
	c       *stmtCache
	missed  *[]string
	queried map[string]bool // SQL run by QueryContext in this transaction
}

// stmt is the kept statement of query on the transaction's connection, or
// nil.
func (t *txStmts) stmt(ctx context.Context, query string) *sql.Stmt {
	if t.queried[query] {
		return nil
	}
	s := t.c.lookup(query)
	if s == nil {
		*t.missed = append(*t.missed, query)
		return nil
	}
	return t.tx.StmtContext(ctx, s) // closed with the transaction
}

func (t *txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s := t.stmt(ctx, query)
	if t.queried == nil {
		t.queried = make(map[string]bool)
	}
	t.queried[query] = true
	if s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// rowsClosed tells w, when it is a transaction's, that the rows of its
// last run of query are closed: the kept statement may run again (see
// txStmts).
func rowsClosed(w dbtx, query string) {
	if t, ok := w.(*txStmts); ok {
		delete(t.queried, query)
	}
}

// prepareMissed keeps the statements a transaction ran as plain SQL, now
// that it has ended and the connection is free. One that fails to prepare
// is left: it runs as plain SQL again next time. A nil cache (PostgreSQL)
// keeps none.
func (c *stmtCache) prepareMissed(ctx context.Context, missed []string) {
	if c == nil {
		return
	}
	for _, q := range missed {
		c.prepared(ctx, q) //nolint:errcheck // see above
	}
}
