package backup_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"rapport/internal/app"
	"rapport/internal/backup"
	"rapport/internal/coaching"
	"rapport/internal/store"
	"rapport/internal/store/storetest"
)

// practice is a data directory with a live SQLite database holding one
// user, a secret, a stored file, and what a backup leaves out.
func practice(t *testing.T) (dir string, db *store.DB) {
	t.Helper()
	dir = t.TempDir()
	ctx := context.Background()
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := &coaching.User{Email: "cleo@example.com", Name: "Cleo", Role: app.RoleClient, Status: coaching.StatusActive, CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "session.key"), "secret")
	write(t, filepath.Join(dir, "files", "ab", "report.pdf"), "%PDF-1.7 a report")
	write(t, filepath.Join(dir, "logs", "rapport.log"), "a log line")
	write(t, filepath.Join(dir, "skool-browser", "Cookies"), "a cache")
	return dir, db
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// integrity is the check the command runs on a restored directory.
func integrity(ctx context.Context, dir string) error {
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.CheckIntegrity(ctx)
}

// TestBackUpAndRestore: the archive carries the database, the secret and
// the stored file, not the logs nor the browser profile; restored into a
// new directory, the user is there and every file reads as it was.
func TestBackUpAndRestore(t *testing.T) {
	ctx := context.Background()
	dir, db := practice(t)
	file := filepath.Join(t.TempDir(), "practice.tar.gz")
	var lastDone, lastTotal int64
	m, err := backup.Write(ctx, file, dir, db, func(done, total int64) { lastDone, lastTotal = done, total })
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range m.Files {
		names = append(names, e.Name)
	}
	if got := strings.Join(names, " "); got != "rapport.db files/ab/report.pdf session.key" {
		t.Fatalf("archived %q", got)
	}
	if lastDone != m.Bytes() || lastTotal != m.Bytes() {
		t.Errorf("the progress ended at %d of %d, want %d", lastDone, lastTotal, m.Bytes())
	}
	if info, err := os.Stat(file); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("the archive's mode: %v %v, want owner-only", info, err)
	}

	to := filepath.Join(t.TempDir(), "restored")
	if _, err := backup.Restore(ctx, file, to, integrity, nil); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"session.key": "secret", "files/ab/report.pdf": "%PDF-1.7 a report"} {
		if got, err := os.ReadFile(filepath.Join(to, name)); err != nil || string(got) != want {
			t.Errorf("restored %s: %q %v", name, got, err)
		}
	}
	for _, name := range []string{"logs", "skool-browser"} {
		if _, err := os.Stat(filepath.Join(to, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s was restored: %v", name, err)
		}
	}
	restored, err := store.Open(ctx, "", to)
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if u, err := restored.UserByEmail(ctx, "cleo@example.com"); err != nil || u.Name != "Cleo" {
		t.Fatalf("the restored database: %+v %v", u, err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(to)); len(entries) != 1 {
		t.Errorf("the restore left %d entries beside the data directory, want only it", len(entries))
	}
}

// TestABackupNeverOverwrites: an existing file is refused and kept.
func TestABackupNeverOverwrites(t *testing.T) {
	dir, db := practice(t)
	file := filepath.Join(t.TempDir(), "practice.tar.gz")
	write(t, file, "an older backup")
	if _, err := backup.Write(context.Background(), file, dir, db, nil); err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Fatalf("writing over a file: %v", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "an older backup" {
		t.Fatalf("the older file became %q", got)
	}
}

// TestACancelledBackupLeavesNothing: a backup stopped half-way leaves no
// file at its name and nothing beside it.
func TestACancelledBackupLeavesNothing(t *testing.T) {
	dir, db := practice(t)
	out := t.TempDir()
	file := filepath.Join(out, "practice.tar.gz")
	ctx, cancel := context.WithCancel(context.Background())
	_, err := backup.Write(ctx, file, dir, db, func(done, total int64) { cancel() })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled backup answered %v", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Fatalf("a cancelled backup left %v", entries)
	}
}

// TestRestoreRefusesANonEmptyDirectory: nothing is written into it.
func TestRestoreRefusesANonEmptyDirectory(t *testing.T) {
	dir, db := practice(t)
	file := filepath.Join(t.TempDir(), "practice.tar.gz")
	if _, err := backup.Write(context.Background(), file, dir, db, nil); err != nil {
		t.Fatal(err)
	}
	to := t.TempDir()
	write(t, filepath.Join(to, "notes.txt"), "mine")
	if _, err := backup.Restore(context.Background(), file, to, integrity, nil); !errors.Is(err, backup.ErrNotEmpty) {
		t.Fatalf("a restore into a directory with a file answered %v", err)
	}
	if entries, _ := os.ReadDir(to); len(entries) != 1 {
		t.Fatalf("the directory now holds %v", entries)
	}
}

// TestARestoreThatFailsMidwayLeavesTheDirectoryEmpty: restoring into an
// existing empty directory stages inside it and leaves nothing beside
// it; when an entry cannot be moved in, those moved already are removed,
// and only what was in the way remains.
func TestARestoreThatFailsMidwayLeavesTheDirectoryEmpty(t *testing.T) {
	dir, db := practice(t)
	file := filepath.Join(t.TempDir(), "practice.tar.gz")
	if _, err := backup.Write(context.Background(), file, dir, db, nil); err != nil {
		t.Fatal(err)
	}
	parent := t.TempDir()
	to := filepath.Join(parent, "data")
	if err := os.Mkdir(to, 0o700); err != nil {
		t.Fatal(err)
	}
	// In the way: session.key, the last entry moved, is a directory with a
	// file in it by the time the checked stage moves in.
	inTheWay := func(ctx context.Context, stage string) error {
		write(t, filepath.Join(to, "session.key", "in-the-way"), "x")
		return integrity(ctx, stage)
	}
	if _, err := backup.Restore(context.Background(), file, to, inTheWay, nil); err == nil || !strings.Contains(err.Error(), "session.key") {
		t.Fatalf("a restore that cannot move session.key answered %v", err)
	}
	var left []string
	entries, _ := os.ReadDir(to)
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if got := strings.Join(left, " "); got != "session.key" {
		t.Fatalf("the data directory holds %q after the failed restore, want only what was in the way", got)
	}
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Fatalf("the restore left %d entries beside the data directory, want only it", len(entries))
	}

	if err := os.RemoveAll(filepath.Join(to, "session.key")); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Restore(context.Background(), file, to, integrity, nil); err != nil {
		t.Fatalf("a restore into the empty directory: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(to, "session.key")); err != nil || string(got) != "secret" {
		t.Fatalf("restored session.key: %q %v", got, err)
	}
	if entries, _ := os.ReadDir(to); len(entries) != 3 {
		t.Fatalf("the restored directory holds %v, want rapport.db, files and session.key", entries)
	}
}

// TestRestoreRefusesABadArchive: a damaged file, a file the manifest does
// not list, a path out of the directory, no manifest, and not an archive
// at all: each is named, and the data directory is never created.
func TestRestoreRefusesABadArchive(t *testing.T) {
	dir, db := practice(t)
	good := filepath.Join(t.TempDir(), "practice.tar.gz")
	if _, err := backup.Write(context.Background(), good, dir, db, nil); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		edit       func(name string, body []byte) (string, []byte, bool)
		extra      []string // name, body pairs appended
	}{
		{name: "a damaged file", want: "session.key is damaged",
			edit: func(n string, b []byte) (string, []byte, bool) {
				if n == "session.key" {
					return n, []byte("secreT"), true
				}
				return n, b, true
			}},
		{name: "a file not in the manifest", want: "not in its manifest", extra: []string{"intruder.txt", "x"}},
		{name: "a path out of the directory", want: "outside the data directory", extra: []string{"../escape.txt", "x"}},
		{name: "no manifest", want: "no manifest",
			edit: func(n string, b []byte) (string, []byte, bool) { return n, b, n != backup.ManifestName }},
		{name: "a missing file", want: "in the manifest but not in the archive",
			edit: func(n string, b []byte) (string, []byte, bool) { return n, b, n != "session.key" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bad := filepath.Join(t.TempDir(), "bad.tar.gz")
			rewrite(t, good, bad, c.edit, c.extra)
			to := filepath.Join(t.TempDir(), "data")
			_, err := backup.Restore(context.Background(), bad, to, integrity, nil)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("answered %v, want %q", err, c.want)
			}
			if _, err := os.Stat(to); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the data directory was created: %v", err)
			}
			if entries, _ := os.ReadDir(filepath.Dir(to)); len(entries) != 0 {
				t.Fatalf("the failed restore left %v", entries)
			}
		})
	}
	t.Run("not an archive", func(t *testing.T) {
		notOne := filepath.Join(t.TempDir(), "notes.txt")
		write(t, notOne, "just text")
		if _, err := backup.Restore(context.Background(), notOne, filepath.Join(t.TempDir(), "d"), integrity, nil); err == nil || !strings.Contains(err.Error(), "not a Rapport backup") {
			t.Fatalf("answered %v", err)
		}
	})
}

// TestSnapshotIsSQLiteOnly: PostgreSQL is backed up with its own tools.
func TestSnapshotIsSQLiteOnly(t *testing.T) {
	db := storetest.MustOpen(t, "postgres")
	err := db.Snapshot(context.Background(), filepath.Join(t.TempDir(), "x.db"))
	if !errors.Is(err, store.ErrNotSQLite) {
		t.Fatalf("a PostgreSQL snapshot answered %v", err)
	}
}

// rewrite copies the archive src to dst through edit (which may rename,
// change or drop an entry) and appends extra entries before the manifest.
func rewrite(t *testing.T, src, dst string, edit func(string, []byte) (string, []byte, bool), extra []string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	gz, err := gzip.NewReader(in)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	put := func(name string, body []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if h.Name == backup.ManifestName {
			for i := 0; i+1 < len(extra); i += 2 {
				put(extra[i], []byte(extra[i+1]))
			}
		}
		name := h.Name
		keep := true
		if edit != nil {
			name, body, keep = edit(name, body)
		}
		if keep {
			put(name, body)
		}
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
