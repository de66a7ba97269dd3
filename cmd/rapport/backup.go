package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/schollz/progressbar/v3"

	"rapport/internal/backup"
	"rapport/internal/config"
	"rapport/internal/store"
)

const backupSynopsis = `backup FILE

Writes the practice into FILE (a new file; .tar.gz by convention): a
consistent copy of the SQLite database, taken while the server runs, and the
files of the data directory (its secrets and stored files; not its logs),
with a manifest of their SHA-256 sums. PostgreSQL is backed up with pg_dump
(docs/operating.md).`

const restoreSynopsis = `restore FILE

Puts a backup back into RAPPORT_DATA_DIR, which must be new or empty: the
archive is unpacked beside it, every file checked against the manifest and
the database's integrity checked before anything is put in place. Start the
server on that directory afterwards.`

func runBackup(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	file, err := oneFileArg("backup", backupSynopsis, args, stderr)
	if err != nil {
		return err
	}
	cfg, err := set.load()
	if err != nil {
		return err
	}
	path, err := sqlitePath(cfg)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no database at %s (RAPPORT_DATA_DIR is %s): nothing to back up", path, cfg.DataDir)
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	bar := byteBar(stderr, "backing up")
	m, err := backup.Write(ctx, file, cfg.DataDir, db, bar.set)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up the database and %d files (%s) to %s in %s\n",
		len(m.Files)-1, humanize.Bytes(uint64(m.Bytes())), file, time.Since(start).Round(100*time.Millisecond))
	return nil
}

func runRestore(ctx context.Context, set settings, args []string, stdout, stderr io.Writer) error {
	file, err := oneFileArg("restore", restoreSynopsis, args, stderr)
	if err != nil {
		return err
	}
	cfg, err := set.load()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		if _, err := sqlitePath(cfg); err != nil {
			return err
		}
		return fmt.Errorf("DATABASE_URL names %s: a restore puts the database at RAPPORT_DATA_DIR/%s; unset DATABASE_URL to use it", cfg.DatabaseURL, backup.DatabaseName)
	}
	bar := byteBar(stderr, "restoring")
	m, err := backup.Restore(ctx, file, cfg.DataDir, checkRestored, bar.set)
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored the database and %d files (%s, backed up %s) into %s; `rapport serve` starts on it\n",
		len(m.Files)-1, humanize.Bytes(uint64(m.Bytes())), m.CreatedAt.Local().Format(time.DateTime), cfg.DataDir)
	return nil
}

// checkRestored opens the database of a restored directory and runs
// SQLite's integrity check.
func checkRestored(ctx context.Context, dir string) error {
	db, err := store.Open(ctx, "", dir)
	if err != nil {
		return err
	}
	defer db.Close()
	return db.CheckIntegrity(ctx)
}

// sqlitePath is the SQLite file the settings name, or store.ErrNotSQLite.
func sqlitePath(cfg *config.Config) (string, error) {
	u := cfg.DatabaseURL
	if u == "" {
		return filepath.Join(cfg.DataDir, backup.DatabaseName), nil
	}
	for _, scheme := range []string{"sqlite://", "file:"} {
		if path, ok := strings.CutPrefix(u, scheme); ok {
			return path, nil
		}
	}
	return "", store.ErrNotSQLite
}

// oneFileArg parses a command that takes one file name and no flags.
func oneFileArg(name, synopsis string, args []string, stderr io.Writer) (string, error) {
	fs := newFlags(name, synopsis, stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, "Usage: rapport %s\n", synopsis) }
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", usageError{name + " takes one file name"}
	}
	return fs.Arg(0), nil
}

// progress is a bar of bytes on the terminal, made at the first report,
// when the total is known (a bar without one would spin on a goroutine of
// its own).
type progress struct {
	w    io.Writer
	what string
	bar  *progressbar.ProgressBar
}

func byteBar(w io.Writer, what string) *progress { return &progress{w: w, what: what} }

func (p *progress) set(done, total int64) {
	if p.bar == nil {
		p.bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(p.w), progressbar.OptionSetDescription(p.what),
			progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	if p.bar.GetMax64() != total {
		p.bar.ChangeMax64(total)
	}
	p.bar.Set64(done)
}

func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
}
