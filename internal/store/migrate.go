package store

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations
var migrationFS embed.FS

// Migration is one numbered schema change of a dialect.
type Migration struct {
	Version   int
	Name      string
	Up, Down  string
	AppliedAt *time.Time // nil while pending
}

// migrationLockID keys the PostgreSQL advisory lock that keeps two nodes
// from migrating at once.
const migrationLockID = 7261_2024

// Migrations returns the dialect's migrations in order, each marked with
// when it was applied.
func (db *DB) Migrations(ctx context.Context) ([]*Migration, error) {
	all, err := loadMigrations(db.Dialect.Name())
	if err != nil {
		return nil, err
	}
	if err := db.ensureMigrationTable(ctx); err != nil {
		return nil, err
	}
	applied, err := db.appliedMigrations(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if t, ok := applied[m.Version]; ok {
			m.AppliedAt = &t
			delete(applied, m.Version)
		}
	}
	for v := range applied {
		return all, fmt.Errorf("the database has migration %04d, which this binary does not know: it was made by a newer Rapport; run that version or restore a backup", v)
	}
	return all, nil
}

// Migrate applies every pending migration, each in its own transaction, and
// turns on the reading pool. It returns the migrations it applied.
func (db *DB) Migrate(ctx context.Context) ([]*Migration, error) {
	all, err := db.Migrations(ctx)
	if err != nil {
		return nil, err
	}
	var done []*Migration
	for _, m := range all {
		if m.AppliedAt != nil {
			continue
		}
		ran, err := db.applyMigration(ctx, m, true)
		if err != nil {
			return done, err
		}
		if ran {
			done = append(done, m)
		}
	}
	db.useReaders()
	return done, nil
}

// MigrateDown reverts the newest applied migration, and returns it (nil when
// none was applied).
func (db *DB) MigrateDown(ctx context.Context) (*Migration, error) {
	all, err := db.Migrations(ctx)
	if err != nil {
		return nil, err
	}
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].AppliedAt != nil {
			_, err := db.applyMigration(ctx, all[i], false)
			return all[i], err
		}
	}
	return nil, nil
}

// applyMigration runs m up or down in one transaction with its record. It
// reports false when another process did the same meanwhile.
func (db *DB) applyMigration(ctx context.Context, m *Migration, up bool) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, mapErr(err)
	}
	defer tx.Rollback()
	if db.Dialect.Name() == "postgres" {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLockID); err != nil {
			return false, fmt.Errorf("lock migrations: %w", err)
		}
	}
	var n int
	q := db.Dialect.Rebind(`SELECT count(*) FROM schema_migrations WHERE version = ?`)
	if err := tx.QueryRowContext(ctx, q, m.Version).Scan(&n); err != nil {
		return false, err
	}
	if (n > 0) == up {
		return false, nil
	}
	body, record, args := m.Up, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		[]any{m.Version, m.Name, db.Dialect.Time(time.Now())}
	if !up {
		body, record, args = m.Down, `DELETE FROM schema_migrations WHERE version = ?`, []any{m.Version}
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return false, fmt.Errorf("migration %04d %s: %w", m.Version, m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, db.Dialect.Rebind(record), args...); err != nil {
		return false, fmt.Errorf("record migration %04d: %w", m.Version, err)
	}
	return true, tx.Commit()
}

func (db *DB) ensureMigrationTable(ctx context.Context) error {
	timeType := "TEXT"
	if db.Dialect.Name() == "postgres" {
		timeType = "TIMESTAMPTZ"
	}
	_, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at `+timeType+` NOT NULL)`)
	if err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	return nil
}

func (db *DB) appliedMigrations(ctx context.Context) (map[int]time.Time, error) {
	rows, err := db.write.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("read schema_migrations: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Time{}
	for rows.Next() {
		var v int
		var t time.Time
		if err := rows.Scan(&v, timeScan{&t}); err != nil {
			return nil, err
		}
		out[v] = t
	}
	return out, rows.Err()
}

// loadMigrations reads NNNN_name.up.sql and NNNN_name.down.sql pairs.
func loadMigrations(dialect string) ([]*Migration, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	byVersion := map[int]*Migration{}
	for _, e := range entries {
		if err := addMigrationFile(byVersion, dir, e.Name()); err != nil {
			return nil, err
		}
	}
	out := make([]*Migration, 0, len(byVersion))
	for _, m := range byVersion {
		if m.Up == "" || m.Down == "" {
			return nil, fmt.Errorf("migration %04d %s lacks its up or down file", m.Version, m.Name)
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

func addMigrationFile(byVersion map[int]*Migration, dir, file string) error {
	base, direction, ok := strings.Cut(strings.TrimSuffix(file, ".sql"), ".")
	num, name, ok2 := strings.Cut(base, "_")
	v, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || (direction != "up" && direction != "down") {
		return fmt.Errorf("migration file %s is not named NNNN_name.up.sql or .down.sql", file)
	}
	body, err := fs.ReadFile(migrationFS, path.Join(dir, file))
	if err != nil {
		return err
	}
	m := byVersion[v]
	if m == nil {
		m = &Migration{Version: v, Name: name}
		byVersion[v] = m
	}
	if direction == "up" {
		m.Up = string(body)
	} else {
		m.Down = string(body)
	}
	return nil
}

// SchemaHash names a dialect's schema as the migrations in this binary
// make it: a hash of their files, in order. Tests key a migrated template
// database by it.
func SchemaHash(dialect string) (string, error) {
	list, err := loadMigrations(dialect)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range list {
		fmt.Fprintf(h, "%d %s\x00%s\x00%s\x00", m.Version, m.Name, m.Up, m.Down)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}
