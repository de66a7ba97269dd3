// Package storetest opens throwaway databases for tests: a SQLite file in a
// temporary directory, or a fresh schema in the PostgreSQL that
// RAPPORT_TEST_POSTGRES names. Under CI=true a missing PostgreSQL fails the
// test instead of skipping it.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"rapport/internal/store"
)

// Dialects are the databases every store test runs on.
var Dialects = []string{"sqlite", "postgres"}

// PostgresURL returns the PostgreSQL the tests may use, skipping tb (or
// failing it under CI) when none is configured.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("RAPPORT_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("RAPPORT_TEST_POSTGRES is not set; `make test` sets it after starting PostgreSQL")
		}
		tb.Skip("RAPPORT_TEST_POSTGRES is not set; run `make test` to test on PostgreSQL too")
	}
	return u
}

// MustOpen opens an empty, migrated database of the dialect, closed and
// removed when tb ends.
func MustOpen(tb testing.TB, dialect string) *store.DB {
	tb.Helper()
	ctx := context.Background()
	var dbURL string
	switch dialect {
	case "sqlite":
		dbURL = "sqlite://" + copyTemplate(tb)
	case "postgres":
		dbURL = freshSchema(tb, PostgresURL(tb))
	default:
		tb.Fatalf("unknown dialect %q", dialect)
	}
	db, err := store.Open(ctx, dbURL, "")
	if err != nil {
		tb.Fatalf("open %s: %v", dialect, err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		tb.Fatalf("migrate %s: %v", dialect, err)
	}
	return db
}

// URL returns a database URL for a fresh, empty database of the dialect
// that Rapport itself will open and migrate (end-to-end tests use this).
func URL(tb testing.TB, dialect string) string {
	tb.Helper()
	if dialect == "postgres" {
		return freshSchema(tb, PostgresURL(tb))
	}
	return "sqlite://" + tb.TempDir() + "/rapport.db"
}

// freshSchema creates a schema of its own for tb and returns base with its
// search_path set to it. The schema is dropped when tb ends.
func freshSchema(tb testing.TB, base string) string {
	tb.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema on %s: %v", base, err)
	}
	tb.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// templates are migrated SQLite databases, by schema hash, that MustOpen
// copies: migrating afresh for each of a thousand tests costs minutes
// under the race detector, a copy a millisecond.
var (
	templateMu sync.Mutex
	templates  = map[string]string{}
)

// copyTemplate copies a migrated SQLite database into tb's temporary
// directory and returns its path. The template is made once per schema:
// in the system's temporary directory, under the schema's hash, written
// to a file of its own and renamed into place, so that test processes
// running at once share it safely.
func copyTemplate(tb testing.TB) string {
	tb.Helper()
	src, err := sqliteTemplate()
	if err != nil {
		tb.Fatalf("a migrated SQLite template: %v", err)
	}
	dst := filepath.Join(tb.TempDir(), "test.db")
	b, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, b, 0o600)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return dst
}

func sqliteTemplate() (string, error) {
	templateMu.Lock()
	defer templateMu.Unlock()
	hash, err := store.SchemaHash("sqlite")
	if err != nil {
		return "", err
	}
	if p := templates[hash]; p != "" {
		return p, nil
	}
	final := filepath.Join(os.TempDir(), "rapport-storetest-"+hash+".db")
	if _, err := os.Stat(final); err != nil {
		if err := makeTemplate(final); err != nil {
			return "", err
		}
	}
	templates[hash] = final
	return final, nil
}

// makeTemplate migrates a new SQLite database and renames it to final.
func makeTemplate(final string) error {
	dir, err := os.MkdirTemp("", "rapport-storetest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	db, err := store.Open(context.Background(), "sqlite://"+path, "")
	if err != nil {
		return err
	}
	_, err = db.Migrate(context.Background())
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for _, side := range []string{"-wal", "-shm"} { // a clean close leaves none; be sure
		if _, err := os.Stat(path + side); err == nil {
			return fmt.Errorf("the template's %s file outlived its close", side)
		}
	}
	return os.Rename(path, final)
}
